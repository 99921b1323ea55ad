"""A board and its resolutions in the database, for the review use-case tests (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from council.clock import MovableClock
from council.review import ConflictGrounds, EscalationOutcome, ReconsiderationDecision, VoteChoice
from council.reviewing import Amendment, apply_lapse, cast_vote, decide_reconsideration, record_outcome
from council.roles import Role
from council.rules import StatutoryRules
from council.status import Status
from council.submission import Category, Votes
from council.submitting import Draft, Submitted, submit_resolution
from storage.repository import Repository

from .helpers import load_text

RULES = StatutoryRules()
LAW = ConflictGrounds.conflicts_with_law("قانون شهرداری", "ماده ۵۵")
REASONING = "وضع عوارض بر کالای وارداتی در صلاحیت شورای شهر نیست."
NEW_TEXT = "ماده ۱ — نرخ عوارض پسماند مطابق سقف مصوب وزارت کشور تعیین می‌شود."
ONE_SECOND = dt.timedelta(seconds=1)


@dataclass
class People:
    secretary: int
    members: list[int]
    expert: int
    official: int
    other_official: int


async def seed(repo: Repository, sample_org: str) -> People:
    """The sample organisation and the people of board B-SMN / council C-SMN-SEMNAN."""
    await load_text(repo.session, sample_org)

    async def person(user_id: int, role: Role, scope: str) -> int:
        someone = await repo.upsert_person(user_id, f"person {user_id}")
        await repo.grant_role(someone.id, role, scope)
        return someone.id

    people = People(
        secretary=await person(1, Role.SECRETARY, "C-SMN-SEMNAN"),
        members=[await person(10 + n, Role.MEMBER, "B-SMN") for n in range(3)],
        expert=await person(20, Role.EXPERT, "B-SMN"),
        official=await person(30, Role.OFFICIAL, "SMN"),
        other_official=await person(31, Role.OFFICIAL, "SMN-SHR"),
    )
    await repo.session.commit()
    return people


async def submit(repo: Repository, people: People, now: dt.datetime, number: str = "12") -> Submitted:
    council = await repo.resolutions.council("C-SMN-SEMNAN")
    assert council is not None
    draft = Draft(
        submission_key=uuid.uuid4().hex,
        council_number=number,
        session_number=45,
        approval_date=dt.date(2026, 11, 22),
        title="تعیین نرخ عوارض پسماند",
        text="ماده ۱ — نرخ عوارض پسماند واحدهای مسکونی مطابق جدول پیوست تعیین می‌شود.",
        category=Category.URBAN_SERVICES,
        votes=Votes(7, 1, 1),
    )
    submitted = await submit_resolution(
        repo.resolutions, draft, council, actor_id=people.secretary, now=now, rules=RULES
    )
    await repo.session.commit()
    return submitted


async def bring_to(
    repo: Repository, people: People, clock: MovableClock, status: Status, number: str = "12"
) -> int:
    """A resolution submitted at the clock's time and brought to ``status`` through the use cases."""
    now = clock.now()
    rid = (await submit(repo, people, now, number)).resolution_id
    store = repo.reviews
    m1, m2, _ = people.members
    if status in (Status.ENFORCEABLE,):
        for member in (m1, m2):
            await cast_vote(store, rid, member, VoteChoice.NO_CONFLICT, now=now, rules=RULES)
    if status in (Status.OBJECTED, Status.REVOKED, Status.ESCALATED, Status.UPHELD, Status.ANNULLED):
        for member in (m1, m2):
            await cast_vote(
                store,
                rid,
                member,
                VoteChoice.CONFLICT,
                now=now,
                rules=RULES,
                grounds=LAW,
                reasoning=REASONING,
            )
    if status == Status.ENFORCEABLE_LAPSED:
        case = await store.case(rid)
        assert case is not None and case.review_deadline is not None
        await apply_lapse(store, rid, case.review_deadline + ONE_SECOND, RULES)
    if status == Status.REVOKED:
        await decide_reconsideration(
            store, rid, people.secretary, ReconsiderationDecision.REVOKE, now=now, rules=RULES
        )
    if status in (Status.ESCALATED, Status.UPHELD, Status.ANNULLED):
        await decide_reconsideration(
            store, rid, people.secretary, ReconsiderationDecision.INSIST, now=now, rules=RULES
        )
    if status in (Status.UPHELD, Status.ANNULLED):
        outcome = EscalationOutcome.UPHELD if status == Status.UPHELD else EscalationOutcome.ANNULLED
        await record_outcome(store, rid, people.official, outcome, "رأی مرجع حل اختلاف", now=now)
    await repo.session.commit()
    case = await store.case(rid)
    assert case is not None and case.status == status
    return rid


def amendment() -> Amendment:
    return Amendment(NEW_TEXT)


async def status_of(session: AsyncSession, rid: int) -> Status:
    case = await Repository(session).reviews.case(rid)
    assert case is not None
    return case.status
