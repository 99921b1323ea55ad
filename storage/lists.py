"""Lists of resolutions within a person's scope (issue 6): free-text search, overdue cases, the board's
objections and the submissions of a period, and for the officials' daily digest what falls due soon and
what lapsed.

Every list takes a :class:`council.scope.Scope` (and optionally the ids of the councils a place names) and
filters in SQL; it returns at most ``limit`` :class:`ListRow` and the number of all matches, counted up to
a cap (:class:`Listing`). Rows are found first by id (cheap, on indexes), then only the shown ones are read
with their council and latest title.

**Overdue (معوق)** — an open case whose current deadline has passed at ``now``:

* under review past its review deadline (the board has not ruled; a sweep is about to lapse it),
* objected past its reconsideration deadline (the council has not answered the objection),
* escalated past its escalation deadline (the dispute authority has not ruled), and
* escalated because the council did not answer the objection in time (a ``reconsideration_lapsed`` event),
  even while the escalation deadline is still ahead: the council's answer is overdue for good.

Each row's ``at`` is the deadline that was missed (for a case escalated by lapse whose escalation deadline
has not passed: the reconsideration deadline) and ``deadline`` says which; the longest overdue (the
soonest-missed deadline) comes first.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from council.reviewing import LAPSED_EVENT, RECONSIDERATION_LAPSED_EVENT, RULED_EVENT
from council.scope import Scope
from council.search import prefix_end, query_words
from council.status import Status

from . import changes
from .models import (
    Board,
    Council,
    County,
    Event,
    Province,
    Resolution,
    ResolutionVersion,
    ResolutionWord,
    UTCDateTime,
)
from .parts import RepositoryPart
from .resolutions import newest_version_no
from .status import scope_condition

#: How far the words a typed word begins, and the resolutions of a scope, are counted when choosing how
#: to search; a word that begins more is "common".
PROBE = 20_000
#: How many of the newest resolutions of a scope are checked when every typed word is common.
WINDOW = 5_000
#: A scope of no more resolutions than this (and than :data:`WINDOW`: in such a scope every way gives the
#: same answer) is searched from its resolutions in one statement (:meth:`ListStore._in_scope`).
SMALL_SCOPE = WINDOW
#: How far common words are counted to find the two rarest (counting reads an index entry: about 45 ns
#: on SQLite, a seventh of what intersecting costs per entry).
RECOUNT = 150_000
#: The second rarest word's resolutions are intersected with the rarest one's when it begins fewer than
#: this many times as many words; otherwise each of the rarest one's is probed for it.
INTERSECT_RATIO = 6
#: How many of the newest resolutions are glanced at first when every word is common: fewer than
#: ``limit`` matches expected in the :data:`WINDOW` from what they hold, the words are tried first.
GLANCE = 1_000
#: The most resolution ids read from the words into the process to be looked up with the scope.
FETCH = 3_000
#: The most stored words one typed word may begin for the nation-wide search by periods
#: (:meth:`ListStore._by_periods`): each is one range of the primary key per period read; a typed word that
#: begins more is searched the other ways.
SPREAD = 64
#: How far each word's entries are counted for that search (a fourth of :data:`PROBE`: counting reads pages).
PERIOD_PROBE = 5_000
#: How many of the newest resolutions the first period of that search holds, at least (on PostgreSQL: just
#: those, and each word's entries among them are what is counted).
FIRST_PERIOD = 1_000
#: How many times the time already walked a further period may span, at most.
GROWTH = 8
#: On PostgreSQL the periods are walked in one statement (:meth:`ListStore._walk`), each reaching this
#: many times as far back as the time before it: the matches of the last period walked are not all
#: needed, and a smaller factor reads fewer of them in vain (a period costs no round trip there).
WALK_GROWTH = 2
#: On PostgreSQL a word is intersected with the rarest one when it has fewer than this many times as many
#: entries among the newest resolutions, otherwise checked per resolution left: there a probe costs
#: about as much as reading 15–30 entries of an index (on SQLite 7, :data:`INTERSECT_RATIO`).
WALK_INTERSECT_RATIO = 16
#: Default caps of the counted total.
SEARCH_COUNT_CAP = 50
LIST_COUNT_CAP = 1000


class DeadlineKind(StrEnum):
    """Which window a row's deadline closes."""

    REVIEW = "review"
    RECONSIDERATION = "reconsideration"
    ESCALATION = "escalation"


@dataclass(frozen=True, slots=True)
class ListRow:
    """One resolution of a list: ``at`` is the instant that matters to the list (the missed or coming
    deadline, when the board objected, when the review lapsed, when it was submitted)."""

    resolution_id: int
    tracking_code: str
    council_name: str
    council_number: str
    title: str
    status: Status
    at: dt.datetime | None
    deadline: DeadlineKind | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """The rows shown and how many matched in all: ``total``; more than ``total`` when ``capped``; at
    least ``total`` when not ``exact`` (a search that stopped early, see :meth:`ListStore.search`)."""

    rows: list[ListRow]
    total: int
    capped: bool = False
    exact: bool = True


@dataclass(frozen=True, slots=True)
class Place:
    """A council within scope with its county, for reading a place typed in a question."""

    council_id: int
    council_name: str
    county_id: int
    county_name: str


EMPTY = Listing([], 0)

_OPEN_DEADLINES: tuple[tuple[Status, Any, DeadlineKind], ...] = (
    (Status.UNDER_REVIEW, Resolution.review_deadline, DeadlineKind.REVIEW),
    (Status.OBJECTED, Resolution.reconsideration_deadline, DeadlineKind.RECONSIDERATION),
    (Status.ESCALATED, Resolution.escalation_deadline, DeadlineKind.ESCALATION),
)


def _scope_councils(scope: Scope) -> sa.Select[int]:
    """The ids of the councils within ``scope`` (not nation-wide), joined only to the tables whose codes the
    scope names: every council has a board and a county, every county a province (keys that cannot be
    null), so the other joins drop nothing — and PostgreSQL plans the statement a little faster."""
    councils = sa.select(Council.id)
    if scope.boards:
        councils = councils.join(Board, Board.id == Council.board_id)
    if scope.counties or scope.provinces:
        councils = councils.join(County, County.id == Council.county_id)
    if scope.provinces:
        councils = councils.join(Province, Province.id == County.province_id)
    return councils.where(scope_condition(scope))


def _scope_filters(scope: Scope, council_ids: Iterable[int] | None) -> list[sa.ColumnElement[bool]]:
    """Conditions on ``Resolution.council_id``: within ``scope``, and among ``council_ids`` when given."""
    filters: list[sa.ColumnElement[bool]] = []
    if not scope.nation:
        filters.append(Resolution.council_id.in_(_scope_councils(scope)))
    if council_ids is not None:
        filters.append(Resolution.council_id.in_(sorted(set(council_ids))))
    return filters


def _kind(kind: DeadlineKind) -> sa.ColumnElement[str]:
    # A literal in the SQL rather than a parameter: PostgreSQL cannot type a bare parameter in a UNION.
    return sa.literal_column(f"'{kind.value}'", sa.String).label("kind")


def _word_range(column: Any, prefix: str) -> sa.ColumnElement[bool]:
    return sa.and_(column >= prefix, column < prefix_end(prefix))


def _candidates(ordered: Sequence[str], counts: dict[str, int]) -> sa.Select[int]:
    """The ids of the resolutions that have a word beginning with each of ``ordered`` (rarest first, with
    how many words each begins, counted up to :data:`PROBE`), each once.

    The rarest word's resolutions lead; the next one's are intersected with them when it begins fewer
    than :data:`INTERSECT_RATIO` times as many words (two ranges of the primary key, each read once: a
    row read costs about a seventh of a probe), and every further word is checked per resolution left on
    the ``(resolution_id, word)`` index.
    """
    lead, rest = ordered[0], list(ordered[1:])
    arms = [sa.select(ResolutionWord.resolution_id).where(_word_range(ResolutionWord.word, lead))]
    if rest and counts[rest[0]] < INTERSECT_RATIO * counts[lead]:
        second = rest.pop(0)
        arms.append(sa.select(ResolutionWord.resolution_id).where(_word_range(ResolutionWord.word, second)))
    # INTERSECT and UNION give each id once (a prefix may begin several words of one resolution).
    found = (sa.intersect(*arms) if len(arms) > 1 else arms[0].distinct()).subquery()
    rid = found.c.resolution_id
    return sa.select(rid).where(*[_has_word(rid, prefix) for prefix in rest])


def _typed_range(column: Any, k: int) -> sa.ColumnElement[bool]:
    """``column`` begins with the ``k``-th typed word: bound as ``start{k}`` and ``stop{k}`` (see
    :func:`_typed_words`), so that a statement is built once for any words."""
    return sa.and_(column >= sa.bindparam(f"start{k}"), column < sa.bindparam(f"stop{k}"))


def _typed_words(prefixes: Sequence[str]) -> dict[str, Any]:
    """The parameters of :func:`_typed_range` for ``prefixes``, and :data:`PROBE` as ``probe``."""
    params: dict[str, Any] = {"probe": PROBE}
    for k, prefix in enumerate(prefixes):
        params[f"start{k}"], params[f"stop{k}"] = prefix, prefix_end(prefix)
    return params


def _typed_count(k: int) -> sa.ScalarSelect[int]:
    """How many stored words begin with the ``k``-th typed word, up to ``probe`` (:func:`_typed_words`)."""
    found = (
        sa.select(ResolutionWord.resolution_id)
        .where(_typed_range(ResolutionWord.word, k))
        .limit(sa.bindparam("probe", type_=sa.Integer))
    )
    return sa.select(sa.func.count()).select_from(found.subquery()).scalar_subquery()


def _typed_counts(many: int) -> sa.Select[*tuple[Any, ...]]:
    """:func:`_typed_count` of each of ``many`` typed words, in one row."""
    return sa.select(*[_typed_count(k) for k in range(many)])


def _small_scope_search(scope: Scope, many: int) -> sa.Select[*tuple[Any, ...]]:
    """The search within a small ``scope`` for ``many`` typed words (:func:`_typed_words`), in one
    statement: how many resolutions the scope holds (counted up to ``reach``), and, when no more than
    ``small``, its resolutions that have every word (each checked on the ``(resolution_id, word)`` index,
    or PostgreSQL's choice), the newest ``limit`` of them with their council and latest title, each row
    with the number of matches — otherwise a single row of the counts, each typed word's (up to
    ``probe``, :func:`_typed_count`) included, for the other ways."""
    # The scope's councils once for both uses (PostgreSQL plans their joins once).
    scope_councils = _scope_councils(scope).cte("scope_councils")
    in_scope = (
        sa.select(sa.func.count().label("n"))
        .select_from(
            sa.select(Resolution.id)
            .where(Resolution.council_id.in_(sa.select(scope_councils.c.id)))
            .limit(sa.bindparam("reach", type_=sa.Integer))
            .subquery()
        )
        .cte("in_scope")
    )
    small = sa.bindparam("small", type_=sa.Integer)
    # The scope's councils only when it is small: otherwise the list is empty and no resolution is read (on
    # PostgreSQL a one-time filter, on SQLite a list built once).
    councils = sa.select(scope_councils.c.id).where(sa.select(in_scope.c.n).scalar_subquery() <= small)
    every = [_typed_word_of(Resolution.id, k) for k in range(many)]
    matches = (
        sa.select(
            Resolution.id.label("id"),
            Resolution.submitted_at.label("at"),
            sa.func.count().over().label("total"),
        )
        .where(Resolution.council_id.in_(councils), *every)
        .offset(0)
        .subquery()
    )
    top = (
        sa.select(matches.c.id, matches.c.at, matches.c.total)
        .order_by(matches.c.at.desc(), matches.c.id.desc())
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .subquery()
    )
    newest = newest_version_no()
    shown = (
        sa.select(
            top.c.id,
            top.c.at,
            top.c.total,
            Resolution.tracking_code,
            Council.name.label("council_name"),
            Resolution.council_number,
            ResolutionVersion.title,
            Resolution.status,
        )
        .join(Resolution, Resolution.id == top.c.id)
        .join(Council, Council.id == Resolution.council_id)
        .join(ResolutionVersion, ResolutionVersion.resolution_id == Resolution.id)
        .where(ResolutionVersion.version_no == newest)
        .subquery()
    )
    # The words are counted only when the scope is large (a CASE evaluates its branch only when taken).
    counted = [sa.case((in_scope.c.n > small, _typed_count(k)), else_=None) for k in range(many)]
    return (
        sa.select(
            in_scope.c.n,
            *counted,
            shown.c.id,
            shown.c.at,
            shown.c.total,
            shown.c.tracking_code,
            shown.c.council_name,
            shown.c.council_number,
            shown.c.title,
            shown.c.status,
        )
        .select_from(in_scope.outerjoin(shown, sa.true()))
        .order_by(shown.c.at.desc(), shown.c.id.desc())
    )


def _scope_counts(scope: Scope, many: int) -> sa.Select[*tuple[Any, ...]]:
    """How many resolutions ``scope`` holds, up to ``reach``, and :func:`_typed_count` of each of ``many``
    typed words, in one row."""
    held = (
        sa.select(sa.func.count())
        .select_from(
            sa.select(Resolution.id)
            .where(*_scope_filters(scope, None))
            .limit(sa.bindparam("reach", type_=sa.Integer))
            .subquery()
        )
        .scalar_subquery()
    )
    return sa.select(held, *[_typed_count(k) for k in range(many)])


#: The statements of the search built once (building and keying the small scope's took a few milliseconds
#: of its own), by what they are for — :func:`_typed_counts`, :func:`_scope_counts` or
#: :func:`_small_scope_search` —, the scope (None for the first) and the number of typed words. Cleared
#: beyond ``STATEMENTS_KEPT``.
_STATEMENTS: dict[tuple[str, Scope | None, int], sa.Select[*tuple[Any, ...]]] = {}
STATEMENTS_KEPT = 1_000
_BUILDERS = {"small": _small_scope_search, "scope": _scope_counts}


def _statement(kind: str, scope: Scope | None, many: int) -> sa.Select[*tuple[Any, ...]]:
    """The statement ``kind`` of the search for ``scope`` and ``many`` typed words (see ``_STATEMENTS``)."""
    key = (kind, scope, many)
    statement = _STATEMENTS.get(key)
    if statement is None:
        if len(_STATEMENTS) >= STATEMENTS_KEPT:
            _STATEMENTS.clear()
        built = _typed_counts(many) if scope is None else _BUILDERS[kind](scope, many)
        statement = _STATEMENTS[key] = built
    return statement


def _small() -> int:
    """How many resolutions a scope searched from its resolutions in one statement may hold, at most:
    :data:`SMALL_SCOPE`, and never more than :data:`WINDOW` — in such a scope every way of
    :meth:`ListStore.search` gives the same answer (no newest window is cut short), so the words need not
    be counted to choose one."""
    return min(SMALL_SCOPE, WINDOW)


def _small_listing(rows: Sequence[Sequence[Any]], cap: int) -> Listing:
    """The :class:`Listing` of the rows of :func:`_small_scope_search` (after its counts): the newest
    matches with their council and title, each with the number of matches (none: a row of nulls)."""
    found = [row for row in rows if row[0] is not None]
    total = int(found[0][2]) if found else 0
    listed = [
        ListRow(int(rid), code, council, number, title, Status(status), at, None)
        for rid, at, _total, code, council, number, title, status in found
    ]
    return Listing(listed, min(total, cap), total > cap)


#: Of each database (engine), how many resolutions each scope searched held, as last counted: which
#: statement a search within it sends first (:meth:`ListStore._in_scope`). A hint only
#: — either statement gives the same answer, the one sent first when the hint is wrong just costs one more
#: round trip — so it is kept without checking for changes; at most ``SCOPES_KEPT`` scopes.
_SCOPE_SIZES: weakref.WeakKeyDictionary[Any, dict[Scope, int]] = weakref.WeakKeyDictionary()
SCOPES_KEPT = 10_000

#: Of each database (engine), where the newest ``window`` resolutions of a scope begin (the boundary of
#: :meth:`ListStore._newest`), per (scope, window), each tagged with :func:`storage.changes.state` as it was
#: before the read: served only while that state is unchanged (nothing committed since, here or by another
#: process), so it is what the query would return now. Finding it walks the ``(submitted_at, council_id)``
#: index from the newest resolution: in a province, 3 % of the nation, about 160,000 entries for the
#: newest 5,000 of its own (10–25 ms). At most ``BOUNDARIES_KEPT`` kept.
_BOUNDARIES: weakref.WeakKeyDictionary[Any, dict[tuple[Scope, int], tuple[Any, dt.datetime | None]]] = (
    weakref.WeakKeyDictionary()
)
BOUNDARIES_KEPT = 10_000
#: Of each database (engine), how many resolutions each scope held (counted up to the reach, the key's
#: second part) when last searched, tagged like ``_BOUNDARIES``: a scope known to be large while nothing
#: changed has only the words counted (counting a province to 20,000 took 4–10 ms). At most ``SCOPES_KEPT``.
_HELD: weakref.WeakKeyDictionary[Any, dict[tuple[Scope, int], tuple[Any, int]]] = weakref.WeakKeyDictionary()


#: Of each database (engine), how many times as many resolutions the nation holds as each scope of provinces
#: (:meth:`ListStore._first_offset`), as first counted: a hint for where the first period of the search
#: by periods within them ends, which decides only how much is read, never the answer — so kept without
#: checking for changes; at most ``SCOPES_KEPT``.
_PROVINCE_RATIOS: weakref.WeakKeyDictionary[Any, dict[Scope, float]] = weakref.WeakKeyDictionary()


def _typed_word_of(resolution_id: Any, k: int) -> sa.ColumnElement[bool]:
    """Whether the resolution ``resolution_id`` (a column) has a word beginning with the ``k``-th typed
    word (:func:`_typed_words`)."""
    word = ResolutionWord.__table__.alias()
    return sa.exists().where(word.c.resolution_id == resolution_id, _typed_range(word.c.word, k))


def _has_word(resolution_id: Any, prefix: str) -> sa.ColumnElement[bool]:
    """Whether the resolution ``resolution_id`` (a column) has a word beginning with ``prefix``."""
    word = aliased(ResolutionWord)
    return sa.exists().where(word.resolution_id == resolution_id, _word_range(word.word, prefix))


def _provinces_only(scope: Scope) -> bool:
    """Whether ``scope`` is one or more provinces and nothing else (searched by periods over their own
    word entries, :meth:`ListStore._by_periods`)."""
    return bool(scope.provinces) and not (scope.nation or scope.councils or scope.boards or scope.counties)


def _within_provinces(provinces: Scope | None) -> list[sa.ColumnElement[bool]]:
    """``ResolutionWord.province_id`` is that of one of the provinces of ``provinces`` (none: the nation,
    no condition); by code, as a subquery that both databases evaluate once."""
    if provinces is None:
        return []
    codes = sorted(provinces.provinces)
    if len(codes) == 1:
        one = sa.select(Province.id).where(Province.code == codes[0]).scalar_subquery()
        return [ResolutionWord.province_id == one]
    return [ResolutionWord.province_id.in_(sa.select(Province.id).where(Province.code.in_(codes)))]


#: The condition of :func:`_within_provinces` in the statements of the walk on PostgreSQL, the codes bound as
#: the array ``provinces`` (an uncorrelated subquery: evaluated once, then an index condition).
_WITHIN_PROVINCES = " AND province_id = ANY(ARRAY(SELECT id FROM provinces WHERE code = ANY(:provinces)))"


def _spread_cte(prefixes: Sequence[str], most: int) -> tuple[str, dict[str, Any]]:
    """``WITH RECURSIVE spread(k, word, n)``: for the ``k``-th of ``prefixes`` the stored words that begin
    with it, in order (``n``: 1, 2, …), each the least above the one before (an index seek each), up to
    ``most + 1`` of them; a row whose ``word`` is NULL ends a prefix's list. With its parameters."""
    params: dict[str, Any] = {"most": most}
    seeds = []
    stops = []
    for k, prefix in enumerate(prefixes):
        params[f"start{k}"], params[f"stop{k}"] = prefix, prefix_end(prefix)
        seeds.append(
            f"SELECT {k}, (SELECT min(word) FROM resolution_words"
            f" WHERE word >= :start{k} AND word < :stop{k}), 1"
        )
        stops.append(f"WHEN {k} THEN :stop{k}")
    cte = (
        "WITH RECURSIVE spread(k, word, n) AS ("
        + " UNION ALL ".join(seeds)
        + " UNION ALL SELECT k, (SELECT min(w.word) FROM resolution_words w WHERE w.word > spread.word"
        f" AND w.word < CASE k {' '.join(stops)} END), n + 1"
        " FROM spread WHERE spread.word IS NOT NULL AND n <= :most)"
    )
    return cte, params


#: The newest and the oldest submission, and where the newest :data:`FIRST_PERIOD` resolutions begin (None:
#: there are no more).
_Bounds = tuple[dt.datetime, dt.datetime, dt.datetime | None]


def _walk_periods(
    newest: dt.datetime, oldest: dt.datetime, first: dt.datetime | None, growth: float
) -> tuple[list[dt.datetime | None], list[dt.datetime | None]]:
    """The periods of the nation-wide search on PostgreSQL (:meth:`ListStore._walk`), newest first, as
    their lower and upper bounds (None: unbounded): the first from ``first`` (None: it holds
    everything) on, each further one reaching ``growth`` times as far back from ``newest`` as the one
    before, the last one everything before its upper bound (which passed ``oldest``)."""
    lowers: list[dt.datetime | None] = []
    uppers: list[dt.datetime | None] = []
    upper: dt.datetime | None = None
    reach = max(newest - first, dt.timedelta(seconds=1)) if first is not None else None
    while reach is not None and newest - reach > oldest:
        lowers.append(newest - reach)
        uppers.append(upper)
        upper = newest - reach
        reach *= growth
    lowers.append(None)
    uppers.append(upper)
    return lowers, uppers


class ListStore(RepositoryPart):
    """Lists of resolutions within a scope, each newest or most urgent first."""

    # --- reading the rows shown

    async def _rows(
        self, found: Sequence[tuple[int, dt.datetime | None, DeadlineKind | None]]
    ) -> list[ListRow]:
        if not found:
            return []
        newest = newest_version_no()
        query = (
            sa.select(
                Resolution.id,
                Resolution.tracking_code,
                Council.name,
                Resolution.council_number,
                ResolutionVersion.title,
                Resolution.status,
            )
            .join(Council, Council.id == Resolution.council_id)
            .join(ResolutionVersion, ResolutionVersion.resolution_id == Resolution.id)
            .where(
                Resolution.id.in_([rid for rid, _at, _kind in found]), ResolutionVersion.version_no == newest
            )
        )
        details = {row[0]: row for row in await self.session.execute(query)}
        rows = []
        for rid, at, kind in found:
            _rid, code, council, number, title, status = details[rid]
            rows.append(ListRow(rid, code, council, number, title, Status(status), at, kind))
        return rows

    async def _count(self, query: sa.Select[*tuple[Any, ...]], cap: int) -> tuple[int, bool]:
        """How many rows ``query`` gives, counted up to ``cap`` (and whether there are more)."""
        counted = int(
            await self.session.scalar(sa.select(sa.func.count()).select_from(query.limit(cap + 1).subquery()))
            or 0
        )
        return min(counted, cap), counted > cap

    async def _listing(
        self, ids: sa.Select[*tuple[Any, ...]], newest_first: bool, limit: int, cap: int
    ) -> Listing:
        """Run ``ids`` (selecting ``id, at, kind``): its first ``limit`` rows by ``at`` (newest or earliest
        first, then by id) and how many rows it gives in all."""
        subquery = ids.subquery()
        at, rid = subquery.c.at, subquery.c.id
        order = [at.desc(), rid.desc()] if newest_first else [at, rid]
        found = [
            (int(found_id), found_at, DeadlineKind(kind) if kind else None)
            for found_id, found_at, kind in await self.session.execute(
                sa.select(rid, at, subquery.c.kind).order_by(*order).limit(limit)
            )
        ]
        total, capped = await self._count(sa.select(rid), cap)
        return Listing(await self._rows(found), total, capped)

    # --- places

    async def places(self, scope: Scope) -> list[Place]:
        """The councils within ``scope`` with their counties, by council name."""
        if scope.empty:
            return []
        rows = await self.session.execute(
            sa.select(Council.id, Council.name, County.id, County.name)
            .join(Board, Board.id == Council.board_id)
            .join(County, County.id == Council.county_id)
            .join(Province, Province.id == County.province_id)
            .where(scope_condition(scope))
            .order_by(Council.name, Council.id)
        )
        return [Place(cid, cname, kid, kname) for cid, cname, kid, kname in rows]

    # --- free-text search

    async def search(
        self, words: Iterable[str], scope: Scope, limit: int = 10, cap: int = SEARCH_COUNT_CAP
    ) -> Listing:
        """Resolutions within ``scope`` whose latest title or text has, for every typed word, a word that
        begins with it (see :mod:`council.search`); newest submission first; ``at`` is the submission.

        How many stored words each typed word begins, and how many resolutions the scope holds, are first
        counted up to :data:`PROBE` on the indexes (a typed word is *rare* below it, *common* at it); then
        the cheapest way in is taken:

        * nation-wide, by periods of submission newest first (:meth:`_by_periods`), reading only the
          words' entries of the periods walked — unless a typed word begins more than :data:`SPREAD`
          stored words; within a province (or several, and nothing else) the same way over the
          province's own entries (each word row carries its province), so that its answers are exact up
          to ``cap`` as the nation's are;
        * from the words, when a word is rare and begins no more words than the scope has resolutions:
          the ids of the resolutions that have every word (:meth:`_word_ids`) are read, at most
          :data:`FETCH` of them, and only those are looked up with the scope, newest first;
        * within a scope of no more than :data:`SMALL_SCOPE` resolutions (a council, a board, a county;
          never more than :data:`WINDOW`, so that every way below gives the same answer there), before
          the words are counted: its resolutions, each checked for every word, and the rows shown, in one
          statement (:meth:`_in_scope`);
        * from the resolutions of a scope of fewer than :data:`PROBE`, each checked for every word;
        * when every word is common and the scope large: the resolutions newest first (the
          ``(submitted_at, council_id)`` index), no further back than the :data:`WINDOW`-th newest of the
          scope. More than ``cap`` matches there: the first ``limit`` are the answer and the total is
          "more than ``cap``"; at least ``limit``: they are the answer and the total is "at least" their
          number (``exact`` is false: older resolutions were not checked); fewer: the matching ids are
          read from the words after all.

        When the words give more than :data:`FETCH` resolutions (and the newest window too few), the
        matches are sorted whole in the database: the one slow case, frequent words that seldom meet.
        """
        prefixes = query_words(words)
        if not prefixes or scope.empty:
            return EMPTY
        if scope.nation or _provinces_only(scope):
            by_periods = await self._by_periods(prefixes, limit, cap, None if scope.nation else scope)
            if by_periods is not None:
                return by_periods
        scope_filters = _scope_filters(scope, None)
        if scope.nation:
            in_scope = PROBE
            counts = await self._word_counts(prefixes)
        else:
            small, in_scope, counts = await self._in_scope(prefixes, scope, limit, cap)
            if small is not None:
                return small
        if 0 in counts.values():
            return EMPTY
        ordered = sorted(prefixes, key=lambda prefix: counts[prefix])
        words_tried = False
        if counts[ordered[0]] < PROBE and counts[ordered[0]] <= in_scope:
            words_tried = True
            ids = await self._word_ids(ordered, counts)
            if ids is not None:
                return await self._among(ids, scope_filters, limit, cap, exact_ids=scope.nation)
        elif in_scope < PROBE:
            every = [_has_word(Resolution.id, prefix) for prefix in ordered]
            return await self._matches([*scope_filters, *every], limit, cap)
        dense, boundary = await self._newest(ordered, scope, scope_filters, WINDOW, cap)
        if len(dense) > cap:
            return Listing(await self._rows(dense[:limit]), cap, True)
        if not words_tried and boundary is not None:
            # Every word common, the scope large. The matches among the newest GLANCE resolutions (those of
            # the newest WINDOW newer than where the GLANCE newest begin, kept while nothing changes) say
            # whether the newest WINDOW were likely to hold enough; if not, the words are tried first.
            glance = min(GLANCE, WINDOW)
            glance_start = await self._boundary(scope, scope_filters, glance)
            glanced = len(
                [
                    at
                    for _rid, at, _kind in dense
                    if glance_start is None or (at is not None and at > glance_start)
                ]
            )
            if glanced * WINDOW < glance * limit:
                words_tried = True
                ids = await self._common_word_ids(ordered, counts)
                if ids is not None:
                    return await self._among(ids, scope_filters, limit, cap, exact_ids=scope.nation)
        if boundary is None or len(dense) >= limit:
            return Listing(await self._rows(dense[:limit]), len(dense), exact=boundary is None)
        if not words_tried:
            ids = await self._common_word_ids(ordered, counts)
            if ids is not None:
                return await self._among(ids, scope_filters, limit, cap, exact_ids=scope.nation)
        candidates = _candidates(ordered, counts)
        return await self._matches([Resolution.id.in_(candidates), *scope_filters], limit, cap)

    async def _by_periods(
        self, prefixes: Sequence[str], limit: int, cap: int, provinces: Scope | None = None
    ) -> Listing | None:
        """The nation-wide search, newest first by periods of submission: each typed word is spread into
        the stored words it begins (at most :data:`SPREAD`, else None: the other ways are taken), and
        the resolutions submitted in a period that have every word are read from the primary key
        ``(word, submitted_at, resolution_id)`` alone — the rarest word's entries of the period
        intersected with those of every word less than :data:`INTERSECT_RATIO` times as frequent, the
        rest checked per resolution left. The first period holds the newest :data:`FIRST_PERIOD`
        resolutions, more when the rarest word, counted exactly, promises fewer than ``cap`` matches there;
        each further one reaches back as far as the last period's rate of matches says ``cap + 1`` will be
        found (at least half, at most :data:`GROWTH` times the time walked), until ``cap + 1`` are found or
        the oldest resolution is passed. The entries read are those of the periods walked, not a word's
        whole list; the total is exact up to ``cap``. Round trips are few (each costs as much as thousands
        of entries read): one spreads every word, one counts them (to :data:`PERIOD_PROBE`, and among the
        newest) with the bounds of time, then one per period.

        On PostgreSQL, where each statement is a round trip through the driver and the planner (1–5 ms,
        as much as the work of a period), the walk is one statement instead (:meth:`_walk`).

        With ``provinces`` (a scope of provinces alone) the same search over their entries only (the
        ``(province_id, word, submitted_at, resolution_id)`` index): the words are spread nation-wide as
        above, every entry read or counted is the provinces'; the first period is the time in which the
        nation submitted as many more than :data:`FIRST_PERIOD` as it holds more resolutions than the
        provinces (:meth:`_first_offset`, about their newest :data:`FIRST_PERIOD`).
        """
        first_offset = FIRST_PERIOD if provinces is None else await self._first_offset(provinces)
        if self.session.get_bind().dialect.name == "postgresql":
            return await self._walk(prefixes, limit, cap, provinces, first_offset)
        spread = await self._spread(prefixes, SPREAD)
        if spread is None:
            return None
        if any(not words for words in spread.values()):
            return EMPTY
        within = _within_provinces(provinces)
        entries = [
            sa.select(ResolutionWord.resolution_id)
            .where(ResolutionWord.word.in_(words), *within)
            .limit(PERIOD_PROBE)
            for words in spread.values()
        ]
        counted = [
            sa.select(sa.func.count()).select_from(each.subquery()).scalar_subquery() for each in entries
        ]
        # Where the newest FIRST_PERIOD resolutions begin (submissions are not spread evenly in time), and
        # how many entries each word has among them: how frequent it is now, beyond PERIOD_PROBE too.
        first_start = (
            sa.select(Resolution.submitted_at)
            .order_by(Resolution.submitted_at.desc())
            .offset(first_offset)
            .limit(1)
            .scalar_subquery()
        )
        recent = [
            sa.select(sa.func.count())
            .where(ResolutionWord.word.in_(words), ResolutionWord.submitted_at >= first_start, *within)
            .scalar_subquery()
            for words in spread.values()
        ]
        bounds = (
            await self.session.execute(
                sa.select(
                    sa.select(sa.func.max(Resolution.submitted_at)).scalar_subquery(),
                    sa.select(sa.func.min(Resolution.submitted_at)).scalar_subquery(),
                    sa.select(sa.func.max(Resolution.id)).scalar_subquery(),
                    first_start,
                    *counted,
                    *recent,
                )
            )
        ).one()
        newest: dt.datetime | None = bounds[0]
        oldest: dt.datetime | None = bounds[1]
        if newest is None or oldest is None:
            return EMPTY
        resolutions = max(int(bounds[2] or 0), 1)
        first_lower: dt.datetime | None = bounds[3]
        many = len(spread)
        counts = {prefix: int(count) for prefix, count in zip(spread, bounds[4 : 4 + many], strict=True)}
        now = {prefix: int(count) for prefix, count in zip(spread, bounds[4 + many :], strict=True)}
        ordered = sorted(spread, key=lambda prefix: (counts[prefix], now[prefix]))
        lead = counts[ordered[0]]

        def intersect(prefix: str) -> bool:
            # Counted to PERIOD_PROBE both may look alike: then their entries among the newest decide.
            if now[ordered[0]] > 0 and counts[prefix] >= PERIOD_PROBE:
                return now[prefix] < INTERSECT_RATIO * now[ordered[0]]
            return counts[prefix] < INTERSECT_RATIO * lead

        intersected = {
            prefix: spread[prefix] for prefix in ordered if prefix == ordered[0] or intersect(prefix)
        }
        probed = [prefix for prefix in ordered if prefix not in intersected]
        # The first period: the newest FIRST_PERIOD resolutions, or as many as the rarest word promises
        # cap + 1 matches in (at most as many resolutions have every word as have the rarest — typed
        # words are often one phrase: «آتش‌نشانی» is «اتش» and «نشانی», always together), if it is
        # counted exactly; then its entries are few, and the time is reckoned as if evenly spread.
        width = newest - (first_lower if first_lower is not None else oldest)
        if lead < PERIOD_PROBE:
            first = 1.2 * (cap + 1) * resolutions / max(lead, 1)
            width = max(width, (newest - oldest) * min(first / resolutions, 1.0))
        found: list[tuple[int, dt.datetime]] = []
        upper: dt.datetime | None = None
        while True:
            lower: dt.datetime | None = newest - width
            if lower is not None and lower <= oldest:
                lower = None
            got = await self._in_period(intersected, probed, lower, upper, cap + 1 - len(found), within)
            found += got
            if len(found) > cap or lower is None:
                break
            walked = newest - lower
            if got:
                # The time that should hold the matches still wanted at the rate of the last period (older
                # periods are often thinner), with a margin; at least half the time walked (a round trip
                # costs as much as thousands of entries read), at most GROWTH times it.
                last = upper - lower if upper is not None else walked
                wanted = last * (1.5 * (cap + 1 - len(found)) / len(got))
                step = min(max(wanted, walked / 2), walked * GROWTH)
            else:
                step = walked * GROWTH
            width = walked + max(step, dt.timedelta(seconds=1))
            upper = lower
        rows = [(rid, at, None) for rid, at in found[:limit]]
        return Listing(await self._rows(rows), min(len(found), cap), len(found) > cap)

    async def _first_offset(self, provinces: Scope) -> int:
        """Where the first period of the search within ``provinces`` begins, as an offset among the
        nation's newest resolutions: :data:`FIRST_PERIOD` times as many resolutions as the nation holds
        for each of theirs (``_PROVINCE_RATIOS``, counted once), so that the period holds about their
        newest :data:`FIRST_PERIOD`. An offset on the recency index walks no more entries than that
        (31,000 for Semnan); the provinces' own newest would be found by looking up each one's council."""
        ratios = _PROVINCE_RATIOS.setdefault(self.session.get_bind(), {})
        ratio = ratios.get(provinces)
        if ratio is None:
            held = sa.select(sa.func.count()).where(*_scope_filters(provinces, None)).scalar_subquery()
            nation = sa.select(sa.func.max(Resolution.id)).scalar_subquery()
            counted = (await self.session.execute(sa.select(nation, held))).one()
            ratio = max(int(counted[0] or 0), 1) / max(int(counted[1] or 0), 1)
            if len(ratios) >= SCOPES_KEPT:
                ratios.clear()
            ratios[provinces] = ratio
        return round(FIRST_PERIOD * max(ratio, 1.0))

    async def _spread(self, prefixes: Sequence[str], most: int) -> dict[str, list[str]] | None:
        """The stored words that begin with each of ``prefixes``, in one statement (a skip-scan of the
        primary key: one index seek per word, however many entries each has), or None when one begins
        more than ``most``."""
        spread_cte, params = _spread_cte(prefixes, most)
        statement = sa.text(f"{spread_cte} SELECT k, word FROM spread WHERE word IS NOT NULL")
        spread: dict[str, list[str]] = {prefix: [] for prefix in prefixes}
        for k, word in await self.session.execute(statement, params):
            spread[prefixes[k]].append(word)
        if any(len(words) > most for words in spread.values()):
            return None
        return spread

    async def _in_period(
        self,
        spread: dict[str, list[str]],
        probed: Sequence[str],
        lower: dt.datetime | None,
        upper: dt.datetime | None,
        most: int,
        within: Sequence[sa.ColumnElement[bool]] = (),
    ) -> list[tuple[int, dt.datetime]]:
        """The newest ``most`` resolutions submitted in ``[lower, upper)`` (None: unbounded) that have a
        word of each list of ``spread`` (intersected on the primary key, or on the province index with
        ``within``: :func:`_within_provinces`) and a word beginning with each of ``probed`` (checked per
        resolution), newest first."""
        period = []
        if lower is not None:
            period.append(ResolutionWord.submitted_at >= lower)
        if upper is not None:
            period.append(ResolutionWord.submitted_at < upper)
        arms = [
            sa.select(ResolutionWord.submitted_at, ResolutionWord.resolution_id).where(
                ResolutionWord.word.in_(words), *period, *within
            )
            for words in spread.values()
        ]
        # INTERSECT and DISTINCT give each resolution once (a prefix may begin several of its words).
        matches = (sa.intersect(*arms) if len(arms) > 1 else arms[0].distinct()).subquery()
        rows = await self.session.execute(
            sa.select(matches.c.resolution_id, matches.c.submitted_at)
            .where(*[_has_word(matches.c.resolution_id, prefix) for prefix in probed])
            .order_by(matches.c.submitted_at.desc(), matches.c.resolution_id.desc())
            .limit(most)
        )
        return [(int(rid), at) for rid, at in rows]

    async def _walk(
        self,
        prefixes: Sequence[str],
        limit: int,
        cap: int,
        provinces: Scope | None = None,
        first_offset: int = FIRST_PERIOD,
    ) -> Listing | None:
        """:meth:`_by_periods` on PostgreSQL: the same answer in three statements, however far back the
        matches lie.

        (1) :meth:`_spread_counted` spreads every typed word (None beyond :data:`SPREAD` stored words, as
        there) and counts its entries among the newest :data:`FIRST_PERIOD` resolutions, with the bounds
        of time. (2) One statement walks the periods newest first: the first holds those newest
        resolutions, each further one reaches :data:`WALK_GROWTH` times as far back as the time before
        it, the last one everything older (:func:`_walk_periods`); a period's matches are the rarest
        word's entries of the period intersected with those of every word that has fewer than
        :data:`WALK_INTERSECT_RATIO` times as many entries among the newest, the others looked up per
        resolution left. The periods are a list joined laterally to the search of one period, newest
        first, under ``LIMIT cap + 1``: PostgreSQL runs the search of a period only when the ones
        before it gave fewer rows than that, so a period beyond the ``cap + 1``-th match is never read,
        and the statement is planned once whatever the number of periods. (3) :meth:`_rows` reads the
        rows shown. With ``provinces``, every entry read or counted is theirs (see :meth:`_by_periods`),
        the first period from the ``first_offset``-th newest resolution of the nation.
        """
        counted = await self._spread_counted(prefixes, SPREAD, provinces, first_offset)
        if counted is None:
            return None
        spread, recent, bounds = counted
        if bounds is None:
            return EMPTY
        ordered = sorted(spread, key=lambda prefix: recent[prefix])
        lead = max(recent[ordered[0]], 1)
        intersected = [p for p in ordered if p == ordered[0] or recent[p] < WALK_INTERSECT_RATIO * lead]
        probed = [prefix for prefix in ordered if prefix not in intersected]
        lowers, uppers = _walk_periods(*bounds, WALK_GROWTH)
        words: dict[str, list[str]] = {}
        legs = []
        within = _WITHIN_PROVINCES if provinces is not None else ""
        for k, prefix in enumerate(intersected):
            words[f"i{k}"] = spread[prefix]
            legs.append(
                f"SELECT submitted_at, resolution_id FROM resolution_words WHERE word = ANY(:i{k})"
                " AND submitted_at >= coalesce(p.lower, '-infinity')"
                f" AND submitted_at < coalesce(p.upper, 'infinity'){within}"
            )
        # INTERSECT and DISTINCT give each resolution once (a prefix may begin several of its words).
        matches = " INTERSECT ".join(legs) if len(legs) > 1 else legs[0].replace("SELECT", "SELECT DISTINCT")
        # A word looked up per resolution left, on (resolution_id, word): a scalar subquery, which
        # PostgreSQL runs per row; an EXISTS it may turn into a join that hashes all the entries of the
        # word in the period first (the planner takes a lookup to cost as much as 100 entries read).
        checks = []
        params: dict[str, Any] = {}
        for k, prefix in enumerate(probed):
            params[f"start{k}"], params[f"stop{k}"] = prefix, prefix_end(prefix)
            checks.append(
                f"(SELECT 1 FROM resolution_words w WHERE w.resolution_id = m.resolution_id"
                f" AND w.word >= :start{k} AND w.word < :stop{k} LIMIT 1) IS NOT NULL"
            )
        where = f" WHERE {' AND '.join(checks)}" if checks else ""
        # Newest first: the periods in their order (a nested loop over them keeps it, and ORDER BY p.n
        # needs no sort: the ordinality is known to be ascending), each period's matches by the sort
        # inside it. Sorting the whole by submission instead would make PostgreSQL search one more
        # period to see where the last one ends. (A UNION ALL of one search per period would stop as
        # early, but PostgreSQL may run its members in parallel, in any order; a function scan, never.)
        statement = sa.text(
            "SELECT found.resolution_id, found.submitted_at"
            " FROM unnest(CAST(:lowers AS timestamptz[]), CAST(:uppers AS timestamptz[]))"
            " WITH ORDINALITY AS p(lower, upper, n)"
            f" CROSS JOIN LATERAL (SELECT m.resolution_id, m.submitted_at FROM ({matches}) m{where}"
            " ORDER BY m.submitted_at DESC, m.resolution_id DESC LIMIT :most) found"
            " ORDER BY p.n LIMIT :most"
        ).columns(sa.column("resolution_id", sa.Integer), sa.column("submitted_at", UTCDateTime()))
        if provinces is not None:
            words["provinces"] = sorted(provinces.provinces)
        statement = statement.bindparams(
            *[sa.bindparam(name, value, type_=postgresql.ARRAY(sa.Text())) for name, value in words.items()]
        )
        params |= {"lowers": lowers, "uppers": uppers, "most": cap + 1}
        found = [(int(rid), at) for rid, at in await self.session.execute(statement, params)]
        rows = [(rid, at, None) for rid, at in found[:limit]]
        return Listing(await self._rows(rows), min(len(found), cap), len(found) > cap)

    async def _spread_counted(
        self,
        prefixes: Sequence[str],
        most: int,
        provinces: Scope | None = None,
        first_offset: int = FIRST_PERIOD,
    ) -> tuple[dict[str, list[str]], dict[str, int], _Bounds | None] | None:
        """:meth:`_spread` on PostgreSQL, in the same statement: how many entries each typed word has
        among the newest :data:`FIRST_PERIOD` resolutions (all of them when there are no more), and the
        bounds of time: the newest and the oldest submission, and where those newest begin (None: they
        are all). The bounds are None when a typed word begins no stored word or there is no resolution.
        With ``provinces``: their entries among the resolutions newer than the ``first_offset``-th newest
        of the nation."""
        spread_cte, params = _spread_cte(prefixes, most)
        params["first"], params["offset"] = FIRST_PERIOD, first_offset
        within = ""
        if provinces is not None:
            within = _WITHIN_PROVINCES.replace("province_id", "r.province_id")
        statement = sa.text(
            f"{spread_cte}, first AS (SELECT submitted_at FROM resolutions ORDER BY submitted_at DESC"
            " OFFSET :offset LIMIT 1)"
            # At most one entry per resolution and stored word: counted up to FIRST_PERIOD, which also
            # keeps the estimated cost of the statement low (above 100,000 PostgreSQL compiles it first,
            # with JIT: 15–20 ms).
            " SELECT k, word, (SELECT count(*) FROM (SELECT 1 FROM resolution_words r"
            " WHERE r.word = spread.word AND r.submitted_at >= coalesce((SELECT submitted_at FROM first),"
            f" '-infinity'){within} LIMIT :first) e),"
            " (SELECT max(submitted_at) FROM resolutions), (SELECT min(submitted_at) FROM resolutions),"
            " (SELECT submitted_at FROM first)"
            " FROM spread WHERE word IS NOT NULL"
        ).columns(
            sa.column("k", sa.Integer),
            sa.column("word", sa.Text),
            sa.column("recent", sa.Integer),
            sa.column("newest", UTCDateTime()),
            sa.column("oldest", UTCDateTime()),
            sa.column("first", UTCDateTime()),
        )
        if provinces is not None:
            statement = statement.bindparams(
                sa.bindparam("provinces", sorted(provinces.provinces), type_=postgresql.ARRAY(sa.Text()))
            )
        spread: dict[str, list[str]] = {prefix: [] for prefix in prefixes}
        recent = dict.fromkeys(prefixes, 0)
        bounds = None
        for k, word, count, newest, oldest, first in await self.session.execute(statement, params):
            spread[prefixes[k]].append(word)
            recent[prefixes[k]] += int(count)
            if newest is not None and oldest is not None:
                bounds = (newest, oldest, first)
        if any(len(words) > most for words in spread.values()):
            return None
        if any(not words for words in spread.values()):
            bounds = None
        return spread, recent, bounds

    async def _newest(
        self,
        ordered: Sequence[str],
        scope: Scope,
        scope_filters: Sequence[sa.ColumnElement[bool]],
        window: int,
        cap: int,
    ) -> tuple[list[tuple[int, dt.datetime | None, DeadlineKind | None]], dt.datetime | None]:
        """The newest resolutions of the scope (at most ``cap + 1``) that have every word, no further back
        than its ``window``-th newest (the ``(submitted_at, council_id)`` index), and that one's submission
        (None when the scope holds no more than ``window``; kept while nothing changes, ``_BOUNDARIES``)."""
        boundary = await self._boundary(scope, scope_filters, window)
        recent = [Resolution.submitted_at > boundary] if boundary is not None else []
        newest = await self.session.execute(
            sa.select(Resolution.id, Resolution.submitted_at)
            .where(*scope_filters, *recent, *[_has_word(Resolution.id, prefix) for prefix in ordered])
            .order_by(Resolution.submitted_at.desc(), Resolution.id.desc())
            .limit(cap + 1)
        )
        return [(int(rid), at, None) for rid, at in newest], boundary

    async def _boundary(
        self, scope: Scope, scope_filters: Sequence[sa.ColumnElement[bool]], window: int
    ) -> dt.datetime | None:
        """The submission of the scope's resolution after its ``window`` newest (None: it holds no more),
        from ``_BOUNDARIES`` while nothing has changed since it was read."""
        tag, kept_here = self._kept_state(_BOUNDARIES)
        kept: tuple[Any, dt.datetime | None] | None = kept_here.get((scope, window))
        if kept is not None and kept[0] == tag:
            return kept[1]
        boundary = await self.session.scalar(
            sa.select(Resolution.submitted_at)
            .where(*scope_filters)
            .order_by(Resolution.submitted_at.desc())
            .offset(window)
            .limit(1)
        )
        if tag is not None:
            if (scope, window) not in kept_here and len(kept_here) >= BOUNDARIES_KEPT:
                kept_here.clear()
            kept_here[(scope, window)] = (tag, boundary)
        return boundary

    def _kept_state(
        self, store: weakref.WeakKeyDictionary[Any, dict[Any, Any]]
    ) -> tuple[Any, dict[Any, Any]]:
        """The state to tag what is read now with (:func:`storage.changes.state`) and what ``store`` keeps of
        this database; None and an empty dict when nothing may be kept: the state cannot be told, or this
        unit of work wrote (it may see what is not committed yet)."""
        engine = self.session.bind
        tag = changes.state(engine) if isinstance(engine, AsyncEngine) else None
        if tag is None or (self.session.in_transaction() and self.session.info.get(changes.WROTE)):
            return None, {}
        return tag, store.setdefault(engine, {})

    async def _common_word_ids(self, ordered: Sequence[str], counts: dict[str, int]) -> list[int] | None:
        """:meth:`_word_ids` of common words, counted further first to intersect the two rarest."""
        if len(ordered) > 1:
            counts = {prefix: await self._word_count(prefix, RECOUNT) for prefix in ordered}
            ordered = sorted(ordered, key=lambda prefix: counts[prefix])
        return await self._word_ids(ordered, counts, counted=True)

    def _id_among(self, ids: Sequence[int]) -> sa.ColumnElement[bool]:
        """``Resolution.id`` is one of ``ids``: on PostgreSQL one array parameter (``= ANY``), which it
        plans far faster than thousands of parameters."""
        if self.session.get_bind().dialect.name == "postgresql":
            array = sa.bindparam("ids", list(ids), type_=postgresql.ARRAY(sa.Integer()))
            return Resolution.id == sa.any_(array)
        return Resolution.id.in_(ids)

    async def _word_count(self, prefix: str, most: int) -> int:
        """How many stored words begin with ``prefix`` (one per resolution and word), up to ``most``."""
        found = sa.select(ResolutionWord.resolution_id).where(_word_range(ResolutionWord.word, prefix))
        return await self._count_to(found, most)

    async def _word_ids(
        self, ordered: Sequence[str], counts: dict[str, int], *, counted: bool = False
    ) -> list[int] | None:
        """The ids of the resolutions (in any scope) that have a word beginning with each of ``ordered``
        (rarest first), or None when there are more than :data:`FETCH`.

        Read into the process rather than joined in one statement: a list of ids lets both databases look
        the resolutions up by primary key, whatever their planners guess of a word range.
        """
        lead = counts[ordered[0]]
        if (
            not counted
            and len(ordered) > 1
            and counts[ordered[1]] >= PROBE
            and INTERSECT_RATIO * lead > PROBE
        ):
            # Intersect or probe (see _candidates): how many words the second begins, up to where
            # probing the rarest one's resolutions would cost less.
            counts = {**counts, ordered[1]: await self._word_count(ordered[1], INTERSECT_RATIO * lead)}
        rows = await self.session.execute(_candidates(ordered, counts).limit(FETCH + 1))
        ids = [int(row[0]) for row in rows]
        return ids if len(ids) <= FETCH else None

    async def _among(
        self,
        ids: Sequence[int],
        scope_filters: Sequence[sa.ColumnElement[bool]],
        limit: int,
        cap: int,
        *,
        exact_ids: bool,
    ) -> Listing:
        """The newest ``limit`` of the resolutions ``ids`` within the scope, and how many there are (all of
        ``ids`` when ``exact_ids``: the scope is the nation)."""
        if not ids:
            return EMPTY
        rows = [
            (int(rid), at)
            for rid, at in await self.session.execute(
                sa.select(Resolution.id, Resolution.submitted_at)
                .where(self._id_among(sorted(ids)), *scope_filters)
                .order_by(Resolution.submitted_at.desc(), Resolution.id.desc())
                .limit(limit if exact_ids else None)
            )
        ]
        total = len(ids) if exact_ids else len(rows)
        found = [(rid, at, None) for rid, at in rows[:limit]]
        return Listing(await self._rows(found), min(total, cap), total > cap)

    async def _count_to(self, query: sa.Select[*tuple[Any, ...]], most: int) -> int:
        """How many rows ``query`` gives, counted up to ``most``."""
        counted = await self.session.scalar(
            sa.select(sa.func.count()).select_from(query.limit(most).subquery())
        )
        return int(counted or 0)

    async def _matches(self, conditions: Sequence[sa.ColumnElement[bool]], limit: int, cap: int) -> Listing:
        """The newest ``limit`` resolutions meeting ``conditions`` and how many there are, in one query.

        The matches are selected in a subquery fenced by ``OFFSET 0``, so the planner plans them whole
        (from the candidates) instead of walking every resolution newest first for the sake of the
        ``LIMIT``: PostgreSQL's estimate of a word range can be far too low, and a window count does not
        stop it from choosing that walk.
        """
        matches = (
            sa.select(
                Resolution.id.label("id"),
                Resolution.submitted_at.label("at"),
                sa.func.count().over().label("total"),
            )
            .where(*conditions)
            .offset(0)
            .subquery()
        )
        rows = list(
            await self.session.execute(
                sa.select(matches.c.id, matches.c.at, matches.c.total)
                .order_by(matches.c.at.desc(), matches.c.id.desc())
                .limit(limit)
            )
        )
        total = int(rows[0][2]) if rows else 0
        found = [(int(rid), at, None) for rid, at, _total in rows]
        return Listing(await self._rows(found), min(total, cap), total > cap)

    async def _word_counts(self, prefixes: Sequence[str]) -> dict[str, int]:
        """How many stored words begin with each of ``prefixes``, up to :data:`PROBE`, in one statement."""
        statement = _statement("words", None, len(prefixes))
        row = (await self.session.execute(statement, _typed_words(prefixes))).one()
        return {prefix: int(count or 0) for prefix, count in zip(prefixes, row, strict=True)}

    async def _in_scope(
        self, prefixes: Sequence[str], scope: Scope, limit: int, cap: int
    ) -> tuple[Listing | None, int, dict[str, int]]:
        """The answer when ``scope`` holds no more than :func:`_small` resolutions, found from them in one
        statement (:func:`_small_scope_search`); else None, how many resolutions it holds and how many
        stored words each typed word begins (both counted up to :data:`PROBE`), for the other ways — in
        one round trip either way, where counting the words, counting the scope, finding the matches and
        reading the rows shown took five (on PostgreSQL a round trip costs about a millisecond, several
        on a loaded machine). The small scope's statement is sent first unless the scope held more when
        last searched (``_SCOPE_SIZES``): then the counts alone (:func:`_scope_counts`; planning the small
        scope's statement costs PostgreSQL a millisecond or two even when its one-time filter leaves it
        unrun). A scope that has become small since is searched the other ways, with the same answer."""
        small = _small()
        params = {**_typed_words(prefixes), "small": small, "reach": max(PROBE, small + 1), "limit": limit}
        many = len(prefixes)
        sizes = _SCOPE_SIZES.setdefault(self.session.get_bind(), {})
        tag, held_here = self._kept_state(_HELD)
        reach = int(params["reach"])
        kept: tuple[Any, int] | None = held_here.get((scope, reach))
        if kept is not None and kept[0] == tag and kept[1] > small:
            # Known large while nothing has changed: only the words are counted.
            return None, min(kept[1], PROBE), await self._word_counts(prefixes)
        listing: Listing | None = None
        if sizes.get(scope, 0) <= small:
            rows = list(await self.session.execute(_statement("small", scope, many), params))
            held = int(rows[0][0])
            counted = rows[0][1 : 1 + many]
            if held <= small:
                listing = _small_listing([row[1 + many :] for row in rows], cap)
        else:
            row = (await self.session.execute(_statement("scope", scope, many), params)).one()
            held, counted = int(row[0]), row[1:]
        if scope not in sizes and len(sizes) >= SCOPES_KEPT:
            sizes.clear()
        sizes[scope] = held
        if tag is not None:
            if (scope, reach) not in held_here and len(held_here) >= SCOPES_KEPT:
                held_here.clear()
            held_here[(scope, reach)] = (tag, held)
        if listing is not None:
            return listing, held, {}
        counts = {prefix: int(count or 0) for prefix, count in zip(prefixes, counted, strict=True)}
        return None, min(held, PROBE), counts

    # --- overdue and due

    async def overdue(
        self,
        scope: Scope,
        now: dt.datetime,
        council_ids: Iterable[int] | None = None,
        limit: int = 10,
        cap: int = LIST_COUNT_CAP,
    ) -> Listing:
        """Overdue cases at ``now`` (defined in the module docstring), the longest overdue first."""
        if scope.empty:
            return EMPTY
        filters = _scope_filters(scope, council_ids)
        parts = []
        for status, deadline, kind in _OPEN_DEADLINES:
            parts.append(
                sa.select(Resolution.id.label("id"), deadline.label("at"), _kind(kind)).where(
                    Resolution.status == status.value, deadline < now, *filters
                )
            )
        # Escalated because the council did not answer in time, while the authority's window is still open.
        lapsed = sa.exists().where(
            Event.resolution_id == Resolution.id, Event.kind == RECONSIDERATION_LAPSED_EVENT
        )
        parts.append(
            sa.select(
                Resolution.id.label("id"),
                Resolution.reconsideration_deadline.label("at"),
                _kind(DeadlineKind.RECONSIDERATION),
            ).where(
                Resolution.status == Status.ESCALATED.value,
                sa.or_(Resolution.escalation_deadline.is_(None), Resolution.escalation_deadline >= now),
                lapsed,
                *filters,
            )
        )
        ids = sa.select(sa.union_all(*parts).subquery())
        return await self._listing(ids, False, limit, cap)

    async def due_soon(
        self,
        scope: Scope,
        now: dt.datetime,
        until: dt.datetime,
        limit: int = 10,
        council_ids: Iterable[int] | None = None,
        cap: int = LIST_COUNT_CAP,
    ) -> Listing:
        """Open cases whose current deadline falls in ``(now, until]``: under review (the review deadline),
        objected (the council's answer), escalated (the authority's deadline); the soonest first."""
        if scope.empty:
            return EMPTY
        filters = _scope_filters(scope, council_ids)
        parts = [
            sa.select(Resolution.id.label("id"), deadline.label("at"), _kind(kind)).where(
                Resolution.status == status.value, deadline > now, deadline <= until, *filters
            )
            for status, deadline, kind in _OPEN_DEADLINES
        ]
        ids = sa.select(sa.union_all(*parts).subquery())
        return await self._listing(ids, False, limit, cap)

    # --- from the event log

    async def _events(
        self,
        scope: Scope,
        start: dt.datetime,
        end: dt.datetime,
        council_ids: Iterable[int] | None,
        conditions: Sequence[sa.ColumnElement[bool]],
        limit: int,
        cap: int,
        newest_first: bool,
    ) -> Listing:
        if scope.empty:
            return EMPTY
        ids = (
            sa.select(
                Event.resolution_id.label("id"), sa.func.max(Event.at).label("at"), sa.null().label("kind")
            )
            .join(Resolution, Resolution.id == Event.resolution_id)
            .where(Event.at >= start, Event.at < end, *conditions, *_scope_filters(scope, council_ids))
            .group_by(Event.resolution_id)
        )
        return await self._listing(ids, newest_first, limit, cap)

    async def objections(
        self,
        scope: Scope,
        start: dt.datetime,
        end: dt.datetime,
        council_ids: Iterable[int] | None = None,
        limit: int = 10,
        cap: int = LIST_COUNT_CAP,
    ) -> Listing:
        """Resolutions the board objected to in ``[start, end)`` (a ``ruled`` event whose status is
        ``objected``; a resolution objected twice in the period counts once, at its latest objection),
        newest objection first; ``at`` is the objection, ``status`` where the resolution stands now."""
        objected = Event.payload["status"].as_string() == Status.OBJECTED.value
        return await self._events(
            scope, start, end, council_ids, [Event.kind == RULED_EVENT, objected], limit, cap, True
        )

    async def lapsed_between(
        self,
        scope: Scope,
        start: dt.datetime,
        end: dt.datetime,
        limit: int = 10,
        council_ids: Iterable[int] | None = None,
        cap: int = LIST_COUNT_CAP,
    ) -> Listing:
        """Reviews that became enforceable by lapse (no ruling in the window) in ``[start, end)``; ``at``
        is the lapse (the review deadline), the earliest first."""
        return await self._events(
            scope, start, end, council_ids, [Event.kind == LAPSED_EVENT], limit, cap, False
        )

    # --- submissions of a period

    async def in_period(
        self,
        scope: Scope,
        start: dt.datetime,
        end: dt.datetime,
        council_ids: Iterable[int] | None = None,
        limit: int = 10,
        cap: int = LIST_COUNT_CAP,
    ) -> Listing:
        """Resolutions submitted in ``[start, end)``, newest first; ``at`` is the submission."""
        if scope.empty:
            return EMPTY
        ids = sa.select(
            Resolution.id.label("id"), Resolution.submitted_at.label("at"), sa.null().label("kind")
        ).where(
            Resolution.submitted_at >= start,
            Resolution.submitted_at < end,
            *_scope_filters(scope, council_ids),
        )
        return await self._listing(ids, True, limit, cap)
