"""The report aggregated in SQL (``storage.reports``) gives exactly the figures of the Python computation it
replaced (``report_reference`` + ``council.performance.build_report``), on SQLite and PostgreSQL, over a
varied history made through the use cases: two provinces, three counties, five councils of three boards;
submissions on time and late; rulings with and without objection (even and odd counts, for the medians);
objections answered by amendment (a second review cycle, itself ruled, objected, lapsed or still open),
revocation or insistence, and left unanswered past their deadline; lapsed reviews; a member who votes twice;
a member bound only later; and, entered directly as imported data would be, a vote cast after its deadline
and an answer given after its deadline, and a vote exactly at its deadline. Asked for the nation, a
province, a county, a council and a board, for periods that cut through the history, and at three instants
(deadlines ahead, exactly at one, and passed)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from council.clock import MovableClock
from council.performance import Report, build_report, figures
from council.review import EscalationOutcome, ReconsiderationDecision, VoteChoice
from council.reviewing import (
    INSISTED_EVENT,
    WindowClosed,
    apply_lapse,
    cast_vote,
    decide_reconsideration,
    record_outcome,
)
from council.roles import NATION_CODE, Role
from council.scope import Scope
from council.status import Status
from council.submission import Category, Votes
from council.submitting import Draft, submit_resolution
from storage.models import BoardVote
from storage.repository import Repository

from .helpers import load_text
from .report_reference import Reference
from .review_helpers import LAW, REASONING, RULES, amendment

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
ODD = dt.timedelta(minutes=7, seconds=13, microseconds=1234)
QOM = """
province | QOM | استان قم
county   | QOM-QOM | شهرستان قم | province=QOM
board    | B-QOM | هیأت تطبیق مصوبات شوراهای شهرستان قم | county=QOM-QOM | seats=3
council  | C-QOM-QOM | شورای اسلامی شهر قم | kind=city | county=QOM-QOM | board=B-QOM | members=9
council  | C-QOM-KAHAK | شورای اسلامی شهر کهک | kind=city | county=QOM-QOM | board=B-QOM | members=5
"""
BOARDS = {
    "B-SMN": ["C-SMN-SEMNAN"],
    "B-SHR": ["C-SHR-SHAHRUD", "C-SHR-BASTAM"],
    "B-QOM": ["C-QOM-QOM", "C-QOM-KAHAK"],
}
PROVINCE_OF = {"SMN-SMN": "SMN", "SMN-SHR": "SMN", "QOM-QOM": "QOM"}
PROVINCE_NAMES = {"SMN": "استان سمنان", "QOM": "استان قم"}
RESOLUTIONS = 48


@dataclass
class History:
    secretaries: dict[str, int] = field(default_factory=dict)
    members: dict[str, list[int]] = field(default_factory=dict)
    official: int = 0
    submitted: list[dt.datetime] = field(default_factory=list)
    last_act: dt.datetime | None = None
    #: A deadline of a review still open, to look at the figures exactly then.
    deadline: dt.datetime | None = None

    def acted(self, at: dt.datetime) -> None:
        self.last_act = at if self.last_act is None else max(self.last_act, at)


async def people(repo: Repository, clock: MovableClock) -> History:
    history = History()
    user = iter(range(100, 1000))
    for board, councils in BOARDS.items():
        history.members[board] = []
        for n in range(3):
            member = await repo.upsert_person(next(user), f"عضو {n} {board}")
            await repo.grant_role(member.id, Role.MEMBER, board)
            history.members[board].append(member.id)
        for council in councils:
            secretary = await repo.upsert_person(next(user), f"دبیر {council}")
            await repo.grant_role(secretary.id, Role.SECRETARY, council)
            history.secretaries[council] = secretary.id
    official = await repo.upsert_person(next(user), "ناظر کشور")
    await repo.grant_role(official.id, Role.OFFICIAL, NATION_CODE)
    history.official = official.id
    return history


async def submit(repo: Repository, history: History, council_code: str, now: dt.datetime, late: bool) -> int:
    council = await repo.resolutions.council(council_code)
    assert council is not None
    draft = Draft(
        submission_key=uuid.uuid4().hex,
        council_number=str(len(history.submitted) + 1),
        session_number=45,
        approval_date=(now - (20 * DAY if late else DAY)).date(),
        title="تعیین نرخ عوارض پسماند",
        text="ماده ۱ — نرخ عوارض پسماند واحدهای مسکونی مطابق جدول پیوست تعیین می‌شود.",
        category=Category.URBAN_SERVICES,
        votes=Votes(7, 1, 1),
    )
    submitted = await submit_resolution(
        repo.resolutions, draft, council, actor_id=history.secretaries[council_code], now=now, rules=RULES
    )
    history.submitted.append(now)
    history.acted(now)
    return submitted.resolution_id


async def vote(
    repo: Repository, history: History, rid: int, member: int, choice: VoteChoice, at: dt.datetime
) -> None:
    extra = {"grounds": LAW, "reasoning": REASONING} if choice is VoteChoice.CONFLICT else {}
    await cast_vote(repo.reviews, rid, member, choice, now=at, rules=RULES, **extra)  # type: ignore[arg-type]
    history.acted(at)


async def review(
    repo: Repository,
    history: History,
    rng: random.Random,
    rid: int,
    board: str,
    council: str,
    at: dt.datetime,
) -> None:
    """One review cycle from ``at``: ruled either way, lapsed, or left open; an objection answered or not."""
    m1, m2, m3 = rng.sample(history.members[board], 3)
    path = rng.choice(["ok", "ok", "objection", "objection", "lapse", "open", "revote"])
    first = at + rng.randint(1, 40) * HOUR
    if path in ("ok", "revote"):
        if path == "revote":
            await vote(repo, history, rid, m1, VoteChoice.CONFLICT, first)
            first += rng.randint(1, 20) * HOUR
        await vote(repo, history, rid, m1, VoteChoice.NO_CONFLICT, first)
        await vote(repo, history, rid, m2, VoteChoice.NO_CONFLICT, first + rng.randint(0, 50) * HOUR)
    elif path == "objection":
        await vote(repo, history, rid, m1, VoteChoice.CONFLICT, first)
        ruled = first + rng.randint(1, 60) * HOUR
        await vote(repo, history, rid, m2, VoteChoice.CONFLICT, ruled)
        answer = rng.choice(["amend", "amend", "revoke", "insist", "upheld", "none"])
        answered = ruled + rng.randint(2, 70) * HOUR
        secretary = history.secretaries[council]
        if answer == "amend":
            await decide_reconsideration(
                repo.reviews, rid, secretary, ReconsiderationDecision.AMEND, now=answered, rules=RULES,
                amendment=amendment(),
            )  # fmt: skip
            history.acted(answered)
            await review(repo, history, rng, rid, board, council, answered)
        elif answer in ("revoke", "insist", "upheld"):
            decision = (
                ReconsiderationDecision.REVOKE if answer == "revoke" else ReconsiderationDecision.INSIST
            )
            await decide_reconsideration(repo.reviews, rid, secretary, decision, now=answered, rules=RULES)
            history.acted(answered)
            if answer == "upheld":
                outcome_at = answered + 3 * DAY
                await record_outcome(
                    repo.reviews, rid, history.official, EscalationOutcome.UPHELD, "رأی مرجع", now=outcome_at
                )
                history.acted(outcome_at)
    elif path == "lapse":
        if rng.random() < 0.5:
            await vote(repo, history, rid, m3, VoteChoice.NO_CONFLICT, first)
        case = await repo.reviews.case(rid)
        assert case is not None and case.review_deadline is not None
        await apply_lapse(repo.reviews, rid, case.review_deadline + dt.timedelta(seconds=1), RULES)
        history.acted(case.review_deadline)
    elif rng.random() < 0.6:
        await vote(repo, history, rid, m3, VoteChoice.NO_CONFLICT, first)


async def make_history(repo: Repository, clock: MovableClock, sample_org: str) -> History:
    await load_text(repo.session, sample_org + QOM)
    history = await people(repo, clock)
    rng = random.Random(6)
    start = clock.now()
    councils = [(board, council) for board, names in BOARDS.items() for council in names]
    rids = []
    for n in range(RESOLUTIONS):
        board, council = councils[n % len(councils)] if n < len(councils) else rng.choice(councils)
        # Odd minutes, seconds and microseconds, so that medians of days keep their fractions.
        at = start + n * 19 * HOUR + rng.randint(0, 9) * ODD
        rid = await submit(repo, history, council, at, late=rng.random() < 0.25)
        rids.append((rid, board))
        try:
            await review(repo, history, rng, rid, board, council, at)
        except WindowClosed:
            pass  # an act planned past its window (a deadline shortened by a holiday): the history goes on
        if n == RESOLUTIONS // 2:
            # Bound half-way: owes votes only in cycles whose deadline is after this.
            clock.set(at)
            newcomer = await repo.upsert_person(999, "عضو تازه")
            await repo.grant_role(newcomer.id, Role.MEMBER, "B-SHR")
            history.members["B-SHR"].append(newcomer.id)
    # Imported data that the chat would refuse: a vote after its deadline, an answer after its deadline.
    cases = [case for rid, _ in rids if (case := await repo.reviews.case(rid)) is not None]
    open_case = next(case for case in cases if case.status == Status.UNDER_REVIEW)
    assert open_case.review_deadline is not None
    voters = {v.member_id for v in await repo.reviews.votes(open_case.resolution_id, open_case.cycle)}
    silent = [m for m in history.members[open_case.board_code] if m not in voters]
    repo.session.add(
        BoardVote(
            resolution_id=open_case.resolution_id,
            cycle=open_case.cycle,
            member_id=silent[0],
            choice=VoteChoice.NO_CONFLICT.value,
            cast_at=open_case.review_deadline + 5 * HOUR,
        )
    )
    # And one exactly at its deadline: on time.
    repo.session.add(
        BoardVote(
            resolution_id=open_case.resolution_id,
            cycle=open_case.cycle,
            member_id=silent[1],
            choice=VoteChoice.NO_CONFLICT.value,
            cast_at=open_case.review_deadline,
        )
    )
    history.deadline = open_case.review_deadline
    objected = next(case for case in cases if case.status == Status.OBJECTED)
    assert objected.reconsideration_deadline is not None
    late_answer = objected.reconsideration_deadline + 2 * DAY
    await repo.append_event(
        INSISTED_EVENT,
        history.secretaries[objected.council_code],
        {"cycle": objected.cycle, "decision": "insist", "status": Status.ESCALATED.value},
        objected.resolution_id,
        at=late_answer,
    )
    history.acted(late_answer)
    await repo.session.commit()
    return history


async def check(repo: Repository, scope: Scope, now: dt.datetime, **limits: object) -> Report:
    """The SQL report equals the reference's, its provinces are the reference's figures of their
    resolutions, and it names what it mentions; the reference's report is returned."""
    data = await Reference(repo.session).load(scope, **limits)  # type: ignore[arg-type]
    expected = build_report(data.resolutions, data.votes, now)
    result = await repo.reports.report(scope, now, **limits)  # type: ignore[arg-type]
    assert replace(result.report, provinces=()) == expected
    codes = sorted({PROVINCE_OF[row.county_code] for row in data.resolutions})
    assert [(unit.code, unit.figures) for unit in result.report.provinces] == [
        (code, figures([r for r in data.resolutions if PROVINCE_OF[r.county_code] == code], now))
        for code in codes
    ]
    assert result.names == {**data.names, **{code: PROVINCE_NAMES[code] for code in codes}}
    return expected


def covered(reports: Sequence[Report]) -> dict[str, bool]:
    """Which cases the reports' figures show (so that the comparison is not over a dull history)."""
    every = [report.overall for report in reports]
    members = [member for report in reports for member in report.members]
    return {
        "late submissions": any(f.submitted_late for f in every),
        "lapsed": any(f.lapsed for f in every),
        "objections": any(f.objected for f in every),
        "answers overdue": any(f.reconsiderations_overdue for f in every),
        "even count of rulings": any(f.ruled and f.ruled % 2 == 0 for f in every),
        "odd count of rulings": any(f.ruled % 2 == 1 for f in every),
        "votes on time": any(m.on_time for m in members),
        "votes late": any(m.late for m in members),
        "votes missed": any(m.missed for m in members),
        "votes not yet due": any(m.pending for m in members),
        "amended then ruled again": any(
            f.by_status[Status.UNDER_REVIEW] and f.by_status[Status.ENFORCEABLE] for f in every
        ),
        "every status after an objection": all(
            any(f.by_status[s] for f in every)
            for s in (Status.OBJECTED, Status.REVOKED, Status.ESCALATED, Status.UPHELD)
        ),
    }


async def test_the_sql_report_gives_the_reference_figures(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    history = await make_history(repo, clock, sample_org)
    first, last = history.submitted[0], history.submitted[-1]
    assert history.last_act is not None
    middle = first + (last - first) / 2
    shahrud = next(
        c.id for c in (await repo.reports.units(Scope(nation=True))).councils if c.code == "C-SHR-SHAHRUD"
    )
    reports = []
    assert history.deadline is not None
    for now in (middle + 3 * DAY, history.deadline, history.last_act + 40 * DAY):
        for scope, limits in [
            (Scope(nation=True), {}),
            (Scope(nation=True), {"start": first + 5 * HOUR, "end": middle}),
            (Scope(nation=True), {"start": middle}),
            (Scope(provinces=frozenset({"SMN"})), {}),
            (Scope(provinces=frozenset({"SMN"})), {"county_code": "SMN-SHR", "end": middle}),
            (Scope(nation=True), {"council_ids": [shahrud]}),
            (Scope(boards=frozenset({"B-QOM"})), {"start": first + 2 * DAY}),
            (Scope(counties=frozenset({"SMN-SHR"}), councils=frozenset({"C-QOM-KAHAK"})), {}),
        ]:
            reports.append(await check(repo, scope, now, **limits))
    assert reports[0].overall.total == RESOLUTIONS
    assert len({report.overall.total for report in reports}) > 4
    assert covered(reports) == dict.fromkeys(covered(reports), True)


async def test_nothing_to_report(repo: Repository, clock: MovableClock, sample_org: str) -> None:
    await make_history(repo, clock, sample_org)
    now = clock.now() + 400 * DAY
    for scope, limits in [
        (Scope(), {}),
        (Scope(nation=True), {"start": now}),
        (Scope(counties=frozenset({"SMN-DMG"})), {}),
        (Scope(counties=frozenset({"SMN-SHR"})), {"county_code": "SMN-SMN"}),
    ]:
        expected = await check(repo, scope, now, **limits)
        assert (expected.overall.total, expected.councils, expected.members) == (0, (), ())
