"""/mine: the secretary's own council's resolutions with their statuses, newest first, a page at a time; a
secretary of several councils sees all of theirs in one list, each line naming its council."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from council.roles import Role
from council.text import to_persian_digits
from storage.repository import Repository

from .access import HasRole
from .callbacks import IsOwner, MineCallback
from .views import my_resolutions_button, resolution_lines

PAGE_SIZE = 5


async def page_of(repo: Repository, roles: list[Any], owner: int, page: int) -> tuple[str, Any]:
    """The text and buttons of page ``page`` (0 = newest) of the secretary's councils' resolutions."""
    codes = list(dict.fromkeys(b.scope_code for b in roles if b.role == Role.SECRETARY.value))
    councils = [c for c in [await repo.resolutions.council(code) for code in codes] if c is not None]
    if not councils:
        return _("You are not the secretary of a council."), None
    several = len(councils) > 1
    lines, total = await repo.resolutions.of_councils([c.id for c in councils], page * PAGE_SIZE, PAGE_SIZE)
    if total == 0:
        if several:
            return _("Your councils have not submitted any resolutions yet."), None
        return _("Your council has not submitted any resolutions yet."), None
    first = page * PAGE_SIZE + 1
    numbers = {
        "first": to_persian_digits(first),
        "last": to_persian_digits(first + len(lines) - 1),
        "total": to_persian_digits(total),
    }
    if several:
        header = _("Resolutions of your {count} councils ({first}–{last} of {total}), newest first:").format(
            count=to_persian_digits(len(councils)), **numbers
        )
    else:
        header = _("Resolutions of {council} ({first}–{last} of {total}), newest first:").format(
            council=councils[0].name, **numbers
        )
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(
                text=_("‹ Newer"), callback_data=MineCallback(owner=owner, page=page - 1).pack()
            )
        )
    if first + len(lines) - 1 < total:
        buttons.append(
            InlineKeyboardButton(
                text=_("Older ›"), callback_data=MineCallback(owner=owner, page=page + 1).pack()
            )
        )
    markup = InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None
    return "\n".join([header, *resolution_lines(lines, first, with_council=several)]), markup


async def show_mine(message: Message, repo: Repository, person: Any, roles: list[Any]) -> None:
    text, markup = await page_of(repo, roles, person.id, 0)
    await message.answer(text, reply_markup=markup)


async def turn_page(
    query: CallbackQuery, callback_data: MineCallback, repo: Repository, person: Any, roles: list[Any]
) -> None:
    text, markup = await page_of(repo, roles, person.id, max(callback_data.page, 0))
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest:
            await query.message.answer(text, reply_markup=markup)
    await query.answer()


def make_router() -> Router:
    """Secretaries only."""
    router = Router(name="mine")
    router.message.filter(HasRole(Role.SECRETARY))
    router.callback_query.filter(HasRole(Role.SECRETARY))
    router.message.register(show_mine, Command("mine"))
    router.message.register(show_mine, F.text.func(lambda t: t == my_resolutions_button()))
    router.callback_query.register(turn_page, MineCallback.filter(), IsOwner())
    return router
