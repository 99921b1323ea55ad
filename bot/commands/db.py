"""``council-bot db``: the database.

Usage::

    council-bot db upgrade

Also the one way the other commands open the database (:func:`open_database`).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from storage.db import create_engine, session_factory
from storage.migrate import upgrade, upgrade_async


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("db", help="the database")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser(
        "upgrade", help="apply the schema migrations to DATABASE_URL (or the embedded SQLite)"
    )
    up.set_defaults(func=upgrade_command)


def upgrade_command(args: argparse.Namespace, settings: Settings) -> int:
    url = settings.effective_database_url
    revision = upgrade(url)
    print(f"database {display_url(url)} is at revision {revision}")
    return 0


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    return sa.make_url(url).render_as_string(hide_password=True)


@asynccontextmanager
async def open_database(
    settings: Settings, *, migrate: bool = True
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the configured database, migrated first (a no-op when it is up to date)."""
    url = settings.effective_database_url
    if migrate:
        await upgrade_async(url)
    engine = create_engine(url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
