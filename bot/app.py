"""The application shell: builds the bot, the dispatcher and the database, and runs polling."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from council.clock import Clock, SystemClock
from handlers import build_router
from handlers.context import Deployment
from handlers.menu import CommandMenu
from handlers.notices import tell_unreachable
from reminders import buttons as reminder_buttons
from reminders.delivery import DeliveryReport
from reminders.scheduler import start_sweeps
from reminders.sweep import SweepContext, SweepReport, digests, sweep
from storage import direct
from storage.changes import ChangeListener
from storage.db import create_engine, session_factory
from storage.fsm import SqlStorage
from storage.migrate import upgrade_async
from storage.repository import Repository

from .i18n import CatalogueI18n, make_i18n
from .middlewares import ChatOrderedDispatcher, ContextMiddleware, run_magic_filters_inline, streamline
from .outgoing import FloodControl, bulk
from .platform import make_session
from .settings import Settings

log = logging.getLogger(__name__)

#: The cyclic garbage collector's first threshold in the bot's process: a young-generation pass after this
#: many new container objects instead of Python's 700 (see :func:`settle_garbage_collector`).
GC_YOUNG_THRESHOLD = 10_000


def settle_garbage_collector() -> None:
    """Tune Python's cyclic garbage collector for a long-running bot, once, before it starts serving.

    Measured (docs/PERFORMANCE.md, "Garbage collection"): with Python's defaults a status card read for the
    first time spent about a tenth of its CPU in the collector. The cards, people and search boundaries the
    bot keeps in memory are tracked objects that survive, and every so often a full pass walked all of them
    and everything built at start-up (the routers, the catalogues, the modules' own objects: some 400,000)
    — a pause of 0.2–0.3 s for everyone waiting. So:

    * what exists now is collected once and then frozen (``gc.freeze``): full passes skip it. Objects built
      at start-up live as long as the process; one that is freed later is still freed by its reference
      count, only a reference cycle among frozen objects would stay (none is made after this point: it runs
      before polling);
    * the young generation is collected every :data:`GC_YOUNG_THRESHOLD` new container objects instead of
      700: the same garbage is found, in fewer, slightly larger passes (an update makes a few hundred).
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def build_dispatcher(
    settings: Settings, engine: AsyncEngine, clock: Clock, i18n: CatalogueI18n, menu: CommandMenu
) -> Dispatcher:
    """The dispatcher with every router, the per-update context, and write-through FSM storage."""
    sessions = session_factory(engine)
    dispatcher = ChatOrderedDispatcher(
        storage=SqlStorage(sessions),
        deployment=Deployment(
            platform=settings.bot_platform,
            bot_username=settings.bot_username,
            invite_ttl_days=settings.invite_ttl_days,
            rules=settings.rules,
            data_dir=settings.data_dir,
            attachment_max_bytes=settings.attachment_max_bytes,
        ),
        menu=menu,
        i18n=i18n,
        settings=settings,
    )
    context = ContextMiddleware(sessions, clock, i18n)
    dispatcher.message.outer_middleware(context)
    dispatcher.callback_query.outer_middleware(context)
    dispatcher.include_router(reminder_buttons.make_router())
    dispatcher.include_router(build_router())
    run_magic_filters_inline(dispatcher)
    streamline(dispatcher)
    return dispatcher


class Application:
    """One running bot: start it, let it poll, stop it. Tests and the sandbox drive it the same way."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        if not settings.bot_token:
            raise ValueError("BOT_TOKEN is required to run against a Bot API server")
        self.settings = settings
        self.clock = clock or SystemClock()
        self.i18n = make_i18n(settings.default_language)
        self.menu = CommandMenu()
        self.engine = create_engine(settings.effective_database_url)
        self.bot = Bot(
            token=settings.bot_token,
            session=make_session(settings.api_base_url),
            default=DefaultBotProperties(parse_mode=None),
        )
        self.bot.session.middleware(FloodControl.from_settings(settings, on_blocked=self._on_blocked))
        self.dispatcher = build_dispatcher(settings, self.engine, self.clock, self.i18n, self.menu)
        self._polling: asyncio.Task[None] | None = None
        self._sessions = session_factory(self.engine)
        self._scheduler: AsyncIOScheduler | None = None
        self._sweep_lock = asyncio.Lock()
        self._sweep_tasks: set[asyncio.Task[SweepReport]] = set()
        self._blocked_tasks: set[asyncio.Task[None]] = set()
        self._changes = ChangeListener(self.engine)

    async def _on_blocked(self, chat_id: int) -> None:
        # In a task of its own: the failed call's caller may hold the database's write lock (SQLite).
        task = asyncio.get_running_loop().create_task(self.report_blocked(chat_id))
        self._blocked_tasks.add(task)
        task.add_done_callback(self._blocked_tasks.discard)

    async def wait_for_blocked_reports(self) -> None:
        """Until every report of a blocked user under way is done (tests, the CLI)."""
        while self._blocked_tasks:
            await asyncio.gather(*list(self._blocked_tasks), return_exceptions=True)

    async def report_blocked(self, user_id: int) -> None:
        """The platform says ``user_id`` blocked the bot: mark them unreachable and, the first time,
        tell their board secretary (or an admin)."""
        try:
            async with self._sessions() as session:
                repo = Repository(session, self.clock)
                person = await repo.report_unreachable(user_id)
                await session.commit()
                if person is not None:
                    with self.i18n.context():
                        await tell_unreachable(self.bot, repo, self.i18n, person)
                    await session.commit()
        except Exception:
            log.exception("could not report that user %s blocked the bot", user_id)

    async def watch_changes(self) -> None:
        """PostgreSQL: listen for other processes' commits (see :mod:`storage.changes`), so that status cards
        may be kept in memory, and open the connections that read a card not kept in one round trip (see
        :mod:`storage.direct`); nothing to do on SQLite. :meth:`start` calls it."""
        await self._changes.start()
        await direct.start(self.engine)

    async def stop_watching(self) -> None:
        await direct.stop(self.engine)
        await self._changes.stop()

    async def prepare(self, *, migrate: bool) -> None:
        """Migrate (when asked), learn the bot's username, drop any webhook, publish the default menu."""
        if migrate:
            await upgrade_async(self.settings.effective_database_url)
        me = await self.bot.get_me()
        if me.username:
            self.dispatcher["deployment"].bot_username = me.username
        await self.bot.delete_webhook(drop_pending_updates=False)
        with self.i18n.context(), self.i18n.use_locale(self.i18n.default_locale):
            await self.menu.publish_default(self.bot)

    def _sweep_context(self) -> SweepContext:
        deployment = self.dispatcher["deployment"]
        return SweepContext(
            bot=self.bot,
            sessions=self._sessions,
            i18n=self.i18n,
            clock=self.clock,
            rules=deployment.rules,
            data_dir=Path(deployment.data_dir),
            bulk=bulk,
        )

    async def sweep_now(self) -> SweepReport:
        """Run the sweep once, now (by the application clock): lapses due are processed and announced.

        Runs one at a time; tests and the sandbox call it after moving the clock.
        """
        async with self._sweep_lock:
            report = await sweep(self._sweep_context(), self.clock.now())
        sent = report.reminders
        if report.lapsed or report.escalated or report.failed or sent.sent or sent.dropped or sent.digests:
            log.info(
                "sweep: %d lapsed, %d escalated, %d failed; reminders: %d sent, %d dropped, %d deferred;"
                " digests: %d sent",
                len(report.lapsed),
                len(report.escalated),
                len(report.failed),
                len(sent.sent),
                len(sent.dropped),
                len(sent.deferred),
                len(sent.digests),
            )
        return report

    async def digest_now(self) -> DeliveryReport:
        """Plan and send the daily digests due now (the scheduler's 08:00 Tehran job)."""
        report = DeliveryReport()
        async with self._sweep_lock:
            await digests(self._sweep_context(), self.clock.now(), report)
        if report.digests:
            log.info("digest: %d sent", len(report.digests))
        return report

    def sweep_soon(self) -> None:
        """Run the sweep in the background (from code that cannot await, e.g. the sandbox's clock)."""
        task = asyncio.get_running_loop().create_task(self.sweep_now())
        self._sweep_tasks.add(task)
        task.add_done_callback(self._sweep_tasks.discard)

    async def start(self, *, migrate: bool = True, polling_timeout: int = 10) -> None:
        """Prepare, catch up on what fell due while the bot was down (one sweep), start polling in the
        background and the periodic sweep."""
        await self.prepare(migrate=migrate)
        await self.watch_changes()
        try:
            await self.sweep_now()
        except Exception:
            log.exception("the start-up sweep failed; the periodic sweep will try again")
        self._scheduler = start_sweeps(
            self.sweep_now, self.settings.sweep_interval_seconds, digest=self.digest_now
        )
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot, handle_signals=False, close_bot_session=False, polling_timeout=polling_timeout
            )
        )
        # Wait until the dispatcher is really polling, so the caller may send updates at once.
        for _ in range(200):
            if self.dispatcher._running_lock.locked():
                break
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop the sweeps and polling, close the HTTP session and the database."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        for task in list(self._sweep_tasks):
            task.cancel()
        await self.wait_for_blocked_reports()
        async with self._sweep_lock:
            pass  # a sweep under way finishes before the bot's session closes
        if self._polling is not None:
            with contextlib.suppress(RuntimeError):
                await self.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        await self.bot.session.close()
        await self.dispatcher.storage.close()
        await self.stop_watching()
        await self.engine.dispose()

    async def run_forever(self, *, migrate: bool) -> None:
        """Run until cancelled (Ctrl-C in the CLI): the bot's own process, whose garbage collector is settled
        before it starts (:func:`settle_garbage_collector`)."""
        settle_garbage_collector()
        await self.start(migrate=migrate)
        try:
            assert self._polling is not None
            await self._polling
        finally:
            await self.stop()
