"""The organisation file: provinces, counties, boards and councils in a line-oriented text format.

See ``docs/ORG_FORMAT.md``. In short, one record per line, fields separated by ``|``::

    province | SMN        | استان سمنان
    county   | SMN-SMN    | شهرستان سمنان | province=SMN
    board    | B-SMN      | هیأت تطبیق مصوبات شوراهای شهرستان سمنان | county=SMN-SMN | seats=3
    council  | C-SMN-SMN  | شورای اسلامی شهر سمنان | kind=city | county=SMN-SMN | board=B-SMN | members=9

:func:`parse_org_file` checks the whole file without a database; :func:`load_org` upserts it by code in one
transaction; :func:`dump_org` reads the organisation back and :func:`format_org_file` writes it in the same
format, so ``org show`` output can be loaded again.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from council.roles import NATION_CODE
from council.text import normalize_persian, to_latin_digits

from .council_names import organisation_changed
from .models import (
    CODE_LENGTH,
    NAME_LENGTH,
    UNIT_MODELS,
    Board,
    Council,
    County,
    Province,
    Resolution,
    ResolutionWord,
)

COUNCIL_KINDS = ("city", "village", "district", "county")
CODE_PATTERN = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")

#: The ``key=value`` attributes each record kind takes, in the order they are written.
RECORD_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "province": (),
    "county": ("province",),
    "board": ("county", "seats"),
    "council": ("kind", "county", "board", "members"),
}


class OrgFileError(ValueError):
    """A line of an organisation file is wrong; ``more`` holds the errors of later lines, if any."""

    def __init__(self, line_no: int, reason: str, more: Sequence[OrgFileError] = ()) -> None:
        super().__init__(f"line {line_no}: {reason}")
        self.line_no = line_no
        self.reason = reason
        self.more = tuple(more)

    @property
    def all(self) -> tuple[OrgFileError, ...]:
        """This error and the ones after it, in line order."""
        return (self, *self.more)


# --- the parsed file


@dataclass(frozen=True, slots=True)
class ProvinceSpec:
    code: str
    name: str
    line_no: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class CountySpec:
    code: str
    name: str
    province: str
    line_no: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class BoardSpec:
    code: str
    name: str
    county: str
    seats: int
    line_no: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class CouncilSpec:
    code: str
    name: str
    kind: str
    county: str
    board: str
    members: int
    line_no: int = field(default=0, compare=False)


UnitSpec = ProvinceSpec | CountySpec | BoardSpec | CouncilSpec


@dataclass(frozen=True, slots=True)
class OrgSpec:
    """An organisation as written in a file (or read back from the database), each kind in file order."""

    provinces: tuple[ProvinceSpec, ...] = ()
    counties: tuple[CountySpec, ...] = ()
    boards: tuple[BoardSpec, ...] = ()
    councils: tuple[CouncilSpec, ...] = ()

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        """A plain structure for ``json.dumps``: one list per kind, units refer to others by code."""

        def plain(unit: UnitSpec) -> dict[str, Any]:
            values = dataclasses.asdict(unit)
            del values["line_no"]
            return values

        return {
            "provinces": [plain(u) for u in self.provinces],
            "counties": [plain(u) for u in self.counties],
            "boards": [plain(u) for u in self.boards],
            "councils": [plain(u) for u in self.councils],
        }


@dataclass(frozen=True, slots=True)
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# --- parsing


class _Line:
    """One record being parsed; each check raises :class:`OrgFileError` for its line."""

    def __init__(self, line_no: int, fields: list[str]) -> None:
        self.line_no = line_no
        self.kind = fields[0].lower()
        if self.kind not in RECORD_ATTRIBUTES:
            self.fail(f"unknown record kind {fields[0]!r}: expected province, county, board or council")
        names = RECORD_ATTRIBUTES[self.kind]
        if len(fields) != 3 + len(names):
            usage = " | ".join([self.kind, "CODE", "NAME", *(f"{n}=…" for n in names)])
            self.fail(
                f"a {self.kind} record has {3 + len(names)} fields ({usage}), this line has {len(fields)}"
            )
        self.code = fields[1]
        if not _is_code(self.code):
            self.fail(
                f"bad code {self.code!r}: use upper-case ASCII letters, digits and single hyphens, "
                f"at most {CODE_LENGTH} characters"
            )
        if self.code == NATION_CODE:
            self.fail(f"code {NATION_CODE} is reserved for the nation")
        self.name = normalize_persian(fields[2])
        if not self.name:
            self.fail("the name is empty")
        if len(self.name) > NAME_LENGTH:
            self.fail(f"the name is longer than {NAME_LENGTH} characters")
        self.attributes: dict[str, str] = {}
        for text in fields[3:]:
            key, sep, value = text.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep or not key:
                self.fail(f"expected key=value, got {text!r}")
            if key not in names:
                self.fail(f"unknown attribute {key!r} for a {self.kind}: expected {', '.join(names)}")
            if key in self.attributes:
                self.fail(f"attribute {key!r} is given twice")
            self.attributes[key] = value

    def fail(self, reason: str) -> NoReturn:
        raise OrgFileError(self.line_no, reason)

    def positive(self, key: str) -> int:
        text = to_latin_digits(self.attributes[key])
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            self.fail(f"{key} must be a positive whole number, got {self.attributes[key]!r}")
        return int(text)

    def council_kind(self) -> str:
        kind = self.attributes["kind"].lower()
        if kind not in COUNCIL_KINDS:
            self.fail(
                f"unknown council kind {self.attributes['kind']!r}: expected {', '.join(COUNCIL_KINDS)}"
            )
        return kind

    def spec(self) -> UnitSpec:
        a, code, name, line_no = self.attributes, self.code, self.name, self.line_no
        if self.kind == "province":
            return ProvinceSpec(code, name, line_no)
        if self.kind == "county":
            return CountySpec(code, name, a["province"], line_no)
        if self.kind == "board":
            return BoardSpec(code, name, a["county"], self.positive("seats"), line_no)
        kind, members = self.council_kind(), self.positive("members")
        return CouncilSpec(code, name, kind, a["county"], a["board"], members, line_no)


def _is_code(text: str) -> bool:
    return len(text) <= CODE_LENGTH and CODE_PATTERN.fullmatch(text) is not None


def parse_org_file(text: str) -> OrgSpec:
    """Parse and check a whole organisation file.

    Raises :class:`OrgFileError` for the first wrong line, with every other wrong line in ``more``.
    References (``province=``, ``county=``, ``board=``) must name a unit of the right kind defined in the same
    file, above or below the reference.
    """
    errors: list[OrgFileError] = []
    units: list[UnitSpec] = []
    defined: dict[str, tuple[str, int]] = {}  # code -> (record kind, line)
    broken: set[str] = set()  # codes of lines that failed: references to them are not reported again
    for line_no, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].strip()
        if not content:
            continue
        fields = [part.strip() for part in content.split("|")]
        try:
            line = _Line(line_no, fields)
            if line.code in defined:
                line.fail(f"duplicate code {line.code} (first defined on line {defined[line.code][1]})")
            defined[line.code] = (line.kind, line_no)
            units.append(line.spec())
        except OrgFileError as error:
            errors.append(error)
            if len(fields) > 1:
                broken.add(fields[1])

    def check(unit: UnitSpec, kind: str, code: str) -> None:
        if code in broken:
            return
        if code not in defined:
            errors.append(OrgFileError(unit.line_no, f"unknown {kind} {code!r}"))
        elif defined[code][0] != kind:
            found_kind, found_line = defined[code]
            errors.append(
                OrgFileError(unit.line_no, f"{code} is a {found_kind} (line {found_line}), not a {kind}")
            )

    for unit in units:
        if isinstance(unit, CountySpec):
            check(unit, "province", unit.province)
        elif isinstance(unit, BoardSpec):
            check(unit, "county", unit.county)
        elif isinstance(unit, CouncilSpec):
            check(unit, "county", unit.county)
            check(unit, "board", unit.board)
    if errors:
        errors.sort(key=lambda error: error.line_no)
        first = errors[0]
        raise OrgFileError(first.line_no, first.reason, errors[1:])
    return OrgSpec(
        provinces=tuple(u for u in units if isinstance(u, ProvinceSpec)),
        counties=tuple(u for u in units if isinstance(u, CountySpec)),
        boards=tuple(u for u in units if isinstance(u, BoardSpec)),
        councils=tuple(u for u in units if isinstance(u, CouncilSpec)),
    )


# --- the database


# The file's record kinds are the names of the units' scope kinds.
_KIND_OF_MODEL: dict[type[Any], str] = {model: kind.value for kind, model in UNIT_MODELS.items()}


async def load_org(session: AsyncSession, spec: OrgSpec) -> LoadReport:
    """Create or update every unit of ``spec`` by its code, in one transaction.

    Commits on success; on any error rolls back, so nothing of the file stays. Units in the database but not
    in the file are left alone (resolutions refer to them). Loading the same file again changes nothing. A
    code already used by a unit of another kind raises :class:`OrgFileError` for its line.

    A council moved to another county, or a county to another province, takes its resolutions' search
    words with it to its province now (``resolution_words.province_id``), in the same transaction.
    """
    try:
        report = await _load(session, spec)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    if report.created or report.updated:
        organisation_changed()  # the councils kept for name matching (storage.council_names) are stale
    return report


async def _load(session: AsyncSession, spec: OrgSpec) -> LoadReport:
    taken: dict[str, str] = {}  # code -> kind, across the four tables
    for model, kind in _KIND_OF_MODEL.items():
        for code in await session.scalars(sa.select(model.code)):
            taken[code] = kind
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    # The ids of the counties whose province and of the councils whose county the file changes.
    moved: dict[type[Any], set[int]] = {County: set(), Council: set()}
    moving = {County: "province_id", Council: "county_id"}

    async def upsert(
        model: type[Any], specs: Iterable[UnitSpec], values: Callable[[Any], dict[str, Any]]
    ) -> dict[str, int]:
        """Upsert the units of one kind; their ids by code, for the next kind's references."""
        kind = _KIND_OF_MODEL[model]
        rows = {row.code: row for row in await session.scalars(sa.select(model))}
        for unit in specs:
            if taken.get(unit.code, kind) != kind:
                raise OrgFileError(
                    unit.line_no, f"code {unit.code} is already a {taken[unit.code]} in the database"
                )
            wanted = {"name": unit.name, **values(unit)}
            row = rows.get(unit.code)
            if row is None:
                rows[unit.code] = model(code=unit.code, **wanted)
                session.add(rows[unit.code])
                counts["created"] += 1
            elif any(getattr(row, key) != value for key, value in wanted.items()):
                if model in moving and getattr(row, moving[model]) != wanted[moving[model]]:
                    moved[model].add(row.id)
                for key, value in wanted.items():
                    setattr(row, key, value)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        await session.flush()
        return {code: row.id for code, row in rows.items()}

    provinces = await upsert(Province, spec.provinces, lambda u: {})
    counties = await upsert(County, spec.counties, lambda u: {"province_id": provinces[u.province]})
    boards = await upsert(
        Board, spec.boards, lambda u: {"county_id": counties[u.county], "voting_seats": u.seats}
    )
    await upsert(
        Council,
        spec.councils,
        lambda u: {
            "kind": u.kind,
            "county_id": counties[u.county],
            "board_id": boards[u.board],
            "members": u.members,
        },
    )
    if moved[County] or moved[Council]:
        await _move_words(session, moved[County], moved[Council])
    return LoadReport(**counts)


async def _move_words(session: AsyncSession, counties: set[int], councils: set[int]) -> None:
    """Give the search words of the resolutions of ``councils`` and of the councils of ``counties`` the
    province their council is in now (``storage.search_words``: each word row carries it)."""
    moved = sa.or_(Council.id.in_(sorted(councils)), Council.county_id.in_(sorted(counties)))
    resolutions = sa.select(Resolution.id).join(Council, Council.id == Resolution.council_id).where(moved)
    word_council = aliased(Council)
    word_resolution = aliased(Resolution)
    province_now = (
        sa.select(County.province_id)
        .join(word_council, word_council.county_id == County.id)
        .join(word_resolution, word_resolution.council_id == word_council.id)
        .where(word_resolution.id == ResolutionWord.resolution_id)
        .scalar_subquery()
    )
    await session.execute(
        sa.update(ResolutionWord)
        .where(ResolutionWord.resolution_id.in_(resolutions))
        .values(province_id=province_now)
        .execution_options(synchronize_session=False)
    )


async def dump_org(session: AsyncSession) -> OrgSpec:
    """The organisation in the database, each kind in the order it was first loaded."""
    province_of = aliased(Province)
    county_of = aliased(County)
    board_of = aliased(Board)
    provinces = await session.execute(sa.select(Province.code, Province.name).order_by(Province.id))
    counties = await session.execute(
        sa.select(County.code, County.name, province_of.code)
        .join(province_of, County.province_id == province_of.id)
        .order_by(County.id)
    )
    boards = await session.execute(
        sa.select(Board.code, Board.name, county_of.code, Board.voting_seats)
        .join(county_of, Board.county_id == county_of.id)
        .order_by(Board.id)
    )
    councils = await session.execute(
        sa.select(Council.code, Council.name, Council.kind, county_of.code, board_of.code, Council.members)
        .join(county_of, Council.county_id == county_of.id)
        .join(board_of, Council.board_id == board_of.id)
        .order_by(Council.id)
    )
    return OrgSpec(
        provinces=tuple(ProvinceSpec(*row) for row in provinces),
        counties=tuple(CountySpec(*row) for row in counties),
        boards=tuple(BoardSpec(*row) for row in boards),
        councils=tuple(CouncilSpec(*row) for row in councils),
    )


# --- writing


def format_org_file(spec: OrgSpec) -> str:
    """``spec`` in the organisation file format: provinces, then each county with its boards and councils."""

    def record(unit: UnitSpec) -> str:
        kind = type(unit).__name__.removesuffix("Spec").lower()
        # The spec's fields are named like the file's attributes.
        attributes = [f"{key}={getattr(unit, key)}" for key in RECORD_ATTRIBUTES[kind]]
        return " | ".join([f"{kind:<8}", unit.code, unit.name, *attributes])

    lines = [record(unit) for unit in spec.provinces]
    for county in spec.counties:
        lines += ["", record(county)]
        lines += [record(b) for b in spec.boards if b.county == county.code]
        lines += [record(c) for c in spec.councils if c.county == county.code]
    return "\n".join(lines) + "\n"
