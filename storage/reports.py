"""The performance report (issue 6, ``/report``) computed in the database: one aggregate statement per report,
whatever the number of resolutions, so that a nation-wide report over years (a million resolutions) takes
seconds and little memory instead of loading every resolution into Python.

:meth:`ReportStore.report` returns a :class:`council.performance.Report` for the resolutions of a scope
(optionally one county or some councils, and a period of submission) as seen at ``now``, plus the names of
the provinces, counties, councils and members it mentions. The statement's parts, in SQL:

1. ``chosen``: the resolutions asked for, with their council, county, province and board.
2. ``cycles``: one row per resolution and review cycle, from the event log and the resolutions table:

   - the cycle's review deadline: the ``submitted`` event's payload holds cycle 1's and each ``amended``
     event's payload holds the next cycle's (``new_cycle``, ``review_deadline``); the current cycle's is
     also ``resolutions.review_deadline``, used for votes when an event lacks it;
   - when the board ruled in the cycle (its ``ruled`` event; a lapse is not a ruling), whether the ruling
     was a conflict (an objection) and the reconsideration deadline its payload keeps (the resolutions
     table clears it when an amendment opens a new cycle, so the table's is used only when the payload
     lacks one);
   - when the council answered the cycle's objection (its ``amended`` / ``revoked`` / ``insisted`` event).

   An event counts only with a ``cycle`` in its payload. Each cycle has one opening event, at most one
   ruling and at most one answer (the review's transitions allow no more), so the latest or first of each
   is simply the one there is.
3. ``cases``: one row per resolution: its status, lateness, whether the board objected (in any cycle its
   latest objection is kept), whether its review closed, whether the answer to its latest objection is
   overdue at ``now`` (unanswered past the deadline, or answered after it), and the microseconds from
   submission to the current cycle's ruling.
4. The result, a tagged union: per council and status the counts; the one or two middle values of the
   days to a ruling per council, county, province and overall (``ROW_NUMBER`` over an ordered window:
   SQLite has no ``percentile_cont``, and the median must be exactly Python's ``statistics.median`` of
   the same days); per board member the votes owed, cast on time or late, missed and not yet due.

Votes owed: in each review cycle with a deadline, every member of the resolution's board whose binding
existed by the cycle's deadline owes one vote, unless the board ruled in that cycle (the ruling closed the
vote: nothing was missed). A member's first vote of the cycle is when the duty was met (later votes only
change it). Whoever voted in a cycle is counted even if no longer bound.

Counties, provinces and the whole are sums of their councils' counts (Python adds them up); only the
medians need their own windows. Instants are compared in the database: stored instants as stored, payload
instants (ISO 8601 with an offset) converted to the stored form, ``now`` as a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from council.performance import AFTER_OBJECTION, Figures, MemberFigures, Report, UnitFigures
from council.review import VoteChoice
from council.reviewing import AMENDED_EVENT, INSISTED_EVENT, REVOKED_EVENT, RULED_EVENT
from council.roles import Role, ScopeKind
from council.scope import Scope
from council.status import Status
from council.submitting import SUBMITTED_EVENT

from .models import (
    Board,
    BoardVote,
    Council,
    County,
    Event,
    Person,
    Province,
    Resolution,
    RoleBinding,
    UTCDateTime,
)
from .parts import RepositoryPart

# Councils joined with their board, county and province, as scope_condition needs: reused, not copied.
from .status import _councils_with_places as _places
from .status import scope_condition

UTC = dt.UTC
_ANSWER_EVENTS = (AMENDED_EVENT, REVOKED_EVENT, INSISTED_EVENT)
_EVENTS = (SUBMITTED_EVENT, RULED_EVENT, *_ANSWER_EVENTS)
_DAY_US = 86_400_000_000
_INSTANT = UTCDateTime()

# The parts of the result; a median part's key is the council, county or province id (0 for the whole).
_UNITS, _VOTES_CAST, _VOTES_OWED = "units", "cast", "owed"
_MEDIAN_COUNCIL, _MEDIAN_COUNTY, _MEDIAN_PROVINCE, _MEDIAN_ALL = (
    "m.council",
    "m.county",
    "m.province",
    "m.all",
)


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A report and the names of the province, county and council codes and member ids it mentions."""

    report: Report
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportCounty:
    """A county with at least one council in the scope."""

    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ReportCouncil:
    """A council in the scope, with its county."""

    id: int
    code: str
    name: str
    county_code: str


@dataclass(frozen=True, slots=True)
class ReportUnits:
    """The counties and councils a report can be asked for within a scope, by name."""

    counties: list[ReportCounty]
    councils: list[ReportCouncil]


def _chosen(
    scope: Scope,
    county_code: str | None,
    council_ids: Sequence[int] | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> sa.Select[int, str, str]:
    """Resolutions with their places, within ``scope`` and the place and period asked for."""
    conditions: list[sa.ColumnElement[bool]] = [scope_condition(scope), *_place(county_code, council_ids)]
    if start is not None:
        conditions.append(Resolution.submitted_at >= start)
    if end is not None:
        conditions.append(Resolution.submitted_at < end)
    return _places().join_from(Council, Resolution, Resolution.council_id == Council.id).where(*conditions)


def _place(county_code: str | None, council_ids: Sequence[int] | None) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if county_code is not None:
        conditions.append(County.code == county_code)
    if council_ids is not None:
        conditions.append(Council.id.in_(list(council_ids)))
    return conditions


class _Sql:
    """The expressions that differ between SQLite (instants stored as ``YYYY-MM-DD HH:MM:SS.ffffff`` text
    in UTC) and PostgreSQL (``timestamptz``)."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"

    def payload_instant(self, payload: Any, key: str) -> sa.ColumnElement[dt.datetime]:
        """An instant kept in an event's payload as ISO 8601 with its offset, comparable with stored ones."""
        text = payload[key].as_string()
        if not self.sqlite:
            return sa.type_coerce(sa.cast(text, sa.DateTime(timezone=True)), _INSTANT)
        # Whole seconds in UTC (the offset applied; fractions left out before SQLite rounds them to
        # milliseconds), then the microseconds as written.
        seconds = sa.func.strftime(
            "%Y-%m-%d %H:%M:%S", sa.func.substr(text, 1, 19).concat(sa.func.substr(text, -6))
        )
        fraction = sa.case((sa.func.substr(text, 20, 1) == ".", sa.func.substr(text, 21, 6)), else_="000000")
        return sa.type_coerce(seconds.concat(".").concat(fraction), _INSTANT)

    def microseconds(self, later: Any, earlier: Any) -> sa.ColumnElement[int]:
        """``later - earlier`` of two stored instants, in whole microseconds (exact)."""
        if not self.sqlite:
            return sa.cast(sa.extract("epoch", later - earlier) * 1_000_000, sa.BigInteger)

        def whole(instant: Any) -> sa.ColumnElement[int]:
            return sa.cast(sa.func.strftime("%s", sa.func.substr(instant, 1, 19)), sa.BigInteger)

        def fraction(instant: Any) -> sa.ColumnElement[int]:
            return sa.cast(sa.func.substr(instant, 21, 6), sa.BigInteger)

        return (whole(later) - whole(earlier)) * 1_000_000 + fraction(later) - fraction(earlier)


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.count(sa.case((condition, 1)))


def _null(type_: Any) -> sa.ColumnElement[Any]:
    return sa.cast(sa.null(), type_)


def _statement(chosen: sa.Select[int, str, str], now: dt.datetime, sql: _Sql) -> sa.CompoundSelect[Any]:
    """The report's statement (see the module docstring): rows of ``(part, key, status, a … f)``."""
    now_at = sa.bindparam("now", now, type_=_INSTANT)
    chosen_cte = (
        chosen.with_only_columns(
            Resolution.id.label("rid"),
            Council.id.label("council_id"),
            County.id.label("county_id"),
            Province.id.label("province_id"),
            Board.code.label("board_code"),
            Resolution.status,
            Resolution.late,
            Resolution.submitted_at,
            Resolution.cycle,
            Resolution.review_deadline,
            Resolution.reconsideration_deadline,
        )
        .cte("chosen")
        .prefix_with("MATERIALIZED")
    )
    r = chosen_cte.c

    # 2. Per resolution and cycle: what the event log says, and the table's deadline of the current cycle.
    payload = Event.payload
    cycle = payload["cycle"].as_integer()
    conflict = (Event.kind == RULED_EVENT) & (payload["choice"].as_string() == VoteChoice.CONFLICT.value)
    from_events = (
        sa.select(
            Event.resolution_id.label("rid"),
            cycle.label("cycle"),
            sa.case((Event.kind == SUBMITTED_EVENT, sql.payload_instant(payload, "review_deadline"))).label(
                "deadline"
            ),
            _null(_INSTANT).label("table_deadline"),
            sa.case((Event.kind == RULED_EVENT, Event.at)).label("ruled_at"),
            sa.case((conflict, 1), else_=0).label("conflict"),
            sa.case((conflict, sql.payload_instant(payload, "reconsideration_deadline"))).label("recon"),
            sa.case((Event.kind.in_(_ANSWER_EVENTS), Event.at)).label("answered_at"),
            _null(sa.Integer).label("current_cycle"),
        )
        .join(chosen_cte, r.rid == Event.resolution_id)
        .where(Event.kind.in_(_EVENTS), cycle.is_not(None))
    )
    new_cycle = payload["new_cycle"].as_integer()
    reopened = (
        sa.select(
            Event.resolution_id,
            new_cycle,
            sql.payload_instant(payload, "review_deadline"),
            _null(_INSTANT),
            _null(_INSTANT),
            sa.literal_column("0"),
            _null(_INSTANT),
            _null(_INSTANT),
            _null(sa.Integer),
        )
        # Amendments are few: found by kind (its index), not by probing every chosen resolution again
        # (``+ 0`` keeps SQLite off the resolution_id index).
        .where(
            Event.kind == AMENDED_EVENT,
            (Event.resolution_id + 0).in_(sa.select(r.rid)),
            cycle.is_not(None),
            new_cycle.is_not(None),
        )
    )
    current = sa.select(
        r.rid,
        r.cycle,
        _null(_INSTANT),
        r.review_deadline,
        _null(_INSTANT),
        sa.literal_column("0"),
        _null(_INSTANT),
        _null(_INSTANT),
        r.cycle,
    )
    u = sa.union_all(from_events, reopened, current).subquery("u")
    grouped = (
        sa.select(
            u.c.rid,
            u.c.cycle,
            sa.func.max(u.c.deadline).label("deadline"),
            sa.func.max(u.c.table_deadline).label("table_deadline"),
            sa.func.max(u.c.ruled_at).label("ruled_at"),
            sa.func.max(u.c.conflict).label("conflict"),
            sa.func.max(u.c.recon).label("recon"),
            sa.func.min(u.c.answered_at).label("answered_at"),
            sa.func.max(u.c.current_cycle).label("current_cycle"),
        )
        .group_by(u.c.rid, u.c.cycle)
        .subquery("grouped")
    )
    g = grouped.c
    cycles = (
        sa.select(
            *(column for column in g if column.key != "current_cycle"),
            # The resolution's current cycle, and its latest cycle with an objection (NULL when the board
            # never objected), on each of its cycles: no join back to ``chosen`` is needed.
            sa.func.max(g.current_cycle).over(partition_by=g.rid).label("current_cycle"),
            sa.func.max(sa.case((g.conflict == 1, g.cycle)))
            .over(partition_by=g.rid)
            .label("objection_cycle"),
        )
        .cte("cycles")
        .prefix_with("MATERIALIZED")
    )
    c = cycles.c

    # 3. Per resolution.
    latest_objection = c.cycle == c.objection_cycle
    per_rid = (
        sa.select(
            c.rid,
            sa.func.max(sa.case((c.cycle == c.current_cycle, c.ruled_at))).label("ruled_at"),
            sa.func.max(c.objection_cycle).label("objection_cycle"),
            sa.func.max(sa.case((latest_objection, c.recon))).label("recon"),
            sa.func.max(sa.case((latest_objection, c.answered_at))).label("answered_at"),
        )
        .group_by(c.rid)
        .subquery("per_rid")
    )
    p = per_rid.c
    recon = sa.case((p.objection_cycle.is_not(None), sa.func.coalesce(p.recon, r.reconsideration_deadline)))
    objected = recon.is_not(None) | r.status.in_([status.value for status in AFTER_OBJECTION])
    overdue = recon.is_not(None) & (now_at > recon) & (p.answered_at.is_(None) | (p.answered_at > recon))
    cases = (
        sa.select(
            r.council_id,
            r.county_id,
            r.province_id,
            r.status,
            sa.case((r.late, 1), else_=0).label("late"),
            sa.case((objected, 1), else_=0).label("objected"),
            sa.case((objected | (r.status != Status.UNDER_REVIEW.value), 1), else_=0).label("closed"),
            sa.case((overdue, 1), else_=0).label("overdue"),
            sa.case((p.ruled_at.is_not(None), sql.microseconds(p.ruled_at, r.submitted_at))).label(
                "ruled_us"
            ),
        )
        .join(per_rid, p.rid == r.rid)
        .cte("cases")
        .prefix_with("MATERIALIZED")
    )
    k = cases.c

    def tagged(part: str, key: Any, status: Any, *numbers: Any) -> list[sa.ColumnElement[Any]]:
        values = [*numbers, *[sa.literal_column("0")] * (6 - len(numbers))]
        return [
            sa.literal_column(f"'{part}'").label("part"),
            sa.cast(key, sa.BigInteger).label("key"),
            sa.cast(status, sa.String).label("status"),
            *(sa.cast(value, sa.BigInteger).label(f"n{i}") for i, value in enumerate(values)),
        ]

    # 4. Per council and status: resolutions, late, objected, closed, overdue, ruled.
    units = sa.select(
        *tagged(
            _UNITS,
            k.council_id,
            k.status,
            sa.func.count(),
            sa.func.sum(k.late),
            sa.func.sum(k.objected),
            sa.func.sum(k.closed),
            sa.func.sum(k.overdue),
            sa.func.count(k.ruled_us),
        )
    ).group_by(k.council_id, k.status)

    def middles(part: str, key: Any) -> sa.Select[Any]:
        """The one or two middle microseconds-to-a-ruling of each ``key`` (with their count)."""
        window = {"partition_by": key} if key is not None else {}
        ordered = (
            sa.select(
                (key if key is not None else sa.literal_column("0")).label("key"),
                k.ruled_us,
                sa.func.row_number().over(order_by=k.ruled_us, **window).label("rn"),
                sa.func.count().over(**window).label("n"),
            )
            .where(k.ruled_us.is_not(None))
            .subquery(part.replace(".", "_"))
        )
        o = ordered.c
        return sa.select(*tagged(part, o.key, _null(sa.String), o.ruled_us, o.n)).where(
            (2 * o.rn).in_([o.n, o.n + 1, o.n + 2])
        )

    # Votes: the cycles with a deadline, of the resolutions' boards.
    deadline = sa.func.coalesce(c.deadline, c.table_deadline)
    owing = (
        sa.select(
            c.rid,
            c.cycle,
            deadline.label("deadline"),
            sa.case((c.ruled_at.is_not(None), 1), else_=0).label("ruled"),
            r.board_code,
        )
        .join(chosen_cte, r.rid == c.rid)
        .where(c.cycle >= 1, c.cycle <= c.current_cycle, deadline.is_not(None))
        .subquery("owing")
    )
    w = owing.c
    first = (
        sa.select(BoardVote.member_id, w.deadline, sa.func.min(BoardVote.cast_at).label("cast_at"))
        .join(owing, (BoardVote.resolution_id == w.rid) & (BoardVote.cycle == w.cycle))
        .group_by(BoardVote.resolution_id, BoardVote.cycle, BoardVote.member_id, w.deadline)
        .subquery("first")
    )
    f = first.c
    cast = sa.select(
        *tagged(
            _VOTES_CAST,
            f.member_id,
            _null(sa.String),
            _count_if(f.cast_at <= f.deadline),
            _count_if(f.cast_at > f.deadline),
        )
    ).group_by(f.member_id)
    voted = sa.exists().where(
        BoardVote.resolution_id == w.rid,
        BoardVote.cycle == w.cycle,
        BoardVote.member_id == RoleBinding.person_id,
    )
    owed = (
        sa.select(
            *tagged(
                _VOTES_OWED,
                RoleBinding.person_id,
                _null(sa.String),
                _count_if(now_at > w.deadline),
                _count_if(now_at <= w.deadline),
            )
        )
        .select_from(owing)
        .join(
            RoleBinding,
            (RoleBinding.role == Role.MEMBER.value)
            & (RoleBinding.scope_kind == ScopeKind.BOARD.value)
            & (RoleBinding.scope_code == w.board_code)
            & (RoleBinding.created_at <= w.deadline),
        )
        .where(w.ruled == 0, ~voted)
        .group_by(RoleBinding.person_id)
    )
    return sa.union_all(
        units,
        middles(_MEDIAN_COUNCIL, k.council_id),
        middles(_MEDIAN_COUNTY, k.county_id),
        middles(_MEDIAN_PROVINCE, k.province_id),
        middles(_MEDIAN_ALL, None),
        cast,
        owed,
    )


@dataclass
class _Sums:
    """Additive figures of a unit while they are summed up."""

    by_status: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    late: int = 0
    objected: int = 0
    closed: int = 0
    overdue: int = 0
    ruled: int = 0

    def add(self, other: _Sums) -> None:
        for status, count in other.by_status.items():
            self.by_status[status] += count
        self.late += other.late
        self.objected += other.objected
        self.closed += other.closed
        self.overdue += other.overdue
        self.ruled += other.ruled

    def figures(self, median: float | None) -> Figures:
        total = sum(self.by_status.values())
        return Figures(
            total=total,
            by_status=MappingProxyType(dict(self.by_status)),
            objected=self.objected,
            reviews_closed=self.closed,
            submitted_on_time=total - self.late,
            submitted_late=self.late,
            lapsed=self.by_status[Status.ENFORCEABLE_LAPSED],
            ruled=self.ruled,
            median_days_to_ruling=median,
            reconsiderations_overdue=self.overdue,
        )


def _median(middle: Sequence[int]) -> float:
    """What ``statistics.median`` gives for days computed as ``timedelta / timedelta(days=1)``, from the one
    or two middle values in microseconds (an int over an int divides exactly as timedeltas do)."""
    if len(middle) == 1:
        return middle[0] / _DAY_US
    low, high = sorted(middle)
    return (low / _DAY_US + high / _DAY_US) / 2


@dataclass(frozen=True, slots=True)
class _Place:
    code: str
    name: str
    county_id: int
    county_code: str
    county_name: str
    province_id: int
    province_code: str
    province_name: str


class ReportStore(RepositoryPart):
    """Read-only: the performance report within a scope."""

    async def units(self, scope: Scope) -> ReportUnits:
        """The counties (those with a council in ``scope``) and councils within ``scope``, each by name."""
        if scope.empty:
            return ReportUnits([], [])
        rows = await self.session.execute(
            _places()
            .with_only_columns(Council.id, Council.code, Council.name, County.id, County.code, County.name)
            .where(scope_condition(scope))
            .order_by(Council.id)
        )
        counties: dict[int, ReportCounty] = {}
        councils = []
        for council_id, code, name, county_id, county_code, county_name in rows:
            counties.setdefault(county_id, ReportCounty(county_id, county_code, county_name))
            councils.append(ReportCouncil(council_id, code, name, county_code))
        # Sorted here, by code point, so that both backends agree whatever the database's collation.
        return ReportUnits(
            sorted(counties.values(), key=lambda c: (c.name, c.id)),
            sorted(councils, key=lambda c: (c.name, c.id)),
        )

    async def count(
        self,
        scope: Scope,
        *,
        county_code: str | None = None,
        council_ids: Sequence[int] | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> int:
        """How many resolutions :meth:`report` covers with the same arguments (one counting query)."""
        if scope.empty:
            return 0
        chosen = _chosen(scope, county_code, council_ids, start, end)
        return int(await self.session.scalar(chosen.with_only_columns(sa.func.count(Resolution.id))) or 0)

    async def report(
        self,
        scope: Scope,
        now: dt.datetime,
        *,
        county_code: str | None = None,
        council_ids: Sequence[int] | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> ReportResult:
        """The report of the resolutions within ``scope`` (and the county ``county_code`` and the councils
        ``council_ids`` when given) submitted in ``[start, end)`` (either end open when ``None``), as seen
        at the aware instant ``now``: the figures :func:`council.performance.build_report` gives for the same
        resolutions, with the figures per province too. See the module docstring for how."""
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        sums: dict[int, _Sums] = defaultdict(_Sums)
        middles: dict[tuple[str, int], list[int]] = defaultdict(list)
        votes: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        if not scope.empty:
            sql = _Sql(self.session.get_bind().dialect.name)
            statement = _statement(_chosen(scope, county_code, council_ids, start, end), now, sql)
            for part, key, status, *numbers in await self.session.execute(statement):
                if part == _UNITS:
                    _add_units(sums[key], Status(status), numbers)
                elif part in (_VOTES_CAST, _VOTES_OWED):
                    first = 0 if part == _VOTES_CAST else 2
                    votes[key][first : first + 2] = numbers[:2]
                else:
                    middles[(part, key)].append(numbers[0])
        places = await self._places(scope, county_code, council_ids, sums)
        people = await self._people(votes)
        return ReportResult(_report(now, sums, middles, votes, places), _names(places, people))

    async def _places(
        self,
        scope: Scope,
        county_code: str | None,
        council_ids: Sequence[int] | None,
        councils: Iterable[int],
    ) -> dict[int, _Place]:
        """Council id → its code, name and places, for the councils with resolutions in the report."""
        wanted = set(councils)
        if not wanted:
            return {}
        rows = await self.session.execute(
            _places()
            .with_only_columns(
                Council.id,
                Council.code,
                Council.name,
                County.id,
                County.code,
                County.name,
                Province.id,
                Province.code,
                Province.name,
            )
            .where(scope_condition(scope), *_place(county_code, council_ids))
        )
        return {row[0]: _Place(*row[1:]) for row in rows if row[0] in wanted}

    async def _people(self, members: Iterable[int]) -> dict[int, str]:
        ids = sorted(members)
        if not ids:
            return {}
        found = await self.session.execute(
            sa.select(Person.id, Person.display_name).where(Person.id.in_(ids))
        )
        return {pid: name for pid, name in found}


def _add_units(sums: _Sums, status: Status, numbers: Sequence[int]) -> None:
    total, late, objected, closed, overdue, ruled = (int(n or 0) for n in numbers)
    sums.by_status[status] += total
    sums.late += late
    sums.objected += objected
    sums.closed += closed
    sums.overdue += overdue
    sums.ruled += ruled


def _report(
    now: dt.datetime,
    councils: Mapping[int, _Sums],
    middles: Mapping[tuple[str, int], list[int]],
    votes: Mapping[int, Sequence[int]],
    places: Mapping[int, _Place],
) -> Report:
    def median(part: str, key: int) -> float | None:
        middle = middles.get((part, key))
        return _median(middle) if middle else None

    overall = _Sums()
    counties: dict[int, _Sums] = defaultdict(_Sums)
    provinces: dict[int, _Sums] = defaultdict(_Sums)
    for council_id, sums in councils.items():
        place = places[council_id]
        overall.add(sums)
        counties[place.county_id].add(sums)
        provinces[place.province_id].add(sums)
    county_codes = {p.county_id: p.county_code for p in places.values()}
    province_codes = {p.province_id: p.province_code for p in places.values()}
    return Report(
        now=now,
        overall=overall.figures(median(_MEDIAN_ALL, 0)),
        counties=tuple(
            sorted(
                (
                    UnitFigures(county_codes[cid], county_codes[cid], s.figures(median(_MEDIAN_COUNTY, cid)))
                    for cid, s in counties.items()
                ),
                key=lambda unit: unit.code,
            )
        ),
        councils=tuple(
            sorted(
                (
                    UnitFigures(
                        places[cid].code, places[cid].county_code, s.figures(median(_MEDIAN_COUNCIL, cid))
                    )
                    for cid, s in councils.items()
                ),
                key=lambda unit: unit.code,
            )
        ),
        members=tuple(
            sorted(
                (
                    MemberFigures(str(member), on_time + late + missed, on_time, late, missed, pending)
                    for member, (on_time, late, missed, pending) in votes.items()
                ),
                key=lambda member: member.member_id,
            )
        ),
        provinces=tuple(
            sorted(
                (
                    UnitFigures(
                        province_codes[pid], province_codes[pid], s.figures(median(_MEDIAN_PROVINCE, pid))
                    )
                    for pid, s in provinces.items()
                ),
                key=lambda unit: unit.code,
            )
        ),
    )


def _names(places: Mapping[int, _Place], people: Mapping[int, str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for place in places.values():
        names[place.code] = place.name
        names[place.county_code] = place.county_name
        names[place.province_code] = place.province_name
    names.update({str(member): name for member, name in people.items()})
    return names
