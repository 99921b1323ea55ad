"""What handlers know about the deployment they run in (injected by the app as ``deployment``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from council.rules import StatutoryRules


@dataclass(slots=True)
class Deployment:
    """The platform, the bot's public username, and the rules in force."""

    platform: str = "telegram"
    bot_username: str = "CouncilMonitorBot"
    invite_ttl_days: int = 7
    rules: StatutoryRules = field(default_factory=StatutoryRules)
