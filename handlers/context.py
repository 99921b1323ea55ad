"""What handlers know about the deployment they run in (injected by the app as ``deployment``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from council.rules import StatutoryRules
from council.submission import TELEGRAM_DOWNLOAD_LIMIT


@dataclass(slots=True)
class Deployment:
    """The platform, the bot's public username, the rules in force, and where files are kept."""

    platform: str = "telegram"
    bot_username: str = "CouncilMonitorBot"
    invite_ttl_days: int = 7
    rules: StatutoryRules = field(default_factory=StatutoryRules)
    data_dir: Path = Path("data")
    attachment_max_bytes: int = TELEGRAM_DOWNLOAD_LIMIT
