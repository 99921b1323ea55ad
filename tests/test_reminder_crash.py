"""200 due reminders survive the bot being killed (SIGKILL) in the middle of sending them: a real
``python -m bot run`` process against the local Bot API server, started again after the kill (DESIGN §5).

The rows are prepared in the database directly (one resolution under review, 200 people who have started
the chat, one urgent last-morning reminder each, due a minute ago by the real clock: the process reads the
system clock). The bot paces its sends at 50 a second, so the dispatch takes about 4 s; the test kills it
once some, but not all, have arrived.

The at-least-once window (``reminders.delivery``): a row is claimed (``sending``, committed) before its
message goes out and recorded ``sent`` right after. A kill between the platform's accepting the message
and that commit leaves the row ``sending``; once the lease has run out it is sent again. So a recipient may
get a duplicate only if their row was ``sending`` at the kill — at most one extra message each, and at most
``CONCURRENCY`` in all. Every other recipient gets exactly one. The lease (10 minutes) is not waited out
here: after the kill the test moves those rows' claim back past it, as if the time had passed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.apiserver import LocalBotApiServer
from council.clock import SystemClock
from council.jalali import tehran_date
from council.rules import StatutoryRules
from council.submission import Category, Votes
from council.submitting import Draft, submit_resolution
from reminders.delivery import CONCURRENCY, LEASE
from reminders.planning import LAST_MORNING, ReminderKind
from storage.db import create_engine, session_factory
from storage.models import Person, Reminder, Resolution
from storage.repository import Repository

from .test_submission_restart import BotProcess

RECIPIENTS = 200
FIRST_USER = 50_000


async def prepare(url: str, server: LocalBotApiServer) -> str:
    """The resolution, the people and their due reminders; the resolution's tracking code."""
    now = SystemClock().now()
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        repo = Repository(session)
        secretary = await repo.upsert_person(1001, "زهرا")
        council = await repo.resolutions.council("C-SMN-SEMNAN")
        assert council is not None
        draft = Draft(
            submission_key=uuid.uuid4().hex,
            council_number="12",
            session_number=45,
            approval_date=tehran_date(now),
            title="تعیین نرخ عوارض پسماند",
            text="ماده ۱ — نرخ عوارض پسماند واحدهای مسکونی مطابق جدول پیوست تعیین می‌شود.",
            category=Category.URBAN_SERVICES,
            votes=Votes(7, 1, 1),
        )
        done = await submit_resolution(
            repo.resolutions, draft, council, actor_id=secretary.id, now=now, rules=StatutoryRules()
        )
        # The rows below are the plan: the bot's sweep must not re-plan the resolution (it has no members).
        await session.execute(
            sa.update(Resolution).where(Resolution.id == done.resolution_id).values(replan_reminders=False)
        )
        due = now - dt.timedelta(minutes=1)
        for n in range(RECIPIENTS):
            server.user(FIRST_USER + n, f"عضو {n}", started=True)
            person = await repo.upsert_person(FIRST_USER + n, f"عضو {n}")
            session.add(
                Reminder(
                    resolution_id=done.resolution_id,
                    cycle=1,
                    recipient_id=person.id,
                    kind=ReminderKind.MEMBER_VOTE_DUE.value,
                    offset_label=LAST_MORNING,
                    urgent=True,  # not held back by the quiet hours of whatever hour the test runs at
                    planned_at=due,
                    due_at=due,
                    state="pending",
                )
            )
        await session.commit()
    await engine.dispose()
    return done.tracking_code


async def states(url: str) -> dict[str, list[int]]:
    """Reminder state → the platform user ids of the rows in it."""
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        rows = (
            await session.execute(
                sa.select(Reminder.state, Person.platform_user_id).join(
                    Person, Person.id == Reminder.recipient_id
                )
            )
        ).all()
    await engine.dispose()
    found: dict[str, list[int]] = {}
    for state, user in rows:
        found.setdefault(state, []).append(user)
    return found


@pytest.fixture(params=["telegram", "bale"])
async def running(
    request: pytest.FixtureRequest, template_db: Path, tmp_path: Path
) -> AsyncIterator[tuple[LocalBotApiServer, BotProcess, str]]:
    db = tmp_path / "council.db"
    shutil.copy(template_db, db)
    url = f"sqlite+aiosqlite:///{db.as_posix()}"
    server = LocalBotApiServer(profile=str(request.param))
    await server.start()
    bot = BotProcess(server, url, tmp_path / "data", str(request.param), tmp_path / "bot.log")
    bot.env["OUTGOING_GLOBAL_PER_SECOND"] = "50"
    bot.env["SWEEP_INTERVAL_SECONDS"] = "1"
    try:
        yield server, bot, url
    finally:
        if bot.process is not None:
            await bot.kill()
        await server.stop()


def delivered(server: LocalBotApiServer, code: str) -> Counter[int]:
    """How many reminders of the resolution each recipient has received."""
    shown = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    return Counter(
        call.params["chat_id"]
        for call in server.calls
        if call.method == "sendMessage" and call.ok and shown in str(call.params.get("text", ""))
    )


async def wait_for(condition: Callable[[], bool], what: str, timeout: float) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_reminders_killed_mid_dispatch_all_arrive_after_a_restart_none_twice_outside_the_window(
    running: tuple[LocalBotApiServer, BotProcess, str],
) -> None:
    server, bot, url = running
    code = await prepare(url, server)

    await bot.start()
    await wait_for(lambda: sum(delivered(server, code).values()) >= 40, "the first reminders", 60)
    await bot.kill()
    before = delivered(server, code)
    assert 40 <= sum(before.values()) < RECIPIENTS  # killed in the middle of the dispatch

    at_kill = await states(url)
    in_flight = set(at_kill.get("sending", []))
    assert len(in_flight) <= CONCURRENCY
    assert set(at_kill) <= {"pending", "sending", "sent"}
    # Recorded as sent means it did arrive, once.
    assert all(before[user] == 1 for user in at_kill.get("sent", []))

    # The lease of the dead process's claims runs out (moved back rather than waited for: 10 minutes).
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        await session.execute(
            sa.update(Reminder)
            .where(Reminder.state == "sending")
            .values(claimed_at=SystemClock().now() - LEASE - dt.timedelta(minutes=1))
        )
        await session.commit()
    await engine.dispose()

    await bot.start()
    await wait_for(lambda: len(delivered(server, code)) == RECIPIENTS, "every recipient", 90)

    async def all_sent() -> bool:
        return set(await states(url)) == {"sent"}

    loop = asyncio.get_running_loop()
    end = loop.time() + 30
    while not await all_sent():
        assert loop.time() < end, "rows still not recorded as sent"
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # nothing more comes

    counts = delivered(server, code)
    assert set(counts) == {FIRST_USER + n for n in range(RECIPIENTS)}  # every reminder arrived
    twice = {user for user, count in counts.items() if count > 1}
    assert all(count <= 2 for count in counts.values())  # never more than once extra…
    assert twice <= in_flight  # …and only for a row in flight at the kill
    assert all(counts[user] == 1 for user in set(counts) - in_flight)
