"""``council-bot org``: the organisation — provinces, counties, conformity boards, councils.

Usage::

    council-bot org load FILE      create or update units from an organisation file (docs/ORG_FORMAT.md)
    council-bot org show [--json]  list them (the text form is itself an organisation file)

Both migrate the database first, so a fresh installation needs no separate ``db upgrade``. A wrong file
writes nothing and exits with status 2, one ``FILE:LINE: reason`` line per error on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.settings import Settings
from storage.orgfile import (
    LoadReport,
    OrgFileError,
    OrgSpec,
    dump_org,
    format_org_file,
    load_org,
    parse_org_file,
)

from .db import open_database


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("org", help="the organisation: provinces, counties, boards and councils")
    actions = parser.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    load = actions.add_parser(
        "load", help="create or update the organisation from a file (see docs/ORG_FORMAT.md)"
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.set_defaults(func=load_command)
    show = actions.add_parser("show", help="list the organisation")
    show.add_argument("--json", action="store_true", help="print a machine-readable structure")
    show.set_defaults(func=show_command)


def load_command(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.file
    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate the BOM some editors write
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        print(f"{path}: cannot read: {reason}", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(_load(settings, parse_org_file(text)))
    except OrgFileError as error:
        for each in error.all:
            print(f"{path}:{each.line_no}: {each.reason}", file=sys.stderr)
        return 2
    print(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
    return 0


async def _load(settings: Settings, spec: OrgSpec) -> LoadReport:
    async with open_database(settings) as sessions, sessions() as session:
        return await load_org(session, spec)


def show_command(args: argparse.Namespace, settings: Settings) -> int:
    spec = asyncio.run(_dump(settings))
    if args.json:
        print(json.dumps(spec.as_json(), ensure_ascii=False, indent=2))
    elif not (spec.provinces or spec.counties):
        print("no organisation loaded yet: council-bot org load FILE", file=sys.stderr)
    else:
        print(format_org_file(spec), end="")
    return 0


async def _dump(settings: Settings) -> OrgSpec:
    async with open_database(settings) as sessions, sessions() as session:
        return await dump_org(session)
