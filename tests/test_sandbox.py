"""The sandbox and its web chat's HTTP API: the real bot on the local server, demo people, clock, reset.

Each test starts a whole sandbox in-process on free ports with a temporary data directory, and talks to it
only over HTTP, as the page does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox import DEMO_PEOPLE, Sandbox
from bot.settings import Settings
from council.clock import OffsetClock
from council.jalali import format_jalali_datetime
from council.roles import Role
from handlers.menu import commands_for

SECRETARY, MEMBER = 1001, 1002
ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")

PEOPLE = [
    ("زهرا احمدی", "secretary", "منشی شورا — شورای اسلامی شهر سمنان"),
    ("علی رضایی", "member", "عضو هیأت تطبیق — هیأت تطبیق مصوبات شوراهای شهرستان سمنان"),
    ("مریم کریمی", "member", "عضو هیأت تطبیق — هیأت تطبیق مصوبات شوراهای شهرستان سمنان"),
    ("حسین موسوی", "member", "عضو هیأت تطبیق — هیأت تطبیق مصوبات شوراهای شهرستان سمنان"),
    ("فاطمه حسینی", "expert", "کارشناس مشورتی — هیأت تطبیق مصوبات شوراهای شهرستان سمنان"),
    ("محمد صادقی", "board_secretary", "دبیر هیأت تطبیق — هیأت تطبیق مصوبات شوراهای شهرستان سمنان"),
    ("رضا محمدی", "official", "ناظر — استان سمنان"),
    ("نرگس جعفری", "admin", "مدیر سامانه — سراسر کشور"),
]


def secretary_help() -> str:
    return (
        "نقش‌های شما:\n• منشی شورا — شورای اسلامی شهر سمنان\n"
        "  ارسال مصوبات شورا و پاسخ به اعتراض‌های هیأت تطبیق\n\nفرمان‌ها:\n"
        + "\n".join(f"/{name}" for name in commands_for([Role.SECRETARY]))
    )


class WebChatClient:
    """What the page does, over HTTP."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base.rstrip("/")
        self.versions: dict[int, str] = {}

    async def get(self, path: str, **params: Any) -> Any:
        async with self.http.get(self.base + path, params=params) as response:
            body = await response.json()
        assert body["ok"], body
        return body["result"]

    async def post(self, path: str, data: dict[str, Any], status: int = 200) -> Any:
        async with self.http.post(self.base + path, json=data) as response:
            body = await response.json()
            assert response.status == status, body
        return body["result"] if body["ok"] else body

    async def send(self, user_id: int, text: str) -> Any:
        return await self.post("/_sim/send_text", {"user_id": user_id, "text": text})

    async def chat(self, user_id: int) -> dict[str, Any]:
        result = await self.get("/api/chat", user_id=user_id)
        self.versions[user_id] = result["version"]
        return dict(result["chat"])

    async def wait_chat(
        self, user_id: int, condition: Callable[[dict[str, Any]], bool], within: float = 10.0
    ) -> dict[str, Any]:
        """Long-poll the person's chat until ``condition`` holds, as the page does."""
        chat = await self.chat(user_id)
        async with asyncio.timeout(within):
            while not condition(chat):
                result = await self.get("/api/chat", user_id=user_id, since=self.versions[user_id], wait=5)
                self.versions[user_id] = result["version"]
                if result["changed"]:
                    chat = result["chat"]
        return chat


def bot_texts(chat: dict[str, Any]) -> list[str]:
    return [m["text"] for m in chat["messages"] if m["from_bot"]]


def sandbox_settings(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture(params=["telegram", "bale"])
async def sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Sandbox]:
    box = Sandbox(sandbox_settings(tmp_path / "data", bot_platform=request.param), port=0)
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


@pytest.fixture
async def web(sandbox: Sandbox) -> AsyncIterator[WebChatClient]:
    async with aiohttp.ClientSession() as http:
        yield WebChatClient(http, sandbox.url)


async def test_the_page_is_plain_files_right_to_left_with_nothing_from_outside(web: WebChatClient) -> None:
    async with web.http.get(web.base + "/") as response:
        assert response.content_type == "text/html"
        page = await response.text()
    assert '<html lang="fa" dir="rtl">' in page
    assert 'name="viewport" content="width=device-width' in page
    for name, ctype in [("app.css", "text/css"), ("app.js", "text/javascript")]:
        async with web.http.get(f"{web.base}/{name}") as response:
            assert response.status == 200 and response.content_type == ctype
            page += await response.text()
    # No CDN, no web font, no remote script: the sandbox works with no internet.
    assert not re.search(r"""(src|href)\s*=\s*["']https?:|@import|url\(\s*["']?https?:""", page)


async def test_the_demo_people_are_listed_with_their_roles(sandbox: Sandbox, web: WebChatClient) -> None:
    state = await web.get("/api/state")
    assert state["platform"] == sandbox.server.profile.name
    assert [(p["name"], p["role"], p["roles"]) for p in state["people"]] == [
        (name, role, [label]) for name, role, label in PEOPLE
    ]
    assert [p["user_id"] for p in state["people"]] == [d.user_id for d in DEMO_PEOPLE]
    assert all(p["bot_messages"] == 0 for p in state["people"])
    assert state["clock"]["offset_seconds"] == 0
    # The sandbox has a database of its own, never the real one.
    assert (sandbox.settings.data_dir / "sandbox.db").exists()
    assert not (sandbox.settings.data_dir / "council.db").exists()
    assert sandbox.app is not None
    assert sandbox.app.settings.data_dir == sandbox.settings.data_dir / "sandbox"  # its files apart too


async def test_the_secretary_asks_for_help_and_gets_her_roles(sandbox: Sandbox, web: WebChatClient) -> None:
    sent = await web.send(SECRETARY, "/help")
    assert sent["text"] == "/help"
    chat = await web.wait_chat(SECRETARY, lambda c: len(bot_texts(c)) == 1)
    assert [(m["from_bot"], m["text"]) for m in chat["messages"]] == [
        (False, "/help"),
        (True, secretary_help()),
    ]
    if sandbox.server.profile.commands_supported:
        assert [c["command"] for c in chat["commands"]] == commands_for([Role.SECRETARY])
    else:
        assert chat["commands"] == []  # Bale: no menus; the page offers /help on its own
    # Each person has a conversation of their own.
    assert (await web.chat(MEMBER))["messages"] == []
    people = {p["user_id"]: p["bot_messages"] for p in (await web.get("/api/state"))["people"]}
    assert people[SECRETARY] == 1 and people[MEMBER] == 0


async def test_a_long_poll_returns_as_soon_as_the_bot_answers(web: WebChatClient) -> None:
    await web.chat(SECRETARY)
    version = web.versions[SECRETARY]
    # Nothing changes: the poll waits its whole time and says so.
    quiet = await web.get("/api/chat", user_id=SECRETARY, since=version, wait=0.3)
    assert quiet["changed"] is False and "chat" not in quiet and quiet["version"] == version
    await web.send(SECRETARY, "/help")
    loop = asyncio.get_running_loop()
    started = loop.time()
    woken = await web.get("/api/chat", user_id=SECRETARY, since=version, wait=20)
    assert woken["changed"] is True and loop.time() - started < 5


async def test_pressing_an_inline_button_edits_the_message_in_place(web: WebChatClient) -> None:
    await web.send(SECRETARY, "/language")
    chat = await web.wait_chat(SECRETARY, lambda c: len(bot_texts(c)) == 1)
    prompt = chat["messages"][-1]
    assert prompt["text"] == "زبان را انتخاب کنید:"
    assert prompt["buttons"] == [
        [{"text": "فارسی", "callback": True}, {"text": "English", "callback": True}]
    ]
    assert prompt["edited"] is False

    pressed = await web.post(
        "/_sim/press_button", {"user_id": SECRETARY, "label": "English", "message_id": prompt["id"]}
    )
    assert pressed["callback_query_id"]
    chat = await web.wait_chat(SECRETARY, lambda c: c["messages"][-1]["edited"])
    edited = chat["messages"][-1]
    assert (edited["id"], edited["text"], edited.get("buttons")) == (
        prompt["id"],
        "The interface language is now English.",
        None,
    )
    assert len(chat["messages"]) == 2  # edited in place, nothing new
    # A button that is no longer there cannot be pressed.
    refused = await web.post(
        "/_sim/press_button", {"user_id": SECRETARY, "label": "English", "message_id": prompt["id"]}, 400
    )
    assert "sees no inline button 'English'" in refused["description"]


async def test_a_person_uploads_a_file_and_it_can_be_downloaded(web: WebChatClient) -> None:
    content = "صورت‌جلسه امضاشده".encode() + bytes(range(256))
    form = aiohttp.FormData()
    form.add_field("user_id", str(SECRETARY))
    form.add_field("caption", "صورت‌جلسه")
    form.add_field("file", content, filename="minutes.pdf", content_type="application/pdf")
    async with web.http.post(web.base + "/_sim/upload", data=form) as response:
        sent = (await response.json())["result"]
    assert sent["document"]["file_name"] == "minutes.pdf" and sent["caption"] == "صورت‌جلسه"

    chat = await web.chat(SECRETARY)
    mine = chat["messages"][0]
    assert mine["from_bot"] is False and mine["text"] == "صورت‌جلسه"
    assert mine["document"]["name"] == "minutes.pdf"
    assert mine["document"]["size"] == len(content)
    async with web.http.get(web.base + mine["document"]["url"]) as response:
        assert response.content_type == "application/pdf"
        assert await response.read() == content


async def test_the_clock_moves_ahead_and_new_messages_carry_sandbox_time(
    sandbox: Sandbox, web: WebChatClient
) -> None:
    before = (await web.get("/api/state"))["clock"]
    moved = await web.post("/api/clock", {"days": 1})
    assert moved["offset_seconds"] == 86_400
    assert moved["jalali"] != before["jalali"]
    assert moved["jalali"] == format_jalali_datetime(dt.datetime.fromisoformat(moved["now"]))
    moved = await web.post("/api/clock", {"hours": 1})
    assert moved["offset_seconds"] == 90_000

    await web.send(SECRETARY, "/help")
    await web.wait_chat(SECRETARY, lambda c: len(bot_texts(c)) == 1)
    sandbox_now = sandbox.clock.now().timestamp()
    for message in sandbox.server.chat_history(SECRETARY):
        assert abs(message.date - sandbox_now) < 60

    for wrong in [{"days": -1}, {"hours": 0}, {}, {"days": 401}, {"days": "x"}]:
        refused = await web.post("/api/clock", wrong, 400)
        assert refused["ok"] is False
    assert (await web.get("/api/state"))["clock"]["offset_seconds"] == 90_000


async def test_reset_restores_an_empty_sandbox(sandbox: Sandbox, web: WebChatClient) -> None:
    await web.send(SECRETARY, "/language")
    chat = await web.wait_chat(SECRETARY, lambda c: len(bot_texts(c)) == 1)
    await web.post(
        "/_sim/press_button",
        {"user_id": SECRETARY, "label": "English", "message_id": chat["messages"][-1]["id"]},
    )
    await web.wait_chat(SECRETARY, lambda c: c["messages"][-1]["edited"])
    await web.post("/api/clock", {"days": 10})

    result = await web.post("/api/reset", {})
    assert result["clock"]["offset_seconds"] == 0
    assert [p["name"] for p in result["people"]] == [name for name, _r, _l in PEOPLE]
    assert (await web.chat(SECRETARY))["messages"] == []
    # The bot runs again, on fresh data: the secretary speaks Persian again.
    await web.send(SECRETARY, "/help")
    chat = await web.wait_chat(SECRETARY, lambda c: len(bot_texts(c)) == 1)
    assert bot_texts(chat) == [secretary_help()]
    sandbox.server.assert_no_violations()


async def test_a_sandbox_never_uses_the_real_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{(tmp_path / 'council.db').as_posix()}"
    with pytest.raises(ValueError, match="SANDBOX_DATABASE_URL must differ from DATABASE_URL"):
        Sandbox(sandbox_settings(tmp_path, database_url=url, sandbox_database_url=url))


@pytest.mark.skipif(not POSTGRES_URL, reason="runs on PostgreSQL when TEST_POSTGRES_URL is set")
async def test_the_sandbox_resets_on_postgresql(tmp_path: Path) -> None:
    box = Sandbox(sandbox_settings(tmp_path, sandbox_database_url=POSTGRES_URL), port=0)
    await box.start()
    try:
        async with aiohttp.ClientSession() as http:
            web = WebChatClient(http, box.url)
            await web.send(SECRETARY, "/help")
            assert bot_texts(await web.wait_chat(SECRETARY, lambda c: bool(bot_texts(c)))) == [
                secretary_help()
            ]
            await web.post("/api/reset", {})
            await web.send(SECRETARY, "/help")
            assert bot_texts(await web.wait_chat(SECRETARY, lambda c: bool(bot_texts(c)))) == [
                secretary_help()
            ]
    finally:
        await box.stop()


def test_the_offset_clock_runs_with_the_wall_clock_and_only_moves_ahead() -> None:
    class Fixed:
        instant = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.UTC)

        def now(self) -> dt.datetime:
            return self.instant

    base = Fixed()
    clock = OffsetClock(base)
    assert clock.now() == base.instant and clock.offset == dt.timedelta(0)
    assert clock.advance(dt.timedelta(days=10)) == dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC)
    base.instant += dt.timedelta(minutes=5)  # the wall clock goes on
    assert clock.now() == dt.datetime(2026, 12, 7, 7, 5, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(dt.timedelta(seconds=-1))
    clock.reset()
    assert clock.now() == base.instant
    assert abs(OffsetClock().now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


def _sigint_as_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "service manager"])
def test_run_without_a_token_starts_the_sandbox_and_prints_one_line(
    tmp_path: Path, stop: signal.Signals
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL", "SANDBOX_"))}
    env.update(DATA_DIR=str(tmp_path / "data"), SANDBOX_PORT="0", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,  # no .env here
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: Ctrl-C's signal handled as by default. A suite started in the background by a
        # shell without job control inherits SIGINT ignored, and so would the bot (Python then leaves it so).
        preexec_fn=_sigint_as_default,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the sandbox is up (or the process ends)
        match = re.fullmatch(
            r"sandbox: open (http://127\.0\.0\.1:(\d+)/) in a browser "
            r"\(local Bot API server at http://127\.0\.0\.1:\d+\)\n",
            line,
        )
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        page = subprocess.run(
            [sys.executable, "-c", f"import urllib.request; print(urllib.request.urlopen({match[1]!r}).read()"
             ".decode())"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout
        assert '<html lang="fa" dir="rtl">' in page
        assert (tmp_path / "data" / "sandbox.db").exists()
    finally:
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert out == ""  # the one line was all
    assert "Traceback" not in err
