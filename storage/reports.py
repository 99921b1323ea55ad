"""The performance report (issue 6, ``/report``) computed in the database: one aggregate statement per report,
whatever the number of resolutions, so that a nation-wide report over years (a million resolutions) takes
seconds and little memory instead of loading every resolution into Python.

:meth:`ReportStore.report` returns a :class:`council.performance.Report` for the resolutions of a scope
(optionally one county or some councils, and a period of submission) as seen at ``now``, plus the names of
the provinces, counties, councils and members it mentions.

What the event log says of each review cycle is kept as columns of ``review_cycles``
(:class:`storage.models.ReviewCycle`, written with each event by ``storage.review_cycles``): the cycle's
review deadline, when the board ruled in it (a lapse is not a ruling), whether the ruling was an objection
and the reconsideration deadline it set, and when the council answered it. The statement reads those
columns, never an event's JSON payload. Its parts, in SQL:

1. ``chosen``: one row per resolution asked for (its council among the scope's; for the nation no
   condition), joined by key to its current cycle's facts and to its latest cycle with an objection:

   - its status, council and current cycle; the current cycle's review deadline (its facts', else
     ``resolutions.review_deadline``) and whether the board ruled in it;
   - 0 / 1: late; objected (the latest objection's reconsideration deadline — its facts', else the
     table's — or a status that only follows an objection); closed (objected, or no longer under review);
     overdue (that objection unanswered at ``now`` past its deadline, or answered after it);
   - the microseconds from submission to the current cycle's ruling.
2. Per council: the resolutions, the sums of those 0 / 1 figures, the resolutions per status, and the
   microseconds to each ruling as one comma-separated text. Python takes the medians from those lists
   (a council's, its county's, its province's, the whole's: exactly ``statistics.median`` of the days)
   and adds councils up to counties, provinces and the whole.
3. Per board member, the votes owed in each cycle with a deadline — each resolution's current cycle, and
   the earlier cycles an amendment closed (``closed_cycles``, from their facts): the member's first vote
   of the cycle (the earliest, found in the votes index ``(resolution_id, cycle, member_id, cast_at)``)
   on time or late; and in the cycles the board did not rule in (``unruled``), every member of the
   resolution's board bound by the cycle's deadline who did not vote: missed, or not yet due at ``now``.

Votes owed: in each review cycle with a deadline, every member of the resolution's board whose binding
existed by the cycle's deadline owes one vote, unless the board ruled in that cycle (the ruling closed the
vote: nothing was missed). A member's first vote of the cycle is when the duty was met (later votes only
change it). Whoever voted in a cycle is counted even if no longer bound.

Instants are compared in the database (stored instants as stored, ``now`` as a bound parameter). On
PostgreSQL the statement runs with more memory for its hashes and sorts and without JIT compilation
(``SET LOCAL``, for the report's transaction).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from council.performance import AFTER_OBJECTION, Figures, MemberFigures, Report, UnitFigures
from council.roles import Role, ScopeKind
from council.scope import Scope
from council.status import Status

from .models import (
    Board,
    BoardVote,
    Council,
    County,
    Person,
    Province,
    Resolution,
    ReviewCycle,
    RoleBinding,
    UTCDateTime,
)
from .parts import RepositoryPart

# Councils joined with their board, county and province, as scope_condition needs: reused, not copied.
from .status import _councils_with_places as _places
from .status import scope_condition

UTC = dt.UTC
_DAY_US = 86_400_000_000
#: SQLite 3.38 and later count seconds since the epoch with ``unixepoch``, cheaper than ``strftime('%s')``.
_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38)
#: PostgreSQL's memory for each hash and sort of the report's statement (a nation's takes about 60 MB).
_POSTGRES_WORK_MEM = "64MB"
_INSTANT = UTCDateTime()

# The parts of the result, and how many numbers each row has (units: six figures and one per status).
_UNITS, _VOTES_CAST, _VOTES_OWED = "units", "cast", "owed"
_NUMBERS = 6 + len(Status)


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

    def microseconds(self, later: Any, earlier: Any) -> sa.ColumnElement[int]:
        """``later - earlier`` of two stored instants, in whole microseconds (exact)."""
        if not self.sqlite:
            return sa.cast(sa.extract("epoch", later - earlier) * 1_000_000, sa.BigInteger)

        def whole(instant: Any) -> sa.ColumnElement[int]:
            seconds = sa.func.substr(instant, 1, 19)
            if _UNIXEPOCH:
                return sa.func.unixepoch(seconds, type_=sa.BigInteger)
            return sa.cast(sa.func.strftime("%s", seconds), sa.BigInteger)

        def fraction(instant: Any) -> sa.ColumnElement[int]:
            return sa.cast(sa.func.substr(instant, 21, 6), sa.BigInteger)

        return (whole(later) - whole(earlier)) * 1_000_000 + fraction(later) - fraction(earlier)

    def joined(self, numbers: Any) -> sa.ColumnElement[str]:
        """The group's non-NULL ``numbers`` as one text, separated by commas, in no particular order."""
        if self.sqlite:
            return sa.func.group_concat(numbers)
        return sa.func.string_agg(sa.cast(numbers, sa.Text), ",")


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.count(sa.case((condition, 1)))


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.case((condition, 1), else_=0)


def _null(type_: Any) -> sa.ColumnElement[Any]:
    return sa.cast(sa.null(), type_)


def _chosen_where(
    scope: Scope,
    county_code: str | None,
    council_ids: Sequence[int] | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> list[sa.ColumnElement[bool]]:
    """The conditions on ``Resolution`` of :func:`_chosen`, without joining the places to each resolution:
    its council among those of the scope and place (no condition for the whole nation)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if not scope.nation or county_code is not None or council_ids is not None:
        councils = (
            _places()
            .with_only_columns(Council.id)
            .where(scope_condition(scope), *_place(county_code, council_ids))
        )
        conditions.append(Resolution.council_id.in_(councils))
    if start is not None:
        conditions.append(Resolution.submitted_at >= start)
    if end is not None:
        conditions.append(Resolution.submitted_at < end)
    return conditions


def _statement(
    where: Sequence[sa.ColumnElement[bool]], now: dt.datetime, sql: _Sql
) -> sa.CompoundSelect[Any]:
    """The report's statement (see the module docstring): rows of ``(part, key, status, n0 … n5, ruled)``."""
    now_at = sa.bindparam("now", now, type_=_INSTANT)
    current = aliased(ReviewCycle, name="cur")
    objection = aliased(ReviewCycle, name="obj")
    later = aliased(ReviewCycle, name="later")
    # The resolution's latest cycle with an objection (the board rules at most once per cycle).
    latest_objection = (
        (objection.resolution_id == Resolution.id)
        & objection.conflict
        & ~sa.exists().where(
            later.resolution_id == objection.resolution_id, later.cycle > objection.cycle, later.conflict
        )
    )
    recon = sa.case(
        (
            objection.cycle.is_not(None),
            sa.func.coalesce(objection.reconsideration_deadline, Resolution.reconsideration_deadline),
        )
    )
    # Per resolution: its figures as 0 / 1 (closed: objected, or no longer under review; overdue: the
    # answer to its latest objection is late at ``now``) and the microseconds from submission to the
    # current cycle's ruling.
    objected = recon.is_not(None) | Resolution.status.in_([status.value for status in AFTER_OBJECTION])
    answered_at = objection.answered_at
    overdue = recon.is_not(None) & (now_at > recon) & (answered_at.is_(None) | (answered_at > recon))
    ruled_at = current.ruled_at
    chosen = (
        sa.select(
            Resolution.id.label("rid"),
            Resolution.council_id,
            Resolution.status,
            Resolution.cycle,
            # The current cycle's review deadline (its facts', else the table's), if votes are owed in it.
            sa.case(
                (Resolution.cycle >= 1, sa.func.coalesce(current.review_deadline, Resolution.review_deadline))
            ).label("deadline"),
            _flag(ruled_at.is_not(None)).label("ruled"),
            _flag(Resolution.late).label("late"),
            _flag(objected).label("objected"),
            _flag(objected | (Resolution.status != Status.UNDER_REVIEW.value)).label("closed"),
            _flag(overdue).label("overdue"),
            sa.case((ruled_at.is_not(None), sql.microseconds(ruled_at, Resolution.submitted_at))).label(
                "ruled_us"
            ),
        )
        .outerjoin(current, (current.resolution_id == Resolution.id) & (current.cycle == Resolution.cycle))
        .outerjoin(objection, latest_objection)
        .where(*where)
        .cte("chosen")
        .prefix_with("MATERIALIZED")
    )
    r = chosen.c

    def tagged(part: str, key: Any, *numbers: Any, ruled: Any = None) -> list[sa.ColumnElement[Any]]:
        values = [*numbers, *[sa.literal_column("0")] * (_NUMBERS - len(numbers))]
        return [
            sa.literal_column(f"'{part}'").label("part"),
            sa.cast(key, sa.BigInteger).label("key"),
            *(sa.cast(value, sa.BigInteger).label(f"n{i}") for i, value in enumerate(values)),
            (ruled if ruled is not None else _null(sa.Text)).label("ruled"),
        ]

    # Per council: resolutions, late, objected, closed, overdue, ruled, resolutions per status; and the
    # microseconds to each ruling as a list (the medians are taken in Python).
    units = sa.select(
        *tagged(
            _UNITS,
            r.council_id,
            sa.func.count(),
            sa.func.sum(r.late),
            sa.func.sum(r.objected),
            sa.func.sum(r.closed),
            sa.func.sum(r.overdue),
            sa.func.sum(r.ruled),
            *(_count_if(r.status == status.value) for status in Status),
            ruled=sql.joined(r.ruled_us),
        )
    ).group_by(r.council_id)

    # Votes owed: in each resolution's current cycle (``chosen``) and in the earlier cycles an amendment
    # closed (their facts), those with a review deadline. A member's figures are the sums of both.
    earlier = aliased(ReviewCycle, name="earlier")
    closed_cycles = (
        sa.select(
            r.rid,
            earlier.cycle,
            earlier.review_deadline.label("deadline"),
            _flag(earlier.ruled_at.is_not(None)).label("ruled"),
            r.council_id,
        )
        .join(earlier, (earlier.resolution_id == r.rid) & (earlier.cycle >= 1) & (earlier.cycle < r.cycle))
        .where(r.cycle > 1, earlier.review_deadline.is_not(None))
        .cte("closed_cycles")
    )
    # A member's first vote of a cycle is when the duty was met: on time or late. Every vote is counted so,
    # then corrected where a member voted more than once in a cycle (``repeated``: few, found in the votes
    # index), so that each (cycle, member) counts once, as its first vote says: with ``k`` of its ``n``
    # votes on time, the first is on time if ``k > 0``.
    repeated_votes = sa.select(BoardVote.resolution_id, BoardVote.cycle, BoardVote.member_id)
    if where:
        repeated_votes = repeated_votes.where(BoardVote.resolution_id.in_(sa.select(r.rid)))
    key = (BoardVote.resolution_id, BoardVote.cycle, BoardVote.member_id)
    repeated = (
        repeated_votes.group_by(*key)
        .having(sa.func.count() > 1)
        # In the index's order: PostgreSQL then groups along the index (0.4-0.6 s over 1.5 million votes)
        # instead of hashing every vote (1.5 s); SQLite reads the index so anyway.
        .order_by(*key)
        .cte("repeated")
        .prefix_with("MATERIALIZED")
    )
    rep = repeated.c
    parts: list[sa.Select[Any]] = [units]
    for cycles in (chosen, closed_cycles):
        w = cycles.c
        parts.append(
            sa.select(
                *tagged(
                    _VOTES_CAST,
                    BoardVote.member_id,
                    _count_if(BoardVote.cast_at <= w.deadline),
                    _count_if(BoardVote.cast_at > w.deadline),
                )
            )
            .select_from(cycles)
            .join(BoardVote, (BoardVote.resolution_id == w.rid) & (BoardVote.cycle == w.cycle))
            .where(w.deadline.is_not(None))
            .group_by(BoardVote.member_id)
        )
        group = (
            sa.select(
                rep.member_id,
                _count_if(BoardVote.cast_at <= w.deadline).label("k"),
                sa.func.count().label("n"),
            )
            .select_from(repeated)
            .join(cycles, (w.rid == rep.resolution_id) & (w.cycle == rep.cycle))
            .join(
                BoardVote,
                (BoardVote.resolution_id == rep.resolution_id)
                & (BoardVote.cycle == rep.cycle)
                & (BoardVote.member_id == rep.member_id),
            )
            .where(w.deadline.is_not(None))
            .group_by(rep.resolution_id, rep.cycle, rep.member_id)
            .subquery()
        )
        g = group.c
        parts.append(
            sa.select(
                *tagged(
                    _VOTES_CAST,
                    g.member_id,
                    sa.func.sum(_flag(g.k > 0) - g.k),
                    sa.func.sum(1 - _flag(g.k > 0) - (g.n - g.k)),
                )
            ).group_by(g.member_id)
        )
    # Unless the board ruled in the cycle, every member bound by its deadline who did not vote missed the
    # vote (or has it pending until the deadline). The cycles without a ruling are set apart first, so that
    # they are joined to their council's board members by the council.
    unruled = (
        sa.union_all(
            *(
                sa.select(c.c.rid, c.c.cycle, c.c.deadline, c.c.council_id).where(
                    c.c.deadline.is_not(None), c.c.ruled == 0
                )
                for c in (chosen, closed_cycles)
            )
        )
        .cte("unruled")
        .prefix_with("MATERIALIZED")
    )
    u = unruled.c
    voted = sa.exists().where(
        BoardVote.resolution_id == u.rid,
        BoardVote.cycle == u.cycle,
        BoardVote.member_id == RoleBinding.person_id,
    )
    parts.append(
        sa.select(
            *tagged(
                _VOTES_OWED,
                RoleBinding.person_id,
                _count_if(now_at > u.deadline),
                _count_if(now_at <= u.deadline),
            )
        )
        .select_from(unruled)
        .join(Council, Council.id == u.council_id)
        .join(Board, Board.id == Council.board_id)
        .join(
            RoleBinding,
            (RoleBinding.role == Role.MEMBER.value)
            & (RoleBinding.scope_kind == ScopeKind.BOARD.value)
            & (RoleBinding.scope_code == Board.code)
            & (RoleBinding.created_at <= u.deadline),
        )
        .where(~voted)
        .group_by(RoleBinding.person_id)
    )
    return sa.union_all(*parts)


_STATUSES = tuple(Status)


@dataclass
class _Sums:
    """Additive figures of a unit while they are summed up: ``numbers`` as the statement's units rows give
    them (resolutions, late, objected, closed, overdue, ruled, then one count per status in ``Status``'s
    order) and the microseconds from submission to each ruling (in no particular order)."""

    numbers: list[int] = field(default_factory=lambda: [0] * _NUMBERS)
    ruled_us: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, parts: Sequence[_Sums]) -> _Sums:
        """The sums of ``parts`` (column by column; the lists of microseconds joined)."""
        return cls(
            [sum(column) for column in zip(*(part.numbers for part in parts), strict=True)],
            [us for part in parts for us in part.ruled_us],
        )

    def figures(self) -> Figures:
        total, late, objected, closed, overdue, ruled, *counts = self.numbers
        by_status = dict(zip(_STATUSES, counts, strict=True))
        return Figures(
            total=total,
            by_status=MappingProxyType(by_status),
            objected=objected,
            reviews_closed=closed,
            submitted_on_time=total - late,
            submitted_late=late,
            lapsed=by_status[Status.ENFORCEABLE_LAPSED],
            ruled=ruled,
            median_days_to_ruling=_median(self.ruled_us) if self.ruled_us else None,
            reconsiderations_overdue=overdue,
        )


def _median(microseconds: list[int]) -> float:
    """What ``statistics.median`` gives for days computed as ``timedelta / timedelta(days=1)``, from the
    (non-empty) microseconds: the middle value, or the mean of the two middle values, each divided as
    timedeltas divide (an int over an int, exactly rounded)."""
    ordered = sorted(microseconds)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half] / _DAY_US
    return (ordered[half - 1] / _DAY_US + ordered[half] / _DAY_US) / 2


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
        sums: dict[int, _Sums] = {}
        votes: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        if not scope.empty:
            sql = _Sql(self.session.get_bind().dialect.name)
            if not sql.sqlite:
                # For this transaction: the statement's hashes and sorts of a million rows in memory
                # rather than in batches on disk (the default 4 MB), and no JIT compilation, which took
                # seconds of the nation's report.
                await self.session.execute(sa.text(f"SET LOCAL work_mem = '{_POSTGRES_WORK_MEM}'"))
                await self.session.execute(sa.text("SET LOCAL jit = off"))
            statement = _statement(_chosen_where(scope, county_code, council_ids, start, end), now, sql)
            for part, key, *numbers, ruled in await self.session.execute(statement):
                if part == _UNITS:
                    sums[key] = _units(numbers, ruled)
                else:
                    first = 0 if part == _VOTES_CAST else 2
                    votes[key][first] += int(numbers[0])
                    votes[key][first + 1] += int(numbers[1])
        places = await self._places(scope, county_code, council_ids, sums)
        people = await self._people(votes)
        return ReportResult(_report(now, sums, votes, places), _names(places, people))

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


def _units(numbers: Sequence[int], ruled_us: str | None) -> _Sums:
    """A council's sums from its row of the statement."""
    row = [int(n or 0) for n in numbers]
    if sum(row[6:]) != row[0]:
        # A status this code does not know: refused, as ``Status()`` refuses it, rather than left out.
        raise ValueError(f"{row[0] - sum(row[6:])} resolutions with an unknown status")
    return _Sums(row, list(map(int, ruled_us.split(","))) if ruled_us else [])


def _report(
    now: dt.datetime,
    councils: Mapping[int, _Sums],
    votes: Mapping[int, Sequence[int]],
    places: Mapping[int, _Place],
) -> Report:
    in_county: dict[int, list[_Sums]] = defaultdict(list)
    in_province: dict[int, list[_Sums]] = defaultdict(list)
    for council_id, sums in councils.items():
        place = places[council_id]
        in_county[place.county_id].append(sums)
        in_province[place.province_id].append(sums)
    overall = _Sums.of(list(councils.values())) if councils else _Sums()
    counties = {cid: _Sums.of(parts) for cid, parts in in_county.items()}
    provinces = {pid: _Sums.of(parts) for pid, parts in in_province.items()}
    county_codes = {p.county_id: p.county_code for p in places.values()}
    province_codes = {p.province_id: p.province_code for p in places.values()}
    return Report(
        now=now,
        overall=overall.figures(),
        counties=tuple(
            sorted(
                (
                    UnitFigures(county_codes[cid], county_codes[cid], s.figures())
                    for cid, s in counties.items()
                ),
                key=lambda unit: unit.code,
            )
        ),
        councils=tuple(
            sorted(
                (
                    UnitFigures(places[cid].code, places[cid].county_code, s.figures())
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
                    UnitFigures(province_codes[pid], province_codes[pid], s.figures())
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
