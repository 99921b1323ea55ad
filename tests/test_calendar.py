"""Working days: the weekly holiday, Iran's official holidays (Persian names) and admin closures."""

from __future__ import annotations

import datetime as dt

import pytest

from council.calendar import DayOff, DayOffKind, WorkingCalendar, official_holiday_names
from council.rules import StatutoryRules

AIR_POLLUTION = "تعطیلی به علت آلودگی هوا"
CLOSED = dt.date(2026, 11, 8)  # 1405/08/17, a Sunday
CALENDAR = WorkingCalendar(closures={CLOSED: AIR_POLLUTION})


@pytest.mark.parametrize(
    ("date", "kinds", "names"),
    [
        # 1405/09/06, a plain Friday
        (dt.date(2026, 11, 27), ("weekly",), ()),
        # 1405/01/01: Nowruz and Eid al-Fitr on the same day
        (dt.date(2026, 3, 21), ("official",), ("جشن نوروز", "عید سعید فطر")),
        # 1405/01/12 and 13
        (dt.date(2026, 4, 1), ("official",), ("روز جمهوری اسلامی",)),
        (dt.date(2026, 4, 2), ("official",), ("روز طبیعت",)),
        # 1405/03/15, an official holiday on a Friday
        (dt.date(2026, 6, 5), ("weekly", "official"), ("قیام 15 خرداد",)),
        # 1403/12/30, the extra day of a leap Esfand
        (dt.date(2025, 3, 20), ("official",), ("آخرین روز سال",)),
        # a lunar holiday far enough ahead is marked as estimated by the package
        (dt.date(2027, 3, 10), ("official",), ("عید سعید فطر (تخمینی)",)),
        (CLOSED, ("closure",), (AIR_POLLUTION,)),
    ],
)
def test_day_off(date: dt.date, kinds: tuple[str, ...], names: tuple[str, ...]) -> None:
    assert CALENDAR.day_off(date) == DayOff(date, kinds, names)  # type: ignore[arg-type]
    assert not CALENDAR.is_working_day(date)


@pytest.mark.parametrize(
    "date",
    [
        dt.date(2026, 11, 9),  # 1405/08/18, Monday
        dt.date(2026, 3, 25),  # 1405/01/05, the first working day after Nowruz
        dt.date(2026, 11, 28),  # 1405/09/07, Saturday
    ],
)
def test_working_days(date: dt.date) -> None:
    assert CALENDAR.day_off(date) is None
    assert CALENDAR.day_off_reasons(date) == []
    assert CALENDAR.is_working_day(date)


@pytest.mark.parametrize(
    ("date", "reasons"),
    [
        (dt.date(2026, 11, 27), ["weekly"]),
        (dt.date(2026, 6, 5), ["weekly", "قیام 15 خرداد"]),
        (dt.date(2026, 3, 22), ["تعطیل به مناسبت عید سعید فطر", "عیدنوروز"]),
        (CLOSED, [AIR_POLLUTION]),
    ],
)
def test_day_off_reasons(date: dt.date, reasons: list[str]) -> None:
    assert CALENDAR.day_off_reasons(date) == reasons


def test_a_closure_can_be_ignored_when_counting_working_days() -> None:
    assert not CALENDAR.is_working_day(CLOSED)
    assert CALENDAR.is_working_day(CLOSED, count_closures=False)
    assert CALENDAR.next_working_day(CLOSED) == dt.date(2026, 11, 9)
    assert CALENDAR.next_working_day(CLOSED, count_closures=False) == CLOSED


def test_official_holidays_can_be_switched_off() -> None:
    calendar = WorkingCalendar(official_holidays=False)
    assert calendar.is_working_day(dt.date(2026, 3, 22))  # 1405/01/02, a Sunday
    assert calendar.day_off(dt.date(2026, 3, 21)) is None  # 1405/01/01, a Saturday


def test_other_weekly_holidays() -> None:
    calendar = WorkingCalendar(weekly_holidays=frozenset({3, 4}))
    assert not calendar.is_working_day(dt.date(2026, 11, 26))  # Thursday
    assert calendar.next_working_day(dt.date(2026, 11, 26)) == dt.date(2026, 11, 28)


def test_from_rules_takes_the_weekly_holidays_of_the_rules() -> None:
    calendar = WorkingCalendar.from_rules(StatutoryRules(weekly_holidays=frozenset({3, 4})), {CLOSED: "x"})
    assert calendar.weekly_holidays == frozenset({3, 4})
    assert calendar.official_holidays
    assert dict(calendar.closures) == {CLOSED: "x"}


@pytest.mark.parametrize("weekly", [frozenset({7}), frozenset({-1}), frozenset(range(7))])
def test_impossible_weeks_are_refused(weekly: frozenset[int]) -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(weekly_holidays=weekly)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (dt.date(2026, 11, 9), dt.date(2026, 11, 9)),  # already a working day
        (dt.date(2026, 11, 27), dt.date(2026, 11, 28)),  # Friday → Saturday
        (dt.date(2026, 3, 20), dt.date(2026, 3, 25)),  # 29 Esfand 1404 … 4 Farvardin 1405 → 5 Farvardin
        (dt.date(2026, 4, 1), dt.date(2026, 4, 4)),  # 12, 13 Farvardin, then Friday → 15 Farvardin
    ],
)
def test_next_working_day(date: dt.date, expected: dt.date) -> None:
    assert CALENDAR.next_working_day(date) == expected


def test_official_holidays_of_a_jalali_year() -> None:
    days = WorkingCalendar().days_off_in_jalali_year(1405, include_weekly=False)
    assert len(days) == 26
    assert days[0] == DayOff(dt.date(2026, 3, 21), (DayOffKind.OFFICIAL,), ("جشن نوروز", "عید سعید فطر"))
    assert days[-1] == DayOff(dt.date(2027, 3, 20), (DayOffKind.OFFICIAL,), ("روز ملی شدن صنعت نفت ایران",))
    assert [day.date for day in days] == sorted(day.date for day in days)


def test_weekly_holidays_are_listed_on_request() -> None:
    # 1405 has 365 days from a Saturday: 52 Fridays, and 23 official holidays on other days.
    days = WorkingCalendar().days_off_in_jalali_year(1405)
    assert len(days) == 75
    assert sum(DayOffKind.WEEKLY in day.kinds for day in days) == 52


def test_closures_are_listed() -> None:
    days = CALENDAR.days_off_in_jalali_year(1405, include_weekly=False)
    assert DayOff(CLOSED, (DayOffKind.CLOSURE,), (AIR_POLLUTION,)) in days
    assert len(days) == 27


def test_a_leap_year_runs_to_30_esfand() -> None:
    days = WorkingCalendar().days_off_in_jalali_year(1403, include_weekly=False)
    assert days[0].date == dt.date(2024, 3, 20)  # 1 Farvardin 1403
    assert days[-1] == DayOff(dt.date(2025, 3, 20), (DayOffKind.OFFICIAL,), ("آخرین روز سال",))


def test_official_holiday_names() -> None:
    assert official_holiday_names(dt.date(2026, 4, 2)) == ("روز طبیعت",)
    assert official_holiday_names(dt.date(2026, 4, 3)) == ()
