"""Bot API methods as the local server implements them, with Telegram's error answers.

Each handler receives parameter values already decoded by :mod:`bot.apiserver.spec` (integers as
``int``, JSON-serialized objects as ``dict``/``list``, uploads as :class:`UploadedFile`) and returns the
``result`` of the response, or raises :class:`ApiError`.
"""

from __future__ import annotations

import mimetypes
import re
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from bot.apiserver.markup import Entity, EntityParseError, render
from bot.apiserver.spec import UploadedFile
from bot.apiserver.state import JsonDict, MessageEdit, SimFile, SimMessage, SimState, SimUser, scope_key

Handler = Callable[[JsonDict], Awaitable[Any]]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files, as the Bot API documents
PARSE_MODES = {"HTML", "MARKDOWN", "MARKDOWNV2"}
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}\Z")  # BotCommand.command: "lowercase English letters, digits, _"
_BUTTON_ACTIONS = {
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
}


class ApiError(Exception):
    """An unsuccessful Bot API answer."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG image; None if the bytes are not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


class BotApiMethods:
    """The implemented methods, keyed by their Bot API names."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "close": self.ok,
            "logOut": self.ok,
            "sendMessage": self.send_message,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "sendChatAction": self.send_chat_action,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
        }

    # -- bot and updates --------------------------------------------------------------------------------
    async def ok(self, v: JsonDict) -> bool:
        return True

    async def get_me(self, v: JsonDict) -> JsonDict:
        return {
            **self.state.bot_user_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, v: JsonDict) -> list[JsonDict]:
        st = self.state
        if isinstance(v.get("allowed_updates"), list):
            st.allowed_updates = frozenset(v["allowed_updates"]) or None
        st.confirm(int(v.get("offset", 0)))
        limit = min(max(int(v.get("limit", 100)), 1), 100)
        timeout = min(max(int(v.get("timeout", 0)), 0), 50)
        st.poll_generation += 1
        generation = st.poll_generation
        st.updates_changed.notify()  # an older long poll still waiting ends with 409, as on Telegram
        if timeout:
            await st.updates_changed.wait_for(
                lambda: bool(st.updates) or st.closing or st.poll_generation != generation, timeout
            )
        if st.poll_generation != generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        batch = st.updates[:limit]
        if batch:
            st.delivered_upto = max(st.delivered_upto, *(int(u.get("update_id", 0)) for u in batch))
        return batch

    async def delete_webhook(self, v: JsonDict) -> bool:
        if v.get("drop_pending_updates"):
            self.state.updates.clear()
        return True

    async def get_webhook_info(self, v: JsonDict) -> JsonDict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.state.updates)}

    # -- helpers ----------------------------------------------------------------------------------------
    def _recipient(self, v: JsonDict) -> SimUser:
        """The person a new message goes to, refused as Telegram refuses it."""
        chat_id = v.get("chat_id")
        user = self.state.users.get(chat_id) if isinstance(chat_id, int) else None
        if user is None:
            raise bad_request("chat not found")
        if user.blocked_bot:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return user

    def _render(self, v: JsonDict, text_key: str, entities_key: str) -> tuple[str, list[Entity]]:
        mode = v.get("parse_mode")
        if isinstance(mode, str) and mode:
            if mode.upper() in self.state.profile.refused_parse_modes:
                raise bad_request(f"parse_mode {mode} is not supported")
            if mode.upper() not in PARSE_MODES:
                raise bad_request(f"unsupported parse_mode {mode!r}")
        text = v.get(text_key)
        if not isinstance(text, str):
            return "", []
        entities = v.get(entities_key) if isinstance(v.get(entities_key), list) else None
        try:
            return render(text, mode if isinstance(mode, str) else None, entities)
        except EntityParseError as error:
            raise bad_request(str(error)) from None

    @staticmethod
    def _check_inline(markup: JsonDict) -> None:
        for row in markup.get("inline_keyboard") or []:
            for button in row if isinstance(row, list) else []:
                if isinstance(button, dict) and not _BUTTON_ACTIONS & button.keys():
                    raise bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )

    def _keyboards(self, chat_id: int, markup: Any) -> tuple[JsonDict | None, JsonDict | None]:
        """Split reply_markup into (inline keyboard shown under the message, other keyboard)."""
        if not isinstance(markup, dict):
            return None, None
        if "inline_keyboard" in markup:
            self._check_inline(markup)
            return markup, None
        if "keyboard" in markup:
            self.state.reply_keyboards[chat_id] = markup
        elif "remove_keyboard" in markup:
            self.state.reply_keyboards.pop(chat_id, None)
        return None, markup

    def _file(self, v: JsonDict, key: str, kind: str) -> SimFile:
        value = v.get(key)
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad_request("file must be non-empty")
            if kind == "photo":
                size = image_size(value.data)
                if size is None:
                    raise bad_request("IMAGE_PROCESS_FAILED")
                return self.state.add_file(value.data, "photo", width=size[0], height=size[1])
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(value.filename)[0] or "application/octet-stream"
            return self.state.add_file(value.data, "document", file_name=value.filename, mime_type=mime)
        if isinstance(value, str):
            existing = self.state.files.get(value)
            if existing is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if existing.kind != kind:
                raise bad_request(f"can't use file of type {existing.kind.title()} as {kind.title()}")
            return existing
        raise bad_request(f"there is no {key} in the request")

    def _target(self, v: JsonDict, action: str) -> SimMessage:
        """The message an edit or deletion refers to."""
        if v.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the local Bot API server")
        chat_id, message_id = v.get("chat_id"), v.get("message_id")
        if chat_id is None:
            raise bad_request("chat_id is empty")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        if not isinstance(chat_id, int) or chat_id not in self.state.users:
            raise bad_request("chat not found")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        msg = self.state.message(chat_id, message_id)
        if msg is None or msg.deleted:
            raise bad_request(f"message to {action} not found")
        return msg

    def _edit(self, msg: SimMessage, **changes: Any) -> None:
        msg.history.append(MessageEdit(msg.edit_date or msg.date, msg.text, msg.caption, msg.reply_markup))
        for name, value in changes.items():
            setattr(msg, name, value)
        msg.edit_date = self.state.clock()

    def _inline(self, v: JsonDict) -> JsonDict | None:
        markup = v.get("reply_markup")
        if not isinstance(markup, dict) or not markup.get("inline_keyboard"):
            return None
        self._check_inline(markup)
        return markup

    # -- sending ----------------------------------------------------------------------------------------
    async def send_message(self, v: JsonDict) -> JsonDict:
        user = self._recipient(v)
        text, entities = self._render(v, "text", "entities")
        if not text:
            raise bad_request("message text is empty")
        inline, keyboard = self._keyboards(user.id, v.get("reply_markup"))
        msg = self.state.add_message(
            user.id,
            True,
            text=text,
            entities=entities,
            sent_text=v.get("text"),
            parse_mode=v.get("parse_mode"),
            reply_markup=inline,
            keyboard=keyboard,
        )
        return self.state.message_api(msg)

    async def _send_file(self, v: JsonDict, key: str) -> JsonDict:
        user = self._recipient(v)
        caption, entities = self._render(v, "caption", "caption_entities")
        sim_file = self._file(v, key, key)
        inline, keyboard = self._keyboards(user.id, v.get("reply_markup"))
        msg = self.state.add_message(
            user.id,
            True,
            caption=caption or None,
            caption_entities=entities,
            sent_text=v.get("caption"),
            parse_mode=v.get("parse_mode"),
            reply_markup=inline,
            keyboard=keyboard,
            **{key: sim_file},
        )
        return self.state.message_api(msg)

    async def send_document(self, v: JsonDict) -> JsonDict:
        return await self._send_file(v, "document")

    async def send_photo(self, v: JsonDict) -> JsonDict:
        return await self._send_file(v, "photo")

    async def send_chat_action(self, v: JsonDict) -> bool:
        self._recipient(v)
        return True

    # -- editing ----------------------------------------------------------------------------------------
    async def edit_message_text(self, v: JsonDict) -> JsonDict:
        msg = self._target(v, "edit")
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        if msg.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._render(v, "text", "entities")
        if not text:
            raise bad_request("message text is empty")
        inline = self._inline(v)
        if (text, entities, inline) == (msg.text, msg.entities, msg.reply_markup):
            raise bad_request(NOT_MODIFIED)
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        self._edit(
            msg,
            text=text,
            entities=entities,
            sent_text=v.get("text"),
            parse_mode=v.get("parse_mode"),
            reply_markup=inline,
        )
        if self.state.profile.edit_text_stub:
            return {"message_id": 0}
        return self.state.message_api(msg)

    async def edit_message_caption(self, v: JsonDict) -> JsonDict:
        msg = self._target(v, "edit")
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        if msg.document is None and msg.photo is None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._render(v, "caption", "caption_entities")
        inline = self._inline(v)
        if (caption or None, entities, inline) == (msg.caption, msg.caption_entities, msg.reply_markup):
            raise bad_request(NOT_MODIFIED)
        self._edit(
            msg,
            caption=caption or None,
            caption_entities=entities,
            sent_text=v.get("caption"),
            reply_markup=inline,
        )
        return self.state.message_api(msg)

    async def edit_message_reply_markup(self, v: JsonDict) -> JsonDict:
        msg = self._target(v, "edit")
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        inline = self._inline(v)
        if inline == msg.reply_markup:
            raise bad_request(NOT_MODIFIED)
        self._edit(msg, reply_markup=inline)
        return self.state.message_api(msg)

    async def delete_message(self, v: JsonDict) -> bool:
        msg = self._target(v, "delete")
        msg.deleted = True
        return True

    # -- callbacks, files, commands ---------------------------------------------------------------------
    async def answer_callback_query(self, v: JsonDict) -> bool:
        query_id = str(v.get("callback_query_id"))
        record = self.state.callback_queries.get(query_id)
        if record is None or record.answered:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        record.answered = True
        self.state.callback_answers[query_id] = {
            k: v[k] for k in ("text", "show_alert", "url", "cache_time") if k in v
        }
        return True

    async def get_file(self, v: JsonDict) -> JsonDict:
        sim_file = self.state.files.get(str(v.get("file_id")))
        if sim_file is None:
            raise bad_request("invalid file_id")
        if sim_file.size > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return sim_file.file_api()

    def _commands_supported(self) -> None:
        if not self.state.profile.commands_supported:
            raise bad_request("method not supported")

    def _scope(self, v: JsonDict) -> str:
        scope = v.get("scope")
        return scope_key(scope if isinstance(scope, dict) else None, v.get("language_code"))

    async def set_my_commands(self, v: JsonDict) -> bool:
        self._commands_supported()
        raw = v.get("commands")
        commands: list[Any] = raw if isinstance(raw, list) else []
        if len(commands) > 100:
            raise bad_request("too many commands")
        stored = []
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not _COMMAND_NAME.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            stored.append({"command": name, "description": command.get("description", "")})
        if stored:
            self.state.commands[self._scope(v)] = stored
        else:
            self.state.commands.pop(self._scope(v), None)
        return True

    async def get_my_commands(self, v: JsonDict) -> list[JsonDict]:
        self._commands_supported()
        return self.state.commands.get(self._scope(v), [])

    async def delete_my_commands(self, v: JsonDict) -> bool:
        self._commands_supported()
        self.state.commands.pop(self._scope(v), None)
        return True
