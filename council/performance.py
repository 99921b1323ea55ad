"""Performance figures for officials (issue 6): how councils submit and how boards review, per county,
per council and per board member.

The inputs are plain rows the storage layer fills (:class:`ResolutionRow`, :class:`VoteRow`); everything
here is arithmetic on them at a given ``now``, so a test can state every figure exactly.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

from council.status import Status

#: Statuses only an objection leads to.
AFTER_OBJECTION: frozenset[Status] = frozenset(
    {Status.OBJECTED, Status.REVOKED, Status.ESCALATED, Status.UPHELD, Status.ANNULLED}
)
_DAY = dt.timedelta(days=1)
_T = TypeVar("_T")


@dataclass(frozen=True)
class ResolutionRow:
    """One resolution as the figures need it.

    ``late``: submitted after the submission window. ``ruled_at``: when the board's ruling became final
    (``None`` while under review and when the review lapsed). ``reconsideration_deadline`` and
    ``reconsideration_answered_at`` belong to the latest objection; a deadline is set only once the board
    has objected, so it also marks a resolution that drew an objection even after an amendment.
    """

    council_code: str
    county_code: str
    submitted_at: dt.datetime
    late: bool
    status: Status
    ruled_at: dt.datetime | None
    review_deadline: dt.datetime
    reconsideration_deadline: dt.datetime | None = None
    reconsideration_answered_at: dt.datetime | None = None

    @property
    def objected(self) -> bool:
        """Whether the board objected to it (in any review cycle the row still shows)."""
        return self.reconsideration_deadline is not None or self.status in AFTER_OBJECTION

    @property
    def review_closed(self) -> bool:
        """Whether a review of it has ended: ruled, lapsed, or objected and beyond."""
        return self.status is not Status.UNDER_REVIEW or self.objected

    def reconsideration_overdue(self, now: dt.datetime) -> bool:
        """Whether the council failed to answer an objection by its deadline, as seen at ``now``.

        Unanswered with the deadline passed, or answered after it.
        """
        deadline = self.reconsideration_deadline
        if deadline is None or now <= deadline:
            return False
        answered = self.reconsideration_answered_at
        return answered is None or answered > deadline


@dataclass(frozen=True)
class VoteRow:
    """A vote a board member owed: cast at ``cast_at`` (``None`` if not cast) against ``deadline``."""

    member_id: str
    cast_at: dt.datetime | None
    deadline: dt.datetime


@dataclass(frozen=True)
class Figures:
    """The figures of a set of resolutions.

    ``by_status`` has every status (zero included). ``objection_rate`` is objected over reviews closed;
    ``median_days_to_ruling`` is in days (fractions kept) from submission to a final ruling, over the
    ruled ones. Rates and medians are ``None`` when there is nothing to divide by.
    """

    total: int
    by_status: Mapping[Status, int]
    objected: int
    reviews_closed: int
    submitted_on_time: int
    submitted_late: int
    lapsed: int
    ruled: int
    median_days_to_ruling: float | None
    reconsiderations_overdue: int

    @property
    def objection_rate(self) -> float | None:
        """Objections over closed reviews, 0–1."""
        return self.objected / self.reviews_closed if self.reviews_closed else None

    @property
    def on_time_rate(self) -> float | None:
        """Submissions on time over all, 0–1."""
        return self.submitted_on_time / self.total if self.total else None


@dataclass(frozen=True)
class UnitFigures:
    """The figures of one county or one council (``county_code`` is the county's own code for a county)."""

    code: str
    county_code: str
    figures: Figures


@dataclass(frozen=True)
class MemberFigures:
    """One board member's votes: ``due`` (deadline passed or cast), cast ``on_time`` or ``late``, ``missed``
    (not cast, deadline passed), ``pending`` (not cast yet, deadline ahead; not in ``due``)."""

    member_id: str
    due: int
    on_time: int
    late: int
    missed: int
    pending: int

    @property
    def on_time_rate(self) -> float | None:
        """Votes on time over votes due, 0–1."""
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class Report:
    """Figures overall, per county, per council and per board member, as seen at ``now`` (sorted by code);
    per province too when the storage layer computed them (``storage.reports``; :func:`build_report` has no
    provinces in its rows and leaves them empty)."""

    now: dt.datetime
    overall: Figures
    counties: tuple[UnitFigures, ...]
    councils: tuple[UnitFigures, ...]
    members: tuple[MemberFigures, ...]
    provinces: tuple[UnitFigures, ...] = ()


def figures(rows: Iterable[ResolutionRow], now: dt.datetime) -> Figures:
    """The figures of ``rows`` as seen at the aware instant ``now``."""
    rows = tuple(rows)
    counts = dict.fromkeys(Status, 0)
    for row in rows:
        counts[row.status] += 1
    days = [(row.ruled_at - row.submitted_at) / _DAY for row in rows if row.ruled_at is not None]
    late = sum(row.late for row in rows)
    return Figures(
        total=len(rows),
        by_status=MappingProxyType(counts),
        objected=sum(row.objected for row in rows),
        reviews_closed=sum(row.review_closed for row in rows),
        submitted_on_time=len(rows) - late,
        submitted_late=late,
        lapsed=counts[Status.ENFORCEABLE_LAPSED],
        ruled=len(days),
        median_days_to_ruling=statistics.median(days) if days else None,
        reconsiderations_overdue=sum(row.reconsideration_overdue(now) for row in rows),
    )


def member_figures(member_id: str, votes: Iterable[VoteRow], now: dt.datetime) -> MemberFigures:
    """One member's vote figures at ``now``; a vote cast exactly at its deadline is on time."""
    on_time = late = missed = pending = 0
    for vote in votes:
        if vote.cast_at is None:
            if now > vote.deadline:
                missed += 1
            else:
                pending += 1
        elif vote.cast_at <= vote.deadline:
            on_time += 1
        else:
            late += 1
    return MemberFigures(member_id, on_time + late + missed, on_time, late, missed, pending)


def build_report(resolutions: Sequence[ResolutionRow], votes: Sequence[VoteRow], now: dt.datetime) -> Report:
    """The full report: overall, per county, per council, per member (each sorted by code)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    counties = _grouped(resolutions, lambda row: row.county_code)
    councils = _grouped(resolutions, lambda row: row.council_code)
    members = _grouped(votes, lambda vote: vote.member_id)
    return Report(
        now=now,
        overall=figures(resolutions, now),
        counties=tuple(UnitFigures(code, code, figures(rows, now)) for code, rows in counties),
        councils=tuple(UnitFigures(code, rows[0].county_code, figures(rows, now)) for code, rows in councils),
        members=tuple(member_figures(member, rows, now) for member, rows in members),
    )


def _grouped(items: Iterable[_T], key: Callable[[_T], str]) -> list[tuple[str, list[_T]]]:
    groups: dict[str, list[_T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return sorted(groups.items())
