"""The snooze buttons of a reminder (DESIGN §5): 1 hour, 3 hours or tomorrow morning move that reminder
only — no deadline, no other reminder. The person's quiet hours still apply when it comes due.

Lives with the reminders rather than in ``handlers`` because the snooze rule is the planning's
(:func:`.planning.snooze`), and ``handlers`` does not depend on ``reminders``; the shell includes this
router before the conversations'.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Router
from aiogram.types import CallbackQuery

from council.clock import Clock
from handlers.callbacks import IsOwner, SnoozeCallback
from storage.repository import Repository

from .cards import SNOOZE_CHOICES, snooze_gone_text, snoozed_text
from .planning import SnoozeChoice, snooze


async def snooze_reminder(query: CallbackQuery, callback_data: SnoozeCallback, **data: Any) -> None:
    repo: Repository = data["repo"]
    clock: Clock = data["clock"]
    now = clock.now()
    row = await repo.reminders.get(callback_data.rem)
    if row is None or callback_data.choice not in SNOOZE_CHOICES:
        await query.answer(snooze_gone_text(), show_alert=True)
        return
    at = snooze(row.due_at, cast(SnoozeChoice, callback_data.choice), now)
    if not await repo.reminders.snooze(row.id, callback_data.owner, at):
        await query.answer(snooze_gone_text(), show_alert=True)
        return
    await query.answer(snoozed_text(at), show_alert=True)


def make_router() -> Router:
    """Snoozing a reminder: only the person it was sent to."""
    router = Router(name="reminders")
    router.callback_query.register(snooze_reminder, SnoozeCallback.filter(), IsOwner())
    return router
