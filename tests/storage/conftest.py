"""Fixtures of the storage suite: every test runs on SQLite, and on PostgreSQL too with TEST_POSTGRES_URL.

``TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test`` — the database is wiped (its
``public`` schema dropped and recreated) before each test, so point it at a database that belongs to the
tests. If the variable is set and the server cannot be reached, the tests fail rather than skip.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from council.clock import MovableClock
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import EVENT_CHAIN_ROW, Base, EventChain
from storage.repository import Repository

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
SAMPLE_ORG = Path(__file__).resolve().parents[2] / "storage" / "sample" / "semnan.org"
START = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


async def _execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


class _PostgresState:
    #: Whether the test database holds the migrated schema (then emptying its tables is enough).
    migrated = False


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> str:
    """The URL of an empty database (not migrated)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{(tmp_path / 'db' / 'council.db').as_posix()}"
    assert POSTGRES_URL is not None
    asyncio.run(_execute(POSTGRES_URL, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
    _PostgresState.migrated = False
    return POSTGRES_URL


@pytest.fixture
def migrated_url(backend: str, tmp_path: Path) -> str:
    """The URL of a database migrated to the newest revision, with no rows but the event chain's head."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{(tmp_path / 'db' / 'council.db').as_posix()}"
        upgrade(url)
        return url
    assert POSTGRES_URL is not None
    if not _PostgresState.migrated:
        # Migrating is slow on PostgreSQL: do it once, then only empty the tables before each test.
        asyncio.run(_execute(POSTGRES_URL, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
        upgrade(POSTGRES_URL)
        _PostgresState.migrated = True
    else:
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        chain = EventChain.__table__.insert().values(**EVENT_CHAIN_ROW)
        insert_head = str(chain.compile(compile_kwargs={"literal_binds": True}))
        asyncio.run(_execute(POSTGRES_URL, f"TRUNCATE {tables} RESTART IDENTITY CASCADE", insert_head))
    return POSTGRES_URL


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def repo(session: AsyncSession, clock: MovableClock) -> Repository:
    return Repository(session, clock)


@pytest.fixture
def sample_org() -> str:
    return SAMPLE_ORG.read_text(encoding="utf-8")
