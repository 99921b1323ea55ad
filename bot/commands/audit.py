"""``council-bot audit``: the audit trail.

Usage::

    council-bot audit verify

Walks the whole event log and checks its hash chain: prints ``audit chain intact: N events`` (exit 0), or
``audit chain broken at event #ID: <reason>`` for the first event that breaks it (exit 1) — an event row
changed or deleted behind the bot's back, or the newest events removed.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.settings import Settings
from council.review import ChainBreak
from storage.repository import ChainReport, Repository

from .db import open_database

REASONS = {
    ChainBreak.CONTENT: "its content does not match its hash (the row was changed)",
    ChainBreak.PREV_HASH: "it does not link to the event before it (an event was deleted or reordered)",
    ChainBreak.HEAD: "the chain's head points past the last event (the newest events were removed)",
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("audit", help="the audit trail")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="check the hash chain of the whole event log")
    verify.set_defaults(func=verify_command)


def verify_command(args: argparse.Namespace, settings: Settings) -> int:
    report = asyncio.run(check(settings))
    if report.broken_at is None:
        print(f"audit chain intact: {report.events} events")
        return 0
    assert report.reason is not None
    print(f"audit chain broken at event #{report.broken_at}: {REASONS[report.reason]}")
    return 1


async def check(settings: Settings) -> ChainReport:
    async with open_database(settings, migrate=False) as sessions, sessions() as session:
        return await Repository(session).check_event_chain()
