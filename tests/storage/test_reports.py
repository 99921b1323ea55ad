"""The performance report from the database (SQLite and PostgreSQL): rulings, objections and answers from the
event log, per-cycle review deadlines, the votes each board member owed, scope and period filters — as rows
(the reference computation, ``report_reference``) and as the aggregate statement ``/report`` runs, which must
give the same figures."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from council.clock import MovableClock
from council.performance import ResolutionRow, VoteRow, build_report
from council.review import ReconsiderationDecision, VoteChoice
from council.reviewing import apply_lapse, cast_vote, decide_reconsideration
from council.roles import Role
from council.scope import Scope
from council.status import Status
from council.submission import Category, Votes
from council.submitting import Draft, submit_resolution
from storage.repository import Repository

from .report_reference import Reference
from .review_helpers import LAW, REASONING, RULES, People, amendment, seed

UTC = dt.UTC
DAY = dt.timedelta(days=1)
# Submitted on Friday 1405/09/06 11:30 Tehran: the review window ends on Saturday 1405/09/21 23:59.
REVIEW_DEADLINE = dt.datetime(2026, 12, 12, 20, 29, 59, tzinfo=UTC)
# An objection on 1405/09/06: the council answers by 1405/09/16 23:59.
RECONSIDERATION_DEADLINE = dt.datetime(2026, 12, 7, 20, 29, 59, tzinfo=UTC)
PROVINCE = Scope(provinces=frozenset({"SMN"}))


async def submit(
    repo: Repository, secretary: int, council_code: str, number: str, now: dt.datetime, late: bool = False
) -> int:
    council = await repo.resolutions.council(council_code)
    assert council is not None
    draft = Draft(
        submission_key=uuid.uuid4().hex,
        council_number=number,
        session_number=45,
        approval_date=dt.date(2026, 11, 10) if late else dt.date(2026, 11, 22),
        title="تعیین نرخ عوارض پسماند",
        text="ماده ۱ — نرخ عوارض پسماند واحدهای مسکونی مطابق جدول پیوست تعیین می‌شود.",
        category=Category.URBAN_SERVICES,
        votes=Votes(7, 1, 1),
    )
    submitted = await submit_resolution(
        repo.resolutions, draft, council, actor_id=secretary, now=now, rules=RULES
    )
    return submitted.resolution_id


async def vote(repo: Repository, rid: int, member: int, choice: VoteChoice, now: dt.datetime) -> None:
    extra = {"grounds": LAW, "reasoning": REASONING} if choice is VoteChoice.CONFLICT else {}
    await cast_vote(repo.reviews, rid, member, choice, now=now, rules=RULES, **extra)  # type: ignore[arg-type]


async def scenario(
    repo: Repository, clock: MovableClock, sample_org: str
) -> tuple[People, int, dict[str, int]]:
    """Semnan: one enforceable, one objected then amended (under review again, one vote of cycle 2), one
    lapsed with one vote, one submitted late and still under review; Shahrud: one revoked in time."""
    people = await seed(repo, sample_org)
    hasan = await repo.upsert_person(40, "حسن")
    await repo.grant_role(hasan.id, Role.SECRETARY, "C-SHR-SHAHRUD")
    shahrud_members = []
    for n in range(3):
        member = await repo.upsert_person(50 + n, f"عضو {n}")
        await repo.grant_role(member.id, Role.MEMBER, "B-SHR")
        shahrud_members.append(member.id)
    now = clock.now()
    m1, m2, m3 = people.members
    ids: dict[str, int] = {}

    ids["enforceable"] = await submit(repo, people.secretary, "C-SMN-SEMNAN", "1", now)
    await vote(repo, ids["enforceable"], m1, VoteChoice.NO_CONFLICT, now + dt.timedelta(hours=1))
    await vote(repo, ids["enforceable"], m2, VoteChoice.NO_CONFLICT, now + 2 * DAY)

    ids["amended"] = await submit(repo, people.secretary, "C-SMN-SEMNAN", "2", now)
    await vote(repo, ids["amended"], m1, VoteChoice.CONFLICT, now)
    await vote(repo, ids["amended"], m2, VoteChoice.CONFLICT, now)
    await decide_reconsideration(
        repo.reviews,
        ids["amended"],
        people.secretary,
        ReconsiderationDecision.AMEND,
        now=now + DAY,
        rules=RULES,
        amendment=amendment(),
    )
    await vote(repo, ids["amended"], m3, VoteChoice.NO_CONFLICT, now + 3 * DAY)

    ids["lapsed"] = await submit(repo, people.secretary, "C-SMN-SEMNAN", "3", now)
    await vote(repo, ids["lapsed"], m3, VoteChoice.NO_CONFLICT, now + DAY)
    await apply_lapse(repo.reviews, ids["lapsed"], REVIEW_DEADLINE + dt.timedelta(seconds=1), RULES)

    ids["revoked"] = await submit(repo, hasan.id, "C-SHR-SHAHRUD", "1", now)
    s1, s2, _ = shahrud_members
    await vote(repo, ids["revoked"], s1, VoteChoice.CONFLICT, now + DAY)
    await vote(repo, ids["revoked"], s2, VoteChoice.CONFLICT, now + DAY)
    await decide_reconsideration(
        repo.reviews, ids["revoked"], hasan.id, ReconsiderationDecision.REVOKE, now=now + 4 * DAY, rules=RULES
    )

    # Ten days later (Monday 1405/09/16), and late: the window ends on Monday 1405/09/30 23:59.
    ids["late"] = await submit(repo, people.secretary, "C-SMN-SEMNAN", "4", now + 10 * DAY, late=True)
    await repo.session.commit()
    return people, hasan.id, ids


async def test_rows_come_from_the_table_and_the_event_log(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    people, _, ids = await scenario(repo, clock, sample_org)
    start = clock.now()
    m1, m2, m3 = (str(m) for m in people.members)
    amended_deadline = (await repo.reviews.case(ids["amended"])).review_deadline  # type: ignore[union-attr]
    late_deadline = dt.datetime(2026, 12, 21, 20, 29, 59, tzinfo=UTC)
    # Amended on Saturday 1405/09/07: the new window's 14th day, 09/21, is a Saturday.
    assert amended_deadline == REVIEW_DEADLINE

    data = await Reference(repo.session).load(PROVINCE)
    assert data.resolutions == [
        ResolutionRow(
            "C-SMN-SEMNAN", "SMN-SMN", start, False, Status.ENFORCEABLE, start + 2 * DAY, REVIEW_DEADLINE
        ),
        ResolutionRow(
            "C-SMN-SEMNAN",
            "SMN-SMN",
            start,
            False,
            Status.UNDER_REVIEW,
            None,
            REVIEW_DEADLINE,
            RECONSIDERATION_DEADLINE,
            start + DAY,
        ),
        ResolutionRow(
            "C-SMN-SEMNAN", "SMN-SMN", start, False, Status.ENFORCEABLE_LAPSED, None, REVIEW_DEADLINE
        ),
        ResolutionRow(
            "C-SHR-SHAHRUD",
            "SMN-SHR",
            start,
            False,
            Status.REVOKED,
            start + DAY,
            REVIEW_DEADLINE,
            RECONSIDERATION_DEADLINE + DAY,
            start + 4 * DAY,
        ),
        ResolutionRow(
            "C-SMN-SEMNAN", "SMN-SMN", start + 10 * DAY, True, Status.UNDER_REVIEW, None, late_deadline
        ),
    ]
    shahrud = [str(pid) for pid in sorted({v.member_id for v in data.votes} - {m1, m2, m3}, key=int)]
    s1, s2 = shahrud
    assert data.votes == [
        # Enforceable: ruled by m1 and m2 before m3 voted, so m3 owed nothing.
        VoteRow(m1, start + dt.timedelta(hours=1), REVIEW_DEADLINE),
        VoteRow(m2, start + 2 * DAY, REVIEW_DEADLINE),
        # Amended: cycle 1 ruled by m1 and m2; in cycle 2 m3 voted and the others still owe theirs.
        VoteRow(m1, start, REVIEW_DEADLINE),
        VoteRow(m2, start, REVIEW_DEADLINE),
        VoteRow(m1, None, REVIEW_DEADLINE),
        VoteRow(m2, None, REVIEW_DEADLINE),
        VoteRow(m3, start + 3 * DAY, REVIEW_DEADLINE),
        # Lapsed: m3 voted, m1 and m2 missed the window.
        VoteRow(m1, None, REVIEW_DEADLINE),
        VoteRow(m2, None, REVIEW_DEADLINE),
        VoteRow(m3, start + DAY, REVIEW_DEADLINE),
        # Revoked in Shahrud: its board's two members ruled on the first day.
        VoteRow(s1, start + DAY, REVIEW_DEADLINE),
        VoteRow(s2, start + DAY, REVIEW_DEADLINE),
        # Late, under review: everybody still owes a vote.
        VoteRow(m1, None, late_deadline),
        VoteRow(m2, None, late_deadline),
        VoteRow(m3, None, late_deadline),
    ]
    assert data.names == {
        "C-SMN-SEMNAN": "شورای اسلامی شهر سمنان",
        "SMN-SMN": "شهرستان سمنان",
        "C-SHR-SHAHRUD": "شورای اسلامی شهر شاهرود",
        "SMN-SHR": "شهرستان شاهرود",
        m1: "person 10",
        m2: "person 11",
        m3: "person 12",
        s1: "عضو 0",
        s2: "عضو 1",
    }

    # On 1405/09/26 (past the first window, inside the late one's): the figures, exactly.
    report = build_report(data.resolutions, data.votes, start + 20 * DAY)
    overall = report.overall
    assert (overall.total, overall.objected, overall.reviews_closed, overall.lapsed) == (5, 2, 4, 1)
    assert (overall.submitted_on_time, overall.submitted_late, overall.ruled) == (4, 1, 2)
    assert overall.median_days_to_ruling == 1.5
    assert overall.reconsiderations_overdue == 0
    assert {m.member_id: (m.due, m.on_time, m.missed, m.pending) for m in report.members} == {
        m1: (4, 2, 2, 1),
        m2: (4, 2, 2, 1),
        m3: (2, 2, 0, 1),
        s1: (1, 1, 0, 0),
        s2: (1, 1, 0, 0),
    }
    # The aggregate statement /report runs gives the same figures, and the names of what it mentions.
    result = await repo.reports.report(PROVINCE, start + 20 * DAY)
    assert replace(result.report, provinces=()) == report
    assert [(p.code, p.figures) for p in result.report.provinces] == [("SMN", overall)]
    assert result.names == {**data.names, "SMN": "استان سمنان"}


async def test_scope_county_council_and_period_limit_the_rows(
    repo: Repository, clock: MovableClock, sample_org: str
) -> None:
    _, _, ids = await scenario(repo, clock, sample_org)
    start = clock.now()

    async def councils(**limits: object) -> list[tuple[str, Status]]:
        data = await Reference(repo.session).load(limits.pop("scope", PROVINCE), **limits)  # type: ignore[arg-type]
        return [(row.council_code, row.status) for row in data.resolutions]

    assert await councils(county_code="SMN-SHR") == [("C-SHR-SHAHRUD", Status.REVOKED)]
    shahrud = next(c for c in (await repo.reports.units(PROVINCE)).councils if c.code == "C-SHR-SHAHRUD")
    assert await councils(council_ids=[shahrud.id]) == [("C-SHR-SHAHRUD", Status.REVOKED)]
    # The county official of Shahrud does not see Semnan: asking for it gives nothing.
    shahrud_only = Scope(counties=frozenset({"SMN-SHR"}))
    assert await councils(scope=shahrud_only, county_code="SMN-SMN") == []
    # The board secretary of B-SMN sees Semnan's four.
    assert len(await councils(scope=Scope(boards=frozenset({"B-SMN"})))) == 4
    # Submitted in [start + 1 day, …): only the late one; [start, start + 1 day): the first four.
    assert await councils(start=start + DAY) == [("C-SMN-SEMNAN", Status.UNDER_REVIEW)]
    assert len(await councils(start=start, end=start + DAY)) == 4
    empty = await Reference(repo.session).load(PROVINCE, start=start + 30 * DAY)
    assert (empty.resolutions, empty.votes) == ([], [])
    assert await Reference(repo.session).load(Scope()) == type(empty)([], [])
    assert ids["late"] > ids["revoked"]


async def test_units_within_a_scope(repo: Repository, sample_org: str) -> None:
    await seed(repo, sample_org)
    units = await repo.reports.units(
        Scope(counties=frozenset({"SMN-SHR"}), councils=frozenset({"C-SMN-SEMNAN"}))
    )
    assert [(c.code, c.name) for c in units.counties] == [
        ("SMN-SMN", "شهرستان سمنان"),
        ("SMN-SHR", "شهرستان شاهرود"),
    ]
    assert [c.name for c in units.councils] == [
        "شورای اسلامی روستای ابر",
        "شورای اسلامی روستای ابرسج",
        "شورای اسلامی شهر بسطام",
        "شورای اسلامی شهر سمنان",
        "شورای اسلامی شهر شاهرود",
        "شورای اسلامی شهر مجن",
    ]
    assert {c.code: c.county_code for c in units.councils}["C-SMN-SEMNAN"] == "SMN-SMN"
