"""Performance figures for officials: counts, rates, lateness, per county, council and board member."""

from __future__ import annotations

import datetime as dt

import pytest

from council.performance import (
    Figures,
    MemberFigures,
    ResolutionRow,
    UnitFigures,
    VoteRow,
    build_report,
    figures,
    member_figures,
)
from council.status import Status

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
T0 = dt.datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
DAY = dt.timedelta(days=1)


def _row(
    council: str,
    county: str,
    status: Status,
    *,
    late: bool = False,
    ruled_after: float | None = None,
    reconsideration_deadline: dt.datetime | None = None,
    answered_at: dt.datetime | None = None,
) -> ResolutionRow:
    return ResolutionRow(
        council_code=council,
        county_code=county,
        submitted_at=T0,
        late=late,
        status=status,
        ruled_at=None if ruled_after is None else T0 + ruled_after * DAY,
        review_deadline=T0 + 14 * DAY,
        reconsideration_deadline=reconsideration_deadline,
        reconsideration_answered_at=answered_at,
    )


PAST_DEADLINE = NOW - 3 * DAY
ROWS = [
    _row("C1", "K1", Status.ENFORCEABLE, ruled_after=3.5),
    _row("C1", "K1", Status.ENFORCEABLE_LAPSED, late=True),
    # Objected, the council never answered: overdue.
    _row("C1", "K1", Status.OBJECTED, ruled_after=2, reconsideration_deadline=PAST_DEADLINE),
    _row("C1", "K1", Status.UNDER_REVIEW),
    # Revoked in time.
    _row(
        "C2",
        "K1",
        Status.REVOKED,
        ruled_after=5,
        reconsideration_deadline=PAST_DEADLINE,
        answered_at=PAST_DEADLINE - DAY,
    ),
    # Amended in time (exactly at the deadline), back under review: it still drew an objection.
    _row(
        "C2",
        "K1",
        Status.UNDER_REVIEW,
        reconsideration_deadline=PAST_DEADLINE,
        answered_at=PAST_DEADLINE,
    ),
    # Insisted on after the deadline: overdue.
    _row(
        "C3",
        "K2",
        Status.ESCALATED,
        late=True,
        ruled_after=1,
        reconsideration_deadline=PAST_DEADLINE,
        answered_at=PAST_DEADLINE + DAY,
    ),
    # Objected, the deadline still ahead.
    _row("C3", "K2", Status.OBJECTED, ruled_after=4, reconsideration_deadline=NOW + DAY),
]


def _statuses(**counts: int) -> dict[Status, int]:
    return {status: counts.get(status.name.lower(), 0) for status in Status}


def test_overall_figures() -> None:
    overall = figures(ROWS, NOW)
    assert overall == Figures(
        total=8,
        by_status=_statuses(
            enforceable=1, enforceable_lapsed=1, objected=2, under_review=2, revoked=1, escalated=1
        ),
        objected=5,
        reviews_closed=7,
        submitted_on_time=6,
        submitted_late=2,
        lapsed=1,
        ruled=5,
        median_days_to_ruling=3.5,
        reconsiderations_overdue=2,
    )
    assert overall.objection_rate == 5 / 7
    assert overall.on_time_rate == 0.75


def test_per_county_and_per_council() -> None:
    report = build_report(ROWS, [], NOW)
    assert [unit.code for unit in report.counties] == ["K1", "K2"]
    k1, k2 = report.counties
    assert (k1.figures.total, k1.figures.objected, k1.figures.reviews_closed) == (6, 3, 5)
    assert k1.figures.objection_rate == 0.6
    assert (k1.figures.submitted_late, k1.figures.lapsed, k1.figures.reconsiderations_overdue) == (1, 1, 1)
    assert k1.figures.median_days_to_ruling == 3.5
    assert k2 == UnitFigures(
        "K2",
        "K2",
        Figures(
            total=2,
            by_status=_statuses(objected=1, escalated=1),
            objected=2,
            reviews_closed=2,
            submitted_on_time=1,
            submitted_late=1,
            lapsed=0,
            ruled=2,
            median_days_to_ruling=2.5,
            reconsiderations_overdue=1,
        ),
    )
    assert [(unit.code, unit.county_code) for unit in report.councils] == [
        ("C1", "K1"),
        ("C2", "K1"),
        ("C3", "K2"),
    ]
    c1 = report.councils[0].figures
    assert (c1.total, c1.objected, c1.reviews_closed, c1.median_days_to_ruling) == (4, 1, 3, 2.75)
    assert report.councils[1].figures.reconsiderations_overdue == 0


def test_empty_figures_have_no_rates() -> None:
    empty = figures([], NOW)
    assert (empty.total, empty.objection_rate, empty.on_time_rate, empty.median_days_to_ruling) == (
        0,
        None,
        None,
        None,
    )


def test_a_reconsideration_is_overdue_only_once_its_deadline_has_passed() -> None:
    deadline = NOW
    row = _row("C1", "K1", Status.OBJECTED, ruled_after=1, reconsideration_deadline=deadline)
    assert not row.reconsideration_overdue(deadline)
    assert row.reconsideration_overdue(deadline + dt.timedelta(seconds=1))


def test_member_votes_on_time_late_missed_and_pending() -> None:
    deadline = NOW - DAY
    votes = [
        VoteRow("m1", deadline - DAY, deadline),
        VoteRow("m1", deadline, deadline),  # at the deadline itself: in time
        VoteRow("m1", deadline + dt.timedelta(minutes=1), deadline),
        VoteRow("m1", None, deadline),  # never cast
        VoteRow("m1", None, NOW + DAY),  # not due yet
        VoteRow("m2", None, NOW + DAY),
    ]
    report = build_report([], votes, NOW)
    assert report.members == (
        MemberFigures("m1", due=4, on_time=2, late=1, missed=1, pending=1),
        MemberFigures("m2", due=0, on_time=0, late=0, missed=0, pending=1),
    )
    assert report.members[0].on_time_rate == 0.5
    assert report.members[1].on_time_rate is None
    assert member_figures("m1", votes[:2], NOW).on_time_rate == 1.0


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError):
        build_report([], [], dt.datetime(2026, 11, 27, 10, 0))
