"""aiogram FSM storage in the database, so a half-filled form survives a restart (DESIGN §4).

Write-through: every ``set_state`` / ``set_data`` is an atomic upsert, committed before it returns, so a
person who has seen the next step of a form never loses the answer that led there. Inside an update's unit
of work (see :func:`unit_of_work`) the upsert runs in that session and commits the handler's work so far
with it — on SQLite a separate session would wait on the handler's own write lock. Outside one it is a
short transaction of its own. A cleared conversation keeps its row, with no state and empty data.

Reads are served from memory once a conversation's row has been read or written by this process: every
update reads the state (aiogram's FSM middleware) and a database round trip for it cost about a millisecond
of a status answer's eight. This is valid because one bot process polls a token (docs/OPERATIONS.md §5)
and only this storage writes ``fsm_states``: the process's copy is what it last committed. The writes stay
write-through — the copy is updated only after the commit succeeded — and a new process (a restart) starts
with nothing kept, so it reads what the previous one left in SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import Clock, SystemClock

from .db import dialect_insert
from .models import FsmState

_current_session: ContextVar[AsyncSession | None] = ContextVar("fsm_unit_of_work", default=None)


@contextmanager
def unit_of_work(session: AsyncSession) -> Iterator[None]:
    """Make FSM writes in this context run in ``session`` (each one commits it)."""
    token = _current_session.set(session)
    try:
        yield
    finally:
        _current_session.reset(token)


#: Conversations whose state and data are kept in memory; beyond it the least recently read are dropped.
CACHE_LIMIT = 100_000


class SqlStorage(BaseStorage):
    """FSM state and data in the ``fsm_states`` table, one row per conversation key.

    ``sessions`` is the application's session factory; the engine belongs to the application, so
    :meth:`close` leaves it open. Data must be JSON-serialisable (keep dates as ISO strings).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.sessions = sessions
        # Bot id and destiny are part of the key so two bots (or scenes) on one database never mix.
        self.key_builder = key_builder or DefaultKeyBuilder(
            with_bot_id=True, with_business_connection_id=True, with_destiny=True
        )
        self.clock = clock or SystemClock()
        # Key → (state, data) as committed; data is a JSON-made copy, never handed out itself.
        self._kept: dict[str, tuple[str | None, dict[str, Any]]] = {}
        # Key → writes so far: a read that missed keeps its row only if no write came in meanwhile.
        self._writes: dict[str, int] = {}

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(f"Data must be a dict or dict-like object, got {type(data).__name__}")
        try:
            # A copy that cannot share mutable parts with the caller, and an early, clear failure.
            stored = json.loads(json.dumps(data))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"FSM data must be JSON-serialisable: {exc}") from exc
        await self._write(key, data=stored)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data = (await self._read(key))[1]
        # A copy: the caller may change it (and its nested lists) without changing the kept one.
        return json.loads(json.dumps(data)) if data else {}

    async def close(self) -> None:
        """Nothing to release: the engine is the application's."""

    async def _read(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        built = self.key_builder.build(key)
        kept = self._kept.get(built)
        if kept is not None:
            return kept
        writes = self._writes.get(built, 0)
        current = _current_session.get()
        if current is not None:
            # Read through the unit of work's session, fresh (its identity map may hold an older row).
            row = await current.get(FsmState, built, populate_existing=True)
        else:
            async with self.sessions() as session:
                row = await session.get(FsmState, built)
        value: tuple[str | None, dict[str, Any]] = (row.state, dict(row.data)) if row else (None, {})
        if self._writes.get(built, 0) == writes:
            self._keep(built, value)
        return value

    def _keep(self, built: str, value: tuple[str | None, dict[str, Any]]) -> None:
        if built not in self._kept and len(self._kept) >= CACHE_LIMIT:
            oldest = next(iter(self._kept))
            del self._kept[oldest]
            self._writes.pop(oldest, None)
        self._kept[built] = value

    async def _write(self, key: StorageKey, **values: Any) -> None:
        """Upsert one field (``state`` or ``data``) of the conversation's row."""
        now = self.clock.now()
        built = self.key_builder.build(key)
        row = {"key": built, "state": None, "data": {}, "updated_at": now} | values
        # What the row holds after the upsert: the other field as it was (read before the write).
        before = await self._read(key)
        self._writes[built] = self._writes.get(built, 0) + 1
        self._kept.pop(built, None)
        current = _current_session.get()
        if current is not None:
            await current.execute(self._upsert(current, row, values, now))
            await current.commit()
        else:
            async with self.sessions() as session, session.begin():
                await session.execute(self._upsert(session, row, values, now))
        # Committed: keep what the database now holds.
        self._keep(built, (values.get("state", before[0]), values.get("data", before[1])))

    @staticmethod
    def _upsert(session: AsyncSession, row: dict[str, Any], values: dict[str, Any], now: Any) -> Any:
        return (
            dialect_insert(session)(FsmState)
            .values(**row)
            .on_conflict_do_update(index_elements=[FsmState.key], set_={**values, "updated_at": now})
        )
