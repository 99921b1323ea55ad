"""A half-filled form survives the bot being killed (SIGKILL) and started again: a real ``python -m bot run``
process against the local Bot API server, in both platform profiles.

The bot process reads the system clock, so the approval date is today's Tehran date.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.apiserver import LocalBotApiServer
from bot.apiserver.people import WAIT
from bot.apiserver.state import SimUser
from council.clock import SystemClock
from council.jalali import format_jalali_date, gregorian_to_jalali, tehran_date
from council.roles import Role
from storage.db import create_engine, session_factory
from storage.models import Council, Resolution, ResolutionVersion
from storage.repository import Repository

from .test_submission import STEP, TEXT, TEXT_1, TEXT_2, TITLE, summary

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"


class BotProcess:
    """``python -m bot run`` in a subprocess, talking to the test's server."""

    def __init__(
        self, server: LocalBotApiServer, db_url: str, data_dir: Path, profile: str, log: Path
    ) -> None:
        self.env = {
            **os.environ,
            "BOT_TOKEN": server.token,
            "BOT_API_URL": server.base_url,
            "BOT_PLATFORM": profile,
            "DATABASE_URL": db_url,
            "DATA_DIR": str(data_dir),
            "LOG_LEVEL": "WARNING",
            # A test person answers faster than the per-chat pace of 1 message a second.
            "OUTGOING_PER_CHAT_PER_SECOND": "1000",
        }
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        python = str(PYTHON) if PYTHON.exists() else sys.executable
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                python, "-m", "bot", "run", env=self.env, cwd=self.log.parent, stdout=out, stderr=out
            )

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL
        self.process = None


@pytest.fixture(params=["telegram", "bale"])
async def running(
    request: pytest.FixtureRequest, template_db: Path, tmp_path: Path
) -> AsyncIterator[tuple[LocalBotApiServer, BotProcess, str]]:
    db = tmp_path / "council.db"
    shutil.copy(template_db, db)
    url = f"sqlite+aiosqlite:///{db.as_posix()}"
    server = LocalBotApiServer(profile=str(request.param))
    await server.start()
    bot = BotProcess(server, url, tmp_path / "data", str(request.param), tmp_path / "bot.log")
    try:
        yield server, bot, url
    finally:
        if bot.process is not None:
            await bot.kill()
        await server.stop()


async def say(server: LocalBotApiServer, who: SimUser, text: str, timeout: float = WAIT) -> str:  # noqa: ASYNC109
    await server.send_text(who, text)
    return (await server.wait_for_bot_message(who, timeout=timeout)).content


async def press(server: LocalBotApiServer, who: SimUser, label: str, timeout: float = WAIT) -> str:  # noqa: ASYNC109
    await server.press_button(who, label)
    return (await server.wait_for_bot_message(who, timeout=timeout)).content


async def test_a_form_killed_half_way_is_resumed_after_a_restart_with_every_answer(
    running: tuple[LocalBotApiServer, BotProcess, str],
) -> None:
    server, bot, url = running
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        code = await Repository(session).create_invite(
            Role.SECRETARY, "C-SMN-SEMNAN", SystemClock().now() + dt.timedelta(days=1)
        )
        await session.commit()
    today = tehran_date(SystemClock().now())
    year, month, day = gregorian_to_jalali(today)

    await bot.start()
    zahra = server.user(1001, "زهرا")
    # The first answer waits for the process to start (imports, migrations, first poll).
    assert (await say(server, zahra, f"/start {code}", timeout=30)).startswith("زهرا، خوش آمدید!")
    await server.press_reply_button(zahra, "ثبت مصوبه جدید")
    await server.wait_for_bot_message(zahra)
    assert await say(server, zahra, "۱۲") == STEP[2]
    assert await say(server, zahra, "۴۵") == STEP[3]
    assert await say(server, zahra, f"{year}/{month}/{day}") == STEP[4]
    assert await say(server, zahra, TITLE) == STEP[5]
    assert (await say(server, zahra, TEXT_1)).startswith("دریافت شد")

    await bot.kill()
    await bot.start()

    resume = await say(server, zahra, "/new", timeout=30)
    assert resume == (
        "یک فرم مصوبه نیمه‌تمام دارید (در مرحله ۵ از ۸). آن را ادامه می‌دهید یا پیش‌نویس را حذف می‌کنید؟"
    )
    assert await press(
        server, zahra, "ادامه"
    ) == f"{STEP[5]}\nپاسخ فعلی: تا کنون {len(TEXT_1)} نویسه دریافت شده".translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    )
    await say(server, zahra, TEXT_2)
    assert await press(server, zahra, "پایان") == STEP[6]
    assert await press(server, zahra, "خدمات شهری") == STEP[7]
    assert await say(server, zahra, "۷ ۱ ۱") == STEP[8]
    assert await press(server, zahra, "رد شدن") == summary(date=format_jalali_date(today))
    # The first submission of a fresh process compiles every statement of the write path and notifies the
    # board: on a loaded machine (CI's two cores shared) that took more than the 5 s of one form step.
    sent = await press(server, zahra, "ارسال", timeout=30)
    assert sent.startswith("مصوبه ثبت و برای هیأت تطبیق ارسال شد.")

    async with session_factory(engine)() as session:
        resolution = (await session.scalars(sa.select(Resolution))).one()
        version = (await session.scalars(sa.select(ResolutionVersion))).one()
    await engine.dispose()
    assert (resolution.council_number, resolution.session_number, resolution.approval_date) == (
        "12",
        "45",
        today,
    )
    assert (version.title, version.text, version.category) == (TITLE, TEXT, "urban_services")


async def test_the_council_chosen_by_a_secretary_of_several_survives_a_restart(
    running: tuple[LocalBotApiServer, BotProcess, str],
) -> None:
    server, bot, url = running
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        repo = Repository(session)
        until = SystemClock().now() + dt.timedelta(days=1)
        codes = [await repo.create_invite(Role.SECRETARY, c, until) for c in ("C-SHR-BASTAM", "C-SMN-SEMNAN")]
        semnan = (await session.scalars(sa.select(Council.id).where(Council.code == "C-SMN-SEMNAN"))).one()
        await session.commit()
    today = tehran_date(SystemClock().now())
    year, month, day = gregorian_to_jalali(today)

    await bot.start()
    zahra = server.user(1001, "زهرا")
    assert (await say(server, zahra, f"/start {codes[0]}", timeout=30)).startswith("زهرا، خوش آمدید!")
    await say(server, zahra, f"/start {codes[1]}")
    assert await say(server, zahra, "/new") == "شما دبیر چند شورا هستید. این مصوبه برای کدام شوراست؟"
    assert await press(server, zahra, "شورای اسلامی شهر سمنان") == (
        f"مصوبه جدید شورای اسلامی شهر سمنان.\n\n{STEP[1]}"
    )
    assert await say(server, zahra, "۱۲") == STEP[2]
    assert await say(server, zahra, "۴۵") == STEP[3]

    await bot.kill()
    await bot.start()

    resume = await say(server, zahra, "/new", timeout=30)
    assert resume == (
        "یک فرم مصوبه نیمه‌تمام دارید (در مرحله ۳ از ۸). آن را ادامه می‌دهید یا پیش‌نویس را حذف می‌کنید؟"
    )
    assert await press(server, zahra, "ادامه") == STEP[3]
    assert await say(server, zahra, f"{year}/{month}/{day}") == STEP[4]
    assert await say(server, zahra, TITLE) == STEP[5]
    await say(server, zahra, TEXT)
    assert await press(server, zahra, "پایان") == STEP[6]
    # Semnan's 9 seats (Bastam, her first binding, has 5).
    assert await press(server, zahra, "خدمات شهری") == STEP[7]
    assert await say(server, zahra, "۷ ۱ ۱") == STEP[8]
    assert await press(server, zahra, "رد شدن") == summary(date=format_jalali_date(today))
    sent = await press(server, zahra, "ارسال", timeout=30)
    assert sent.startswith("مصوبه ثبت و برای هیأت تطبیق ارسال شد.")

    async with session_factory(engine)() as session:
        resolution = (await session.scalars(sa.select(Resolution))).one()
    await engine.dispose()
    assert (resolution.council_id, resolution.council_number, resolution.session_number) == (
        semnan,
        "12",
        "45",
    )
