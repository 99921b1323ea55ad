"""Reads that go around the unit of work's session: a status card asked for the first time (issue 6).

A card not kept in memory used to cost, through the update's ``AsyncSession``, three statements (its facts,
timeline and votes) and a commit: on SQLite each a hop to aiosqlite's thread and back plus SQLAlchemy's
ORM execution, on PostgreSQL a ``BEGIN``, the three statements and the ``COMMIT``, each a round trip, after
the pool's pre-ping (itself a ``BEGIN``, a ``;`` and a ``ROLLBACK``). About 3 ms of an update whose echo
costs 0.3 ms. A :class:`Reader` reads the same Core statements, compiled once per dialect, straight on a
connection of its own:

* **SQLite** (:class:`SqliteReader`): a synchronous ``sqlite3`` connection to the same file, used in the
  event loop's thread — the card's three indexed look-ups in one read transaction take some 0.1 ms, less
  than one hop to aiosqlite's thread. In WAL mode (every engine of :func:`storage.db.create_engine`) a
  reader never waits for a writer and sees every transaction committed before it began, by this process
  or another. The connection is ``query_only`` and its busy timeout is 0: when the database cannot be read
  at once (a writer recovering the WAL index, a lock taken by another program), :class:`Unavailable` is
  raised and the caller reads through its session as before, which may wait. The price: the look-ups run
  in the event loop, so a page not in the operating system's cache is read from disk while other updates
  wait (an indexed look-up reads a handful of pages).
* **PostgreSQL** (:class:`PostgresReader`): a few ``asyncpg`` connections of its own, opened and closed
  with the bot (:meth:`bot.app.Application.watch_changes`), with no reset on release and no pre-ping: one
  statement in autocommit (its own snapshot), prepared once per connection by asyncpg's statement cache —
  one round trip. A failed read (a connection lost) raises :class:`Unavailable` and the caller reads
  through its session, whose pool pings and reconnects.

A reader is offered (:func:`reader`) only to a session that has written nothing (see
:data:`storage.changes.WROTE`) and holds no pending changes: what that session wrote but did not commit
yet is not visible elsewhere, so such a unit of work keeps reading through its session.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import os
import sqlite3
import threading
import urllib.parse
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from . import changes
from .models import UTCDateTime

log = logging.getLogger(__name__)

#: The most connections a :class:`PostgresReader` opens.
POSTGRES_CONNECTIONS = 4
#: :meth:`PostgresReader.fetch_keyed`: the most statements of one kind in flight at once (the keys asked
#: meanwhile wait and go together in the next), and the most keys in one statement.
BATCHES_AT_ONCE = 1
BATCH_KEYS = 64


T = TypeVar("T")

#: Any Core select.
AnySelect = sa.Select[*tuple[Any, ...]]


class Unavailable(Exception):
    """The direct read could not be made now; read through the session instead."""


_fromisoformat = dt.datetime.fromisoformat
_UTC = dt.UTC


def _sqlite_instant(value: str) -> dt.datetime:
    """:class:`storage.models.UTCDateTime` read from SQLite, as a session reads it (``fromisoformat``, as
    SQLAlchemy's ``DATETIME``, then marked or made UTC) in one call instead of three."""
    parsed = _fromisoformat(value)
    return parsed.replace(tzinfo=_UTC) if parsed.tzinfo is None else parsed.astimezone(_UTC)


def _aware_instant(value: dt.datetime) -> dt.datetime:
    """:class:`storage.models.UTCDateTime` read by asyncpg (an aware ``datetime``), as a session reads it."""
    return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)


def instant_processor(dialect: sa.Dialect) -> Callable[[Any], dt.datetime]:
    """What makes a non-null value of a :class:`storage.models.UTCDateTime` column read from ``dialect``'s
    driver into what a session returns."""
    return _sqlite_instant if dialect.name == "sqlite" else _aware_instant


def result_processor(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    """The result processor a session applies to a column of ``type_`` (for instants, the same in one
    call: :func:`instant_processor`)."""
    if isinstance(type_, UTCDateTime) and dialect.driver in ("pysqlite", "aiosqlite", "asyncpg"):
        return instant_processor(dialect)
    processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).result_processor(dialect, None)
    return processor


class Prepared:
    """A Core select compiled once for a dialect: its SQL, the order of its parameters and the result
    processors of its columns (the ones a session's execution would apply: ``UTCDateTime``, dates, booleans,
    JSON). ``sample`` gives a value for each parameter the statement takes at execution; the others (an
    ``IN`` list of scope codes, say) are fixed at compile time."""

    __slots__ = ("processors", "slots", "sql", "template")

    def __init__(self, statement: AnySelect, dialect: sa.Dialect, sample: Mapping[str, Any]) -> None:
        compiled = statement.compile(dialect=dialect)
        expanded = compiled.construct_expanded_state(dict(sample))
        self.sql: str = expanded.statement
        names = tuple(expanded.positiontup or ())
        #: The parameters in order, with the fixed values in place; ``slots``: where the others go.
        self.template: tuple[Any, ...] = tuple(
            None if name in sample else expanded.parameters[name] for name in names
        )
        self.slots: tuple[tuple[int, str], ...] = tuple(
            (index, name) for index, name in enumerate(names) if name in sample
        )
        for name in sample:
            bind = compiled.binds[name]
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise TypeError(f"parameter {name!r} needs processing: not supported here")
        processors = [result_processor(column.type, dialect) for column in statement.selected_columns]
        #: The columns whose values are processed, with their processors.
        self.processors: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (index, process) for index, process in enumerate(processors) if process is not None
        )

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        arguments = list(self.template)
        for index, name in self.slots:
            arguments[index] = values[name]
        return arguments

    def row(self, raw: Sequence[Any]) -> list[Any]:
        row = list(raw)
        for index, process in self.processors:
            value = row[index]
            if value is not None:
                row[index] = process(value)
        return row


class Reader:
    """Reads outside a session; see the module."""

    dialect: sa.Dialect


#: What a read in one transaction is given: ``run(prepared, values)`` → the processed rows.
Run = Callable[[Prepared, Mapping[str, Any]], list[list[Any]]]


class SqliteReader(Reader):
    """Read-only ``sqlite3`` connections to the engine's database file, one per thread that reads (the
    event loop's; in tests, each loop's)."""

    def __init__(self, engine: AsyncEngine, path: str) -> None:
        self.dialect = engine.sync_engine.dialect
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._opened = 0  # moved by close(): every thread opens its connection anew

    def read(self, work: Callable[[Run], T]) -> T:
        """``work(run)`` in one read transaction (one snapshot), in this thread: the look-ups of a card take
        about 0.1 ms when the pages are in the operating system's cache (a hop to a worker thread, measured,
        cost more than that: see docs/PERFORMANCE.md)."""
        try:
            connection = self._connect()
            connection.execute("BEGIN")
        except sqlite3.ProgrammingError as exc:
            # Closed under it (not by :meth:`close`): the next read opens another.
            self._local.connection = None
            raise Unavailable(str(exc)) from exc
        except sqlite3.Error as exc:
            raise Unavailable(str(exc)) from exc

        def run(prepared: Prepared, values: Mapping[str, Any]) -> list[list[Any]]:
            try:
                rows = connection.execute(prepared.sql, prepared.arguments(values)).fetchall()
            except sqlite3.Error as exc:
                raise Unavailable(str(exc)) from exc
            return [prepared.row(raw) for raw in rows]

        try:
            return work(run)
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("COMMIT")

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection, opened anew when the file was made anew (a sandbox reset) or the reader
        was closed."""
        try:
            inode = os.stat(self.path).st_ino
        except OSError as exc:
            raise Unavailable(str(exc)) from exc
        local = self._local
        connection: sqlite3.Connection | None = getattr(local, "connection", None)
        if connection is not None and local.inode == inode and local.opened == self._opened:
            return connection
        # ``mode=rw``: never make a database file where there is none.
        uri = f"file:{urllib.parse.quote(self.path)}?mode=rw"
        connection = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA query_only=ON")
            connection.execute("PRAGMA busy_timeout=0")
            (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
            if mode != "wal":
                # Without WAL a reader may wait for a writer, or make it wait.
                raise Unavailable(f"journal mode {mode}")
        except BaseException:
            connection.close()
            raise
        with self._lock:
            self._connections.append(connection)
        local.connection, local.inode, local.opened = connection, inode, self._opened
        return connection

    def close(self) -> None:
        """Close every connection (the engine was disposed of); a later read opens new ones."""
        with self._lock:
            connections, self._connections = self._connections, []
            self._opened += 1
        for connection in connections:
            with contextlib.suppress(sqlite3.Error):
                connection.close()


class PostgresReader(Reader):
    """A few ``asyncpg`` connections of its own (see the module), at most :data:`POSTGRES_CONNECTIONS`;
    reads only while started. Not ``asyncpg``'s pool: its acquire and release cost about as much CPU as the
    round trip itself (50 µs each, measured), for waiting and resetting this reader does not need."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.dialect = engine.sync_engine.dialect
        self.engine = engine
        self.started = False
        self._idle: list[Any] = []
        self._open = 0  # connections open or being opened, idle or in use
        self._waiters: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._batches: dict[Prepared, _Batches] = {}

    async def start(self) -> None:
        """Open the first connection (a failure is raised: the reader stays stopped)."""
        if self.started:
            return
        self._idle.append(await self._connect())
        self.started = True

    async def stop(self) -> None:
        self.started = False
        idle, self._idle = self._idle, []
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(Unavailable("stopped"))
        self._waiters.clear()
        batches, self._batches = self._batches, {}
        for batch in batches.values():
            batch.fail("stopped")
        for connection in idle:
            self._open -= 1
            with contextlib.suppress(Exception):
                await connection.close(timeout=1)

    async def _connect(self) -> Any:
        import asyncpg

        self._open += 1
        try:
            dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            # Generic plans: this connection runs only the card statements, whose plans do not depend on
            # the values. With custom plans PostgreSQL planned each execution of the statement by
            # ``= ANY`` (its generic plan is costed for more keys than one card asks): 1.5–2.5 ms a card
            # against 0.5 ms (PostgreSQL 12 or later).
            return await asyncpg.connect(dsn, server_settings={"plan_cache_mode": "force_generic_plan"})
        except BaseException:
            self._open -= 1
            raise

    async def _acquire(self) -> Any:
        import asyncpg

        while self._idle:
            connection = self._idle.pop()
            if not connection.is_closed():
                return connection
            self._drop(connection)  # closed by the server while idle
        if self._open < POSTGRES_CONNECTIONS:
            try:
                return await self._connect()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                raise Unavailable(str(exc)) from exc
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return await waiter

    def _release(self, connection: Any) -> None:
        if not self.started or connection.is_closed():
            self._drop(connection)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    def _drop(self, connection: Any) -> None:
        self._open -= 1
        connection.terminate()
        # A reader waiting for a connection may now open one.
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(Unavailable("a connection was lost"))
                return

    async def fetch(self, prepared: Prepared, values: Mapping[str, Any]) -> list[list[Any]]:
        """The processed rows of one statement, in one round trip (autocommit)."""
        import asyncpg

        if not self.started:
            raise Unavailable("not started")
        connection = await self._acquire()
        try:
            rows = await connection.fetch(prepared.sql, *prepared.arguments(values))
        except asyncpg.PostgresError as exc:
            if isinstance(exc, asyncpg.PostgresConnectionError) or connection.is_closed():
                self._drop(connection)
            else:
                # The server refused this statement (a timeout, a schema being migrated): the session's
                # path reads it, or tells what is wrong.
                self._release(connection)
            raise Unavailable(str(exc)) from exc
        except Exception as exc:
            # The connection lost (asyncpg tells it several ways, e.g. an error that arrived between two
            # reads leaves its protocol out of step): not reused.
            self._drop(connection)
            log.warning("direct read failed; reading through the session", exc_info=True)
            raise Unavailable(str(exc)) from exc
        except BaseException:
            # Cancelled halfway through the protocol: the connection is not reused.
            self._drop(connection)
            raise
        self._release(connection)
        return [prepared.row(raw) for raw in rows]

    async def fetch_keyed(self, prepared: Prepared, column: int, key: Any) -> list[Any] | None:
        """The processed row of ``prepared`` whose column ``column`` is ``key`` (``None``: no such row).
        ``prepared`` takes the list of keys as its only parameter, ``keys`` (``= ANY(…)``): the keys asked
        while a statement of its kind is in flight (at most :data:`BATCH_KEYS`, :data:`BATCHES_AT_ONCE`
        in flight) wait and go together in one statement, one round trip for them all. A read that fails
        raises :class:`Unavailable` to each of its askers."""
        if not self.started:
            raise Unavailable("not started")
        batch = self._batches.get(prepared)
        if batch is None:
            batch = self._batches[prepared] = _Batches()
        if batch.running >= BATCHES_AT_ONCE:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            batch.waiting.setdefault(key, []).append(future)
            try:
                outcome = await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled() and future.result() is _LEAD:
                    # Chosen to lead the next statement, and cancelled before it could: another leads.
                    batch.running -= 1
                    self._hand_over(batch)
                raise
            if outcome is not _LEAD:
                return outcome  # type: ignore[no-any-return]
        else:
            batch.running += 1
        try:
            return await self._read_batch(prepared, column, batch, key)
        finally:
            batch.running -= 1
            self._hand_over(batch)

    async def _read_batch(
        self, prepared: Prepared, column: int, batch: _Batches, key: Any
    ) -> list[Any] | None:
        """One statement for ``key`` and the keys waiting (up to :data:`BATCH_KEYS`), whose askers it
        answers."""
        taken: dict[Any, list[asyncio.Future[Any]]] = {}
        for waiting in list(batch.waiting)[: BATCH_KEYS - 1]:
            # A key whose askers were all cancelled while waiting is not read.
            futures = [future for future in batch.waiting.pop(waiting) if not future.done()]
            if futures:
                taken[waiting] = futures
        keys = [key, *(k for k in taken if k != key)]
        try:
            rows = await self.fetch(prepared, {"keys": keys})
        except BaseException as exc:
            reason = str(exc) if isinstance(exc, Exception) else "the read was cancelled"
            for futures in taken.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(Unavailable(reason))
            raise
        found = {row[column]: row for row in rows}
        for waiting, futures in taken.items():
            row = found.get(waiting)
            for future in futures:
                if not future.done():
                    future.set_result(row)
        return found.get(key)

    def _hand_over(self, batch: _Batches) -> None:
        """Let askers still waiting lead the next statements, up to :data:`BATCHES_AT_ONCE` in flight."""
        while batch.running < BATCHES_AT_ONCE and batch.waiting:
            key = next(iter(batch.waiting))
            futures = batch.waiting[key]
            future = futures.pop(0)
            if not futures:
                del batch.waiting[key]
            if future.done():  # cancelled while waiting
                continue
            if futures:
                # The leader's key goes with it; the others asking for the same key keep waiting for it.
                batch.waiting[key] = futures
            batch.running += 1
            future.set_result(_LEAD)


#: What :meth:`PostgresReader.fetch_keyed` hands an asker chosen to lead the next statement.
_LEAD = object()


class _Batches:
    """Of one statement of :meth:`PostgresReader.fetch_keyed`: its statements in flight, and per key waiting,
    its askers."""

    __slots__ = ("running", "waiting")

    def __init__(self) -> None:
        self.running = 0
        self.waiting: dict[Any, list[asyncio.Future[Any]]] = {}

    def fail(self, reason: str) -> None:
        waiting, self.waiting = self.waiting, {}
        for futures in waiting.values():
            for future in futures:
                if not future.done():
                    future.set_exception(Unavailable(reason))


#: Per engine (weakly: an engine dropped takes its reader along).
_readers: weakref.WeakKeyDictionary[sa.Engine, Reader | None] = weakref.WeakKeyDictionary()


def _reader_of(engine: AsyncEngine) -> Reader | None:
    sync_engine = engine.sync_engine
    try:
        return _readers[sync_engine]
    except KeyError:
        pass
    made: Reader | None = None
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            made = SqliteReader(engine, os.path.abspath(database))
            event.listen(sync_engine, "engine_disposed", _closer(weakref.ref(made)))
    elif url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
        made = PostgresReader(engine)
    _readers[sync_engine] = made
    return made


def _closer(ref: weakref.ref[SqliteReader]) -> Callable[[Any], None]:
    def close(_engine: Any) -> None:
        made = ref()
        if made is not None:
            made.close()

    return close


def reader(session: AsyncSession) -> Reader | None:
    """The direct reader for ``session``'s database, if ``session`` may read around itself now: it has
    written nothing that is not committed (see the module)."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine):
        return None
    sync = session.sync_session
    if sync.info.get(changes.WROTE) or sync.new or sync.dirty or sync.deleted:
        return None
    made = _reader_of(engine)
    if isinstance(made, PostgresReader) and not made.started:
        return None
    return made


async def start(engine: AsyncEngine) -> None:
    """PostgreSQL: open the reader's pool (the bot does this at start); nothing to do on SQLite, whose
    reader opens its connection when first used."""
    made = _reader_of(engine)
    if isinstance(made, PostgresReader):
        try:
            await made.start()
        except Exception:
            log.exception("could not open the direct readers' connections; cards are read through sessions")


async def stop(engine: AsyncEngine) -> None:
    made = _readers.get(engine.sync_engine)
    if isinstance(made, PostgresReader):
        await made.stop()
    elif isinstance(made, SqliteReader):
        made.close()
