"""The storage the use cases work with: organisation look-ups, people and roles, invites, events, closures.

A :class:`Repository` wraps one :class:`~sqlalchemy.ext.asyncio.AsyncSession` — one unit of work. Its
methods read, add and flush, but never commit or roll back: the caller owns the transaction (in the bot, the
context middleware commits when the handler returns and rolls back when it raises). Keep transactions short:
a redeemed invite and an appended event hold row locks until the commit.

Nothing here speaks to a user: errors carry codes and values, and the views word them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from council.clock import Clock, SystemClock
from council.invites import InviteState, generate_invite_code, hash_invite_code, invite_state
from council.review import ChainBreak, event_hash, link_break
from council.roles import NATION_CODE, Role, ScopeKind, scope_allowed

from . import people_cache, review_cycles
from .db import dialect_insert
from .digests import DigestStore
from .lists import ListStore
from .models import (
    GENESIS_HASH,
    UNIT_MODELS,
    Board,
    Closure,
    Council,
    Event,
    EventChain,
    Invite,
    Person,
    RoleBinding,
)
from .reminders import ReminderStorage
from .reports import ReportStore
from .resolutions import ResolutionStore
from .reviews import ReviewStorage
from .status import StatusStore

UTC = dt.UTC


# --- values


class Scope(NamedTuple):
    """What a scope code names: ``kind, name = await repo.resolve_scope(code)``."""

    kind: ScopeKind
    name: str


@dataclass(frozen=True, slots=True)
class OrgUnit:
    """A unit of the organisation found by its code; the nation has no row (``id is None``)."""

    kind: ScopeKind
    id: int | None
    code: str
    name: str


class InvalidScope(ValueError):
    """An invite names a scope that does not exist (``kind is None``) or that ``role`` cannot be bound to."""

    def __init__(self, role: Role, scope_code: str, kind: ScopeKind | None) -> None:
        self.role = role
        self.scope_code = scope_code
        self.kind = kind
        if kind is None:
            message = f"unknown scope code {scope_code!r}"
        else:
            allowed = ", ".join(sorted(k.value for k in _allowed_kinds(role)))
            message = (
                f"role {role.value} cannot be bound to a {kind.value} ({scope_code}); it needs: {allowed}"
            )
        super().__init__(message)

    @property
    def unknown(self) -> bool:
        """Whether the code names no unit at all (rather than a unit of the wrong kind)."""
        return self.kind is None


@dataclass(frozen=True, slots=True)
class RedeemResult:
    """The outcome of redeeming an invite; role and scope are set whenever the invite exists."""

    state: InviteState
    role: Role | None = None
    scope_kind: ScopeKind | None = None
    scope_code: str | None = None
    scope_name: str | None = None
    #: The person the invite is (or would have been) bound to; ``None`` when no person was involved.
    person_id: int | None = None


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of walking the audit chain: how many events, and the first break if any.

    ``broken_at`` is the id of the event that breaks the chain (for a removed tail: the id the next event
    would have had), ``reason`` says how.
    """

    events: int
    broken_at: int | None = None
    reason: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def _allowed_kinds(role: Role) -> list[ScopeKind]:
    return [kind for kind in ScopeKind if scope_allowed(role, kind)]


def normalize_code(code: str) -> str:
    """Unit codes are upper-case ASCII; accept them typed in any case and with stray spaces."""
    return code.strip().upper()


# --- the repository


class Repository:
    """Storage for the use cases, over one session; see the module docstring for who commits."""

    def __init__(self, session: AsyncSession, clock: Clock | None = None) -> None:
        self.session = session
        # Only for the creation stamps of rows; deadlines and expiry take ``now`` from the caller.
        self.clock = clock or SystemClock()

    @property
    def resolutions(self) -> ResolutionStore:
        """Resolutions: the submit use case's store and the chat's views of them."""
        return ResolutionStore(self)

    @property
    def reviews(self) -> ReviewStorage:
        """The board's review: the review use cases' store and the chat's views of a review."""
        return ReviewStorage(self)

    @property
    def reminders(self) -> ReminderStorage:
        """Reminder rows: planned by the sweep from each resolution's state, claimed and recorded as sent."""
        return ReminderStorage(self)

    @property
    def digests(self) -> DigestStore:
        """The officials' daily digest rows, one per official and Tehran day."""
        return DigestStore(self)

    @property
    def reports(self) -> ReportStore:
        """The performance report's rows within a scope (the chat's /report)."""
        return ReportStore(self)

    @property
    def lists(self) -> ListStore:
        """Lists within a scope: free-text search, overdue, objections, a period's submissions, due soon."""
        return ListStore(self)

    @property
    def status(self) -> StatusStore:
        """Status look-ups and lists within a person's scope (the chat's /status, /pending, /find)."""
        return StatusStore(self)

    async def commit(self) -> None:
        """Make the work so far durable now, before telling other people about it (the context
        middleware commits again, harmlessly, when the handler returns)."""
        await self.session.commit()

    # --- organisation

    async def find_unit(self, code: str) -> OrgUnit | None:
        """The unit with ``code`` (any case), the nation for ``IR``, or ``None``."""
        code = normalize_code(code)
        if code == NATION_CODE:
            # The nation has no row and no stored name: views word it from the scope kind.
            return OrgUnit(ScopeKind.NATION, None, NATION_CODE, NATION_CODE)
        query = sa.union_all(
            *(
                sa.select(sa.literal(kind.value).label("kind"), model.id, model.name).where(
                    model.code == code
                )
                for kind, model in UNIT_MODELS.items()
            )
        )
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        return OrgUnit(ScopeKind(row.kind), row.id, code, row.name)

    async def resolve_scope(self, code: str) -> Scope | None:
        """Kind and name of the unit ``code`` names, or ``None``; ``IR`` is the nation."""
        unit = await self.find_unit(code)
        return Scope(unit.kind, unit.name) if unit else None

    # --- people

    async def get_person(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def get_person_by_platform_user(self, user_id: int) -> Person | None:
        result = await self.session.scalars(sa.select(Person).where(Person.platform_user_id == user_id))
        return result.one_or_none()

    async def upsert_person(
        self, user_id: int, display_name: str, username: str | None = None, language: str | None = None
    ) -> Person:
        """Create the person for a platform user, or refresh their name and username.

        ``language`` is set when given; a new person without one gets the default (``fa``). Safe under
        concurrency: one atomic ``INSERT … ON CONFLICT DO UPDATE``.
        """
        values: dict[str, Any] = {"display_name": display_name, "username": username}
        if language is not None:
            values["language"] = language
        insert = dialect_insert(self.session)(Person).values(
            platform_user_id=user_id, created_at=self.clock.now(), **values
        )
        upsert = insert.on_conflict_do_update(index_elements=[Person.platform_user_id], set_=values)
        people_cache.changed(self.session)
        await self.session.execute(upsert)
        result = await self.session.scalars(
            sa.select(Person)
            .where(Person.platform_user_id == user_id)
            .execution_options(populate_existing=True)
        )
        return result.one()

    async def mark_unreachable(self, person_id: int) -> None:
        """The platform says the person blocked the bot: stop writing to them until they write again."""
        people_cache.changed(self.session)
        await self.session.execute(sa.update(Person).where(Person.id == person_id).values(unreachable=True))

    async def report_unreachable(self, platform_user_id: int) -> Person | None:
        """The platform says this user blocked the bot: mark them unreachable. Returns the person when
        nobody has been told yet — the caller tells their overseers — and ``None`` otherwise, so that
        however many sends fail (several instances, several sweeps), they are told once."""
        person = await self.get_person_by_platform_user(platform_user_id)
        if person is None:
            return None
        await self.mark_unreachable(person.id)
        people_cache.changed(self.session)
        first = await self.session.execute(
            sa.update(Person)
            .where(Person.id == person.id, Person.unreachable_told.is_(False))
            .values(unreachable_told=True)
            .execution_options(synchronize_session=False)
        )
        return person if first.rowcount == 1 else None  # type: ignore[attr-defined]

    async def overseers_of(self, person_id: int) -> list[Person]:
        """Who is told when the person becomes unreachable: the secretaries of the boards they sit on or
        whose councils they serve; an admin when there is none."""
        councils = sa.select(RoleBinding.scope_code).where(
            RoleBinding.person_id == person_id, RoleBinding.scope_kind == ScopeKind.COUNCIL.value
        )
        boards = sa.union(
            sa.select(RoleBinding.scope_code).where(
                RoleBinding.person_id == person_id, RoleBinding.scope_kind == ScopeKind.BOARD.value
            ),
            sa.select(Board.code)
            .join(Council, Council.board_id == Board.id)
            .where(Council.code.in_(councils)),
        )
        query = (
            sa.select(Person)
            .join(RoleBinding, RoleBinding.person_id == Person.id)
            .where(
                RoleBinding.role == Role.BOARD_SECRETARY.value,
                RoleBinding.scope_code.in_(boards),
                Person.id != person_id,
            )
            .distinct()
            .order_by(Person.id)
        )
        found = list(await self.session.scalars(query))
        if found:
            return found
        admins = (
            sa.select(Person)
            .join(RoleBinding, RoleBinding.person_id == Person.id)
            .where(RoleBinding.role == Role.ADMIN.value, Person.id != person_id)
            .distinct()
            .order_by(Person.id)
        )
        return list(await self.session.scalars(admins))

    async def set_language(self, person_id: int, language: str) -> None:
        people_cache.changed(self.session)
        await self.session.execute(sa.update(Person).where(Person.id == person_id).values(language=language))

    async def set_quiet_hours(self, person_id: int, start: dt.time, end: dt.time) -> None:
        """The person's quiet hours (Tehran wall clock); ``start == end`` means none."""
        people_cache.changed(self.session)
        await self.session.execute(
            sa.update(Person)
            .where(Person.id == person_id)
            .values(quiet_hours_start=start, quiet_hours_end=end)
        )

    async def set_digest(self, person_id: int, on: bool) -> None:
        """Whether the person (an official) wants the daily digest."""
        people_cache.changed(self.session)
        await self.session.execute(sa.update(Person).where(Person.id == person_id).values(digest=on))

    async def person_with_roles(self, user_id: int) -> tuple[Person | None, list[RoleBinding]]:
        """The person of a platform user and their role bindings, oldest first, in one round trip (each
        update needs both)."""
        rows = (
            await self.session.execute(
                sa.select(Person, RoleBinding)
                .outerjoin(RoleBinding, RoleBinding.person_id == Person.id)
                .where(Person.platform_user_id == user_id)
                .order_by(RoleBinding.id)
            )
        ).all()
        if not rows:
            return None, []
        return rows[0][0], [binding for _, binding in rows if binding is not None]

    async def roles_of(self, person_id: int) -> list[RoleBinding]:
        """The person's role bindings, oldest first."""
        result = await self.session.scalars(
            sa.select(RoleBinding).where(RoleBinding.person_id == person_id).order_by(RoleBinding.id)
        )
        return list(result)

    async def people_with_role(self, role: Role, scope_code: str) -> list[Person]:
        """Who holds ``role`` over the unit ``scope_code`` (e.g. the members of a board)."""
        result = await self.session.scalars(
            sa.select(Person)
            .join(RoleBinding, RoleBinding.person_id == Person.id)
            .where(RoleBinding.role == role.value, RoleBinding.scope_code == normalize_code(scope_code))
            .order_by(Person.id)
        )
        return list(result)

    async def grant_role(self, person_id: int, role: Role, scope_code: str) -> RoleBinding:
        """Bind ``role`` over ``scope_code`` to the person (no-op if already bound); checks the scope."""
        unit = await self._scope_for(role, scope_code)
        return await self._bind(person_id, role, unit.kind, unit.code)

    async def _scope_for(self, role: Role, scope_code: str) -> OrgUnit:
        unit = await self.find_unit(scope_code)
        if unit is None:
            raise InvalidScope(role, normalize_code(scope_code), None)
        if not scope_allowed(role, unit.kind):
            raise InvalidScope(role, unit.code, unit.kind)
        return unit

    async def _bind(self, person_id: int, role: Role, kind: ScopeKind, code: str) -> RoleBinding:
        existing = await self.session.scalars(
            sa.select(RoleBinding).where(
                RoleBinding.person_id == person_id,
                RoleBinding.role == role.value,
                RoleBinding.scope_kind == kind.value,
                RoleBinding.scope_code == code,
            )
        )
        binding = existing.one_or_none()
        if binding is None:
            binding = RoleBinding(
                person_id=person_id,
                role=role.value,
                scope_kind=kind.value,
                scope_code=code,
                created_at=self.clock.now(),
            )
            people_cache.changed(self.session)
            self.session.add(binding)
            await self.session.flush()
        return binding

    # --- invites

    async def create_invite(
        self, role: Role, scope_code: str, expires_at: dt.datetime, created_by: int | None = None
    ) -> str:
        """Issue a one-time invite to ``role`` over ``scope_code``; return the code (only its hash is kept).

        Raises :class:`InvalidScope` when the code names no unit, or one ``role`` cannot be bound to.
        """
        role = Role(role)
        unit = await self._scope_for(role, scope_code)
        code = generate_invite_code()
        self.session.add(
            Invite(
                code_hash=hash_invite_code(code),
                role=role.value,
                scope_kind=unit.kind.value,
                scope_code=unit.code,
                created_at=self.clock.now(),
                expires_at=expires_at,
                created_by_id=created_by,
            )
        )
        await self.session.flush()
        return code

    async def redeem_invite(
        self,
        code: str,
        person_id: int | None = None,
        now: dt.datetime | None = None,
        *,
        platform_user_id: int | None = None,
        display_name: str = "",
        username: str | None = None,
        language: str | None = None,
    ) -> RedeemResult:
        """Redeem ``code`` for a person and bind them to its role; single-use even under concurrency.

        The person is either ``person_id``, or the platform user described by the keyword arguments, who is
        created (see :meth:`upsert_person`) only if the invite is valid — so a stranger with a wrong code
        leaves no trace. The claim is one ``UPDATE … WHERE used_at IS NULL AND expires_at > now``: of two
        people redeeming one code at once, exactly one gets ``VALID``, the other ``USED``.
        """
        if now is None:
            raise TypeError("redeem_invite needs now=")
        if (person_id is None) == (platform_user_id is None):
            raise TypeError("redeem_invite needs either person_id or platform_user_id")
        code_hash = hash_invite_code(code)
        invite = await self._invite(code_hash)
        if invite is None:
            return RedeemResult(InviteState.UNKNOWN, person_id=person_id)
        if person_id is None:
            if invite_state(invite.expires_at, invite.used_at, now) is not InviteState.VALID:
                return await self._refusal(invite, now, None)
            assert platform_user_id is not None
            person = await self.upsert_person(platform_user_id, display_name, username, language)
            person_id = person.id

        claimed = await self.session.execute(
            sa.update(Invite)
            .where(Invite.code_hash == code_hash, Invite.used_at.is_(None), Invite.expires_at > now)
            .values(used_at=now, used_by_id=person_id)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return await self._refusal(invite, now, person_id)
        role, kind = Role(invite.role), ScopeKind(invite.scope_kind)
        await self._bind(person_id, role, kind, invite.scope_code)
        return await self._result(InviteState.VALID, invite, person_id)

    async def _invite(self, code_hash: str) -> Invite | None:
        result = await self.session.scalars(
            sa.select(Invite).where(Invite.code_hash == code_hash).execution_options(populate_existing=True)
        )
        return result.one_or_none()

    async def _refusal(self, invite: Invite, now: dt.datetime, person_id: int | None) -> RedeemResult:
        # Re-read: a concurrent redeemer may have claimed it since the first read.
        await self.session.refresh(invite)
        state = invite_state(invite.expires_at, invite.used_at, now)
        return await self._result(
            InviteState.USED if state is InviteState.VALID else state, invite, person_id
        )

    async def _result(self, state: InviteState, invite: Invite, person_id: int | None) -> RedeemResult:
        scope = await self.resolve_scope(invite.scope_code)
        return RedeemResult(
            state=state,
            role=Role(invite.role),
            scope_kind=ScopeKind(invite.scope_kind),
            scope_code=invite.scope_code,
            scope_name=scope.name if scope else invite.scope_code,
            person_id=person_id,
        )

    # --- events

    async def append_event(
        self,
        kind: str,
        actor_id: int | None,
        payload: Mapping[str, Any],
        resolution_id: int | None = None,
        *,
        at: dt.datetime | None = None,
    ) -> Event:
        """Append an event to the log, linked to the one before it by the hash chain.

        Locks the chain's head row first, so concurrent appenders (other sessions, other bot instances) queue
        up until this transaction ends; the chain never forks. The events of a review also update their
        cycle's facts for the report (``storage.review_cycles``).
        """
        at = at or self.clock.now()
        head = (
            await self.session.execute(
                sa.update(EventChain)
                .where(EventChain.id == 1)
                .values(length=EventChain.length + 1)
                .returning(EventChain.head_hash)
                .execution_options(synchronize_session=False)
            )
        ).scalar_one_or_none()
        if head is None:
            raise RuntimeError("the event_chain row is missing: was the database migrated?")
        event = Event(
            resolution_id=resolution_id,
            kind=kind,
            actor_id=actor_id,
            at=at,
            payload=dict(payload),
            prev_hash=head,
            hash=event_hash(head, kind, actor_id, at, resolution_id, payload),
        )
        self.session.add(event)
        await self.session.flush()
        await self.session.execute(
            sa.update(EventChain)
            .where(EventChain.id == 1)
            .values(head_hash=event.hash)
            .execution_options(synchronize_session=False)
        )
        # The report's facts of the event's review cycle change with it, in the same transaction.
        await review_cycles.record(self.session, kind, payload, resolution_id, at)
        return event

    async def events_of(self, resolution_id: int) -> list[Event]:
        """A resolution's events in the order they happened."""
        result = await self.session.scalars(
            sa.select(Event).where(Event.resolution_id == resolution_id).order_by(Event.id)
        )
        return list(result)

    async def verify_event_chain(self) -> int | None:
        """Walk the whole log; the id of the first event that breaks the chain, or ``None`` if intact."""
        return (await self.check_event_chain()).broken_at

    async def check_event_chain(self) -> ChainReport:
        """Walk the whole log in id order and report the first break (see :func:`council.review.link_break`),
        and a chain head that points past the last event (the newest events were removed)."""
        prev = GENESIS_HASH
        last_id: int | None = None
        count = 0
        stream = await self.session.stream_scalars(
            sa.select(Event).order_by(Event.id).execution_options(yield_per=1000)
        )
        async for event in stream:
            reason = link_break(event, prev)
            if reason is not None:
                return ChainReport(count, event.id, reason)
            prev, last_id, count = event.hash, event.id, count + 1
        head = await self.session.scalar(sa.select(EventChain.head_hash).where(EventChain.id == 1))
        if head != prev:
            return ChainReport(count, (last_id or 0) + 1, ChainBreak.HEAD)
        return ChainReport(count)

    # --- closures

    async def closures(self, province_code: str | None = None) -> dict[dt.date, str]:
        """Admin-added days off: the nationwide ones, plus those of ``province_code`` when given.

        Two closures on one day (nationwide and provincial) give one entry, the reasons joined by «; »,
        the nationwide one first.
        """
        nationwide_first = sa.case((Closure.province_code.is_(None), 0), else_=1)
        query = sa.select(Closure).order_by(Closure.day, nationwide_first, Closure.id)
        if province_code is None:
            query = query.where(Closure.province_code.is_(None))
        else:
            query = query.where(
                sa.or_(
                    Closure.province_code.is_(None), Closure.province_code == normalize_code(province_code)
                )
            )
        days: dict[dt.date, str] = {}
        for closure in await self.session.scalars(query):
            days[closure.day] = (
                f"{days[closure.day]}; {closure.reason}" if closure.day in days else closure.reason
            )
        return days

    async def add_closure(self, day: dt.date, reason: str, province_code: str | None = None) -> Closure:
        """Add a day off (nationwide, or for one province); adding the same day again replaces its reason."""
        code = normalize_code(province_code) if province_code is not None else None
        closure = await self._closure(day, code)
        if closure is None:
            closure = Closure(day=day, province_code=code, reason=reason)
            self.session.add(closure)
        else:
            closure.reason = reason
        await self.session.flush()
        return closure

    async def remove_closure(self, day: dt.date, province_code: str | None = None) -> bool:
        """Remove a day off; whether there was one."""
        closure = await self._closure(
            day, normalize_code(province_code) if province_code is not None else None
        )
        if closure is None:
            return False
        await self.session.delete(closure)
        await self.session.flush()
        return True

    async def _closure(self, day: dt.date, province_code: str | None) -> Closure | None:
        where = (
            Closure.province_code.is_(None)
            if province_code is None
            else Closure.province_code == province_code
        )
        result = await self.session.scalars(sa.select(Closure).where(Closure.day == day, where))
        return result.one_or_none()
