"""The Jalali calendar in Tehran time: parsing what users type, formatting instants."""

from __future__ import annotations

import datetime as dt

import pytest

from council.jalali import (
    TEHRAN,
    JalaliParseError,
    days_in_month,
    format_jalali_date,
    format_jalali_datetime,
    gregorian_to_jalali,
    is_leap_year,
    jalali_to_gregorian,
    jalali_year,
    jalali_year_bounds,
    parse_jalali_date,
    parse_jalali_datetime,
    tehran_date,
    tehran_instant,
    to_tehran_iso,
)

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1405/09/06",
        "۱۴۰۵/۰۹/۰۶",
        "١٤٠٥/٠٩/٠٦",
        "1405-09-06",
        "۱۴۰۵-۹-۶",
        "١٤٠٥.٠٩.٠٦",
        "1405.9.6",
        "  1405 / 9 / 6  ",
        "۱۴۰۵٫۰۹٫۰۶",  # what the Persian keyboard types for "."
        "\u200f۱۴۰۵/۰۹/۰۶\u200f",  # copied with right-to-left marks
    ],
)
def test_parse_jalali_date_in_every_digit_system_and_separator(text: str) -> None:
    assert parse_jalali_date(text) == dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1405/01/01", dt.date(2026, 3, 21)),
        ("1404/12/29", dt.date(2026, 3, 20)),
        ("1403/01/01", dt.date(2024, 3, 20)),
        ("1403/12/30", dt.date(2025, 3, 20)),  # 1403 is a leap year
        ("1404/01/01", dt.date(2025, 3, 21)),
        ("1405/06/31", dt.date(2026, 9, 22)),
        ("1405/07/01", dt.date(2026, 9, 23)),
    ],
)
def test_parse_jalali_date_values(text: str, expected: dt.date) -> None:
    assert parse_jalali_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "format"),
        ("abc", "format"),
        ("1405/09", "format"),
        ("05/09/06", "format"),
        ("06/09/1405", "format"),
        ("1405/09/061", "format"),
        ("1405/09/06 10:30", "format"),  # a date alone was asked for
        ("1405/13/01", "month"),
        ("1405/00/01", "month"),
        ("1405/01/00", "day"),
        ("1405/01/32", "day"),
        ("1405/07/31", "day"),  # Mehr has 30 days
        ("1404/12/30", "day"),  # 1404 is not a leap year
    ],
)
def test_parse_jalali_date_errors(text: str, code: str) -> None:
    with pytest.raises(JalaliParseError) as caught:
        parse_jalali_date(text)
    assert caught.value.code == code


def test_parse_error_is_a_value_error() -> None:
    assert issubclass(JalaliParseError, ValueError)


# --- date and time ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1405/09/06", utc(2026, 11, 26, 20, 30)),  # Tehran midnight
        ("1405/09/06 14:30", utc(2026, 11, 27, 11, 0)),
        ("۱۴۰۵/۰۹/۰۶ ساعت ۱۴:۳۰", utc(2026, 11, 27, 11, 0)),
        ("١٤٠٥-٠٩-٠٦ ٠٨:٠٥", utc(2026, 11, 27, 4, 35)),
        ("1405/09/06، ساعت 9:05", utc(2026, 11, 27, 5, 35)),
        ("1405.9.6ساعت14:30", utc(2026, 11, 27, 11, 0)),
        ("1405/08/03 23:30", utc(2026, 10, 25, 20, 0)),
        ("1405/08/04 00:30", utc(2026, 10, 25, 21, 0)),  # still the previous day in UTC
        ("1405/09/06 23:59", utc(2026, 11, 27, 20, 29)),
    ],
)
def test_parse_jalali_datetime(text: str, expected: dt.datetime) -> None:
    parsed = parse_jalali_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1405/09/06 24:00", "time"),
        ("1405/09/06 14:60", "time"),
        ("1405/09/06 14", "time"),
        ("1405/09/06 14:3", "time"),
        ("1405/09/06 ساعت", "time"),
        ("1405/09/06 ساعت دو", "time"),
        ("1405/09/06 فردا", "format"),
        ("ساعت 14:30", "format"),
        ("1405/13/06 10:00", "month"),
        ("1405/07/31 10:00", "day"),
    ],
)
def test_parse_jalali_datetime_errors(text: str, code: str) -> None:
    with pytest.raises(JalaliParseError) as caught:
        parse_jalali_datetime(text)
    assert caught.value.code == code


# --- formatting ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (dt.date(2026, 11, 27), "۱۴۰۵/۰۹/۰۶"),
        (dt.date(2026, 3, 21), "۱۴۰۵/۰۱/۰۱"),
        (dt.date(2025, 3, 20), "۱۴۰۳/۱۲/۳۰"),
    ],
)
def test_format_jalali_date(date: dt.date, expected: str) -> None:
    assert format_jalali_date(date) == expected


def test_format_jalali_date_refuses_an_instant() -> None:
    with pytest.raises(TypeError):
        format_jalali_date(utc(2026, 11, 27, 11, 0))


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2026, 11, 27, 11, 0), "۱۴۰۵/۰۹/۰۶ ساعت ۱۴:۳۰"),
        (utc(2026, 11, 26, 20, 45), "۱۴۰۵/۰۹/۰۶ ساعت ۰۰:۱۵"),  # already the next day in Tehran
        (dt.datetime(2026, 11, 27, 14, 30, tzinfo=TEHRAN), "۱۴۰۵/۰۹/۰۶ ساعت ۱۴:۳۰"),
        (utc(2026, 11, 27, 20, 29, 59), "۱۴۰۵/۰۹/۰۶ ساعت ۲۳:۵۹"),
    ],
)
def test_format_jalali_datetime(instant: dt.datetime, expected: str) -> None:
    assert format_jalali_datetime(instant) == expected


@pytest.mark.parametrize("function", [format_jalali_datetime, tehran_date, to_tehran_iso])
def test_naive_instants_are_refused(function: object) -> None:
    with pytest.raises(ValueError):
        function(dt.datetime(2026, 11, 27, 14, 30))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2026, 10, 25, 20, 0), dt.date(2026, 10, 25)),  # 23:30 Tehran
        (utc(2026, 10, 25, 20, 29, 59), dt.date(2026, 10, 25)),
        (utc(2026, 10, 25, 20, 30), dt.date(2026, 10, 26)),  # Tehran midnight
        (utc(2026, 10, 25, 21, 0), dt.date(2026, 10, 26)),  # 00:30 Tehran
    ],
)
def test_tehran_date(instant: dt.datetime, expected: dt.date) -> None:
    assert tehran_date(instant) == expected


def test_to_tehran_iso() -> None:
    assert to_tehran_iso(utc(2026, 11, 27, 20, 29, 59)) == "2026-11-27T23:59:59+03:30"
    assert to_tehran_iso(utc(2026, 11, 27, 7, 0, 0, 123456)) == "2026-11-27T10:30:00+03:30"


def test_tehran_instant() -> None:
    assert tehran_instant(dt.date(2026, 11, 27)) == utc(2026, 11, 26, 20, 30)
    assert tehran_instant(dt.date(2026, 11, 27), dt.time(23, 59, 59)) == utc(2026, 11, 27, 20, 29, 59)


# --- conversions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jalali", "gregorian"),
    [
        ((1405, 9, 6), dt.date(2026, 11, 27)),
        ((1405, 1, 1), dt.date(2026, 3, 21)),
        ((1403, 12, 30), dt.date(2025, 3, 20)),
        ((1404, 12, 29), dt.date(2026, 3, 20)),
        ((1408, 12, 30), dt.date(2030, 3, 20)),
    ],
)
def test_conversions_both_ways(jalali: tuple[int, int, int], gregorian: dt.date) -> None:
    assert jalali_to_gregorian(*jalali) == gregorian
    assert gregorian_to_jalali(gregorian) == jalali


@pytest.mark.parametrize(("jalali", "code"), [((1404, 12, 30), "day"), ((1405, 13, 1), "month")])
def test_jalali_to_gregorian_refuses_impossible_dates(jalali: tuple[int, int, int], code: str) -> None:
    with pytest.raises(JalaliParseError) as caught:
        jalali_to_gregorian(*jalali)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("date", "year"),
    [(dt.date(2026, 3, 20), 1404), (dt.date(2026, 3, 21), 1405), (dt.date(2026, 12, 31), 1405)],
)
def test_jalali_year(date: dt.date, year: int) -> None:
    assert jalali_year(date) == year


@pytest.mark.parametrize(
    ("year", "leap"),
    [(1399, True), (1400, False), (1402, False), (1403, True), (1404, False), (1405, False), (1408, True)],
)
def test_leap_years(year: int, leap: bool) -> None:
    assert is_leap_year(year) is leap
    assert days_in_month(year, 12) == (30 if leap else 29)


@pytest.mark.parametrize(("month", "days"), [(1, 31), (6, 31), (7, 30), (11, 30)])
def test_days_in_month(month: int, days: int) -> None:
    assert days_in_month(1405, month) == days


def test_jalali_year_bounds() -> None:
    assert jalali_year_bounds(1403) == (dt.date(2024, 3, 20), dt.date(2025, 3, 20))
    assert jalali_year_bounds(1405) == (dt.date(2026, 3, 21), dt.date(2027, 3, 20))
