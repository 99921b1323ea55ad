"""Per-update context: a database session, the repository, the sender as a person, and their locale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import Clock
from storage.repository import Repository

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ContextMiddleware(BaseMiddleware):
    """Opens one database session per update and injects ``repo``, ``person``, ``roles`` and ``clock``.

    The session commits when the handler returns normally and rolls back when it raises, so a
    handler's writes land together or not at all.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, i18n: I18n) -> None:
        self.sessions = sessions
        self.clock = clock
        self.i18n = i18n

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        async with self.sessions() as session:
            repo = Repository(session)
            person = await repo.get_person_by_platform_user(user.id) if user else None
            roles = await repo.roles_of(person.id) if person else []
            data.update(repo=repo, person=person, roles=roles, clock=self.clock)
            locale = person.language if person else self._locale_of(user)
            with self.i18n.context(), self.i18n.use_locale(locale):
                result = await handler(event, data)
            await session.commit()
            return result

    def _locale_of(self, user: User | None) -> str:
        code = (user.language_code or "") if user else ""
        return "en" if code.startswith("en") else self.i18n.default_locale
