"""``council-bot audit verify``: passes on the bot's own log, fails naming the event a hand-made SQL change
broke — on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio

import pytest
import sqlalchemy as sa

from bot.commands import audit
from bot.settings import Settings
from council.clock import MovableClock
from council.status import Status
from storage.db import create_engine, session_factory
from storage.models import Event
from storage.repository import Repository

from .conftest import START
from .review_helpers import bring_to, seed


def verify(settings: Settings) -> int:
    parser = argparse.ArgumentParser(prog="council-bot")
    audit.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["audit", "verify"])
    result: int = args.func(args, settings)
    return result


@pytest.fixture
def log(sample_org: str, migrated_url: str) -> list[int]:
    """A resolution objected, escalated and annulled: the ids of its events."""

    async def build() -> list[int]:
        engine = create_engine(migrated_url)
        try:
            async with session_factory(engine)() as session:
                repo = Repository(session, MovableClock(START))
                people = await seed(repo, sample_org)
                rid = await bring_to(repo, people, repo.clock, Status.ANNULLED)  # type: ignore[arg-type]
                query = sa.select(Event.id).where(Event.resolution_id == rid).order_by(Event.id)
                return list(await session.scalars(query))
        finally:
            await engine.dispose()

    return asyncio.run(build())


def edit(url: str, statement: str, **params: object) -> None:
    """Change the database behind the bot's back."""

    async def run() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    statement_ = statement.replace(":payload", "CAST(:payload AS JSON)")
                else:
                    statement_ = statement
                await connection.execute(sa.text(statement_), params)
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_verify_reports_an_intact_chain_then_the_event_an_sql_update_changed(
    log: list[int], migrated_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=migrated_url, _env_file=None)  # type: ignore[call-arg]
    # submitted, two votes, the ruling, the insistence, the outcome
    assert len(log) == 6
    assert verify(settings) == 0
    assert capsys.readouterr().out == f"audit chain intact: {log[-1]} events\n"

    target = log[3]  # the ruling
    edit(
        migrated_url, "UPDATE events SET payload = :payload WHERE id = :id", payload='{"cycle": 1}', id=target
    )
    assert verify(settings) == 1
    assert capsys.readouterr().out == (
        f"audit chain broken at event #{target}: its content does not match its hash (the row was changed)\n"
    )


def test_verify_names_the_event_after_a_deleted_one(
    log: list[int], migrated_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=migrated_url, _env_file=None)  # type: ignore[call-arg]
    edit(migrated_url, "DELETE FROM events WHERE id = :id", id=log[2])
    assert verify(settings) == 1
    assert capsys.readouterr().out == (
        f"audit chain broken at event #{log[3]}: it does not link to the event before it "
        "(an event was deleted or reordered)\n"
    )
