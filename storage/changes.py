"""Whether the database may have changed since a moment ago, so facts read from it may be kept in memory.

:func:`state` returns a value that stays equal while nothing was committed to the database, or ``None``
when that cannot be known (then nothing is kept). Whoever keeps a fact tags it with the state read *before*
reading the fact, and serves it only while the state is still equal to the tag: a commit that lands during
or after the read changes the state, so the fact is read again.

The state has two parts:

* **This process** — a generation moved by every write made through a :class:`~sqlalchemy.orm.Session`
  (every repository and storage of the application): when the statement or flush runs, and again when its
  session commits or rolls back, so a reader that saw the old rows between a write and its commit cannot
  keep them past the commit. Writes to the tables in :data:`UNRELATED` (conversation state, sent messages,
  reminders, digests, invites) do not move it: no kept fact is made of them.
* **Other processes** (the ``council-bot`` CLI, another instance):

  - *SQLite* (WAL journal, as :func:`storage.db.create_engine` sets): the header of the WAL index (the
    ``-shm`` file) holds a counter that every committed transaction of every connection moves; it is read
    with one ``pread`` (a few microseconds). A database without one (in memory) keeps nothing.
  - *PostgreSQL*: a session that wrote sends ``NOTIFY council_changes`` in its transaction (delivered when
    it commits, to nobody if it rolls back); every process running the bot listens on a connection of its
    own (:class:`ChangeListener`, started by :class:`bot.app.Application`) and moves the generation on each
    notification. While that connection is not listening (not yet connected, lost, reconnecting) nothing is
    kept; when it is lost, the generation moves, since notifications may have been missed. So another
    process's commit is seen here once its notification arrived (on one machine well under a millisecond).

A write made around SQLAlchemy's sessions in this process (a ``Connection`` of its own) is seen on SQLite
(the WAL index) and on PostgreSQL when it sends the notification (see :data:`CHANNEL`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import weakref
from itertools import chain
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger(__name__)

#: The PostgreSQL notification channel: ``NOTIFY council_changes`` tells every running bot that data changed.
CHANNEL = "council_changes"

#: Tables whose writes change nothing that is kept in memory from the database.
UNRELATED = frozenset({"fsm_states", "sent_messages", "reminders", "digests", "invites"})

#: Set in a session's ``info`` while it has written what may be kept (until it commits or rolls back).
WROTE = "data_changed"
_generation = 0
#: Sent with this process's notifications, so that its listener does not count its own commits twice: they
#: moved the generation already, at commit (a notification heard a moment later would forget, needlessly,
#: what was read in between). A notification with another payload, or none (by hand), moves it.
SENDER = f"{os.getpid()}-{secrets.token_hex(4)}"


def generation() -> int:
    """A number that moves whenever this process may have changed data that is kept (see the module)."""
    return _generation


def bump() -> None:
    """Forget everything kept: something changed (or may have) behind the sessions' back."""
    global _generation
    _generation += 1


def state(engine: AsyncEngine | None) -> Any:
    """A value equal to an earlier one only if nothing was committed to ``engine``'s database in between,
    as far as this process can tell; ``None`` when it cannot tell."""
    if engine is None:
        return None
    watch = _watches.get(engine.sync_engine)
    if watch is None:
        watch = _watches[engine.sync_engine] = _watch_for(engine)
    outside = watch.outside()
    if outside is None:
        return None
    return (_generation, outside)


# --- this process's writes


def _mark(session: Session) -> None:
    bump()
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(execute_state: ORMExecuteState) -> None:
    if execute_state.is_select:
        return
    table = getattr(execute_state.statement, "table", None)
    if getattr(table, "name", None) in UNRELATED:
        return
    # Any other statement that is not a select — DML, or text — may change what is kept.
    _mark(execute_state.session)


def _pending_related(session: Session) -> bool:
    for row in chain(session.new, session.dirty, session.deleted):
        table = getattr(row, "__table__", None)
        if getattr(table, "name", None) not in UNRELATED:
            return True
    return False


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    if _pending_related(session):
        _mark(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # What is still pending is flushed after this hook: count it as written too.
    if not session.info.get(WROTE) and not _pending_related(session):
        return
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"NOTIFY {CHANNEL}, '{SENDER}'")


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(WROTE, False):
        bump()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    if session.info.pop(WROTE, False):
        bump()


# --- other processes' writes


class _Watch:
    def outside(self) -> Any:
        """A value that moves with other processes' commits, or ``None`` when they cannot be seen."""
        return None


class _WalIndex(_Watch):
    """SQLite in WAL mode: the WAL index header (its two copies of 48 bytes), whose change counter every
    commit moves (https://www.sqlite.org/walformat.html, "The WAL-Index Header"). The checkpoint information
    after it is left out: readers write their read marks there."""

    HEADER = 96

    def __init__(self, database: str) -> None:
        self.path = database + "-shm"
        self.fd: int | None = None
        self.inode = -1

    def outside(self) -> Any:
        try:
            inode = os.stat(self.path).st_ino
            if inode != self.inode or self.fd is None:
                # The file was made anew (the last connection closed, a new one opened): read the new one.
                if self.fd is not None:
                    os.close(self.fd)
                    self.fd = None
                self.fd = os.open(self.path, os.O_RDONLY)
                self.inode = os.fstat(self.fd).st_ino
            header = os.pread(self.fd, self.HEADER, 0)
        except OSError:
            return None
        if len(header) < self.HEADER or not any(header):
            return None
        return (self.inode, header)

    def __del__(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)


class _Notified(_Watch):
    """PostgreSQL: seen through :class:`ChangeListener`'s notifications while it listens."""

    def __init__(self) -> None:
        self.listening = False

    def outside(self) -> Any:
        return 0 if self.listening else None


#: Per engine (weakly: an engine disposed of and dropped takes its watch, and its open file, with it).
_watches: weakref.WeakKeyDictionary[sa.Engine, _Watch] = weakref.WeakKeyDictionary()


def _watch_for(engine: AsyncEngine) -> _Watch:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            return _WalIndex(os.path.abspath(database))
        return _Watch()
    if url.get_backend_name() == "postgresql":
        return _Notified()
    return _Watch()


def _heard(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
    if payload != SENDER:
        bump()


class ChangeListener:
    """PostgreSQL: a connection of its own that listens on :data:`CHANNEL` and moves the generation on
    every notification; reconnects after ``retry`` seconds when the connection is lost."""

    def __init__(self, engine: AsyncEngine, retry: float = 2.0) -> None:
        self.engine = engine
        self.retry = retry
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    @property
    def watch(self) -> _Notified:
        watch = _watches.get(self.engine.sync_engine)
        if not isinstance(watch, _Notified):
            watch = _watches[self.engine.sync_engine] = _Notified()
        return watch

    async def start(self, wait: float = 5.0) -> None:
        """Start listening; waits (up to ``wait`` seconds) until the first ``LISTEN`` is in place."""
        if self.engine.url.get_backend_name() != "postgresql" or self._task is not None:
            return
        self._task = asyncio.get_running_loop().create_task(self._run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), wait)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        import asyncpg

        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        watch = self.watch
        while True:
            lost = asyncio.Event()
            connection = None
            try:
                connection = await asyncpg.connect(dsn)
                connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, _heard)
                bump()  # whatever was kept before this moment may have missed notifications
                watch.listening = True
                self._listening.set()
                await lost.wait()
                log.warning("lost the connection listening for changes; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not listen for changes; retrying in %s s", self.retry)
            finally:
                watch.listening = False
                bump()
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=1)
            await asyncio.sleep(self.retry)
