"""The review use cases (DESIGN §2 rules 3–6): votes, expert opinions, lapses, reconsideration, escalation.

Written against :class:`ReviewStore`, a small storage interface that ``storage`` implements; nothing here
knows the database or the chat. Every use case starts by locking the resolution
(:meth:`ReviewStore.lock_case`) so that acts on one resolution happen one after the other — two members
voting at the same moment are both counted and the ruling is made once — and moves its status with a
conditional update (:meth:`ReviewStore.move`) as a second guard.
Every act appends an event to the audit chain.

Time comes from the caller (``now``); a lapse is stamped with the deadline instant, not with the moment a
sweep got round to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from council.calendar import WorkingCalendar
from council.deadlines import escalation_deadline, reconsideration_deadline, review_deadline
from council.review import (
    REASONING_MAX,
    REASONING_MIN,
    ConflictGrounds,
    EscalationOutcome,
    ObjectionLetter,
    ReconsiderationDecision,
    RecordKeeping,
    ReviewError,
    ReviewErrorCode,
    Ruling,
    Vote,
    VoteChoice,
    WindowClosed,
    check_reconsideration_allowed,
    check_vote_allowed,
    lapse_action,
    make_vote,
    objection_letter,
    tally,
)
from council.roles import NATION_CODE, Role
from council.rules import StatutoryRules
from council.status import Action, Status, next_status
from council.submission import validate_text
from council.submitting import AttachmentFile
from council.text import normalize_persian

#: Event kinds of the review.
VOTE_CAST_EVENT = "vote_cast"
OPINION_EVENT = "opinion_recorded"
RULED_EVENT = "ruled"
LAPSED_EVENT = "lapsed"
RECONSIDERATION_LAPSED_EVENT = "reconsideration_lapsed"
AMENDED_EVENT = "amended"
REVOKED_EVENT = "revoked"
INSISTED_EVENT = "insisted"
OUTCOME_EVENT = "outcome_recorded"

#: An official's note on the final outcome: long enough to say something, short enough for a message.
NOTE_MIN, NOTE_MAX = 5, 4_000


@dataclass(frozen=True, slots=True)
class ReviewCase:
    """A resolution as the review use cases see it: where it stands, its board and the deadlines of its
    current cycle (``None`` where a window has not opened)."""

    resolution_id: int
    tracking_code: str
    status: Status
    cycle: int
    voting_seats: int
    council_code: str
    board_code: str
    county_code: str
    province_code: str
    review_deadline: dt.datetime | None
    reconsideration_deadline: dt.datetime | None = None
    escalation_deadline: dt.datetime | None = None

    def official_scopes(self) -> tuple[str, ...]:
        """The scopes whose officials the dispute authority covers this council: its county, its
        province and the nation."""
        return (self.county_code, self.province_code, NATION_CODE)


@dataclass(frozen=True, slots=True)
class Opinion:
    """An expert's non-binding opinion (نظر کارشناسی) on one review cycle."""

    expert_id: int
    finding: VoteChoice
    text: str
    given_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Amendment:
    """The council's amended text and, optionally, new attachments (the title and category stay)."""

    text: str
    attachments: Sequence[AttachmentFile] = ()


@dataclass(frozen=True, slots=True)
class Transition:
    """A status change as the store writes it: only when the resolution is still ``before`` in ``cycle``.

    Deadlines that are ``None`` are left as they are; a ``new_cycle`` (an amendment) clears the
    reconsideration and escalation deadlines of the cycle that ends.
    """

    resolution_id: int
    before: Status
    cycle: int
    after: Status
    at: dt.datetime
    new_cycle: int | None = None
    review_deadline: dt.datetime | None = None
    reconsideration_deadline: dt.datetime | None = None
    escalation_deadline: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Moved:
    """What a use case did to a resolution's status.

    ``deadline`` is the deadline of the window the new status opens: the reconsideration deadline after
    an objection, the new review deadline after an amendment, the escalation deadline after an escalation.
    """

    case: ReviewCase
    action: Action
    status: Status
    at: dt.datetime
    cycle: int
    deadline: dt.datetime | None = None
    letter: ObjectionLetter | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class VoteResult:
    """A vote counted; ``replaced`` when it changed the member's earlier vote of the cycle, ``ruling`` when
    it made the board's ruling (then ``moved`` says where the resolution went)."""

    case: ReviewCase
    vote: Vote
    replaced: bool
    ruling: Ruling | None = None
    moved: Moved | None = None


class ReviewStore(RecordKeeping, Protocol):
    """The storage the review use cases need."""

    async def lock_case(self, resolution_id: int) -> ReviewCase | None:
        """Lock the resolution until the unit of work ends and return its current state (``None`` if
        there is no such resolution). Concurrent callers on the same resolution wait here."""
        ...

    async def holds_role(self, person_id: int, role: Role, scope_codes: Sequence[str]) -> bool:
        """Whether the person holds ``role`` over one of ``scope_codes``."""
        ...

    async def votes(self, resolution_id: int, cycle: int) -> list[Vote]:
        """Every vote cast in the cycle, in the order cast (a member's later vote replaces the earlier)."""
        ...

    async def add_vote(self, resolution_id: int, cycle: int, vote: Vote) -> None:
        """Record a vote of the cycle (earlier ones stay, as history)."""
        ...

    async def add_opinion(self, resolution_id: int, cycle: int, opinion: Opinion) -> None:
        """Record an expert opinion of the cycle (an expert's later opinion replaces the earlier one)."""
        ...

    async def move(self, change: Transition) -> bool:
        """Apply ``change`` if the resolution is still ``change.before`` in ``change.cycle``; whether so."""
        ...

    async def add_version(self, resolution_id: int, amendment: Amendment, at: dt.datetime) -> int:
        """Add the amended text as the resolution's next version (earlier ones kept); its number."""
        ...

    async def due_lapses(self, now: dt.datetime, limit: int) -> list[int]:
        """Resolutions under review past their review deadline, or objected past their reconsideration
        deadline, at ``now``: at most ``limit``, the earliest deadline first."""
        ...




# --- helpers


async def _case(store: ReviewStore, resolution_id: int) -> ReviewCase:
    case = await store.lock_case(resolution_id)
    if case is None:
        raise ReviewError(ReviewErrorCode.NOT_FOUND)
    return case


async def _require_role(store: ReviewStore, person_id: int, role: Role, scopes: Sequence[str]) -> None:
    if not await store.holds_role(person_id, role, scopes):
        raise ReviewError(ReviewErrorCode.NOT_ALLOWED)


async def _calendar(store: ReviewStore, case: ReviewCase, rules: StatutoryRules) -> WorkingCalendar:
    return WorkingCalendar.from_rules(rules, await store.closures(case.province_code))


def check_review_open(case: ReviewCase, now: dt.datetime) -> None:
    """Refuse a vote or an opinion on ``case`` at ``now`` unless its review window is open (rules 3–4).

    Past the deadline the refusal is :class:`WindowClosed` with the deadline — whether or not a sweep has
    lapsed the resolution yet; a resolution already ruled on gives ``wrong_status``.
    """
    deadline = case.review_deadline
    if deadline is None:
        raise ReviewError(ReviewErrorCode.WRONG_STATUS, status=case.status)
    if case.status == Status.ENFORCEABLE_LAPSED:
        raise WindowClosed(deadline)
    check_vote_allowed(case.status, now, deadline)


def validate_statement(text: str | None, minimum: int = REASONING_MIN, maximum: int = REASONING_MAX) -> str:
    """A free text (an opinion, a note) normalised, of ``minimum``–``maximum`` characters."""
    clean = normalize_persian(text or "")
    if len(clean) < minimum:
        raise ReviewError(ReviewErrorCode.REASONING_TOO_SHORT, min=minimum, max=maximum, length=len(clean))
    if len(clean) > maximum:
        raise ReviewError(ReviewErrorCode.REASONING_TOO_LONG, min=minimum, max=maximum, length=len(clean))
    return clean


def _iso(instant: dt.datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def _grounds_json(grounds: ConflictGrounds | None) -> dict[str, Any] | None:
    if grounds is None:
        return None
    return {"kind": grounds.kind.value, "law": grounds.law, "article": grounds.article}


# --- votes and opinions


async def cast_vote(
    store: ReviewStore,
    resolution_id: int,
    member_id: int,
    choice: VoteChoice,
    *,
    now: dt.datetime,
    rules: StatutoryRules,
    grounds: ConflictGrounds | None = None,
    reasoning: str | None = None,
) -> VoteResult:
    """A board member's vote at ``now`` (rule 3); the ruling when it makes a majority of the voting seats.

    Refused (:class:`~council.review.ReviewError`) unless the person is a member of the resolution's board,
    the resolution is under review and its window is open (:func:`check_review_open`), and a conflict vote
    carries grounds and a reasoned text. A member may vote again until the ruling: the latest vote counts.
    A conflict ruling opens the council's reconsideration window from ``now`` (the objection is sent at
    once) and carries the objection letter.
    """
    case = await _case(store, resolution_id)
    await _require_role(store, member_id, Role.MEMBER, (case.board_code,))
    check_review_open(case, now)
    vote = make_vote(member_id, choice, now, grounds, reasoning)
    earlier = await store.votes(resolution_id, case.cycle)
    await store.add_vote(resolution_id, case.cycle, vote)
    await store.append_event(
        VOTE_CAST_EVENT,
        member_id,
        {
            "cycle": case.cycle,
            "choice": choice.value,
            "grounds": _grounds_json(vote.grounds),
            "reasoning": vote.reasoning,
        },
        resolution_id,
        at=now,
    )
    replaced = any(v.member_id == member_id for v in earlier)
    ruling = tally([*earlier, vote], case.voting_seats)
    if ruling is None:
        return VoteResult(case, vote, replaced)
    moved = await _rule(store, case, ruling, now, rules)
    return VoteResult(case, vote, replaced, ruling, moved)


async def _rule(
    store: ReviewStore, case: ReviewCase, ruling: Ruling, now: dt.datetime, rules: StatutoryRules
) -> Moved | None:
    after = next_status(case.status, ruling.action)
    letter = objection_letter(ruling.votes) if ruling.choice == VoteChoice.CONFLICT else None
    deadline = reconsideration_deadline(now, rules, await _calendar(store, case, rules)) if letter else None
    change = Transition(
        case.resolution_id, case.status, case.cycle, after, now, reconsideration_deadline=deadline
    )
    if not await store.move(change):
        return None
    await store.append_event(
        RULED_EVENT,
        None,
        {
            "cycle": case.cycle,
            "choice": ruling.choice.value,
            "status": after.value,
            "members": [v.member_id for v in ruling.votes],
            "grounds": [_grounds_json(g) for g in letter.grounds] if letter else [],
            "reconsideration_deadline": _iso(deadline),
        },
        case.resolution_id,
        at=now,
    )
    return Moved(case, ruling.action, after, now, case.cycle, deadline, letter)


async def record_opinion(
    store: ReviewStore,
    resolution_id: int,
    expert_id: int,
    finding: VoteChoice,
    text: str,
    *,
    now: dt.datetime,
) -> Opinion:
    """An expert's non-binding opinion on the current cycle, at ``now``.

    Refused unless the person is an expert of the resolution's board and the review window is open (the
    same window as the votes: :func:`check_review_open`); the text has 20–10,000 characters.
    """
    case = await _case(store, resolution_id)
    await _require_role(store, expert_id, Role.EXPERT, (case.board_code,))
    check_review_open(case, now)
    opinion = Opinion(expert_id, finding, validate_statement(text), now)
    await store.add_opinion(resolution_id, case.cycle, opinion)
    await store.append_event(
        OPINION_EVENT,
        expert_id,
        {"cycle": case.cycle, "finding": finding.value, "text": opinion.text},
        resolution_id,
        at=now,
    )
    return opinion


# --- lapses


async def apply_lapse(
    store: ReviewStore, resolution_id: int, now: dt.datetime, rules: StatutoryRules
) -> Moved | None:
    """Apply the lapse due on one resolution at ``now``, if any (rules 4 and 6).

    Under review past the review deadline → ``enforceable_lapsed``; objected past the reconsideration
    deadline → ``escalated``, with the escalation window opened at that deadline. The change and its event
    are stamped with the deadline instant, whenever the sweep runs; the event's payload says when it was
    processed.
    """
    case = await store.lock_case(resolution_id)
    if case is None:
        return None
    deadline = case.review_deadline if case.status == Status.UNDER_REVIEW else case.reconsideration_deadline
    if deadline is None:
        return None
    action = lapse_action(case.status, deadline, now)
    if action is None:
        return None
    after = next_status(case.status, action)
    escalation = None
    if action == Action.RECONSIDERATION_LAPSE:
        escalation = escalation_deadline(deadline, rules, await _calendar(store, case, rules))
    change = Transition(
        resolution_id, case.status, case.cycle, after, deadline, escalation_deadline=escalation
    )
    if not await store.move(change):
        return None
    await store.append_event(
        LAPSED_EVENT if action == Action.LAPSE else RECONSIDERATION_LAPSED_EVENT,
        None,
        {
            "cycle": case.cycle,
            "status": after.value,
            "deadline": deadline.isoformat(),
            "processed_at": now.isoformat(),
            "escalation_deadline": _iso(escalation),
        },
        resolution_id,
        at=deadline,
    )
    return Moved(case, action, after, deadline, case.cycle, escalation)


async def process_lapses(
    store: ReviewStore, now: dt.datetime, rules: StatutoryRules, limit: int = 500
) -> list[Moved]:
    """Apply every lapse due at ``now`` (at most ``limit``) in one unit of work; what changed."""
    moved = []
    for resolution_id in await store.due_lapses(now, limit):
        change = await apply_lapse(store, resolution_id, now, rules)
        if change is not None:
            moved.append(change)
    return moved


# --- reconsideration and escalation


def check_reconsideration_open(case: ReviewCase, now: dt.datetime) -> None:
    """Refuse the council's answer unless the resolution is objected and its window is open (rule 5).

    Past the reconsideration deadline the refusal is :class:`WindowClosed`, even before a sweep has
    escalated the case.
    """
    deadline = case.reconsideration_deadline
    if deadline is None:
        raise ReviewError(ReviewErrorCode.WRONG_STATUS, status=case.status)
    if now > deadline and case.status in (Status.OBJECTED, Status.ESCALATED):
        raise WindowClosed(deadline)
    check_reconsideration_allowed(case.status, now, deadline)


async def decide_reconsideration(
    store: ReviewStore,
    resolution_id: int,
    secretary_id: int,
    decision: ReconsiderationDecision,
    *,
    now: dt.datetime,
    rules: StatutoryRules,
    amendment: Amendment | None = None,
) -> Moved:
    """The council's answer to the objection, recorded by its secretary at ``now`` (rule 5).

    ``amend`` adds ``amendment`` as a new version (earlier versions are kept) and opens a new review cycle
    with a fresh deadline from ``now``; ``revoke`` voids the resolution; ``insist`` escalates it to the
    dispute authority, opening the escalation window. Refused unless the person is the council's secretary
    and the reconsideration window is open (:func:`check_reconsideration_open`).
    """
    case = await _case(store, resolution_id)
    await _require_role(store, secretary_id, Role.SECRETARY, (case.council_code,))
    check_reconsideration_open(case, now)
    after = next_status(case.status, decision.action)
    payload: dict[str, Any] = {"cycle": case.cycle, "decision": decision.value, "status": after.value}
    deadline: dt.datetime | None = None
    cycle = case.cycle
    if decision == ReconsiderationDecision.AMEND:
        if amendment is None:
            raise ReviewError(ReviewErrorCode.AMENDMENT_MISSING)
        amendment = Amendment(validate_text(amendment.text), tuple(amendment.attachments))
        cycle = case.cycle + 1
        deadline = review_deadline(now, rules, await _calendar(store, case, rules))
        change = Transition(
            resolution_id, case.status, case.cycle, after, now, new_cycle=cycle, review_deadline=deadline
        )
        kind = AMENDED_EVENT
    elif decision == ReconsiderationDecision.INSIST:
        deadline = escalation_deadline(now, rules, await _calendar(store, case, rules))
        change = Transition(resolution_id, case.status, case.cycle, after, now, escalation_deadline=deadline)
        kind = INSISTED_EVENT
    else:
        change = Transition(resolution_id, case.status, case.cycle, after, now)
        kind = REVOKED_EVENT
    if not await store.move(change):
        raise ReviewError(ReviewErrorCode.WRONG_STATUS, status=case.status)
    if amendment is not None:
        payload["version"] = await store.add_version(resolution_id, amendment, now)
        payload["new_cycle"] = cycle
        payload["review_deadline"] = _iso(deadline)
        payload["attachments"] = len(amendment.attachments)
    elif deadline is not None:
        payload["escalation_deadline"] = _iso(deadline)
    await store.append_event(kind, secretary_id, payload, resolution_id, at=now)
    return Moved(case, decision.action, after, now, cycle, deadline)


async def record_outcome(
    store: ReviewStore,
    resolution_id: int,
    official_id: int,
    outcome: EscalationOutcome,
    note: str,
    *,
    now: dt.datetime,
) -> Moved:
    """The dispute authority's final outcome on an escalated case, recorded by an official (rule 6).

    Refused unless the person is an official whose scope covers the council (its county, its province or
    the nation) and the case is escalated; the note has 5–4,000 characters. The escalation deadline is
    shown to people but refuses nothing: the authority's ruling is final whenever it comes.
    """
    case = await _case(store, resolution_id)
    await _require_role(store, official_id, Role.OFFICIAL, case.official_scopes())
    if case.status != Status.ESCALATED:
        raise ReviewError(ReviewErrorCode.WRONG_STATUS, status=case.status)
    clean = validate_statement(note, NOTE_MIN, NOTE_MAX)
    after = next_status(case.status, outcome.action)
    if not await store.move(Transition(resolution_id, case.status, case.cycle, after, now)):
        raise ReviewError(ReviewErrorCode.WRONG_STATUS, status=case.status)
    await store.append_event(
        OUTCOME_EVENT,
        official_id,
        {"cycle": case.cycle, "outcome": outcome.value, "status": after.value, "note": clean},
        resolution_id,
        at=now,
    )
    return Moved(case, outcome.action, after, now, case.cycle, note=clean)
