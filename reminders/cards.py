"""What a reminder says and offers (DESIGN §5): the resolution's summary, the time left in words, the same
buttons as the notice it recalls (open, vote, answer the objection) and the snooze buttons.

Every user-facing string comes from the catalogue.
"""

from __future__ import annotations

import datetime as dt

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from council.jalali import format_jalali_datetime
from council.roles import Role
from handlers.callbacks import SnoozeCallback
from handlers.review_views import (
    RECONSIDERATION_PURPOSE,
    REVIEW_PURPOSE,
    button,
    code_of,
    reconsideration_keyboard,
    review_keyboard,
)
from handlers.status_views import time_left_text
from storage.resolutions import ResolutionRecord

from .planning import ReminderKind

SNOOZE_CHOICES = ("1h", "3h", "tomorrow_morning")


def deadline_of(kind: ReminderKind, record: ResolutionRecord) -> dt.datetime | None:
    """The deadline a reminder counts down to."""
    if kind == ReminderKind.SECRETARY_RECONSIDERATION_DUE:
        return record.reconsideration_deadline
    return record.review_deadline


def reminder_text(kind: ReminderKind, record: ResolutionRecord, now: dt.datetime) -> str:
    """The reminder's words: what is awaited, the resolution's summary and the time left."""
    code = code_of(record)
    if kind == ReminderKind.MEMBER_VOTE_DUE:
        head = _("Reminder: resolution {code} is waiting for your vote.").format(code=code)
    elif kind == ReminderKind.BOARD_SECRETARY_LAST_DAY:
        head = _(
            "Last day: the review window of resolution {code} closes tonight. Without a conflict majority "
            "by then it becomes enforceable by lapse."
        ).format(code=code)
    else:
        head = _(
            "Reminder: the board objected to resolution {code}; the council's answer (amend, revoke or "
            "insist) is due."
        ).format(code=code)
    lines = [
        head,
        "",
        _("Council: {name}").format(name=record.council_name),
        _("Title: {value}").format(value=record.title),
    ]
    deadline = deadline_of(kind, record)
    if deadline is not None:
        lines.append(
            _("Deadline: {deadline} — {left}").format(
                deadline=format_jalali_datetime(deadline), left=time_left_text(now, deadline)
            )
        )
    return "\n".join(lines)


def snooze_row(owner: int, reminder_id: int) -> list[InlineKeyboardButton]:
    labels = {"1h": _("1 hour"), "3h": _("3 hours"), "tomorrow_morning": _("Tomorrow morning")}
    return [
        button(labels[choice], SnoozeCallback(owner=owner, rem=reminder_id, choice=choice).pack())
        for choice in SNOOZE_CHOICES
    ]


def reminder_keyboard(
    kind: ReminderKind, owner: int, reminder_id: int, record: ResolutionRecord, roles: list[Role]
) -> tuple[InlineKeyboardMarkup, str]:
    """The buttons of the notice the reminder recalls, plus snoozing; and the purpose they are tracked
    under (they go when their act does)."""
    if kind == ReminderKind.SECRETARY_RECONSIDERATION_DUE:
        acts = reconsideration_keyboard(owner, record.id, record.cycle)
        purpose = RECONSIDERATION_PURPOSE
    else:
        acts = review_keyboard(owner, record, roles) or InlineKeyboardMarkup(inline_keyboard=[])
        purpose = REVIEW_PURPOSE
    rows = [*acts.inline_keyboard, snooze_row(owner, reminder_id)]
    return InlineKeyboardMarkup(inline_keyboard=rows), purpose


def snoozed_text(at: dt.datetime) -> str:
    return _("I will remind you again on {at}.").format(at=format_jalali_datetime(at))


def snooze_gone_text() -> str:
    return _("This reminder is no longer active.")
