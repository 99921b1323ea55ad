"""What a person asks for in a message (issue 6): a tracking code, a resolution by number, overdue items,
objections or resolutions of a period, or words to search for.

:func:`parse_query` reads the message into one of the query types below; it does not look anything up,
so the place phrases it returns are resolved later with :mod:`council.matching`, within the asker's scope.
Periods are Jalali (weeks start on Saturday) and computed in Tehran time by :func:`period_bounds`;
:func:`parse_jalali_period` reads the period argument of ``/report``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

# The date separators and the clean-up of typed dates are the Jalali module's; reused, not copied.
from council.jalali import (
    _SEP,
    JalaliParseError,
    days_in_month,
    gregorian_to_jalali,
    jalali_to_gregorian,
    jalali_year_bounds,
    tehran_date,
    tehran_instant,
)
from council.jalali import _clean as clean_date_text
from council.matching import match_key
from council.submission import (
    SubmissionError,
    is_tracking_code_shaped,
    normalize_tracking_code,
    validate_council_number,
)

# --- query types


@dataclass(frozen=True)
class ByTrackingCode:
    """A tracking code, in canonical form ``NNNN-NNNN``."""

    code: str


@dataclass(frozen=True)
class MistypedTrackingCode:
    """Eight digits shaped like a tracking code whose check digit fails: «check the code», not a search."""

    text: str


@dataclass(frozen=True)
class StatusByNumber:
    """«وضعیت مصوبه ۱۲ شورای شهر سمنان»: the council's own number, and the council as typed (if any)."""

    number: str
    council_phrase: str | None


class PeriodKind(StrEnum):
    """A period relative to now, on the Jalali calendar in Tehran."""

    TODAY = "today"
    YESTERDAY = "yesterday"
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    LAST_YEAR = "last_year"


@dataclass(frozen=True)
class Overdue:
    """«مصوبات معوق شاهرود»: overdue items, in a place if one is named."""

    place_phrase: str | None


@dataclass(frozen=True)
class Objections:
    """«اعتراض‌های این ماه»: the board's objections, in a period and a place if given."""

    period: PeriodKind | None
    place_phrase: str | None


@dataclass(frozen=True)
class InPeriod:
    """«مصوبات این هفته»: resolutions submitted in a period, in a place if one is named."""

    period: PeriodKind
    place_phrase: str | None


@dataclass(frozen=True)
class FreeText:
    """Anything else: words to search for in titles and texts (comparison form, generic words left out)."""

    words: tuple[str, ...]


Query = ByTrackingCode | MistypedTrackingCode | StatusByNumber | Overdue | Objections | InPeriod | FreeText

# --- phrases (in match_key form: ZWNJ is a space, digits are ASCII, ي/ك are ی/ک)

_COMMAND = re.compile(r"^/(?:status|وضعیت)(?:@\w+)?\s*", re.IGNORECASE)
_CODE_PREFIX = re.compile(r"^(?:وضعیت\s+)?(?:(?:کد\s+)?(?:رهگیری|پیگیری)|کد)?\s*")
_RESOLUTION = r"(?:مصوبه ی|مصوبهی|مصوبه)"
_RESOLUTIONS = r"(?:مصوبات|مصوبه ?های|مصوبه ?ها)(?=\s|$)"
_STATUS = re.compile(
    rf"^(?:وضعیت|وضع)?\s*{_RESOLUTION}\s+(?:شماره\s+)?"
    r"(?P<number>\d{1,10}(?:\s*[/-]\s*[^\W_]{1,4}(?![^\W_]))?)(?P<rest>.*)$"
)
_OVERDUE = re.compile(rf"^(?:{_RESOLUTIONS}\s+)?(?:معوقات|معوقه|معوق|عقب افتاده)(?=\s|$)(?P<rest>.*)$")
_OBJECTIONS = re.compile(r"^(?:اعتراض ?های|اعتراض ?ها|اعتراضات)(?=\s|$)(?P<rest>.*)$")
_LISTING = re.compile(rf"^{_RESOLUTIONS}(?P<rest>.*)$")
_LAST = r"(?:گذشته|قبل|پیش)"
_PERIODS: tuple[tuple[re.Pattern[str], PeriodKind], ...] = tuple(
    (re.compile(rf"(?:^|\s)(?:{pattern})(?:\s|$)"), kind)
    for pattern, kind in (
        ("امروز", PeriodKind.TODAY),
        ("دیروز", PeriodKind.YESTERDAY),
        ("این هفته", PeriodKind.THIS_WEEK),
        (rf"هفته {_LAST}", PeriodKind.LAST_WEEK),
        ("این ماه", PeriodKind.THIS_MONTH),
        (rf"ماه {_LAST}", PeriodKind.LAST_MONTH),
        ("امسال|این سال", PeriodKind.THIS_YEAR),
        (rf"پارسال|سال {_LAST}", PeriodKind.LAST_YEAR),
    )
)
# Joining words left around a place after the rest of the phrase is read: «در شاهرود», «مربوط به سمنان».
_JOINERS = frozenset({"در", "از", "به", "مربوط", "برای", "ی", "را"})
# Words that say nothing about what to search for.
_STOPWORDS = frozenset(
    {"مصوبه", "مصوبات", "مصوبهی", "وضعیت", "در", "از", "به", "و", "با", "که", "را", "برای", "درباره"}
    | {"ی", "ها"}
)


def parse_query(text: str) -> Query:
    """Read a status question or a search from a message (or from the argument of ``/status``).

    Robust to Arabic ي/ك, ZWNJ or space or nothing in «اعتراض‌ها», Persian/Arabic/Latin digits, extra spaces
    and a trailing «؟». Tried in order: a tracking code (:class:`ByTrackingCode`, or
    :class:`MistypedTrackingCode` when eight digits fail the check), «وضعیت مصوبه N [شورای … NAME]»,
    «مصوبات معوق [NAME]», «اعتراض‌های [PERIOD] [NAME]», «مصوبات PERIOD [NAME]»; anything else is
    :class:`FreeText`.
    """
    key = match_key(_COMMAND.sub("", text.strip()))
    code_text = _CODE_PREFIX.sub("", key, count=1)
    if is_tracking_code_shaped(code_text):
        code = normalize_tracking_code(code_text)
        return MistypedTrackingCode(code_text) if code is None else ByTrackingCode(code)
    if status := _STATUS.match(key):
        try:
            number = validate_council_number(status["number"])
        except SubmissionError:
            number = None
        if number is not None:
            return StatusByNumber(number, _place(status["rest"]))
    if overdue := _OVERDUE.match(key):
        return Overdue(_place(overdue["rest"]))
    if objections := _OBJECTIONS.match(key):
        period, rest = _take_period(objections["rest"])
        return Objections(period, _place(rest))
    if listing := _LISTING.match(key):
        period, rest = _take_period(listing["rest"])
        if period is not None:
            return InPeriod(period, _place(rest))
    return FreeText(tuple(word for word in key.split() if word not in _STOPWORDS))


def _take_period(text: str) -> tuple[PeriodKind | None, str]:
    for pattern, kind in _PERIODS:
        if found := pattern.search(text):
            return kind, f"{text[: found.start()]} {text[found.end() :]}"
    return None, text


def _place(text: str) -> str | None:
    words = text.split()
    while words and words[0] in _JOINERS:
        words.pop(0)
    while words and words[-1] in _JOINERS:
        words.pop()
    return " ".join(words) or None


# --- periods


@dataclass(frozen=True)
class DayRange:
    """Whole Tehran days from ``first`` to ``last`` inclusive (Gregorian dates; show them as Jalali)."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        """The instant the range begins: Tehran midnight at the start of ``first`` (UTC)."""
        return tehran_instant(self.first)

    @property
    def end(self) -> dt.datetime:
        """The instant just after the range: Tehran midnight after ``last`` (UTC); the range is half-open."""
        return tehran_instant(self.last + dt.timedelta(days=1))

    def contains(self, instant: dt.datetime) -> bool:
        """Whether an aware instant falls within the range."""
        return self.start <= instant < self.end


# Python's weekday() of Saturday, the first day of the Iranian week.
_SATURDAY = 5


def period_days(kind: PeriodKind, now: dt.datetime) -> DayRange:
    """The Tehran days of the period ``kind`` as seen at the aware instant ``now``.

    Weeks run Saturday to Friday; months and years are Jalali; «this» periods are whole (they end with the
    week, month or year, not at ``now``).
    """
    today = tehran_date(now)
    if kind is PeriodKind.TODAY:
        return DayRange(today, today)
    if kind is PeriodKind.YESTERDAY:
        yesterday = today - dt.timedelta(days=1)
        return DayRange(yesterday, yesterday)
    if kind in (PeriodKind.THIS_WEEK, PeriodKind.LAST_WEEK):
        saturday = today - dt.timedelta(days=(today.weekday() - _SATURDAY) % 7)
        if kind is PeriodKind.LAST_WEEK:
            saturday -= dt.timedelta(days=7)
        return DayRange(saturday, saturday + dt.timedelta(days=6))
    year, month, _ = gregorian_to_jalali(today)
    if kind is PeriodKind.THIS_MONTH:
        return _month(year, month)
    if kind is PeriodKind.LAST_MONTH:
        return _month(year - 1, 12) if month == 1 else _month(year, month - 1)
    return _year(year if kind is PeriodKind.THIS_YEAR else year - 1)


def period_bounds(kind: PeriodKind, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The half-open span ``[start, end)`` of instants (UTC) of the period ``kind`` as seen at ``now``."""
    days = period_days(kind, now)
    return days.start, days.end


def _month(year: int, month: int) -> DayRange:
    return DayRange(
        jalali_to_gregorian(year, month, 1), jalali_to_gregorian(year, month, days_in_month(year, month))
    )


def _year(year: int) -> DayRange:
    return DayRange(*jalali_year_bounds(year))


class ReversedPeriod(ValueError):
    """A period whose end comes before its start («۱۴۰۵/۰۸ تا ۱۴۰۵/۰۷»)."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        super().__init__(f"period ends ({last}) before it starts ({first})")
        self.first = first
        self.last = last


_PART = re.compile(
    rf"(?P<year>\d{{4}})(?:\s*{_SEP}\s*(?P<month>\d{{1,2}})(?:\s*{_SEP}\s*(?P<day>\d{{1,2}}))?)?"
)
# A dash joins a range only when a year follows it: «۱۴۰۵/۰۷/۰۱-۱۴۰۵/۰۹/۳۰», «۱۴۰۵-۱۴۰۶»; within
# «۱۴۰۵-۰۷» it separates a month, which has at most two digits.
_RANGE_WORDS = frozenset({"تا", "الی", "to"})
_RANGE_WORD = re.compile(r"\s+(?:تا|الی|to)\s+|\s*\.\.\s*|(?<=\d)\s*[-\u2013]\s*(?=\d{4}(?!\d))")


def parse_jalali_period(text: str) -> DayRange:
    """Read a Jalali period: a year «۱۴۰۵», a month «۱۴۰۵/۰۸», a day «۱۴۰۵/۰۸/۱۵», or a range of any of these
    «۱۴۰۵/۰۷/۰۱ تا ۱۴۰۵/۰۸/۳۰» («از» in front is allowed; «الی» and «..» work like «تا»).

    A range runs from the first day of its start to the last day of its end. Raises
    :class:`council.jalali.JalaliParseError` (``format``, ``month`` or ``day``) or :class:`ReversedPeriod`.
    """
    cleaned = clean_date_text(text).rstrip("؟? ")
    cleaned = re.sub(r"^از\s+", "", cleaned)
    sides = _RANGE_WORD.split(cleaned)
    if len(sides) == 1:
        first, last = _part(sides[0])
        return DayRange(first, last)
    if len(sides) != 2:
        raise JalaliParseError("format", f"not a Jalali period: {text!r}")
    first, _ = _part(sides[0])
    _, last = _part(sides[1])
    if last < first:
        raise ReversedPeriod(first, last)
    return DayRange(first, last)


def _part(text: str) -> tuple[dt.date, dt.date]:
    found = _PART.fullmatch(text.strip())
    if found is None:
        raise JalaliParseError("format", f"not a Jalali year, month or day: {text!r}")
    year = int(found["year"])
    if found["month"] is None:
        days = _year(year)
        return days.first, days.last
    month = int(found["month"])
    if found["day"] is None:
        days = _month(year, month)
        return days.first, days.last
    day = jalali_to_gregorian(year, month, int(found["day"]))
    return day, day


# --- the arguments of /report


@dataclass(frozen=True)
class ReportRequest:
    """What ``/report`` asks for: a place as typed (resolved later, within the asker's scope, among counties
    and councils) and a period, relative (:class:`PeriodKind`) or Jalali (:class:`DayRange`); ``None``
    where not given."""

    place_phrase: str | None
    period: PeriodKind | DayRange | None


def parse_report_request(text: str) -> ReportRequest:
    """Read the arguments of ``/report``: ``[place] [period]``, in either order.

    A relative period («این ماه», «ماه گذشته», «امسال» …) is found as in :func:`parse_query`; otherwise the
    words from the first one holding a digit to the last one (with an «از» just before) are a Jalali period
    for :func:`parse_jalali_period`, whose errors (:class:`~council.jalali.JalaliParseError`,
    :class:`ReversedPeriod`) are raised as they are. The other words are the place.
    """
    kind, rest = _take_period(match_key(text))
    if kind is not None:
        return ReportRequest(_place(rest), kind)
    words = clean_date_text(text).split()
    dated = [number for number, word in enumerate(words) if any(char.isdigit() for char in word)]
    if not dated:
        return ReportRequest(_place(" ".join(words)), None)
    first, last = dated[0], dated[-1]
    if first > 0 and words[first - 1] == "از":
        first -= 1
    # A range left open («۱۴۰۵/۰۷ تا») is an unreadable period, not a place called «تا».
    if last + 1 < len(words) and words[last + 1] in _RANGE_WORDS:
        last += 1
    period = parse_jalali_period(" ".join(words[first : last + 1]))
    return ReportRequest(_place(" ".join(words[:first] + words[last + 1 :])), period)
