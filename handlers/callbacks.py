"""Callback-data factories and the guard that ties a button to the person it was shown to."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery


class OwnedCallback(CallbackData, prefix="owned"):
    """Base for buttons meant for one person: ``owner`` is that person's id."""

    owner: int


class LanguageCallback(OwnedCallback, prefix="lang"):
    """Choose the interface language."""

    code: str


class IsOwner(BaseFilter):
    """Passes only when the pressed button was made for the person pressing it.

    A button that fails this (someone else's, or forged data) falls through to the fallback
    router, which refuses it and changes nothing.
    """

    async def __call__(self, query: CallbackQuery, person: Any = None, **data: Any) -> bool:
        callback_data = data.get("callback_data")
        if person is None or not isinstance(callback_data, OwnedCallback):
            return False
        return bool(callback_data.owner == person.id)
