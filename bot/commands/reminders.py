"""``council-bot reminders``: what the reminder sweep does at an instant.

Usage::

    council-bot reminders sweep [--now 2026-12-05T04:30:00+00:00] [--dry-run]

Without ``--dry-run``: one sweep at ``--now`` (default: the wall clock) — lapses processed and announced,
reminders re-planned and the due ones sent, the officials' daily digests planned and sent — then what
was done, counted. With ``--dry-run``: nothing is changed or sent; one line per stored reminder due at
that instant and how many resolutions wait to be re-planned (the next sweep may add reminders for them);
then one line per stored digest due and how many officials want the digest (a real sweep adds today's
rows for those who have none yet).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt

from bot.settings import Settings
from council.clock import MovableClock, SystemClock
from storage.reminders import ReminderRow
from storage.repository import Repository

from .db import open_database


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("reminders", help="reminders and expiry warnings")
    actions = parser.add_subparsers(dest="reminders_command", metavar="ACTION", required=True)
    sweep = actions.add_parser("sweep", help="show (and without --dry-run send) what is due at an instant")
    sweep.add_argument("--now", type=instant, help="ISO 8601 instant with its offset (default: now)")
    sweep.add_argument("--dry-run", action="store_true", help="show what is due; change and send nothing")
    sweep.set_defaults(func=sweep_command)


def instant(text: str) -> dt.datetime:
    """An ISO 8601 instant; it must say its offset (``Z``, ``+03:30``…): a bare wall time is ambiguous."""
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset (add Z or +03:30)")
    return value.astimezone(dt.UTC)


def sweep_command(args: argparse.Namespace, settings: Settings) -> int:
    now = args.now or SystemClock().now()
    for line in asyncio.run(run_sweep(settings, now, dry_run=args.dry_run)):
        print(line)
    return 0


def row_line(row: ReminderRow) -> str:
    return (
        f"#{row.id} due {row.due_at.isoformat()} resolution {row.resolution_id} cycle {row.cycle} "
        f"person {row.recipient_id} {row.kind} {row.offset_label}{' urgent' if row.urgent else ''}"
    )


async def run_sweep(settings: Settings, now: dt.datetime, *, dry_run: bool) -> list[str]:
    """The lines the command prints (see the module docstring)."""
    if dry_run:
        async with open_database(settings, migrate=False) as sessions, sessions() as session:
            repo = Repository(session)
            due = await repo.reminders.due(now, 100_000)
            waiting = len(await repo.reminders.to_replan(100_000))
            digests = await repo.digests.due(now, 100_000)
            subscribers = len(await repo.digests.subscribers())
        lines = [row_line(row) for row in due]
        lines.append(f"{len(due)} reminder(s) due at {now.isoformat()}; {waiting} resolution(s) to re-plan")
        lines.extend(
            f"#{row.id} due {row.due_at.isoformat()} person {row.recipient_id} digest {row.day.isoformat()}"
            for row in digests
        )
        lines.append(f"{len(digests)} digest(s) due; {subscribers} official(s) want the daily digest")
        return lines

    from bot.app import Application  # the whole shell only when sending

    app = Application(settings, clock=MovableClock(now))
    try:
        report = await app.sweep_now()
        await app.wait_for_blocked_reports()
    finally:
        await app.stop()
    sent = report.reminders
    return [
        f"lapsed: {len(report.lapsed)}, escalated: {len(report.escalated)}, failed: {len(report.failed)}",
        f"reminders re-planned for {sent.replanned} resolution(s); sent {len(sent.sent)}, "
        f"dropped {len(sent.dropped)}, deferred {len(sent.deferred)}, failed {len(sent.failed)}",
        f"digests sent {len(sent.digests)}, dropped or deferred {len(sent.digests_skipped)}",
    ]
