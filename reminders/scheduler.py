"""The scheduler only wakes the sweep (DESIGN §5): APScheduler's asyncio scheduler runs it every
``SWEEP_INTERVAL_SECONDS``; what is due is decided by the database and the clock, not by the scheduler."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

JOB_ID = "sweep"


def start_sweeps(run: Callable[[], Awaitable[object]], interval_seconds: float) -> AsyncIOScheduler:
    """Start a scheduler (in the running event loop) that calls ``run`` every ``interval_seconds``;
    a run that overlaps the previous one is skipped, missed runs are folded into one."""
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
    scheduler.start()
    return scheduler
