"""One-time invite codes (DESIGN §4): generated here, stored only as a hash, redeemed once before expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import secrets
from enum import StrEnum
from urllib.parse import quote

from council.text import to_latin_digits

#: Upper-case letters and digits without the look-alikes 0/O, 1/I/L and U, so a code read aloud or
#: typed from paper comes out right.
INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
INVITE_CODE_LENGTH = 10

_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]+")
_CODE_SHAPE = re.compile(rf"[{INVITE_ALPHABET}]{{{INVITE_CODE_LENGTH}}}")

#: Where a deep link ``/start CODE`` opens the bot, per platform.
_DEEP_LINK_BASES = {
    "telegram": "https://t.me/",
    "bale": "https://ble.ir/",
}


class InviteState(StrEnum):
    """Whether an invite can still be redeemed."""

    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def generate_invite_code(rng: random.Random | None = None) -> str:
    """A fresh code of 10 characters from :data:`INVITE_ALPHABET`.

    Uses :mod:`secrets` unless a seeded ``rng`` is given (tests, the sandbox).
    """
    choose = secrets.choice if rng is None else rng.choice
    return "".join(choose(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def normalize_invite_code(text: str) -> str:
    """A code as typed (any case, Persian or Arabic digits, spaces or hyphens) in its canonical form."""
    return _SEPARATORS.sub("", to_latin_digits(text.strip())).upper()


def is_invite_code_shaped(text: str | None) -> bool:
    """Whether ``text`` normalises to something that could be an invite code (no lookup); a message with no
    text (a photo or a file without a caption) is not."""
    return text is not None and _CODE_SHAPE.fullmatch(normalize_invite_code(text)) is not None


def hash_invite_code(code: str) -> str:
    """SHA-256 hex digest of the normalised code: what the database stores instead of the code."""
    return hashlib.sha256(normalize_invite_code(code).encode("utf-8")).hexdigest()


def invite_state(expires_at: dt.datetime, used_at: dt.datetime | None, now: dt.datetime) -> InviteState:
    """The state of a known invite at ``now``: used wins over expired; it expires at ``expires_at``."""
    if used_at is not None:
        return InviteState.USED
    if now >= expires_at:
        return InviteState.EXPIRED
    return InviteState.VALID


def deep_link(platform: str, bot_username: str, code: str) -> str:
    """The link that opens the bot on ``platform`` (``telegram`` or ``bale``) and sends ``/start CODE``."""
    try:
        base = _DEEP_LINK_BASES[platform]
    except KeyError:
        raise ValueError(f"unknown platform {platform!r}") from None
    return f"{base}{bot_username.lstrip('@')}?start={quote(normalize_invite_code(code))}"
