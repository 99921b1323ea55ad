"""The people side of the local server: what a test (or the web chat) does as a person, and what it sees.

Actions queue the updates Telegram would deliver (shaped by the profile); observations read the chat as the
person sees it. Waiting helpers wake on every Bot API call the bot makes, so tests need no sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.apiserver.markup import command_entities, strip_text
from bot.apiserver.methods import image_size
from bot.apiserver.state import CallbackRecord, JsonDict, SimMessage, SimState, SimUser

MessagePredicate = Callable[[SimMessage], bool]

#: Seconds a test waits by default for the bot's answer. A wait ends as soon as the answer comes, so only a
#: failing test waits this long; generous because CI's two cores are shared, where a step that takes 0.1 s
#: on an idle machine took more than 5 s (the earlier default) under load.
WAIT = 15.0


class SimPeople:
    """People-side API; :class:`~bot.apiserver.server.LocalBotApiServer` inherits it."""

    state: SimState
    #: Set by whoever runs the bot in the same process (the tests' world): whether it is still handling an
    #: update it fetched. The server alone cannot tell: a polling bot fetches the next updates (confirming
    #: these) while it handles them.
    bot_busy: Callable[[], bool] | None = None

    # -- people -----------------------------------------------------------------------------------------
    def user(
        self,
        id: int,
        first_name: str,
        language_code: str | None = "fa",
        username: str | None = None,
        *,
        last_name: str | None = None,
        started: bool = False,
    ) -> SimUser:
        """The person with this Telegram id, created on first use (fields are updated on later calls).

        ``started=True`` makes the chat exist already, so the bot may write first (e.g. a reminder to
        someone who pressed /start long ago). Otherwise any action of the person opens the chat.
        """
        if id <= 0:
            raise ValueError("user ids are positive")
        existing = self.state.users.get(id)
        if existing is None:
            existing = self.state.users[id] = SimUser(id, first_name, language_code, username, last_name)
        else:
            existing.first_name, existing.language_code = first_name, language_code
            existing.username, existing.last_name = username, last_name
        existing.started = existing.started or started
        return existing

    def _user(self, who: SimUser | int) -> SimUser:
        user_id = who.id if isinstance(who, SimUser) else who
        try:
            return self.state.users[user_id]
        except KeyError:
            raise AssertionError(f"no simulated user {user_id}; create one with server.user(...)") from None

    def _act(self, who: SimUser | int) -> SimUser:
        user = self._user(who)
        user.started, user.blocked_bot = True, False  # writing to the bot opens (or reopens) the chat
        self.state.mark(user.id)
        return user

    def _queue_message(self, user: SimUser, **content: Any) -> JsonDict:
        msg = self.state.add_message(user.id, False, **content)
        payload = self.state.message_api(msg, in_update=True)
        self.state.queue_update("message", payload)
        return payload

    # -- actions ----------------------------------------------------------------------------------------
    async def send_text(self, who: SimUser | int, text: str) -> JsonDict:
        """The person sends a text; returns the Message as the bot receives it."""
        visible, entities = strip_text(text, command_entities(text))
        if not visible:
            raise ValueError("Telegram does not deliver an empty text message")
        user = self._act(who)
        return self._queue_message(user, text=visible, entities=entities, sent_text=text)

    async def press_reply_button(self, who: SimUser | int, label: str) -> JsonDict:
        """The person taps a button of the reply keyboard the bot showed (that sends its label as text)."""
        user = self._user(who)
        labels = self.reply_keyboard(user)
        if labels is None or label not in [text for row in labels for text in row]:
            raise AssertionError(f"{user} sees no reply keyboard button {label!r}; reply keyboard: {labels}")
        if self.state.reply_keyboards[user.id].get("one_time_keyboard"):
            del self.state.reply_keyboards[user.id]
        return await self.send_text(user, label)

    async def press_button(self, who: SimUser | int, label: str, message_id: int | None = None) -> str:
        """The person presses the inline button labelled exactly ``label`` on the newest bot message
        showing it (or on message ``message_id``); returns the callback query id."""
        user = self._user(who)
        if message_id is None:
            candidates = list(reversed(self.state.bot_messages(user.id)))
        else:
            msg = self.state.message(user.id, message_id)
            if msg is None or msg.deleted or not msg.from_bot:
                raise AssertionError(f"{user} sees no bot message #{message_id}")
            candidates = [msg]
        for msg in candidates:
            button = msg.find_button(label)
            if button is not None:
                break
        else:
            raise AssertionError(
                f"{user} sees no inline button {label!r}; visible buttons: {self.visible_buttons(user)}"
            )
        data = button.get("callback_data")
        if not isinstance(data, str):
            raise AssertionError(f"button {label!r} on message #{msg.message_id} sends no callback: {button}")
        return self._queue_callback(user, msg, data)

    async def send_callback_data(self, who: SimUser | int, data: str, chat_id: int, message_id: int) -> str:
        """A callback query with any ``data`` on any bot message, as a modified client could send it: for
        testing that someone else's or a forged button is refused. Returns the callback query id."""
        user = self._user(who)
        msg = self.state.message(chat_id, message_id)
        if msg is None or not msg.from_bot:
            raise AssertionError(f"no bot message #{message_id} in chat {chat_id}")
        return self._queue_callback(user, msg, data)

    def _queue_callback(self, who: SimUser, msg: SimMessage, data: str) -> str:
        user = self._act(who)
        st = self.state
        query_id = st.new_callback_query_id()
        st.callback_queries[query_id] = CallbackRecord(query_id, user.id, user.id, msg.message_id, data)
        payload: JsonDict = {"id": query_id, "from": st.user_api(user, in_update=True)}
        payload["message"] = st.message_api(msg, in_update=True)
        if st.profile.callback_chat_instance:
            payload["chat_instance"] = st.chat_instance(user.id)
        payload["data"] = data
        st.queue_update("callback_query", payload)
        return query_id

    async def send_document(
        self,
        who: SimUser | int,
        filename: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> JsonDict:
        """The person uploads a file; the bot receives a message with ``document``."""
        user = self._act(who)
        sim_file = self.state.add_file(content, "document", file_name=filename, mime_type=mime_type)
        return self._queue_message(user, document=sim_file, caption=caption, sent_text=caption)

    async def send_photo(
        self,
        who: SimUser | int,
        content: bytes,
        caption: str | None = None,
        size: tuple[int, int] | None = None,
    ) -> JsonDict:
        """The person sends a picture; width/height come from the image header or ``size``."""
        user = self._act(who)
        width, height = size or image_size(content) or (1280, 720)
        sim_file = self.state.add_file(content, "photo", width=width, height=height)
        return self._queue_message(user, photo=sim_file, caption=caption, sent_text=caption)

    async def send_other(self, who: SimUser | int, **fields: Any) -> JsonDict:
        """The person sends a message of another kind (a sticker, a voice message, a location, …):
        ``fields`` are added to the Message as the Bot API spells them, e.g.
        ``location={"latitude": 35.6, "longitude": 53.4}``. The chat shows it as a message without text."""
        user = self._act(who)
        msg = self.state.add_message(user.id, False)
        payload = self.state.message_api(msg, in_update=True) | fields
        self.state.queue_update("message", payload)
        return payload

    async def inject_raw_update(self, update: JsonDict) -> JsonDict:
        """Queue any JSON as an update (``update_id`` added if missing), e.g. one aiogram cannot parse."""
        return self.state.queue_raw(dict(update))

    # -- observing --------------------------------------------------------------------------------------
    def messages_to(self, who: SimUser | int, include_deleted: bool = False) -> list[SimMessage]:
        """The bot's messages to the person, oldest first, as they look now (after edits)."""
        return self.state.bot_messages(self._user(who).id, include_deleted)

    def chat_history(self, who: SimUser | int, include_deleted: bool = False) -> list[SimMessage]:
        """Both sides of the private chat, oldest first."""
        return [m for m in self.state.chats.get(self._user(who).id, []) if include_deleted or not m.deleted]

    def last_message_to(self, who: SimUser | int) -> SimMessage:
        messages = self.messages_to(who)
        if not messages:
            raise AssertionError(f"the bot has sent nothing (visible) to {self._user(who)}")
        return messages[-1]

    def visible_buttons(self, who: SimUser | int) -> dict[int, list[list[str]]]:
        """Inline button labels per message id, newest message first."""
        return {m.message_id: m.buttons for m in reversed(self.messages_to(who)) if m.buttons}

    def reply_keyboard(self, who: SimUser | int) -> list[list[str]] | None:
        """Labels of the reply keyboard the person currently has, or None."""
        keyboard = self.state.reply_keyboards.get(self._user(who).id)
        if keyboard is None:
            return None
        rows = keyboard.get("keyboard", [])
        return [[b.get("text", "") if isinstance(b, dict) else str(b) for b in row] for row in rows]

    @property
    def callback_answers(self) -> dict[str, JsonDict]:
        """answerCallbackQuery parameters (text, show_alert, ...) per callback query id."""
        return self.state.callback_answers

    @property
    def commands(self) -> dict[str, list[JsonDict]]:
        """setMyCommands lists per scope key ("default", "chat:42", "default/fa", ...)."""
        return self.state.commands

    # -- waiting ----------------------------------------------------------------------------------------
    async def wait_for_bot_message(
        self,
        who: SimUser | int,
        predicate: MessagePredicate | None = None,
        timeout: float = WAIT,  # noqa: ASYNC109 (a domain parameter, not a cancellation scope)
        after: int | None = None,
    ) -> SimMessage:
        """The first bot message to the person sent after their last action (or after the first ``after``
        bot messages of the chat) that is not deleted and satisfies ``predicate``; waits for it if needed."""
        user = self._user(who)
        start = self.state.marks.get(user.id, 0) if after is None else after

        def found() -> SimMessage | None:
            for msg in self.state.bot_messages(user.id, include_deleted=True)[start:]:
                if not msg.deleted and (predicate is None or predicate(msg)):
                    return msg
            return None

        await self.wait_until(lambda: found() is not None, timeout, f"a new bot message to {user}")
        result = found()
        assert result is not None
        return result

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = WAIT,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until ``condition()`` holds (re-checked after every Bot API call); AssertionError if not."""
        if not await self.state.bot_activity.wait_for(condition, timeout):
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{self.describe()}")

    async def wait_for_idle(self, quiet: float = 0.1, timeout: float = WAIT) -> None:  # noqa: ASYNC109
        """Wait until every queued update has been fetched by the bot, it handles none (``bot_busy``, when
        known) and it made no call for ``quiet`` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            idle_for = loop.time() - self.state.last_bot_call
            busy = self.bot_busy is not None and self.bot_busy()
            if not self.state.undelivered() and not busy and idle_for >= quiet:
                return
            await asyncio.sleep(max(min(quiet - idle_for, deadline - loop.time()), 0.005))
        raise AssertionError(f"the bot did not become idle within {timeout}s\n{self.describe()}")

    def describe(self) -> str:
        """A summary for failure messages: chats, queued updates, recent errors."""
        st = self.state
        lines = []
        for chat_id, messages in st.chats.items():
            lines.append(f"chat {st.users[chat_id]}:")
            lines += [f"  {m}" for m in messages[-8:]]
        lines.append(
            f"updates not yet fetched by the bot: {len(st.undelivered())}; unconfirmed: {len(st.updates)}"
        )
        if st.dropped_updates:
            lines.append(
                f"updates dropped by allowed_updates={sorted(st.allowed_updates or [])}: "
                f"{len(st.dropped_updates)}"
            )
        lines += [f"error: {line}" for line in st.error_log[-5:]]
        return "\n".join(lines)
