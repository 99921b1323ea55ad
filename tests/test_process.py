"""The bot's own process: its garbage collector is settled once before it starts serving (see
``bot.app.settle_garbage_collector`` and docs/PERFORMANCE.md, "Garbage collection")."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bot import app as app_module
from bot.app import GC_YOUNG_THRESHOLD, Application, settle_garbage_collector
from bot.settings import Settings


def test_settling_freezes_what_exists_and_collects_the_young_less_often() -> None:
    before = gc.get_threshold()
    try:
        gc.unfreeze()
        settle_garbage_collector()
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, before[1], before[2])
        assert GC_YOUNG_THRESHOLD == 10_000
        # Everything made so far (the modules, the test session's objects) is out of the collector's passes.
        assert gc.get_freeze_count() > 50_000
        assert gc.get_count()[0] < 1_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_the_bot_settles_its_collector_before_it_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    done: list[str] = []

    async def start(self: Application, *, migrate: bool = True, polling_timeout: int = 10) -> None:
        done.append(f"start migrate={migrate}")
        raise RuntimeError("stop here")

    monkeypatch.setattr(app_module, "settle_garbage_collector", lambda: done.append("settle"))
    monkeypatch.setattr(Application, "start", start)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123456:TEST",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        data_dir=tmp_path,
    )
    app = Application(settings)
    with pytest.raises(RuntimeError, match="stop here"):
        await app.run_forever(migrate=False)
    assert done == ["settle", "start migrate=False"]
