"""The scheduler only wakes the work (DESIGN §5): APScheduler's asyncio scheduler runs the sweep every
``SWEEP_INTERVAL_SECONDS`` and the officials' daily digest at 08:00 Tehran; what is due is decided by the
database and the clock, not by the scheduler (the sweep also sends a digest the 08:00 job missed, so a bot
started at 09:00 still sends that day's, once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from council.jalali import TEHRAN

from .planning import MORNING

JOB_ID = "sweep"
DIGEST_JOB_ID = "digest"


def digest_trigger() -> CronTrigger:
    """Every day at 08:00 Asia/Tehran."""
    return CronTrigger(hour=MORNING.hour, minute=MORNING.minute, timezone=TEHRAN)


def start_sweeps(
    run: Callable[[], Awaitable[object]],
    interval_seconds: float,
    digest: Callable[[], Awaitable[object]] | None = None,
) -> AsyncIOScheduler:
    """Start a scheduler (in the running event loop) that calls ``run`` every ``interval_seconds`` and
    ``digest`` (if given) every day at 08:00 Tehran; a run that overlaps the previous one is skipped,
    missed runs are folded into one."""
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    scheduler.add_job(
        run,
        "interval",
        seconds=interval_seconds,
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    if digest is not None:
        scheduler.add_job(
            digest,
            digest_trigger(),
            id=DIGEST_JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    scheduler.start()
    return scheduler
