"""The database schema as SQLAlchemy 2 typed declarative models.

Portable between SQLite (the embedded default) and PostgreSQL: plain strings instead of database enums
(new statuses or kinds need no migration), ``sa.JSON`` for documents, :class:`UTCDateTime` for instants.
Every change to this file needs a new migration in ``storage/migrations/versions``;
``tests/storage/test_migrations.py`` fails while the two disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from council.roles import ScopeKind
from council.search import WORD_MAX

UTC = dt.UTC

#: Constraint and index names are spelled out so that migrations can name them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Length of codes of organisational units (``C-SMN-SEMNAN``) and of role / kind / status names.
CODE_LENGTH = 32
NAME_LENGTH = 200
SHA256_HEX_LENGTH = 64
SUBMISSION_KEY_LENGTH = 64

#: ``prev_hash`` of the first event of the chain.
GENESIS_HASH = "0" * SHA256_HEX_LENGTH


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timezone-aware instant, stored in UTC, read back as an aware UTC ``datetime`` on every backend.

    SQLite has no time zones: SQLAlchemy would silently drop the offset of an aware value and hand back a
    naive one. So values are converted to UTC before they are written and marked UTC when read. Naive values
    are refused: an instant without a zone is a bug upstream.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: store aware instants only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: Ids of tables that grow without bound; SQLite only auto-increments an ``INTEGER`` primary key.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dt.datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
    }


# --- organisation


class Province(Base):
    """استان."""

    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))


class County(Base):
    """شهرستان."""

    __tablename__ = "counties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("provinces.id"), index=True)


class Board(Base):
    """A conformity board (هیأت تطبیق); ``voting_seats`` sets the majority that makes a ruling final."""

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("counties.id"), index=True)
    voting_seats: Mapped[int]


class Council(Base):
    """A council (شورا); ``kind`` is city / village / district / county, ``members`` its seats."""

    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    kind: Mapped[str] = mapped_column(sa.String(16))
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("counties.id"), index=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    # Seats of the council: a resolution's votes for + against + abstain cannot exceed it.
    members: Mapped[int]


#: The organisation's tables, by the scope kind of their units (the nation has no table).
UNIT_MODELS: dict[ScopeKind, type[Province | County | Board | Council]] = {
    ScopeKind.PROVINCE: Province,
    ScopeKind.COUNTY: County,
    ScopeKind.BOARD: Board,
    ScopeKind.COUNCIL: Council,
}


# --- people and access


class Person(Base):
    """Someone who talks to the bot, known by the platform's user id."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_user_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    username: Mapped[str | None] = mapped_column(sa.String(64))
    language: Mapped[str] = mapped_column(sa.String(8), default="fa", server_default="fa")
    # Set when the platform says the person blocked the bot.
    unreachable: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Whether their board secretary (or an admin) has been told that they are unreachable: once.
    unreachable_told: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Personal quiet hours (Tehran wall clock); NULL means the configured default.
    quiet_hours_start: Mapped[dt.time | None]
    quiet_hours_end: Mapped[dt.time | None]
    digest: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[dt.datetime]


class RoleBinding(Base):
    """A person holds ``role`` over the unit ``scope_code`` of kind ``scope_kind`` (see council.roles)."""

    __tablename__ = "role_bindings"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "role", "scope_kind", "scope_code"),
        # "Who are the members of board B?"
        sa.Index(None, "scope_kind", "scope_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(sa.String(CODE_LENGTH))
    scope_kind: Mapped[str] = mapped_column(sa.String(16))
    scope_code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH))
    created_at: Mapped[dt.datetime]


class Invite(Base):
    """A one-time invitation to a role; only the sha256 of the code is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(SHA256_HEX_LENGTH), unique=True)
    role: Mapped[str] = mapped_column(sa.String(CODE_LENGTH))
    scope_kind: Mapped[str] = mapped_column(sa.String(16))
    scope_code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))


# --- resolutions


class Resolution(Base):
    """A resolution (مصوبه) as submitted; its texts are :class:`ResolutionVersion` rows."""

    __tablename__ = "resolutions"
    __table_args__ = (
        # The council's own numbering: one number per council and Jalali year.
        sa.UniqueConstraint("council_id", "jalali_year", "council_number"),
        sa.Index(None, "status"),
        # The sweep's questions: "under review past the review deadline?", "objected past reconsideration?"
        sa.Index(None, "status", "review_deadline"),
        sa.Index(None, "status", "reconsideration_deadline"),
        # One resolution per submitted form: a double tap or a repeated callback finds the first one.
        sa.Index(None, "submission_key", unique=True),
        # Lists newest first and "submitted in this period", within a scope (storage.lists).
        sa.Index(None, "submitted_at", "council_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True)
    # Indexed by the unique constraint above, whose first column it is.
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"))
    council_number: Mapped[str] = mapped_column(sa.String(CODE_LENGTH))
    jalali_year: Mapped[int]
    session_number: Mapped[str] = mapped_column(sa.String(CODE_LENGTH))
    approval_date: Mapped[dt.date]
    status: Mapped[str] = mapped_column(sa.String(CODE_LENGTH))
    # Review cycle: 1 on submission, +1 for each amendment sent back for review.
    cycle: Mapped[int] = mapped_column(default=1, server_default="1")
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    submitted_at: Mapped[dt.datetime]
    late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The id of the chat form that made it (NULL for resolutions entered otherwise).
    submission_key: Mapped[str | None] = mapped_column(sa.String(SUBMISSION_KEY_LENGTH))
    # When the current status took effect (a lapse: the deadline instant, not when a sweep noticed it).
    status_at: Mapped[dt.datetime | None]
    # The deadlines of the current cycle (DESIGN §2 rules 2, 5, 6); NULL until the window opens.
    review_deadline: Mapped[dt.datetime | None]
    reconsideration_deadline: Mapped[dt.datetime | None]
    escalation_deadline: Mapped[dt.datetime | None]
    # Set by every change that can change who is reminded of what (submission, vote, transition); the
    # sweep re-plans the resolution's reminders and clears it (``storage.reminders``).
    replan_reminders: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), index=True)


#: A search word compares in code point order on every backend, so that a prefix is a range of the index
#: (``council.search.prefix_end``); PostgreSQL's default collation may not be code point order.
SearchWordType = sa.String(WORD_MAX).with_variant(sa.String(WORD_MAX, collation="C"), "postgresql")


class ResolutionWord(Base):
    """A word of a resolution's latest title and text (``council.search.index_words``), for free-text search.

    Replaced whenever a version is added, in the same transaction (``storage.resolutions``). Each row
    carries its resolution's submission instant (which never changes), so that the primary key serves
    "which resolutions have a word beginning so?" and also "which resolutions submitted in this period
    have this word?" — a word's entries read newest first (``storage.lists``); the unique second index
    serves "has this resolution such a word?" and the replacement of one resolution's words.

    Each row also carries the province of its resolution's council (migration 0008), kept in step when the
    organisation file moves a council or a county to another province (``storage.orgfile``): the index
    ``(province_id, word, submitted_at, resolution_id)`` makes a province's entries of a word in a period
    one range, so that a province is searched as the nation is, over its own entries only.
    """

    __tablename__ = "resolution_words"
    __table_args__ = (
        sa.Index(None, "resolution_id", "word", unique=True),
        sa.Index(None, "province_id", "word", "submitted_at", "resolution_id"),
    )

    word: Mapped[str] = mapped_column(SearchWordType, primary_key=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(sa.ForeignKey("resolutions.id"), primary_key=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("provinces.id"))


class ResolutionVersion(Base):
    """One text of a resolution; an amendment adds a version and keeps the earlier ones."""

    __tablename__ = "resolution_versions"
    __table_args__ = (sa.UniqueConstraint("resolution_id", "version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(sa.ForeignKey("resolutions.id"))
    version_no: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(500))
    text: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.String(64))
    votes_for: Mapped[int]
    votes_against: Mapped[int]
    votes_abstain: Mapped[int]
    created_at: Mapped[dt.datetime]


class Attachment(Base):
    """A file sent with a version (signed minutes as PDF or photos), kept by the platform's file id."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("resolution_versions.id"), index=True)
    # How the platform holds the file: "photo" (sent on with sendPhoto) or "document" (sendDocument).
    kind: Mapped[str] = mapped_column(sa.String(16))
    file_id: Mapped[str] = mapped_column(sa.String(255))
    file_unique_id: Mapped[str] = mapped_column(sa.String(128))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    mime_type: Mapped[str | None] = mapped_column(sa.String(128))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    local_path: Mapped[str | None] = mapped_column(sa.String(500))


# --- the review


class BoardVote(Base):
    """A board member's vote in one review cycle. Every vote is kept; the member's latest one counts."""

    __tablename__ = "votes"
    # A cycle's votes, each member's together in the order cast: the report finds a member's first vote of
    # a cycle in the index alone (migration 0009).
    __table_args__ = (sa.Index(None, "resolution_id", "cycle", "member_id", "cast_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    resolution_id: Mapped[int] = mapped_column(sa.ForeignKey("resolutions.id"))
    cycle: Mapped[int]
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    # VoteChoice: no_conflict / conflict.
    choice: Mapped[str] = mapped_column(sa.String(16))
    # A conflict vote's grounds (GroundsKind law / outside_powers; the law and article for ``law``).
    grounds_kind: Mapped[str | None] = mapped_column(sa.String(16))
    grounds_law: Mapped[str | None] = mapped_column(sa.String(500))
    grounds_article: Mapped[str | None] = mapped_column(sa.String(200))
    reasoning: Mapped[str | None] = mapped_column(sa.Text)
    cast_at: Mapped[dt.datetime]


class ReviewCycle(Base):
    """What the event log says of one review cycle of a resolution, kept for the performance report
    (``storage.reports``) so that it reads plain columns instead of every event's JSON payload.

    Written by :meth:`storage.repository.Repository.append_event` in the transaction of the event that
    changes it (``storage.review_cycles``), and filled from the event log by migration 0009. Only events
    whose payload carries a ``cycle`` count, as the report always read them:

    - ``review_deadline``: the cycle's review deadline, from the ``submitted`` event (cycle 1) or the
      ``amended`` event that opened it (its ``new_cycle`` and ``review_deadline``);
    - ``ruled_at``: the board's ruling in the cycle (``ruled``; a lapse is not a ruling), the latest if
      there were more; ``conflict`` whether a ruling was an objection, and ``reconsideration_deadline`` the
      deadline an objection's payload keeps (the latest);
    - ``answered_at``: the council's answer to the cycle's objection (``amended`` / ``revoked`` /
      ``insisted``), the first if there were more.

    A resolution's current cycle may have no row (a resolution entered without these events): the report
    then takes its deadline from ``resolutions.review_deadline``, as for a current cycle whose row has none.
    """

    __tablename__ = "review_cycles"
    # SQLite keeps the rows in key order: a resolution's cycles are one range, read without a second lookup.
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    resolution_id: Mapped[int] = mapped_column(sa.ForeignKey("resolutions.id"), primary_key=True)
    cycle: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    review_deadline: Mapped[dt.datetime | None]
    ruled_at: Mapped[dt.datetime | None]
    conflict: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    reconsideration_deadline: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]


class ExpertOpinion(Base):
    """An expert's non-binding opinion in one review cycle; an expert's latest of the cycle is shown."""

    __tablename__ = "opinions"
    __table_args__ = (sa.Index(None, "resolution_id", "cycle"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    resolution_id: Mapped[int] = mapped_column(sa.ForeignKey("resolutions.id"))
    cycle: Mapped[int]
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    finding: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(sa.Text)
    given_at: Mapped[dt.datetime]


class SentMessage(Base):
    """A message with buttons sent about a resolution, so its buttons can be removed when their act is gone.

    ``purpose`` says which act the buttons offer (review, reconsideration, escalation).
    """

    __tablename__ = "sent_messages"
    __table_args__ = (sa.Index(None, "resolution_id", "purpose"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    resolution_id: Mapped[int] = mapped_column(sa.ForeignKey("resolutions.id"))
    cycle: Mapped[int]
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    chat_id: Mapped[int] = mapped_column(sa.BigInteger)
    message_id: Mapped[int] = mapped_column(sa.BigInteger)
    purpose: Mapped[str] = mapped_column(sa.String(CODE_LENGTH))
    sent_at: Mapped[dt.datetime]


# --- reminders


class Reminder(Base):
    """One reminder to one person (DESIGN §5), planned from a deadline by ``reminders.planning``.

    The unique key is the plan's: (resolution, cycle, recipient, kind, offset label) — a reminder is sent
    once. ``planned_at`` is the plan's instant (re-plans compare it); ``due_at`` is when the sweep may send
    it: the plan's instant, moved by a snooze or by the recipient's quiet hours. ``state`` goes
    ``pending`` → ``sending`` (claimed by one sweep with a conditional update) → ``sent``; or ``dropped``
    when events overtook it.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        sa.UniqueConstraint("resolution_id", "cycle", "recipient_id", "kind", "offset_label"),
        # The sweep's question: "pending and due by now?"
        sa.Index(None, "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    resolution_id: Mapped[int] = mapped_column(sa.ForeignKey("resolutions.id"))
    cycle: Mapped[int]
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(CODE_LENGTH))
    offset_label: Mapped[str] = mapped_column(sa.String(16))
    urgent: Mapped[bool]
    planned_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(sa.String(16))
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    message_id: Mapped[int | None] = mapped_column(sa.BigInteger)


class Digest(Base):
    """One official's daily digest (DESIGN §5) for one Tehran day: what is due, overdue and lapsed in their
    scope. Not a :class:`Reminder` because it is about no single resolution; its key (recipient, day) is
    unique, so a day's digest is sent once however many sweeps or instances try. States as reminders:
    ``pending`` → ``sending`` → ``sent`` / ``dropped`` / ``unreachable``."""

    __tablename__ = "digests"
    __table_args__ = (
        sa.UniqueConstraint("recipient_id", "day"),
        sa.Index(None, "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    day: Mapped[dt.date]
    due_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(sa.String(16))
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    message_id: Mapped[int | None] = mapped_column(sa.BigInteger)


# --- the event log


class Event(Base):
    """Append-only log of everything that happened, linked by a sha256 hash chain.

    ``hash = sha256(prev_hash + canonical JSON of the content)``: see ``council.review.event_hash``.
    ``prev_hash`` is unique, so the chain cannot fork even if two writers race.
    """

    __tablename__ = "events"
    __table_args__ = (
        sa.Index(None, "resolution_id", "id"),
        # "Which objections / lapses happened in this period?" (storage.lists).
        sa.Index(None, "kind", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    resolution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resolutions.id"))
    kind: Mapped[str] = mapped_column(sa.String(64))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    at: Mapped[dt.datetime]
    payload: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(sa.String(SHA256_HEX_LENGTH), unique=True)
    hash: Mapped[str] = mapped_column(sa.String(SHA256_HEX_LENGTH))


class EventChain(Base):
    """The single row holding the head of the event chain.

    Appending locks this row first (an ``UPDATE``), which serialises writers on PostgreSQL and SQLite alike,
    so every event links to the one before it.
    """

    __tablename__ = "event_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    head_hash: Mapped[str] = mapped_column(sa.String(SHA256_HEX_LENGTH))
    length: Mapped[int] = mapped_column(sa.BigInteger)


#: The one row of ``event_chain``; the migration inserts it, and so does ``metadata.create_all``.
EVENT_CHAIN_ROW = {"id": 1, "head_hash": GENESIS_HASH, "length": 0}


@sa.event.listens_for(EventChain.__table__, "after_create")
def _insert_chain_head(target: sa.Table, connection: sa.Connection, **_: Any) -> None:
    connection.execute(target.insert().values(**EVENT_CHAIN_ROW))


# --- calendar and chat state


class Closure(Base):
    """A day off added by an admin (e.g. air pollution), nationwide or for one province."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(index=True)
    province_code: Mapped[str | None] = mapped_column(sa.ForeignKey("provinces.code"))
    reason: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))


class FsmState(Base):
    """A conversation's aiogram FSM state and data, so a half-filled form survives a restart."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(sa.String(255))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]
