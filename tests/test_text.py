"""Persian text normalisation: digits, Arabic letter forms, tatweel, spaces, ZWNJ."""

from __future__ import annotations

import pytest

from council.text import (
    normalize_for_match,
    normalize_persian,
    one_decimal,
    to_latin_digits,
    to_persian_digits,
)

ZWNJ = "\u200c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۱۴۰۵/۰۹/۰۶", "1405/09/06"),
        ("١٤٠٥/٠٩/٠٦", "1405/09/06"),
        ("1405/09/06", "1405/09/06"),
        ("مصوبه ۱۲ و ٣٤", "مصوبه 12 و 34"),
        ("", ""),
    ],
)
def test_to_latin_digits(text: str, expected: str) -> None:
    assert to_latin_digits(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1405, "۱۴۰۵"),
        (0, "۰"),
        ("14:30", "۱۴:۳۰"),
        ("٠٩", "۰۹"),
        ("۱۲", "۱۲"),
        ("ساعت 9", "ساعت ۹"),
    ],
)
def test_to_persian_digits(value: str | int, expected: str) -> None:
    assert to_persian_digits(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Arabic letter forms become Persian ones.
        ("علي", "علی"),
        ("مصطفى", "مصطفی"),
        ("كرمان", "کرمان"),
        ("شوراي اسلامي شهر كاشان", "شورای اسلامی شهر کاشان"),
        # Tatweel is decoration.
        ("تهـــران", "تهران"),
        # Spaces and tabs collapse; the ends are trimmed.
        ("  شورای   شهر\tسمنان  ", "شورای شهر سمنان"),
        # Line breaks are kept, spaces around them are not.
        ("بند ۱  \n  بند ۲", "بند ۱\nبند ۲"),
        ("بند ۱\r\nبند ۲", "بند ۱\nبند ۲"),
        # ZWNJ between letters is kept.
        (f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),
        (f"مصوبه{ZWNJ}ها", f"مصوبه{ZWNJ}ها"),
        # Doubled ZWNJ collapse; ZWNJ next to a space or at an end is dropped.
        (f"می{ZWNJ}{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),
        (f"شورای {ZWNJ}شهر", "شورای شهر"),
        (f"شورای{ZWNJ} شهر", "شورای شهر"),
        (f"شورای {ZWNJ} شهر", "شورای شهر"),
        (f"{ZWNJ}سلام{ZWNJ}", "سلام"),
        # Arabic-Indic digits become Persian digits; Persian and ASCII digits stay as typed.
        ("مصوبه ١٢", "مصوبه ۱۲"),
        ("مصوبه ۱۲", "مصوبه ۱۲"),
        ("مصوبه 12", "مصوبه 12"),
        ("", ""),
    ],
)
def test_normalize_persian(text: str, expected: str) -> None:
    assert normalize_persian(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"شوراي{ZWNJ} شهر  سمنان", "شورای شهر سمنان"),
        (f"می{ZWNJ}خواهم", "می خواهم"),
        ("مصوبه ۱۲ Council", "مصوبه 12 council"),
        ("مصوبه ١٢", "مصوبه 12"),
        ("خط اول\nخط دوم", "خط اول خط دوم"),
        ("كـــاشان", "کاشان"),
    ],
)
def test_normalize_for_match(text: str, expected: str) -> None:
    assert normalize_for_match(text) == expected


def test_spellings_of_one_name_match() -> None:
    spellings = ["شورای اسلامی شهر سمنان", "شوراي اسلامي شهر سمنان", f"شورای{ZWNJ}اسلامی  شهر سمنان "]
    assert len({normalize_for_match(s) for s in spellings}) == 1


@pytest.mark.parametrize(
    ("value", "shown"),
    [(3.25, "3.3"), (2.05, "2.1"), (33.333333, "33.3"), (0.0, "0.0"), (100.0, "100.0"), (4.449, "4.4")],
)
def test_one_decimal_rounds_halves_up(value: float, shown: str) -> None:
    assert one_decimal(value) == shown
