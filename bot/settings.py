"""Typed configuration from the environment and an optional ``.env`` file."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from council.rules import LateSubmissionPolicy, StatutoryRules
from council.submission import TELEGRAM_DOWNLOAD_LIMIT

PLATFORM_URLS = {
    "telegram": "https://api.telegram.org",
    "bale": "https://tapi.bale.ai",
}


def _parse_hhmm(value: object) -> dt.time:
    if isinstance(value, dt.time):
        return value
    text = str(value).strip()
    try:
        hours, minutes = text.split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"expected HH:MM, got {text!r}") from exc


class Settings(BaseSettings):
    """Everything configurable. Each field is read from the upper-cased environment variable."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str | None = None
    bot_platform: Literal["telegram", "bale"] = "telegram"
    bot_api_url: str | None = None
    bot_username: str = "CouncilMonitorBot"
    data_dir: Path = Path("data")
    database_url: str | None = None
    sandbox_database_url: str | None = None
    sandbox_port: int = Field(default=8080, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    default_language: Literal["fa", "en"] = "fa"
    invite_ttl_days: int = Field(default=7, ge=1, le=365)
    # The Bot API's getFile serves up to 20 MB; raise it only behind a local Bot API server.
    attachment_max_bytes: int = Field(default=TELEGRAM_DOWNLOAD_LIMIT, ge=1)

    submission_window_days: int = Field(default=7, ge=0, le=365)
    late_submission: LateSubmissionPolicy = LateSubmissionPolicy.FLAG
    review_days: int = Field(default=14, ge=1, le=365)
    reconsideration_days: int = Field(default=10, ge=1, le=365)
    escalation_days: int = Field(default=15, ge=1, le=365)
    extend_on_holiday: bool = True
    closures_extend: bool = True
    weekly_holidays: str = "4"
    # How often the sweep (lapses; reminders) runs; it also runs once at start-up.
    sweep_interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    quiet_hours_start: dt.time = dt.time(22, 0)
    quiet_hours_end: dt.time = dt.time(7, 30)
    outgoing_global_per_second: float = Field(default=30.0, gt=0)
    outgoing_per_chat_per_second: float = Field(default=1.0, gt=0)
    outgoing_per_group_per_minute: float = Field(default=20.0, gt=0)
    outgoing_max_retries: int = Field(default=5, ge=0, le=20)

    @field_validator("quiet_hours_start", "quiet_hours_end", mode="before")
    @classmethod
    def _hhmm(cls, value: object) -> dt.time:
        return _parse_hhmm(value)

    @field_validator("weekly_holidays")
    @classmethod
    def _weekdays(cls, value: str) -> str:
        days = [part.strip() for part in value.split(",") if part.strip()]
        if not days or not all(d.isdigit() and 0 <= int(d) <= 6 for d in days):
            raise ValueError("expected comma-separated weekday numbers 0 (Monday) … 6 (Sunday)")
        return ",".join(days)

    @field_validator("bot_api_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @property
    def api_base_url(self) -> str:
        """The Bot API server the bot talks to."""
        return self.bot_api_url or PLATFORM_URLS[self.bot_platform]

    @property
    def effective_database_url(self) -> str:
        """``DATABASE_URL``, or the embedded SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'council.db').as_posix()}"

    @property
    def effective_sandbox_database_url(self) -> str:
        """``SANDBOX_DATABASE_URL``, or ``sandbox.db`` under the data directory: never the real database."""
        if self.sandbox_database_url:
            return self.sandbox_database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'sandbox.db').as_posix()}"

    @property
    def rules(self) -> StatutoryRules:
        """The statutory numbers as the rules core wants them."""
        return StatutoryRules(
            submission_window_days=self.submission_window_days,
            late_submission=self.late_submission,
            review_days=self.review_days,
            reconsideration_days=self.reconsideration_days,
            escalation_days=self.escalation_days,
            extend_on_holiday=self.extend_on_holiday,
            weekly_holidays=frozenset(int(d) for d in self.weekly_holidays.split(",")),
            closures_extend=self.closures_extend,
            quiet_hours_start=self.quiet_hours_start,
            quiet_hours_end=self.quiet_hours_end,
        )


class SettingsError(SystemExit):
    """Start-up stops with one line naming the variable."""


def load_settings(**overrides: object) -> Settings:
    """Read settings; a wrong value raises :class:`SettingsError` with one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "?"
        raw = err.get("input")
        message = f"configuration error: {name}={raw!r} is invalid: {err['msg']}"
        print(message, file=sys.stderr)
        raise SettingsError(2) from None
