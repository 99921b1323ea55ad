"""The event log is append-only and linked by a sha256 hash chain."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import MovableClock
from storage.models import GENESIS_HASH, Event, EventChain
from storage.repository import Repository


def expected_hash(
    prev_hash: str, kind: str, actor_id: int | None, resolution_id: int | None, at: str, payload: dict
) -> str:
    content = {
        "actor_id": actor_id,
        "at": at,
        "kind": kind,
        "payload": payload,
        "resolution_id": resolution_id,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


async def test_each_event_links_to_the_one_before(repo: Repository, clock: MovableClock) -> None:
    person = await repo.upsert_person(1, "admin")
    first = await repo.append_event("org_loaded", person.id, {"created": 42})
    clock.advance(dt.timedelta(minutes=5))
    second = await repo.append_event("invite_issued", person.id, {"role": "member", "scope": "B-SMN"})
    third = await repo.append_event("holiday_added", None, {"reason": "آلودگی هوا"}, at=clock.now())
    await repo.session.commit()

    assert first.prev_hash == GENESIS_HASH
    assert first.hash == expected_hash(
        GENESIS_HASH, "org_loaded", person.id, None, "2026-11-27T08:00:00.000000+00:00", {"created": 42}
    )
    assert second.prev_hash == first.hash
    assert second.hash == expected_hash(
        first.hash,
        "invite_issued",
        person.id,
        None,
        "2026-11-27T08:05:00.000000+00:00",
        {"role": "member", "scope": "B-SMN"},
    )
    assert third.prev_hash == second.hash
    assert await repo.verify_event_chain() is None
    chain = await repo.session.get(EventChain, 1)
    assert chain is not None and (chain.head_hash, chain.length) == (third.hash, 3)


async def test_a_tampered_event_breaks_the_chain_at_that_event(repo: Repository) -> None:
    events = [await repo.append_event("e", None, {"n": n}) for n in range(3)]
    await repo.session.commit()
    await repo.session.execute(sa.update(Event).where(Event.id == events[1].id).values(payload={"n": 99}))
    repo.session.expunge_all()
    assert await repo.verify_event_chain() == events[1].id


async def test_a_removed_last_event_is_noticed(repo: Repository) -> None:
    events = [await repo.append_event("e", None, {"n": n}) for n in range(2)]
    await repo.session.execute(sa.delete(Event).where(Event.id == events[1].id))
    repo.session.expunge_all()
    assert await repo.verify_event_chain() is not None


async def test_concurrent_appenders_never_fork_the_chain(
    sessions: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    async def append(n: int) -> None:
        async with sessions() as session:
            await Repository(session, clock).append_event("e", None, {"n": n})
            await asyncio.sleep(0.02)  # hold the head while the others try
            await session.commit()

    await asyncio.gather(*(append(n) for n in range(4)))

    async with sessions() as session:
        assert await Repository(session, clock).verify_event_chain() is None
        assert await session.scalar(sa.select(sa.func.count()).select_from(Event)) == 4
