"""Reminder rows on SQLite and PostgreSQL: a re-plan follows the resolution's state (a vote, a ruling), and
of two sweeps claiming one due row exactly one gets it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import MovableClock
from council.review import VoteChoice
from council.reviewing import cast_vote
from reminders.delivery import replan_changed
from storage.repository import Repository

from .conftest import START
from .review_helpers import RULES, seed, submit

SEVEN_DAYS = dt.datetime(2026, 12, 5, 4, 30, tzinfo=dt.UTC)  # 08:00 Tehran, 7 days before the last day


async def pending(
    sessions: async_sessionmaker[AsyncSession], clock: MovableClock
) -> list[tuple[int, str, str]]:
    async with sessions() as session:
        rows = await Repository(session, clock).reminders.due(SEVEN_DAYS + dt.timedelta(days=30), 100)
    return sorted((row.recipient_id, row.kind, row.offset_label) for row in rows)


async def test_a_replan_follows_votes_and_the_ruling(
    repo: Repository, sessions: async_sessionmaker[AsyncSession], clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    res = await submit(repo, people, START)
    assert await replan_changed(sessions, clock, START) == 1
    assert await replan_changed(sessions, clock, START) == 0  # nothing changed since
    first, second, third = people.members
    labels = ["1d", "3d", "7d", "last_morning"]
    assert await pending(sessions, clock) == sorted(
        (member, "member_vote_due", label) for member in people.members for label in labels
    )

    await cast_vote(repo.reviews, res.resolution_id, first, VoteChoice.NO_CONFLICT, now=START, rules=RULES)
    await repo.session.commit()
    assert await replan_changed(sessions, clock, START) == 1
    assert {who for who, _, _ in await pending(sessions, clock)} == {second, third}

    await cast_vote(repo.reviews, res.resolution_id, second, VoteChoice.NO_CONFLICT, now=START, rules=RULES)
    await repo.session.commit()
    assert await replan_changed(sessions, clock, START) == 1
    assert await pending(sessions, clock) == []  # ruled enforceable: nobody is reminded


async def test_of_two_sweeps_claiming_one_row_exactly_one_gets_it(
    repo: Repository, sessions: async_sessionmaker[AsyncSession], clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    await submit(repo, people, START)
    await replan_changed(sessions, clock, START)
    async with sessions() as one, sessions() as two:
        due = await Repository(one, clock).reminders.due(SEVEN_DAYS, 100)
        assert len(due) == 3
        row = due[0]
        assert await Repository(one, clock).reminders.claim(row.id, SEVEN_DAYS)
        await one.commit()
        assert not await Repository(two, clock).reminders.claim(row.id, SEVEN_DAYS)
        await two.commit()
        assert [r.id for r in await Repository(two, clock).reminders.due(SEVEN_DAYS, 100)] == [
            r.id for r in due[1:]
        ]
        # A claim never recorded (its sweep died) is released after the lease, not before.
        store = Repository(two, clock).reminders
        assert await store.release_stale(SEVEN_DAYS + dt.timedelta(minutes=5), dt.timedelta(minutes=10)) == 0
        assert await store.release_stale(SEVEN_DAYS + dt.timedelta(minutes=11), dt.timedelta(minutes=10)) == 1
        await two.commit()
