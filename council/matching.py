"""Finding an organisational unit (council, county, province) by the name a person typed.

People type «شورای شهر سمنان», «سمنان», «شوراي اسلامي شهر سمنان», «مهدیشهر» for «مهدی‌شهر», or «سمنن». Both
the phrase and the candidates' names are reduced to a comparison key (:func:`match_key`); the generic
leading words («شورای اسلامی شهر», «شهرستان» …) are set aside, and the kind word among them («شهر», «روستای»,
«بخش», «شهرستان», «استان») only breaks ties. Spaces and ZWNJ are ignored in the comparison. Exact matches
come first, then names the phrase is part of, then names within a small edit distance (typos).

Build a :class:`UnitIndex` once per list of candidates when matching often (thousands of villages); the
module functions accept either an index or a plain sequence of ``(code, name)``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from council.text import normalize_for_match

# Harakat, superscript alef and the hamza above/below marks: optional in Persian writing.
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
_LETTER_FOLDS = str.maketrans(
    {
        "\u0622": "\u0627",  # آ → ا: the madda is often left out
        "\u0623": "\u0627",  # أ → ا
        "\u0625": "\u0627",  # إ → ا
        "\u0671": "\u0627",  # ٱ → ا
        "\u06c0": "\u0647",  # ۀ → ه
        "\u0629": "\u0647",  # ة → ه
        "\u0624": "\u0648",  # ؤ → و
        "\u0626": "\u06cc",  # ئ → ی
    }
)
# Punctuation a phrase may carry: «؟», «،», quotes, brackets, a full stop.
_PUNCTUATION = re.compile(r"[^\w\s/\-]")


class UnitKind(StrEnum):
    """The kind of unit a name's leading word says."""

    CITY = "city"
    VILLAGE = "village"
    DISTRICT = "district"
    COUNTY = "county"
    PROVINCE = "province"


_KIND_WORDS: dict[str, UnitKind] = {
    "شهر": UnitKind.CITY,
    "روستا": UnitKind.VILLAGE,
    "روستای": UnitKind.VILLAGE,
    "بخش": UnitKind.DISTRICT,
    "شهرستان": UnitKind.COUNTY,
    "استان": UnitKind.PROVINCE,
}
_COUNCIL_WORDS = frozenset({"شورا", "شورای", "شوراى", "اسلامی"})

EXACT = 100
PREFIX = 85
PART = 80
WHOLE_WORDS = 75
TYPO_1 = 70
TYPO_2 = 60
KIND_AGREES = 2
KIND_DIFFERS = -2


def match_key(text: str) -> str:
    """The comparison form of a name or phrase.

    :func:`council.text.normalize_for_match` (ی/ک, digits, ZWNJ and spacing), then without diacritics,
    hamza and madda variants folded (آ/أ/إ → ا, ۀ/ة → ه, ؤ → و, ئ → ی) and punctuation dropped.
    """
    folded = _DIACRITICS.sub("", normalize_for_match(text)).translate(_LETTER_FOLDS)
    return " ".join(_PUNCTUATION.sub(" ", folded).split())


@dataclass(frozen=True)
class Match:
    """A candidate that matched, with its score (higher is better; :data:`EXACT` is an exact match)."""

    code: str
    name: str
    score: int


@dataclass(frozen=True)
class Resolved:
    """The phrase names exactly one unit."""

    code: str


@dataclass(frozen=True)
class Ambiguous:
    """Several units fit equally well: the person should choose (best first)."""

    matches: tuple[Match, ...]


@dataclass(frozen=True)
class NotFound:
    """No unit fits."""


Resolution = Resolved | Ambiguous | NotFound


@dataclass(frozen=True)
class _Name:
    kind: UnitKind | None
    spaced: str  # the name without its generic leading words, words separated by single spaces
    compact: str  # the same without spaces
    whole: str  # after dropping only the council words, compact: «شهر کرد» stays «شهرکرد»


def _split_name(text: str) -> _Name:
    words = match_key(text).split()
    kind: UnitKind | None = None
    start = 0
    while start < len(words) and (words[start] in _COUNCIL_WORDS or words[start] in _KIND_WORDS):
        kind = _KIND_WORDS.get(words[start], kind)
        start += 1
    whole = "".join(word for word in words if word not in _COUNCIL_WORDS)
    rest = words[start:]
    return _Name(kind=kind, spaced=" ".join(rest), compact="".join(rest), whole=whole)


def max_typos(length: int) -> int:
    """How many edits a name of ``length`` letters may be off by: none up to 2, 1 up to 6, then 2."""
    if length <= 2:
        return 0
    return 1 if length <= 6 else 2


def damerau_levenshtein(a: str, b: str, limit: int | None = None) -> int:
    """Edit distance counting insertions, deletions, substitutions and swaps of adjacent letters
    (the optimal string alignment variant of Damerau–Levenshtein).

    With ``limit``, stops early once the distance surely exceeds it and returns ``limit + 1``.
    """
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, previous2[j - 2] + 1)
            current[j] = best
        if limit is not None and min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


@dataclass(frozen=True)
class _Entry:
    code: str
    name: str
    key: _Name
    letters: frozenset[str]


class UnitIndex:
    """Candidates prepared once for repeated matching.

    Keys are computed up front and looked up without a pass over every candidate where possible: exact
    names in a dict, parts of names by searching one joined string; typos only when nothing matched so,
    and only among names of a nearby length whose letters nearly agree, before the edit distance itself.
    """

    def __init__(self, candidates: Iterable[tuple[str, str]]) -> None:
        self._entries = tuple(
            _Entry(code, name, key, frozenset(key.compact))
            for code, name in candidates
            for key in (_split_name(name),)
        )
        self._by_compact: dict[str, list[int]] = {}
        self._by_spaced: dict[str, list[int]] = {}
        self._by_length: dict[int, list[int]] = {}
        offsets: list[int] = []
        position = 0
        for number, entry in enumerate(self._entries):
            offsets.append(position)
            position += len(entry.key.compact) + 1
            if entry.key.compact:
                self._by_compact.setdefault(entry.key.compact, []).append(number)
                self._by_spaced.setdefault(entry.key.spaced, []).append(number)
                self._by_length.setdefault(len(entry.key.compact), []).append(number)
        self._offsets = offsets
        # Keys never contain a line break, so a search in the joined text cannot run across two names.
        self._joined = "\n".join(entry.key.compact for entry in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def match(self, phrase: str, limit: int = 5) -> list[Match]:
        """The best ``limit`` candidates for ``phrase``, best first (ties in the order given)."""
        wanted = _split_name(phrase)
        if not wanted.compact:
            return []
        found: dict[int, int] = {}
        for key in (wanted.compact, wanted.whole):
            for number in self._by_compact.get(key, ()):
                found[number] = EXACT
        if len(wanted.compact) >= 2:
            self._find_parts(wanted.compact, found)
        words = wanted.spaced.split()
        for first in range(len(words)):
            for last in range(first + 1, len(words) + 1):
                for number in self._by_spaced.get(" ".join(words[first:last]), ()):
                    found.setdefault(number, WHOLE_WORDS)
        if not found:
            # A typo never outranks a name that matched as typed, so the costliest search runs last and alone.
            self._find_typos(wanted.compact, found)
        matches: list[tuple[int, int]] = []
        for number, score in found.items():
            kind = self._entries[number].key.kind
            if wanted.kind is not None and kind is not None:
                score += KIND_AGREES if wanted.kind is kind else KIND_DIFFERS
            matches.append((-score, number))
        matches.sort()
        return [
            Match(self._entries[number].code, self._entries[number].name, -score)
            for score, number in matches[:limit]
        ]

    def _find_parts(self, part: str, found: dict[int, int]) -> None:
        position = self._joined.find(part)
        while position != -1:
            number = bisect_right(self._offsets, position) - 1
            # The first hit in a name is its earliest, so a prefix is seen before any later occurrence.
            found.setdefault(number, PREFIX if position == self._offsets[number] else PART)
            position = self._joined.find(part, position + 1)

    def _find_typos(self, typed: str, found: dict[int, int]) -> None:
        allowed = max_typos(len(typed))
        letters = frozenset(typed)
        for length in range(len(typed) - allowed, len(typed) + allowed + 1):
            for number in self._by_length.get(length, ()):
                entry = self._entries[number]
                # Every letter one side lacks costs at least one edit: a cheap filter before the distance.
                if (
                    number in found
                    or len(letters - entry.letters) > allowed
                    or len(entry.letters - letters) > allowed
                ):
                    continue
                distance = damerau_levenshtein(typed, entry.key.compact, allowed)
                if distance <= allowed:
                    found[number] = TYPO_1 if distance == 1 else TYPO_2


Candidates = Sequence[tuple[str, str]] | UnitIndex


def _index(candidates: Candidates) -> UnitIndex:
    return candidates if isinstance(candidates, UnitIndex) else UnitIndex(candidates)


def match_units(phrase: str, candidates: Candidates, limit: int = 5) -> list[Match]:
    """The units whose names fit ``phrase``, best first, at most ``limit``.

    ``candidates`` are ``(code, name)`` pairs (or a prepared :class:`UnitIndex`). Scores: :data:`EXACT`,
    :data:`PREFIX` / :data:`PART` (the phrase is the start / a part of the name), :data:`WHOLE_WORDS` (the
    name appears as words in a longer phrase), :data:`TYPO_1` / :data:`TYPO_2` (edit distance 1 or 2,
    allowed by :func:`max_typos`, looked for only when nothing matched otherwise), each plus
    :data:`KIND_AGREES` or :data:`KIND_DIFFERS` when both the phrase and the name carry a kind word.
    """
    return _index(candidates).match(phrase, limit)


def resolve_unit(phrase: str, candidates: Candidates, limit: int = 5) -> Resolution:
    """The one unit ``phrase`` names, or the tied best ones to choose from, or :class:`NotFound`."""
    matches = match_units(phrase, candidates, limit)
    if not matches:
        return NotFound()
    best = [match for match in matches if match.score == matches[0].score]
    if len(best) == 1:
        return Resolved(best[0].code)
    return Ambiguous(tuple(best))
