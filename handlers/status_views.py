"""The words of status answers: the status card with deadlines, votes and timeline, and the refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from council.deadlines import time_left_parts
from council.jalali import format_jalali_datetime
from council.review import Vote
from council.reviewing import (
    AMENDED_EVENT,
    INSISTED_EVENT,
    LAPSED_EVENT,
    OPINION_EVENT,
    OUTCOME_EVENT,
    RECONSIDERATION_LAPSED_EVENT,
    REVOKED_EVENT,
    RULED_EVENT,
    VOTE_CAST_EVENT,
)
from council.status import Status
from council.submitting import SUBMITTED_EVENT
from council.text import to_persian_digits
from storage.resolutions import ResolutionRecord
from storage.status import Awaited, CouncilName, PendingItem, TimelineEntry

from .callbacks import StatusCallback
from .review_views import choice_label, votes_so_far_text
from .translation import gettext as _
from .views import excerpt, identity_lines, late_note, status_label, tracking_code_text

#: Events only the board and officials see in a timeline: who voted how, and the experts' opinions.
BOARD_ONLY_EVENTS = frozenset({VOTE_CAST_EVENT, OPINION_EVENT})


def _unit(n: int, one: str, many: str) -> str:
    return (one if n == 1 else many).format(n=to_persian_digits(n))


def duration_words(start: dt.datetime, end: dt.datetime) -> str | None:
    """«۲ روز و ۳ ساعت»: the two largest units from ``start`` to ``end`` (days and hours, or hours and
    minutes); ``None`` when less than a minute."""
    days, hours, minutes = time_left_parts(start, end)
    parts = []
    if days:
        parts.append(_unit(days, _("{n} day"), _("{n} days")))
    if hours:
        parts.append(_unit(hours, _("{n} hour"), _("{n} hours")))
    if minutes and not days:
        parts.append(_unit(minutes, _("{n} minute"), _("{n} minutes")))
    return _(" and ").join(parts[:2]) if parts else None


def time_left_text(now: dt.datetime, deadline: dt.datetime) -> str:
    """«۲ روز و ۳ ساعت مانده»: the two largest units left (days and hours, or hours and minutes)."""
    parts = duration_words(now, deadline)
    if parts is None:
        return _("the deadline has passed")
    return _("{parts} left").format(parts=parts)


def not_found_text() -> str:
    """The one answer for a resolution that does not exist and for one outside the asker's scope."""
    return _("No resolution with these details was found.")


def mistyped_code_text() -> str:
    return _("This tracking code is not valid; check its digits and send it again.")


def status_usage_text() -> str:
    return _("Send a tracking code, for example /status 1234-5678, or ask «وضعیت مصوبه ۱۲ شورای شهر سمنان».")


def which_council_text(number: str) -> str:
    return _("Which council's resolution {number} do you mean?").format(number=to_persian_digits(number))


def name_the_council_text(number: str, councils: int) -> str:
    return _(
        "{councils} councils in your area have a resolution No. {number}. Write the council's name too, "
        "for example: «وضعیت مصوبه {number} شورای شهر سمنان»."
    ).format(councils=to_persian_digits(councils), number=to_persian_digits(number))


def which_council_keyboard(owner: int, number: str, councils: Sequence[CouncilName]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=council.name,
                    callback_data=StatusCallback(owner=owner, council=council.id, number=number).pack(),
                )
            ]
            for council in councils
        ]
    )


def _deadline_line(record: ResolutionRecord, now: dt.datetime) -> str | None:
    status = record.status
    if status is Status.UNDER_REVIEW and record.review_deadline is not None:
        label, deadline = _("Review deadline: {value}"), record.review_deadline
    elif status is Status.OBJECTED and record.reconsideration_deadline is not None:
        label, deadline = _("The council's answer is due by: {value}"), record.reconsideration_deadline
    elif status is Status.ESCALATED and record.escalation_deadline is not None:
        label, deadline = _("The dispute authority's deadline: {value}"), record.escalation_deadline
    else:
        return None
    return label.format(value=f"{format_jalali_datetime(deadline)} ({time_left_text(now, deadline)})")


#: Events that say the status they left the resolution in: their words, looked up only for the one shown.
_STATUS_EVENTS: dict[str, Callable[[], str]] = {
    RULED_EVENT: lambda: _("the board ruled: {status}"),
    LAPSED_EVENT: lambda: _("the review window lapsed: {status}"),
    RECONSIDERATION_LAPSED_EVENT: lambda: _("no answer from the council in time: {status}"),
    OUTCOME_EVENT: lambda: _("final outcome recorded: {status}"),
}


def event_text(entry: TimelineEntry) -> str | None:
    """What one event of the timeline says; ``None`` for events the timeline does not show."""
    kind, payload = entry.kind, entry.payload
    if kind == SUBMITTED_EVENT:
        return _("submitted to the conformity board by {actor}").format(actor=entry.actor or "")
    if kind == VOTE_CAST_EVENT:
        return _("{actor} voted: {choice}").format(
            actor=entry.actor or "", choice=choice_label(str(payload.get("choice", "")))
        )
    if kind == OPINION_EVENT:
        return _("expert opinion of {actor}: {finding}").format(
            actor=entry.actor or "", finding=choice_label(str(payload.get("finding", "")))
        )
    words = _STATUS_EVENTS.get(kind)
    if words is not None:
        return words().format(status=status_label(str(payload.get("status", ""))))
    if kind == AMENDED_EVENT:
        return _("the council amended the text (version {version}); a new review began").format(
            version=to_persian_digits(str(payload.get("version", "")))
        )
    if kind == INSISTED_EVENT:
        return _("the council insisted on the resolution: {status}").format(
            status=status_label(Status.ESCALATED)
        )
    if kind == REVOKED_EVENT:
        return _("the council revoked the resolution")
    return None


def card_parts(
    record: ResolutionRecord,
    timeline: Sequence[TimelineEntry],
    votes: Sequence[tuple[str, Vote]] | None,
    seats: int,
) -> tuple[str, str]:
    """The status card's words before and after its deadline line, the one line that depends on the time
    (see :func:`status_card`): they change only with the resolution, its history and the language."""
    status = _("Status: {value}").format(value=status_label(record.status))
    head = "\n".join([*identity_lines(record), status])
    tail = "\n" + late_note(True) if record.late else ""
    parts = []
    if votes is not None:
        parts.append(votes_so_far_text(votes, seats))
    shown = [
        (entry.at, text)
        for entry in timeline
        if (votes is not None or entry.kind not in BOARD_ONLY_EVENTS)
        and (text := event_text(entry)) is not None
    ]
    if shown:
        parts.append(
            "\n".join([_("Timeline:")] + [f"• {format_jalali_datetime(at)} — {text}" for at, text in shown])
        )
    if parts:
        tail += "\n\n" + "\n\n".join(parts)
    return head, tail


def card_at(head: str, tail: str, record: ResolutionRecord, now: dt.datetime) -> str:
    """The card of :func:`card_parts`' ``head`` and ``tail`` with the open deadline and the time left at
    ``now`` between them."""
    deadline = _deadline_line(record, now)
    return head + tail if deadline is None else f"{head}\n{deadline}{tail}"


def status_card(
    record: ResolutionRecord,
    now: dt.datetime,
    timeline: Sequence[TimelineEntry],
    votes: Sequence[tuple[str, Vote]] | None,
    seats: int,
) -> str:
    """The status card: council, number, title, status, the open deadline with the time left, the late
    note, the votes so far (``None``: not for this person) and the timeline in Jalali."""
    head, tail = card_parts(record, timeline, votes, seats)
    return card_at(head, tail, record, now)


def awaited_label(awaited: Awaited) -> str:
    labels = {
        Awaited.VOTE: _("your vote"),
        Awaited.OPINION: _("your expert opinion"),
        Awaited.ANSWER: _("your council's answer to the objection"),
        Awaited.RULING: _("the board's ruling"),
        Awaited.OUTCOME: _("the final outcome"),
    }
    return labels[awaited]


def pending_text(items: Sequence[PendingItem], now: dt.datetime) -> str:
    """/pending: what waits for the person, soonest deadline first."""
    if not items:
        return _("Nothing is waiting for you now.")
    lines = [_("Waiting for you, soonest deadline first:")]
    for n, item in enumerate(items, 1):
        lines.append(
            _("{n}. {code} — {council}, No. {number} — {title}").format(
                n=to_persian_digits(n),
                code=tracking_code_text(item.tracking_code),
                council=item.council_name,
                number=to_persian_digits(item.council_number),
                title=excerpt(item.title, 60),
            )
        )
        awaited = awaited_label(item.awaited)
        if item.deadline is not None:
            awaited = _("{what}: by {deadline} ({left})").format(
                what=awaited,
                deadline=format_jalali_datetime(item.deadline),
                left=time_left_text(now, item.deadline),
            )
        lines.append("   " + awaited)
    return "\n".join(lines)
