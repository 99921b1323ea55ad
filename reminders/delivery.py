"""Reminder rows: re-planned from each changed resolution, then sent when due (DESIGN §5).

**Re-planning.** Every act that can change who is reminded of what — a submission, a vote, any status
change (ruling, lapse, objection, answer, escalation, amendment) — sets the resolution's
``replan_reminders`` flag in the same transaction as the act (``storage``). Each sweep re-plans the
flagged resolutions under the resolution's lock (acts on it wait), applies the :func:`~.planning.replan`
diff and clears the flag, all in one transaction. So no act can slip between the plan and the flag, the
storage needs no knowledge of the planning rules (they live here, above it), and a re-plan costs
nothing for the resolutions that did not change. Not covered: a member enrolled in the middle of a
window is reminded from the next act on the resolution.

**Sending.** Due rows are claimed one by one with a conditional update (``pending`` → ``sending``) and
the claim is committed before the message goes out; the outcome (``sent`` with the message id, or
``dropped``) is committed right after. Several sweeps or bot instances never send one row twice. A
crash between the platform's accepting the message and that commit leaves the row ``sending``; after
:data:`LEASE` it is sent again — the at-least-once window: at most one message per recipient being
served at the moment of the crash (the rows are sent one recipient at a time), plus the rare retried
send whose first attempt did arrive (see ``bot.outgoing``).

Before sending, a claimed row is checked: events may have overtaken it (``should_drop``: the member
voted, the window closed, a new cycle began) or its moment passed (``still_matters``) — then it is
dropped; a non-urgent one that comes due in its person's quiet hours goes back to wait for their end.
Lapse and escalation notices are not rows: the sweep's lapse step announces them itself
(``handlers.notices.announce``), and the objection letter is the secretaries' "objection received".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import Clock
from council.rules import StatutoryRules
from council.status import Status
from handlers.review_views import roles_on
from storage.models import Person
from storage.reminders import DROPPED, SENT, UNREACHABLE, ReminderRow, ReminderSubject
from storage.repository import Repository

from .cards import deadline_of, reminder_keyboard, reminder_text
from .planning import (
    PlannedReminder,
    ReminderKey,
    ReminderKind,
    defer_for_quiet_hours,
    in_quiet_hours,
    plan_reconsideration_reminders,
    plan_review_reminders,
    replan,
    should_drop,
    still_matters,
)

log = logging.getLogger(__name__)

#: How many resolutions one run re-plans, and how many due rows it takes on; the rest wait for the next.
REPLAN_BATCH = 1000
SEND_BATCH = 2000
#: A row claimed longer ago than this and never recorded belongs to a sweep that died: send it again.
LEASE = dt.timedelta(minutes=10)
#: Recipients served at once; each one's reminders go one after the other (flood control paces them).
CONCURRENCY = 32


@dataclass(slots=True)
class DeliveryReport:
    """What one run did with reminders."""

    replanned: int = 0
    sent: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    #: Daily digests sent, and those dropped or deferred (``reminders.digest``).
    digests: list[int] = field(default_factory=list)
    digests_skipped: list[int] = field(default_factory=list)


# --- planning


def plan_for(subject: ReminderSubject, now: dt.datetime) -> list[PlannedReminder]:
    """The reminders a resolution in ``subject``'s state should have, as planned at ``now``."""
    opened = subject.status_at
    if subject.status == Status.UNDER_REVIEW and subject.review_deadline and opened:
        return plan_review_reminders(
            subject.resolution_id,
            subject.cycle,
            subject.review_deadline,
            subject.members_not_voted,
            subject.board_secretaries,
            now,
            opened_at=opened,
        )
    if subject.status == Status.OBJECTED and subject.reconsideration_deadline and opened:
        planned = plan_reconsideration_reminders(
            subject.resolution_id,
            subject.cycle,
            opened,
            subject.reconsideration_deadline,
            subject.council_secretaries,
            now,
        )
        # The objection letter (handlers.notices) is the "objection received" message.
        return [r for r in planned if r.kind != ReminderKind.SECRETARY_OBJECTION_RECEIVED]
    return []


def _key(key: tuple[int, int, int, str, str]) -> ReminderKey:
    resolution_id, cycle, recipient, kind, label = key
    return (resolution_id, cycle, recipient, ReminderKind(kind), label)


def _stored(reminder: PlannedReminder) -> ReminderRow:
    assert reminder.resolution_id is not None
    return ReminderRow(
        reminder.resolution_id,
        reminder.cycle,
        reminder.recipient_id,
        reminder.kind.value,
        reminder.offset_label,
        reminder.urgent,
        reminder.due_at,
        reminder.due_at,
    )


def _planned(row: ReminderRow) -> PlannedReminder:
    return PlannedReminder(
        row.resolution_id,
        row.cycle,
        row.recipient_id,
        ReminderKind(row.kind),
        row.planned_at,
        row.urgent,
        row.offset_label,
    )


async def replan_changed(sessions: async_sessionmaker[AsyncSession], clock: Clock, now: dt.datetime) -> int:
    """Re-plan the reminders of every resolution changed since the last run; how many were re-planned."""
    async with sessions() as session:
        changed = await Repository(session, clock).reminders.to_replan(REPLAN_BATCH)
    for resolution_id in changed:
        async with sessions() as session:
            store = Repository(session, clock).reminders
            subject = await store.subject(resolution_id)
            if subject is None:
                continue
            pending, done = await store.stored(resolution_id)
            diff = replan(
                {_key(key): at for key, at in pending.items()},
                plan_for(subject, now),
                [_key(key) for key in done],
            )
            await store.apply_plan(
                [_stored(r) for r in diff.to_add],
                [
                    (rid or 0, cycle, who, kind.value, label)
                    for rid, cycle, who, kind, label in diff.to_delete
                ],
                [_stored(r) for r in diff.to_reschedule],
            )
            await store.planned(resolution_id)
            await session.commit()
    return len(changed)


# --- sending


@dataclass(slots=True)
class Sender:
    """What sending needs of the running application."""

    bot: Bot
    sessions: async_sessionmaker[AsyncSession]
    i18n: I18n
    clock: Clock
    rules: StatutoryRules


async def due_reminders(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, now: dt.datetime
) -> list[ReminderRow]:
    """The rows due at ``now`` (after releasing those whose sweep died; see :data:`LEASE`)."""
    async with sessions() as session:
        store = Repository(session, clock).reminders
        await store.release_stale(now, LEASE)
        due = await store.due(now, SEND_BATCH)
        await session.commit()
    return due


async def send_due(sender: Sender, now: dt.datetime, report: DeliveryReport) -> None:
    """Send every reminder due at ``now``: recipients in parallel, each one's reminders in order."""
    by_recipient: dict[int, list[ReminderRow]] = defaultdict(list)
    for row in await due_reminders(sender.sessions, sender.clock, now):
        by_recipient[row.recipient_id].append(row)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def serve(rows: list[ReminderRow]) -> None:
        async with gate:
            for row in rows:
                try:
                    await _send_one(sender, row, now, report)
                except Exception:
                    log.exception("could not send reminder %s", row.id)
                    report.failed.append(row.id)

    await asyncio.gather(*(serve(rows) for rows in by_recipient.values()))


async def _send_one(sender: Sender, row: ReminderRow, now: dt.datetime, report: DeliveryReport) -> None:
    async with sender.sessions() as session:
        repo = Repository(session, sender.clock)
        store = repo.reminders
        if not await store.claim(row.id, now):
            return  # another sweep has it, or it was re-planned away
        await session.commit()

        person = await repo.get_person(row.recipient_id)
        record = await repo.resolutions.record(row.resolution_id)
        if person is None or person.unreachable:
            await store.finish(row.id, UNREACHABLE, now)
            await session.commit()
            return
        planned = _planned(row)
        voted = False
        if record is not None and planned.kind == ReminderKind.MEMBER_VOTE_DUE:
            votes = await repo.reviews.votes(record.id, record.cycle)
            voted = any(vote.member_id == person.id for vote in votes)
        if (
            record is None
            or should_drop(planned, record.status, voted, current_cycle=record.cycle)
            or not still_matters(planned, now, deadline_of(planned.kind, record))
        ):
            await store.finish(row.id, DROPPED, now)
            await session.commit()
            report.dropped.append(row.id)
            return
        start = person.quiet_hours_start or sender.rules.quiet_hours_start
        end = person.quiet_hours_end or sender.rules.quiet_hours_end
        if not row.urgent and in_quiet_hours(now, start, end):
            await store.put_back(row.id, defer_for_quiet_hours(now, start, end))
            await session.commit()
            report.deferred.append(row.id)
            return

        roles = roles_on(await repo.roles_of(person.id), record.board_code)
        with sender.i18n.context(), sender.i18n.use_locale(person.language):
            text = reminder_text(planned.kind, record, now)
            markup, purpose = reminder_keyboard(planned.kind, person.id, row.id, record, roles)
            message = await send_claimed(sender, repo, store, row.id, person, now, text, markup)
        if isinstance(message, str):  # not sent; the row's end is recorded
            if message == DROPPED:
                report.dropped.append(row.id)
            return
        await store.finish(row.id, SENT, now, message.message_id)
        await repo.reviews.track(
            record.id, record.cycle, person.id, person.platform_user_id, message.message_id, purpose
        )
        await session.commit()
        report.sent.append(row.id)


class ClaimedRows(Protocol):
    """What :func:`send_claimed` records of a claimed row: reminders' and digests' stores alike."""

    async def finish(
        self, row_id: int, state: str, at: dt.datetime, message_id: int | None = None, /
    ) -> None: ...

    async def put_back(self, row_id: int, due_at: dt.datetime, /) -> None: ...


async def send_claimed(
    sender: Sender,
    repo: Repository,
    store: ClaimedRows,
    row_id: int,
    person: Person,
    now: dt.datetime,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | str:
    """Send a claimed row's message. The message when it went out; otherwise the row's end, recorded and
    committed: :data:`UNREACHABLE` (the person blocked the bot, now marked) or :data:`DROPPED` (the platform
    refused the message). Any other platform error puts the row back for the next sweep and is raised —
    flood control has already retried it."""
    try:
        return await sender.bot.send_message(person.platform_user_id, text, reply_markup=markup)
    except TelegramForbiddenError:
        await repo.mark_unreachable(person.id)
        await store.finish(row_id, UNREACHABLE, now)
        await repo.session.commit()
        return UNREACHABLE
    except TelegramBadRequest as exc:
        log.warning("row %s refused by the platform: %s", row_id, exc)
        await store.finish(row_id, DROPPED, now)
        await repo.session.commit()
        return DROPPED
    except TelegramAPIError:
        await store.put_back(row_id, now)
        await repo.session.commit()
        raise
