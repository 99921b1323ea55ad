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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from council.reviewing import LAPSED_EVENT, RECONSIDERATION_LAPSED_EVENT, RULED_EVENT
from council.scope import Scope
from council.search import prefix_end, query_words
from council.status import Status

from .models import (
    Board,
    Council,
    County,
    Event,
    Province,
    Resolution,
    ResolutionVersion,
    ResolutionWord,
)
from .parts import RepositoryPart
from .status import scope_condition

#: How far the words a typed word begins, and the resolutions of a scope, are counted when choosing how
#: to search; a word that begins more is "common".
PROBE = 20_000
#: How many of the newest resolutions of a scope are checked when every typed word is common.
WINDOW = 5_000
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


def _scope_filters(scope: Scope, council_ids: Iterable[int] | None) -> list[sa.ColumnElement[bool]]:
    """Conditions on ``Resolution.council_id``: within ``scope``, and among ``council_ids`` when given."""
    filters: list[sa.ColumnElement[bool]] = []
    if not scope.nation:
        councils = (
            sa.select(Council.id)
            .join(Board, Board.id == Council.board_id)
            .join(County, County.id == Council.county_id)
            .join(Province, Province.id == County.province_id)
            .where(scope_condition(scope))
        )
        filters.append(Resolution.council_id.in_(councils))
    if council_ids is not None:
        filters.append(Resolution.council_id.in_(sorted(set(council_ids))))
    return filters


def _kind(kind: DeadlineKind) -> sa.ColumnElement[str]:
    # A literal in the SQL rather than a parameter: PostgreSQL cannot type a bare parameter in a UNION.
    return sa.literal_column(f"'{kind.value}'", sa.String).label("kind")


def _word_range(column: Any, prefix: str) -> sa.ColumnElement[bool]:
    return sa.and_(column >= prefix, column < prefix_end(prefix))


def _candidates(rare: Sequence[str], common: Sequence[str]) -> sa.Select[tuple[int]]:
    """The ids of the resolutions that have a word beginning with each of ``rare`` (their resolutions
    intersected) and with each of ``common`` (checked per resolution left); without ``rare``, the first
    of ``common`` leads."""
    if not rare:
        rare, common = common[:1], common[1:]
    arms = [sa.select(ResolutionWord.resolution_id).where(_word_range(ResolutionWord.word, p)) for p in rare]
    found = (arms[0] if len(arms) == 1 else sa.intersect(*arms)).subquery()
    rid = found.c.resolution_id
    return sa.select(rid).where(*[_has_word(rid, prefix) for prefix in common])


def _has_word(resolution_id: Any, prefix: str) -> sa.ColumnElement[bool]:
    """Whether the resolution ``resolution_id`` (a column) has a word beginning with ``prefix``."""
    word = aliased(ResolutionWord)
    return sa.exists().where(word.resolution_id == resolution_id, _word_range(word.word, prefix))


class ListStore(RepositoryPart):
    """Lists of resolutions within a scope, each newest or most urgent first."""

    # --- reading the rows shown

    async def _rows(
        self, found: Sequence[tuple[int, dt.datetime | None, DeadlineKind | None]]
    ) -> list[ListRow]:
        if not found:
            return []
        later = aliased(ResolutionVersion)
        newest = (
            sa.select(sa.func.max(later.version_no))
            .where(later.resolution_id == Resolution.id)
            .correlate(Resolution)
            .scalar_subquery()
        )
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

        * from the words, when a word is rare and begins no more words than the scope has resolutions:
          the resolutions of every rare word (ranges of the words' primary key) are intersected, and each
          left is checked for the common words on the ``(resolution_id, word)`` index, before any
          resolution row is read;
        * from the resolutions of a small scope (a council, a board), each checked for every word;
        * when every word is common and the scope large: the resolutions newest first (the
          ``(submitted_at, council_id)`` index), no further back than the :data:`WINDOW`-th newest of the
          scope. More than ``cap`` matches there: the first ``limit`` are the answer and the total is
          "more than ``cap``"; at least ``limit``: they are the answer and the total is "at least" their
          number (``exact`` is false: older resolutions were not checked); fewer: the search starts
          from the rarest word after all — the one slow case, common words that seldom meet.
        """
        prefixes = query_words(words)
        if not prefixes or scope.empty:
            return EMPTY
        counts: dict[str, int] = {}
        for prefix in prefixes:
            found = sa.select(ResolutionWord.resolution_id).where(_word_range(ResolutionWord.word, prefix))
            counts[prefix] = await self._count_to(found, PROBE)
            if counts[prefix] == 0:
                return EMPTY
        ordered = sorted(prefixes, key=lambda prefix: counts[prefix])
        rare = [prefix for prefix in ordered if counts[prefix] < PROBE]
        common = [prefix for prefix in ordered if counts[prefix] >= PROBE]
        scope_filters = _scope_filters(scope, None)
        in_scope = PROBE
        if not scope.nation:
            in_scope = await self._count_to(sa.select(Resolution.id).where(*scope_filters), PROBE)
        if rare and counts[rare[0]] <= in_scope:
            candidates = _candidates(rare, common)
            return await self._matches([Resolution.id.in_(candidates), *scope_filters], limit, cap)
        if in_scope < PROBE:
            every = [_has_word(Resolution.id, prefix) for prefix in ordered]
            return await self._matches([*scope_filters, *every], limit, cap)
        # Every word common, the scope large: the newest resolutions first, but no further back than the
        # WINDOW-th newest of the scope.
        boundary = await self.session.scalar(
            sa.select(Resolution.submitted_at)
            .where(*scope_filters)
            .order_by(Resolution.submitted_at.desc())
            .offset(WINDOW)
            .limit(1)
        )
        recent = [Resolution.submitted_at > boundary] if boundary is not None else []
        newest = await self.session.execute(
            sa.select(Resolution.id, Resolution.submitted_at)
            .where(*scope_filters, *recent, *[_has_word(Resolution.id, prefix) for prefix in ordered])
            .order_by(Resolution.submitted_at.desc(), Resolution.id.desc())
            .limit(cap + 1)
        )
        dense = [(int(rid), at, None) for rid, at in newest]
        if len(dense) > cap:
            return Listing(await self._rows(dense[:limit]), cap, True)
        if boundary is None or len(dense) >= limit:
            return Listing(await self._rows(dense[:limit]), len(dense), exact=boundary is None)
        candidates = _candidates([], common)
        return await self._matches([Resolution.id.in_(candidates), *scope_filters], limit, cap)

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
