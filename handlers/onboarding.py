"""Onboarding: redeeming an invite (``/start CODE``, the deep link, or the bare code), /help, /language."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from council.clock import Clock
from council.invites import InviteState, is_invite_code_shaped
from council.roles import Role
from storage.repository import Repository

from .access import IsBound
from .callbacks import IsOwner, LanguageCallback
from .menu import CommandMenu, commands_for
from .views import binding_line, help_text, language_keyboard, main_menu_keyboard, scope_name


def unbound_text() -> str:
    return _(
        "Hello! This is the bot of the national system for monitoring council resolutions. "
        "It serves council secretaries, conformity board members and supervising officials.\n\n"
        "To begin, open the invite link you were given or send the invite code here. "
        "If you have none, ask your system administrator for one."
    )


async def bindings_with_names(repo: Repository, roles: list[Any]) -> list[tuple[Role, str]]:
    return [(Role(b.role), await scope_name(repo, b.scope_code)) for b in roles]


async def redeem(
    message: Message, code: str, repo: Repository, clock: Clock, bot: Bot, menu: CommandMenu
) -> None:
    user = message.from_user
    assert user is not None
    outcome = await repo.redeem_invite(
        code=code,
        platform_user_id=user.id,
        display_name=user.full_name,
        username=user.username,
        language="en" if (user.language_code or "").startswith("en") else "fa",
        now=clock.now(),
    )
    if outcome.state is not InviteState.VALID:
        refusals = {
            InviteState.UNKNOWN: _(
                "This invite code is not valid. Please check it, or ask your system administrator "
                "for a new one."
            ),
            InviteState.USED: _(
                "This invite code has already been used. Each code works only once; ask your "
                "system administrator for a new one."
            ),
            InviteState.EXPIRED: _(
                "This invite code has expired. Ask your system administrator for a new one."
            ),
        }
        await message.answer(refusals[outcome.state])
        return
    assert outcome.role is not None and outcome.scope_code is not None and outcome.person_id is not None
    roles = await repo.roles_of(outcome.person_id)
    names = await bindings_with_names(repo, roles)
    commands = commands_for(r for r, _name in names)
    await menu.publish_for(bot, message.chat.id, (r for r, _name in names))
    binding = binding_line(outcome.role, await scope_name(repo, outcome.scope_code))
    await message.answer(
        _("Welcome, {name}! You are now registered as {binding}.").format(
            name=user.full_name, binding=binding
        )
        + "\n\n"
        + help_text(names, commands),
        reply_markup=main_menu_keyboard(r for r, _name in names),
    )


async def start(
    message: Message,
    command: CommandObject,
    repo: Repository,
    person: Any,
    roles: list[Any],
    clock: Clock,
    bot: Bot,
    menu: CommandMenu,
) -> None:
    if command.args:
        await redeem(message, command.args, repo, clock, bot, menu)
        return
    if person is None or not roles:
        await message.answer(unbound_text())
        return
    names = await bindings_with_names(repo, roles)
    await message.answer(
        _("Welcome back, {name}.").format(name=person.display_name)
        + "\n\n"
        + help_text(names, commands_for(r for r, _n in names)),
        reply_markup=main_menu_keyboard(r for r, _n in names),
    )


async def bare_invite_code(
    message: Message,
    repo: Repository,
    person: Any,
    roles: list[Any],
    clock: Clock,
    bot: Bot,
    menu: CommandMenu,
) -> None:
    await redeem(message, message.text or "", repo, clock, bot, menu)


async def show_help(message: Message, repo: Repository, roles: list[Any]) -> None:
    names = await bindings_with_names(repo, roles)
    await message.answer(
        help_text(names, commands_for(r for r, _n in names)),
        reply_markup=main_menu_keyboard(r for r, _n in names),
    )


async def choose_language(message: Message, person: Any) -> None:
    await message.answer(_("Choose the language:"), reply_markup=language_keyboard(person.id))


async def set_language(
    query: CallbackQuery,
    callback_data: LanguageCallback,
    repo: Repository,
    person: Any,
    roles: list[Any],
    i18n: I18n,
    bot: Bot,
    menu: CommandMenu,
) -> None:
    await repo.set_language(person.id, callback_data.code)
    with i18n.use_locale(callback_data.code):
        text = _("The interface language is now English.")
        if isinstance(query.message, Message):
            await query.message.edit_text(text, reply_markup=None)
        await query.answer()
        await menu.publish_for(bot, person.platform_user_id, (Role(b.role) for b in roles))


def make_router() -> Router:
    """Redeeming invites (anyone), then what every bound person can do."""
    router = Router(name="onboarding")
    router.message.register(start, CommandStart())
    router.message.register(bare_invite_code, F.text.func(is_invite_code_shaped))

    members = Router(name="members")
    members.message.filter(IsBound())
    members.callback_query.filter(IsBound())
    members.message.register(show_help, Command("help"))
    members.message.register(choose_language, Command("language"))
    members.callback_query.register(set_language, LanguageCallback.filter(), IsOwner())
    router.include_router(members)
    return router
