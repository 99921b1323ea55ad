"""Lists within a scope (storage.lists) on SQLite and PostgreSQL: free-text search by word prefixes kept up
to date on submission and amendment, overdue cases, what falls due soon, objections and lapses from the
event log, and the submissions of a period — each limited to a scope and counted up to a cap."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from council.clock import MovableClock
from council.review import ReconsiderationDecision, VoteChoice
from council.reviewing import Amendment, apply_lapse, cast_vote, decide_reconsideration
from council.scope import Scope
from council.search import index_words, query_words
from council.status import Status
from council.submission import Category, Votes
from council.submitting import Draft, submit_resolution
from storage import lists as lists_module
from storage.db import create_engine, session_factory
from storage.lists import DeadlineKind, Listing
from storage.migrate import upgrade_async
from storage.models import Council, Person, Resolution, ResolutionVersion, ResolutionWord
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
                await session.execute(
                    sa.insert(Resolution).values(
                        id=rid,
                        tracking_code=f"T{rid}",
                        council_id=council,
                        council_number=str(rid),
                        jalali_year=1405,
                        session_number="1",
                        approval_date=dt.date(2026, 11, 20),
                        status="under_review",
                        submitted_by_id=1,
                        submitted_at=at,
                    )
                )
            versions = [
                (1, 1, "احداث پارکینگ", "متن نخست"),
                (1, 2, "احداث پارکینگ", "متن اصلاح‌شده"),
                (2, 1, "نگهداری پارک", "آبیاری"),
            ]
            for rid, number, title, text in versions:
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
            await session.commit()
        assert await upgrade_async(db_url) == "0006"
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
