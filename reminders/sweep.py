"""The sweep: what the clock alone makes happen (DESIGN §2 rules 4 and 6, §5).

Each run processes the lapses due at ``now`` — a resolution under review past its review deadline becomes
enforceable by lapse, an objected one past its reconsideration deadline is escalated — stamping each with
its deadline instant, and tells everyone concerned. Each resolution is handled in its own transaction,
committed before anyone is told, so a failure on one leaves the others done and a crash never tells of a
change that was not saved. Running it twice, or on two bot instances at once, changes nothing more: the use
case locks the resolution and moves it only from the status it expects.

Then the reminders (``reminders.delivery``): re-plan those of every resolution changed since the last run
(including the ones just lapsed, whose pending reminders go), and send the rows due at ``now`` inside
``bulk`` (flood control's pacing for pushes, which yields to replies); and the officials' daily digests
(``reminders.digest``) due by then.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import Clock
from council.reviewing import Moved, apply_lapse
from council.rules import StatutoryRules
from council.status import Action
from handlers.notices import announce
from storage.repository import Repository

from .delivery import DeliveryReport, Sender, replan_changed, send_due
from .digest import plan_digests, send_digests

log = logging.getLogger(__name__)

#: How many due resolutions one run takes on; the rest wait for the next run.
BATCH = 500


@dataclass(slots=True)
class SweepContext:
    """What a sweep needs of the running application."""

    bot: Bot
    sessions: async_sessionmaker[AsyncSession]
    i18n: I18n
    clock: Clock
    rules: StatutoryRules
    data_dir: Path
    #: Marks the sends inside as bulk pushes (``bot.outgoing.bulk``); the shell passes it in.
    bulk: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext
    #: Re-plan and send reminders; ``False`` for a dry run's look at what is due.
    reminders: bool = True


@dataclass(slots=True)
class SweepReport:
    """What one run did."""

    lapsed: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    reminders: DeliveryReport = field(default_factory=DeliveryReport)


async def sweep(ctx: SweepContext, now: dt.datetime) -> SweepReport:
    """Process what is due at ``now``; see the module docstring."""
    report = SweepReport()
    async with ctx.sessions() as session:
        due = await Repository(session, ctx.clock).reviews.due_lapses(now, BATCH)
    for resolution_id in due:
        try:
            moved = await _lapse_one(ctx, resolution_id, now)
        except Exception:
            log.exception("the sweep could not process resolution %s", resolution_id)
            report.failed.append(resolution_id)
            continue
        if moved is None:
            continue
        (report.lapsed if moved.action == Action.LAPSE else report.escalated).append(resolution_id)
    if ctx.reminders:
        try:
            report.reminders.replanned = await replan_changed(ctx.sessions, ctx.clock, now)
            with ctx.bulk():
                await send_due(
                    Sender(ctx.bot, ctx.sessions, ctx.i18n, ctx.clock, ctx.rules), now, report.reminders
                )
        except Exception:
            log.exception("the sweep could not process reminders")
        await digests(ctx, now, report.reminders)
    return report


async def digests(ctx: SweepContext, now: dt.datetime, report: DeliveryReport) -> None:
    """Plan today's digests and send those due (the 08:00 job, and the catch-up of every sweep)."""
    try:
        await plan_digests(ctx.sessions, ctx.clock, now)
        with ctx.bulk():
            await send_digests(Sender(ctx.bot, ctx.sessions, ctx.i18n, ctx.clock, ctx.rules), now, report)
    except Exception:
        log.exception("the sweep could not process the daily digests")


async def _lapse_one(ctx: SweepContext, resolution_id: int, now: dt.datetime) -> Moved | None:
    async with ctx.sessions() as session:
        repo = Repository(session, ctx.clock)
        moved = await apply_lapse(repo.reviews, resolution_id, now, ctx.rules)
        await session.commit()
        if moved is None:
            return None
        with ctx.i18n.context():
            await announce(ctx.bot, repo, ctx.i18n, moved, ctx.data_dir)
        await session.commit()
        return moved
