"""Benchmark: reminders pushed through FloodControl against a Bot API server that enforces the limits.

The local Bot API server runs in a child process, enforcing 30 calls/s overall and 1/s per chat with a strict
sliding window and answering 429 beyond them. This process (the bot) sends ``--messages`` reminders to
``--chats`` chats — each chat's reminders queued together, the hard case for the per-chat limit — through an
aiogram Bot whose session carries :class:`bot.outgoing.FloodControl` with the default settings, from
``--concurrency`` workers, as bulk sends (``bulk()``, as the sweep will). It prints the achieved rate over
the limit (measured where the server received the calls), the 429 answers, and the peak RSS of each
process. Full run (about 100 s)::

    .venv/bin/python bench/flood.py

Quick run::

    .venv/bin/python bench/flood.py --messages 300 --chats 100
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import multiprocessing as mp
import resource
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

GLOBAL_LIMIT = 30.0
PER_CHAT_LIMIT = 1.0
TEXT = (
    "یادآوری: مصوبه شماره {n} شورای اسلامی شهر سمنان درباره ساماندهی پارک‌های محله‌ای در انتظار رأی شماست. "
    "۲ روز و ۳ ساعت مانده."
)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- the server process


def serve(conn: Connection, chats: int) -> None:
    asyncio.run(_serve(conn, chats))


async def _serve(conn: Connection, chats: int) -> None:
    from bot.apiserver import LocalBotApiServer, RateLimits

    limits = RateLimits(global_per_second=GLOBAL_LIMIT, per_chat_per_second=PER_CHAT_LIMIT)
    server = LocalBotApiServer(rate_limits=limits)
    for chat in range(1, chats + 1):
        server.user(chat, f"member {chat}", started=True)
    # The server is the measuring instrument: it stamps a call when its event loop gets to it, so a pause
    # of its own garbage collector (it keeps every call and message) would bunch arrivals that were spaced
    # and count them as a flood. It runs for two minutes; collection can wait.
    gc.freeze()
    gc.disable()
    await server.start()
    conn.send((server.base_url, server.token))
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # the bot has finished
    sent = [c for c in server.calls if c.method == "sendMessage"]
    accepted = [c.at for c in sent if c.ok]
    by_chat: dict[Any, list[float]] = {}
    for call in sent:
        if call.ok:
            by_chat.setdefault(call.params.get("chat_id"), []).append(call.at)
    gaps = [b - a for times in by_chat.values() for a, b in itertools.pairwise(times)]
    conn.send(
        {
            "accepted": len(accepted),
            "refused_429": sum(1 for c in server.calls if c.status == 429),
            "other_errors": sum(1 for c in server.calls if not c.ok and c.status != 429),
            "span": accepted[-1] - accepted[0] if len(accepted) > 1 else 0.0,
            "max_in_any_second": _max_in_window(accepted, 1.0),
            "min_gap_per_chat": min(gaps) if gaps else None,
            "violations": len(server.violations),
            "peak_rss_mib": peak_rss_mib(),
        }
    )
    await server.stop()


def _max_in_window(times: list[float], window: float) -> int:
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        best = max(best, end - start + 1)
    return best


# --- the bot process


async def send_all(
    base_url: str, token: str, messages: int, chats: int, concurrency: int
) -> tuple[float, float]:
    """Send everything; return the seconds it took and the peak RSS before sending."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    from bot.outgoing import FloodControl, bulk
    from bot.settings import Settings

    baseline_rss = peak_rss_mib()  # importing aiogram (its pydantic models) is most of the peak
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    bot.session.middleware(FloodControl.from_settings(settings))
    per_chat = -(-messages // chats)
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for n in range(messages):
        queue.put_nowait((1 + n // per_chat, n))  # chat-major: each chat's reminders together
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="مشاهده", callback_data="open:1"),
                InlineKeyboardButton(text="رأی", callback_data="vote:1"),
            ],
            [InlineKeyboardButton(text="۱ ساعت بعد", callback_data="snooze:1h")],
        ]
    )

    async def worker() -> None:
        while not queue.empty():
            chat, n = queue.get_nowait()
            await bot.send_message(chat, TEXT.format(n=n), reply_markup=keyboard)

    started = time.monotonic()
    try:
        with bulk():
            await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await bot.session.close()
    return time.monotonic() - started, baseline_rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100, help="sending workers (default 100)")
    args = parser.parse_args(argv)

    ctx = mp.get_context("spawn")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=serve, args=(theirs, args.chats), daemon=True)
    child.start()
    base_url, token = ours.recv()
    elapsed, baseline_rss = asyncio.run(
        send_all(base_url, token, args.messages, args.chats, args.concurrency)
    )
    ours.send("done")
    stats = ours.recv()
    child.join(timeout=10)

    achieved = (stats["accepted"] - 1) / stats["span"] if stats["span"] else 0.0
    print(f"messages {args.messages} to {args.chats} chats, {args.concurrency} workers, {elapsed:.1f} s")
    print(f"limits: {GLOBAL_LIMIT:g}/s overall, {PER_CHAT_LIMIT:g}/s per chat (server: strict 1 s window)")
    print(f"achieved/limit: {achieved:.2f}/{GLOBAL_LIMIT:g} per s = {achieved / GLOBAL_LIMIT:.1%}")
    print(f"429 answers: {stats['refused_429']}; other errors: {stats['other_errors']}")
    print(f"delivered: {stats['accepted']}; most calls in any 1 s: {stats['max_in_any_second']}")
    print(f"smallest gap between two calls to one chat: {stats['min_gap_per_chat']:.3f} s")
    print(
        f"peak RSS: bot {peak_rss_mib():.1f} MiB (after imports, before sending: {baseline_rss:.1f} MiB), "
        f"server {stats['peak_rss_mib']:.1f} MiB"
    )
    ok = stats["refused_429"] == 0 and stats["accepted"] == args.messages and achieved >= 0.95 * GLOBAL_LIMIT
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
