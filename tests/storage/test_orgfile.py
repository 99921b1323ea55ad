"""The organisation file: parsed and checked line by line, loaded by code in one transaction, idempotently."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Board, Council, County, Province
from storage.orgfile import (
    BoardSpec,
    CouncilSpec,
    CountySpec,
    LoadReport,
    OrgFileError,
    ProvinceSpec,
    dump_org,
    format_org_file,
    load_org,
    parse_org_file,
)

from .helpers import load_text

SMALL = """\
# a comment line, then a blank one

province | SMN | استان سمنان
county   | SMN-SMN | شهرستان سمنان | province=SMN   # trailing comment
board    | B-SMN | هیأت تطبیق سمنان | county=SMN-SMN | seats=3
council  | C-SMN-SEMNAN | شورای اسلامی شهر سمنان | kind=city | county=SMN-SMN | board=B-SMN | members=9
"""


# --- parsing


def test_a_small_file_parses_into_units_with_their_lines() -> None:
    spec = parse_org_file(SMALL)
    assert spec.provinces == (ProvinceSpec("SMN", "استان سمنان"),)
    assert spec.counties == (CountySpec("SMN-SMN", "شهرستان سمنان", "SMN"),)
    assert spec.boards == (BoardSpec("B-SMN", "هیأت تطبیق سمنان", "SMN-SMN", 3),)
    assert spec.councils == (
        CouncilSpec("C-SMN-SEMNAN", "شورای اسلامی شهر سمنان", "city", "SMN-SMN", "B-SMN", 9),
    )
    assert [u.line_no for u in (*spec.provinces, *spec.counties, *spec.boards, *spec.councils)] == [
        3,
        4,
        5,
        6,
    ]


def test_attributes_come_in_any_order_with_persian_digits_and_names_are_normalised() -> None:
    text = (
        "COUNCIL | C-1 | شوراي  اسلامي شهر ك | members=۵ | board=B-1 | county=K-1 | kind=City\n"
        "board | B-1 | هیأت | seats=٣ | county=K-1\n"  # forward references are fine
        "county | K-1 | شهرستان | province=P\n"
        "province | P | استان\n"
    )
    spec = parse_org_file(text)
    assert spec.councils == (CouncilSpec("C-1", "شورای اسلامی شهر ک", "city", "K-1", "B-1", 5),)
    assert spec.boards[0].seats == 3


VALID_HEAD = SMALL.splitlines()[2:]  # province, county, board, council: lines 1-4


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("city | C-X | x", "unknown record kind 'city': expected province, county, board or council"),
        (
            "board | B-X | x | county=SMN-SMN",
            "a board record has 5 fields (board | CODE | NAME | county=… | seats=…), this line has 4",
        ),
        (
            "province | smn-2 | x",
            "bad code 'smn-2': use upper-case ASCII letters, digits and single hyphens, "
            "at most 32 characters",
        ),
        (
            "province | A--B | x",
            "bad code 'A--B': use upper-case ASCII letters, digits and single hyphens, at most 32 characters",
        ),
        ("province | IR | ایران", "code IR is reserved for the nation"),
        ("board | B-SMN | x | county=SMN-SMN | seats=3", "duplicate code B-SMN (first defined on line 3)"),
        ("province | P2 |  ", "the name is empty"),
        ("county | K | x | SMN", "expected key=value, got 'SMN'"),
        (
            "board | B-2 | x | county=SMN-SMN | seat=3",
            "unknown attribute 'seat' for a board: expected county, seats",
        ),
        ("board | B-2 | x | county=SMN-SMN | county=SMN-SMN", "attribute 'county' is given twice"),
        (
            "council | C-2 | x | kind=town | county=SMN-SMN | board=B-SMN | members=5",
            "unknown council kind 'town': expected city, village, district, county",
        ),
        ("board | B-2 | x | county=SMN-SMN | seats=0", "seats must be a positive whole number, got '0'"),
        ("board | B-2 | x | county=SMN-SMN | seats=-1", "seats must be a positive whole number, got '-1'"),
        (
            "council | C-2 | x | kind=city | county=SMN-SMN | board=B-SMN | members=2.5",
            "members must be a positive whole number, got '2.5'",
        ),
        ("county | K | x | province=NOPE", "unknown province 'NOPE'"),
        ("board | B-2 | x | county=SMN | seats=3", "SMN is a province (line 1), not a county"),
        (
            "council | C-2 | x | kind=city | county=SMN-SMN | board=SMN-SMN | members=5",
            "SMN-SMN is a county (line 2), not a board",
        ),
    ],
)
def test_a_wrong_line_is_reported_with_its_number_and_reason(line: str, reason: str) -> None:
    text = "\n".join([*VALID_HEAD, line, "# after"])
    with pytest.raises(OrgFileError) as raised:
        parse_org_file(text)
    assert (raised.value.line_no, raised.value.reason) == (5, reason)
    assert str(raised.value) == f"line 5: {reason}"


def test_every_wrong_line_is_reported_in_order() -> None:
    text = "\n".join(
        [
            "county | K | x | province=P",  # P is defined on line 3, but broken there
            "board | B | x | county=NOPE | seats=3",
            "province | P |   ",
            "town | T | x",
        ]
    )
    with pytest.raises(OrgFileError) as raised:
        parse_org_file(text)
    assert [(e.line_no, e.reason.split(":")[0]) for e in raised.value.all] == [
        (2, "unknown county 'NOPE'"),
        (3, "the name is empty"),
        (4, "unknown record kind 'town'"),
    ]


def test_the_sample_file_describes_semnan_province(sample_org: str) -> None:
    spec = parse_org_file(sample_org)
    assert [c.name for c in spec.counties] == [
        "شهرستان سمنان",
        "شهرستان شاهرود",
        "شهرستان دامغان",
        "شهرستان گرمسار",
        "شهرستان مهدی\u200cشهر",
        "شهرستان آرادان",
        "شهرستان سرخه",
        "شهرستان میامی",
        "شهرستان بیارجمند",
    ]
    assert all(board.seats == 3 for board in spec.boards) and len(spec.boards) == 9
    members = {c.code: c.members for c in spec.councils}
    assert (members["C-SMN-SEMNAN"], members["C-SHR-SHAHRUD"]) == (9, 9)
    assert (members["C-DMG-DAMGHAN"], members["C-GRM-GARMSAR"]) == (7, 7)
    villages = [c for c in spec.councils if c.kind == "village"]
    assert villages and all(c.members in (3, 5) for c in villages)
    assert len(spec.councils) == 23


def test_a_file_written_by_format_org_file_parses_back_to_the_same_units(sample_org: str) -> None:
    spec = parse_org_file(sample_org)
    assert parse_org_file(format_org_file(spec)) == spec


# --- loading


async def _counts(session: AsyncSession) -> tuple[int, ...]:
    models = (Province, County, Board, Council)
    return tuple([await session.scalar(sa.select(sa.func.count()).select_from(m)) or 0 for m in models])


async def test_the_sample_loads_and_loading_it_again_changes_nothing(
    session: AsyncSession, sample_org: str
) -> None:
    assert await load_text(session, sample_org) == LoadReport(created=42, updated=0, unchanged=0)
    assert await _counts(session) == (1, 9, 9, 23)
    semnan = await session.scalar(sa.select(Council).where(Council.code == "C-SMN-SEMNAN"))
    board = await session.get(Board, semnan.board_id) if semnan else None
    assert semnan is not None and board is not None
    assert (semnan.kind, semnan.members, board.code, board.voting_seats) == ("city", 9, "B-SMN", 3)

    assert await load_text(session, sample_org) == LoadReport(created=0, updated=0, unchanged=42)
    assert await _counts(session) == (1, 9, 9, 23)


async def test_a_changed_file_updates_only_what_changed_and_keeps_units_it_no_longer_lists(
    session: AsyncSession, sample_org: str
) -> None:
    await load_text(session, sample_org)
    changed = (
        sample_org.replace("| members=9\n", "| members=11\n", 1).replace(  # Semnan's council grows
            "county=SMN-BJM | seats=3", "county=SMN-BJM | seats=5"
        )
        + "council | C-SMN-NEW | شورای روستای نو | kind=village | county=SMN-SMN | board=B-SMN | members=3\n"
    )
    without_meyami = "\n".join(line for line in changed.splitlines() if "C-MYM-MEYAMI" not in line)

    assert await load_text(session, without_meyami) == LoadReport(created=1, updated=2, unchanged=39)
    assert await _counts(session) == (1, 9, 9, 24)  # Meyami's council is still there
    assert await session.scalar(sa.select(Council.members).where(Council.code == "C-SMN-SEMNAN")) == 11


#: Four valid lines of units that are not in the sample.
NEW_PROVINCE = [
    "province | TST | استان آزمایشی",
    "county | TST-A | شهرستان الف | province=TST",
    "board | B-TST-A | هیأت الف | county=TST-A | seats=3",
    "council | C-TST-A | شورای شهر الف | kind=city | county=TST-A | board=B-TST-A | members=5",
]


async def test_a_broken_file_writes_nothing_and_names_line_7(session: AsyncSession, sample_org: str) -> None:
    await load_text(session, sample_org)
    before = await dump_org(session)
    broken = "\n".join(
        [
            *NEW_PROVINCE,
            "council | C-SMN-SEMNAN | شورای شهر سمنان | kind=city | county=TST-A | board=B-TST-A | members=9",
            "# a valid file so far; the next line is wrong",
            "board | B-TST-B | هیأت ب | county=TST-A | seats=0",
        ]
    )
    with pytest.raises(OrgFileError) as raised:
        await load_text(session, broken)
    assert (raised.value.line_no, raised.value.reason) == (
        7,
        "seats must be a positive whole number, got '0'",
    )
    assert await dump_org(session) == before


async def test_a_code_taken_by_another_kind_in_the_database_rolls_back_the_whole_file(
    session: AsyncSession, sample_org: str
) -> None:
    await load_text(session, sample_org)
    before = await dump_org(session)
    # Valid on its own, and the first four units are new: they are written, then undone.
    clash = "\n".join(
        [
            *NEW_PROVINCE,
            "council | B-SMN | شورای شهر ب | kind=city | county=TST-A | board=B-TST-A | members=5",
        ]
    )
    with pytest.raises(OrgFileError) as raised:
        await load_org(session, parse_org_file(clash))
    assert (raised.value.line_no, raised.value.reason) == (5, "code B-SMN is already a board in the database")
    assert await dump_org(session) == before
    assert await _counts(session) == (1, 9, 9, 23)


async def test_the_loaded_organisation_reads_back_as_the_file_said(
    session: AsyncSession, sample_org: str
) -> None:
    await load_text(session, sample_org)
    assert await dump_org(session) == parse_org_file(sample_org)
