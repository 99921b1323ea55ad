"""Conversation fixtures: the real bot, its real aiogram session over HTTP, and the local Bot API server.

Every conversation test runs once per platform profile (Telegram and Bale). The database is a SQLite file
made once per session from the migrations and the Semnan sample organisation, then copied for each test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.apiserver import LocalBotApiServer
from bot.apiserver.state import SimMessage, SimUser
from bot.app import Application
from bot.platform import PlatformSession
from bot.settings import Settings
from council.clock import MovableClock
from council.roles import Role
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.orgfile import load_org, parse_org_file
from storage.repository import Repository

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ORG = ROOT / "storage" / "sample" / "semnan.org"
# Friday 1405/09/06 10:30 Tehran.
START = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.UTC)


async def _fast_close(self: PlatformSession) -> None:
    # aiohttp's close waits 0.25 s for TLS shutdown; the local server speaks plain HTTP.
    if self._session is not None and not self._session.closed:
        await self._session.close()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database holding the sample organisation, built once."""
    path = tmp_path_factory.mktemp("template") / "council.db"

    async def build() -> None:
        url = f"sqlite+aiosqlite:///{path.as_posix()}"
        await upgrade_async(url)
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            await load_org(session, parse_org_file(SAMPLE_ORG.read_text(encoding="utf-8")))
        await engine.dispose()

    asyncio.run(build())
    return path


@dataclass
class World:
    """One running bot and the people around it."""

    server: LocalBotApiServer
    app: Application
    clock: MovableClock
    settings: Settings
    profile: str

    def repo_session(self):  # type: ignore[no-untyped-def]
        return session_factory(self.app.engine)()

    async def invite(self, role: Role, scope: str, *, valid_for: dt.timedelta = dt.timedelta(days=7)) -> str:
        async with self.repo_session() as session:
            code = await Repository(session, self.clock).create_invite(
                role, scope, self.clock.now() + valid_for
            )
            await session.commit()
        return code

    def person(self, user_id: int, first_name: str, language: str = "fa") -> SimUser:
        return self.server.user(user_id, first_name, language_code=language)

    async def say(self, who: SimUser, text: str) -> SimMessage:
        """Send ``text`` as ``who`` and return the bot's first answer."""
        await self.server.send_text(who, text)
        return await self.server.wait_for_bot_message(who)

    async def press(self, who: SimUser, label: str) -> str:
        """Press the inline button ``label`` and wait until the bot has answered the callback."""
        query_id = await self.server.press_button(who, label)
        await self.server.wait_until(lambda: query_id in self.server.callback_answers, what="callback answer")
        return query_id

    async def enrol(self, who: SimUser, role: Role, scope: str) -> SimMessage:
        """Invite ``who`` to ``role`` over ``scope`` and redeem it by /start CODE."""
        return await self.say(who, f"/start {await self.invite(role, scope)}")


def _count_updates_in_hand(app: Application) -> Callable[[], bool]:
    """Count the updates the app's dispatcher is handling (its ``feed_update``, which polling calls for each):
    the server's ``wait_for_idle`` waits for them, as a reply or notice sent after a slow step of a handler
    can come later than its quiet tenth of a second."""
    dispatcher = app.dispatcher
    feed = dispatcher.feed_update
    in_hand = 0

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal in_hand
        in_hand += 1
        try:
            return await feed(*args, **kwargs)
        finally:
            in_hand -= 1

    dispatcher.feed_update = counted  # type: ignore[method-assign]
    return lambda: in_hand > 0


@pytest.fixture(params=["telegram", "bale"])
async def world(
    request: pytest.FixtureRequest, template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[World]:
    monkeypatch.setattr(PlatformSession, "close", _fast_close)
    profile = str(request.param)
    db = tmp_path / "council.db"
    shutil.copy(template_db, db)
    clock = MovableClock(START)
    server = LocalBotApiServer(profile=profile, clock=lambda: int(clock.now().timestamp()))
    await server.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=server.token,
        bot_platform=profile,  # type: ignore[arg-type]
        bot_api_url=server.base_url,
        database_url=f"sqlite+aiosqlite:///{db.as_posix()}",
        data_dir=tmp_path / "data",
        # People in these tests answer far faster than any person types; pacing them at the platform's
        # 1 message/s per chat would only make the suite slow.
        outgoing_per_chat_per_second=1000.0,
        outgoing_global_per_second=10_000.0,
    )
    app = Application(settings, clock=clock)
    server.bot_busy = _count_updates_in_hand(app)
    await app.start(migrate=False, polling_timeout=1)
    try:
        yield World(server, app, clock, settings, profile)
    finally:
        await app.stop()
        await server.stop()
    server.assert_no_violations()
