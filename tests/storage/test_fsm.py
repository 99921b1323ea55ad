"""A half-filled form survives a restart: FSM state and data live in the database."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from storage.db import create_engine, session_factory
from storage.fsm import SqlStorage, unit_of_work

KEY = StorageKey(bot_id=1, chat_id=100, user_id=100)


class Submission(StatesGroup):
    title = State()
    votes = State()


async def test_state_and_data_come_back_after_the_engine_is_rebuilt(migrated_url: str) -> None:
    engine = create_engine(migrated_url)
    storage = SqlStorage(session_factory(engine))
    await storage.set_state(KEY, Submission.votes)
    await storage.set_data(KEY, {"title": "نرخ عوارض ۱۴۰۵", "votes": [7, 1, 1], "skip": None})
    await storage.close()
    await engine.dispose()

    engine = create_engine(migrated_url)
    try:
        storage = SqlStorage(session_factory(engine))
        assert await storage.get_state(KEY) == "Submission:votes"
        assert await storage.get_data(KEY) == {"title": "نرخ عوارض ۱۴۰۵", "votes": [7, 1, 1], "skip": None}
    finally:
        await engine.dispose()


async def test_an_unknown_conversation_has_no_state_and_empty_data(sessions) -> None:
    storage = SqlStorage(sessions)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
    assert await storage.get_value(KEY, "title", "-") == "-"


async def test_state_and_data_are_set_independently_and_can_be_cleared(sessions) -> None:
    storage = SqlStorage(sessions)
    await storage.set_data(KEY, {"a": 1})
    await storage.set_state(KEY, "Submission:title")
    assert await storage.update_data(KEY, {"b": 2}) == {"a": 1, "b": 2}
    assert (await storage.get_state(KEY), await storage.get_data(KEY)) == (
        "Submission:title",
        {"a": 1, "b": 2},
    )

    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert (await storage.get_state(KEY), await storage.get_data(KEY)) == (None, {})


async def test_other_bots_chats_and_destinies_do_not_share_state(sessions) -> None:
    storage = SqlStorage(sessions)
    await storage.set_state(KEY, "one")
    others = [
        StorageKey(bot_id=2, chat_id=100, user_id=100),
        StorageKey(bot_id=1, chat_id=101, user_id=100),
        StorageKey(bot_id=1, chat_id=100, user_id=100, destiny="scene"),
    ]
    for other in others:
        assert await storage.get_state(other) is None


async def test_data_must_be_a_json_serialisable_dict(sessions) -> None:
    storage = SqlStorage(sessions)
    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="JSON-serialisable"):
        await storage.set_data(KEY, {"when": object()})
    assert await storage.get_data(KEY) == {}


async def test_the_caller_cannot_change_stored_data_by_mutating_its_dict(sessions) -> None:
    storage = SqlStorage(sessions)
    data = {"votes": [7, 1, 1]}
    await storage.set_data(KEY, data)
    data["votes"].append(99)
    read = await storage.get_data(KEY)
    read["votes"].append(98)
    assert await storage.get_data(KEY) == {"votes": [7, 1, 1]}


async def test_inside_an_updates_unit_of_work_a_form_step_is_durable_at_once(sessions) -> None:
    storage = SqlStorage(sessions)
    await storage.set_state(KEY, Submission.title)
    async with sessions() as session:
        # A handler that has already written (on SQLite this holds the write lock) moves the form on:
        # no wait on its own lock, and the step and the work before it are committed together.
        await session.execute(
            sa.text("INSERT INTO closures (day, reason) VALUES ('2026-12-01', 'آلودگی هوا')")
        )
        with unit_of_work(session):
            await asyncio.wait_for(storage.set_state(KEY, Submission.votes), timeout=2)
            await storage.update_data(KEY, {"title": "نرخ عوارض"})
        # Seen from another connection before this session does anything more: already there.
        other = SqlStorage(sessions)
        assert (await other.get_state(KEY), await other.get_data(KEY)) == (
            "Submission:votes",
            {"title": "نرخ عوارض"},
        )
        await session.rollback()
    async with sessions() as session:
        reasons = (await session.execute(sa.text("SELECT reason FROM closures"))).scalars().all()
    assert reasons == ["آلودگی هوا"]
    assert await storage.get_state(KEY) == "Submission:votes"


async def test_the_kept_copy_is_the_committed_row_and_a_new_process_reads_sql(sessions) -> None:
    # Reads are served from the process's copy; a second storage (another process, a restart) reads SQL.
    storage = SqlStorage(sessions)
    await storage.set_state(KEY, Submission.title)
    await storage.set_data(KEY, {"votes": [7, 1, 1]})
    data = await storage.get_data(KEY)
    data["votes"].append(9)  # the caller's copy: the kept one does not change
    assert await storage.get_data(KEY) == {"votes": [7, 1, 1]}
    restarted = SqlStorage(sessions)
    assert (await restarted.get_state(KEY), await restarted.get_data(KEY)) == (
        "Submission:title",
        {"votes": [7, 1, 1]},
    )
    await restarted.set_state(KEY, Submission.votes)
    assert await SqlStorage(sessions).get_state(KEY) == "Submission:votes"
    assert await restarted.get_data(KEY) == {"votes": [7, 1, 1]}
