"""The report's facts per review cycle (``review_cycles``) stay in step with the event log through every
transition of a review — submission, votes, a ruling with and without objection, a lapse, an amendment that
opens a new cycle, a revocation, an insistence and the authority's outcome, an objection left unanswered —
and ``/report``'s figures read from them are exactly the expected ones and the old computation's
(``report_reference``); migration 0009 fills the facts from the event log exactly as the transitions wrote
them (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import sqlalchemy as sa
from alembic import command

from council.clock import MovableClock
from council.performance import MemberFigures, Report, build_report
from council.review import EscalationOutcome, ReconsiderationDecision, VoteChoice
from council.reviewing import apply_lapse, decide_reconsideration, record_outcome
from council.scope import Scope
from council.status import Status
from storage.db import create_engine, session_factory
from storage.migrate import alembic_config, upgrade_async
from storage.models import BoardVote, ReviewCycle
from storage.repository import Repository

from .report_reference import Reference
from .review_helpers import RULES, People, amendment, seed
from .test_reports import RECONSIDERATION_DEADLINE, REVIEW_DEADLINE, submit, vote

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
SECOND = dt.timedelta(seconds=1)
SEMNAN = Scope(counties=frozenset({"SMN-SMN"}))

Facts = tuple[int, dt.datetime | None, dt.datetime | None, bool, dt.datetime | None, dt.datetime | None]


async def facts(repo: Repository, rid: int) -> list[Facts]:
    """The resolution's cycles: (cycle, review deadline, ruled at, conflict, reconsideration deadline,
    answered at)."""
    rows = await repo.session.execute(
        sa.select(
            ReviewCycle.cycle,
            ReviewCycle.review_deadline,
            ReviewCycle.ruled_at,
            ReviewCycle.conflict,
            ReviewCycle.reconsideration_deadline,
            ReviewCycle.answered_at,
        )
        .where(ReviewCycle.resolution_id == rid)
        .order_by(ReviewCycle.cycle)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def report(repo: Repository, now: dt.datetime) -> Report:
    """Semnan county's report at ``now``: the statement's, checked against the old computation's."""
    await repo.session.commit()
    data = await Reference(repo.session).load(SEMNAN)
    expected = build_report(data.resolutions, data.votes, now)
    found = (await repo.reports.report(SEMNAN, now)).report
    assert replace(found, provinces=()) == expected
    return found


def member(pid: int, on_time: int = 0, late: int = 0, missed: int = 0, pending: int = 0) -> MemberFigures:
    return MemberFigures(str(pid), on_time + late + missed, on_time, late, missed, pending)


def counts(found: Report) -> tuple[int, int, int, int, int, float | None, int]:
    """total, objected, reviews closed, lapsed, ruled, median days to a ruling, answers overdue."""
    o = found.overall
    return (o.total, o.objected, o.reviews_closed, o.lapsed, o.ruled, o.median_days_to_ruling,
            o.reconsiderations_overdue)  # fmt: skip


def statuses(found: Report) -> dict[Status, int]:
    return {status: n for status, n in found.overall.by_status.items() if n}


async def test_an_objection_answered_by_amendment_and_the_new_cycle_ruled(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    m1, m2, m3 = people.members
    start = clock.now()
    rid = await submit(repo, people.secretary, "C-SMN-SEMNAN", "1", start)
    assert await facts(repo, rid) == [(1, REVIEW_DEADLINE, None, False, None, None)]
    found = await report(repo, start + HOUR)
    assert (statuses(found), counts(found)) == ({Status.UNDER_REVIEW: 1}, (1, 0, 0, 0, 0, None, 0))
    assert found.members == (member(m1, pending=1), member(m2, pending=1), member(m3, pending=1))

    # The board objects two hours after the submission.
    await vote(repo, rid, m1, VoteChoice.CONFLICT, start + HOUR)
    await vote(repo, rid, m2, VoteChoice.CONFLICT, start + 2 * HOUR)
    ruled = (1, REVIEW_DEADLINE, start + 2 * HOUR, True, RECONSIDERATION_DEADLINE, None)
    assert await facts(repo, rid) == [ruled]
    found = await report(repo, start + 3 * HOUR)
    assert (statuses(found), counts(found)) == ({Status.OBJECTED: 1}, (1, 1, 1, 0, 1, 2 / 24, 0))
    # The ruling closed the vote: m3 owed nothing.
    assert found.members == (member(m1, on_time=1), member(m2, on_time=1))

    # The council amends the next day: the answer closes cycle 1 and cycle 2 opens with its own deadline.
    await decide_reconsideration(
        repo.reviews, rid, people.secretary, ReconsiderationDecision.AMEND, now=start + DAY, rules=RULES,
        amendment=amendment(),
    )  # fmt: skip
    second = (2, REVIEW_DEADLINE, None, False, None, None)
    assert await facts(repo, rid) == [(*ruled[:5], start + DAY), second]
    found = await report(repo, start + DAY + HOUR)
    # Objected once (cycle 1's objection), its answer in time; the current cycle is not ruled yet.
    assert (statuses(found), counts(found)) == ({Status.UNDER_REVIEW: 1}, (1, 1, 1, 0, 0, None, 0))
    assert found.members == (
        member(m1, on_time=1, pending=1),
        member(m2, on_time=1, pending=1),
        member(m3, pending=1),
    )

    # Cycle 2 is ruled without objection three days after the submission.
    await vote(repo, rid, m3, VoteChoice.NO_CONFLICT, start + 2 * DAY)
    await vote(repo, rid, m1, VoteChoice.NO_CONFLICT, start + 3 * DAY)
    assert await facts(repo, rid) == [
        (*ruled[:5], start + DAY),
        (*second[:2], start + 3 * DAY, False, None, None),
    ]
    found = await report(repo, start + 20 * DAY)
    assert (statuses(found), counts(found)) == ({Status.ENFORCEABLE: 1}, (1, 1, 1, 0, 1, 3.0, 0))
    assert found.members == (member(m1, on_time=2), member(m2, on_time=1), member(m3, on_time=1))


async def test_a_lapse_is_no_ruling(repo: Repository, clock: MovableClock, sample_org: str) -> None:
    people = await seed(repo, sample_org)
    m1, m2, m3 = people.members
    start = clock.now()
    rid = await submit(repo, people.secretary, "C-SMN-SEMNAN", "1", start)
    await vote(repo, rid, m1, VoteChoice.NO_CONFLICT, start + HOUR)
    await apply_lapse(repo.reviews, rid, REVIEW_DEADLINE + SECOND, RULES)
    assert await facts(repo, rid) == [(1, REVIEW_DEADLINE, None, False, None, None)]
    found = await report(repo, REVIEW_DEADLINE + DAY)
    assert (statuses(found), counts(found)) == ({Status.ENFORCEABLE_LAPSED: 1}, (1, 0, 1, 1, 0, None, 0))
    assert found.members == (member(m1, on_time=1), member(m2, missed=1), member(m3, missed=1))


async def objected(repo: Repository, people: People, number: str, at: dt.datetime) -> int:
    """A resolution submitted at ``at`` and objected to at once by two members."""
    rid = await submit(repo, people.secretary, "C-SMN-SEMNAN", number, at)
    for m in people.members[:2]:
        await vote(repo, rid, m, VoteChoice.CONFLICT, at)
    return rid


async def test_revoked_insisted_and_unanswered_objections(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people = await seed(repo, sample_org)
    m1, m2, _ = people.members
    start = clock.now()
    objection = (1, REVIEW_DEADLINE, start, True, RECONSIDERATION_DEADLINE)
    revoked = await objected(repo, people, "1", start)
    await decide_reconsideration(
        repo.reviews, revoked, people.secretary, ReconsiderationDecision.REVOKE, now=start + DAY, rules=RULES
    )
    insisted = await objected(repo, people, "2", start)
    await decide_reconsideration(
        repo.reviews, insisted, people.secretary, ReconsiderationDecision.INSIST, now=start + 2 * DAY,
        rules=RULES,
    )  # fmt: skip
    # The authority's outcome changes the status, not the cycle's facts.
    await record_outcome(
        repo.reviews,
        insisted,
        people.official,
        EscalationOutcome.UPHELD,
        "رأی مرجع حل اختلاف",
        now=start + 3 * DAY,
    )
    unanswered = await objected(repo, people, "3", start)
    assert [await facts(repo, rid) for rid in (revoked, insisted, unanswered)] == [
        [(*objection, start + DAY)],
        [(*objection, start + 2 * DAY)],
        [(*objection, None)],
    ]
    # Before the reconsideration deadline nothing is overdue; just after it the unanswered one is.
    found = await report(repo, RECONSIDERATION_DEADLINE)
    every = {Status.REVOKED: 1, Status.UPHELD: 1, Status.OBJECTED: 1}
    assert (statuses(found), counts(found)) == (every, (3, 3, 3, 0, 3, 0.0, 0))
    found = await report(repo, RECONSIDERATION_DEADLINE + SECOND)
    assert counts(found) == (3, 3, 3, 0, 3, 0.0, 1)
    assert found.members == (member(m1, on_time=3), member(m2, on_time=3))

    # The sweep escalates the unanswered one: still overdue, and its facts do not change.
    await apply_lapse(repo.reviews, unanswered, RECONSIDERATION_DEADLINE + SECOND, RULES)
    assert await facts(repo, unanswered) == [(*objection, None)]
    found = await report(repo, RECONSIDERATION_DEADLINE + DAY)
    assert (statuses(found), counts(found)) == (
        {Status.REVOKED: 1, Status.UPHELD: 1, Status.ESCALATED: 1},
        (3, 3, 3, 0, 3, 0.0, 1),
    )


async def test_migration_0009_fills_the_facts_from_the_event_log_as_the_transitions_wrote_them(
    db_url: str, sample_org: str
) -> None:
    """A history made by the use cases at the newest revision; its facts dropped by downgrading to 0008 and
    filled again from the event log by upgrading: the same rows, the same report."""
    await upgrade_async(db_url)
    engine = create_engine(db_url)
    clock = MovableClock(dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC))
    try:
        async with session_factory(engine)() as session:
            repo = Repository(session, clock)
            people = await seed(repo, sample_org)
            start = clock.now()
            m1, m2, m3 = people.members
            amended = await objected(repo, people, "1", start)
            await decide_reconsideration(
                repo.reviews, amended, people.secretary, ReconsiderationDecision.AMEND, now=start + DAY,
                rules=RULES, amendment=amendment(),
            )  # fmt: skip
            await vote(repo, amended, m3, VoteChoice.CONFLICT, start + 2 * DAY)
            await vote(repo, amended, m1, VoteChoice.CONFLICT, start + 2 * DAY + HOUR)
            revoked = await objected(repo, people, "2", start + HOUR)
            await decide_reconsideration(
                repo.reviews, revoked, people.secretary, ReconsiderationDecision.REVOKE, now=start + DAY,
                rules=RULES,
            )  # fmt: skip
            await objected(repo, people, "3", start + 2 * HOUR)
            lapsed = await submit(repo, people.secretary, "C-SMN-SEMNAN", "4", start)
            await vote(repo, lapsed, m2, VoteChoice.NO_CONFLICT, start + HOUR)
            await apply_lapse(repo.reviews, lapsed, REVIEW_DEADLINE + SECOND, RULES)
            await submit(repo, people.secretary, "C-SMN-SEMNAN", "5", start + 3 * DAY)
            await session.commit()
            kept = sorted(await session.execute(sa.select(ReviewCycle.__table__)))
            before = await Repository(session).reports.report(SEMNAN, start + 30 * DAY)
        assert len(kept) == 6 and [row[:2] for row in kept if row[1] == 2] == [(amended, 2)]

        def downgrade(connection: sa.Connection) -> list[str]:
            config = alembic_config(db_url)
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
            return sa.inspect(connection).get_table_names()

        migrating = create_engine(db_url, sqlite_foreign_keys=False)
        try:
            async with migrating.begin() as connection:
                assert "review_cycles" not in await connection.run_sync(downgrade)
        finally:
            await migrating.dispose()
        assert await upgrade_async(db_url) == "0009"
        async with session_factory(engine)() as session:
            assert sorted(await session.execute(sa.select(ReviewCycle.__table__))) == kept
            after = await Repository(session).reports.report(SEMNAN, start + 30 * DAY)
        assert after == before
        # Rulings: 0 and 0 days, and the amended one's second cycle after 2 days and 1 hour; the objections of
        # the amended one's second cycle and of the third are unanswered 30 days on.
        assert counts(after.report) == (5, 3, 4, 1, 3, 0.0, 2)
    finally:
        await engine.dispose()


async def test_a_member_who_votes_more_than_once_owes_one_vote_per_cycle(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    """Each member's first vote of a cycle says whether the vote was on time, however many follow: m1 votes
    twice in the window, m2 twice after the deadline (imported data), m3 twice at one instant before it."""
    people = await seed(repo, sample_org)
    m1, m2, m3 = people.members
    start = clock.now()
    rid = await submit(repo, people.secretary, "C-SMN-SEMNAN", "1", start)
    await vote(repo, rid, m1, VoteChoice.NO_CONFLICT, start + HOUR)
    await vote(repo, rid, m1, VoteChoice.CONFLICT, start + 2 * HOUR)
    for who, at in [(m2, REVIEW_DEADLINE + DAY), (m2, REVIEW_DEADLINE + 2 * DAY), (m3, start), (m3, start)]:
        repo.session.add(
            BoardVote(
                resolution_id=rid, cycle=1, member_id=who, choice=VoteChoice.NO_CONFLICT.value, cast_at=at
            )
        )
    found = await report(repo, REVIEW_DEADLINE + 3 * DAY)
    assert found.members == (member(m1, on_time=1), member(m2, late=1), member(m3, on_time=1))
