"""Who may reach which router."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.types import TelegramObject


class IsBound(BaseFilter):
    """Passes for people the bot knows: registered and holding at least one role."""

    async def __call__(self, event: TelegramObject, person: Any = None, roles: Any = None) -> bool:
        return person is not None and bool(roles)


class HasRole(BaseFilter):
    """Passes for people holding ``role`` in any scope."""

    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, event: TelegramObject, roles: Any = None) -> bool:
        return any(binding.role == self.role for binding in roles or ())
