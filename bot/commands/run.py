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
    sandbox.add_argument(
        "--port", type=int, default=None, help="port of the web chat (default SANDBOX_PORT or 8080; 0: any)"
    )
    sandbox.add_argument(
        "--host",
        default="127.0.0.1",
        help="address of the web chat (default 127.0.0.1; 0.0.0.0 lets phones on the LAN in — no login!)",
    )
    sandbox.set_defaults(func=run_sandbox)


def _logging(settings: Settings, default_level: str | None = None) -> None:
    """Log at LOG_LEVEL; when LOG_LEVEL is not set, at ``default_level`` if given."""
    explicit = "log_level" in settings.model_fields_set
    level = settings.log_level if explicit or default_level is None else default_level
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.bot_token:
        return run_sandbox(argparse.Namespace(port=None, host="127.0.0.1"), settings)
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

    # The sandbox prints one line, its address; routine logs stay quiet unless LOG_LEVEL asks for them.
    _logging(settings, default_level="WARNING")
    port = settings.sandbox_port if args.port is None else args.port
    # Ctrl-C ends asyncio.run with KeyboardInterrupt; SIGTERM (a service manager) cancels the sandbox's task,
    # which ends it with CancelledError: either is a normal stop, after the sandbox has closed.
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(serve_sandbox(settings, port=port, host=args.host))
    return 0
