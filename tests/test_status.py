"""The life cycle of a resolution: every (status, action) pair is either one allowed move or refused."""

from __future__ import annotations

import itertools

import pytest

from council.status import (
    TERMINAL,
    TRANSITIONS,
    Action,
    Status,
    TransitionRefused,
    allowed_actions,
    is_terminal,
    next_status,
)

# DESIGN §2, written out independently of council.status.
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
ALL_PAIRS = list(itertools.product(Status, Action))
REFUSED = [pair for pair in ALL_PAIRS if pair not in ALLOWED]


def test_codes() -> None:
    assert [s.value for s in Status] == [
        "under_review",
        "enforceable",
        "enforceable_lapsed",
        "objected",
        "revoked",
        "escalated",
        "upheld",
        "annulled",
    ]
    assert [a.value for a in Action] == [
        "rule_no_conflict",
        "rule_conflict",
        "lapse",
        "amend",
        "revoke",
        "insist",
        "reconsideration_lapse",
        "uphold",
        "annul",
    ]


@pytest.mark.parametrize(("pair", "target"), list(ALLOWED.items()), ids=lambda v: str(v))
def test_allowed_transition(pair: tuple[Status, Action], target: Status) -> None:
    current, action = pair
    assert next_status(current, action) is target


@pytest.mark.parametrize("pair", REFUSED, ids=lambda p: f"{p[0]}-{p[1]}")
def test_refused_transition(pair: tuple[Status, Action]) -> None:
    current, action = pair
    with pytest.raises(TransitionRefused) as caught:
        next_status(current, action)
    assert caught.value.current is current
    assert caught.value.action is action


def test_every_pair_is_covered() -> None:
    assert len(ALL_PAIRS) == 72
    assert len(REFUSED) == 63
    assert dict(TRANSITIONS) == ALLOWED


def test_terminal_statuses() -> None:
    final = {Status.ENFORCEABLE, Status.ENFORCEABLE_LAPSED, Status.REVOKED, Status.UPHELD, Status.ANNULLED}
    assert final == TERMINAL
    assert {s for s in Status if not is_terminal(s)} == {
        Status.UNDER_REVIEW,
        Status.OBJECTED,
        Status.ESCALATED,
    }


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (Status.UNDER_REVIEW, {Action.RULE_NO_CONFLICT, Action.RULE_CONFLICT, Action.LAPSE}),
        (Status.OBJECTED, {Action.AMEND, Action.REVOKE, Action.INSIST, Action.RECONSIDERATION_LAPSE}),
        (Status.ESCALATED, {Action.UPHOLD, Action.ANNUL}),
        (Status.ENFORCEABLE, set()),
        (Status.ANNULLED, set()),
    ],
)
def test_allowed_actions(status: Status, actions: set[Action]) -> None:
    assert allowed_actions(status) == actions


def test_codes_read_from_storage_work_as_well() -> None:
    assert next_status(Status("objected"), Action("amend")) is Status.UNDER_REVIEW
    assert allowed_actions(Status("escalated")) == {Action.UPHOLD, Action.ANNUL}
