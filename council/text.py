"""Persian text normalisation (DESIGN §3): digits, Arabic letter forms, tatweel, spaces, ZWNJ."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

LATIN_DIGITS = "0123456789"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

ZWNJ = "\u200c"
TATWEEL = "\u0640"

_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, LATIN_DIGITS * 2)
_TO_PERSIAN = str.maketrans(LATIN_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)

# Arabic keyboards and old documents give Arabic yeh/kaf; Persian text uses its own code points.
_PERSIAN_LETTERS = str.maketrans(
    {
        "\u064a": "\u06cc",  # ي Arabic yeh → ی
        "\u0649": "\u06cc",  # ى alef maksura → ی
        "\u0643": "\u06a9",  # ك Arabic kaf → ک
        TATWEEL: None,
        **{arabic: persian for arabic, persian in zip(ARABIC_INDIC_DIGITS, PERSIAN_DIGITS, strict=True)},
    }
)

_ZWNJ_RUN = re.compile(ZWNJ + "{2,}")
# A ZWNJ only joins two letters: next to whitespace or at either end it is noise.
_STRAY_ZWNJ = re.compile(rf"(?<!\S){ZWNJ}|{ZWNJ}(?!\S)")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_ANY_SPACE = re.compile(r"\s+")


def to_latin_digits(text: str) -> str:
    """Replace Persian (۰-۹) and Arabic-Indic (٠-٩) digits by ASCII digits; nothing else changes."""
    return text.translate(_TO_LATIN)


def to_persian_digits(value: str | int) -> str:
    """Render ``value`` with Persian digits (۰-۹); ASCII and Arabic-Indic digits are both converted."""
    return str(value).translate(_TO_PERSIAN)


def normalize_persian(text: str) -> str:
    """Normalise Persian input as typed by a user, keeping its meaning and line breaks.

    Arabic ي/ى/ك become Persian ی/ک, Arabic-Indic digits become Persian digits (ASCII and Persian digits
    are kept as typed), tatweel is removed, runs of spaces and tabs collapse to one space, each line and
    the whole text are trimmed. ZWNJ (نیم‌فاصله) is kept between letters; doubled ZWNJ collapse to one
    and a ZWNJ next to whitespace or at either end is dropped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_PERSIAN_LETTERS)
    text = _ZWNJ_RUN.sub(ZWNJ, text)
    text = _STRAY_ZWNJ.sub("", text)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    return text.strip()


def normalize_for_match(text: str) -> str:
    """A comparison key for fuzzy matching of names: «شورای‌ شهر  سمنان» and «شوراي شهر سمنان» agree.

    Applies :func:`normalize_persian`, turns ZWNJ and all whitespace (line breaks included) into single
    spaces, lower-cases Latin letters and converts every digit to ASCII.
    """
    text = normalize_persian(text).replace(ZWNJ, " ")
    return to_latin_digits(_ANY_SPACE.sub(" ", text).strip().lower())


def one_decimal(value: float) -> str:
    """``value`` to one decimal, halves rounded up as people round them: 3.25 → ``"3.3"`` (Python's own
    formatting gives ``"3.2"``, rounding the binary value half to even)."""
    return str(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
