"""Benchmark: one sweep's selection of due reminders among 1,000,000 resolutions (SQLite and PostgreSQL).

Builds a migrated database holding ``--resolutions`` synthetic resolutions with four reminder rows each (the
member countdown 7d / 3d / 1d / last morning): the closed ones' rows are ``sent``; every ``--open-every``-th
resolution is still under review and its rows are ``pending``, due over the 15 days around the instant of
the sweep (so a few hundred are due at that instant), and a few dozen are flagged for re-planning. Then it
times, through the code the sweep runs (:class:`storage.reminders.ReminderStorage`), the selection of the
due rows (``due``), of the resolutions to re-plan (``to_replan``) and the release of stale claims, each
``--repeat`` times, and prints the median and worst, the query plan of the selection and the peak RSS.

    .venv/bin/python bench/sweep_select.py                       # SQLite, in a temporary file
    .venv/bin/python bench/sweep_select.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The PostgreSQL database is wiped first.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import Board, Council, County, Person, Province
from storage.repository import Repository

NOW = dt.datetime(2026, 12, 5, 4, 30, tzinfo=dt.UTC)
LABELS = ("7d", "3d", "1d", "last_morning")
PEOPLE = 100
OPEN_EVERY = 50
REPLAN_EVERY = 1000
FOUR_YEARS = 4 * 365 * 86400
WINDOW = 15 * 86400


def series(dialect: str, n: int) -> tuple[str, str]:
    """A CTE prefix and a FROM clause yielding ``s.i`` = 1..n, and the reminder labels ``l.k, l.label``."""
    labels = ", ".join(f"({k}, '{label}')" for k, label in enumerate(LABELS))
    if dialect == "sqlite":
        return (
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}), "
            f"l(k, label) AS (VALUES {labels}) ",
            "s",
        )
    return f"WITH l(k, label) AS (VALUES {labels}) ", f"generate_series(CAST(1 AS BIGINT), {n}) AS s(i)"


def instant(dialect: str, seconds: str) -> str:
    """SQL for NOW + ``seconds`` (an SQL expression) in the backend's stored form."""
    if dialect == "sqlite":
        base = NOW.strftime("%Y-%m-%d %H:%M:%S")
        return f"(strftime('%Y-%m-%d %H:%M:%S', '{base}', ({seconds}) || ' seconds') || '.000000')"
    return f"(TIMESTAMPTZ '{NOW.isoformat()}' + ({seconds}) * INTERVAL '1 second')"


async def build(url: str, n: int) -> float:
    started = time.perf_counter()
    await upgrade_async(url)
    engine = create_engine(url)
    dialect = engine.dialect.name
    try:
        async with session_factory(engine)() as session:
            session.add(Province(id=1, code="P", name="P"))
            await session.flush()
            session.add(County(id=1, code="C", name="C", province_id=1))
            await session.flush()
            session.add(Board(id=1, code="B", name="B", county_id=1, voting_seats=3))
            await session.flush()
            session.add(Council(id=1, code="K", name="K", kind="city", county_id=1, board_id=1, members=9))
            for pid in range(1, PEOPLE + 1):
                session.add(Person(id=pid, platform_user_id=pid, display_name=f"p{pid}", created_at=NOW))
            await session.commit()
        prefix, source = series(dialect, n)
        is_open = f"(s.i % {OPEN_EVERY} = 0)"
        submitted = instant(dialect, f"-((s.i * 7919) % {FOUR_YEARS}) - 86400")
        resolutions = (
            "INSERT INTO resolutions (id, tracking_code, council_id, council_number, jalali_year,"
            " session_number, approval_date, status, cycle, submitted_by_id, submitted_at, late,"
            " replan_reminders, status_at, review_deadline) "
            f"{prefix}SELECT s.i, 'T' || s.i, 1, CAST(s.i AS VARCHAR(32)), 1405, '1', DATE '2026-01-01',"
            f" CASE WHEN {is_open} THEN 'under_review' ELSE 'enforceable' END, 1, 1, {submitted},"
            f" {'0' if dialect == 'sqlite' else 'false'}, (s.i % {REPLAN_EVERY} = 0), {submitted},"
            f" {instant(dialect, '14 * 86400')} FROM {source}"
        )
        if dialect == "sqlite":
            resolutions = resolutions.replace("DATE '2026-01-01'", "'2026-01-01'")
        sent_at = instant(dialect, f"-(((s.i * 4 + l.k) * 37) % {FOUR_YEARS}) - 86400")
        pending_at = instant(dialect, f"-3600 + ((s.i * 4 + l.k) * 7919) % {WINDOW}")
        due = f"CASE WHEN {is_open} THEN {pending_at} ELSE {sent_at} END"
        reminders = (
            "INSERT INTO reminders (id, resolution_id, cycle, recipient_id, kind, offset_label, urgent,"
            " planned_at, due_at, state, sent_at) "
            f"{prefix}SELECT s.i * 4 + l.k, s.i, 1, (s.i % {PEOPLE}) + 1, 'member_vote_due', l.label,"
            " (l.k = 3),"
            f" {due}, {due}, CASE WHEN {is_open} THEN 'pending' ELSE 'sent' END,"
            f" CASE WHEN {is_open} THEN NULL ELSE {sent_at} END FROM {source}, l"
        )
        async with engine.begin() as connection:
            await connection.execute(sa.text(resolutions))
            await connection.execute(sa.text(reminders))
        async with engine.begin() as connection:
            await connection.execute(sa.text("ANALYZE"))
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def measure(url: str, repeat: int) -> dict[str, list[float]]:
    engine = create_engine(url)
    timings: dict[str, list[float]] = {"due": [], "to_replan": [], "release_stale": []}
    sizes: dict[str, int] = {}
    try:
        sessions = session_factory(engine)
        for _ in range(repeat):
            async with sessions() as session:
                store = Repository(session).reminders
                started = time.perf_counter()
                sizes["due"] = len(await store.due(NOW, 2000))
                timings["due"].append(time.perf_counter() - started)
                started = time.perf_counter()
                sizes["to_replan"] = len(await store.to_replan(1000))
                timings["to_replan"].append(time.perf_counter() - started)
                started = time.perf_counter()
                await store.release_stale(NOW, dt.timedelta(minutes=10))
                timings["release_stale"].append(time.perf_counter() - started)
                await session.rollback()
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                explain = "EXPLAIN QUERY PLAN SELECT * FROM reminders WHERE state = 'pending' AND due_at <= "
                explain += f"'{NOW.strftime('%Y-%m-%d %H:%M:%S')}.000000' ORDER BY due_at, id LIMIT 2000"
                plan = [str(row[-1]) for row in await connection.execute(sa.text(explain))]
            else:
                explain = "EXPLAIN ANALYZE SELECT * FROM reminders WHERE state = 'pending' AND due_at <= "
                explain += f"'{NOW.isoformat()}' ORDER BY due_at, id LIMIT 2000"
                plan = [str(row[0]) for row in await connection.execute(sa.text(explain))]
            counts = (
                await connection.execute(
                    sa.text("SELECT (SELECT count(*) FROM resolutions), (SELECT count(*) FROM reminders)")
                )
            ).one()
    finally:
        await engine.dispose()
    print(f"  rows: {counts[0]:,} resolutions, {counts[1]:,} reminders")
    print(f"  selected: {sizes['due']} due reminders, {sizes['to_replan']} resolutions to re-plan")
    for name, values in timings.items():
        print(
            f"  {name:14s} median {statistics.median(values) * 1000:7.1f} ms"
            f"   worst {max(values) * 1000:7.1f} ms   ({len(values)} runs)"
        )
    print("  plan of the due selection:")
    for line in plan:
        print(f"    {line}")
    return timings


async def wipe_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            await connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resolutions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", help="a PostgreSQL URL (its database is wiped) instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.postgres:
            url = args.postgres
            await wipe_postgres(url)
        else:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"{backend}: building {args.resolutions:,} resolutions …")
        print(f"  built in {await build(url, args.resolutions):.1f} s")
        await measure(url, args.repeat)
    print(f"  peak RSS of this process: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
