"""aiogram FSM storage in the database, so a half-filled form survives a restart (DESIGN §4).

Write-through: every ``set_state`` / ``set_data`` is an atomic upsert, committed before it returns, so a
person who has seen the next step of a form never loses the answer that led there. Inside an update's unit
of work (see :func:`unit_of_work`) the upsert runs in that session and commits the handler's work so far
with it — on SQLite a separate session would wait on the handler's own write lock. Outside one it is a
short transaction of its own. A cleared conversation keeps its row, with no state and empty data.
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

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._read(key)
        return row.state if row else None

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
        row = await self._read(key)
        return dict(row.data) if row else {}

    async def close(self) -> None:
        """Nothing to release: the engine is the application's."""

    async def _read(self, key: StorageKey) -> FsmState | None:
        current = _current_session.get()
        if current is not None:
            # Read through the unit of work's session, fresh (its identity map may hold an older row).
            return await current.get(FsmState, self.key_builder.build(key), populate_existing=True)
        async with self.sessions() as session:
            return await session.get(FsmState, self.key_builder.build(key))

    async def _write(self, key: StorageKey, **values: Any) -> None:
        """Upsert one field (``state`` or ``data``) of the conversation's row."""
        now = self.clock.now()
        row = {"key": self.key_builder.build(key), "state": None, "data": {}, "updated_at": now} | values
        current = _current_session.get()
        if current is not None:
            await current.execute(self._upsert(current, row, values, now))
            await current.commit()
            return
        async with self.sessions() as session, session.begin():
            await session.execute(self._upsert(session, row, values, now))

    @staticmethod
    def _upsert(session: AsyncSession, row: dict[str, Any], values: dict[str, Any], now: Any) -> Any:
        return (
            dialect_insert(session)(FsmState)
            .values(**row)
            .on_conflict_do_update(index_elements=[FsmState.key], set_={**values, "updated_at": now})
        )
