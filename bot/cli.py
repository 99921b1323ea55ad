"""``council-bot``: the command line of the bot and of its operators.

Each sub-command lives in :mod:`bot.commands`; a module there exposes ``add_parser(subparsers)``
which registers its parser and sets ``func`` to a callable ``(args, settings) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from bot.settings import load_settings

COMMAND_MODULES = ("run", "calendar", "db", "org", "invite", "audit", "reminders")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="council-bot", description="Council resolutions bot")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"bot.commands.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not getattr(args, "func", None):
        # Bare ``council-bot`` (and ``python -m bot``) runs the bot.
        args = build_parser().parse_args(["run"])
    settings = load_settings()
    result: int = args.func(args, settings)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
