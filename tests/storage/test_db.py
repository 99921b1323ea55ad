"""Engines: SQLite pragmas and folders, and instants that come back aware and in UTC on every backend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import SQLITE_BUSY_TIMEOUT_MS, create_engine
from storage.models import Person

TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'new' / 'folder' / 'x.db'}")
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (
                await connection.exec_driver_sql("PRAGMA busy_timeout")
            ).scalar() == SQLITE_BUSY_TIMEOUT_MS
    finally:
        await engine.dispose()
    assert (tmp_path / "new" / "folder" / "x.db").is_file()


async def test_sqlite_refuses_a_row_that_breaks_a_foreign_key(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            await connection.exec_driver_sql("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))")
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as connection:
                await connection.exec_driver_sql("INSERT INTO child VALUES (42)")
    finally:
        await engine.dispose()


async def test_an_instant_comes_back_aware_in_utc(session: AsyncSession) -> None:
    created = dt.datetime(2026, 11, 27, 14, 30, 15, 123456, tzinfo=TEHRAN)
    session.add(Person(platform_user_id=7, display_name="x", created_at=created))
    await session.commit()
    session.expunge_all()

    stored = await session.scalar(sa.select(Person.created_at))
    assert stored == dt.datetime(2026, 11, 27, 11, 0, 15, 123456, tzinfo=dt.UTC)
    assert stored is not None and stored.utcoffset() == dt.timedelta(0)
    # Comparisons in SQL see the same instant.
    assert await session.scalar(sa.select(sa.func.count()).where(Person.created_at < created)) == 0
    later = created + dt.timedelta(microseconds=1)
    assert await session.scalar(sa.select(sa.func.count()).where(Person.created_at < later)) == 1


async def test_a_naive_datetime_is_refused(session: AsyncSession) -> None:
    session.add(Person(platform_user_id=8, display_name="x", created_at=dt.datetime(2026, 11, 27, 8, 0)))
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        await session.flush()
