"""A Jalali month picker as an inline keyboard: month paging, Persian digits, the week from Saturday."""

from __future__ import annotations

import datetime as dt

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from council.jalali import days_in_month, gregorian_to_jalali, jalali_to_gregorian
from council.text import to_persian_digits

from .callbacks import CalendarCallback

#: Placeholder label of an empty cell (a button needs some text).
BLANK = "·"


def month_name(month: int) -> str:
    """The name of Jalali month ``month`` (1–12)."""
    names = (
        _("Farvardin"),
        _("Ordibehesht"),
        _("Khordad"),
        _("Tir"),
        _("Mordad"),
        _("Shahrivar"),
        _("Mehr"),
        _("Aban"),
        _("Azar"),
        _("Dey"),
        _("Bahman"),
        _("Esfand"),
    )
    return names[month - 1]


def weekday_initials() -> list[str]:
    """Initials of the days of the Iranian week, Saturday first."""
    return [
        _("Sa"),
        _("Su"),
        _("Mo"),
        _("Tu"),
        _("We"),
        _("Th"),
        _("Fr"),
    ]


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """The Jalali (year, month) ``delta`` months after (year, month)."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def calendar_rows(owner: int, year: int, month: int) -> list[list[InlineKeyboardButton]]:
    """The keyboard rows of Jalali ``year``/``month``: paging, weekday initials, then the days."""

    def noop(label: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=label, callback_data=CalendarCallback(owner=owner, action="noop").pack()
        )

    def nav(label: str, delta: int) -> InlineKeyboardButton:
        y, m = shift_month(year, month, delta)
        return InlineKeyboardButton(
            text=label, callback_data=CalendarCallback(owner=owner, action="nav", year=y, month=m).pack()
        )

    title = f"{month_name(month)} {to_persian_digits(year)}"
    rows = [[nav(_("‹ Previous month"), -1), noop(title), nav(_("Next month ›"), 1)]]
    rows.append([noop(initial) for initial in weekday_initials()])
    first = jalali_to_gregorian(year, month, 1)
    # Python counts Monday as 0; the Iranian week starts on Saturday (Python's 5).
    lead = (first.weekday() + 2) % 7
    cells = [noop(BLANK)] * lead
    for day in range(1, days_in_month(year, month) + 1):
        cells.append(
            InlineKeyboardButton(
                text=to_persian_digits(day),
                callback_data=CalendarCallback(
                    owner=owner, action="pick", year=year, month=month, day=day
                ).pack(),
            )
        )
    cells += [noop(BLANK)] * (-len(cells) % 7)
    rows += [cells[i : i + 7] for i in range(0, len(cells), 7)]
    return rows


def month_of(date: dt.date) -> tuple[int, int]:
    """The Jalali (year, month) ``date`` falls in."""
    year, month, _day = gregorian_to_jalali(date)
    return year, month
