"""The command menu each person sees, by role. Absent on platforms that lack it (Bale)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import gettext as _

from council.roles import Role

log = logging.getLogger(__name__)


def _descriptions() -> dict[str, str]:
    return {
        "start": _("Start or redeem an invite code"),
        "help": _("What I can do for you"),
        "language": _("Change the language"),
        "settings": _("Quiet hours and the daily digest"),
        "invite": _("Issue a one-time invite"),
        "new": _("Submit a new resolution"),
        "mine": _("Your council's resolutions"),
        "cancel": _("Cancel the form in progress"),
        "status": _("Status of a resolution by tracking code or number"),
        "pending": _("What is waiting for you, soonest deadline first"),
        "find": _("Search resolutions by words of their title or text"),
        "report": _("Performance report: figures, Excel file and chart"),
    }


# Commands every bound person has, then the extra ones each role brings, in menu order.
COMMON_COMMANDS: tuple[str, ...] = ("help", "language", "settings")
ROLE_COMMANDS: dict[Role, tuple[str, ...]] = {
    Role.SECRETARY: ("new", "mine", "cancel", "status", "pending", "find"),
    Role.MEMBER: ("status", "pending", "find"),
    Role.EXPERT: ("status", "pending", "find"),
    Role.BOARD_SECRETARY: ("status", "pending", "find", "report"),
    Role.OFFICIAL: ("status", "pending", "find", "report"),
    Role.ADMIN: ("invite", "report"),
}


def commands_for(roles: Iterable[Role]) -> list[str]:
    """The command names a person with ``roles`` sees, without repeats, in menu order."""
    names: list[str] = []
    for role in sorted(set(roles), key=list(Role).index):
        for name in ROLE_COMMANDS[role]:
            if name not in names:
                names.append(name)
    return [*COMMON_COMMANDS, *names] if roles else ["start", "help"]


class CommandMenu:
    """Publishes command menus; remembers when the platform refuses them and stops asking."""

    def __init__(self) -> None:
        self.supported = True

    async def _publish(self, bot: Bot, names: list[str], scope: BotCommandScopeChat | None) -> bool:
        if not self.supported:
            return False
        texts = _descriptions()
        commands = [BotCommand(command=name, description=texts[name]) for name in names]
        try:
            await bot.set_my_commands(commands, scope=scope or BotCommandScopeDefault())
        except TelegramAPIError as exc:
            # Bale does not support command menus; the bot works without them.
            log.info("command menus unavailable on this platform: %s", exc)
            self.supported = False
            return False
        return True

    async def publish_default(self, bot: Bot) -> bool:
        """The menu of people the bot does not know yet."""
        return await self._publish(bot, commands_for([]), None)

    async def publish_for(self, bot: Bot, chat_id: int, roles: Iterable[Role]) -> bool:
        """The menu of one person, in the current locale."""
        return await self._publish(bot, commands_for(roles), BotCommandScopeChat(chat_id=chat_id))
