"""The officials' daily digest (DESIGN §5), in both platform profiles, with a moved clock: subscribed in
/settings, sent at 08:00 Tehran once a day, listing what is due in the next three days, what is overdue and
what lapsed since the day before, within the official's scope; deferred by quiet hours; after downtime
only the day's own digest, once; the scheduler's 08:00 Tehran job.

The resolution is submitted on Friday 1405/09/06 10:30 Tehran (review deadline: end of Saturday
1405/09/21). omid is an official of the province of Semnan, nima of the county of Shahroud.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.apiserver.state import SimUser
from council.jalali import TEHRAN
from reminders.scheduler import DIGEST_JOB_ID, digest_trigger
from storage.models import Digest, Person, Resolution

from .conftest import START, World
from .flows import Board, Submitted, board, object_to, submit_resolution
from .test_reminders import sweep_at
from .test_settings_chat import stored
from .test_submission import TITLE

HEAD = "گزارش روزانه — {date}"
NOTHING = "در حوزهٔ شما موردی با مهلت سه روز آینده، معوق یا منقضی‌شده نیست."
FOOTER = "برای دیدن کارت کامل هر مصوبه، کد رهگیری آن را بفرستید."
MORNING_0907 = dt.datetime(2026, 11, 28, 4, 30, tzinfo=dt.UTC)  # 1405/09/07 08:00 Tehran
MORNING_0919 = dt.datetime(2026, 12, 10, 4, 30, tzinfo=dt.UTC)  # 1405/09/19 08:00
MORNING_0922 = dt.datetime(2026, 12, 13, 4, 30, tzinfo=dt.UTC)  # 1405/09/22 08:00
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)


def digests_to(world: World, who: SimUser) -> list[str]:
    return [m.content for m in world.server.messages_to(who) if m.content.startswith("گزارش روزانه —")]


def nothing(date: str) -> str:
    return f"{HEAD.format(date=date)}\n\n{NOTHING}"


def line(res: Submitted) -> str:
    return f"۱. {res.shown} — شورای اسلامی شهر سمنان، شماره ۱۲ — {TITLE}"


async def subscribe(world: World, who: SimUser, toast: str) -> None:
    await world.say(who, "/settings")
    query = await world.press(who, "فعال کردن گزارش روزانه")
    assert world.server.callback_answers[query]["text"] == toast
    await stored(world, who.id, lambda p: p.digest)


TOMORROW = "ذخیره شد. نخستین گزارش روزانهٔ شما فردا ساعت ۰۸:۰۰ می‌رسد."
TODAY = "ذخیره شد. نخستین گزارش روزانهٔ شما امروز ساعت ۰۸:۰۰ می‌رسد."


async def test_the_digest_starts_the_next_morning_and_comes_once_a_day(world: World) -> None:
    people = await board(world)
    await subscribe(world, people.omid, TOMORROW)  # 10:30: today's 08:00 has passed
    await sweep_at(world, START + dt.timedelta(minutes=1))
    await sweep_at(world, MORNING_0907 - SECOND)
    assert digests_to(world, people.omid) == []

    await sweep_at(world, MORNING_0907)
    await sweep_at(world, MORNING_0907 + dt.timedelta(seconds=30))
    await sweep_at(world, MORNING_0907 + dt.timedelta(hours=6))
    assert digests_to(world, people.omid) == [nothing("۱۴۰۵/۰۹/۰۷")]

    await sweep_at(world, MORNING_0907 + DAY)
    assert digests_to(world, people.omid) == [nothing("۱۴۰۵/۰۹/۰۷"), nothing("۱۴۰۵/۰۹/۰۸")]
    # Officials who did not ask, and the other roles, get none.
    assert digests_to(world, people.nima) == []
    assert digests_to(world, people.ali) == []


async def test_subscribed_before_eight_the_first_digest_is_that_morning(world: World) -> None:
    people = await board(world)
    world.clock.set(MORNING_0907 - dt.timedelta(hours=1))  # 07:00
    await subscribe(world, people.nima, TODAY)
    await sweep_at(world, MORNING_0907)
    assert digests_to(world, people.nima) == [nothing("۱۴۰۵/۰۹/۰۷")]


async def _due_soon_and_lapsed(world: World) -> tuple[Board, Submitted]:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await subscribe(world, people.omid, TOMORROW)
    await subscribe(world, people.nima, TOMORROW)
    return people, res


async def test_the_digest_lists_what_is_due_soon_then_what_lapsed_within_scope(world: World) -> None:
    people, res = await _due_soon_and_lapsed(world)
    await sweep_at(world, MORNING_0919)
    assert digests_to(world, people.omid) == [
        f"{HEAD.format(date='۱۴۰۵/۰۹/۱۹')}\n\n"
        "مهلت در سه روز آینده: ۱ مورد\n"
        f"{line(res)}\n"
        "   مهلت: ۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹ (۲ روز و ۱۶ ساعت مانده)\n\n"
        f"{FOOTER}"
    ]
    # Shahroud does not cover the Semnan city council.
    assert digests_to(world, people.nima) == [nothing("۱۴۰۵/۰۹/۱۹")]

    await sweep_at(world, MORNING_0922)  # the review lapsed at the end of 09/21
    assert digests_to(world, people.omid)[1] == (
        f"{HEAD.format(date='۱۴۰۵/۰۹/۲۲')}\n\n"
        "لازم‌الاجرا به‌علت انقضای مهلت از گزارش دیروز تا کنون: ۱ مورد\n"
        f"{line(res)}\n"
        "   انقضای مهلت: ۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹\n\n"
        f"{FOOTER}"
    )
    # The next day the lapse is no longer news.
    await sweep_at(world, MORNING_0922 + DAY)
    assert digests_to(world, people.omid)[2] == nothing("۱۴۰۵/۰۹/۲۳")


async def test_an_unanswered_objection_is_listed_as_overdue(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    await subscribe(world, people.omid, TOMORROW)
    async with world.repo_session() as session:
        deadline = await session.scalar(
            sa.select(Resolution.reconsideration_deadline).where(Resolution.id == res.id)
        )
    assert deadline is not None
    # The morning after the reconsideration window closed: the sweep escalates, the digest says overdue.
    closed = deadline.astimezone(TEHRAN)
    morning = dt.datetime.combine(closed.date() + DAY, dt.time(8), tzinfo=TEHRAN)
    await sweep_at(world, morning.astimezone(dt.UTC))
    (digest,) = digests_to(world, people.omid)
    assert digest == (
        f"{HEAD.format(date='۱۴۰۵/۰۹/۱۷')}\n\n"
        "معوق: ۱ مورد\n"
        f"{line(res)}\n"
        "   مهلت گذشته: ۱۴۰۵/۰۹/۱۶ ساعت ۲۳:۵۹\n\n"
        f"{FOOTER}"
    )


async def test_quiet_hours_defer_the_digest_and_downtime_sends_only_the_days_own_once(world: World) -> None:
    people = await board(world)
    await subscribe(world, people.omid, TOMORROW)
    async with world.repo_session() as session:
        await session.execute(
            sa.update(Person)
            .where(Person.platform_user_id == people.omid.id)
            .values(quiet_hours_start=dt.time(21), quiet_hours_end=dt.time(9))
        )
        await session.commit()
    await sweep_at(world, MORNING_0907)
    assert digests_to(world, people.omid) == []
    await sweep_at(world, MORNING_0907 + dt.timedelta(hours=1))  # 09:00: his quiet hours end
    assert digests_to(world, people.omid) == [nothing("۱۴۰۵/۰۹/۰۷")]

    # 1405/09/08 07:00 the bot plans the day's digest, then is down until 09/10 11:00: the digests of
    # 09/08 (planned, never sent) and 09/09 (never planned) are not sent late; 09/10's goes out once.
    await sweep_at(world, MORNING_0907 + DAY - dt.timedelta(hours=1))
    await sweep_at(world, MORNING_0907 + 3 * DAY + dt.timedelta(hours=3))
    await sweep_at(world, MORNING_0907 + 3 * DAY + dt.timedelta(hours=4))
    assert digests_to(world, people.omid) == [nothing("۱۴۰۵/۰۹/۰۷"), nothing("۱۴۰۵/۰۹/۱۰")]
    async with world.repo_session() as session:
        rows = (await session.execute(sa.select(Digest.day, Digest.state).order_by(Digest.day))).all()
    assert [(day.isoformat(), state) for day, state in rows] == [
        ("2026-11-27", "dropped"),  # subscribed at 10:30 on 09/06: skipped
        ("2026-11-28", "sent"),
        ("2026-11-29", "dropped"),
        ("2026-12-01", "sent"),
    ]


async def test_turning_the_digest_off_before_eight_stops_that_days(world: World) -> None:
    people = await board(world)
    await subscribe(world, people.omid, TOMORROW)
    await sweep_at(world, MORNING_0907 - dt.timedelta(hours=2))  # 06:00: the day's row is planned
    await world.say(people.omid, "/settings")
    await world.press(people.omid, "غیرفعال کردن گزارش روزانه")
    await stored(world, people.omid.id, lambda p: not p.digest)
    await sweep_at(world, MORNING_0907)
    assert digests_to(world, people.omid) == []


async def test_the_scheduler_runs_the_digest_at_eight_tehran(world: World) -> None:
    after = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)  # 13:30 Tehran
    assert digest_trigger().get_next_fire_time(None, after) == MORNING_0907
    assert digest_trigger().get_next_fire_time(None, MORNING_0907 - SECOND) == MORNING_0907
    scheduler = world.app._scheduler
    assert scheduler is not None
    job = scheduler.get_job(DIGEST_JOB_ID)
    assert job is not None and str(job.trigger) == str(digest_trigger())
    # The job itself: plan and send what is due (nothing here, no one asked).
    world.clock.set(MORNING_0907)
    report = await world.app.digest_now()
    assert report.digests == []
