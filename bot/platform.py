"""Talking to Telegram or Bale through one aiogram session.

Bale speaks the Bot API's shape but leaves things out: users without ``is_bot``, callback queries
without ``chat_instance``, ``{"message_id": 0}`` stubs from edits. aiogram validates every answer
strictly, so :class:`PlatformSession` mends the raw JSON before aiogram sees it, and drops (after
logging) any single update that still cannot be parsed, so that polling never stalls on it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import GetMe, GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Update
from pydantic import ValidationError

log = logging.getLogger(__name__)

# Keys under which the Bot API puts a User object.
_USER_KEYS = frozenset(
    {"from", "user", "via_bot", "forward_from", "left_chat_member", "sender_business_bot", "old_chat_member"}
)
_USER_LIST_KEYS = frozenset({"new_chat_members"})


def _mend_user(user: Any, bot_id: int | None) -> None:
    if isinstance(user, dict) and "id" in user and "is_bot" not in user:
        # Bale omits is_bot; in a private chat with the bot, the only bot there is the bot itself.
        user["is_bot"] = user["id"] == bot_id


def _mend_users(node: Any, bot_id: int | None) -> None:
    """Give every User object in ``node`` an ``is_bot``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _USER_KEYS:
                _mend_user(value, bot_id)
            elif key in _USER_LIST_KEYS and isinstance(value, list):
                for user in value:
                    _mend_user(user, bot_id)
            _mend_users(value, bot_id)
    elif isinstance(node, list):
        for item in node:
            _mend_users(item, bot_id)


def mend_update(raw: dict[str, Any], bot_id: int | None = None) -> dict[str, Any]:
    """Fill in what Bale leaves out of an update so that aiogram can parse it."""
    _mend_users(raw, bot_id)
    query = raw.get("callback_query")
    if isinstance(query, dict) and "chat_instance" not in query:
        message = query.get("message") or {}
        chat = message.get("chat") or {}
        query["chat_instance"] = str(chat.get("id", query.get("from", {}).get("id", "")))
    return raw


def _is_message_stub(result: Any) -> bool:
    return isinstance(result, dict) and ("chat" not in result or "date" not in result)


class PlatformSession(AiohttpSession):
    """An aiohttp session that tolerates Bale's omissions and never lets one bad update stall polling."""

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        try:
            data = json.loads(content)
        except ValueError:
            return super().check_response(bot, method, status_code, content)
        if isinstance(data, dict) and data.get("ok") and "result" in data:
            data["result"] = self._mend_result(bot, method, data["result"])
            content = json.dumps(data)
        return super().check_response(bot, method, status_code, content)

    def _mend_result(self, bot: Bot, method: TelegramMethod[Any], result: Any) -> Any:
        if isinstance(method, GetUpdates) and isinstance(result, list):
            parsed = (self._parse_or_skip(bot, raw) for raw in result)
            return [update for update in parsed if update is not None]
        if isinstance(method, GetMe) and isinstance(result, dict):
            result.setdefault("is_bot", True)
            return result
        returning = str(getattr(method, "__returning__", ""))
        if "bool" in returning and _is_message_stub(result):
            # Bale answers edits with {"message_id": 0}; the edit happened, there is no message to return.
            return True
        _mend_users(result, bot.id)
        return result

    @staticmethod
    def _parse_or_skip(bot: Bot, raw: Any) -> dict[str, Any] | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            log.warning("dropping an update without an id: %.200r", raw)
            return None
        mended = mend_update(raw, bot.id)
        try:
            Update.model_validate(mended, context={"bot": bot})
        except ValidationError as exc:
            update_id = mended.get("update_id")
            log.warning("skipping an update that cannot be parsed (update_id=%s): %s", update_id, exc)
            # An update with only its id keeps the offset moving; the dispatcher ignores it.
            return {"update_id": update_id}
        return mended


def make_session(api_base_url: str) -> PlatformSession:
    """A session for the platform at ``api_base_url`` (Telegram, Bale, or a local Bot API server)."""
    return PlatformSession(api=TelegramAPIServer.from_base(api_base_url))
