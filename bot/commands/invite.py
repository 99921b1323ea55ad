"""``council-bot invite``: one-time invites, for operators (admins in the chat use ``/invite``).

Usage::

    council-bot invite create --role ROLE --scope CODE [--ttl-days N] [--json]

Prints the code, the deep link that redeems it and its expiry. The code is shown once: only its hash is
stored. ``--scope IR`` is the nation (officials, admins). An unknown scope, or one the role cannot be bound
to, exits with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys

from bot.settings import Settings
from council.clock import SystemClock
from council.invites import deep_link
from council.jalali import format_jalali_datetime
from council.roles import Role
from storage.repository import InvalidScope, OrgUnit, Repository

from .db import open_database


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("invite", help="one-time invites to a role")
    actions = parser.add_subparsers(dest="invite_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="issue a one-time invite for a role over a unit")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--scope", required=True, metavar="CODE", help="the unit's code (IR: the nation)")
    create.add_argument(
        "--ttl-days",
        type=_positive_days,
        default=None,
        help="days until it expires (default: INVITE_TTL_DAYS)",
    )
    create.add_argument("--json", action="store_true", help="print a machine-readable structure")
    create.set_defaults(func=create_command)


def create_command(args: argparse.Namespace, settings: Settings) -> int:
    role = Role(args.role)
    now = SystemClock().now()
    expires_at = now + dt.timedelta(days=args.ttl_days or settings.invite_ttl_days)
    try:
        code, unit = asyncio.run(_create(settings, role, args.scope, expires_at))
    except InvalidScope as error:
        print(f"invite: {error}", file=sys.stderr)
        return 2
    link = deep_link(settings.bot_platform, settings.bot_username, code)
    if args.json:
        issued = {
            "code": code,
            "link": link,
            "role": role.value,
            "scope_kind": unit.kind.value,
            "scope_code": unit.code,
            "scope_name": unit.name,
            "expires_at": expires_at.isoformat(timespec="seconds"),
        }
        print(json.dumps(issued, ensure_ascii=False, indent=2))
    else:
        print(f"code:    {code}")
        print(f"link:    {link}")
        print(f"for:     {role.value} of {unit.kind.value} {unit.code} ({unit.name})")
        print(f"expires: {expires_at.isoformat(timespec='seconds')} ({format_jalali_datetime(expires_at)})")
    return 0


async def _create(settings: Settings, role: Role, scope: str, expires_at: dt.datetime) -> tuple[str, OrgUnit]:
    async with open_database(settings) as sessions, sessions() as session:
        repo = Repository(session)
        code = await repo.create_invite(role, scope, expires_at)
        unit = await repo.find_unit(scope)
        assert unit is not None  # create_invite checked it
        await session.commit()
        return code, unit


def _positive_days(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 365:
        raise argparse.ArgumentTypeError(f"expected a whole number of days from 1 to 365, got {text!r}")
    return int(text)
