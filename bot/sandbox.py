"""The local sandbox: the real bot, the project's own Bot API server, demo people and a web chat.

``council-bot run`` without ``BOT_TOKEN`` (and ``council-bot sandbox``) land here. Nothing leaves the machine:
the bot talks to :class:`~bot.apiserver.LocalBotApiServer` on 127.0.0.1, on a database of its own
(``data/sandbox.db`` unless ``SANDBOX_DATABASE_URL`` says otherwise) holding the Semnan sample organisation
and one demo person per role. The web chat (:mod:`bot.webchat`) lets a browser act as any of them, move the
sandbox clock ahead and start over. See ``docs/SANDBOX.md``.

Every start begins from a clean sandbox, exactly like :meth:`Sandbox.reset`: the chats live in the local
server's memory, so keeping the database alone would leave people with data they cannot see.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import shutil
import signal
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from bot.apiserver import LocalBotApiServer
from bot.app import Application
from bot.i18n import make_i18n
from bot.settings import Settings
from bot.webchat import WebChat
from council.clock import OffsetClock
from council.roles import Role
from handlers.views import binding_line, scope_name
from storage.db import create_engine, is_sqlite, session_factory
from storage.migrate import upgrade_async
from storage.orgfile import load_org, parse_org_file
from storage.repository import Repository

log = logging.getLogger(__name__)

#: The sandbox bot's token on the local server (it never leaves 127.0.0.1).
SANDBOX_TOKEN = "100000:LOCAL-SANDBOX"
#: The longest single move of the sandbox clock the web chat accepts.
MAX_CLOCK_MOVE = dt.timedelta(days=400)


@dataclass(frozen=True)
class DemoPerson:
    """One person of the sandbox, bound to one role (Persian name, fixed platform user id)."""

    user_id: int
    first_name: str
    last_name: str
    role: Role
    scope: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


#: Who is in the sandbox: the Semnan city council's secretary and the people of the Semnan board around it.
DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(1001, "زهرا", "احمدی", Role.SECRETARY, "C-SMN-SEMNAN"),
    DemoPerson(1002, "علی", "رضایی", Role.MEMBER, "B-SMN"),
    DemoPerson(1003, "مریم", "کریمی", Role.MEMBER, "B-SMN"),
    DemoPerson(1004, "حسین", "موسوی", Role.MEMBER, "B-SMN"),
    DemoPerson(1005, "فاطمه", "حسینی", Role.EXPERT, "B-SMN"),
    DemoPerson(1006, "محمد", "صادقی", Role.BOARD_SECRETARY, "B-SMN"),
    DemoPerson(1007, "رضا", "محمدی", Role.OFFICIAL, "SMN"),
    DemoPerson(1008, "نرگس", "جعفری", Role.ADMIN, "IR"),
)


def sample_org_text() -> str:
    return resources.files("storage.sample").joinpath("semnan.org").read_text(encoding="utf-8")


def _delete_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _delete_sqlite_files(database: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(database + suffix).unlink(missing_ok=True)


async def recreate_database(url: str) -> None:
    """Empty the sandbox database: delete an SQLite file, or drop every table of another backend."""
    if is_sqlite(url):
        database = sa.make_url(url).database or ""
        if database and database != ":memory:":
            _delete_sqlite_files(database)
        return
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:

            def drop_all(sync_connection: sa.Connection) -> None:
                metadata = sa.MetaData()
                metadata.reflect(sync_connection)
                metadata.drop_all(sync_connection)

            await connection.run_sync(drop_all)
    finally:
        await engine.dispose()


class Sandbox:
    """The whole sandbox in one object: ``start()``, ``stop()``, ``reset()``, ``advance_clock()``.

    ``port=0`` picks a free port (tests); :attr:`url` is the web chat's address once started.
    """

    def __init__(self, settings: Settings, *, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.database_url = settings.effective_sandbox_database_url
        if self.database_url == settings.effective_database_url:
            raise ValueError(
                "SANDBOX_DATABASE_URL must differ from DATABASE_URL: a sandbox reset empties its database"
            )
        self.settings = settings
        #: The sandbox bot's DATA_DIR: its attachments stay apart from the real bot's, and go on reset.
        self.files_dir = settings.data_dir / "sandbox"
        self.host = host
        self._port = port
        self.clock = OffsetClock()
        self.server = LocalBotApiServer(
            token=SANDBOX_TOKEN,
            profile=settings.bot_platform,
            strict=False,  # a sandbox logs what the specification forbids and keeps going
            bot_username=settings.bot_username,
            clock=lambda: int(self.clock.now().timestamp()),
        )
        self.app: Application | None = None
        #: Role labels per demo user id, in Persian, as the bot words them (``منشی شورا — شورای …``).
        self.role_labels: dict[int, list[str]] = {}
        self.webchat = WebChat(self)
        self._web: web.AppRunner | None = None
        self._lock = asyncio.Lock()

    # -- lifecycle --------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """The web chat's address."""
        return f"http://{self.host}:{self._port}/"

    async def start(self) -> None:
        """Open the web chat's port first (a busy port fails fast), then the server, the data, the bot."""
        runner = web.AppRunner(
            self.webchat.make_app(), handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._web = runner
        self._port = runner.addresses[0][1]
        try:
            await self.server.start()
            async with self._lock:
                await self._populate()
                await self._start_bot()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop the bot, the web chat and the local server (in that order)."""
        await self._stop_bot()
        self.webchat.closing = True
        self.server.state.bot_activity.notify()  # ends the web chat's pending long polls
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        await self.server.stop()

    async def reset(self) -> None:
        """Start over: stop the bot, empty the database and the chats, rebuild the people, restart."""
        async with self._lock:
            await self._stop_bot()
            self.server.reset()
            self.clock.reset()
            await self._populate()
            await self._start_bot()
        log.info("sandbox reset")

    def advance_clock(self, delta: dt.timedelta) -> dt.datetime:
        """Move sandbox time ahead by ``delta``; returns the new sandbox time."""
        if delta > MAX_CLOCK_MOVE:
            raise ValueError(f"move the clock by at most {MAX_CLOCK_MOVE.days} days at a time")
        now = self.clock.advance(delta)
        if self.app is not None:
            self.app.sweep_soon()  # what fell due in the skipped time happens now
        # The local server's message dates follow the clock; wake the web chat's long polls so that the
        # page shows the new time at once.
        self.server.state.bot_activity.notify()
        log.info("sandbox clock moved ahead by %s to %s", delta, now.isoformat(timespec="minutes"))
        return now

    # -- pieces -----------------------------------------------------------------------------------------
    def _bot_settings(self) -> Settings:
        return self.settings.model_copy(
            update={
                "bot_token": self.server.token,
                "bot_api_url": self.server.base_url,
                "database_url": self.database_url,
                "data_dir": self.files_dir,
            }
        )

    async def _populate(self) -> None:
        """A fresh database: the sample organisation and the demo people (who appear on the server too)."""
        await recreate_database(self.database_url)
        _delete_folder(self.files_dir)
        await upgrade_async(self.database_url)
        engine = create_engine(self.database_url)
        i18n = make_i18n("fa")
        labels: dict[int, list[str]] = {}
        try:
            sessions = session_factory(engine)
            async with sessions() as session:
                await load_org(session, parse_org_file(sample_org_text()))
            async with sessions() as session:
                repo = Repository(session, self.clock)
                with i18n.context(), i18n.use_locale("fa"):
                    for demo in DEMO_PEOPLE:
                        person = await repo.upsert_person(demo.user_id, demo.name, language="fa")
                        await repo.grant_role(person.id, demo.role, demo.scope)
                        label = binding_line(demo.role, await scope_name(repo, demo.scope))
                        labels.setdefault(demo.user_id, []).append(label)
                await session.commit()
        finally:
            await engine.dispose()
        self.role_labels = labels
        for demo in DEMO_PEOPLE:
            self.server.user(demo.user_id, demo.first_name, "fa", last_name=demo.last_name, started=True)

    async def _start_bot(self) -> None:
        app = Application(self._bot_settings(), clock=self.clock)
        try:
            await app.start(migrate=False)
            # People bound directly (not by an invite) get their role's command menu as if they had joined.
            with app.i18n.context(), app.i18n.use_locale("fa"):
                for demo in DEMO_PEOPLE:
                    await app.menu.publish_for(app.bot, demo.user_id, [demo.role])
        except BaseException:
            await app.stop()
            raise
        self.app = app

    async def _stop_bot(self) -> None:
        if self.app is not None:
            app, self.app = self.app, None
            await app.stop()

    # -- for the web chat -------------------------------------------------------------------------------
    def people(self) -> list[dict[str, Any]]:
        """The demo people with their roles, in picker order."""
        return [
            {
                "user_id": demo.user_id,
                "name": demo.name,
                "role": demo.role.value,
                "roles": self.role_labels.get(demo.user_id, []),
            }
            for demo in DEMO_PEOPLE
        ]


def _cancel_on_sigterm(task: asyncio.Task[Any]) -> None:
    # SIGINT (Ctrl-C) already cancels asyncio.run's main task; make SIGTERM (a service manager) do the same.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


async def serve_sandbox(settings: Settings, port: int = 8080, host: str = "127.0.0.1") -> None:
    """Run the sandbox until cancelled; prints exactly one line, the web chat's address."""
    sandbox = Sandbox(settings, host=host, port=port)
    try:
        await sandbox.start()
    except OSError as error:
        raise SystemExit(
            f"sandbox: cannot listen on {host}:{port} ({error.strerror or error}); "
            "choose another port with SANDBOX_PORT=… or `council-bot sandbox --port …`"
        ) from None
    current = asyncio.current_task()
    if current is not None:
        _cancel_on_sigterm(current)
    print(
        f"sandbox: open {sandbox.url} in a browser (local Bot API server at {sandbox.server.base_url})",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()
