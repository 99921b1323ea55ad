"""The local Bot API server (bot/apiserver) against the real aiogram client over real HTTP."""

from __future__ import annotations

import asyncio
import io
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from bot.apiserver import LocalBotApiServer, check_call, default_spec
from bot.apiserver.markup import parse_html


class FastSession(AiohttpSession):
    """aiogram's real session, minus the 0.25 s sleep it takes on close for TLS connections we do not have."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(server: LocalBotApiServer) -> Bot:
    return Bot(server.token, session=FastSession(api=TelegramAPIServer.from_base(server.base_url)))


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApiServer]:
    async with LocalBotApiServer(clock=lambda: 1_750_000_000) as srv:
        yield srv
        srv.assert_no_violations()


@pytest.fixture
async def bale() -> AsyncIterator[LocalBotApiServer]:
    async with LocalBotApiServer(profile="bale") as srv:
        yield srv
        srv.assert_no_violations()


@pytest.fixture
async def bot(server: LocalBotApiServer) -> AsyncIterator[Bot]:
    bot = make_bot(server)
    yield bot
    await bot.session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def raw_call(
    http: aiohttp.ClientSession, server: LocalBotApiServer, method: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{server.base_url}/bot{server.token}/{method}", **kwargs) as resp:
        return resp.status, await resp.json()


def png(width: int, height: int) -> bytes:
    """Just enough of a PNG for its header to be read."""
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + b"\x08\x02\x00\x00\x00"


YES_NO = InlineKeyboardMarkup(
    inline_keyboard=[
        [
            InlineKeyboardButton(text="بله", callback_data="answer:yes"),
            InlineKeyboardButton(text="خیر", callback_data="answer:no"),
        ]
    ]
)


# -- basics ---------------------------------------------------------------------------------------------
async def test_get_me_and_wrong_token(server: LocalBotApiServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "CouncilMonitorBot")

    other = Bot("999:WRONG", session=FastSession(api=TelegramAPIServer.from_base(server.base_url)))
    with pytest.raises(TelegramUnauthorizedError):
        await other.get_me()
    await other.session.close()


async def test_text_with_command_entity_reaches_the_bot(server: LocalBotApiServer, bot: Bot) -> None:
    ali = server.user(7, "علی", username="ali")
    await server.send_text(ali, "/start invite-42")

    [update] = await bot.get_updates(timeout=0)
    msg = update.message
    assert msg is not None and msg.from_user is not None
    assert (msg.text, msg.chat.id, msg.from_user.language_code) == ("/start invite-42", 7, "fa")
    assert msg.entities is not None
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [("bot_command", 0, 6)]
    assert msg.date.timestamp() == 1_750_000_000


async def test_inline_keyboard_is_visible_and_pressing_it_delivers_a_callback(
    server: LocalBotApiServer, bot: Bot
) -> None:
    ali = server.user(7, "علی")
    await server.send_text(ali, "/start")
    sent = await bot.send_message(ali.id, "مصوبه را تأیید می‌کنید؟", reply_markup=YES_NO)

    seen = server.messages_to(ali)
    assert [m.text for m in seen] == ["مصوبه را تأیید می‌کنید؟"]
    assert seen[0].buttons == [["بله", "خیر"]] and seen[0].message_id == sent.message_id

    query_id = await server.press_button(ali, "بله")
    updates = await bot.get_updates(offset=2, timeout=0)  # offset 2 confirms update 1 (/start)
    assert len(updates) == 1
    query = updates[0].callback_query
    assert query is not None and query.message is not None
    assert (query.id, query.data, query.message.message_id) == (query_id, "answer:yes", sent.message_id)
    assert query.chat_instance

    assert await bot.answer_callback_query(query_id, text="ثبت شد")
    assert server.callback_answers[query_id] == {"text": "ثبت شد"}
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query(query_id)  # a query is answered once

    with pytest.raises(AssertionError, match=r"no inline button 'شاید'.*بله"):
        await server.press_button(ali, "شاید")


async def test_generated_updates_and_results_match_the_spec(server: LocalBotApiServer, bot: Bot) -> None:
    spec = default_spec()
    ali = server.user(7, "علی")
    await server.send_text(ali, "/start")
    sent = await bot.send_message(ali.id, "سلام", reply_markup=YES_NO)
    await server.press_button(ali, "خیر")
    await server.send_document(ali, "نامه.pdf", b"%PDF-1.4", "application/pdf")
    await server.send_photo(ali, png(10, 20))
    for update in server.state.updates:
        assert spec.check_value(update, ["Update"], "update") == []
    assert spec.check_value(server.calls_of("sendMessage")[0].result, ["Message"], "result") == []
    assert sent.reply_markup is not None and sent.reply_markup.model_dump() == YES_NO.model_dump()


# -- long polling ---------------------------------------------------------------------------------------
async def test_long_poll_returns_as_soon_as_an_update_arrives(server: LocalBotApiServer, bot: Bot) -> None:
    ali = server.user(7, "علی")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await server.send_text(ali, "سلام")
    updates = await poll
    assert time.monotonic() - started < 0.5
    assert [u.message.text for u in updates if u.message] == ["سلام"]


async def test_long_poll_waits_for_its_timeout_when_nothing_happens(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 < time.monotonic() - started < 1.5


# -- the specification ----------------------------------------------------------------------------------
async def test_calls_the_spec_does_not_allow_are_refused_and_recorded(
    server: LocalBotApiServer, bot: Bot, http: aiohttp.ClientSession
) -> None:
    server.user(7, "علی", started=True)
    status, body = await raw_call(http, server, "sendMessages", data={"chat_id": "7", "text": "x"})
    assert (status, body["description"]) == (404, "Not Found: method not found")

    status, body = await raw_call(
        http, server, "sendMessage", data={"chat_id": "7", "text": "x", "colour": "red"}
    )
    assert status == 400 and "unknown parameter 'colour'" in body["description"]

    status, body = await raw_call(http, server, "sendMessage", data={"chat_id": "7"})
    assert status == 400 and "missing required parameter 'text'" in body["description"]

    status, body = await raw_call(http, server, "sendMessage", json={"chat_id": {"id": 7}, "text": "x"})
    assert status == 400 and "chat_id: expected Integer or String" in body["description"]

    too_long = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="callback_data: must be 1-64 bytes"):
        await bot.send_message(7, "x", reply_markup=too_long)
    with pytest.raises(TelegramBadRequest, match="text must be 1-4096 characters"):
        await bot.send_message(7, "ب" * 4097)

    problems = [str(v) for v in server.violations]
    assert problems == [
        "sendMessages: unknown method",
        "sendMessage: unknown parameter 'colour'",
        "sendMessage: missing required parameter 'text'",
        "sendMessage: chat_id: expected Integer or String, got object {'id': 7}",
        "sendMessage: reply_markup.inline_keyboard[0][0].callback_data: must be 1-64 bytes, got 65",
        "sendMessage: text must be 1-4096 characters, got 4097",
    ]
    server.violations.clear()


def test_check_call_decodes_form_values_like_aiogram_sends_them() -> None:
    assert check_call("getUpdates", {"offset": "12", "timeout": "10", "allowed_updates": '["message"]'}) == []
    assert (
        check_call("sendMessage", {"chat_id": "@channel", "text": "x", "disable_notification": "true"}) == []
    )
    assert check_call("setMyCommands", {"commands": '[{"command": "start", "description": "شروع"}]'}) == []
    assert check_call("deleteWebhook", {"drop_pending_updates": "yes"}) == [
        "drop_pending_updates: expected Boolean, got 'yes'"
    ]
    assert check_call("setMyCommands", {"commands": "[]", "scope": '{"type": "chat"}'}) == [
        "scope.chat_id: required field of BotCommandScopeChat is missing"
    ]
    assert check_call("sendDocument", {"chat_id": "1", "document": "attach://part1"}) == [
        "document: 'attach://part1' names no uploaded file part"
    ]


# -- editing, deleting, formatting ----------------------------------------------------------------------
async def test_edits_deletes_and_telegram_errors(server: LocalBotApiServer, bot: Bot) -> None:
    ali = server.user(7, "علی", started=True)
    sent = await bot.send_message(ali.id, "پیش‌نویس", reply_markup=YES_NO)
    edited = await bot.edit_message_text(text="نهایی", chat_id=ali.id, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "نهایی"
    [msg] = server.messages_to(ali)
    assert msg.text == "نهایی" and msg.buttons == []  # an edit without reply_markup drops the keyboard
    assert [h.text for h in msg.history] == ["پیش‌نویس"]

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="نهایی", chat_id=ali.id, message_id=sent.message_id)
    await bot.edit_message_reply_markup(chat_id=ali.id, message_id=sent.message_id, reply_markup=YES_NO)
    assert server.messages_to(ali)[0].buttons == [["بله", "خیر"]]

    assert await bot.delete_message(ali.id, sent.message_id)
    assert server.messages_to(ali) == [] and len(server.messages_to(ali, include_deleted=True)) == 1
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ali.id, sent.message_id)


async def test_html_is_parsed_into_what_people_see(server: LocalBotApiServer, bot: Bot) -> None:
    ali = server.user(7, "علی", started=True)
    await bot.send_message(ali.id, "<b>مهلت</b> &lt;۳ روز&gt;\n", parse_mode="HTML")
    msg = server.last_message_to(ali)
    assert msg.text == "مهلت <۳ روز>"
    assert msg.entities == [{"type": "bold", "offset": 0, "length": 4}]
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ali.id, "a < b", parse_mode="HTML")  # unescaped user text
    assert parse_html("<pre><code class='language-py'>x</code></pre>")[1] == [
        {"type": "pre", "offset": 0, "length": 1, "language": "py"}
    ]


async def test_who_the_bot_may_write_to(server: LocalBotApiServer, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(404, "x")
    server.user(8, "سارا")
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(8, "x")
    server.user(9, "رضا", started=True).blocked_bot = True
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(9, "x")


async def test_fault_injection(server: LocalBotApiServer, bot: Bot) -> None:
    server.user(7, "علی", started=True)
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(7, "x")
    assert caught.value.retry_after == 3
    await bot.send_message(7, "x")
    assert [c.status for c in server.calls_of("sendMessage")] == [429, 200]


async def test_commands_are_stored_per_scope(server: LocalBotApiServer, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="شروع")])
    scope = BotCommandScopeChat(chat_id=7)
    await bot.set_my_commands([BotCommand(command="report", description="گزارش")], scope=scope)
    assert server.commands == {
        "default": [{"command": "start", "description": "شروع"}],
        "chat:7": [{"command": "report", "description": "گزارش"}],
    }
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["report"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])


async def test_reply_keyboard(server: LocalBotApiServer, bot: Bot) -> None:
    ali = server.user(7, "علی", started=True)
    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="گزارش‌ها")]], one_time_keyboard=True)
    await bot.send_message(ali.id, "منو", reply_markup=keyboard)
    assert server.reply_keyboard(ali) == [["گزارش‌ها"]]
    await server.press_reply_button(ali, "گزارش‌ها")
    assert server.reply_keyboard(ali) is None
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "گزارش‌ها"


# -- files ----------------------------------------------------------------------------------------------
async def test_bot_uploads_a_document_then_downloads_it(server: LocalBotApiServer, bot: Bot) -> None:
    ali = server.user(7, "علی", started=True)
    content = b"%PDF-1.4 report " * 1000
    sent = await bot.send_document(ali.id, BufferedInputFile(content, "گزارش.pdf"), caption="گزارش ماه")
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.mime_type) == ("گزارش.pdf", "application/pdf")
    assert sent.caption == "گزارش ماه"
    seen = server.last_message_to(ali)
    assert seen.document is not None and seen.document.data == content

    file = await bot.get_file(sent.document.file_id)
    assert file.file_size == len(content) and file.file_path
    downloaded = await bot.download_file(file.file_path)
    assert isinstance(downloaded, io.BytesIO) and downloaded.getvalue() == content

    photo = await bot.send_photo(ali.id, BufferedInputFile(png(640, 480), "chart.png"))
    assert photo.photo is not None and (photo.photo[-1].width, photo.photo[-1].height) == (640, 480)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(ali.id, BufferedInputFile(b"not an image", "x.png"))
    again = await bot.send_document(ali.id, sent.document.file_id)  # resending by file_id
    assert again.document is not None and again.document.file_unique_id == sent.document.file_unique_id


async def test_bot_downloads_what_a_person_uploads(server: LocalBotApiServer, bot: Bot) -> None:
    ali = server.user(7, "علی")
    content = "مصوبه شماره ۱۲".encode() * 100
    await server.send_document(ali, "مصوبه.docx", content, "application/vnd.openxmlformats", caption="پیوست")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.document is not None
    assert update.message.caption == "پیوست"
    downloaded = await bot.download(update.message.document)
    assert isinstance(downloaded, io.BytesIO) and downloaded.getvalue() == content
    with pytest.raises(aiohttp.ClientResponseError, match="404"):
        await bot.download_file("documents/nothing-here")


# -- the Bale profile -----------------------------------------------------------------------------------
async def test_bale_updates_lack_what_bale_leaves_out(
    bale: LocalBotApiServer, http: aiohttp.ClientSession
) -> None:
    bot = make_bot(bale)
    ali = bale.user(7, "علی")
    await server_send_and_press(bale, bot, ali.id)

    status, body = await raw_call(http, bale, "getUpdates", data={"offset": "2"})
    [update] = body["result"]
    query = update["callback_query"]
    assert status == 200 and "chat_instance" not in query
    assert {"is_bot", "language_code"}.isdisjoint(query["from"])
    assert "is_bot" not in query["message"]["from"]
    # ... which plain aiogram cannot parse: this is what the bot's own session must cope with.
    with pytest.raises(ClientDecodeError):
        await bot.get_updates(offset=2)
    await bot.session.close()


async def server_send_and_press(server: LocalBotApiServer, bot: Bot, user_id: int) -> None:
    await server.send_text(user_id, "/start")
    await bot.send_message(user_id, "انتخاب کنید", reply_markup=YES_NO)
    await server.press_button(user_id, "بله")


async def test_bale_quirks(bale: LocalBotApiServer, http: aiohttp.ClientSession) -> None:
    bot = make_bot(bale)
    bale.user(7, "علی", started=True)
    sent = await bot.send_message(7, "پیش‌نویس")

    status, body = await raw_call(
        http, bale, "editMessageText", data={"chat_id": "7", "message_id": "1", "text": "نو"}
    )
    assert (status, body) == (200, {"ok": True, "result": {"message_id": 0}})
    assert bale.last_message_to(7).text == "نو"  # the edit happened all the same
    with pytest.raises(ClientDecodeError):  # and plain aiogram cannot validate the stub
        await bot.edit_message_text(text="نوتر", chat_id=7, message_id=sent.message_id)

    with pytest.raises(TelegramBadRequest, match="method not supported"):
        await bot.set_my_commands([BotCommand(command="start", description="شروع")])
    with pytest.raises(TelegramBadRequest, match="parse_mode HTML is not supported"):
        await bot.send_message(7, "<b>x</b>", parse_mode="HTML")
    await bot.session.close()


# -- a real dispatcher, as the conversation tests run it ------------------------------------------------
async def run_polling(bot: Bot, router: Router) -> Callable[[], Awaitable[None]]:
    dp = Dispatcher()
    dp.include_router(router)
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))

    async def stop() -> None:
        await dp.stop_polling()
        await task

    return stop


async def test_conversation_with_a_running_bot(server: LocalBotApiServer, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("مصوبه را تأیید می‌کنید؟", reply_markup=YES_NO)

    @router.callback_query(F.data.startswith("answer:"))
    async def answer(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message) and query.data is not None
        await query.message.edit_text(f"پاسخ: {query.data.removeprefix('answer:')}")
        await query.answer("ثبت شد")

    stop = await run_polling(bot, router)
    ali = server.user(7, "علی")
    await server.send_text(ali, "/start")
    question = await server.wait_for_bot_message(ali)
    assert question.buttons == [["بله", "خیر"]]

    query_id = await server.press_button(ali, "بله")
    await server.wait_until(lambda: query_id in server.callback_answers, what="the callback answer")
    assert server.callback_answers[query_id] == {"text": "ثبت شد"}
    assert [m.text for m in server.messages_to(ali)] == ["پاسخ: yes"]
    await server.wait_for_idle()
    await stop()
    assert [c.method for c in server.calls if c.method != "getUpdates"] == [
        "getMe",
        "sendMessage",
        "editMessageText",
        "answerCallbackQuery",
    ]
    assert server.errors == []


# -- the control API for the web chat -------------------------------------------------------------------
async def test_sim_http_api(server: LocalBotApiServer, bot: Bot, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{server.base_url}/_sim/send_text", json={"user_id": 7, "text": "/start"}) as resp:
        assert resp.status == 200 and (await resp.json())["result"]["text"] == "/start"
    await bot.send_message(7, "سلام", reply_markup=YES_NO)
    async with http.post(f"{server.base_url}/_sim/press_button", json={"user_id": 7, "label": "خیر"}) as resp:
        query_id = (await resp.json())["result"]["callback_query_id"]
    await bot.answer_callback_query(query_id, text="باشه", show_alert=True)
    form = aiohttp.FormData({"user_id": "7"})
    form.add_field("file", b"abc", filename="a.txt", content_type="text/plain")
    async with http.post(f"{server.base_url}/_sim/upload", data=form) as resp:
        file_id = (await resp.json())["result"]["document"]["file_id"]
    async with http.get(f"{server.base_url}/_sim/file/{file_id}") as resp:
        assert await resp.read() == b"abc"
    async with http.get(f"{server.base_url}/_sim/messages", params={"user_id": "7"}) as resp:
        listing = (await resp.json())["result"]
    assert [(m["from_bot"], m["message"].get("text")) for m in listing["messages"]] == [
        (False, "/start"),
        (True, "سلام"),
        (False, None),
    ]
    assert listing["callback_answers"] == [
        {"callback_query_id": query_id, "text": "باشه", "show_alert": True}
    ]
    async with http.post(f"{server.base_url}/_sim/press_button", json={"user_id": 7, "label": "?"}) as resp:
        assert resp.status == 400 and "no inline button" in (await resp.json())["description"]
