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
* **PostgreSQL** (:class:`PostgresReader`): a small ``asyncpg`` pool of its own, started and stopped with
  the bot (:meth:`bot.app.Application.watch_changes`), with no reset query on release and no pre-ping: one
  statement in autocommit (its own snapshot), prepared once per connection by asyncpg's statement cache —
  one round trip. A failed read (a connection lost) raises :class:`Unavailable` and the caller reads
  through its session, whose pool pings and reconnects.

A reader is offered (:func:`reader`) only to a session that has written nothing (see
:data:`storage.changes.WROTE`) and holds no pending changes: what that session wrote but did not commit
yet is not visible elsewhere, so such a unit of work keeps reading through its session.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from . import changes

log = logging.getLogger(__name__)

#: The most connections a :class:`PostgresReader` opens.
POSTGRES_POOL_SIZE = 4


T = TypeVar("T")

#: Any Core select.
AnySelect = sa.Select[*tuple[Any, ...]]


class Unavailable(Exception):
    """The direct read could not be made now; read through the session instead."""


class Prepared:
    """A Core select compiled once for a dialect: its SQL, the order of its parameters and the result
    processors of its columns (the ones a session's execution would apply: ``UTCDateTime``, dates, booleans,
    JSON). ``sample`` gives a value for each parameter the statement takes at execution; the others (an
    ``IN`` list of scope codes, say) are fixed at compile time."""

    __slots__ = ("fixed", "names", "processors", "sql", "variable")

    def __init__(self, statement: AnySelect, dialect: sa.Dialect, sample: Mapping[str, Any]) -> None:
        compiled = statement.compile(dialect=dialect)
        expanded = compiled.construct_expanded_state(dict(sample))
        self.sql: str = expanded.statement
        self.names: tuple[str, ...] = tuple(expanded.positiontup or ())
        self.fixed: dict[str, Any] = dict(expanded.parameters)
        self.variable = frozenset(sample)
        for name in self.variable:
            bind = compiled.binds[name]
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise TypeError(f"parameter {name!r} needs processing: not supported here")
        self.processors: tuple[Callable[[Any], Any] | None, ...] = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )

    def arguments(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(values[name] if name in self.variable else self.fixed[name] for name in self.names)

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(self.processors, raw, strict=True)
        )


class Reader:
    """Reads outside a session; see the module."""

    dialect: sa.Dialect


#: What a read in one transaction is given: ``run(prepared, values)`` → the processed rows.
Run = Callable[[Prepared, Mapping[str, Any]], list[tuple[Any, ...]]]


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
        except sqlite3.Error as exc:
            raise Unavailable(str(exc)) from exc

        def run(prepared: Prepared, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
            try:
                rows = connection.execute(prepared.sql, prepared.arguments(values)).fetchall()
            except sqlite3.OperationalError as exc:
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
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
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
    """A small ``asyncpg`` pool of its own (see the module); reads only while started."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.dialect = engine.sync_engine.dialect
        self.engine = engine
        self._pool: Any = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    async def start(self) -> None:
        import asyncpg

        if self._pool is not None:
            return
        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool = await asyncpg.create_pool(dsn, min_size=1, max_size=POSTGRES_POOL_SIZE, reset=_no_reset)

    async def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def fetch(self, prepared: Prepared, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The processed rows of one statement, in one round trip (autocommit)."""
        pool = self._pool
        if pool is None:
            raise Unavailable("not started")
        try:
            rows = await pool.fetch(prepared.sql, *prepared.arguments(values))
        except (OSError, ConnectionError) as exc:
            raise Unavailable(str(exc)) from exc
        except Exception as exc:
            import asyncpg

            lost = asyncpg.exceptions.InterfaceError | asyncpg.exceptions.PostgresConnectionError
            if isinstance(exc, lost):
                raise Unavailable(str(exc)) from exc
            raise
        return [prepared.row(raw) for raw in rows]


async def _no_reset(_connection: Any) -> None:
    """The pool's connections run single read-only statements in autocommit: nothing to reset (asyncpg's
    default reset is one more round trip per read)."""


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
