"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.db import create_engine
from storage.migrate import alembic_config, current_revision, head_revision, upgrade, upgrade_async
from storage.models import Base


def _differences(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_a_migrated_database_matches_the_models(migrated_url: str) -> None:
    engine = create_engine(migrated_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_a_new_database_is_upgraded_to_head_and_a_second_upgrade_changes_nothing(db_url: str) -> None:
    assert await current_revision(db_url) is None
    assert await upgrade_async(db_url) == head_revision() == "0009"
    assert await upgrade_async(db_url) == "0009"
    assert await current_revision(db_url) == "0009"


def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(db_url: str) -> None:
    migrated_url = db_url
    upgrade(migrated_url)

    def downgrade(connection: sa.Connection) -> list[str]:
        config = alembic_config(migrated_url)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        return [t for t in sa.inspect(connection).get_table_names() if t != "alembic_version"]

    async def run() -> list[str]:
        engine = create_engine(migrated_url, sqlite_foreign_keys=False)
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(downgrade)
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == []
    assert upgrade(migrated_url) == "0009"
