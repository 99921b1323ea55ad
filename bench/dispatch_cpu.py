"""Benchmark: CPU time of this process per update through the dispatcher, one update at a time.

The throughput rows of ``status_bench.py`` are wall-clock rates on a machine that other work shares; this
measures the event loop thread's CPU time (``time.thread_time``) per update instead, in blocks that take
turns, and prints for each kind the lowest block and the median of the blocks:

* ``echo``  — the bare aiogram dispatcher of ``status_bench.py`` answering the text (the reference);
* ``floor`` — the application's dispatcher, a bound nation official's «؟» (the fallback's reply);
* ``kept``  — status by code, the bench's throughput codes, every card asked before;
* ``cold``  — status by code, each code asked once (a card never asked), its rows read just before by
  another connection (``status_bench.read_rows``: in the operating system's cache and PostgreSQL's
  buffers, not in the application), so that the disk is not in the figure.

It uses the database ``status_bench.py`` built (run that first); PostgreSQL's CPU is not counted (it is
another process), only this process's side of the round trips.

    .venv/bin/python bench/dispatch_cpu.py                    # /tmp/council-bench/status-1000000-<head>.db
    .venv/bin/python bench/dispatch_cpu.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiogram import Bot
from aiogram.types import Update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import status_bench as sb
from bot.app import settle_garbage_collector
from storage.migrate import head_revision

KINDS = ("echo", "floor", "kept", "cold")
#: Python's default thresholds of its garbage collector's generations.
PYTHON_GC_THRESHOLDS = (700, 10, 10)


async def measure(
    url: str, seed: int, count: int, block: int, rounds: int, kinds: list[str], gc_modes: str = "settled"
) -> None:
    picked = await sb.samples(url, count, seed)
    codes = picked["throughput_codes"]
    once = list(picked["once_codes"])
    asker = sb.THROUGHPUT_PEOPLE[0]
    with tempfile.TemporaryDirectory() as folder:
        app = sb.make_app(url, Path(folder))
        await app.watch_changes()
        bot = Bot("123456:BENCH", session=sb.RecordingSession())
        dp = app.dispatcher
        echo = sb.echo_dispatcher()

        def updates(kind: str, n: int) -> list[Update]:
            text = "؟" if kind == "floor" else None
            return [sb.text_update(asker, text or codes[k % len(codes)]) for k in range(n)]

        # Warm up: every throughput code asked (then kept), the floor, the echo.
        for kind in ("kept", "floor", "kept"):
            for update in updates(kind, len(codes)):
                await dp.feed_update(bot, update)
        for update in updates("echo", len(codes)):
            await echo.feed_update(bot, update)
        modes = {"settled": " ", "python": "·"} if gc_modes == "both" else {gc_modes: ""}
        spent: dict[str, list[float]] = {kind + mark: [] for kind in kinds for mark in modes.values()}
        for _ in range(rounds):
            for kind, (mode, mark) in itertools.product(kinds, modes.items()):
                if mode == "settled":
                    settle_garbage_collector()
                else:  # Python's own: nothing frozen, the default thresholds
                    gc.unfreeze()
                    gc.set_threshold(*PYTHON_GC_THRESHOLDS)
                if kind == "cold":
                    fresh, once[:block] = once[:block], []
                    if len(fresh) < block:
                        raise SystemExit("not enough codes asked once: raise --count")
                    await sb.read_rows(url, fresh)
                    batch = [sb.text_update(asker, code) for code in fresh]
                else:
                    batch = updates(kind, block)
                dispatcher = echo if kind == "echo" else dp
                started = time.thread_time()
                for update in batch:
                    await dispatcher.feed_update(bot, update)
                spent[kind + mark].append((time.thread_time() - started) / block * 1e6)
        for name, values in spent.items():
            print(
                f"  {name:7s} CPU µs per update: lowest block {min(values):7.1f},"
                f" median {statistics.median(values):7.1f}   ({rounds} blocks of {block})",
                flush=True,
            )
        if gc_modes == "both":
            print("  (·: Python's garbage collector as it is; the others settled as the bot's process does)")
        await app.stop_watching()
        await app.engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", help="a PostgreSQL URL built by status_bench.py instead of SQLite")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("DATA_DIR", tempfile.gettempdir())) / "council-bench",
    )
    parser.add_argument("--resolutions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=8001)
    parser.add_argument(
        "--count", type=int, default=1000, help="status_bench's samples (8 × this codes asked once)"
    )
    parser.add_argument("--block", type=int, default=200, help="updates per block")
    parser.add_argument("--rounds", type=int, default=8, help="blocks of each kind, taking turns")
    parser.add_argument("--kind", action="append", choices=KINDS, help="measure only these (repeatable)")
    parser.add_argument(
        "--gc",
        choices=("settled", "python", "both"),
        default="settled",
        help="the garbage collector settled as the bot's process does (bot.app.settle_garbage_collector),"
        " Python's as it is, or both in turn, block by block",
    )
    args = parser.parse_args()
    url = (
        args.postgres
        or f"sqlite+aiosqlite:///{args.cache_dir / f'status-{args.resolutions}-{head_revision()}.db'}"
    )
    print(f"{url}: load average {os.getloadavg()[0]:.2f}", flush=True)
    await measure(url, args.seed, args.count, args.block, args.rounds, args.kind or list(KINDS), args.gc)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
