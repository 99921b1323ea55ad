"""Finding a council or county by the name a person typed (issue 6)."""

from __future__ import annotations

import random
import time

import pytest

from council.matching import (
    EXACT,
    KIND_AGREES,
    KIND_DIFFERS,
    PREFIX,
    TYPO_1,
    TYPO_2,
    WHOLE_WORDS,
    Ambiguous,
    Match,
    NotFound,
    Resolved,
    UnitIndex,
    damerau_levenshtein,
    match_key,
    match_units,
    max_typos,
    resolve_unit,
)

# Names as in storage/sample/semnan.org.
UNITS = [
    ("SMN-SMN", "شهرستان سمنان"),
    ("C-SMN-SEMNAN", "شورای اسلامی شهر سمنان"),
    ("SMN-SHR", "شهرستان شاهرود"),
    ("C-SHR-SHAHRUD", "شورای اسلامی شهر شاهرود"),
    ("C-SHR-BASTAM", "شورای اسلامی شهر بسطام"),
    ("C-SHR-MOJEN", "شورای اسلامی شهر مجن"),
    ("C-SHR-ABR", "شورای اسلامی روستای ابر"),
    ("C-SHR-ABARSEJ", "شورای اسلامی روستای ابرسج"),
    ("C-DMG-TUYEH-DARVAR", "شورای اسلامی روستای تویه دروار"),
    ("C-GRM-DEH-NAMAK", "شورای اسلامی روستای ده\u200cنمک"),
    ("SMN-MHD", "شهرستان مهدی\u200cشهر"),
    ("C-MHD-MEHDISHAHR", "شورای اسلامی شهر مهدی\u200cشهر"),
    ("C-MHD-SHAHMIRZAD", "شورای اسلامی شهر شهمیرزاد"),
    ("C-ARD-KOHANABAD", "شورای اسلامی شهر کهن\u200cآباد"),
]
NAMES = dict(UNITS)


def _match(code: str, score: int) -> Match:
    return Match(code, NAMES[code], score)


def test_the_comparison_key_ignores_letter_forms_zwnj_diacritics_and_punctuation() -> None:
    assert match_key("شوراي  اسلامي\u200cشهر «كهن‌آباد»؟") == "شورای اسلامی شهر کهن اباد"
    assert match_key("مصوبهٔ ۱۲") == "مصوبه 12"


@pytest.mark.parametrize(
    "phrase",
    [
        "شورای اسلامی شهر سمنان",
        "شوراي اسلامي شهر سمنان",
        "شورای شهر سمنان",
        "شهر  سمنان",
        "شورای‌شهر سمنان",
    ],
)
def test_a_council_named_with_its_kind_is_resolved_despite_letter_forms_and_spacing(phrase: str) -> None:
    assert resolve_unit(phrase, UNITS) == Resolved("C-SMN-SEMNAN")


def test_the_kind_word_breaks_the_tie_between_a_city_and_its_county() -> None:
    assert match_units("شهرستان سمنان", UNITS) == [
        _match("SMN-SMN", EXACT + KIND_AGREES),
        _match("C-SMN-SEMNAN", EXACT + KIND_DIFFERS),
    ]
    assert resolve_unit("شهرستان سمنان", UNITS) == Resolved("SMN-SMN")


def test_a_bare_name_shared_by_a_city_and_its_county_is_ambiguous() -> None:
    assert resolve_unit("شاهرود", UNITS) == Ambiguous(
        (_match("SMN-SHR", EXACT), _match("C-SHR-SHAHRUD", EXACT))
    )


@pytest.mark.parametrize("phrase", ["ده نمک", "دهنمک", "ده\u200cنمک", "روستای ده‌ نمک"])
def test_spaces_and_zwnj_inside_a_name_do_not_matter(phrase: str) -> None:
    assert resolve_unit(phrase, UNITS) == Resolved("C-GRM-DEH-NAMAK")


def test_the_madda_may_be_left_out() -> None:
    assert resolve_unit("کهن اباد", UNITS) == Resolved("C-ARD-KOHANABAD")


def test_a_generic_word_inside_a_name_stays_part_of_it() -> None:
    # «مهدی‌شهر» ends in «شهر»; only leading generic words are set aside.
    assert resolve_unit("شهر مهدیشهر", UNITS) == Resolved("C-MHD-MEHDISHAHR")
    assert resolve_unit("شهرستان مهدی شهر", UNITS) == Resolved("SMN-MHD")


def test_an_exact_name_beats_a_longer_name_it_begins() -> None:
    assert match_units("ابر", UNITS) == [_match("C-SHR-ABR", EXACT), _match("C-SHR-ABARSEJ", PREFIX)]
    assert resolve_unit("ابر", UNITS) == Resolved("C-SHR-ABR")


def test_the_start_of_a_name_finds_it() -> None:
    assert match_units("تویه", UNITS) == [_match("C-DMG-TUYEH-DARVAR", PREFIX)]


def test_a_name_inside_a_longer_phrase_is_found_by_its_words() -> None:
    assert match_units("شهر بسطام لطفا", UNITS) == [_match("C-SHR-BASTAM", WHOLE_WORDS + KIND_AGREES)]
    # Each name in the phrase is a candidate: the person is asked which.
    assert resolve_unit("بسطام استان سمنان", UNITS) == Ambiguous(
        (
            _match("SMN-SMN", WHOLE_WORDS),
            _match("C-SMN-SEMNAN", WHOLE_WORDS),
            _match("C-SHR-BASTAM", WHOLE_WORDS),
        )
    )


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("شهر بسطم", Resolved("C-SHR-BASTAM")),  # a letter left out
        ("شهر شهمیرزاذ", Resolved("C-MHD-SHAHMIRZAD")),  # a letter mistyped
        ("شهر شهمیزراد", Resolved("C-MHD-SHAHMIRZAD")),  # two letters swapped
        ("شمهیرزاذ", Resolved("C-MHD-SHAHMIRZAD")),  # a swap and a mistyped letter in a long name
    ],
)
def test_small_typos_are_forgiven(phrase: str, expected: Resolved) -> None:
    assert resolve_unit(phrase, UNITS) == expected


def test_typo_scores_and_kind() -> None:
    assert match_units("شهر سمنن", UNITS) == [
        _match("C-SMN-SEMNAN", TYPO_1 + KIND_AGREES),
        _match("SMN-SMN", TYPO_1 + KIND_DIFFERS),
    ]
    assert match_units("شمهیرزاذ", UNITS) == [_match("C-MHD-SHAHMIRZAD", TYPO_2)]


def test_a_short_name_forgives_one_typo_only() -> None:
    assert resolve_unit("بستم", UNITS) == NotFound()  # «بسطام» is two edits away


@pytest.mark.parametrize("phrase", ["تهران", "", "شورای اسلامی شهر", "xyz"])
def test_nothing_fits(phrase: str) -> None:
    assert resolve_unit(phrase, UNITS) == NotFound()


def test_limit_caps_the_list() -> None:
    assert len(match_units("شهر", [(f"C{i}", f"شهر سمن{i}") for i in range(9)], limit=5)) == 0
    assert len(match_units("سمن", [(f"C{i}", f"شهر سمن{i}") for i in range(9)], limit=3)) == 3


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("abc", "abc", 0),
        ("abc", "ab", 1),
        ("abc", "abd", 1),
        ("abc", "acb", 1),
        ("abcd", "badc", 2),
        ("ca", "abc", 3),  # optimal string alignment: no edit of a swapped pair
        ("kitten", "sitting", 3),
    ],
)
def test_damerau_levenshtein(a: str, b: str, distance: int) -> None:
    assert damerau_levenshtein(a, b) == distance
    assert damerau_levenshtein(b, a) == distance


def test_a_distance_limit_stops_early() -> None:
    assert damerau_levenshtein("kitten", "sitting", limit=1) == 2
    assert damerau_levenshtein("abc", "abcdef", limit=2) == 3


@pytest.mark.parametrize(("length", "allowed"), [(1, 0), (2, 0), (3, 1), (6, 1), (7, 2), (12, 2)])
def test_typos_allowed_by_length(length: int, allowed: int) -> None:
    assert max_typos(length) == allowed


def test_twenty_thousand_villages_are_matched_quickly() -> None:
    rng = random.Random(7)
    letters = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
    villages = [
        (f"V{i}", "شورای اسلامی روستای " + "".join(rng.choice(letters) for _ in range(rng.randint(3, 9))))
        for i in range(20_000)
    ]
    started = time.perf_counter()
    index = UnitIndex(villages)
    built = time.perf_counter() - started
    names = [name.split()[-1] for _, name in villages[::1000]]
    timings = {}
    for label, phrases in (("exact", names), ("typo", [name[:1] + name[2:] for name in names])):
        started = time.perf_counter()
        for phrase in phrases:
            assert match_units(phrase, index)
        timings[label] = (time.perf_counter() - started) / len(phrases)
    print(
        f"20,000 candidates: index {built * 1000:.0f} ms, per query "
        + ", ".join(f"{label} {seconds * 1000:.2f} ms" for label, seconds in timings.items())
    )
    # Generous bounds (a slow CI machine): the point is no pass of edit distances over every name.
    assert timings["exact"] < 0.01
    assert timings["typo"] < 0.1
