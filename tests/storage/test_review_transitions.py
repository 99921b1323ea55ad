"""Every allowed and every refused transition of DESIGN §2, driven through the review use cases on the
database (SQLite, and PostgreSQL with TEST_POSTGRES_URL).

For each status a resolution is brought there through the use cases, then each of the nine actions is tried
on its own copy: the allowed ones reach exactly the status of the statute, the refused ones change nothing
(a refused act raises :class:`ReviewError`, or a sweep finds no such lapse due).
"""

from __future__ import annotations

import datetime as dt

import pytest

from council.clock import MovableClock
from council.review import EscalationOutcome, ReconsiderationDecision, ReviewError, VoteChoice
from council.reviewing import apply_lapse, cast_vote, decide_reconsideration, record_outcome
from council.status import Action, Status
from storage.repository import Repository

from .review_helpers import LAW, REASONING, RULES, amendment, bring_to, seed

ALLOWED = {
    (Status.UNDER_REVIEW, Action.RULE_NO_CONFLICT): Status.ENFORCEABLE,
    (Status.UNDER_REVIEW, Action.RULE_CONFLICT): Status.OBJECTED,
    (Status.UNDER_REVIEW, Action.LAPSE): Status.ENFORCEABLE_LAPSED,
    (Status.OBJECTED, Action.AMEND): Status.UNDER_REVIEW,
    (Status.OBJECTED, Action.REVOKE): Status.REVOKED,
    (Status.OBJECTED, Action.INSIST): Status.ESCALATED,
    (Status.OBJECTED, Action.RECONSIDERATION_LAPSE): Status.ESCALATED,
    (Status.ESCALATED, Action.UPHOLD): Status.UPHELD,
    (Status.ESCALATED, Action.ANNUL): Status.ANNULLED,
}
ONE_SECOND = dt.timedelta(seconds=1)


async def attempt(
    repo: Repository, people: object, rid: int, action: Action, now: dt.datetime
) -> Status | None:
    """Try ``action`` on the resolution through its use case; the status it reached, or None if refused."""
    store = repo.reviews
    case = await store.case(rid)
    assert case is not None
    p = people
    try:
        if action in (Action.RULE_NO_CONFLICT, Action.RULE_CONFLICT):
            choice = VoteChoice.NO_CONFLICT if action == Action.RULE_NO_CONFLICT else VoteChoice.CONFLICT
            result = None
            for member in p.members[:2]:  # type: ignore[attr-defined]
                result = await cast_vote(
                    store, rid, member, choice, now=now, rules=RULES, grounds=LAW, reasoning=REASONING
                )
            assert result is not None and result.moved is not None and result.moved.action == action
            return result.moved.status
        if action in (Action.LAPSE, Action.RECONSIDERATION_LAPSE):
            deadline = case.review_deadline if action == Action.LAPSE else case.reconsideration_deadline
            # A status without this window: look at a moment when every window has long passed.
            moment = deadline + ONE_SECOND if deadline else now + dt.timedelta(days=400)
            moved = await apply_lapse(store, rid, moment, RULES)
            # Another lapse may be due then (an objected case's reconsideration window ends before its
            # old review deadline): that is not this action, and the caller rolls it back.
            return moved.status if moved is not None and moved.action == action else None
        if action in (Action.AMEND, Action.REVOKE, Action.INSIST):
            decision = {
                Action.AMEND: ReconsiderationDecision.AMEND,
                Action.REVOKE: ReconsiderationDecision.REVOKE,
                Action.INSIST: ReconsiderationDecision.INSIST,
            }[action]
            moved = await decide_reconsideration(
                store,
                rid,
                p.secretary,
                decision,
                now=now,
                rules=RULES,
                amendment=amendment(),  # type: ignore[attr-defined]
            )
            return moved.status
        outcome = EscalationOutcome.UPHELD if action == Action.UPHOLD else EscalationOutcome.ANNULLED
        moved = await record_outcome(store, rid, p.official, outcome, "رأی مرجع", now=now)  # type: ignore[attr-defined]
        return moved.status
    except ReviewError:
        return None


@pytest.mark.parametrize("status", list(Status))
async def test_from_each_status_exactly_the_statutory_actions_are_possible(
    repo: Repository, clock: MovableClock, sample_org: str, status: Status
) -> None:
    people = await seed(repo, sample_org)
    outcomes: dict[Action, Status | None] = {}
    for number, action in enumerate(Action, 1):
        rid = await bring_to(repo, people, clock, status, number=str(number))
        reached = await attempt(repo, people, rid, action, clock.now() + dt.timedelta(hours=1))
        if reached is None and action in (Action.LAPSE, Action.RECONSIDERATION_LAPSE):
            await repo.session.rollback()  # whatever other lapse was due then is not under test
        else:
            await repo.session.commit()  # a refused act is committed too: it must have written nothing
        outcomes[action] = reached
        if reached is None:
            case = await repo.reviews.case(rid)
            assert case is not None and case.status == status, f"refused {action} changed {status}"
    assert outcomes == {action: ALLOWED.get((status, action)) for action in Action}
