"""/settings in the chat, in both platform profiles: quiet hours (default 22:00–07:30 Tehran) from a few
presets, the daily digest for officials, and a changed choice deferring a reminder (DESIGN §5)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from storage.models import Person

from .conftest import World
from .flows import board, submit_resolution
from .test_reminders import SEVEN_DAYS, reminder, reminders_to, sweep_at

FOOTER = "یادآوری‌های غیرفوری که در ساعت سکوت شما برسند، تا پایان آن منتظر می‌مانند."
PRESETS = [["۲۲:۰۰–۰۷:۳۰", "۲۳:۰۰–۰۷:۰۰"], ["۲۱:۰۰–۰۸:۰۰", "بدون ساعت سکوت"]]


def card(quiet: str, digest: str | None = None) -> str:
    lines = ["تنظیمات شما:", quiet]
    if digest is not None:
        lines.append(digest)
    return "\n".join([*lines, FOOTER])


async def stored(world: World, user_id: int, until: Callable[[Person], bool]) -> Person:
    """The person's row once ``until`` holds (the handler answers before its transaction commits)."""
    for _ in range(250):
        async with world.repo_session() as session:
            person = (
                await session.scalars(sa.select(Person).where(Person.platform_user_id == user_id))
            ).one()
        if until(person):
            return person
        await asyncio.sleep(0.02)
    raise AssertionError(f"the stored settings of {user_id} never matched")


async def test_a_member_sees_and_changes_the_quiet_hours(world: World) -> None:
    people = await board(world)
    shown = await world.say(people.sara, "/settings")
    assert shown.content == card("ساعت سکوت: ۲۲:۰۰–۰۷:۳۰ به وقت تهران")
    assert shown.buttons == PRESETS  # no digest for a member

    query = await world.press(people.sara, "۲۳:۰۰–۰۷:۰۰")
    assert world.server.callback_answers[query]["text"] == "ذخیره شد."
    edited = world.server.messages_to(people.sara)[-1]
    assert edited.message_id == shown.message_id
    assert edited.content == card("ساعت سکوت: ۲۳:۰۰–۰۷:۰۰ به وقت تهران")
    assert edited.buttons == PRESETS
    await stored(
        world, people.sara.id, lambda p: (p.quiet_hours_start, p.quiet_hours_end) == (dt.time(23), dt.time(7))
    )

    await world.press(people.sara, "بدون ساعت سکوت")
    assert world.server.messages_to(people.sara)[-1].content == card("ساعت سکوت: ندارد")
    assert (await world.say(people.sara, "/settings")).content == card("ساعت سکوت: ندارد")


async def test_an_official_toggles_the_daily_digest(world: World) -> None:
    people = await board(world)
    shown = await world.say(people.omid, "/settings")
    assert shown.content == card("ساعت سکوت: ۲۲:۰۰–۰۷:۳۰ به وقت تهران", "گزارش روزانه ساعت ۰۸:۰۰: غیرفعال")
    assert shown.buttons == [*PRESETS, ["فعال کردن گزارش روزانه"]]

    await world.press(people.omid, "فعال کردن گزارش روزانه")
    edited = world.server.messages_to(people.omid)[-1]
    assert edited.content == card("ساعت سکوت: ۲۲:۰۰–۰۷:۳۰ به وقت تهران", "گزارش روزانه ساعت ۰۸:۰۰: فعال")
    assert edited.buttons == [*PRESETS, ["غیرفعال کردن گزارش روزانه"]]
    await stored(world, people.omid.id, lambda p: p.digest)

    await world.press(people.omid, "غیرفعال کردن گزارش روزانه")
    assert world.server.messages_to(people.omid)[-1].buttons == [*PRESETS, ["فعال کردن گزارش روزانه"]]
    await stored(world, people.omid.id, lambda p: not p.digest)


async def test_a_changed_quiet_hours_choice_defers_a_reminder_accordingly(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await sweep_at(world, SEVEN_DAYS)  # 08:00 Tehran: the 7-day reminders
    await world.say(people.ali, "/settings")
    await world.press(people.ali, "۲۱:۰۰–۰۸:۰۰")
    await stored(world, people.ali.id, lambda p: p.quiet_hours_start == dt.time(21))

    # At 20:30 Tehran Ali and Sara each snooze their reminder for an hour: 21:30, quiet for Ali only.
    world.clock.set(SEVEN_DAYS + dt.timedelta(hours=12, minutes=30))
    await world.press(people.ali, "۱ ساعت")
    await world.press(people.sara, "۱ ساعت")
    await sweep_at(world, SEVEN_DAYS + dt.timedelta(hours=13, minutes=30))
    assert len(reminders_to(world, people.sara)) == 2
    assert len(reminders_to(world, people.ali)) == 1
    await sweep_at(world, SEVEN_DAYS + dt.timedelta(days=1) - dt.timedelta(minutes=1))  # 07:59
    assert len(reminders_to(world, people.ali)) == 1
    await sweep_at(world, SEVEN_DAYS + dt.timedelta(days=1))  # 08:00 Tehran: his quiet hours end
    assert reminders_to(world, people.ali) == [
        reminder(res, "۷ روز و ۱۶ ساعت مانده"),
        reminder(res, "۶ روز و ۱۶ ساعت مانده"),
    ]
    assert reminders_to(world, people.sara)[1] == reminder(res, "۷ روز و ۲ ساعت مانده")
