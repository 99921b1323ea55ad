"""``storage.changes.state``: unchanged while nothing is committed; moved by a commit through a session of
this process, and by another program's commit — on SQLite through the WAL index, on PostgreSQL through the
notification its transaction sends; on PostgreSQL nothing is known (``None``) while nobody listens."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import changes
from storage.db import create_engine, session_factory
from storage.models import FsmState, Province


async def _moved(engine: AsyncEngine, since: Any) -> Any:
    # A notification arrives shortly after the other program's commit: wait for it (at most 5 s).
    for _ in range(500):
        now = changes.state(engine)
        if now is not None and now != since:
            return now
        await asyncio.sleep(0.01)
    raise AssertionError("the state did not move")


async def test_the_state_moves_with_every_commit_here_and_by_another_program(
    migrated_url: str, backend: str
) -> None:
    engine = create_engine(migrated_url)
    listener = changes.ChangeListener(engine)
    sessions = session_factory(engine)
    try:
        if backend == "postgresql":
            assert changes.state(engine) is None  # nobody listens yet: keep nothing
        await listener.start()
        async with sessions() as session:
            session.add(Province(code="XX", name="استان آزمایشی"))
            await session.commit()
        before = changes.state(engine)
        assert before is not None
        async with sessions() as session:
            assert (
                await session.scalar(sa.select(Province.name).where(Province.code == "XX")) == "استان آزمایشی"
            )
            await session.commit()
        if backend == "postgresql":
            await asyncio.sleep(0.2)  # this process's own notification has arrived: it is not counted twice
        assert changes.state(engine) == before  # reading changes nothing

        # Conversation state is not kept as a fact: writing it leaves the state alone (here).
        if backend == "postgresql":
            async with sessions() as session:
                session.add(FsmState(key="k", state=None, data={}, updated_at=sa.func.now()))
                await session.commit()
            await asyncio.sleep(0.2)
            assert changes.state(engine) == before

        # A write through a session of this process: the state moves at once.
        async with sessions() as session:
            await session.execute(sa.update(Province).where(Province.code == "XX").values(name="دیگر"))
            await session.commit()
        after = changes.state(engine)
        assert after not in (None, before)

        # Another program, which no session of this process hears of.
        if backend == "sqlite":
            database = migrated_url.removeprefix("sqlite+aiosqlite:///")
            with contextlib.closing(sqlite3.connect(database)) as other:
                other.execute("UPDATE provinces SET name = ? WHERE code = ?", ("سوم", "XX"))
                other.commit()
            assert changes.state(engine) not in (None, after)
        else:
            other = await asyncpg.connect(engine.url.set(drivername="postgresql").render_as_string(False))
            try:
                async with other.transaction():
                    await other.execute("UPDATE provinces SET name = 'سوم' WHERE code = 'XX'")
                    await other.execute(f"NOTIFY {changes.CHANNEL}")
            finally:
                await other.close()
            await _moved(engine, after)
            await listener.stop()
            assert changes.state(engine) is None  # nobody listens any more
    finally:
        await listener.stop()
        await engine.dispose()
