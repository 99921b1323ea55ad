"""The Jalali (Solar Hijri) calendar in Asia/Tehran: parsing what users type, and showing instants.

Instants are stored in UTC (aware datetimes); people see and type Tehran wall-clock time on the Jalali
calendar. Parsing accepts Persian, Arabic-Indic or ASCII digits and ``/``, ``-`` or ``.`` as separators.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Literal
from zoneinfo import ZoneInfo

import jdatetime

from council.text import normalize_persian, to_latin_digits, to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")
UTC = dt.UTC

ErrorCode = Literal["format", "month", "day", "time"]

# "/", "-", "." and what Persian keyboards type for them: ٫ (Arabic decimal separator), ؍ (Arabic date
# separator), the en dash and the fraction slash.
_SEP = r"[/\-.\u066b\u060d\u2013\u2044]"
_DATE = rf"(?P<year>\d{{4}})\s*{_SEP}\s*(?P<month>\d{{1,2}})\s*{_SEP}\s*(?P<day>\d{{1,2}})(?!\d)"
_DATE_RE = re.compile(rf"\s*{_DATE}")
_TIME_RE = re.compile(r"(?P<hour>\d{1,2})\s*:\s*(?P<minute>\d{2})")
_TIME_WORD = "ساعت"
# Direction marks that come along when text is copied out of right-to-left paragraphs.
_BIDI_MARKS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


class JalaliParseError(ValueError):
    """A Jalali date or time the user typed could not be read.

    ``code`` says what was wrong, so that the caller can pick the message from its catalogue:
    ``format`` (not shaped like a date), ``month`` (not 1–12), ``day`` (not in that month) or ``time``
    (not a valid ``HH:MM``).
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code


def is_leap_year(year: int) -> bool:
    """Whether Jalali ``year`` is a leap year (its Esfand has 30 days)."""
    return bool(jdatetime.date(year, 1, 1).isleap())


def days_in_month(year: int, month: int) -> int:
    """Number of days of a Jalali month: 31 for months 1–6, 30 for 7–11, 29 or 30 for Esfand."""
    if not 1 <= month <= 12:
        raise JalaliParseError("month", f"month {month} is not between 1 and 12")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap_year(year) else 29


def jalali_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a Jalali date; an impossible date raises :class:`JalaliParseError`."""
    if not 1 <= day <= days_in_month(year, month):
        raise JalaliParseError("day", f"day {day} is not in month {month} of {year}")
    try:
        gregorian: dt.date = jdatetime.date(year, month, day).togregorian()
    except (ValueError, OverflowError) as exc:
        raise JalaliParseError("format", f"year {year} is out of range") from exc
    return gregorian


def gregorian_to_jalali(date: dt.date) -> tuple[int, int, int]:
    """The Jalali ``(year, month, day)`` of a Gregorian date."""
    return _jalali_of(_plain_date(date))


@functools.lru_cache(maxsize=8192)
def _jalali_of(date: dt.date) -> tuple[int, int, int]:
    # jdatetime takes about 30 µs a date (it parses the locale each time); a status card shows three or more.
    j = jdatetime.date.fromgregorian(date=date)
    return j.year, j.month, j.day


def jalali_year(date: dt.date) -> int:
    """The Jalali year a Gregorian date falls in."""
    return gregorian_to_jalali(date)[0]


def jalali_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """Gregorian dates of 1 Farvardin and of the last day of Esfand of Jalali ``year``."""
    return jalali_to_gregorian(year, 1, 1), jalali_to_gregorian(year, 12, days_in_month(year, 12))


def tehran_date(instant: dt.datetime) -> dt.date:
    """The Tehran calendar day (Gregorian) that an aware instant falls on."""
    return _require_aware(instant).astimezone(TEHRAN).date()


def tehran_instant(date: dt.date, time: dt.time = dt.time(0, 0)) -> dt.datetime:
    """The instant (aware, UTC) at which Tehran wall clocks show ``time`` on ``date``."""
    return dt.datetime.combine(_plain_date(date), time, tzinfo=TEHRAN).astimezone(UTC)


def to_tehran_iso(instant: dt.datetime) -> str:
    """ISO 8601 in Tehran time to the second, e.g. ``2026-11-27T23:59:59+03:30``."""
    return _require_aware(instant).astimezone(TEHRAN).isoformat(timespec="seconds")


def format_jalali_date(date: dt.date) -> str:
    """A Gregorian date written as a zero-padded Jalali date in Persian digits: ``۱۴۰۵/۰۹/۰۶``."""
    return _jalali_date_text(_plain_date(date))


@functools.lru_cache(maxsize=8192)
def _jalali_date_text(date: dt.date) -> str:
    # A status card writes four to eight dates and instants; each date's words are made once.
    year, month, day = _jalali_of(date)
    return to_persian_digits(f"{year:04d}/{month:02d}/{day:02d}")


#: «۱۴:۳۰» of each minute of the day (``hour * 60 + minute``).
_CLOCK_TEXTS = tuple(to_persian_digits(f"{m // 60:02d}:{m % 60:02d}") for m in range(24 * 60))


def format_jalali_datetime(instant: dt.datetime) -> str:
    """An aware instant as Tehran wall-clock time on the Jalali calendar: ``۱۴۰۵/۰۹/۰۶ ساعت ۱۴:۳۰``."""
    local = _require_aware(instant).astimezone(TEHRAN)
    clock = _CLOCK_TEXTS[local.hour * 60 + local.minute]
    return f"{_jalali_date_text(local.date())} {_TIME_WORD} {clock}"


def parse_jalali_date(text: str) -> dt.date:
    """Read a Jalali date such as ``1405/09/06``, ``۱۴۰۵-۹-۶`` or ``١٤٠٥.٠٩.٠٦``; return the Gregorian date.

    The year comes first and has four digits. Raises :class:`JalaliParseError`.
    """
    cleaned = _clean(text)
    match = _DATE_RE.match(cleaned)
    if match is None or cleaned[match.end() :].strip():
        raise JalaliParseError("format", f"not a Jalali date: {text!r}")
    return _date_of(match)


def parse_jalali_datetime(text: str) -> dt.datetime:
    """Read a Jalali date with an optional Tehran time: ``1405/09/06 14:30``, ``۱۴۰۵/۰۹/۰۶ ساعت ۱۴:۳۰``.

    Without a time the instant is Tehran midnight at the start of that day. Returns an aware UTC
    datetime. Raises :class:`JalaliParseError`.
    """
    cleaned = _clean(text)
    match = _DATE_RE.match(cleaned)
    if match is None:
        raise JalaliParseError("format", f"not a Jalali date: {text!r}")
    date = _date_of(match)
    rest = cleaned[match.end() :].strip().lstrip("،,").strip()
    has_word = rest.startswith(_TIME_WORD)
    if has_word:
        rest = rest.removeprefix(_TIME_WORD).strip()
    if not rest:
        if has_word:
            raise JalaliParseError("time", f"no time after {_TIME_WORD!r}: {text!r}")
        return tehran_instant(date)
    if not has_word and re.search(r"[^\d:\s]", rest):
        raise JalaliParseError("format", f"unexpected text after the date: {text!r}")
    return tehran_instant(date, _parse_time(rest))


def _parse_time(text: str) -> dt.time:
    match = _TIME_RE.fullmatch(text)
    if match is None:
        raise JalaliParseError("time", f"not a time HH:MM: {text!r}")
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise JalaliParseError("time", f"no such time of day: {text!r}")
    return dt.time(hour, minute)


def _date_of(match: re.Match[str]) -> dt.date:
    return jalali_to_gregorian(int(match["year"]), int(match["month"]), int(match["day"]))


def _clean(text: str) -> str:
    return to_latin_digits(normalize_persian(text.translate(_BIDI_MARKS)))


def _require_aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant!r}")
    return instant


def _plain_date(date: dt.date) -> dt.date:
    # A datetime is a date too; silently taking its .date() would pick the wrong day across time zones.
    if isinstance(date, dt.datetime):
        raise TypeError("expected a date, got a datetime; use tehran_date() for instants")
    return date
