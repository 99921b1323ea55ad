"""Lists within a scope (storage.lists) on SQLite and PostgreSQL: free-text search by word prefixes kept up
to date on submission and amendment, overdue cases, what falls due soon, objections and lapses from the
event log, and the submissions of a period — each limited to a scope and counted up to a cap."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from council.clock import MovableClock
from council.review import ReconsiderationDecision, VoteChoice
from council.reviewing import Amendment, apply_lapse, cast_vote, decide_reconsideration
from council.scope import Scope
from council.search import index_words, query_words
from council.status import Status
from council.submission import Category, Votes
from council.submitting import Draft, submit_resolution
from storage import changes
from storage import lists as lists_module
from storage.db import create_engine, session_factory
from storage.lists import DeadlineKind, Listing
from storage.migrate import alembic_config, upgrade_async
from storage.models import (
    Council,
    Person,
    Province,
    Resolution,
    ResolutionVersion,
    ResolutionWord,
    UTCDateTime,
)
from storage.repository import Repository

from .helpers import load_text
from .review_helpers import LAW, REASONING, RULES, People, seed

NATION = Scope(nation=True)
SEMNAN_COUNTY = Scope(counties=frozenset({"SMN-SMN"}))
SHAHRUD_COUNTY = Scope(counties=frozenset({"SMN-SHR"}))
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)


async def submit(
    repo: Repository,
    people: People,
    now: dt.datetime,
    title: str,
    text: str = "ماده ۱ — متن مصوبه مطابق پیوست.",
    council_code: str = "C-SMN-SEMNAN",
) -> int:
    council = await repo.resolutions.council(council_code)
    assert council is not None
    draft = Draft(
        submission_key=uuid.uuid4().hex,
        council_number=str(await repo.session.scalar(sa.select(sa.func.count()).select_from(ResolutionWord)))
        + uuid.uuid4().hex[:4],
        session_number=45,
        approval_date=(now - 2 * DAY).date(),
        title=title,
        text=text,
        category=Category.URBAN_SERVICES,
        votes=Votes(5, 0, 0),
    )
    submitted = await submit_resolution(
        repo.resolutions, draft, council, actor_id=people.secretary, now=now, rules=RULES
    )
    await repo.session.commit()
    return submitted.resolution_id


async def object_to(repo: Repository, people: People, rid: int, now: dt.datetime) -> None:
    for member in people.members[:2]:
        await cast_vote(
            repo.reviews,
            rid,
            member,
            VoteChoice.CONFLICT,
            now=now,
            rules=RULES,
            grounds=LAW,
            reasoning=REASONING,
        )
    await repo.session.commit()


def codes(listing: Listing) -> list[int]:
    return [row.resolution_id for row in listing.rows]


def test_words_are_the_comparison_form_without_generic_words() -> None:
    assert index_words("احداث پارکینگ‌های طبقاتی", "در شهرِ سمنان و شاهرود") == sorted(
        ["احداث", "پارکینگ", "طبقاتی", "شهر", "سمنان", "شاهرود"]
    )
    assert query_words(["پارك", "ي", "شهري", "پارک"]) == ("پارک", "شهری")
    assert index_words("x" * 40) == ["x" * 32]


async def test_search_finds_every_typed_word_by_prefix_within_scope_newest_first(
    repo: Repository, clock: MovableClock, sample_org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await seed(repo, sample_org)
    now = clock.now()
    parking = await submit(repo, people, now, "احداث پارکینگ طبقاتی", "ساخت پارکینگ در مرکز شهر")
    parks = await submit(repo, people, now + SECOND, "نگهداری پارک‌های شهري", "آبیاری فضای سبز")
    shahrud = await submit(
        repo, people, now + 2 * SECOND, "پارک جنگلی", "توسعه پارک", council_code="C-SHR-SHAHRUD"
    )
    lists = repo.lists

    found = await lists.search(["پارک"], NATION)
    assert (codes(found), found.total, found.capped) == ([shahrud, parks, parking], 3, False)
    assert found.rows[0].council_name == "شورای اسلامی شهر شاهرود"
    assert found.rows[0].title == "پارک جنگلی"
    assert found.rows[0].status is Status.UNDER_REVIEW
    # Arabic letters, ZWNJ, a second word that must also match, and a scope that leaves Shahrud out.
    assert codes(await lists.search(["پارك", "شهری"], NATION)) == [parks]
    assert codes(await lists.search(["پارک‌ها"], NATION)) == [shahrud, parks, parking]
    assert codes(await lists.search(["پارکینگ", "مرکز"], NATION)) == [parking]
    assert codes(await lists.search(["پارک"], SEMNAN_COUNTY)) == [parks, parking]
    assert codes(await lists.search(["پارک"], Scope(councils=frozenset({"C-SHR-SHAHRUD"})))) == [shahrud]
    assert (await lists.search(["پارک", "ناکجا"], NATION)) == Listing([], 0)
    assert (await lists.search(["پارک"], Scope())) == Listing([], 0)
    assert (await lists.search(["و", "ی"], NATION)) == Listing([], 0)
    # Counted up to a cap.
    capped = await lists.search(["پارک"], NATION, limit=1, cap=2)
    assert (codes(capped), capped.total, capped.capped) == ([shahrud], 2, True)
    # The other ways, taken nation-wide when a typed word begins more stored words than the search by
    # periods spreads it into (and always in a smaller scope).
    monkeypatch.setattr(lists_module, "SPREAD", 0)
    # A rare word leads, a common one is checked per resolution.
    monkeypatch.setattr(lists_module, "PROBE", 2)
    assert codes(await lists.search(["پارک", "شهری"], NATION)) == [parks]
    # A small scope: the search starts from its resolutions.
    monkeypatch.setattr(lists_module, "PROBE", 3)
    assert codes(await lists.search(["پارک"], SEMNAN_COUNTY)) == [parks, parking]
    # Every word common: the newest resolutions are checked first; when they hold more than the cap,
    # they are the answer, otherwise the search starts from the rarest word after all.
    monkeypatch.setattr(lists_module, "PROBE", 1)
    newest = await lists.search(["پارک"], NATION, limit=1, cap=1)
    assert (codes(newest), newest.total, newest.capped) == ([shahrud], 1, True)
    monkeypatch.setattr(lists_module, "WINDOW", 1)
    assert codes(await lists.search(["پارک", "شهری"], NATION)) == [parks]
    # Enough in the window but not more than the cap: those, and "at least" their number.
    assert await lists.search(["پارک"], NATION, limit=1, cap=5) == Listing(
        (await lists.search(["پارک"], NATION, limit=1)).rows, 1, exact=False
    )
    assert codes(await lists.search(["پارک"], SEMNAN_COUNTY)) == [parks, parking]
    # More resolutions from the words than are read into the process: the newest window instead.
    monkeypatch.setattr(lists_module, "PROBE", 20_000)
    monkeypatch.setattr(lists_module, "WINDOW", 5_000)
    monkeypatch.setattr(lists_module, "FETCH", 1)
    found = await lists.search(["پارک"], NATION)
    assert (codes(found), found.total, found.capped, found.exact) == (
        [shahrud, parks, parking],
        3,
        False,
        True,
    )
    # A second word far more frequent than the first is probed per resolution instead of intersected.
    monkeypatch.setattr(lists_module, "INTERSECT_RATIO", 0)
    assert codes(await lists.search(["پارک", "شهری"], NATION)) == [parks]
    assert codes(await lists.search(["شهری", "پارک"], SEMNAN_COUNTY)) == [parks]


async def test_the_nation_wide_search_walks_periods_newest_first_over_years(
    repo: Repository, clock: MovableClock, sample_org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Matches spread over three years: the search by periods (every word taken as common, the first
    period holding a single resolution, each further one at most twice the time walked, so that many
    periods are walked) gives the newest ten, newest first (ties by id), and the total exactly up to the
    cap; a smaller scope the same. SQLite walks the periods a statement each, PostgreSQL in one."""
    people = await seed(repo, sample_org)
    start = clock.now() - 3 * 365 * DAY
    monkeypatch.setattr(lists_module, "PERIOD_PROBE", 1)
    monkeypatch.setattr(lists_module, "FIRST_PERIOD", 1)
    monkeypatch.setattr(lists_module, "GROWTH", 2)
    sqlite = repo.session.get_bind().dialect.name == "sqlite"
    # The periods searched (SQLite) or laid out for the one statement that searches them (PostgreSQL).
    periods = 0
    in_period = lists_module.ListStore._in_period
    walk_periods = lists_module._walk_periods

    async def counted(self: lists_module.ListStore, *args: object, **kwargs: object) -> object:
        nonlocal periods
        periods += 1
        return await in_period(self, *args, **kwargs)  # type: ignore[arg-type]

    def laid_out(*args: object) -> object:
        nonlocal periods
        lowers, uppers = walk_periods(*args)  # type: ignore[arg-type]
        periods += len(lowers)
        return lowers, uppers

    monkeypatch.setattr(lists_module.ListStore, "_in_period", counted)
    monkeypatch.setattr(lists_module, "_walk_periods", laid_out)
    # 72 resolutions, one every 15 days (the 41st and 42nd at the same instant), alternately of the Semnan
    # and the Shahrud city council. Every one has «نگهداری»; the 3rd, 11th, … (every 8th: 9) «آبیاری»;
    # every 6th «روشنایی» (never with «آبیاری»: 8k+3 is odd); the first 51 «محله», the first 50 «بوستان»;
    # the even ones «پارک», the odd ones «پارکینگ» (both begin with «پارک»).
    ids: list[int] = []
    at: list[dt.datetime] = []
    for k in range(72):
        when = start + (k if k < 41 else k - 1) * 15 * DAY
        words = ["نگهداری", "پارک" if k % 2 == 0 else "پارکینگ"]
        if k % 8 == 3:
            words.append("آبیاری")
        if k % 6 == 0:
            words.append("روشنایی")
        if k < 51:
            words.append("محله")
        if k < 50:
            words.append("بوستان")
        council = "C-SMN-SEMNAN" if k % 2 == 0 else "C-SHR-SHAHRUD"
        ids.append(await submit(repo, people, when, " ".join(words), "متن", council_code=council))
        at.append(when)
    lists = repo.lists

    def newest_first(chosen: list[int]) -> list[int]:
        return sorted(chosen, key=lambda k: (at[k], ids[k]), reverse=True)

    def expect(chosen: list[int], limit: int = 10) -> tuple[list[int], int, bool, bool]:
        order = newest_first(chosen)
        return [ids[k] for k in order[:limit]], min(len(order), 50), len(order) > 50, True

    def seen(found: Listing) -> tuple[list[int], int, bool, bool]:
        return codes(found), found.total, found.capped, found.exact

    everything = list(range(72))
    statements: list[str] = []

    def executed(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = repo.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", executed)
    # More than 50: the newest ten (the two of one instant by id) and "more than 50".
    assert seen(await lists.search(["نگهداری"], NATION)) == expect(everything)
    sa.event.remove(engine, "before_cursor_execute", executed)
    assert periods > 3
    # On PostgreSQL three statements however many periods: the words spread and counted, the walk, the
    # rows shown.
    assert sqlite or len(statements) == 3
    # Exactly 51 and exactly 50 matches, reaching back to the oldest resolution.
    assert seen(await lists.search(["محله", "نگهداری"], NATION)) == expect(list(range(51)))
    assert seen(await lists.search(["بوستان", "نگهداری"], NATION)) == expect(list(range(50)))
    # Fewer than ten, spread over the three years; a prefix that begins two stored words.
    irrigation = [k for k in everything if k % 8 == 3]
    assert seen(await lists.search(["آبیاری", "نگهداری"], NATION)) == expect(irrigation)
    assert seen(await lists.search(["پارک", "آبیاری"], NATION)) == expect(irrigation)
    assert seen(await lists.search(["پارکینگ", "آبیاری"], NATION)) == expect(irrigation)
    assert seen(await lists.search(["پارک", "روشنایی"], NATION)) == expect(
        [k for k in everything if k % 6 == 0]
    )
    assert seen(await lists.search(["روشنایی"], NATION, limit=3)) == expect(
        [k for k in everything if k % 6 == 0], limit=3
    )
    # None: two words that never meet.
    assert await lists.search(["آبیاری", "روشنایی"], NATION) == Listing([], 0)
    # The rows shown are read whole.
    newest = (await lists.search(["پارک", "آبیاری"], NATION)).rows[0]
    assert (newest.resolution_id, newest.at, newest.council_name, newest.title) == (
        ids[67],
        at[67],
        "شورای اسلامی شهر شاهرود",
        "نگهداری پارکینگ آبیاری",
    )
    # The words counted exactly: the first period is as long as they promise 51 matches — here all time
    # (on SQLite; PostgreSQL walks its periods in one statement whatever they promise).
    monkeypatch.setattr(lists_module, "PERIOD_PROBE", 5_000)
    periods = 0
    assert seen(await lists.search(["آبیاری", "نگهداری"], NATION)) == expect(irrigation)
    assert periods == (1 if sqlite else 8)
    monkeypatch.setattr(lists_module, "PERIOD_PROBE", 1)
    # One period holding everything: its newest first, cut at 51.
    monkeypatch.setattr(lists_module, "FIRST_PERIOD", 1_000)
    periods = 0
    assert seen(await lists.search(["نگهداری"], NATION)) == expect(everything)
    assert seen(await lists.search(["محله", "نگهداری"], NATION)) == expect(list(range(51)))
    assert periods == 2
    monkeypatch.setattr(lists_module, "FIRST_PERIOD", 1)
    # A word far more frequent than the rarest is checked per resolution instead of intersected.
    monkeypatch.setattr(lists_module, "INTERSECT_RATIO", 0)
    monkeypatch.setattr(lists_module, "WALK_INTERSECT_RATIO", 0)
    assert seen(await lists.search(["نگهداری", "آبیاری"], NATION)) == expect(irrigation)
    assert seen(await lists.search(["محله", "نگهداری"], NATION)) == expect(list(range(51)))
    # A typed word that begins more stored words than are spread: searched the other ways, same answer.
    monkeypatch.setattr(lists_module, "SPREAD", 1)
    periods = 0
    assert seen(await lists.search(["پارک", "آبیاری"], NATION)) == expect(irrigation)
    assert periods == 0
    # A county's search (not by periods): only its resolutions.
    shahrud = [k for k in irrigation if k % 2 == 1]
    assert seen(await lists.search(["آبیاری", "پارک"], SHAHRUD_COUNTY)) == expect(shahrud)
    assert seen(await lists.search(["نگهداری"], SEMNAN_COUNTY)) == expect(everything[::2])
    assert periods == 0


#: A second province beside the sample's Semnan: Tehran, one county, its board and its city council.
TEHRAN_ORG = """
province | THR        | استان تهران
county   | THR-THR    | شهرستان تهران | province=THR
board    | B-THR      | هیأت تطبیق مصوبات شوراهای شهرستان تهران | county=THR-THR | seats=3
council  | C-THR-TEHRAN | شورای اسلامی شهر تهران | kind=city | county=THR-THR | board=B-THR | members=21
"""
SEMNAN_PROVINCE = Scope(provinces=frozenset({"SMN"}))
TEHRAN_PROVINCE = Scope(provinces=frozenset({"THR"}))


async def test_a_province_is_searched_by_periods_over_its_own_entries_exactly_up_to_the_cap(
    repo: Repository, clock: MovableClock, sample_org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within a province (or several) the search walks periods newest first as the nation's does, over the
    province's own word entries: the newest ten of its matches, the total exact up to the cap ("more than
    cap" beyond), never a resolution of another province, nothing for a word found only in another."""
    people = await seed(repo, sample_org + TEHRAN_ORG)
    start = clock.now() - 3 * 365 * DAY
    monkeypatch.setattr(lists_module, "PERIOD_PROBE", 1)
    monkeypatch.setattr(lists_module, "FIRST_PERIOD", 1)
    monkeypatch.setattr(lists_module, "GROWTH", 2)
    periods = 0
    in_period = lists_module.ListStore._in_period
    walk_periods = lists_module._walk_periods

    async def counted(self: lists_module.ListStore, *args: object, **kwargs: object) -> object:
        nonlocal periods
        periods += 1
        return await in_period(self, *args, **kwargs)  # type: ignore[arg-type]

    def laid_out(*args: object) -> object:
        nonlocal periods
        lowers, uppers = walk_periods(*args)  # type: ignore[arg-type]
        periods += len(lowers)
        return lowers, uppers

    monkeypatch.setattr(lists_module.ListStore, "_in_period", counted)
    monkeypatch.setattr(lists_module, "_walk_periods", laid_out)
    # 45 resolutions, one every 24 days (the 31st and 32nd at the same instant), in turn of the Semnan
    # city council, Shahrud's (both province SMN) and Tehran's (THR). Every one has «نگهداری»; every 4th
    # from the 2nd «آبیاری»; the first 30 «بوستان»; Tehran's «میدان» too.
    councils = ("C-SMN-SEMNAN", "C-SHR-SHAHRUD", "C-THR-TEHRAN")
    ids: list[int] = []
    at: list[dt.datetime] = []
    for k in range(45):
        when = start + (k if k < 31 else k - 1) * 24 * DAY
        words = ["نگهداری"]
        if k % 4 == 1:
            words.append("آبیاری")
        if k < 30:
            words.append("بوستان")
        if k % 3 == 2:
            words.append("میدان")
        ids.append(await submit(repo, people, when, " ".join(words), "متن", council_code=councils[k % 3]))
        at.append(when)
    semnan = [k for k in range(45) if k % 3 != 2]
    tehran = [k for k in range(45) if k % 3 == 2]

    def expect(chosen: list[int], limit: int = 10, cap: int = 50) -> tuple[list[int], int, bool, bool]:
        order = sorted(chosen, key=lambda k: (at[k], ids[k]), reverse=True)
        return [ids[k] for k in order[:limit]], min(len(order), cap), len(order) > cap, True

    async def seen(words: list[str], scope: Scope, limit: int = 10, cap: int = 50) -> object:
        found = await repo.lists.search(words, scope, limit, cap)
        return codes(found), found.total, found.capped, found.exact

    assert await seen(["نگهداری"], SEMNAN_PROVINCE) == expect(semnan)
    assert periods > 3
    # More than the cap: the newest three, "more than 5".
    assert await seen(["نگهداری"], SEMNAN_PROVINCE, 3, 5) == expect(semnan, 3, 5)
    assert await seen(["نگهداری"], SEMNAN_PROVINCE, 3, 5) == ([ids[k] for k in (43, 42, 40)], 5, True, True)
    # Exactly the cap, reaching back to the oldest: exact, not capped.
    assert await seen(["بوستان", "نگهداری"], SEMNAN_PROVINCE, 10, 20) == expect(
        [k for k in semnan if k < 30], 10, 20
    )
    assert await seen(["آبیاری"], SEMNAN_PROVINCE) == expect([k for k in semnan if k % 4 == 1])
    assert await seen(["آبیاری", "نگهداری"], TEHRAN_PROVINCE) == expect([k for k in tehran if k % 4 == 1])
    # A word only Tehran's resolutions have: nothing in Semnan; all of Tehran's in Tehran.
    assert await seen(["میدان"], SEMNAN_PROVINCE) == ([], 0, False, True)
    assert await seen(["میدان", "نگهداری"], TEHRAN_PROVINCE) == expect(tehran)
    # Both provinces: the matches of both, in one order.
    both = Scope(provinces=frozenset({"SMN", "THR"}))
    assert await seen(["آبیاری"], both) == expect([k for k in range(45) if k % 4 == 1])
    assert await seen(["نگهداری"], both, 4, 44) == expect(list(range(45)), 4, 44)
    # A word far more frequent than the rarest is checked per resolution instead of intersected.
    monkeypatch.setattr(lists_module, "INTERSECT_RATIO", 0)
    monkeypatch.setattr(lists_module, "WALK_INTERSECT_RATIO", 0)
    assert await seen(["نگهداری", "آبیاری"], SEMNAN_PROVINCE) == expect([k for k in semnan if k % 4 == 1])
    # A scope of a province and a county: the other ways (not by periods), the same answer here.
    periods = 0
    mixed = Scope(provinces=frozenset({"THR"}), counties=frozenset({"SMN-SHR"}))
    shahrud_and_tehran = [k for k in range(45) if k % 3 != 0]
    assert await seen(["آبیاری"], mixed) == expect([k for k in shahrud_and_tehran if k % 4 == 1])
    assert periods == 0
    # The newest row is read whole.
    newest = (await repo.lists.search(["میدان"], TEHRAN_PROVINCE)).rows[0]
    assert (newest.resolution_id, newest.at, newest.council_name, newest.title) == (
        ids[44],
        at[44],
        "شورای اسلامی شهر تهران",
        "نگهداری میدان",
    )


async def test_a_council_moved_to_another_province_takes_its_search_words_along(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    """The organisation file moves Shahrud's city council to Tehran's county, then the county of Semnan
    to the province of Tehran: the words of their resolutions follow (found by the new province, no longer
    by the old one) in the load's transaction, and the nation's answers do not change."""
    people = await seed(repo, sample_org + TEHRAN_ORG)
    now = clock.now()
    semnan = await submit(repo, people, now, "نگهداری پارک", "متن")
    shahrud = await submit(repo, people, now + SECOND, "توسعه پارک", "متن", council_code="C-SHR-SHAHRUD")
    tehran = await submit(repo, people, now + 2 * SECOND, "پارک شهر", "متن", council_code="C-THR-TEHRAN")

    async def found(scope: Scope) -> list[int]:
        return codes(await repo.lists.search(["پارک"], scope))

    assert await found(SEMNAN_PROVINCE) == [shahrud, semnan]
    assert await found(TEHRAN_PROVINCE) == [tehran]
    moved = (sample_org + TEHRAN_ORG).replace(
        "council  | C-SHR-SHAHRUD | شورای اسلامی شهر شاهرود | kind=city | county=SMN-SHR",
        "council  | C-SHR-SHAHRUD | شورای اسلامی شهر شاهرود | kind=city | county=THR-THR",
    )
    assert moved != sample_org + TEHRAN_ORG
    assert (await load_text(repo.session, moved)).updated == 1
    assert await found(SEMNAN_PROVINCE) == [semnan]
    assert await found(TEHRAN_PROVINCE) == [tehran, shahrud]
    county_moved = moved.replace(
        "county   | SMN-SMN | شهرستان سمنان | province=SMN",
        "county   | SMN-SMN | شهرستان سمنان | province=THR",
    )
    assert county_moved != moved
    assert (await load_text(repo.session, county_moved)).updated == 1
    assert await found(SEMNAN_PROVINCE) == []
    assert await found(TEHRAN_PROVINCE) == [tehran, shahrud, semnan]
    assert await found(NATION) == [tehran, shahrud, semnan]
    # Every word row carries its council's province.
    stray = await repo.session.scalar(
        sa.text(
            "SELECT count(*) FROM resolution_words w JOIN resolutions r ON r.id = w.resolution_id"
            " JOIN councils c ON c.id = r.council_id JOIN counties k ON k.id = c.county_id"
            " WHERE w.province_id <> k.province_id"
        )
    )
    assert stray == 0


def test_the_periods_of_the_walk_on_postgresql_reach_back_geometrically_to_the_oldest() -> None:
    newest = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
    walk_periods = lists_module._walk_periods
    # The first from where the newest resolutions begin, each further one twice as far back, the last
    # one everything older; None is unbounded.
    lowers, uppers = walk_periods(newest, newest - 100 * DAY, newest - DAY, 2)
    reaches = [newest - k * DAY for k in (1, 2, 4, 8, 16, 32, 64)]
    assert (lowers, uppers) == ([*reaches, None], [None, *reaches])
    # A period reaching exactly to the oldest resolution is the last one.
    assert walk_periods(newest, newest - 4 * DAY, newest - DAY, 2) == (
        [newest - DAY, newest - 2 * DAY, None],
        [None, newest - DAY, newest - 2 * DAY],
    )
    # No more resolutions than the first period holds: one period, all time.
    assert walk_periods(newest, newest - 100 * DAY, None, 2) == ([None], [None])
    # The newest ones all at one instant: the first period still reaches back a second.
    assert walk_periods(newest, newest - 3 * SECOND, newest, 2) == (
        [newest - SECOND, newest - 2 * SECOND, None],
        [None, newest - SECOND, newest - 2 * SECOND],
    )
    assert walk_periods(newest, newest, newest, 2) == ([None], [None])


async def test_an_amendment_replaces_the_words_searched(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    now = clock.now()
    rid = await submit(repo, people, now, "عوارض پسماند", "نرخ عوارض پسماند خانگی")
    await object_to(repo, people, rid, now)
    await decide_reconsideration(
        repo.reviews,
        rid,
        people.secretary,
        ReconsiderationDecision.AMEND,
        now=now + DAY,
        rules=RULES,
        amendment=Amendment("نرخ عوارض زباله مطابق سقف مصوب وزارت کشور"),
    )
    await repo.session.commit()
    assert codes(await repo.lists.search(["زباله"], NATION)) == [rid]
    assert codes(await repo.lists.search(["خانگی"], NATION)) == []
    # The title stays that of the newest version, and is still searched.
    assert codes(await repo.lists.search(["پسماند"], NATION)) == [rid]


async def test_a_small_scope_is_searched_in_one_statement_with_the_answer_of_the_other_ways(
    repo: Repository, clock: MovableClock, sample_org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scope of no more resolutions than SMALL_SCOPE (a county, a board, a council) is searched in one
    statement, the rows shown included; its answers — rows, order, total, cap — are those the other ways
    give (taken for a larger scope), whichever way they take; a scope larger than the newest window keeps
    the other ways' answers, "at least" included."""
    people = await seed(repo, sample_org)
    start = clock.now() - 30 * DAY
    # 14 resolutions an hour apart (the 10th and 11th at one instant), even ones of the Semnan city council
    # (county SMN-SMN, board B-SMN), odd ones of Shahrud's (SMN-SHR, B-SHR). Every one has «نگهداری»;
    # every 3rd «آبیاری»; the even ones «پارک», the odd ones «پارکینگ»; the 2nd, 6th, 10th, 14th «روشنایی».
    ids: list[int] = []
    at: list[dt.datetime] = []
    for k in range(14):
        when = start + (k if k < 10 else k - 1) * 3600 * SECOND
        words = ["نگهداری", "پارک" if k % 2 == 0 else "پارکینگ"]
        if k % 3 == 0:
            words.append("آبیاری")
        if k % 4 == 1:
            words.append("روشنایی")
        council = "C-SMN-SEMNAN" if k % 2 == 0 else "C-SHR-SHAHRUD"
        ids.append(await submit(repo, people, when, " ".join(words), "متن", council_code=council))
        at.append(when)
    lists = repo.lists
    shahrud_board = Scope(boards=frozenset({"B-SHR"}))
    both = Scope(counties=frozenset({"SMN-SMN", "SMN-SHR"}))

    def expect(chosen: list[int], limit: int = 10, cap: int = 50) -> tuple[list[int], int, bool, bool]:
        order = sorted(chosen, key=lambda k: (at[k], ids[k]), reverse=True)
        return [ids[k] for k in order[:limit]], min(len(order), cap), len(order) > cap, True

    evens, odds = list(range(0, 14, 2)), list(range(1, 14, 2))
    cases: list[tuple[Scope, list[str], int, int, tuple[list[int], int, bool, bool]]] = [
        (SEMNAN_COUNTY, ["نگهداری"], 10, 50, expect(evens)),
        (SEMNAN_COUNTY, ["نگهداری"], 3, 5, expect(evens, 3, 5)),
        (SEMNAN_COUNTY, ["نگهداری"], 3, 7, expect(evens, 3, 7)),
        (shahrud_board, ["پارک", "آبیاری"], 10, 50, expect([3, 9])),
        (Scope(provinces=frozenset({"SMN"})), ["آبیاری"], 10, 50, expect([0, 3, 6, 9, 12])),
        (Scope(councils=frozenset({"C-SHR-SHAHRUD"})), ["روشنایی"], 10, 50, expect([1, 5, 9, 13])),
        (Scope(councils=frozenset({"C-SHR-SHAHRUD"})), ["پارکینگ"], 10, 50, expect(odds)),
        (both, ["نگهداری"], 10, 50, expect(list(range(14)))),
        # The limit falls between the two of one instant: the later id is shown.
        (both, ["نگهداری"], 4, 50, expect(list(range(14)), 4)),
        (SEMNAN_COUNTY, ["آبیاری", "ناکجا"], 10, 50, ([], 0, False, True)),
        (Scope(provinces=frozenset({"XX"})), ["نگهداری"], 10, 50, ([], 0, False, True)),
    ]
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    engine = repo.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for scope, words, limit, cap, expected in cases:
            statements = 0
            found = await lists.search(words, scope, limit, cap)
            assert (codes(found), found.total, found.capped, found.exact) == expected, (scope, words)
            # A province is searched by periods, as the nation is, however small (its own test).
            if not scope.provinces:
                assert statements == 1, (scope, words)
        newest = (await lists.search(["پارک", "آبیاری"], shahrud_board)).rows[0]
        assert (newest.resolution_id, newest.at, newest.council_name, newest.title, newest.status) == (
            ids[9],
            at[9],
            "شورای اسلامی شهر شاهرود",
            "نگهداری پارکینگ آبیاری روشنایی",
            Status.UNDER_REVIEW,
        )
        # The bound: a scope of exactly SMALL_SCOPE resolutions is small, one of one more is not.
        monkeypatch.setattr(lists_module, "SMALL_SCOPE", 7)
        statements = 0
        assert codes(await lists.search(["نگهداری"], SEMNAN_COUNTY, 3, 5)) == expect(evens, 3, 5)[0]
        assert statements == 1
        monkeypatch.setattr(lists_module, "SMALL_SCOPE", 6)
        lists_module._SCOPE_SIZES[engine].clear()
        statements = 0
        assert codes(await lists.search(["نگهداری"], SEMNAN_COUNTY, 3, 5)) == expect(evens, 3, 5)[0]
        assert statements > 1
        # The other ways (every scope taken as large), with the words rare, common or in between: the
        # same answers; once a scope is known to be large, its first statement counts it and the words.
        monkeypatch.setattr(lists_module, "SMALL_SCOPE", 0)
        for probe in (20_000, 3, 1):
            monkeypatch.setattr(lists_module, "PROBE", probe)
            for scope, words, limit, cap, expected in cases:
                found = await lists.search(words, scope, limit, cap)
                assert (codes(found), found.total, found.capped, found.exact) == expected, (probe, scope)
        # A scope that was large when last searched and is small now: the other ways, the same answer.
        monkeypatch.setattr(lists_module, "SMALL_SCOPE", 5_000)
        lists_module._SCOPE_SIZES[engine][SEMNAN_COUNTY] = 10**6
        statements = 0
        found = await lists.search(["نگهداری"], SEMNAN_COUNTY, 3, 5)
        assert (codes(found), found.total, found.capped, found.exact) == expect(evens, 3, 5)
        assert statements > 1
        statements = 0
        assert codes(await lists.search(["نگهداری"], SEMNAN_COUNTY, 3, 5)) == expect(evens, 3, 5)[0]
        assert statements == 1
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    # A scope larger than the newest window: its newest two hold enough matches, so they are the answer
    # and the total is "at least" theirs — as before; never searched from its resolutions whole.
    monkeypatch.setattr(lists_module, "WINDOW", 2)
    monkeypatch.setattr(lists_module, "PROBE", 1)
    found = await lists.search(["نگهداری"], SEMNAN_COUNTY, 1, 5)
    assert (codes(found), found.total, found.capped, found.exact) == ([ids[12]], 2, False, False)


async def test_a_large_scopes_newest_window_is_found_once_while_nothing_changes(
    repo: Repository, clock: MovableClock, sample_org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a large scope's newest window begins (a province's newest 5,000 resolutions: a walk of the
    recency index past the rest of the nation) is read once and kept while nothing is committed: the same
    search again sends one statement fewer with the same answer; a submission within the scope moves the
    window, and the next search sees it (here the "at least" total falls from 2 to 1)."""
    people = await seed(repo, sample_org)
    start = clock.now() - 30 * DAY
    ids = [await submit(repo, people, start + k * 3600 * SECOND, "نگهداری پارک", "متن") for k in range(4)]
    monkeypatch.setattr(lists_module, "SMALL_SCOPE", 0)
    monkeypatch.setattr(lists_module, "WINDOW", 2)
    monkeypatch.setattr(lists_module, "PROBE", 1)
    engine = repo.session.bind
    assert isinstance(engine, AsyncEngine)
    listener = changes.ChangeListener(engine)  # PostgreSQL: other processes' commits heard (SQLite: no-op)
    await listener.start()
    statements: list[str] = []

    def count(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        answers = []
        for _ in range(2):
            statements.clear()
            found = await repo.lists.search(["نگهداری"], SEMNAN_COUNTY, 1, 5)
            await repo.session.commit()
            answers.append((codes(found), found.total, found.capped, found.exact, list(statements)))
        assert answers[0][:4] == answers[1][:4] == ([ids[3]], 2, False, False)
        # The second time: the scope not counted again (its size kept too), the boundary not read.
        assert len(answers[1][4]) == len(answers[0][4]) - 1
        assert "FROM resolutions" in answers[0][4][0]
        assert "FROM resolutions" not in answers[1][4][0]
        # A newer resolution of the scope without the word: the newest two are it and the 4th.
        await submit(repo, people, start + 5 * 3600 * SECOND, "پارک", "متن")
        found = await repo.lists.search(["نگهداری"], SEMNAN_COUNTY, 1, 5)
        assert (codes(found), found.total, found.capped, found.exact) == ([ids[3]], 1, False, False)
        # The newest three hold two matches, but the newest one none: too few promised, the words are
        # tried first, and the answer is exact.
        monkeypatch.setattr(lists_module, "WINDOW", 3)
        monkeypatch.setattr(lists_module, "GLANCE", 1)
        found = await repo.lists.search(["نگهداری"], SEMNAN_COUNTY, 1, 5)
        assert (codes(found), found.total, found.capped, found.exact) == ([ids[3]], 4, False, True)
        monkeypatch.setattr(lists_module, "GLANCE", 3)
        found = await repo.lists.search(["نگهداری"], SEMNAN_COUNTY, 1, 5)
        assert (codes(found), found.total, found.capped, found.exact) == ([ids[3]], 2, False, False)
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)
        await listener.stop()


async def test_overdue_due_soon_objections_lapses_and_a_period(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    start = clock.now()  # Friday 1405/09/06 11:30 Tehran
    store = repo.reviews
    # Under review, never lapsed by a sweep: overdue once its review deadline passes.
    idle = await submit(repo, people, start - 30 * DAY, "بررسی نشده")
    # Objected, the council silent: overdue after its reconsideration deadline.
    silent = await submit(repo, people, start - 30 * DAY, "بی‌پاسخ")
    await object_to(repo, people, silent, start - 30 * DAY)
    # Objected and escalated because the council did not answer: overdue though the authority has time.
    escalated_by_lapse = await submit(repo, people, start - 12 * DAY, "ارجاع به‌علت سکوت")
    await object_to(repo, people, escalated_by_lapse, start - 12 * DAY)
    case = await store.case(escalated_by_lapse)
    assert case is not None and case.reconsideration_deadline is not None
    await apply_lapse(store, escalated_by_lapse, case.reconsideration_deadline + SECOND, RULES)
    # Insisted long ago: overdue once the authority's deadline passes; insisted now: not overdue.
    insisted_old = await submit(repo, people, start - 40 * DAY, "اصرار قدیمی")
    await object_to(repo, people, insisted_old, start - 40 * DAY)
    await decide_reconsideration(
        store,
        insisted_old,
        people.secretary,
        ReconsiderationDecision.INSIST,
        now=start - 39 * DAY,
        rules=RULES,
    )
    insisted_new = await submit(repo, people, start - DAY, "اصرار تازه")
    await object_to(repo, people, insisted_new, start - DAY)
    await decide_reconsideration(
        store, insisted_new, people.secretary, ReconsiderationDecision.INSIST, now=start, rules=RULES
    )
    # Lapsed by the sweep: enforceable, not overdue; and one under review in time.
    lapsed = await submit(repo, people, start - 20 * DAY, "منقضی")
    case = await store.case(lapsed)
    assert case is not None and case.review_deadline is not None
    await apply_lapse(store, lapsed, case.review_deadline + SECOND, RULES)
    fresh = await submit(repo, people, start, "تازه", council_code="C-SHR-SHAHRUD")
    await repo.session.commit()

    cases = {
        rid: await store.case(rid) for rid in (idle, silent, escalated_by_lapse, insisted_old, insisted_new)
    }
    for rid, expected in (
        (idle, Status.UNDER_REVIEW),
        (silent, Status.OBJECTED),
        (escalated_by_lapse, Status.ESCALATED),
        (insisted_old, Status.ESCALATED),
        (insisted_new, Status.ESCALATED),
    ):
        assert cases[rid] is not None and cases[rid].status is expected  # type: ignore[union-attr]

    def deadline(rid: int, kind: DeadlineKind) -> dt.datetime:
        found = getattr(cases[rid], f"{kind.value}_deadline")
        assert isinstance(found, dt.datetime)
        return found

    overdue = await repo.lists.overdue(NATION, start)
    expected = sorted(
        [
            (deadline(idle, DeadlineKind.REVIEW), idle, DeadlineKind.REVIEW),
            (deadline(silent, DeadlineKind.RECONSIDERATION), silent, DeadlineKind.RECONSIDERATION),
            (
                deadline(escalated_by_lapse, DeadlineKind.RECONSIDERATION),
                escalated_by_lapse,
                DeadlineKind.RECONSIDERATION,
            ),
            (deadline(insisted_old, DeadlineKind.ESCALATION), insisted_old, DeadlineKind.ESCALATION),
        ]
    )
    assert [(row.at, row.resolution_id, row.deadline) for row in overdue.rows] == expected
    assert overdue.total == 4
    assert [row.title for row in overdue.rows][:1] == ["اصرار قدیمی"]
    # Nothing of Semnan is overdue in Shahrud's county; a council filter narrows the list.
    assert await repo.lists.overdue(SHAHRUD_COUNTY, start) == Listing([], 0)
    semnan_id = await repo.session.scalar(sa.select(Council.id).where(Council.code == "C-SMN-SEMNAN"))
    assert semnan_id is not None
    assert (await repo.lists.overdue(NATION, start, council_ids=[semnan_id], limit=2)).total == 4
    assert codes(await repo.lists.overdue(NATION, start, council_ids=[semnan_id + 1000])) == []

    # Due within the next 16 days: the fresh one's review, the authority's deadlines of both escalations
    # still in time.
    soon = await repo.lists.due_soon(NATION, start, start + 16 * DAY)
    assert sorted(codes(soon)) == sorted([fresh, insisted_new, escalated_by_lapse])
    assert [row.at for row in soon.rows] == sorted(row.at for row in soon.rows if row.at)
    assert sorted(codes(await repo.lists.due_soon(SEMNAN_COUNTY, start, start + 16 * DAY))) == sorted(
        [insisted_new, escalated_by_lapse]
    )

    # Objections in the last 13 days: the escalated-by-lapse and the new insistence, newest first.
    objections = await repo.lists.objections(NATION, start - 13 * DAY, start + DAY)
    assert codes(objections) == [insisted_new, escalated_by_lapse]
    assert objections.rows[0].at == start - DAY
    assert objections.rows[0].status is Status.ESCALATED
    assert codes(await repo.lists.objections(NATION, start - 60 * DAY, start + DAY)) == [
        insisted_new,
        escalated_by_lapse,
        silent,
        insisted_old,
    ]
    assert codes(await repo.lists.objections(SHAHRUD_COUNTY, start - 60 * DAY, start + DAY)) == []

    # The lapse happened at its review deadline.
    case = await store.case(lapsed)
    assert case is not None and case.review_deadline is not None
    window = (case.review_deadline - DAY, case.review_deadline + DAY)
    lapses = await repo.lists.lapsed_between(NATION, *window)
    assert [(row.resolution_id, row.at, row.status) for row in lapses.rows] == [
        (lapsed, case.review_deadline, Status.ENFORCEABLE_LAPSED)
    ]
    assert codes(await repo.lists.lapsed_between(NATION, case.review_deadline + SECOND, start)) == []

    # Submitted in the last two days: the fresh one and the new insistence, newest first.
    period = await repo.lists.in_period(NATION, start - 2 * DAY, start + SECOND)
    assert codes(period) == [fresh, insisted_new]
    assert period.rows[0].at == start
    assert codes(await repo.lists.in_period(SEMNAN_COUNTY, start - 2 * DAY, start + SECOND)) == [insisted_new]
    capped = await repo.lists.in_period(NATION, start - 60 * DAY, start + SECOND, limit=3, cap=5)
    assert (len(capped.rows), capped.total, capped.capped) == (3, 5, True)


async def test_the_migration_indexes_resolutions_already_stored(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    """The words written on submission are those the migration's fill writes for the same version."""
    people = await seed(repo, sample_org)
    rid = await submit(repo, people, clock.now(), "احداث پارکینگ", "ساخت پارکینگ طبقاتی")
    stored = await repo.session.scalars(
        sa.select(ResolutionWord.word)
        .where(ResolutionWord.resolution_id == rid)
        .order_by(ResolutionWord.word)
    )
    assert list(stored) == index_words("احداث پارکینگ", "ساخت پارکینگ طبقاتی")


async def _stored_resolution(
    session: AsyncSession, rid: int, council: int | None, at: dt.datetime, approved: dt.date, year: int
) -> None:
    """A resolution ``rid`` under review, written as rows (a migration test's database is at an older
    revision than the models)."""
    await session.execute(
        sa.insert(Resolution).values(
            id=rid,
            tracking_code=f"T{rid}",
            council_id=council,
            council_number=str(rid),
            jalali_year=year,
            session_number="1",
            approval_date=approved,
            status="under_review",
            submitted_by_id=1,
            submitted_at=at,
        )
    )


async def _stored_version(
    session: AsyncSession, rid: int, number: int, title: str, text: str, at: dt.datetime
) -> None:
    await session.execute(
        sa.insert(ResolutionVersion).values(
            resolution_id=rid,
            version_no=number,
            title=title,
            text=text,
            category="other",
            votes_for=5,
            votes_against=0,
            votes_abstain=0,
            created_at=at,
        )
    )


async def test_the_migration_fills_the_words_of_resolutions_stored_before_it(
    db_url: str, sample_org: str
) -> None:
    """Upgrading from 0005 indexes the latest version of every resolution already there."""
    await upgrade_async(db_url, "0005")
    engine = create_engine(db_url)
    at = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    try:
        async with session_factory(engine)() as session:
            await load_text(session, sample_org)
            council = await session.scalar(sa.select(Council.id).where(Council.code == "C-SMN-SEMNAN"))
            session.add(Person(id=1, platform_user_id=1, display_name="p", created_at=at))
            await session.flush()
            for rid in (1, 2):
                await _stored_resolution(session, rid, council, at, dt.date(2026, 11, 20), 1405)
            versions = [
                (1, 1, "احداث پارکینگ", "متن نخست"),
                (1, 2, "احداث پارکینگ", "متن اصلاح‌شده"),
                (2, 1, "نگهداری پارک", "آبیاری"),
            ]
            for rid, number, title, text in versions:
                await _stored_version(session, rid, number, title, text, at)
            await session.commit()
        assert await upgrade_async(db_url, "0008") == "0008"
        async with session_factory(engine)() as session:
            rows = await session.execute(
                sa.select(ResolutionWord.resolution_id, ResolutionWord.word).order_by(
                    ResolutionWord.resolution_id, ResolutionWord.word
                )
            )
            assert list(rows) == [
                *[(1, word) for word in index_words("احداث پارکینگ", "متن اصلاح‌شده")],
                *[(2, word) for word in index_words("نگهداری پارک", "آبیاری")],
            ]
            found = await Repository(session).lists.search(["پارک"], NATION)
            assert [row.resolution_id for row in found.rows] == [2, 1]
    finally:
        await engine.dispose()


async def test_migration_0007_gives_each_word_its_resolutions_submission_and_back(
    db_url: str, sample_org: str
) -> None:
    """Upgrading from 0006 keeps every word and adds its resolution's submission instant (the search by
    periods finds them newest first); downgrading drops the instant and keeps the words."""
    await upgrade_async(db_url, "0006")
    engine = create_engine(db_url)
    first = dt.datetime(2023, 3, 1, 9, 30, 15, 250000, tzinfo=dt.UTC)
    submitted = {1: first, 2: first + 400 * DAY, 3: first + 2 * DAY}
    texts = {1: ("احداث پارکینگ", "طبقاتی"), 2: ("نگهداری پارک", "آبیاری"), 3: ("پارک جنگلی", "آبیاری")}
    try:
        async with session_factory(engine)() as session:
            await load_text(session, sample_org)
            council = await session.scalar(sa.select(Council.id).where(Council.code == "C-SMN-SEMNAN"))
            session.add(Person(id=1, platform_user_id=1, display_name="p", created_at=first))
            await session.flush()
            for rid, at in submitted.items():
                await _stored_resolution(session, rid, council, at, dt.date(2023, 2, 20), 1405)
                title, text = texts[rid]
                await _stored_version(session, rid, 1, title, text, at)
            # As migration 0006 would have left them for resolutions stored before it.
            for rid, (title, text) in texts.items():
                for word in index_words(title, text):
                    await session.execute(
                        sa.text("INSERT INTO resolution_words (word, resolution_id) VALUES (:w, :r)"),
                        {"w": word, "r": rid},
                    )
            await session.commit()
        assert await upgrade_async(db_url, "0007") == "0007"
        expected = sorted(
            (word, submitted[rid], rid)
            for rid, (title, text) in texts.items()
            for word in index_words(title, text)
        )
        async with session_factory(engine)() as session:
            rows = await session.execute(
                sa.select(ResolutionWord.word, ResolutionWord.submitted_at, ResolutionWord.resolution_id)
            )
            assert sorted(rows) == expected
            found = await Repository(session).lists.search(["پارک"], NATION)
            assert ([row.resolution_id for row in found.rows], found.total) == ([2, 3, 1], 3)
            found = await Repository(session).lists.search(["آبیاری", "پار"], NATION)
            assert ([row.resolution_id for row in found.rows], found.total) == ([2, 3], 2)

        def downgrade(connection: sa.Connection) -> list[tuple[str, int]]:
            config = alembic_config(db_url)
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
            assert [c["name"] for c in sa.inspect(connection).get_columns("resolution_words")] == [
                "word",
                "resolution_id",
            ]
            return sorted(connection.execute(sa.text("SELECT word, resolution_id FROM resolution_words")))

        async with engine.begin() as connection:
            kept = await connection.run_sync(downgrade)
        assert kept == sorted((word, rid) for word, _at, rid in expected)
        assert await upgrade_async(db_url, "0007") == "0007"
    finally:
        await engine.dispose()


async def test_migration_0008_gives_each_word_its_councils_province_and_back(
    db_url: str, sample_org: str
) -> None:
    """Upgrading from 0007 keeps every word and adds the province of its resolution's council (a province
    search finds them); downgrading drops the province and keeps the words."""
    await upgrade_async(db_url, "0007")
    engine = create_engine(db_url)
    first = dt.datetime(2024, 3, 1, 9, 30, 15, 250000, tzinfo=dt.UTC)
    councils = {1: "C-SMN-SEMNAN", 2: "C-THR-TEHRAN", 3: "C-SHR-SHAHRUD"}
    texts = {1: ("احداث پارکینگ", "طبقاتی"), 2: ("نگهداری پارک", "آبیاری"), 3: ("پارک جنگلی", "آبیاری")}
    submitted = {rid: first + rid * DAY for rid in texts}
    try:
        async with session_factory(engine)() as session:
            await load_text(session, sample_org + TEHRAN_ORG)
            session.add(Person(id=1, platform_user_id=1, display_name="p", created_at=first))
            await session.flush()
            for rid, at in submitted.items():
                council = await session.scalar(sa.select(Council.id).where(Council.code == councils[rid]))
                await _stored_resolution(session, rid, council, at, dt.date(2024, 2, 20), 1403)
                title, text = texts[rid]
                await _stored_version(session, rid, 1, title, text, at)
                # As migration 0007 left them (and the code before this one wrote them).
                for word in index_words(title, text):
                    await session.execute(
                        sa.text(
                            "INSERT INTO resolution_words (word, submitted_at, resolution_id)"
                            " VALUES (:w, :at, :r)"
                        ).bindparams(sa.bindparam("at", type_=UTCDateTime())),
                        {"w": word, "at": at, "r": rid},
                    )
            await session.commit()
        assert await upgrade_async(db_url, "0008") == "0008"
        province = {1: "SMN", 2: "THR", 3: "SMN"}
        expected = sorted(
            (word, submitted[rid], rid, province[rid])
            for rid, (title, text) in texts.items()
            for word in index_words(title, text)
        )
        async with session_factory(engine)() as session:
            rows = await session.execute(
                sa.select(
                    ResolutionWord.word,
                    ResolutionWord.submitted_at,
                    ResolutionWord.resolution_id,
                    Province.code,
                ).join(Province, Province.id == ResolutionWord.province_id)
            )
            assert sorted(rows) == expected
            found = await Repository(session).lists.search(["پارک"], SEMNAN_PROVINCE)
            assert ([row.resolution_id for row in found.rows], found.total) == ([3, 1], 2)
            found = await Repository(session).lists.search(["آبیاری", "پار"], TEHRAN_PROVINCE)
            assert ([row.resolution_id for row in found.rows], found.total) == ([2], 1)

        def downgrade(connection: sa.Connection) -> list[tuple[str, int]]:
            config = alembic_config(db_url)
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
            assert [c["name"] for c in sa.inspect(connection).get_columns("resolution_words")] == [
                "word",
                "submitted_at",
                "resolution_id",
            ]
            return sorted(connection.execute(sa.text("SELECT word, resolution_id FROM resolution_words")))

        async with engine.begin() as connection:
            kept = await connection.run_sync(downgrade)
        assert kept == sorted((word, rid) for word, _at, rid, _province in expected)
        assert await upgrade_async(db_url, "0008") == "0008"
    finally:
        await engine.dispose()
