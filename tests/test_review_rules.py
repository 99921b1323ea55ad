"""The board's ruling: conflict grounds, the majority of seats, the window, lapses, and the audit chain."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from council.jalali import TEHRAN
from council.review import (
    GENESIS,
    ConflictGrounds,
    EscalationOutcome,
    GroundsKind,
    ObjectionLetter,
    ReconsiderationDecision,
    ReviewError,
    ReviewErrorCode,
    Ruling,
    Vote,
    VoteChoice,
    WindowClosed,
    can_act,
    check_reconsideration_allowed,
    check_vote_allowed,
    check_window,
    event_hash,
    lapse_action,
    lapse_due,
    make_vote,
    objection_letter,
    reconsideration_lapse_due,
    tally,
    validate_conflict_vote,
    verify_chain,
)
from council.status import Action, Status, next_status

E = ReviewErrorCode
NO = VoteChoice.NO_CONFLICT
YES = VoteChoice.CONFLICT
T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
# 1405/09/20 23:59:59 in Tehran.
DEADLINE = dt.datetime(2026, 12, 11, 23, 59, 59, tzinfo=TEHRAN)
ONE_SECOND = dt.timedelta(seconds=1)

MUNICIPALITIES = ConflictGrounds.conflicts_with_law("قانون شهرداری", "ماده ۵۵")
FINANCE = ConflictGrounds.conflicts_with_law("آیین‌نامه مالی شهرداری‌ها")
OUTSIDE = ConflictGrounds.outside_powers()
REASON_A = "وضع عوارض بر کالای وارداتی در صلاحیت شورا نیست."
REASON_B = "تعرفه بدون رعایت سقف مصوب وزارت کشور تعیین شده است."


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def vote(
    member: int, choice: VoteChoice, minute: int, grounds: ConflictGrounds | None = None, reason: str = ""
) -> Vote:
    if choice == YES:
        return make_vote(member, choice, at(minute), grounds or MUNICIPALITIES, reason or REASON_A)
    return make_vote(member, choice, at(minute))


# --- a conflict vote needs grounds and a reasoned text


@pytest.mark.parametrize(
    ("grounds", "reasoning", "code", "params"),
    [
        (None, REASON_A, E.GROUNDS_MISSING, {}),
        (ConflictGrounds(GroundsKind.LAW), REASON_A, E.LAW_MISSING, {}),
        (ConflictGrounds.conflicts_with_law("   ", "ماده ۵"), REASON_A, E.LAW_MISSING, {}),
        (MUNICIPALITIES, None, E.REASONING_TOO_SHORT, {"min": 20, "max": 10_000, "length": 0}),
        (MUNICIPALITIES, "خلاف قانون است", E.REASONING_TOO_SHORT, {"min": 20, "max": 10_000, "length": 14}),
        (OUTSIDE, "  " + "ا" * 19 + "  ", E.REASONING_TOO_SHORT, {"min": 20, "max": 10_000, "length": 19}),
        (OUTSIDE, "ا" * 10_001, E.REASONING_TOO_LONG, {"min": 20, "max": 10_000, "length": 10_001}),
    ],
)
def test_a_conflict_vote_without_grounds_or_reasoning_is_refused(
    grounds: ConflictGrounds | None, reasoning: str | None, code: ReviewErrorCode, params: dict[str, object]
) -> None:
    with pytest.raises(ReviewError) as info:
        validate_conflict_vote(grounds, reasoning)
    assert (info.value.code, dict(info.value.params)) == (code, params)


@pytest.mark.parametrize(
    ("grounds", "reasoning", "expected"),
    [
        (MUNICIPALITIES, REASON_A, (MUNICIPALITIES, REASON_A)),
        (
            ConflictGrounds.conflicts_with_law(" قانون  شهرداري ", " ماده ۵۵ "),
            "  " + REASON_A + "  ",
            (MUNICIPALITIES, REASON_A),
        ),
        (ConflictGrounds.conflicts_with_law("آیین‌نامه مالی شهرداری‌ها", "  "), REASON_B, (FINANCE, REASON_B)),
        (ConflictGrounds(GroundsKind.OUTSIDE_POWERS, "ignored", "x"), "ا" * 20, (OUTSIDE, "ا" * 20)),
    ],
)
def test_conflict_grounds_and_reasoning_are_normalised(
    grounds: ConflictGrounds, reasoning: str, expected: tuple[ConflictGrounds, str]
) -> None:
    assert validate_conflict_vote(grounds, reasoning) == expected


def test_a_no_conflict_vote_carries_no_grounds() -> None:
    assert make_vote(3, NO, T0, MUNICIPALITIES, "  موافق  ") == Vote(3, NO, None, "موافق", T0)
    assert make_vote(3, NO, T0) == Vote(3, NO, None, None, T0)


def test_a_vote_needs_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="naive"):
        make_vote(3, NO, dt.datetime(2026, 11, 27, 9, 0))


# --- the majority of seats


def ruling(choice: VoteChoice, votes: list[Vote]) -> Ruling:
    return Ruling(choice, tuple(votes), votes[-1].cast_at)


A1_NO, B2_NO, C3_NO = vote(1, NO, 1), vote(2, NO, 2), vote(3, NO, 3)
A1_YES, B2_YES, C3_YES = vote(1, YES, 1), vote(2, YES, 2, OUTSIDE, REASON_B), vote(3, YES, 3)


@pytest.mark.parametrize(
    ("name", "votes", "seats", "expected"),
    [
        ("no votes", [], 3, None),
        ("one vote of three seats", [A1_NO], 3, None),
        ("two agreeing of three", [A1_NO, B2_NO], 3, ruling(NO, [A1_NO, B2_NO])),
        ("one each", [A1_NO, B2_YES], 3, None),
        ("two conflict of three", [A1_YES, B2_NO, C3_YES], 3, ruling(YES, [A1_YES, C3_YES])),
        ("given out of order", [C3_YES, B2_NO, A1_YES], 3, ruling(YES, [A1_YES, C3_YES])),
        (
            "a changed vote counts, the latest",
            [A1_YES, B2_NO, vote(1, NO, 5)],
            3,
            ruling(NO, [B2_NO, vote(1, NO, 5)]),
        ),
        (
            "a changed vote no longer counts for the old choice",
            [A1_NO, vote(1, YES, 4), vote(2, NO, 6)],
            3,
            None,
        ),
        (
            "votes after the ruling change nothing",
            [A1_NO, B2_NO, vote(1, YES, 7), C3_YES],
            3,
            ruling(NO, [A1_NO, B2_NO]),
        ),
        ("two of five is not enough", [A1_YES, B2_YES, vote(4, NO, 4), vote(5, NO, 5)], 5, None),
        (
            "three of five",
            [A1_YES, B2_YES, vote(4, NO, 4), C3_YES],
            5,
            ruling(YES, [A1_YES, B2_YES, C3_YES]),
        ),
        ("two of four is not enough", [A1_NO, B2_NO], 4, None),
        ("one of one", [A1_NO], 1, ruling(NO, [A1_NO])),
    ],
)
def test_tally(name: str, votes: list[Vote], seats: int, expected: Ruling | None) -> None:
    assert tally(votes, seats) == expected


def test_tally_takes_the_latest_vote_per_member_as_a_mapping() -> None:
    assert tally({1: A1_YES, 3: C3_YES}, 3) == ruling(YES, [A1_YES, C3_YES])


def test_a_ruling_applies_its_action() -> None:
    assert ruling(NO, [A1_NO, B2_NO]).action is Action.RULE_NO_CONFLICT
    assert ruling(YES, [A1_YES, C3_YES]).action is Action.RULE_CONFLICT
    assert next_status(Status.UNDER_REVIEW, ruling(YES, [A1_YES, C3_YES]).action) is Status.OBJECTED


def test_more_voters_than_seats_is_a_bug() -> None:
    with pytest.raises(ValueError, match="5 members voted on a board of 4 seats"):
        tally([A1_NO, B2_YES, C3_NO, vote(4, YES, 4), vote(5, NO, 5)], 4)
    with pytest.raises(ValueError, match="at least one voting seat"):
        tally([], 0)


# --- the window


@pytest.mark.parametrize(
    ("now", "in_time"),
    [
        (DEADLINE - ONE_SECOND, True),
        (DEADLINE, True),
        (DEADLINE.astimezone(dt.UTC), True),
        (DEADLINE + ONE_SECOND, False),
        (DEADLINE + dt.timedelta(days=3), False),
    ],
)
def test_window(now: dt.datetime, in_time: bool) -> None:
    assert can_act(now, DEADLINE) is in_time
    if in_time:
        check_window(now, DEADLINE)
    else:
        with pytest.raises(WindowClosed) as info:
            check_window(now, DEADLINE)
        assert (info.value.code, dict(info.value.params)) == (E.WINDOW_CLOSED, {"deadline": DEADLINE})
        assert info.value.deadline == DEADLINE
        assert isinstance(info.value, ReviewError)


@pytest.mark.parametrize(
    ("check", "status", "now", "expected"),
    [
        (check_vote_allowed, Status.UNDER_REVIEW, DEADLINE, None),
        (
            check_vote_allowed,
            Status.UNDER_REVIEW,
            DEADLINE + ONE_SECOND,
            (E.WINDOW_CLOSED, {"deadline": DEADLINE}),
        ),
        (
            check_vote_allowed,
            Status.ENFORCEABLE_LAPSED,
            DEADLINE - ONE_SECOND,
            (E.WRONG_STATUS, {"status": Status.ENFORCEABLE_LAPSED}),
        ),
        (check_vote_allowed, Status.OBJECTED, DEADLINE, (E.WRONG_STATUS, {"status": Status.OBJECTED})),
        (check_reconsideration_allowed, Status.OBJECTED, DEADLINE, None),
        (
            check_reconsideration_allowed,
            Status.OBJECTED,
            DEADLINE + ONE_SECOND,
            (E.WINDOW_CLOSED, {"deadline": DEADLINE}),
        ),
        (
            check_reconsideration_allowed,
            Status.ESCALATED,
            DEADLINE,
            (E.WRONG_STATUS, {"status": Status.ESCALATED}),
        ),
    ],
)
def test_acts_are_refused_outside_their_status_or_window(
    check: Any, status: Status, now: dt.datetime, expected: tuple[ReviewErrorCode, dict[str, object]] | None
) -> None:
    if expected is None:
        check(status, now, DEADLINE)
        return
    with pytest.raises(ReviewError) as info:
        check(status, now, DEADLINE)
    assert (info.value.code, dict(info.value.params)) == expected


# --- lapses


@pytest.mark.parametrize(
    ("status", "now", "action"),
    [
        (Status.UNDER_REVIEW, DEADLINE, None),
        (Status.UNDER_REVIEW, DEADLINE + ONE_SECOND, Action.LAPSE),
        (Status.OBJECTED, DEADLINE, None),
        (Status.OBJECTED, DEADLINE + ONE_SECOND, Action.RECONSIDERATION_LAPSE),
        (Status.ENFORCEABLE, DEADLINE + ONE_SECOND, None),
        (Status.ESCALATED, DEADLINE + ONE_SECOND, None),
        (Status.ENFORCEABLE_LAPSED, DEADLINE + ONE_SECOND, None),
    ],
)
def test_lapses(status: Status, now: dt.datetime, action: Action | None) -> None:
    assert lapse_action(status, DEADLINE, now) is action
    assert lapse_due(status, DEADLINE, now) is (action is Action.LAPSE)
    assert reconsideration_lapse_due(status, DEADLINE, now) is (action is Action.RECONSIDERATION_LAPSE)
    if action is not None:
        assert next_status(status, action) in {Status.ENFORCEABLE_LAPSED, Status.ESCALATED}


# --- reconsideration and escalation


def test_decisions_map_to_actions() -> None:
    assert {d.value: d.action for d in ReconsiderationDecision} == {
        "amend": Action.AMEND,
        "revoke": Action.REVOKE,
        "insist": Action.INSIST,
    }
    assert {o.value: o.action for o in EscalationOutcome} == {
        "upheld": Action.UPHOLD,
        "annulled": Action.ANNUL,
    }
    assert next_status(Status.OBJECTED, ReconsiderationDecision.AMEND.action) is Status.UNDER_REVIEW
    assert next_status(Status.ESCALATED, EscalationOutcome.ANNULLED.action) is Status.ANNULLED


# --- the objection letter


def test_objection_letter_deduplicates_in_vote_order() -> None:
    votes = [
        vote(4, YES, 9, FINANCE, REASON_B),
        vote(2, NO, 1),
        vote(1, YES, 2, MUNICIPALITIES, REASON_A),
        # The same grounds and reasoning, spelled otherwise.
        vote(
            3,
            YES,
            5,
            ConflictGrounds.conflicts_with_law("قانون شهرداري", "ماده 55"),
            "وضع عوارض  بر کالای وارداتی در صلاحیت شورا نیست.",
        ),
        vote(5, YES, 7, OUTSIDE, REASON_A),
    ]
    assert objection_letter(votes) == ObjectionLetter(
        grounds=(MUNICIPALITIES, OUTSIDE, FINANCE),
        reasonings=(REASON_A, REASON_B),
        member_ids=(1, 3, 5, 4),
    )


def test_objection_letter_from_a_ruling() -> None:
    made = tally([A1_YES, B2_YES], 3)
    assert made is not None
    assert objection_letter(made.votes) == ObjectionLetter(
        (MUNICIPALITIES, OUTSIDE), (REASON_A, REASON_B), (1, 2)
    )


def test_an_objection_needs_a_conflict_vote() -> None:
    with pytest.raises(ValueError, match="at least one conflict vote"):
        objection_letter([A1_NO])


# --- the audit chain


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    actor_id: int | None
    at: dt.datetime
    resolution_id: int | None
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str


def chain(*events: tuple[str, int | None, int | None, dict[str, Any]]) -> list[Row]:
    rows: list[Row] = []
    prev = GENESIS
    for number, (kind, actor, resolution, payload) in enumerate(events, start=1):
        when = at(number)
        digest = event_hash(prev, kind, actor, when, resolution, payload)
        rows.append(Row(number, kind, actor, when, resolution, payload, prev, digest))
        prev = digest
    return rows


ROWS = chain(
    ("submitted", 7, 1, {"tracking_code": "2043-3211", "title": "تعرفه عوارض"}),
    ("vote", 11, 1, {"choice": "no_conflict"}),
    ("vote", 12, 1, {"choice": "no_conflict"}),
    ("ruled", None, 1, {"status": "enforceable"}),
)


def test_event_hash_is_sha256_of_prev_hash_and_canonical_json() -> None:
    # The same value storage.repository computes for this event (checked when this was written).
    payload = {"title": "مصوبه ۱۲", "n": [1, 2], "z": {"b": 1, "a": 2}}
    tehran_time = dt.datetime(2026, 11, 27, 10, 30, tzinfo=TEHRAN)
    expected = "9cbe889ed2b97109d5d05186b133251afffe82c2a09f6441709b302cbfe90f59"
    assert event_hash(GENESIS, "submitted", 7, tehran_time, 3, payload) == expected
    # The instant, not its zone, is hashed; key order does not matter.
    same = {"z": {"a": 2, "b": 1}, "n": [1, 2], "title": "مصوبه ۱۲"}
    assert event_hash(GENESIS, "submitted", 7, tehran_time.astimezone(dt.UTC), 3, same) == expected
    with pytest.raises(ValueError, match="naive"):
        event_hash(GENESIS, "submitted", 7, dt.datetime(2026, 11, 27), 3, payload)


def test_genesis() -> None:
    assert GENESIS == "0" * 64


@pytest.mark.parametrize(
    ("name", "rows", "broken"),
    [
        ("intact", ROWS, None),
        ("empty", [], None),
        (
            "a modified payload",
            [ROWS[0], dataclasses.replace(ROWS[1], payload={"choice": "conflict"}), *ROWS[2:]],
            2,
        ),
        ("a modified actor", [*ROWS[:2], dataclasses.replace(ROWS[2], actor_id=13), ROWS[3]], 3),
        ("a deleted row", [ROWS[0], *ROWS[2:]], 3),
        ("the first row deleted", ROWS[1:], 2),
        ("two rows swapped", [ROWS[0], ROWS[2], ROWS[1], ROWS[3]], 3),
        ("the newest row deleted: needs the head", ROWS[:3], None),
        (
            "a row rewritten with a fresh hash",
            [
                ROWS[0],
                dataclasses.replace(
                    ROWS[1],
                    payload={"choice": "conflict"},
                    hash=event_hash(ROWS[1].prev_hash, "vote", 11, ROWS[1].at, 1, {"choice": "conflict"}),
                ),
                *ROWS[2:],
            ],
            3,
        ),
    ],
)
def test_verify_chain(name: str, rows: list[Row], broken: int | None) -> None:
    assert verify_chain(rows) == broken


def test_verify_a_segment_from_a_known_hash() -> None:
    assert verify_chain(ROWS[2:], start=ROWS[1].hash) is None
    assert verify_chain(ROWS[2:]) == 3
