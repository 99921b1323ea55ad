"""Invite codes: unambiguous, typed forgivingly, stored hashed, used once before they expire."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from council.invites import (
    INVITE_ALPHABET,
    InviteState,
    deep_link,
    generate_invite_code,
    hash_invite_code,
    invite_state,
    is_invite_code_shaped,
    normalize_invite_code,
)

UTC = dt.UTC
EXPIRES = dt.datetime(2026, 11, 27, 20, 30, tzinfo=UTC)


def test_alphabet_has_no_look_alikes() -> None:
    assert INVITE_ALPHABET == "23456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert not set("01OILU") & set(INVITE_ALPHABET)


def test_a_seeded_generator_gives_the_same_code() -> None:
    assert generate_invite_code(random.Random(42)) == "P52SA996S5"
    assert generate_invite_code(random.Random(7)) == "C6EP34WK5D"


def test_generated_codes_are_ten_characters_of_the_alphabet_and_differ() -> None:
    codes = [generate_invite_code() for _ in range(200)]
    assert all(len(code) == 10 and set(code) <= set(INVITE_ALPHABET) for code in codes)
    assert len(set(codes)) == 200


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("P52SA996S5", "P52SA996S5"),
        ("  p52sa996s5 ", "P52SA996S5"),
        ("P52S-A996-S5", "P52SA996S5"),
        ("p52s a996 s5", "P52SA996S5"),
        ("P۵۲SA۹۹۶S۵", "P52SA996S5"),
        ("P٥٢SA٩٩٦S٥", "P52SA996S5"),
        ("P52S–A996–S5", "P52SA996S5"),  # en dashes from a word processor
    ],
)
def test_normalize_invite_code(typed: str, normalized: str) -> None:
    assert normalize_invite_code(typed) == normalized
    assert hash_invite_code(typed) == hash_invite_code(normalized)


def test_hash_is_sha256_hex_of_the_normalized_code() -> None:
    expected = "17190666e16f8d07ca35531be8ac05a695b08ec80bc1ef7303ebf76bba91be49"
    assert hash_invite_code("ABCDEFGH23") == expected
    assert hash_invite_code("abcd-efgh-23") == expected
    assert hash_invite_code("ABCDEFGH24") != expected


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ("P52SA996S5", True),
        ("p52s-a996-s5", True),
        ("P52SA996S", False),  # too short
        ("P52SA996S55", False),  # too long
        ("P52SA996S0", False),  # 0 is not in the alphabet
        ("سلام", False),
    ],
)
def test_is_invite_code_shaped(text: str, shaped: bool) -> None:
    assert is_invite_code_shaped(text) is shaped


@pytest.mark.parametrize(
    ("used_at", "now", "state"),
    [
        (None, EXPIRES - dt.timedelta(seconds=1), InviteState.VALID),
        (None, EXPIRES, InviteState.EXPIRED),
        (None, EXPIRES + dt.timedelta(days=1), InviteState.EXPIRED),
        (EXPIRES - dt.timedelta(days=1), EXPIRES - dt.timedelta(hours=1), InviteState.USED),
        (EXPIRES - dt.timedelta(days=1), EXPIRES + dt.timedelta(days=1), InviteState.USED),
    ],
)
def test_invite_state(used_at: dt.datetime | None, now: dt.datetime, state: InviteState) -> None:
    assert invite_state(EXPIRES, used_at, now) is state


def test_invite_state_codes() -> None:
    assert [s.value for s in InviteState] == ["valid", "used", "expired", "unknown"]


@pytest.mark.parametrize(
    ("platform", "username", "link"),
    [
        ("telegram", "CouncilMonitorBot", "https://t.me/CouncilMonitorBot?start=P52SA996S5"),
        ("telegram", "@CouncilMonitorBot", "https://t.me/CouncilMonitorBot?start=P52SA996S5"),
        ("bale", "council_bot", "https://ble.ir/council_bot?start=P52SA996S5"),
    ],
)
def test_deep_link(platform: str, username: str, link: str) -> None:
    assert deep_link(platform, username, "p52s-a996-s5") == link


def test_deep_link_refuses_an_unknown_platform() -> None:
    with pytest.raises(ValueError):
        deep_link("whatsapp", "bot", "P52SA996S5")
