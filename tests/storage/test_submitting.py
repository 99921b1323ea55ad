"""The submit use case against the real storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from council.clock import MovableClock
from council.rules import LateSubmissionPolicy, StatutoryRules
from council.status import Status
from council.submission import Category, SubmissionError, SubmissionErrorCode, Votes, generate_tracking_code
from council.submitting import AttachmentFile, Draft, DuplicateCouncilNumber, submit_resolution
from storage.models import Attachment, Resolution, ResolutionVersion
from storage.repository import Repository

from .helpers import load_text

# START is Friday 1405/09/06 11:30 Tehran: 14 days end on Friday 09/20, so the window ends on Saturday 09/21.
DEADLINE = dt.datetime(2026, 12, 12, 20, 29, 59, tzinfo=dt.UTC)


def draft(key: str = "form-1", number: str = "12", approved: dt.date = dt.date(2026, 11, 22)) -> Draft:
    return Draft(
        submission_key=key,
        council_number=number,
        session_number=45,
        approval_date=approved,
        title="نرخ عوارض پسماند ۱۴۰۶",
        text="ماده ۱ — نرخ عوارض پسماند مطابق جدول پیوست است.",
        category=Category.URBAN_SERVICES,
        votes=Votes(7, 1, 1),
        attachments=(
            AttachmentFile("document", "BQAC1", "AQAD1", "minutes.pdf", "application/pdf", 1234, "a/1.pdf"),
            AttachmentFile("photo", "AgAC2", "AQAD2", None, "image/jpeg", 99, "a/2.jpg"),
        ),
    )


@pytest.fixture
async def secretary(session: AsyncSession, repo: Repository, sample_org: str) -> int:
    await load_text(session, sample_org)
    return (await repo.upsert_person(42, "زهرا")).id


async def test_a_submission_is_under_review_with_its_deadline_version_attachments_and_event(
    repo: Repository, clock: MovableClock, secretary: int
) -> None:
    council = await repo.resolutions.council("c-smn-semnan")
    assert council is not None and (council.board_code, council.province_code, council.members) == (
        "B-SMN",
        "SMN",
        9,
    )
    done = await submit_resolution(
        repo.resolutions, draft(), council, actor_id=secretary, now=clock.now(), rules=StatutoryRules()
    )
    assert (done.review_deadline, done.late, done.created, done.submitted_at) == (
        DEADLINE,
        False,
        True,
        clock.now(),
    )
    record = await repo.resolutions.record(done.resolution_id)
    assert record is not None
    assert (record.tracking_code, record.status, record.cycle, record.council_name) == (
        done.tracking_code,
        Status.UNDER_REVIEW,
        1,
        "شورای اسلامی شهر سمنان",
    )
    assert (record.review_deadline, record.votes, record.category) == (
        DEADLINE,
        Votes(7, 1, 1),
        Category.URBAN_SERVICES,
    )
    assert list(record.attachments) == list(draft().attachments)
    [event] = await repo.events_of(done.resolution_id)
    assert (event.kind, event.actor_id, event.at) == ("submitted", secretary, clock.now())
    assert event.payload["review_deadline"] == DEADLINE.isoformat()
    assert await repo.verify_event_chain() is None


async def test_submitting_the_same_form_again_returns_the_first_resolution(
    session: AsyncSession, repo: Repository, clock: MovableClock, secretary: int
) -> None:
    council = await repo.resolutions.council("C-SMN-SEMNAN")
    assert council is not None
    first = await submit_resolution(
        repo.resolutions, draft(), council, actor_id=secretary, now=clock.now(), rules=StatutoryRules()
    )
    clock.advance(dt.timedelta(seconds=3))
    again = await submit_resolution(
        repo.resolutions, draft(), council, actor_id=secretary, now=clock.now(), rules=StatutoryRules()
    )
    assert again == dataclasses.replace(first, created=False)
    assert await session.scalar(sa.select(sa.func.count()).select_from(Resolution)) == 1
    assert await session.scalar(sa.select(sa.func.count()).select_from(ResolutionVersion)) == 1
    assert await session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 2


async def test_a_number_the_council_used_this_year_is_refused_with_its_tracking_code(
    repo: Repository, clock: MovableClock, secretary: int
) -> None:
    council = await repo.resolutions.council("C-SMN-SEMNAN")
    assert council is not None
    first = await submit_resolution(
        repo.resolutions, draft(), council, actor_id=secretary, now=clock.now(), rules=StatutoryRules()
    )
    with pytest.raises(DuplicateCouncilNumber) as refused:
        await submit_resolution(
            repo.resolutions,
            draft("form-2"),
            council,
            actor_id=secretary,
            now=clock.now(),
            rules=StatutoryRules(),
        )
    assert (refused.value.council_number, refused.value.year, refused.value.tracking_code) == (
        "12",
        1405,
        first.tracking_code,
    )
    # The same number approved in the previous Jalali year is another resolution.
    previous_year = await submit_resolution(
        repo.resolutions,
        draft("form-3", approved=dt.date(2026, 3, 1)),
        council,
        actor_id=secretary,
        now=clock.now(),
        rules=StatutoryRules(),
    )
    assert previous_year.created and previous_year.late


async def test_a_late_form_is_flagged_or_refused_by_policy(
    repo: Repository, clock: MovableClock, secretary: int
) -> None:
    council = await repo.resolutions.council("C-SMN-SEMNAN")
    assert council is not None
    old = dt.date(2026, 11, 10)
    refuse = StatutoryRules(late_submission=LateSubmissionPolicy.REFUSE)
    with pytest.raises(SubmissionError) as refused:
        await submit_resolution(
            repo.resolutions, draft(approved=old), council, actor_id=secretary, now=clock.now(), rules=refuse
        )
    assert refused.value.code is SubmissionErrorCode.APPROVAL_DATE_LATE
    flagged = await submit_resolution(
        repo.resolutions,
        draft(approved=old),
        council,
        actor_id=secretary,
        now=clock.now(),
        rules=StatutoryRules(),
    )
    assert flagged.late


async def test_a_tracking_code_already_taken_is_drawn_again(
    repo: Repository, clock: MovableClock, secretary: int
) -> None:
    council = await repo.resolutions.council("C-SMN-SEMNAN")
    assert council is not None
    first = await submit_resolution(
        repo.resolutions,
        draft(),
        council,
        actor_id=secretary,
        now=clock.now(),
        rules=StatutoryRules(),
        rng=random.Random(7),
    )
    assert first.tracking_code == generate_tracking_code(random.Random(7))
    second = await submit_resolution(
        repo.resolutions,
        draft("form-2", number="13"),
        council,
        actor_id=secretary,
        now=clock.now(),
        rules=StatutoryRules(),
        rng=random.Random(7),
    )
    rng = random.Random(7)
    generate_tracking_code(rng)
    assert second.tracking_code == generate_tracking_code(rng) != first.tracking_code


async def test_a_page_over_several_councils_names_each_council_newest_first(
    repo: Repository, clock: MovableClock, secretary: int
) -> None:
    semnan = await repo.resolutions.council("C-SMN-SEMNAN")
    bastam = await repo.resolutions.council("C-SHR-BASTAM")
    shahrud = await repo.resolutions.council("C-SHR-SHAHRUD")
    assert semnan is not None and bastam is not None and shahrud is not None
    assert await repo.resolutions.council_with_id(bastam.id) == bastam
    assert await repo.resolutions.council_with_id(max(semnan.id, bastam.id, shahrud.id) + 1000) is None
    rules = StatutoryRules()
    # Semnan 1, Bastam 1, Shahrud 1 (not hers), Semnan 2: a minute apart.
    for council, number in ((semnan, "1"), (bastam, "1"), (shahrud, "1"), (semnan, "2")):
        one = dataclasses.replace(
            draft(f"{council.code}-{number}", number), attachments=(), votes=Votes(3, 1, 1)
        )
        await submit_resolution(
            repo.resolutions, one, council, actor_id=secretary, now=clock.now(), rules=rules
        )
        clock.advance(dt.timedelta(minutes=1))

    lines, total = await repo.resolutions.of_councils([semnan.id, bastam.id], 0, 2)
    assert total == 3
    assert [(line.council_name, line.council_number) for line in lines] == [
        ("شورای اسلامی شهر سمنان", "2"),
        ("شورای اسلامی شهر بسطام", "1"),
    ]
    rest, _ = await repo.resolutions.of_councils([semnan.id, bastam.id], 2, 2)
    assert [(line.council_name, line.council_number) for line in rest] == [("شورای اسلامی شهر سمنان", "1")]
    only, count = await repo.resolutions.of_council(bastam.id, 0, 5)
    assert (count, [line.council_number for line in only]) == (1, ["1"])
