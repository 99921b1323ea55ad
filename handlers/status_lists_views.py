"""The words of list answers (issue 6): overdue cases, objections and submissions of a period, and the
results of a free-text search — a header with the count, one numbered item per resolution, and a tip."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from council.jalali import format_jalali_date, format_jalali_datetime
from council.queries import DayRange, PeriodKind
from council.text import to_persian_digits
from storage.lists import DeadlineKind, Listing, ListRow

from .callbacks import ListCallback
from .status_views import duration_words
from .views import excerpt, status_label, tracking_code_text

#: How long a title may be in a list line.
TITLE_LIMIT = 60


def period_label(kind: PeriodKind) -> str:
    labels = {
        PeriodKind.TODAY: _("today"),
        PeriodKind.YESTERDAY: _("yesterday"),
        PeriodKind.THIS_WEEK: _("this week"),
        PeriodKind.LAST_WEEK: _("last week"),
        PeriodKind.THIS_MONTH: _("this month"),
        PeriodKind.LAST_MONTH: _("last month"),
        PeriodKind.THIS_YEAR: _("this year"),
        PeriodKind.LAST_YEAR: _("last year"),
    }
    return labels[kind]


def days_text(days: DayRange) -> str:
    """«۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰», or one date for a single day."""
    if days.first == days.last:
        return format_jalali_date(days.first)
    return _("{first} to {last}").format(
        first=format_jalali_date(days.first), last=format_jalali_date(days.last)
    )


def _in_place(place: str | None) -> str:
    return _(" in {place}").format(place=place) if place else ""


def overdue_title(place: str | None) -> str:
    if place:
        return _("Overdue resolutions in {place}").format(place=place)
    return _("Overdue resolutions within your area")


def objections_title(period: PeriodKind, days: DayRange, place: str | None) -> str:
    return _("Objections of {period}{place} ({days})").format(
        period=period_label(period), place=_in_place(place), days=days_text(days)
    )


def in_period_title(period: PeriodKind, days: DayRange, place: str | None) -> str:
    return _("Resolutions of {period}{place} ({days})").format(
        period=period_label(period), place=_in_place(place), days=days_text(days)
    )


def search_title(words: Sequence[str]) -> str:
    return _("Search for «{words}»").format(words=" ".join(words))


def late_text(deadline: dt.datetime, now: dt.datetime) -> str:
    """«۳ روز و ۲ ساعت تأخیر»: the two largest units since ``deadline`` (days and hours, or hours and
    minutes); at least a minute."""
    parts = duration_words(deadline, now) or _("{n} minute").format(n=to_persian_digits(1))
    return _("{parts} late").format(parts=parts)


def deadline_label(kind: DeadlineKind) -> str:
    labels = {
        DeadlineKind.REVIEW: _("the board's review deadline"),
        DeadlineKind.RECONSIDERATION: _("the council's answer deadline"),
        DeadlineKind.ESCALATION: _("the dispute authority's deadline"),
    }
    return labels[kind]


def _item(n: int, row: ListRow) -> str:
    return _("{n}. {code} — {council}, No. {number} — {title}").format(
        n=to_persian_digits(n),
        code=tracking_code_text(row.tracking_code),
        council=row.council_name,
        number=to_persian_digits(row.council_number),
        title=excerpt(row.title, TITLE_LIMIT),
    )


def overdue_detail(row: ListRow, now: dt.datetime) -> str:
    assert row.at is not None and row.deadline is not None
    status, deadline = status_label(row.status), deadline_label(row.deadline)
    return f"{status} — {deadline}: {format_jalali_datetime(row.at)} ({late_text(row.at, now)})"


def objection_detail(row: ListRow) -> str:
    assert row.at is not None
    return _("objected on {when}; now: {status}").format(
        when=format_jalali_datetime(row.at), status=status_label(row.status)
    )


def submitted_detail(row: ListRow) -> str:
    assert row.at is not None
    return _("submitted on {when} — {status}").format(
        when=format_jalali_datetime(row.at), status=status_label(row.status)
    )


def count_text(listing: Listing) -> str:
    n = to_persian_digits(listing.total)
    if listing.capped:
        return _("more than {n} items").format(n=n)
    if not listing.exact:
        return _("at least {n} items").format(n=n)
    return _("{n} items").format(n=n)


def list_text(title: str, listing: Listing, details: Sequence[str]) -> str:
    """The answer: «TITLE: N items», the numbered items with their detail lines, a note when only the
    first ones are shown, and the tip; or «TITLE: nothing found.»"""
    if not listing.rows:
        return _("{title}: nothing found.").format(title=title)
    lines = [f"{title}: {count_text(listing)}"]
    for n, (row, detail) in enumerate(zip(listing.rows, details, strict=True), 1):
        lines.append(_item(n, row))
        lines.append("   " + detail)
    if listing.capped or not listing.exact or listing.total > len(listing.rows):
        lines.append(_("The first {n} are shown.").format(n=to_persian_digits(len(listing.rows))))
    lines.append("")
    lines.append(_("Send a tracking code to see its full card."))
    return "\n".join(lines)


def find_usage_text() -> str:
    return _("Send the words to look for after the command, for example /find پارکینگ طبقاتی")


def which_place_text() -> str:
    return _("Which council or county do you mean?")


def which_place_keyboard(
    owner: int, kind: str, period: str, choices: Sequence[tuple[str, str]]
) -> InlineKeyboardMarkup:
    """One button per ``(unit, name)``; ``unit`` is ``k<county id>`` or ``c<council id>``."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=name,
                    callback_data=ListCallback(owner=owner, kind=kind, period=period, unit=unit).pack(),
                )
            ]
            for unit, name in choices
        ]
    )
