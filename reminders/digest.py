"""The officials' daily digest (DESIGN §5): at 08:00 Tehran, what is due, overdue and lapsed in their scope.

**Planning.** Each sweep (and the scheduler's 08:00 job) makes sure every official who wants the digest
has a row for today, due at 08:00 Tehran (``storage.digests``; the row's key is (official, day), so it is
made once). Someone who turns the digest on after that day's 08:00 gets a ``dropped`` row for today from
the settings handler (:func:`skip_today_if_late`): their first digest is the next morning's, not one the
moment they press the button.

**Sending** is the reminders' discipline: claim (committed) → send → record (committed); a row whose sweep
died is released after the lease. A digest is sent only on its own Tehran day — after a long downtime the
missed days' rows are dropped and today's goes out once — and only to someone still an official who still
wants it. It is not urgent: in the person's quiet hours (say they chose 21:00–08:30) it waits for their end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import Clock
from council.jalali import tehran_date, tehran_instant
from council.roles import Role
from council.scope import scope_of
from storage.digests import DigestRow
from storage.reminders import DROPPED, SENT, UNREACHABLE
from storage.repository import Repository

from .delivery import CONCURRENCY, LEASE, SEND_BATCH, DeliveryReport, Sender, send_claimed
from .digest_card import DUE_SOON, ITEMS, digest_text
from .planning import MORNING, defer_for_quiet_hours, in_quiet_hours

log = logging.getLogger(__name__)


def digest_instant(day: dt.date) -> dt.datetime:
    """When the digest of the Tehran day ``day`` is due: 08:00 Tehran."""
    return tehran_instant(day, MORNING)


async def plan_digests(sessions: async_sessionmaker[AsyncSession], clock: Clock, now: dt.datetime) -> None:
    """Today's row for every official who wants the digest (those already there are left alone)."""
    today = tehran_date(now)
    async with sessions() as session:
        store = Repository(session, clock).digests
        people = await store.subscribers()
        await store.ensure(today, dict.fromkeys(people, digest_instant(today)))
        await session.commit()


async def skip_today_if_late(repo: Repository, person_id: int, now: dt.datetime) -> bool:
    """Called when a person turns the digest on: if today's 08:00 has passed, today's digest is skipped
    and the first one comes tomorrow. Whether the first digest is tomorrow's."""
    today = tehran_date(now)
    if now < digest_instant(today):
        return False
    await repo.digests.skip(person_id, today, digest_instant(today))
    return True


async def send_digests(sender: Sender, now: dt.datetime, report: DeliveryReport) -> None:
    """Send every digest due at ``now``, a few people at a time."""
    async with sender.sessions() as session:
        store = Repository(session, sender.clock).digests
        await store.release_stale(now, LEASE)
        rows = await store.due(now, SEND_BATCH)
        await session.commit()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def serve(row: DigestRow) -> None:
        async with gate:
            try:
                await _send_one(sender, row, now, report)
            except Exception:
                log.exception("could not send digest %s", row.id)
                report.digests_skipped.append(row.id)

    await asyncio.gather(*(serve(row) for row in rows))


async def _send_one(sender: Sender, row: DigestRow, now: dt.datetime, report: DeliveryReport) -> None:
    async with sender.sessions() as session:
        repo = Repository(session, sender.clock)
        store = repo.digests
        if not await store.claim(row.id, now):
            return
        await session.commit()

        person = await repo.get_person(row.recipient_id)
        if person is None or person.unreachable:
            await store.finish(row.id, UNREACHABLE, now)
            await session.commit()
            return
        roles = await repo.roles_of(person.id)
        scope = scope_of(roles, roles=[Role.OFFICIAL])
        if not person.digest or scope.empty or tehran_date(now) != row.day:
            await store.finish(row.id, DROPPED, now)
            await session.commit()
            report.digests_skipped.append(row.id)
            return
        start = person.quiet_hours_start or sender.rules.quiet_hours_start
        end = person.quiet_hours_end or sender.rules.quiet_hours_end
        if in_quiet_hours(now, start, end):
            await store.put_back(row.id, defer_for_quiet_hours(now, start, end))
            await session.commit()
            report.digests_skipped.append(row.id)
            return

        since = digest_instant(row.day) - dt.timedelta(days=1)
        due_soon = await repo.lists.due_soon(scope, now, now + DUE_SOON, ITEMS)
        overdue = await repo.lists.overdue(scope, now, limit=ITEMS)
        lapsed = await repo.lists.lapsed_between(scope, since, now, ITEMS)
        with sender.i18n.context(), sender.i18n.use_locale(person.language):
            text = digest_text(row.day, now, due_soon, overdue, lapsed)
            message = await send_claimed(sender, repo, store, row.id, person, now, text)
        if isinstance(message, str):  # not sent; the row's end is recorded
            if message == DROPPED:
                report.digests_skipped.append(row.id)
            return
        await store.finish(row.id, SENT, now, message.message_id)
        await session.commit()
        report.digests.append(row.id)
