"""Settings: defaults, the statutory numbers as rules, and one clear line for a wrong value."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings
from council.rules import LateSubmissionPolicy

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_follow_the_statute_and_the_embedded_database() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.api_base_url == "https://api.telegram.org"
    assert settings.effective_database_url == "sqlite+aiosqlite:///data/council.db"
    rules = settings.rules
    assert (rules.submission_window_days, rules.review_days, rules.reconsideration_days) == (7, 14, 10)
    assert rules.escalation_days == 15
    assert rules.late_submission is LateSubmissionPolicy.FLAG
    assert rules.extend_on_holiday is True
    assert rules.weekly_holidays == frozenset({4})
    assert (rules.quiet_hours_start, rules.quiet_hours_end) == (dt.time(22, 0), dt.time(7, 30))


def test_environment_overrides_reach_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_PLATFORM", "bale")
    monkeypatch.setenv("REVIEW_DAYS", "10")
    monkeypatch.setenv("LATE_SUBMISSION", "refuse")
    monkeypatch.setenv("WEEKLY_HOLIDAYS", "3, 4")
    monkeypatch.setenv("QUIET_HOURS_START", "21:30")
    settings = load_settings(_env_file=None)
    assert settings.api_base_url == "https://tapi.bale.ai"
    assert settings.rules.review_days == 10
    assert settings.rules.late_submission is LateSubmissionPolicy.REFUSE
    assert settings.rules.weekly_holidays == frozenset({3, 4})
    assert settings.rules.quiet_hours_start == dt.time(21, 30)


def test_bot_api_url_overrides_the_platform_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/")
    assert load_settings(_env_file=None).api_base_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "BOT_PLATFORM",
            "viber",
            "configuration error: BOT_PLATFORM='viber' is invalid: Input should be 'telegram' or 'bale'",
        ),
        (
            "REVIEW_DAYS",
            "chahardah",
            "configuration error: REVIEW_DAYS='chahardah' is invalid: "
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            "QUIET_HOURS_END",
            "7pm",
            "configuration error: QUIET_HOURS_END='7pm' is invalid: Value error, expected HH:MM, got '7pm'",
        ),
        (
            "BOT_API_URL",
            "tapi.bale.ai",
            "configuration error: BOT_API_URL='tapi.bale.ai' is invalid: "
            "Value error, expected an http:// or https:// URL",
        ),
    ],
)
def test_a_wrong_value_stops_start_up_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str, line: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as stopped:
        load_settings(_env_file=None)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == line + "\n"


def test_the_cli_refuses_to_start_with_a_wrong_value(tmp_path: Path) -> None:
    env = {**os.environ, "ESCALATION_DAYS": "-3", "DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "configuration error: ESCALATION_DAYS='-3' is invalid: Input should be greater than or equal to 1\n"
    )
