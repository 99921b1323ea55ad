"""The simulated world behind the local Bot API server: people, private chats, messages, files, updates.

Everything here is plain data plus the Telegram-shaped JSON views of it. Only private chats exist (chat id ==
user id), which is all the council bot uses.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.apiserver.markup import Entity
from bot.apiserver.profile import Profile

Clock = Callable[[], int]
JsonDict = dict[str, Any]

# Update types Telegram leaves out unless allowed_updates names them.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Signal:
    """A level-triggered wake-up that can be fired from synchronous code.

    Waiters re-check their own condition after every ``notify()``; there is no lost-wake-up race because
    checking the condition and taking the current event happen without an ``await`` in between.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until ``predicate()`` holds; False if ``timeout`` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True


@dataclass
class SimUser:
    """A person talking to the bot in a private chat."""

    id: int
    first_name: str
    language_code: str | None = "fa"
    username: str | None = None
    last_name: str | None = None
    started: bool = False  # has opened the chat with the bot; until then the bot cannot write first
    blocked_bot: bool = False  # the bot's messages then fail with 403, as on Telegram

    def __str__(self) -> str:
        return f"{self.first_name} ({self.id})"


@dataclass(eq=False)
class SimFile:
    file_id: str
    file_unique_id: str
    kind: str  # "document" or "photo"
    file_path: str
    data: bytes = field(repr=False)
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def document_api(self) -> JsonDict:
        doc: JsonDict = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name is not None:
            doc["file_name"] = self.file_name
        if self.mime_type is not None:
            doc["mime_type"] = self.mime_type
        doc["file_size"] = self.size
        return doc

    def photo_api(self) -> list[JsonDict]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width or 0,
                "height": self.height or 0,
                "file_size": self.size,
            }
        ]

    def file_api(self) -> JsonDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass(frozen=True)
class MessageEdit:
    """The state of a message before one edit."""

    date: int
    text: str | None
    caption: str | None
    reply_markup: JsonDict | None


@dataclass(eq=False)
class SimMessage:
    """One message in a private chat, in its current state (after edits)."""

    chat_id: int
    message_id: int
    from_bot: bool
    sender_id: int
    date: int
    text: str | None = None  # what the recipient sees (entities parsed)
    entities: list[Entity] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[Entity] = field(default_factory=list)
    sent_text: str | None = None  # text or caption exactly as the sender passed it
    parse_mode: str | None = None
    reply_markup: JsonDict | None = None  # the inline keyboard under the message, as sent
    keyboard: JsonDict | None = None  # a reply keyboard / ReplyKeyboardRemove / ForceReply sent with it
    document: SimFile | None = None
    photo: SimFile | None = None
    edit_date: int | None = None
    history: list[MessageEdit] = field(default_factory=list)
    deleted: bool = False

    @property
    def content(self) -> str:
        """The visible text or caption ("" for a bare file)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[list[str]]:
        """Inline button labels, row by row."""
        if not self.reply_markup:
            return []
        return [[b.get("text", "") for b in row] for row in self.reply_markup.get("inline_keyboard", [])]

    @property
    def button_labels(self) -> list[str]:
        return [label for row in self.buttons for label in row]

    def find_button(self, label: str) -> JsonDict | None:
        if not self.reply_markup:
            return None
        for row in self.reply_markup.get("inline_keyboard", []):
            for button in row:
                if button.get("text") == label:
                    return dict(button)
        return None

    def __str__(self) -> str:
        who = "bot" if self.from_bot else f"user {self.sender_id}"
        body = self.content or (self.document and f"[document {self.document.file_name}]") or "[photo]"
        extra = f" buttons={self.buttons}" if self.buttons else ""
        gone = " (deleted)" if self.deleted else ""
        return f"#{self.message_id} {who}: {body!r}{extra}{gone}"


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


def scope_key(scope: JsonDict | None, language_code: str | None = None) -> str:
    """Key of ``server.commands``: "default", "all_private_chats", "chat:42", "chat_member:42:7"; a language
    code is appended after a slash ("default/fa")."""
    scope = scope or {"type": "default"}
    parts = [str(scope.get("type", "default"))]
    parts += [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
    key = ":".join(parts)
    return f"{key}/{language_code}" if language_code else key


class SimState:
    """All state of one server instance."""

    def __init__(self, profile: Profile, bot_id: int, bot_username: str, bot_first_name: str, clock: Clock):
        self.profile = profile
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.clock = clock

        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, list[SimMessage]] = {}
        self.files: dict[str, SimFile] = {}
        self.files_by_path: dict[str, SimFile] = {}
        self.reply_keyboards: dict[int, JsonDict] = {}
        self.callback_queries: dict[str, CallbackRecord] = {}
        self.callback_answers: dict[str, JsonDict] = {}
        self.commands: dict[str, list[JsonDict]] = {}
        self.marks: dict[int, int] = {}  # per chat: bot messages that existed at the person's last action

        self.updates: list[JsonDict] = []  # not yet confirmed by getUpdates(offset)
        self.dropped_updates: list[JsonDict] = []  # filtered out by allowed_updates
        self.allowed_updates: frozenset[str] | None = None
        self.delivered_upto = 0  # highest update_id handed out by getUpdates
        self.poll_generation = 0
        self.closing = False
        self.last_bot_call = 0.0  # event-loop time of the bot's latest call other than getUpdates
        self.error_log: list[str] = []  # unsuccessful answers and spec violations, for failure messages

        self.updates_changed = Signal()
        self.bot_activity = Signal()

        self._update_ids = itertools.count(1)
        self._file_seq = itertools.count(1)
        self._query_seq = itertools.count(1)
        self._message_ids: dict[int, Iterator[int]] = {}

    # -- JSON views -------------------------------------------------------------------------------------
    def _shape_user(self, user: JsonDict, in_update: bool) -> JsonDict:
        if in_update:
            return {k: v for k, v in user.items() if k not in self.profile.update_user_omits}
        return user

    def user_api(self, user: SimUser, in_update: bool = False) -> JsonDict:
        data: JsonDict = {"id": user.id, "is_bot": False, "first_name": user.first_name}
        if user.last_name:
            data["last_name"] = user.last_name
        if user.username:
            data["username"] = user.username
        if user.language_code:
            data["language_code"] = user.language_code
        return self._shape_user(data, in_update)

    def bot_user_api(self, in_update: bool = False) -> JsonDict:
        data = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }
        return self._shape_user(data, in_update)

    def chat_api(self, chat_id: int) -> JsonDict:
        user = self.users[chat_id]
        chat: JsonDict = {"id": chat_id, "type": "private", "first_name": user.first_name}
        if user.last_name:
            chat["last_name"] = user.last_name
        if user.username:
            chat["username"] = user.username
        return chat

    def message_api(self, msg: SimMessage, in_update: bool = False) -> JsonDict:
        sender = (
            self.bot_user_api(in_update)
            if msg.from_bot
            else self.user_api(self.users[msg.sender_id], in_update)
        )
        data: JsonDict = {
            "message_id": msg.message_id,
            "from": sender,
            "chat": self.chat_api(msg.chat_id),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
        if msg.document is not None:
            data["document"] = msg.document.document_api()
        if msg.photo is not None:
            data["photo"] = msg.photo.photo_api()
        if msg.caption:
            data["caption"] = msg.caption
            if msg.caption_entities:
                data["caption_entities"] = msg.caption_entities
        if msg.reply_markup:
            data["reply_markup"] = msg.reply_markup
        return data

    # -- people and messages ----------------------------------------------------------------------------
    def add_message(self, chat_id: int, from_bot: bool, **content: Any) -> SimMessage:
        ids = self._message_ids.setdefault(chat_id, itertools.count(1))
        sender = self.bot_id if from_bot else chat_id
        msg = SimMessage(chat_id, next(ids), from_bot, sender, self.clock(), **content)
        self.chats.setdefault(chat_id, []).append(msg)
        return msg

    def message(self, chat_id: int, message_id: int) -> SimMessage | None:
        for msg in self.chats.get(chat_id, []):
            if msg.message_id == message_id:
                return msg
        return None

    def bot_messages(self, chat_id: int, include_deleted: bool = False) -> list[SimMessage]:
        return [m for m in self.chats.get(chat_id, []) if m.from_bot and (include_deleted or not m.deleted)]

    def mark(self, chat_id: int) -> None:
        """Remember how many bot messages the chat had when the person last acted."""
        self.marks[chat_id] = len(self.bot_messages(chat_id, include_deleted=True))

    def add_file(
        self,
        data: bytes,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> SimFile:
        seq = next(self._file_seq)
        folder = "photos" if kind == "photo" else "documents"
        suffix = (
            file_name.rsplit(".", 1)[-1]
            if file_name and "." in file_name
            else ("jpg" if kind == "photo" else "")
        )
        path = f"{folder}/file_{seq}" + (f".{suffix}" if suffix else "")
        prefix = "AgAC" if kind == "photo" else "BQAC"
        sim_file = SimFile(
            file_id=f"{prefix}{seq:08d}LocalBotApi{self.bot_id}",
            file_unique_id=f"AQAD{seq:06d}",
            kind=kind,
            file_path=path,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[sim_file.file_id] = sim_file
        self.files_by_path[path] = sim_file
        return sim_file

    def new_callback_query_id(self) -> str:
        return str(4_000_000_000_000_000_000 + next(self._query_seq))

    def chat_instance(self, chat_id: int) -> str:
        return str(-(8_000_000_000_000_000_000 + chat_id))

    # -- updates ----------------------------------------------------------------------------------------
    def update_allowed(self, kind: str) -> bool:
        if self.allowed_updates is None:
            return kind not in DEFAULT_EXCLUDED_UPDATES
        return kind in self.allowed_updates

    def queue_update(self, kind: str, payload: JsonDict) -> JsonDict | None:
        """Queue ``{"update_id": N, kind: payload}``; None if allowed_updates filters it out."""
        update = {"update_id": next(self._update_ids), kind: payload}
        if not self.update_allowed(kind):
            self.dropped_updates.append(update)
            return None
        return self.queue_raw(update)

    def queue_raw(self, update: JsonDict) -> JsonDict:
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        self.updates_changed.notify()
        return update

    def confirm(self, offset: int) -> None:
        """getUpdates(offset): forget updates below it; a negative offset keeps only the last -offset."""
        if offset > 0:
            self.updates = [u for u in self.updates if u.get("update_id", 0) >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    def undelivered(self) -> list[JsonDict]:
        return [u for u in self.updates if u.get("update_id", 0) > self.delivered_upto]
