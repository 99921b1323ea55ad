"""Apply the Alembic migrations, configured in code (no ``alembic.ini`` to ship or to find).

The migrations live in the package folder ``storage/migrations``; the database URL is passed in, never read
from a file. ``upgrade(url)`` is for synchronous callers (the CLI), ``await upgrade_async(url)`` for code
already running in an event loop (tests, the app).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.db import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | sa.URL | None = None) -> Config:
    """An Alembic configuration for ``url``; ``env.py`` uses ``config.attributes["connection"]`` when set."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is None:
        return config
    rendered = sa.make_url(url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))  # ConfigParser interpolation
    return config


def head_revision() -> str:
    """The newest revision shipped with the code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


async def upgrade_async(url: str | sa.URL, revision: str = "head") -> str:
    """Migrate the database at ``url`` to ``revision``; return the revision it is at afterwards."""
    config = alembic_config(url)
    # Migrations may rebuild SQLite tables: foreign keys are checked by the application's engine, not here.
    engine = create_engine(url, sqlite_foreign_keys=False)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(_upgrade, config, revision)
    finally:
        await engine.dispose()


def upgrade(url: str | sa.URL, revision: str = "head") -> str:
    """Synchronous :func:`upgrade_async`, for callers without an event loop."""
    return asyncio.run(upgrade_async(url, revision))


async def current_revision(url: str | sa.URL) -> str | None:
    """The revision the database is at, or ``None`` for a database never migrated."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def _upgrade(connection: sa.Connection, config: Config, revision: str) -> str:
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    current = MigrationContext.configure(connection).get_current_revision()
    return current or ""
