"""The review use cases on the database: votes and their majority, the window, lapses stamped with the
deadline, reconsideration, escalation and who may act — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import MovableClock
from council.review import (
    ConflictGrounds,
    EscalationOutcome,
    ReconsiderationDecision,
    ReviewError,
    ReviewErrorCode,
    VoteChoice,
    WindowClosed,
)
from council.reviewing import (
    Amendment,
    apply_lapse,
    cast_vote,
    decide_reconsideration,
    process_lapses,
    record_opinion,
    record_outcome,
)
from council.status import Action, Status
from storage.models import BoardVote, Event, Resolution, ResolutionVersion
from storage.repository import Repository

from .review_helpers import LAW, NEW_TEXT, REASONING, RULES, bring_to, seed, submit

NO, YES = VoteChoice.NO_CONFLICT, VoteChoice.CONFLICT
# Submitted on Friday 1405/09/06 11:30 Tehran: the 14th day (09/20) is a Friday, the window ends on 09/21.
REVIEW_DEADLINE = dt.datetime(2026, 12, 12, 20, 29, 59, tzinfo=dt.UTC)
ONE_SECOND = dt.timedelta(seconds=1)


async def events(session: AsyncSession, rid: int) -> list[Event]:
    return list(await session.scalars(sa.select(Event).where(Event.resolution_id == rid).order_by(Event.id)))


async def test_two_no_conflict_votes_of_three_seats_make_the_resolution_enforceable(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    submitted = await submit(repo, people, clock.now())
    assert submitted.review_deadline == REVIEW_DEADLINE
    rid, store = submitted.resolution_id, repo.reviews
    m1, m2, m3 = people.members

    first = await cast_vote(
        store, rid, m1, YES, now=clock.now(), rules=RULES, grounds=LAW, reasoning=REASONING
    )
    assert (first.replaced, first.ruling) == (False, None)
    # A member may change the vote until the ruling; the latest counts.
    changed = await cast_vote(store, rid, m1, NO, now=clock.now(), rules=RULES)
    assert (changed.replaced, changed.ruling) == (True, None)
    ruled = await cast_vote(store, rid, m2, NO, now=clock.now(), rules=RULES)
    assert ruled.moved is not None and ruled.moved.status == Status.ENFORCEABLE
    await repo.session.commit()

    with pytest.raises(ReviewError) as refused:
        await cast_vote(store, rid, m3, YES, now=clock.now(), rules=RULES, grounds=LAW, reasoning=REASONING)
    assert (refused.value.code, refused.value.params["status"]) == (
        ReviewErrorCode.WRONG_STATUS,
        Status.ENFORCEABLE,
    )
    assert [e.kind for e in await events(repo.session, rid)] == [
        "submitted",
        "vote_cast",
        "vote_cast",
        "vote_cast",
        "ruled",
    ]
    assert await repo.verify_event_chain() is None


async def test_a_conflict_ruling_sends_an_objection_with_the_reconsideration_deadline(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    rid = (await submit(repo, people, clock.now())).resolution_id
    m1, m2, _ = people.members
    store = repo.reviews
    await cast_vote(store, rid, m1, YES, now=clock.now(), rules=RULES, grounds=LAW, reasoning=REASONING)
    outside = ConflictGrounds.outside_powers()
    result = await cast_vote(
        store, rid, m2, YES, now=clock.now(), rules=RULES, grounds=outside, reasoning=REASONING
    )
    assert result.moved is not None and result.moved.letter is not None
    assert result.moved.letter.grounds == (LAW, outside)
    assert result.moved.letter.reasonings == (REASONING,)
    # Received on Friday 09/06: 10 days end on Monday 09/16 (a working day), 23:59:59 Tehran.
    assert result.moved.deadline == dt.datetime(2026, 12, 7, 20, 29, 59, tzinfo=dt.UTC)
    case = await store.case(rid)
    assert case is not None and (case.status, case.reconsideration_deadline) == (
        Status.OBJECTED,
        result.moved.deadline,
    )


async def test_a_vote_after_the_deadline_instant_is_refused_before_the_sweep_has_lapsed_it(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    rid = (await submit(repo, people, clock.now())).resolution_id
    store = repo.reviews
    # The deadline instant itself is still in time.
    await cast_vote(store, rid, people.members[0], NO, now=REVIEW_DEADLINE, rules=RULES)
    with pytest.raises(WindowClosed) as late:
        await cast_vote(store, rid, people.members[1], NO, now=REVIEW_DEADLINE + ONE_SECOND, rules=RULES)
    assert late.value.deadline == REVIEW_DEADLINE
    with pytest.raises(WindowClosed):
        await record_opinion(store, rid, people.expert, NO, REASONING, now=REVIEW_DEADLINE + ONE_SECOND)
    await repo.session.commit()
    case = await store.case(rid)
    assert case is not None and case.status == Status.UNDER_REVIEW


async def test_a_lapse_is_stamped_with_the_deadline_instant_whenever_it_is_processed(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    rid = (await submit(repo, people, clock.now())).resolution_id
    later = REVIEW_DEADLINE + dt.timedelta(days=3)
    assert await process_lapses(repo.reviews, REVIEW_DEADLINE, RULES) == []
    [lapse] = await process_lapses(repo.reviews, later, RULES)
    await repo.session.commit()
    assert (lapse.action, lapse.status, lapse.at) == (
        Action.LAPSE,
        Status.ENFORCEABLE_LAPSED,
        REVIEW_DEADLINE,
    )
    row = await repo.session.get(Resolution, rid, populate_existing=True)
    assert row is not None and (row.status, row.status_at) == ("enforceable_lapsed", REVIEW_DEADLINE)
    lapsed = (await events(repo.session, rid))[-1]
    assert (lapsed.kind, lapsed.at) == ("lapsed", REVIEW_DEADLINE)
    assert lapsed.payload["processed_at"] == later.isoformat()
    # Processed once: a second sweep finds nothing, and a late vote is refused with the deadline.
    assert await process_lapses(repo.reviews, later, RULES) == []
    with pytest.raises(WindowClosed) as late:
        await cast_vote(repo.reviews, rid, people.members[0], NO, now=later, rules=RULES)
    assert late.value.deadline == REVIEW_DEADLINE


async def test_an_unanswered_objection_escalates_at_the_reconsideration_deadline(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    rid = await bring_to(repo, people, clock, Status.OBJECTED)
    case = await repo.reviews.case(rid)
    assert case is not None and case.reconsideration_deadline is not None
    deadline = case.reconsideration_deadline
    with pytest.raises(WindowClosed):
        await decide_reconsideration(
            repo.reviews,
            rid,
            people.secretary,
            ReconsiderationDecision.INSIST,
            now=deadline + ONE_SECOND,
            rules=RULES,
        )
    moved = await apply_lapse(repo.reviews, rid, deadline + dt.timedelta(hours=5), RULES)
    assert moved is not None and (moved.action, moved.status, moved.at) == (
        Action.RECONSIDERATION_LAPSE,
        Status.ESCALATED,
        deadline,
    )
    # 15 days from Monday 09/16 end on Tuesday 10/01.
    assert moved.deadline == dt.datetime(2026, 12, 22, 20, 29, 59, tzinfo=dt.UTC)


async def test_an_amendment_keeps_the_earlier_version_and_opens_a_new_cycle_with_a_fresh_deadline(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    rid = await bring_to(repo, people, clock, Status.OBJECTED)
    clock.advance(dt.timedelta(days=2))  # Sunday 1405/09/08
    moved = await decide_reconsideration(
        repo.reviews,
        rid,
        people.secretary,
        ReconsiderationDecision.AMEND,
        now=clock.now(),
        rules=RULES,
        amendment=Amendment(NEW_TEXT),
    )
    await repo.session.commit()
    # 14 days from Sunday 09/08 end on Sunday 09/22.
    assert (moved.status, moved.cycle, moved.deadline) == (
        Status.UNDER_REVIEW,
        2,
        dt.datetime(2026, 12, 13, 20, 29, 59, tzinfo=dt.UTC),
    )
    versions = await repo.reviews.versions(rid)
    assert [(v.version_no, v.text == NEW_TEXT) for v in versions] == [(1, False), (2, True)]
    # The votes of cycle 1 do not count in cycle 2.
    assert await repo.reviews.votes(rid, 2) == []
    ruled = None
    for member in people.members[:2]:
        ruled = await cast_vote(repo.reviews, rid, member, NO, now=clock.now(), rules=RULES)
    assert ruled is not None and ruled.moved is not None and ruled.moved.status == Status.ENFORCEABLE
    count = await repo.session.scalar(sa.select(sa.func.count()).select_from(ResolutionVersion))
    assert count == 2


async def test_only_the_right_people_act(repo: Repository, clock: MovableClock, sample_org: str) -> None:
    people = await seed(repo, sample_org)
    rid = await bring_to(repo, people, clock, Status.ESCALATED)
    store = repo.reviews
    with pytest.raises(ReviewError) as other:
        await record_outcome(
            store, rid, people.other_official, EscalationOutcome.ANNULLED, "یادداشت", now=clock.now()
        )
    assert other.value.code == ReviewErrorCode.NOT_ALLOWED
    with pytest.raises(ReviewError) as short:
        await record_outcome(store, rid, people.official, EscalationOutcome.ANNULLED, "نه", now=clock.now())
    assert short.value.code == ReviewErrorCode.REASONING_TOO_SHORT
    fresh = (await submit(repo, people, clock.now(), number="99")).resolution_id
    with pytest.raises(ReviewError) as expert_votes:
        await cast_vote(store, fresh, people.expert, NO, now=clock.now(), rules=RULES)
    assert expert_votes.value.code == ReviewErrorCode.NOT_ALLOWED
    with pytest.raises(ReviewError) as member_opines:
        await record_opinion(store, fresh, people.members[0], NO, REASONING, now=clock.now())
    assert member_opines.value.code == ReviewErrorCode.NOT_ALLOWED
    opinion = await record_opinion(store, fresh, people.expert, YES, REASONING, now=clock.now())
    assert opinion.text == REASONING


async def test_two_members_voting_at_the_same_moment_are_both_counted_and_the_ruling_is_made_once(
    repo: Repository, sessions: async_sessionmaker[AsyncSession], clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    rid = (await submit(repo, people, clock.now())).resolution_id
    await repo.session.close()

    async def vote(member: int) -> bool:
        async with sessions() as session:
            result = await cast_vote(
                Repository(session, clock).reviews, rid, member, NO, now=clock.now(), rules=RULES
            )
            await session.commit()
            return result.moved is not None

    for _ in range(3):
        ruled = await asyncio.gather(vote(people.members[0]), vote(people.members[1]))
        assert sorted(ruled) == [False, True]
        async with sessions() as session:
            votes = await session.scalar(
                sa.select(sa.func.count()).select_from(BoardVote).where(BoardVote.resolution_id == rid)
            )
            rulings = [e for e in await events(session, rid) if e.kind == "ruled"]
            status = await session.scalar(sa.select(Resolution.status).where(Resolution.id == rid))
            assert (votes, len(rulings), status) == (2, 1, "enforceable")
            assert await Repository(session).verify_event_chain() is None
        rid = (await _fresh(sessions, people, clock)).resolution_id


async def _fresh(sessions: async_sessionmaker[AsyncSession], people: object, clock: MovableClock):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        count = await session.scalar(sa.select(sa.func.count()).select_from(Resolution))
        return await submit(
            Repository(session, clock), people, clock.now(), number=str(100 + int(count or 0))
        )  # type: ignore[arg-type]
