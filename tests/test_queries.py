"""Reading status questions and periods out of messages (issue 6)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from council.jalali import JalaliParseError
from council.queries import (
    ByTrackingCode,
    DayRange,
    FreeText,
    InPeriod,
    MistypedTrackingCode,
    Objections,
    Overdue,
    PeriodKind,
    Query,
    ReportRequest,
    ReversedPeriod,
    StatusByNumber,
    parse_jalali_period,
    parse_query,
    parse_report_request,
    period_bounds,
    period_days,
)
from council.submission import generate_tracking_code

UTC = dt.UTC
ZWNJ = "\u200c"
CODE = generate_tracking_code(random.Random(1))  # 3914-1772


def test_the_sample_code_is_what_the_cases_below_spell_out() -> None:
    assert CODE == "3914-1772"


@pytest.mark.parametrize(
    "text",
    [
        "3914-1772",
        "39141772",
        "۳۹۱۴-۱۷۷۲",
        "٣٩١٤١٧٧٢",
        " ۳۹۱۴ ۱۷۷۲ ",
        "\u2066۳۹۱۴–۱۷۷۲\u2069",
        "/status 3914-1772",
        "/status@council_bot ۳۹۱۴۱۷۷۲",
        "کد رهگیری ۳۹۱۴-۱۷۷۲",
        "وضعیت ۳۹۱۴-۱۷۷۲؟",
    ],
)
def test_a_tracking_code_in_any_digits_and_spacing_is_a_code(text: str) -> None:
    assert parse_query(text) == ByTrackingCode("3914-1772")


def test_eight_digits_failing_the_check_are_a_mistyped_code_not_a_search() -> None:
    assert parse_query("۳۹۱۴-۱۷۲۷") == MistypedTrackingCode("3914-1727")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وضعیت مصوبه ۱۲ شورای شهر سمنان", StatusByNumber("12", "شورای شهر سمنان")),
        ("وضعيت مصوبه ١٢ شوراي اسلامي شهر سمنان؟", StatusByNumber("12", "شورای اسلامی شهر سمنان")),
        ("  وضعیت   مصوبه 12   شورای  شهر سمنان ?", StatusByNumber("12", "شورای شهر سمنان")),
        ("وضعیت مصوبهٔ شماره ۱۲/الف در شورای روستای ابر", StatusByNumber("12/الف", "شورای روستای ابر")),
        ("مصوبه ی ۰۱۲ - ب شهر مهدی‌شهر", StatusByNumber("12-ب", "شهر مهدی شهر")),
        ("وضعیت مصوبه ۷", StatusByNumber("7", None)),
    ],
)
def test_status_of_a_resolution_by_its_number_and_council(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مصوبات معوق شاهرود", Overdue("شاهرود")),
        ("مصوبات معوق در شهرستان شاهرود؟", Overdue("شهرستان شاهرود")),
        ("مصوبه‌های معوق", Overdue(None)),
        ("معوقات", Overdue(None)),
        ("اعتراض‌های این ماه", Objections(PeriodKind.THIS_MONTH, None)),
        ("اعتراض های این ماه", Objections(PeriodKind.THIS_MONTH, None)),
        ("اعتراضهای این ماه", Objections(PeriodKind.THIS_MONTH, None)),
        ("اعتراضات این ماه؟", Objections(PeriodKind.THIS_MONTH, None)),
        ("اعتراض‌های ماه گذشته", Objections(PeriodKind.LAST_MONTH, None)),
        ("اعتراض‌های ماه قبل در دامغان", Objections(PeriodKind.LAST_MONTH, "دامغان")),
        ("اعتراضات", Objections(None, None)),
        ("مصوبات امروز", InPeriod(PeriodKind.TODAY, None)),
        ("مصوبات دیروز", InPeriod(PeriodKind.YESTERDAY, None)),
        ("مصوبات این هفته", InPeriod(PeriodKind.THIS_WEEK, None)),
        ("مصوبات هفته پیش", InPeriod(PeriodKind.LAST_WEEK, None)),
        ("مصوبات این ماه سمنان", InPeriod(PeriodKind.THIS_MONTH, "سمنان")),
        ("مصوبات امسال", InPeriod(PeriodKind.THIS_YEAR, None)),
        ("مصوبات پارسال شهرستان گرمسار", InPeriod(PeriodKind.LAST_YEAR, "شهرستان گرمسار")),
    ],
)
def test_overdue_objections_and_period_phrases(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("پارک و فضای سبز", FreeText(("پارک", "فضای", "سبز"))),
        ("مصوبات عوارض نوسازي", FreeText(("عوارض", "نوسازی"))),
        ("مصوبه بودجه ۱۴۰۵", FreeText(("بودجه", "1405"))),
        ("مصوبه ۰", FreeText(("0",))),
        ("؟", FreeText(())),
    ],
)
def test_anything_else_is_words_to_search_for(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


# 1405/09/06 (a Friday), 13:30 in Tehran.
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "first", "last"),
    [
        (PeriodKind.TODAY, dt.date(2026, 11, 27), dt.date(2026, 11, 27)),
        (PeriodKind.YESTERDAY, dt.date(2026, 11, 26), dt.date(2026, 11, 26)),
        # Weeks run Saturday to Friday.
        (PeriodKind.THIS_WEEK, dt.date(2026, 11, 21), dt.date(2026, 11, 27)),
        (PeriodKind.LAST_WEEK, dt.date(2026, 11, 14), dt.date(2026, 11, 20)),
        # Azar 1405: 1405/09/01 – 1405/09/30; Aban: 1405/08/01 – 1405/08/30.
        (PeriodKind.THIS_MONTH, dt.date(2026, 11, 22), dt.date(2026, 12, 21)),
        (PeriodKind.LAST_MONTH, dt.date(2026, 10, 23), dt.date(2026, 11, 21)),
        (PeriodKind.THIS_YEAR, dt.date(2026, 3, 21), dt.date(2027, 3, 20)),
        (PeriodKind.LAST_YEAR, dt.date(2025, 3, 21), dt.date(2026, 3, 20)),
    ],
)
def test_period_days_are_jalali_in_tehran(kind: PeriodKind, first: dt.date, last: dt.date) -> None:
    assert period_days(kind, NOW) == DayRange(first, last)


def test_period_bounds_are_tehran_midnights_half_open() -> None:
    assert period_bounds(PeriodKind.THIS_MONTH, NOW) == (
        dt.datetime(2026, 11, 21, 20, 30, tzinfo=UTC),
        dt.datetime(2026, 12, 21, 20, 30, tzinfo=UTC),
    )


def test_just_after_tehran_midnight_is_already_the_next_month() -> None:
    # 2026-11-21 20:45 UTC is 00:15 on 1405/09/01 in Tehran, while UTC is still on the 21st (Aban).
    now = dt.datetime(2026, 11, 21, 20, 45, tzinfo=UTC)
    assert period_days(PeriodKind.THIS_MONTH, now) == DayRange(dt.date(2026, 11, 22), dt.date(2026, 12, 21))
    assert period_days(PeriodKind.LAST_MONTH, now) == DayRange(dt.date(2026, 10, 23), dt.date(2026, 11, 21))


def test_last_month_of_farvardin_is_esfand_of_the_year_before() -> None:
    now = dt.datetime(2026, 4, 1, 8, 0, tzinfo=UTC)  # 1405/01/12
    assert period_days(PeriodKind.LAST_MONTH, now) == DayRange(dt.date(2026, 2, 20), dt.date(2026, 3, 20))


def test_a_day_range_contains_its_instants_half_open() -> None:
    azar = period_days(PeriodKind.THIS_MONTH, NOW)
    assert azar.contains(azar.start)
    assert not azar.contains(azar.end)
    assert azar.contains(azar.end - dt.timedelta(microseconds=1))


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("۱۴۰۵", dt.date(2026, 3, 21), dt.date(2027, 3, 20)),
        ("۱۴۰۵/۰۸", dt.date(2026, 10, 23), dt.date(2026, 11, 21)),
        ("1405-8", dt.date(2026, 10, 23), dt.date(2026, 11, 21)),
        ("۱۴۰۵/۰۸/۱۵", dt.date(2026, 11, 6), dt.date(2026, 11, 6)),
        ("۱۴۰۵/۰۷/۰۱ تا ۱۴۰۵/۰۸/۳۰", dt.date(2026, 9, 23), dt.date(2026, 11, 21)),
        ("از ١٤٠٥.٠٧ تا ١٤٠٥.٠٩", dt.date(2026, 9, 23), dt.date(2026, 12, 21)),
        ("1405/07/01..1405/07/10", dt.date(2026, 9, 23), dt.date(2026, 10, 2)),
        # A dash between two dates (a year follows it) is a range: «/report ۱۴۰۵/۰۷/۰۱-۱۴۰۵/۰۹/۳۰».
        ("۱۴۰۵/۰۷/۰۱-۱۴۰۵/۰۹/۳۰", dt.date(2026, 9, 23), dt.date(2026, 12, 21)),
        ("1405-07-01 - 1405-09-30", dt.date(2026, 9, 23), dt.date(2026, 12, 21)),
        ("۱۴۰۴–۱۴۰۵", dt.date(2025, 3, 21), dt.date(2027, 3, 20)),
        # Esfand has 30 days in the leap year 1403 and 29 in 1404.
        ("۱۴۰۳/۱۲", dt.date(2025, 2, 19), dt.date(2025, 3, 20)),
        ("۱۴۰۴/۱۲", dt.date(2026, 2, 20), dt.date(2026, 3, 20)),
    ],
)
def test_report_periods(text: str, first: dt.date, last: dt.date) -> None:
    assert parse_jalali_period(text) == DayRange(first, last)


@pytest.mark.parametrize(
    ("text", "code"),
    [("۱۴۰۵/۱۳", "month"), ("۱۴۰۵/۰۷/۳۱", "day"), ("آبان", "format"), ("۱۴۰۵ تا", "format"), ("", "format")],
)
def test_an_unreadable_period_says_what_is_wrong(text: str, code: str) -> None:
    with pytest.raises(JalaliParseError) as raised:
        parse_jalali_period(text)
    assert raised.value.code == code


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ReversedPeriod) as raised:
        parse_jalali_period("۱۴۰۵/۰۸ تا ۱۴۰۵/۰۷")
    assert (raised.value.first, raised.value.last) == (dt.date(2026, 10, 23), dt.date(2026, 10, 22))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ReportRequest(None, None)),
        ("شاهرود", ReportRequest("شاهرود", None)),
        ("شورای شهر سمنان", ReportRequest("شورای شهر سمنان", None)),
        ("۱۴۰۵/۰۷/۰۱-۱۴۰۵/۰۹/۳۰", ReportRequest(None, DayRange(dt.date(2026, 9, 23), dt.date(2026, 12, 21)))),
        ("شاهرود ۱۴۰۵/۰۷", ReportRequest("شاهرود", DayRange(dt.date(2026, 9, 23), dt.date(2026, 10, 22)))),
        (
            "از ۱۴۰۵/۰۷ تا ۱۴۰۵/۰۸ در دامغان",
            ReportRequest("دامغان", DayRange(dt.date(2026, 9, 23), dt.date(2026, 11, 21))),
        ),
        ("این ماه", ReportRequest(None, PeriodKind.THIS_MONTH)),
        ("شاهرود ماه گذشته", ReportRequest("شاهرود", PeriodKind.LAST_MONTH)),
        ("امسال شوراي شهر سمنان", ReportRequest("شورای شهر سمنان", PeriodKind.THIS_YEAR)),
    ],
)
def test_report_requests_read_a_place_and_a_period_in_either_order(
    text: str, expected: ReportRequest
) -> None:
    assert parse_report_request(text) == expected


def test_a_report_request_with_an_unreadable_period_raises_the_period_error() -> None:
    with pytest.raises(JalaliParseError):
        parse_report_request("شاهرود ۱۴۰۵/۱۳")
    with pytest.raises(JalaliParseError):
        parse_report_request("شاهرود ۱۴۰۵/۰۹/۰۷ تا")
    with pytest.raises(ReversedPeriod):
        parse_report_request("۱۴۰۵/۰۹ تا ۱۴۰۵/۰۷")
