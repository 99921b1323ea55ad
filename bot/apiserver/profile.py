"""Platform profiles: how the server deviates from Telegram to behave as another platform (Bale) may."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """What the server does differently from the Telegram Bot API.

    ``update_user_omits``: fields left out of every User object inside generated updates.
    ``callback_chat_instance``: whether callback queries carry ``chat_instance``.
    ``edit_text_stub``: editMessageText answers ``{"message_id": 0}`` instead of the edited Message.
    ``commands_supported``: whether set/get/deleteMyCommands work (otherwise 400).
    ``refused_parse_modes``: parse modes answered with 400 (upper case).
    """

    name: str
    update_user_omits: frozenset[str] = frozenset()
    callback_chat_instance: bool = True
    edit_text_stub: bool = False
    commands_supported: bool = True
    refused_parse_modes: frozenset[str] = frozenset()


TELEGRAM = Profile("telegram")
BALE = Profile(
    "bale",
    update_user_omits=frozenset({"is_bot", "language_code"}),
    callback_chat_instance=False,
    edit_text_stub=True,
    commands_supported=False,
    refused_parse_modes=frozenset({"HTML"}),
)
PROFILES: dict[str, Profile] = {p.name: p for p in (TELEGRAM, BALE)}


def get_profile(profile: str | Profile) -> Profile:
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}") from None
