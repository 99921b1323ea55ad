"""What the officials' daily digest says (DESIGN §5): what is due in the next days, what is overdue and what
lapsed since yesterday's digest, in the official's scope — a few lines each, with the totals.

Every user-facing string comes from the catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Protocol

from aiogram.utils.i18n import gettext as _

from council.jalali import format_jalali_date, format_jalali_datetime
from council.text import to_persian_digits
from handlers.status_views import time_left_text
from handlers.views import excerpt, tracking_code_text

#: "Due soon" means a deadline within this much of the digest.
DUE_SOON = dt.timedelta(days=3)
#: Lines shown per section; the rest is counted.
ITEMS = 5


class DigestItem(Protocol):
    """One resolution in a digest section."""

    @property
    def tracking_code(self) -> str: ...
    @property
    def council_name(self) -> str: ...
    @property
    def council_number(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def at(self) -> dt.datetime | None: ...


class Section(Protocol):
    """A section's rows (at most :data:`ITEMS`) and how many there are in all (more, when ``capped``)."""

    @property
    def rows(self) -> Sequence[DigestItem]: ...
    @property
    def total(self) -> int: ...
    @property
    def capped(self) -> bool: ...


def _item_line(n: int, item: DigestItem) -> str:
    return _("{n}. {code} — {council}, No. {number} — {title}").format(
        n=to_persian_digits(n),
        code=tracking_code_text(item.tracking_code),
        council=item.council_name,
        number=to_persian_digits(item.council_number),
        title=excerpt(item.title, 60),
    )


def _section(head: str, section: Section, detail: Callable[[dt.datetime], str]) -> str:
    lines = [head.format(n=to_persian_digits(section.total))]
    for n, item in enumerate(section.rows, 1):
        lines.append(_item_line(n, item))
        if item.at is not None:
            lines.append("   " + detail(item.at))
    more = section.total - len(section.rows)
    if section.capped:
        lines.append(_("… and more than {n} more").format(n=to_persian_digits(more)))
    elif more > 0:
        lines.append(_("… and {n} more").format(n=to_persian_digits(more)))
    return "\n".join(lines)


def digest_text(day: dt.date, now: dt.datetime, due_soon: Section, overdue: Section, lapsed: Section) -> str:
    """The digest of the Tehran day ``day``, as seen at ``now``."""
    head = _("Daily digest — {date}").format(date=format_jalali_date(day))
    if not (due_soon.total or overdue.total or lapsed.total):
        return "\n".join(
            [head, "", _("Nothing is due in the next three days, overdue or lapsed in your area.")]
        )
    parts = [head]
    if due_soon.total:
        parts.append(
            _section(
                _("Due in the next three days: {n}"),
                due_soon,
                lambda at: _("deadline {deadline} ({left})").format(
                    deadline=format_jalali_datetime(at), left=time_left_text(now, at)
                ),
            )
        )
    if overdue.total:
        parts.append(
            _section(
                _("Overdue: {n}"),
                overdue,
                lambda at: _("deadline was {at}").format(at=format_jalali_datetime(at)),
            )
        )
    if lapsed.total:
        parts.append(
            _section(
                _("Enforceable by lapse since yesterday's digest: {n}"),
                lapsed,
                lambda at: _("lapsed at {at}").format(at=format_jalali_datetime(at)),
            )
        )
    parts.append(_("Send a tracking code to see a resolution's full card."))
    return "\n\n".join(parts)
