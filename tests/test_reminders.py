"""Reminders pushed into the chats (DESIGN §5), in both platform profiles, with a moved clock: each member
reminder at its offset and once, none after a vote, the board secretary's last-day warning, quiet hours that
defer to the morning, snoozing that moves only the reminder.

The resolution is submitted on Friday 1405/09/06 10:30 Tehran; its review deadline is the end of Saturday
1405/09/21. Member reminders come at 08:00 Tehran (04:30 UTC) 7, 3 and 1 day(s) before that last day and on
its morning.
"""

from __future__ import annotations

import argparse
import datetime as dt

import pytest
import sqlalchemy as sa

from bot.apiserver.state import SimUser
from bot.commands.reminders import instant, run_sweep
from storage.models import Person, Reminder, Resolution

from .conftest import START, World
from .flows import REVIEW_DEADLINE, Submitted, board, press, submit_resolution, vote_no_conflict
from .test_review import REVIEW_DEADLINE_AT
from .test_submission import TITLE

SEVEN_DAYS = dt.datetime(2026, 12, 5, 4, 30, tzinfo=dt.UTC)  # 1405/09/14 08:00 Tehran
THREE_DAYS = dt.datetime(2026, 12, 9, 4, 30, tzinfo=dt.UTC)
ONE_DAY = dt.datetime(2026, 12, 11, 4, 30, tzinfo=dt.UTC)
LAST_MORNING = dt.datetime(2026, 12, 12, 4, 30, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
START_PLUS_MINUTE = START + dt.timedelta(minutes=1)
VOTE_HEAD = "یادآوری: مصوبه {code} منتظر رأی شماست."
LAST_DAY_HEAD = (
    "روز آخر: مهلت بررسی مصوبه {code} امشب به پایان می‌رسد. اگر تا آن زمان اکثریت هیأت به مغایرت رأی "
    "ندهد، مصوبه به‌علت انقضای مهلت لازم‌الاجرا می‌شود."
)
SNOOZE_BUTTONS = ["۱ ساعت", "۳ ساعت", "فردا صبح"]
MEMBER_REMINDER_BUTTONS = [["مشاهده"], ["عدم مغایرت", "مغایرت"], SNOOZE_BUTTONS]


def reminder(res: Submitted, left: str, head: str = VOTE_HEAD) -> str:
    return (
        head.format(code=res.shown) + "\n\n"
        "شورا: شورای اسلامی شهر سمنان\n"
        f"عنوان: {TITLE}\n"
        f"مهلت: {REVIEW_DEADLINE} — {left}"
    )


def reminders_to(world: World, who: SimUser) -> list[str]:
    return [
        m.content for m in world.server.messages_to(who) if m.content.startswith(("یادآوری:", "روز آخر:"))
    ]


async def sweep_at(world: World, instant: dt.datetime) -> None:
    world.clock.set(instant)
    await world.app.sweep_now()
    await world.server.wait_for_idle()


async def test_each_member_reminder_arrives_at_its_offset_once_and_a_vote_ends_them(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await sweep_at(world, SEVEN_DAYS - SECOND)
    assert all(reminders_to(world, who) == [] for who in [*people.members, people.reza, people.zahra])

    await sweep_at(world, SEVEN_DAYS)
    await sweep_at(world, SEVEN_DAYS + dt.timedelta(minutes=1))  # a second sweep sends nothing again
    for member in people.members:
        assert reminders_to(world, member) == [reminder(res, "۷ روز و ۱۶ ساعت مانده")]
        assert world.server.messages_to(member)[-1].buttons == MEMBER_REMINDER_BUTTONS
    assert reminders_to(world, people.reza) == []  # the expert does not vote
    assert reminders_to(world, people.zahra) == []

    # Sara votes (on the reminder's own buttons): no more reminders for her.
    await vote_no_conflict(world, people.sara)
    await sweep_at(world, THREE_DAYS)
    await sweep_at(world, ONE_DAY)
    await sweep_at(world, LAST_MORNING)
    await sweep_at(world, LAST_MORNING + dt.timedelta(hours=1))
    after_seven = [
        reminder(res, "۳ روز و ۱۶ ساعت مانده"),
        reminder(res, "۱ روز و ۱۶ ساعت مانده"),
        reminder(res, "۱۶ ساعت مانده"),
    ]
    assert reminders_to(world, people.mina) == [reminder(res, "۷ روز و ۱۶ ساعت مانده"), *after_seven]
    # Ali is a member and the board's secretary: he also gets the last-day warning.
    assert reminders_to(world, people.ali) == [
        reminder(res, "۷ روز و ۱۶ ساعت مانده"),
        *after_seven,
        reminder(res, "۱۶ ساعت مانده", LAST_DAY_HEAD),
    ]
    assert reminders_to(world, people.sara) == [reminder(res, "۷ روز و ۱۶ ساعت مانده")]


async def test_a_ruling_ends_the_reminders_and_their_buttons_go(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await sweep_at(world, SEVEN_DAYS)
    await vote_no_conflict(world, people.sara)
    await vote_no_conflict(world, people.mina)  # the majority: enforceable
    await world.server.wait_for_idle()
    last = world.server.messages_to(people.ali)
    assert [m.buttons for m in last if m.content == reminder(res, "۷ روز و ۱۶ ساعت مانده")] == [[]]
    await sweep_at(world, THREE_DAYS)
    await sweep_at(world, LAST_MORNING)
    assert reminders_to(world, people.ali) == [reminder(res, "۷ روز و ۱۶ ساعت مانده")]
    async with world.repo_session() as session:
        pending = await session.scalar(sa.select(sa.func.count()).where(Reminder.state == "pending"))
    assert pending == 0


async def test_quiet_hours_defer_a_reminder_to_their_end(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    async with world.repo_session() as session:
        await session.execute(
            sa.update(Person)
            .where(Person.platform_user_id == people.mina.id)
            .values(quiet_hours_start=dt.time(7, 0), quiet_hours_end=dt.time(9, 0))
        )
        await session.commit()
    await sweep_at(world, SEVEN_DAYS)
    assert reminders_to(world, people.mina) == []
    assert reminders_to(world, people.sara) == [reminder(res, "۷ روز و ۱۶ ساعت مانده")]
    await sweep_at(world, SEVEN_DAYS + dt.timedelta(minutes=59))
    assert reminders_to(world, people.mina) == []
    await sweep_at(world, SEVEN_DAYS + dt.timedelta(hours=1))  # 09:00 Tehran: her quiet hours end
    assert reminders_to(world, people.mina) == [reminder(res, "۷ روز و ۱۵ ساعت مانده")]


async def test_snooze_moves_only_that_reminder_and_not_the_deadline(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await sweep_at(world, SEVEN_DAYS)
    query = await world.server.press_button(people.ali, "۱ ساعت")
    await world.server.wait_until(lambda: query in world.server.callback_answers, what="callback answer")
    assert world.server.callback_answers[query]["text"] == "در ۱۴۰۵/۰۹/۱۴ ساعت ۰۹:۰۰ دوباره یادآوری می‌کنم."

    await sweep_at(world, SEVEN_DAYS + dt.timedelta(minutes=59))
    assert len(reminders_to(world, people.ali)) == 1
    await sweep_at(world, SEVEN_DAYS + dt.timedelta(hours=1))
    await sweep_at(world, SEVEN_DAYS + dt.timedelta(hours=2))
    assert reminders_to(world, people.ali) == [
        reminder(res, "۷ روز و ۱۶ ساعت مانده"),
        reminder(res, "۷ روز و ۱۵ ساعت مانده"),
    ]
    assert len(reminders_to(world, people.sara)) == 1  # only Ali's reminder moved
    async with world.repo_session() as session:
        row = await session.get(Resolution, res.id)
        assert row is not None and row.review_deadline == REVIEW_DEADLINE_AT

    # The reminder's «مشاهده» opens the resolution like the notice's.
    assert (await press(world, people.ali, "مشاهده")).content.startswith("کد رهگیری")


async def test_the_sweep_command_shows_what_is_due_and_sends_it(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await sweep_at(world, START_PLUS_MINUTE)  # the bot plans the resolution's reminders

    lines = await run_sweep(world.settings, SEVEN_DAYS, dry_run=True)
    assert len(lines) == 5
    assert all(
        " due 2026-12-05T04:30:00+00:00 " in line and "member_vote_due 7d" in line for line in lines[:3]
    )
    assert lines[3] == "3 reminder(s) due at 2026-12-05T04:30:00+00:00; 0 resolution(s) to re-plan"
    assert lines[4] == "0 digest(s) due; 0 official(s) want the daily digest"
    assert reminders_to(world, people.ali) == []  # a dry run sends nothing

    assert await run_sweep(world.settings, SEVEN_DAYS, dry_run=False) == [
        "lapsed: 0, escalated: 0, failed: 0",
        "reminders re-planned for 0 resolution(s); sent 3, dropped 0, deferred 0, failed 0",
        "digests sent 0, dropped or deferred 0",
    ]
    await world.server.wait_for_idle()
    assert reminders_to(world, people.ali) == [reminder(res, "۷ روز و ۱۶ ساعت مانده")]
    assert (await run_sweep(world.settings, SEVEN_DAYS, dry_run=True))[-2].startswith("0 reminder(s) due")


def test_the_sweep_command_wants_an_instant_with_its_offset() -> None:
    assert instant("2026-12-05T08:00:00+03:30") == SEVEN_DAYS
    assert instant("2026-12-05T04:30:00Z") == SEVEN_DAYS
    with pytest.raises(argparse.ArgumentTypeError):
        instant("2026-12-05T08:00:00")


async def test_a_blocked_member_is_marked_unreachable_and_the_board_secretary_told_once(world: World) -> None:
    people = await board(world)
    await submit_resolution(world, people.zahra, people)
    people.mina.blocked_bot = True
    await sweep_at(world, SEVEN_DAYS)
    await world.app.wait_for_blocked_reports()
    await world.server.wait_for_idle()
    await sweep_at(world, THREE_DAYS)
    await world.app.wait_for_blocked_reports()
    await world.server.wait_for_idle()

    told = "مینا ربات را مسدود کرده است و دیگر پیام‌ها و یادآوری‌های آن را دریافت نمی‌کند."
    assert [m.content for m in world.server.messages_to(people.ali)].count(told) == 1
    assert len(reminders_to(world, people.sara)) == 2  # the others' reminders go on
    async with world.repo_session() as session:
        mina = (
            await session.scalars(sa.select(Person).where(Person.platform_user_id == people.mina.id))
        ).one()
        states = list(
            await session.scalars(
                sa.select(Reminder.state).where(Reminder.recipient_id == mina.id).order_by(Reminder.id)
            )
        )
    assert mina.unreachable and mina.unreachable_told
    # The 7-day and 3-day ones found her unreachable; the 1-day and last-morning ones wait for their day.
    assert states == ["unreachable", "unreachable", "pending", "pending"]
