"""A storm during a sweep (DESIGN §5): the platform answers 429 (retry_after 1 s) and 502 to the reminders
going out to the board's members; flood control waits and retries, and every reminder arrives exactly once."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from storage.models import Reminder

from .conftest import World
from .flows import board, submit_resolution
from .test_reminders import LAST_DAY_HEAD, LAST_MORNING, SEVEN_DAYS, reminder, reminders_to, sweep_at


def failed_sends(world: World) -> list[int]:
    return [c.status for c in world.server.calls if c.method == "sendMessage" and not c.ok]


async def test_every_reminder_arrives_exactly_once_through_429s_and_502s(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)

    world.server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=3)
    world.server.fail_next("sendMessage", 502, "Bad Gateway", times=2)
    await sweep_at(world, SEVEN_DAYS)
    assert sorted(failed_sends(world)) == [429, 429, 429, 502, 502]  # the storm really hit
    await sweep_at(world, SEVEN_DAYS + dt.timedelta(minutes=1))  # a later sweep sends nothing again
    for member in people.members:
        assert reminders_to(world, member) == [reminder(res, "۷ روز و ۱۶ ساعت مانده")]

    # Another storm on the last morning: Ali gets two reminders (a member's and the board secretary's).
    world.server.fail_next("sendMessage", 502, "Bad Gateway", times=1)
    world.server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=4)
    await sweep_at(world, LAST_MORNING)
    await sweep_at(world, LAST_MORNING + dt.timedelta(minutes=1))
    assert sorted(failed_sends(world)) == [429] * 7 + [502] * 3
    last = reminder(res, "۱۶ ساعت مانده")
    for member in (people.sara, people.mina):
        assert reminders_to(world, member) == [reminder(res, "۷ روز و ۱۶ ساعت مانده"), last]
    assert reminders_to(world, people.ali) == [
        reminder(res, "۷ روز و ۱۶ ساعت مانده"),
        last,
        reminder(res, "۱۶ ساعت مانده", LAST_DAY_HEAD),
    ]
    async with world.repo_session() as session:
        states = dict(
            (await session.execute(sa.select(Reminder.state, sa.func.count()).group_by(Reminder.state))).all()
        )
    # 7-day: 3 sent; 3-day and 1-day: dropped (the last morning speaks for them); last morning: 3 + 1 sent.
    assert states == {"sent": 7, "dropped": 6}
