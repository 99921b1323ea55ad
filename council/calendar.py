"""Working days in Iran: the weekly holiday, official holidays and admin-declared closures (DESIGN §3).

Official holidays come from the ``holidays`` package (country ``IR``, Persian names). Lunar holidays
far enough ahead are estimates; the package says so in the name («(تخمینی)») and we keep its names
as given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

import holidays

from council.jalali import jalali_year_bounds
from council.rules import StatutoryRules

FRIDAY = 4
_ONE_DAY = dt.timedelta(days=1)


class DayOffKind(StrEnum):
    """Why a day is not a working day."""

    WEEKLY = "weekly"
    OFFICIAL = "official"
    CLOSURE = "closure"


@dataclass(frozen=True, slots=True)
class DayOff:
    """A day that is not a working day, with every reason it is off.

    ``kinds`` is in the order weekly, official, closure; ``names`` holds the official holiday names
    and then the closure's text (a weekly holiday has no name).
    """

    date: dt.date
    kinds: tuple[DayOffKind, ...]
    names: tuple[str, ...]


@lru_cache(maxsize=32)
def _official_holidays(gregorian_year: int) -> Mapping[dt.date, tuple[str, ...]]:
    # Building a holidays object is slow and deadline math asks for it constantly: once per year.
    calendar = holidays.country_holidays("IR", years=gregorian_year, language="fa_IR")
    return MappingProxyType({day: tuple(calendar.get_list(day)) for day in sorted(calendar)})


def official_holiday_names(date: dt.date) -> tuple[str, ...]:
    """Names (Persian) of the official holidays of Iran on ``date``; empty on other days."""
    return _official_holidays(date.year).get(date, ())


class WorkingCalendar:
    """Which days are working days.

    ``weekly_holidays`` are Python weekday numbers (Monday=0 … Sunday=6; Friday=4).
    ``official_holidays`` switches Iran's official holidays on or off. ``closures`` maps a date to the
    reason an admin closed offices that day (e.g. air pollution).
    """

    __slots__ = ("_closures", "official_holidays", "weekly_holidays")

    def __init__(
        self,
        weekly_holidays: frozenset[int] = frozenset({FRIDAY}),
        official_holidays: bool = True,
        closures: Mapping[dt.date, str] | None = None,
    ) -> None:
        if not all(0 <= day <= 6 for day in weekly_holidays):
            raise ValueError(f"weekday numbers are 0 (Monday) … 6 (Sunday), got {sorted(weekly_holidays)}")
        if len(weekly_holidays) == 7:
            raise ValueError("a week needs at least one working day")
        self.weekly_holidays = frozenset(weekly_holidays)
        self.official_holidays = official_holidays
        self._closures: Mapping[dt.date, str] = MappingProxyType(dict(closures or {}))

    @classmethod
    def from_rules(
        cls, rules: StatutoryRules, closures: Mapping[dt.date, str] | None = None
    ) -> WorkingCalendar:
        """The calendar the configured rules describe: their weekly holidays, official holidays on."""
        return cls(weekly_holidays=rules.weekly_holidays, official_holidays=True, closures=closures)

    @property
    def closures(self) -> Mapping[dt.date, str]:
        """The admin-declared closures, read-only."""
        return self._closures

    def day_off(self, date: dt.date) -> DayOff | None:
        """Every reason ``date`` is off, or ``None`` for a working day."""
        kinds: list[DayOffKind] = []
        names: list[str] = []
        if date.weekday() in self.weekly_holidays:
            kinds.append(DayOffKind.WEEKLY)
        official = official_holiday_names(date) if self.official_holidays else ()
        if official:
            kinds.append(DayOffKind.OFFICIAL)
            names.extend(official)
        closure = self._closures.get(date)
        if closure is not None:
            kinds.append(DayOffKind.CLOSURE)
            names.append(closure)
        return DayOff(date, tuple(kinds), tuple(names)) if kinds else None

    def day_off_reasons(self, date: dt.date) -> list[str]:
        """Why ``date`` is off: ``"weekly"`` for the weekly holiday, then official holiday names, then
        the closure's text. Empty for a working day."""
        off = self.day_off(date)
        if off is None:
            return []
        weekly = [DayOffKind.WEEKLY.value] if DayOffKind.WEEKLY in off.kinds else []
        return weekly + list(off.names)

    def is_working_day(self, date: dt.date, *, count_closures: bool = True) -> bool:
        """Whether offices work on ``date``; ``count_closures=False`` ignores admin closures."""
        if date.weekday() in self.weekly_holidays:
            return False
        if self.official_holidays and official_holiday_names(date):
            return False
        return not (count_closures and date in self._closures)

    def next_working_day(self, date: dt.date, *, count_closures: bool = True) -> dt.date:
        """``date`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(date, count_closures=count_closures):
            date += _ONE_DAY
        return date

    def days_off_in_jalali_year(self, year: int, *, include_weekly: bool = True) -> list[DayOff]:
        """Every day off from 1 Farvardin to the last day of Esfand of Jalali ``year``, in date order.

        With ``include_weekly=False`` days whose only reason is the weekly holiday are left out (a
        Friday that is also an official holiday stays).
        """
        first, last = jalali_year_bounds(year)
        days: list[DayOff] = []
        date = first
        while date <= last:
            off = self.day_off(date)
            if off is not None and (include_weekly or off.kinds != (DayOffKind.WEEKLY,)):
                days.append(off)
            date += _ONE_DAY
        return days
