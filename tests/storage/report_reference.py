"""The report's figures as ``/report`` computed them before they moved into SQL (``storage.reports``):
every resolution of the scope loaded with its events and votes into
:class:`council.performance.ResolutionRow` and :class:`~council.performance.VoteRow`, then counted by
:func:`council.performance.build_report`. Kept here, and only here, as the reference the aggregate
statement must agree with.

Where the figures come from:

- ``ruled_at``: the ``ruled`` event of the resolution's current cycle (a ruling of an earlier cycle that an
  amendment reopened does not count; a lapse is not a ruling).
- ``reconsideration_deadline``: from the latest ``ruled`` event with a conflict ruling (its payload keeps
  the deadline; the resolutions table clears it when an amendment opens a new cycle), else the table's.
- ``reconsideration_answered_at``: the council's ``amended`` / ``revoked`` / ``insisted`` event of the
  objection's cycle. A reconsideration that lapsed has no answer.
- Per-cycle review deadlines: the ``submitted`` event's payload holds cycle 1's and each ``amended`` event's
  payload holds the next cycle's; the current cycle's is also ``resolutions.review_deadline``.
- Votes owed: in each review cycle, every member of the resolution's board whose binding existed by the
  cycle's deadline owes one vote, unless the board ruled in that cycle before they voted. A member's first
  vote of the cycle is when the duty was met. Whoever voted in a cycle is counted even if no longer bound.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from council.performance import ResolutionRow, VoteRow
from council.review import VoteChoice
from council.reviewing import AMENDED_EVENT, INSISTED_EVENT, REVOKED_EVENT, RULED_EVENT
from council.roles import Role, ScopeKind
from council.scope import Scope
from council.status import Status
from council.submitting import SUBMITTED_EVENT
from storage.models import Board, BoardVote, Council, County, Event, Person, Resolution, RoleBinding

# Councils joined with their board, county and province, as scope_condition needs: reused, not copied.
from storage.status import _councils_with_places as _places
from storage.status import scope_condition

UTC = dt.UTC
_ANSWER_EVENTS = (AMENDED_EVENT, REVOKED_EVENT, INSISTED_EVENT)
_EVENTS = (SUBMITTED_EVENT, RULED_EVENT, *_ANSWER_EVENTS)


@dataclass(frozen=True, slots=True)
class ReportData:
    """What ``/report`` needs from the database: the rows of :func:`council.performance.build_report` and
    the names of the county and council codes and member ids they mention."""

    resolutions: list[ResolutionRow]
    votes: list[VoteRow]
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class _Cycle:
    deadline: dt.datetime | None = None
    ruled_at: dt.datetime | None = None
    conflict: bool = False
    reconsideration_deadline: dt.datetime | None = None
    answered_at: dt.datetime | None = None


@dataclass
class _Case:
    council_code: str
    county_code: str
    board_code: str
    submitted_at: dt.datetime
    late: bool
    status: Status
    cycle: int
    review_deadline: dt.datetime | None
    reconsideration_deadline: dt.datetime | None
    cycles: dict[int, _Cycle] = field(default_factory=dict)

    def of(self, cycle: int) -> _Cycle:
        return self.cycles.setdefault(cycle, _Cycle())


def _instant(value: Any) -> dt.datetime | None:
    """An instant kept in an event's payload (ISO 8601 with its offset), in UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def _cycle_of(payload: Mapping[str, Any]) -> int | None:
    cycle = payload.get("cycle")
    return cycle if isinstance(cycle, int) else None


def _chosen(
    scope: Scope,
    county_code: str | None,
    council_ids: Sequence[int] | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> sa.Select[int, str, str]:
    """Resolutions with their places, within ``scope`` and the place and period asked for."""
    conditions: list[sa.ColumnElement[bool]] = [scope_condition(scope)]
    if county_code is not None:
        conditions.append(County.code == county_code)
    if council_ids is not None:
        conditions.append(Council.id.in_(list(council_ids)))
    if start is not None:
        conditions.append(Resolution.submitted_at >= start)
    if end is not None:
        conditions.append(Resolution.submitted_at < end)
    return _places().join_from(Council, Resolution, Resolution.council_id == Council.id).where(*conditions)


class Reference:
    """The old loader over a session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(
        self,
        scope: Scope,
        *,
        county_code: str | None = None,
        council_ids: Sequence[int] | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> ReportData:
        """The report's rows for the resolutions within ``scope`` (and the county ``county_code`` and the
        councils ``council_ids`` when given) submitted in ``[start, end)`` (either end open when ``None``).
        See the module docstring for where each figure comes from."""
        if scope.empty:
            return ReportData([], [])
        chosen = _chosen(scope, county_code, council_ids, start, end)

        cases: dict[int, _Case] = {}
        names: dict[str, str] = {}
        rows = await self.session.execute(
            chosen.with_only_columns(
                Resolution.id,
                Council.code,
                Council.name,
                County.code,
                County.name,
                Board.code,
                Resolution.submitted_at,
                Resolution.late,
                Resolution.status,
                Resolution.cycle,
                Resolution.review_deadline,
                Resolution.reconsideration_deadline,
            ).order_by(Resolution.id)
        )
        for (
            rid,
            council_code,
            council_name,
            county,
            county_name,
            board_code,
            submitted_at,
            late,
            status,
            cycle,
            review_deadline,
            reconsideration_deadline,
        ) in rows:
            names[council_code] = council_name
            names[county] = county_name
            cases[rid] = _Case(
                council_code,
                county,
                board_code,
                submitted_at,
                bool(late),
                Status(status),
                cycle,
                review_deadline,
                reconsideration_deadline,
            )
        if not cases:
            return ReportData([], [], names)

        ids = chosen.with_only_columns(Resolution.id).scalar_subquery()
        await self._read_events(cases, ids)
        voters = await self._first_votes(ids)
        members = await self._members({case.board_code for case in cases.values()})
        votes = _owed_votes(cases, voters, members)
        people = {int(vote.member_id) for vote in votes}
        if people:
            found = await self.session.execute(
                sa.select(Person.id, Person.display_name).where(Person.id.in_(sorted(people)))
            )
            names.update({str(pid): name for pid, name in found})
        return ReportData([_row(case) for case in cases.values()], votes, names)

    async def _read_events(self, cases: dict[int, _Case], ids: sa.ScalarSelect[Any]) -> None:
        events = await self.session.execute(
            sa.select(Event.resolution_id, Event.kind, Event.at, Event.payload)
            .where(Event.resolution_id.in_(ids), Event.kind.in_(_EVENTS))
            .order_by(Event.id)
        )
        for rid, kind, at, payload in events:
            case = cases[rid]
            payload = payload or {}
            cycle = _cycle_of(payload)
            if cycle is None:
                continue
            if kind == SUBMITTED_EVENT:
                case.of(cycle).deadline = _instant(payload.get("review_deadline"))
            elif kind == RULED_EVENT:
                ruled = case.of(cycle)
                ruled.ruled_at = at
                if payload.get("choice") == VoteChoice.CONFLICT.value:
                    ruled.conflict = True
                    ruled.reconsideration_deadline = _instant(payload.get("reconsideration_deadline"))
            else:
                answered = case.of(cycle)
                if answered.answered_at is None:
                    answered.answered_at = at
                new_cycle = payload.get("new_cycle")
                if kind == AMENDED_EVENT and isinstance(new_cycle, int):
                    case.of(new_cycle).deadline = _instant(payload.get("review_deadline"))

    async def _first_votes(self, ids: sa.ScalarSelect[Any]) -> dict[tuple[int, int], dict[int, dt.datetime]]:
        """(resolution, cycle) → member → the member's first vote of the cycle."""
        rows = await self.session.execute(
            sa.select(
                BoardVote.resolution_id, BoardVote.cycle, BoardVote.member_id, sa.func.min(BoardVote.cast_at)
            )
            .where(BoardVote.resolution_id.in_(ids))
            .group_by(BoardVote.resolution_id, BoardVote.cycle, BoardVote.member_id)
        )
        voters: dict[tuple[int, int], dict[int, dt.datetime]] = {}
        for rid, cycle, member, cast_at in rows:
            voters.setdefault((rid, cycle), {})[member] = cast_at
        return voters

    async def _members(self, boards: Iterable[str]) -> dict[str, list[tuple[int, dt.datetime]]]:
        """Board code → its members and when each was bound."""
        rows = await self.session.execute(
            sa.select(RoleBinding.scope_code, RoleBinding.person_id, RoleBinding.created_at)
            .where(
                RoleBinding.role == Role.MEMBER.value,
                RoleBinding.scope_kind == ScopeKind.BOARD.value,
                RoleBinding.scope_code.in_(sorted(boards)),
            )
            .order_by(RoleBinding.id)
        )
        members: dict[str, list[tuple[int, dt.datetime]]] = {}
        for board, person, since in rows:
            members.setdefault(board, []).append((person, since))
        return members


def _row(case: _Case) -> ResolutionRow:
    current = case.cycles.get(case.cycle, _Cycle())
    objections = [cycle for _, cycle in sorted(case.cycles.items()) if cycle.conflict]
    objection = objections[-1] if objections else None
    deadline = case.review_deadline or current.deadline
    assert deadline is not None, "a submitted resolution has its review deadline"
    reconsideration = objection.reconsideration_deadline if objection else None
    return ResolutionRow(
        council_code=case.council_code,
        county_code=case.county_code,
        submitted_at=case.submitted_at,
        late=case.late,
        status=case.status,
        ruled_at=current.ruled_at,
        review_deadline=deadline,
        reconsideration_deadline=reconsideration or (case.reconsideration_deadline if objection else None),
        reconsideration_answered_at=objection.answered_at if objection else None,
    )


def _owed_votes(
    cases: Mapping[int, _Case],
    voters: Mapping[tuple[int, int], Mapping[int, dt.datetime]],
    members: Mapping[str, Sequence[tuple[int, dt.datetime]]],
) -> list[VoteRow]:
    votes: list[VoteRow] = []
    for rid, case in cases.items():
        for number in range(1, case.cycle + 1):
            cycle = case.cycles.get(number, _Cycle())
            deadline = cycle.deadline
            if number == case.cycle and case.review_deadline is not None:
                deadline = deadline or case.review_deadline
            if deadline is None:
                continue
            cast = voters.get((rid, number), {})
            owed: dict[int, dt.datetime | None] = dict(cast)
            if cycle.ruled_at is None:
                for member, since in members.get(case.board_code, ()):
                    if since <= deadline:
                        owed.setdefault(member, None)
            votes.extend(VoteRow(str(member), owed[member], deadline) for member in sorted(owed))
    return votes
