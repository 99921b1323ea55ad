"""``council-bot run``: the bot against Telegram or Bale, or — with no token — the local sandbox."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from bot.settings import Settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the bot (the local sandbox when BOT_TOKEN is not set)")
    parser.set_defaults(func=run)
    sandbox = sub.add_parser("sandbox", help="run the local sandbox, whatever BOT_TOKEN says")
    sandbox.add_argument("--port", type=int, default=8080, help="port of the sandbox on 127.0.0.1")
    sandbox.set_defaults(func=run_sandbox)


def _logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.bot_token:
        return run_sandbox(argparse.Namespace(port=getattr(args, "port", 8080)), settings)
    from bot.app import Application

    _logging(settings)
    app = Application(settings)

    # The embedded SQLite is migrated on start; PostgreSQL deployments run `db upgrade` once.
    migrate = settings.effective_database_url.startswith("sqlite")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(app.run_forever(migrate=migrate))
    return 0


def run_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sandbox import serve_sandbox

    _logging(settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_sandbox(settings, port=args.port))
    return 0
