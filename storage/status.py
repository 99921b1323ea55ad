"""Status queries within a person's scope (issue 6): which councils one may see, a resolution by tracking code
or by its council's number, its timeline, and what waits for a person.

Every look-up takes a :class:`council.scope.Scope` and filters in SQL, so a resolution outside the scope is
never loaded: to the caller it is exactly as absent as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from council.review import ConflictGrounds, GroundsKind, Vote, VoteChoice
from council.roles import Role
from council.scope import BindingLike, CouncilPlace, Scope, scope_of
from council.status import Status
from council.submission import Category, Votes

from . import changes, direct, people_cache
from .models import (
    Board,
    BoardVote,
    Council,
    County,
    Event,
    ExpertOpinion,
    Person,
    Province,
    Resolution,
    ResolutionVersion,
)
from .parts import RepositoryPart
from .resolutions import ResolutionRecord, newest_version_no

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CouncilName:
    """A council one may see."""

    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class NumberHit:
    """A resolution found by its council's number."""

    resolution_id: int
    council_id: int
    council_name: str
    jalali_year: int


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One event of a resolution's history, oldest first."""

    kind: str
    at: dt.datetime
    actor: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What a status card shows of a resolution and where it sits: its newest version (without the text and
    the attachments, which the card does not show: ``record.text`` is empty), its council's place and the
    board's voting seats."""

    record: ResolutionRecord
    place: CouncilPlace
    voting_seats: int
    #: The newest event and the newest vote of the cycle (ids): both tables are append-only and every act
    #: on a resolution adds to one of them, so together they name the state of its votes and timeline.
    history: tuple[int | None, int | None] = (None, None)


#: Of each database (engine), the votes and timelines of the resolutions whose cards were shown, keyed by the
#: resolution, its cycle, its newest event and vote and the people's generation (voters' names): an entry
#: serves only while none of them changed. Least recently stored dropped beyond ``HISTORY_KEPT``.
_histories: weakref.WeakKeyDictionary[Any, dict[tuple[int, ...], _History]] = weakref.WeakKeyDictionary()
HISTORY_KEPT = 20_000


@dataclass(slots=True)
class _History:
    timeline: list[TimelineEntry]
    votes: list[tuple[str, Vote]] | None


def _councils_with_places() -> sa.Select[int, str, str]:
    return (
        sa.select(Council.id, Council.code, Council.name)
        .join(Board, Board.id == Council.board_id)
        .join(County, County.id == Council.county_id)
        .join(Province, Province.id == County.province_id)
    )


def scope_condition(scope: Scope) -> sa.ColumnElement[bool]:
    """The SQL form of :meth:`council.scope.Scope.covers` over councils joined with their board, county
    and province."""
    if scope.nation:
        return sa.true()
    parts: list[sa.ColumnElement[bool]] = []
    for column, codes in (
        (Council.code, scope.councils),
        (Board.code, scope.boards),
        (County.code, scope.counties),
        (Province.code, scope.provinces),
    ):
        if codes:
            parts.append(column.in_(sorted(codes)))
    return sa.or_(*parts) if parts else sa.false()


#: Of each database (engine), the card facts found per (scope, tracking code) — ``(None, resolution id)`` for
#: :meth:`StatusStore.card_facts` — each tagged with :func:`storage.changes.state` as it was before the read:
#: served only while that state is unchanged (nothing committed since, here or by another process), so the
#: answer is what the query would return now. ``None`` (nothing found in scope) is kept too. Least recently
#: stored dropped beyond ``FACTS_KEPT``.
_facts: weakref.WeakKeyDictionary[Any, dict[tuple[Scope | None, int | str], tuple[Any, CardFacts | None]]] = (
    weakref.WeakKeyDictionary()
)
FACTS_KEPT = 50_000


#: The statements of :meth:`StatusStore.card_facts` (key ``None``) and ``card_facts_by_code`` (key: the
#: scope), built once: building and keying this select took 1.2 ms of its 1.7 ms on SQLite.
_FACTS_STATEMENTS: dict[Scope | None, sa.Executable] = {}
STATEMENTS_KEPT = 1_000


def _facts_statement(*where: sa.ColumnElement[bool], last_ids: bool = True) -> direct.AnySelect:
    """The select of :class:`CardFacts`, of the resolution ``where`` says (a ``key`` parameter); with
    ``last_ids`` the newest event's and vote's ids as its last two columns (``CardFacts.history``). The
    direct reads leave them out: they read the resolution's events and votes in the same snapshot and take
    the largest ids from those rows. The version's text is not read (the card does not show it; a long text
    would cost overflow pages and its decoding)."""
    newest = newest_version_no()
    statement = (
        sa.select(
            Resolution.id,
            Resolution.tracking_code,
            Resolution.council_number,
            Resolution.session_number,
            Resolution.approval_date,
            Resolution.status,
            Resolution.cycle,
            Resolution.late,
            Resolution.submitted_at,
            Resolution.review_deadline,
            Resolution.status_at,
            Resolution.reconsideration_deadline,
            Resolution.escalation_deadline,
            Council.name,
            Council.code,
            Board.code,
            Board.voting_seats,
            County.code,
            Province.code,
            ResolutionVersion.version_no,
            ResolutionVersion.title,
            ResolutionVersion.category,
            ResolutionVersion.votes_for,
            ResolutionVersion.votes_against,
            ResolutionVersion.votes_abstain,
        )
        .join_from(Resolution, Council, Council.id == Resolution.council_id)
        .join(Board, Board.id == Council.board_id)
        .join(County, County.id == Council.county_id)
        .join(Province, Province.id == County.province_id)
        .join(
            ResolutionVersion,
            sa.and_(
                ResolutionVersion.resolution_id == Resolution.id,
                ResolutionVersion.version_no == newest,
            ),
        )
        .where(*where)
    )
    if not last_ids:
        return statement
    return statement.add_columns(
        sa.select(sa.func.max(Event.id))
        .where(Event.resolution_id == Resolution.id)
        .correlate(Resolution)
        .scalar_subquery(),
        sa.select(sa.func.max(BoardVote.id))
        .where(BoardVote.resolution_id == Resolution.id, BoardVote.cycle == Resolution.cycle)
        .correlate(Resolution)
        .scalar_subquery(),
    )


#: The timeline's and the current votes' statements, built once (as ``_FACTS_STATEMENTS``).
_TIMELINE = (
    sa.select(Event.kind, Event.at, Person.display_name, Event.payload)
    .outerjoin(Person, Person.id == Event.actor_id)
    .where(Event.resolution_id == sa.bindparam("resolution"))
    .order_by(Event.at, Event.id)
)
_VOTES = (
    sa.select(
        BoardVote.member_id,
        BoardVote.choice,
        BoardVote.grounds_kind,
        BoardVote.grounds_law,
        BoardVote.grounds_article,
        BoardVote.reasoning,
        BoardVote.cast_at,
        Person.display_name,
    )
    .join(Person, Person.id == BoardVote.member_id)
    .where(BoardVote.resolution_id == sa.bindparam("resolution"), BoardVote.cycle == sa.bindparam("cycle"))
    .order_by(BoardVote.cast_at, BoardVote.id)
)

#: The direct reads' timeline and votes (:mod:`storage.direct`): each row with its event's or vote's id last
#: (the newest of each names the state of the card's history, ``CardFacts.history``), the payload as its
#: text (decoded by ``_payload``).
_TIMELINE_WITH_IDS = (
    sa.select(Event.kind, Event.at, Person.display_name, sa.cast(Event.payload, sa.Text), Event.id)
    .outerjoin(Person, Person.id == Event.actor_id)
    .where(Event.resolution_id == sa.bindparam("resolution"))
    .order_by(Event.at, Event.id)
)
_VOTES_WITH_IDS = _VOTES.add_columns(BoardVote.id)

#: The number of columns of ``_facts_statement`` without the last ids; PostgreSQL's direct read adds the
#: timeline and votes after.
_FACTS_COLUMNS = len(_facts_statement(last_ids=False).selected_columns)


def _with_history(statement: direct.AnySelect) -> direct.AnySelect:
    """PostgreSQL: the facts with the timeline and the current cycle's votes as two arrays of rows (the
    columns of ``_TIMELINE_WITH_IDS`` and ``_VOTES_WITH_IDS``, in their order), so that a card not kept is
    one round trip. Read by :meth:`StatusStore._read_directly`."""
    actor = aliased(Person)
    timeline = (
        sa.select(
            sa.func.array_agg(
                aggregate_order_by(
                    sa.func.row(
                        Event.kind, Event.at, actor.display_name, sa.cast(Event.payload, sa.Text), Event.id
                    ),
                    Event.at,
                    Event.id,
                )
            )
        )
        .select_from(Event)
        .outerjoin(actor, actor.id == Event.actor_id)
        .where(Event.resolution_id == Resolution.id)
        .correlate(Resolution)
        .scalar_subquery()
    )
    voter = aliased(Person)
    votes = (
        sa.select(
            sa.func.array_agg(
                aggregate_order_by(
                    sa.func.row(*_VOTES.selected_columns[:-1], voter.display_name, BoardVote.id),
                    BoardVote.cast_at,
                    BoardVote.id,
                )
            )
        )
        .select_from(BoardVote)
        .join(voter, voter.id == BoardVote.member_id)
        .where(BoardVote.resolution_id == Resolution.id, BoardVote.cycle == Resolution.cycle)
        .correlate(Resolution)
        .scalar_subquery()
    )
    return statement.add_columns(
        sa.type_coerce(timeline, sa.types.NullType()), sa.type_coerce(votes, sa.types.NullType())
    )


#: The statements of the direct reads (:mod:`storage.direct`), compiled per dialect: the facts (key: the
#: scope, ``None`` for a resolution by id; on PostgreSQL with the history), the timeline, the votes.
_PREPARED: dict[tuple[str, str, Scope | str | None], direct.Prepared] = {}


def _prepared(dialect: sa.Dialect, which: Scope | str | None) -> direct.Prepared:
    key = (dialect.name, dialect.driver, which)
    found = _PREPARED.get(key)
    if found is not None:
        return found
    if len(_PREPARED) >= STATEMENTS_KEPT:
        _PREPARED.clear()
    statement: direct.AnySelect
    sample: dict[str, Any]
    if which == "timeline":
        statement, sample = _TIMELINE_WITH_IDS, {"resolution": 0}
    elif which == "votes":
        statement, sample = _VOTES_WITH_IDS, {"resolution": 0, "cycle": 0}
    elif dialect.name == "postgresql":
        # Several cards in one statement (``storage.direct.PostgresReader.fetch_keyed``): the keys as an
        # array, typed by the cast (an untyped parameter needs no processing).
        if which is None:
            ids = sa.cast(sa.bindparam("keys"), ARRAY(sa.BigInteger()))
            statement = _facts_statement(Resolution.id == sa.any_(ids), last_ids=False)
        else:
            assert isinstance(which, Scope)
            codes = sa.cast(sa.bindparam("keys"), ARRAY(sa.String()))
            statement = _facts_statement(
                Resolution.tracking_code == sa.any_(codes), scope_condition(which), last_ids=False
            )
        statement, sample = _with_history(statement), {"keys": []}
    else:
        if which is None:
            statement = _facts_statement(Resolution.id == sa.bindparam("key"), last_ids=False)
            sample = {"key": 0}
        else:
            assert isinstance(which, Scope)
            statement = _facts_statement(
                Resolution.tracking_code == sa.bindparam("key"), scope_condition(which), last_ids=False
            )
            sample = {"key": ""}
    found = _PREPARED[key] = direct.Prepared(statement, dialect, sample)
    return found


class StatusStore(RepositoryPart):
    """Read-only look-ups for status cards and lists, each limited to a scope."""

    async def councils(self, scope: Scope) -> list[CouncilName]:
        """The councils within ``scope``, by name."""
        if scope.empty:
            return []
        rows = await self.session.execute(
            _councils_with_places().where(scope_condition(scope)).order_by(Council.name, Council.id)
        )
        return [CouncilName(cid, code, name) for cid, code, name in rows]

    async def by_tracking_code(self, tracking_code: str, scope: Scope) -> int | None:
        """The id of the resolution with ``tracking_code`` if it is within ``scope``."""
        if scope.empty:
            return None
        found: int | None = await self.session.scalar(
            _councils_with_places()
            .with_only_columns(Resolution.id)
            .join_from(Council, Resolution, Resolution.council_id == Council.id)
            .where(Resolution.tracking_code == tracking_code, scope_condition(scope))
        )
        return found

    async def by_number(
        self, council_number: str, scope: Scope, council_ids: list[int] | None = None
    ) -> list[NumberHit]:
        """Resolutions numbered ``council_number`` by their council, within ``scope`` (and the councils
        ``council_ids`` when given): for each council only its latest year's, by council name."""
        if scope.empty:
            return []
        query = (
            _councils_with_places()
            .with_only_columns(Resolution.id, Council.id, Council.name, Resolution.jalali_year)
            .join_from(Council, Resolution, Resolution.council_id == Council.id)
            .where(Resolution.council_number == council_number, scope_condition(scope))
            .order_by(Council.name, Council.id, Resolution.jalali_year.desc())
        )
        if council_ids is not None:
            query = query.where(Council.id.in_(council_ids))
        hits: dict[int, NumberHit] = {}
        for rid, cid, name, year in await self.session.execute(query):
            hits.setdefault(cid, NumberHit(rid, cid, name, year))
        return list(hits.values())

    async def card_facts(self, resolution_id: int) -> CardFacts | None:
        """The resolution, its newest version and its council's place in one round trip (the card used to
        read the resolution twice and its version apart), as plain columns, not ORM objects."""
        key = (None, resolution_id)
        tag, kept = self._kept_facts(key)
        if kept is not None:
            return kept[1]
        read, facts = await self._read_directly(None, resolution_id)
        if not read:
            statement = _FACTS_STATEMENTS.get(None)
            if statement is None:
                statement = _FACTS_STATEMENTS[None] = _facts_statement(Resolution.id == sa.bindparam("key"))
            facts = await self._card_facts(statement, resolution_id)
        return self._keep_facts(key, tag, facts)

    async def card_facts_by_code(self, tracking_code: str, scope: Scope) -> CardFacts | None:
        """:meth:`card_facts` of the resolution with ``tracking_code`` if it is within ``scope``: the
        look-up of :meth:`by_tracking_code` and the card's facts in one round trip."""
        if scope.empty:
            return None
        key = (scope, tracking_code)
        tag, kept = self._kept_facts(key)
        if kept is not None:
            return kept[1]
        read, facts = await self._read_directly(scope, tracking_code)
        if not read:
            statement = _FACTS_STATEMENTS.get(scope)
            if statement is None:
                if len(_FACTS_STATEMENTS) >= STATEMENTS_KEPT:
                    _FACTS_STATEMENTS.clear()
                statement = _FACTS_STATEMENTS[scope] = _facts_statement(
                    Resolution.tracking_code == sa.bindparam("key"), scope_condition(scope)
                )
            facts = await self._card_facts(statement, tracking_code)
        return self._keep_facts(key, tag, facts)

    async def _read_directly(self, scope: Scope | None, key: int | str) -> tuple[bool, CardFacts | None]:
        """The card's facts (the resolution ``key``: by id when ``scope`` is ``None``, else by tracking code
        within ``scope``) with its timeline and votes, read around the session (:mod:`storage.direct`) when
        it may: on SQLite three look-ups in one read transaction in this thread, on PostgreSQL one statement.
        The timeline and votes are kept for :meth:`history`. ``(False, None)`` when not read this way."""
        reader = direct.reader(self.session)
        if reader is None:
            return False, None
        generation = people_cache.generation()
        dialect = reader.dialect
        try:
            if isinstance(reader, direct.SqliteReader):
                statements = (
                    _prepared(dialect, scope),
                    _prepared(dialect, "timeline"),
                    _prepared(dialect, "votes"),
                )
                read = reader.read(lambda run: _sqlite_card(run, statements, key))
            else:
                assert isinstance(reader, direct.PostgresReader)
                # The cards asked while one is read go together in the next statement (``= ANY``).
                row = await reader.fetch_keyed(
                    _prepared(dialect, scope), 0 if scope is None else 1, key
                )
                read = None if row is None else _postgres_card(dialect, row)
        except direct.Unavailable as exc:
            log.debug("card %r read through the session: %s", key, exc)
            return False, None
        if read is None:
            return True, None
        facts, history = read
        self._keep_history(_history_key(facts, generation), history)
        return True, facts

    def _kept_facts(
        self, key: tuple[Scope | None, int | str]
    ) -> tuple[Any, tuple[Any, CardFacts | None] | None]:
        """The state to tag a read with (see ``_facts``), and what is kept for ``key`` if still valid."""
        engine = self.session.bind
        tag = changes.state(engine) if isinstance(engine, AsyncEngine) else None
        if tag is None:
            return None, None
        kept = _facts.get(engine, {}).get(key)
        return tag, kept if kept is not None and kept[0] == tag else None

    def _keep_facts(
        self, key: tuple[Scope | None, int | str], tag: Any, facts: CardFacts | None
    ) -> CardFacts | None:
        if tag is None or (self.session.in_transaction() and self.session.info.get(changes.WROTE)):
            # Nothing known, or read inside a unit of work that wrote: it may see what is not committed yet.
            return facts
        kept = _facts.setdefault(self.session.bind, {})
        if key not in kept and len(kept) >= FACTS_KEPT:
            del kept[next(iter(kept))]
        kept[key] = (tag, facts)
        return facts

    async def _card_facts(self, statement: sa.Executable, key: int | str) -> CardFacts | None:
        row = (await self.session.execute(statement, {"key": key})).first()
        return None if row is None else _facts_of(row)

    async def history(
        self, facts: CardFacts, *, with_votes: bool
    ) -> tuple[list[TimelineEntry], list[tuple[str, Vote]] | None]:
        """The timeline of the resolution of ``facts`` and (``with_votes``) its current votes: kept from an
        earlier card while no event, vote or person changed since (see ``CardFacts.history``), otherwise
        read (two round trips) and kept."""
        record = facts.record
        key = _history_key(facts, people_cache.generation())
        found = _histories.get(self.session.bind, {}).get(key) if self.session.bind is not None else None
        if found is None:
            found = _History(await self.timeline(record.id), None)
        if with_votes and found.votes is None:
            found.votes = await self.current_votes(record.id, record.cycle)
        self._keep_history(key, found)
        return found.timeline, found.votes if with_votes else None

    def _keep_history(self, key: tuple[int, ...], history: _History) -> None:
        engine = self.session.bind
        if engine is None:
            return
        kept = _histories.setdefault(engine, {})
        if key not in kept and len(kept) >= HISTORY_KEPT:
            del kept[next(iter(kept))]
        kept[key] = history

    async def current_votes(self, resolution_id: int, cycle: int) -> list[tuple[str, Vote]]:
        """Each member's latest vote of the cycle with the member's name, in the order first cast — as
        :meth:`storage.reviews.ReviewStorage.current_votes`, in one round trip instead of two."""
        rows = await self.session.execute(_VOTES, {"resolution": resolution_id, "cycle": cycle})
        return _votes_of(rows)

    async def timeline(self, resolution_id: int) -> list[TimelineEntry]:
        """The resolution's events, oldest first, with the actor's name where a person acted."""
        rows = await self.session.execute(_TIMELINE, {"resolution": resolution_id})
        return _timeline_of(rows)

    async def pending(
        self, person_id: int, bindings: Iterable[BindingLike], limit: int = 20
    ) -> list[PendingItem]:
        """What waits for the person; see :func:`pending_for`."""
        return await pending_for(self, person_id, bindings, limit)


def _sqlite_card(
    run: direct.Run, statements: tuple[direct.Prepared, direct.Prepared, direct.Prepared], key: int | str
) -> tuple[CardFacts, _History] | None:
    """SQLite: the card's facts, timeline and votes (``statements``: of the facts, the timeline and the votes
    with their ids), in one read transaction."""
    facts_statement, timeline_statement, votes_statement = statements
    rows = run(facts_statement, {"key": key})
    if not rows:
        return None
    row = rows[0]
    resolution, cycle = row[0], row[6]
    return _card_of(
        row,
        run(timeline_statement, {"resolution": resolution}),
        run(votes_statement, {"resolution": resolution, "cycle": cycle}),
    )


def _postgres_card(dialect: sa.Dialect, row: Sequence[Any]) -> tuple[CardFacts, _History]:
    """PostgreSQL: the card of a row of ``_with_history`` (the facts, then the two arrays)."""
    timeline, votes = _history_arrays(dialect, row[_FACTS_COLUMNS:])
    return _card_of(row, timeline, votes)


def _card_of(
    row: Sequence[Any], timeline: Sequence[Sequence[Any]], votes: Sequence[Sequence[Any]]
) -> tuple[CardFacts, _History]:
    """The facts of a direct read's facts ``row`` and its history, of the rows of ``_TIMELINE_WITH_IDS`` and
    ``_VOTES_WITH_IDS`` read with it (a payload as JSON text): the newest event's and vote's ids are the
    largest of these rows."""
    entries = [TimelineEntry(kind, at, actor, _payload(text)) for kind, at, actor, text, _id in timeline]
    last_event = max((event[4] for event in timeline), default=None)
    last_vote = max((vote[8] for vote in votes), default=None)
    history = _History(entries, _votes_of(vote[:8] for vote in votes))
    return _facts_with(row, last_event, last_vote), history


#: Events' payloads decoded, by their JSON text: most are one of a few (``{"choice": "conflict"}``, …).
_PAYLOADS: dict[str, dict[str, Any]] = {}
PAYLOADS_KEPT = 4_096


def _payload(text: str | None) -> dict[str, Any]:
    """A timeline entry's payload (a copy of its own) of its JSON text, as ``_timeline_of`` makes it."""
    if text is None:
        return {}
    found = _PAYLOADS.get(text)
    if found is None:
        found = json.loads(text) or {}
        if len(_PAYLOADS) >= PAYLOADS_KEPT:
            _PAYLOADS.clear()
        _PAYLOADS[text] = found
    return dict(found)


def _history_key(facts: CardFacts, people: int) -> tuple[int, ...]:
    """The key of a kept timeline and votes: the resolution, its cycle, its newest event and vote, and the
    people's generation ``people`` (the voters' and actors' names)."""
    record = facts.record
    return (record.id, record.cycle, *(x or 0 for x in facts.history), people)


def _facts_of(row: Sequence[Any]) -> CardFacts:
    """:class:`CardFacts` of a row of ``_facts_statement`` (the newest event's and vote's ids last)."""
    return _facts_with(row, row[_FACTS_COLUMNS], row[_FACTS_COLUMNS + 1])


def _facts_with(row: Sequence[Any], last_event: int | None, last_vote: int | None) -> CardFacts:
    """:class:`CardFacts` of the first columns of a row of ``_facts_statement(last_ids=False)`` and the
    newest event's and vote's ids."""
    (
        resolution_id,
        code,
        number,
        session,
        approved,
        status,
        cycle,
        late,
        submitted,
        review_deadline,
        status_at,
        reconsideration_deadline,
        escalation_deadline,
        council_name,
        council_code,
        board_code,
        seats,
        county_code,
        province_code,
        version_no,
        title,
        category,
        votes_for,
        votes_against,
        votes_abstain,
    ) = row[:_FACTS_COLUMNS]
    record = ResolutionRecord(
        id=resolution_id,
        tracking_code=code,
        council_name=council_name,
        board_code=board_code,
        council_number=number,
        session_number=session,
        approval_date=approved,
        status=Status(status),
        cycle=cycle,
        late=late,
        submitted_at=submitted,
        review_deadline=review_deadline,
        title=title,
        text="",
        category=Category(category),
        votes=Votes(votes_for, votes_against, votes_abstain),
        attachments=(),
        council_code=council_code,
        version_no=version_no,
        status_at=status_at,
        reconsideration_deadline=reconsideration_deadline,
        escalation_deadline=escalation_deadline,
    )
    place = CouncilPlace(council_code, board_code, county_code, province_code)
    return CardFacts(record, place, seats, (last_event, last_vote))


def _timeline_of(rows: Iterable[Sequence[Any]]) -> list[TimelineEntry]:
    """The timeline of rows of ``_TIMELINE``."""
    return [TimelineEntry(kind, at, actor, dict(payload or {})) for kind, at, actor, payload in rows]


def _votes_of(rows: Iterable[Sequence[Any]]) -> list[tuple[str, Vote]]:
    """Each member's latest vote of rows of ``_VOTES`` (oldest first), with the member's name, in the order
    first cast."""
    latest: dict[int, tuple[str, Vote]] = {}
    for member, choice, kind, law, article, reasoning, cast_at, name in rows:
        grounds = ConflictGrounds(GroundsKind(kind), law, article) if kind is not None else None
        latest[member] = (name, Vote(member, VoteChoice(choice), grounds, reasoning, cast_at))
    return list(latest.values())


def _history_arrays(
    dialect: sa.Dialect, arrays: Sequence[Any]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """PostgreSQL: the rows of ``_TIMELINE_WITH_IDS`` and ``_VOTES_WITH_IDS`` out of the two arrays of
    ``_with_history``, the instants processed as a session would (``UTCDateTime``); the payload stays text."""
    instant = direct.instant_processor(dialect)
    events, votes = arrays
    timeline = [
        (kind, None if when is None else instant(when), actor, payload, event_id)
        for kind, when, actor, payload, event_id in events or ()
    ]
    cast = [
        (*vote[:6], None if vote[6] is None else instant(vote[6]), vote[7], vote[8]) for vote in votes or ()
    ]
    return timeline, cast


class Awaited(StrEnum):
    """What a pending resolution waits for from the person asking."""

    VOTE = "vote"
    OPINION = "opinion"
    ANSWER = "answer"
    RULING = "ruling"
    OUTCOME = "outcome"


@dataclass(frozen=True, slots=True)
class PendingItem:
    """One line of /pending."""

    resolution_id: int
    tracking_code: str
    council_name: str
    council_number: str
    title: str
    awaited: Awaited
    deadline: dt.datetime | None


#: Who is waited on for what: the role, the status the resolution is in, and the deadline that counts.
_PENDING: tuple[tuple[Role, Status, Awaited], ...] = (
    (Role.MEMBER, Status.UNDER_REVIEW, Awaited.VOTE),
    (Role.EXPERT, Status.UNDER_REVIEW, Awaited.OPINION),
    (Role.SECRETARY, Status.OBJECTED, Awaited.ANSWER),
    (Role.BOARD_SECRETARY, Status.UNDER_REVIEW, Awaited.RULING),
    (Role.OFFICIAL, Status.ESCALATED, Awaited.OUTCOME),
)
_DEADLINES = {
    Status.UNDER_REVIEW: Resolution.review_deadline,
    Status.OBJECTED: Resolution.reconsideration_deadline,
    Status.ESCALATED: Resolution.escalation_deadline,
}


async def pending_for(
    store: StatusStore, person_id: int, bindings: Iterable[BindingLike], limit: int
) -> list[PendingItem]:
    """What waits for the person, soonest deadline first (each resolution once, for its first reason):
    a member's vote, an expert's opinion, a secretary's answer to an objection, the board's ruling for
    its secretary, an official's outcome on an escalated case."""
    bindings = list(bindings)
    found: dict[int, PendingItem] = {}
    for role, status, awaited in _PENDING:
        scope = scope_of(bindings, roles=[role])
        if scope.empty:
            continue
        deadline = _DEADLINES[status]
        newest = newest_version_no()
        query = (
            _councils_with_places()
            .with_only_columns(
                Resolution.id,
                Resolution.tracking_code,
                Council.name,
                Resolution.council_number,
                ResolutionVersion.title,
                deadline,
            )
            .join_from(Council, Resolution, Resolution.council_id == Council.id)
            .join(ResolutionVersion, ResolutionVersion.resolution_id == Resolution.id)
            .where(
                Resolution.status == status.value,
                ResolutionVersion.version_no == newest,
                scope_condition(scope),
            )
            .order_by(deadline, Resolution.id)
            .limit(limit)
        )
        if awaited is Awaited.VOTE:
            query = query.where(
                ~sa.exists().where(
                    BoardVote.resolution_id == Resolution.id,
                    BoardVote.cycle == Resolution.cycle,
                    BoardVote.member_id == person_id,
                )
            )
        elif awaited is Awaited.OPINION:
            query = query.where(
                ~sa.exists().where(
                    ExpertOpinion.resolution_id == Resolution.id,
                    ExpertOpinion.cycle == Resolution.cycle,
                    ExpertOpinion.expert_id == person_id,
                )
            )
        for rid, code, council, number, title, due in await store.session.execute(query):
            found.setdefault(rid, PendingItem(rid, code, council, number, title, awaited, due))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found.values(), key=lambda item: (item.deadline or far, item.resolution_id))[:limit]
