"""What nobody else handled: unbound people get the explanation; stray buttons are refused."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from .onboarding import unbound_text


async def anything_else(message: Message, person: Any, roles: list[Any]) -> None:
    if person is None or not roles:
        await message.answer(unbound_text())
        return
    await message.answer(_("I did not understand that. Send /help to see what you can do."))


async def stray_button(query: CallbackQuery) -> None:
    # Someone else's button, a forged one, or one whose action is gone: refuse and change nothing.
    await query.answer(_("This button is not for you or is no longer valid."), show_alert=True)


def make_router() -> Router:
    """Last in line: sees only what no other router took."""
    router = Router(name="fallback")
    router.message.register(anything_else)
    router.callback_query.register(stray_button)
    return router
