"""Statutory deadlines: counted in Tehran days, the start day not counted, extended over days off.

Every expected deadline below was worked out by hand from the Jalali calendar and the official
holidays of the ``holidays`` package (see the comment on each row), then checked by running the code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from council.calendar import WorkingCalendar
from council.deadlines import (
    DeadlineKind,
    deadline_for,
    end_of_tehran_day,
    escalation_deadline,
    is_in_time,
    is_late_submission,
    period_days,
    reconsideration_deadline,
    review_deadline,
    statutory_deadline,
    submission_deadline,
    time_left,
)
from council.jalali import TEHRAN, format_jalali_datetime, to_tehran_iso
from council.rules import StatutoryRules

UTC = dt.UTC
RULES = StatutoryRules()
NO_EXTENSION = StatutoryRules(extend_on_holiday=False)
CLOSURES_DO_NOT_EXTEND = StatutoryRules(closures_extend=False)
CALENDAR = WorkingCalendar()
# 1405/08/17 (Sunday 2026-11-08): offices closed for air pollution.
POLLUTED = WorkingCalendar(closures={dt.date(2026, 11, 8): "آلودگی هوا"})

REVIEW = DeadlineKind.REVIEW
RECONSIDERATION = DeadlineKind.RECONSIDERATION
ESCALATION = DeadlineKind.ESCALATION


def tehran(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


@dataclass(frozen=True)
class Case:
    name: str
    kind: DeadlineKind
    start: dt.datetime
    expected_iso: str  # the deadline in Tehran time
    expected_jalali: str
    rules: StatutoryRules = RULES
    calendar: WorkingCalendar = CALENDAR


CASES = [
    # 1405/08/03 (Sun) + 14 = 1405/08/17, a Sunday and a working day.
    Case("plain 14 days", REVIEW, tehran(2026, 10, 25, 10), "2026-11-08T23:59:59+03:30", "۱۴۰۵/۰۸/۱۷"),
    # 1405/09/06 (Fri) + 14 = 1405/09/20, a Friday → Saturday 1405/09/21.
    Case(
        "last day a Friday", REVIEW, tehran(2026, 11, 27, 10, 30), "2026-12-12T23:59:59+03:30", "۱۴۰۵/۰۹/۲۱"
    ),
    Case(
        "last day a Friday, no extension",
        REVIEW,
        tehran(2026, 11, 27, 10, 30),
        "2026-12-11T23:59:59+03:30",
        "۱۴۰۵/۰۹/۲۰",
        rules=NO_EXTENSION,
    ),
    # 1404/12/17 + 14 (Esfand 1404 has 29 days) = 1405/01/02, inside Nowruz (1–4 Farvardin) → 1405/01/05.
    Case("last day in Nowruz", REVIEW, tehran(2026, 3, 8, 9), "2026-03-25T23:59:59+03:30", "۱۴۰۵/۰۱/۰۵"),
    Case(
        "last day in Nowruz, no extension",
        REVIEW,
        tehran(2026, 3, 8, 9),
        "2026-03-22T23:59:59+03:30",
        "۱۴۰۵/۰۱/۰۲",
        rules=NO_EXTENSION,
    ),
    Case(
        "last day in Nowruz, official holidays off",
        REVIEW,
        tehran(2026, 3, 8, 9),
        "2026-03-22T23:59:59+03:30",
        "۱۴۰۵/۰۱/۰۲",
        calendar=WorkingCalendar(official_holidays=False),
    ),
    # 1403/12/25 + 14 across the end of leap year 1403 (Esfand has 30 days) = 1404/01/09, a Saturday.
    Case(
        "across a leap year end", REVIEW, tehran(2025, 3, 15, 10), "2025-03-29T23:59:59+03:30", "۱۴۰۴/۰۱/۰۹"
    ),
    # 1403/12/16 + 14 = 1403/12/30 (exists only in a leap year; an official holiday in 2025), then
    # 1404/01/01 Friday and Nowruz, 01/02–01/04 Nowruz → 1404/01/05.
    Case(
        "last day 30 Esfand 1403", REVIEW, tehran(2025, 3, 6, 10), "2025-03-25T23:59:59+03:30", "۱۴۰۴/۰۱/۰۵"
    ),
    Case(
        "last day 30 Esfand 1403, no extension",
        REVIEW,
        tehran(2025, 3, 6, 10),
        "2025-03-20T23:59:59+03:30",
        "۱۴۰۳/۱۲/۳۰",
        rules=NO_EXTENSION,
    ),
    # 1405/08/03 + 10 = 1405/08/13, a Wednesday.
    Case(
        "reconsideration 10 days",
        RECONSIDERATION,
        tehran(2026, 10, 25, 14),
        "2026-11-04T23:59:59+03:30",
        "۱۴۰۵/۰۸/۱۳",
    ),
    # 1405/01/02 + 10 = 1405/01/12 (Islamic Republic Day), 01/13 (Nature Day), 01/14 Friday → 1405/01/15.
    Case(
        "reconsideration over 12–13 Farvardin",
        RECONSIDERATION,
        tehran(2026, 3, 22, 15),
        "2026-04-04T23:59:59+03:30",
        "۱۴۰۵/۰۱/۱۵",
    ),
    Case(
        "reconsideration over 12–13 Farvardin, no extension",
        RECONSIDERATION,
        tehran(2026, 3, 22, 15),
        "2026-04-01T23:59:59+03:30",
        "۱۴۰۵/۰۱/۱۲",
        rules=NO_EXTENSION,
    ),
    # 1405/02/01 + 15 = 1405/02/16, a Wednesday.
    Case(
        "escalation 15 days", ESCALATION, tehran(2026, 4, 21, 10), "2026-05-06T23:59:59+03:30", "۱۴۰۵/۰۲/۱۶"
    ),
    # 1405/02/22 + 15 = 1405/03/06 (Eid al-Adha) → 1405/03/07.
    Case(
        "escalation onto Eid al-Adha",
        ESCALATION,
        tehran(2026, 5, 12, 10),
        "2026-05-28T23:59:59+03:30",
        "۱۴۰۵/۰۳/۰۷",
    ),
    # The plain case, but its last day 1405/08/17 is closed for air pollution → 1405/08/18.
    Case(
        "closure extends",
        REVIEW,
        tehran(2026, 10, 25, 10),
        "2026-11-09T23:59:59+03:30",
        "۱۴۰۵/۰۸/۱۸",
        calendar=POLLUTED,
    ),
    Case(
        "closure does not extend when configured so",
        REVIEW,
        tehran(2026, 10, 25, 10),
        "2026-11-08T23:59:59+03:30",
        "۱۴۰۵/۰۸/۱۷",
        rules=CLOSURES_DO_NOT_EXTEND,
        calendar=POLLUTED,
    ),
    # 23:30 Tehran on 1405/08/03 is 20:00 UTC the same day: the start day is 08/03.
    Case(
        "late evening in Tehran",
        REVIEW,
        dt.datetime(2026, 10, 25, 20, 0, tzinfo=UTC),
        "2026-11-08T23:59:59+03:30",
        "۱۴۰۵/۰۸/۱۷",
    ),
    # 00:30 Tehran on 1405/08/04 is still 2026-10-25 in UTC: the start day is 08/04, not 08/03.
    Case(
        "just after midnight in Tehran",
        REVIEW,
        dt.datetime(2026, 10, 25, 21, 0, tzinfo=UTC),
        "2026-11-09T23:59:59+03:30",
        "۱۴۰۵/۰۸/۱۸",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_deadline(case: Case) -> None:
    deadline = deadline_for(case.kind, case.start, case.rules, case.calendar)
    assert to_tehran_iso(deadline) == case.expected_iso
    assert format_jalali_datetime(deadline) == f"{case.expected_jalali} ساعت ۲۳:۵۹"
    assert deadline.tzinfo is UTC
    assert deadline.microsecond == 0


def test_named_deadlines_use_their_configured_periods() -> None:
    start = tehran(2026, 10, 25, 10)  # 1405/08/03
    rules = StatutoryRules(review_days=20, reconsideration_days=5, escalation_days=30)
    # 1405/08/23, a Saturday
    assert review_deadline(start, rules, CALENDAR) == end_of_tehran_day(dt.date(2026, 11, 14))
    # 1405/08/08 is a Friday → 1405/08/09
    assert reconsideration_deadline(start, rules, CALENDAR) == end_of_tehran_day(dt.date(2026, 10, 31))
    # 1405/09/03, a Tuesday
    assert escalation_deadline(start, rules, CALENDAR) == end_of_tehran_day(dt.date(2026, 11, 24))


@pytest.mark.parametrize(("kind", "days"), [(REVIEW, 14), (RECONSIDERATION, 10), (ESCALATION, 15)])
def test_period_days(kind: DeadlineKind, days: int) -> None:
    assert period_days(kind, RULES) == days


def test_end_of_tehran_day() -> None:
    assert end_of_tehran_day(dt.date(2026, 11, 8)) == dt.datetime(2026, 11, 8, 20, 29, 59, tzinfo=UTC)


def test_statutory_deadline_refuses_naive_starts_and_negative_windows() -> None:
    with pytest.raises(ValueError):
        statutory_deadline(dt.datetime(2026, 10, 25, 10), 14, rules=RULES, calendar=CALENDAR)
    with pytest.raises(ValueError):
        statutory_deadline(tehran(2026, 10, 25), -1, rules=RULES, calendar=CALENDAR)


def test_a_zero_day_window_ends_with_the_start_day() -> None:
    deadline = statutory_deadline(tehran(2026, 10, 25, 10), 0, rules=RULES, calendar=CALENDAR)
    assert to_tehran_iso(deadline) == "2026-10-25T23:59:59+03:30"


def test_an_act_at_the_deadline_is_in_time_and_a_second_later_is_not() -> None:
    deadline = review_deadline(tehran(2026, 10, 25, 10), RULES, CALENDAR)
    assert is_in_time(deadline - dt.timedelta(days=3), deadline)
    assert is_in_time(deadline, deadline)
    assert not is_in_time(deadline + dt.timedelta(seconds=1), deadline)
    assert not is_in_time(tehran(2026, 11, 9), deadline)  # midnight after the last day


@pytest.mark.parametrize(
    ("now", "left"),
    [
        (dt.datetime(2026, 11, 8, 8, 29, 59, tzinfo=UTC), dt.timedelta(hours=12)),
        (dt.datetime(2026, 11, 8, 20, 29, 59, tzinfo=UTC), dt.timedelta(0)),
        (dt.datetime(2026, 11, 9, 20, 29, 59, tzinfo=UTC), dt.timedelta(0)),  # past: clamped
    ],
)
def test_time_left(now: dt.datetime, left: dt.timedelta) -> None:
    assert time_left(now, dt.datetime(2026, 11, 8, 20, 29, 59, tzinfo=UTC)) == left


@pytest.mark.parametrize(
    ("approval", "window", "deadline"),
    [
        (dt.date(2026, 10, 25), 7, dt.date(2026, 11, 1)),
        # 1405/08/08 + 7 = 1405/08/15, a Friday: not extended (a policy, not a statutory window)
        (dt.date(2026, 10, 30), 7, dt.date(2026, 11, 6)),
        (dt.date(2026, 10, 25), 0, dt.date(2026, 10, 25)),
    ],
)
def test_submission_deadline(approval: dt.date, window: int, deadline: dt.date) -> None:
    assert submission_deadline(approval, StatutoryRules(submission_window_days=window)) == deadline


@pytest.mark.parametrize(
    ("approval", "submitted_at", "late"),
    [
        (dt.date(2026, 10, 25), tehran(2026, 10, 25, 18), False),
        (dt.date(2026, 10, 25), tehran(2026, 11, 1, 23, 59), False),  # last day of the window
        (dt.date(2026, 10, 25), tehran(2026, 11, 2, 0, 10), True),  # still 1 Nov in UTC, but 2 Nov in Tehran
        (dt.date(2026, 10, 30), tehran(2026, 11, 7, 9), True),  # the window ended on a Friday
    ],
)
def test_is_late_submission(approval: dt.date, submitted_at: dt.datetime, late: bool) -> None:
    assert is_late_submission(approval, submitted_at, RULES) is late
