"""The board's review of a resolution and what follows it (DESIGN §2 rules 3–6), and the audit chain.

Votes and their grounds, the majority that makes a ruling, the window within which anyone may still act,
the lapses a sweep applies, the council's reconsideration and the dispute authority's outcome. Errors are
codes (:class:`ReviewErrorCode`) that the chat layer maps to catalogue messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from council.deadlines import is_in_time
from council.status import Action, Status
from council.submission import majority_needed
from council.text import normalize_for_match, normalize_persian

UTC = dt.UTC

REASONING_MIN, REASONING_MAX = 20, 10_000

#: ``prev_hash`` of the first event of the audit chain.
GENESIS = "0" * 64


class ReviewErrorCode(StrEnum):
    """Why a review act was refused; the catalogue has one message per code."""

    GROUNDS_MISSING = "grounds_missing"
    LAW_MISSING = "law_missing"
    REASONING_TOO_SHORT = "reasoning_too_short"  # params: min, max, length
    REASONING_TOO_LONG = "reasoning_too_long"  # params: min, max, length
    WRONG_STATUS = "wrong_status"  # params: status (the resolution's current status)
    WINDOW_CLOSED = "window_closed"  # params: deadline
    NOT_FOUND = "not_found"  # no such resolution
    NOT_ALLOWED = "not_allowed"  # the person holds no role that allows this act on this resolution
    AMENDMENT_MISSING = "amendment_missing"  # an amendment needs its new text


class ReviewError(ValueError):
    """A review act was refused: ``code`` names the reason, ``params`` carry what its message shows."""

    def __init__(self, code: ReviewErrorCode, **params: object) -> None:
        super().__init__(f"{code.value} {params}" if params else code.value)
        self.code = code
        self.params: Mapping[str, object] = MappingProxyType(params)


class WindowClosed(ReviewError):
    """The statutory window ended at ``deadline``: the act comes too late and is refused (rule 4)."""

    def __init__(self, deadline: dt.datetime) -> None:
        super().__init__(ReviewErrorCode.WINDOW_CLOSED, deadline=deadline)
        self.deadline = deadline


# --- votes


class VoteChoice(StrEnum):
    """A board member's vote on a resolution."""

    NO_CONFLICT = "no_conflict"
    CONFLICT = "conflict"


class GroundsKind(StrEnum):
    """What a conflict vote says the resolution conflicts with."""

    LAW = "law"
    OUTSIDE_POWERS = "outside_powers"


@dataclass(frozen=True, slots=True)
class ConflictGrounds:
    """The grounds of a conflict vote: a law or regulation (and its article, if any), or the council
    acting outside its powers (then ``law`` and ``article`` are ``None``)."""

    kind: GroundsKind
    law: str | None = None
    article: str | None = None

    @classmethod
    def conflicts_with_law(cls, law: str, article: str | None = None) -> ConflictGrounds:
        """Grounds: the resolution conflicts with ``law`` (name of the law or regulation), ``article``."""
        return cls(GroundsKind.LAW, law, article)

    @classmethod
    def outside_powers(cls) -> ConflictGrounds:
        """Grounds: the resolution is outside the council's powers."""
        return cls(GroundsKind.OUTSIDE_POWERS)

    def match_key(self) -> tuple[str, str, str]:
        """What two grounds share when they say the same thing, spelling aside (for de-duplication)."""
        return (self.kind.value, normalize_for_match(self.law or ""), normalize_for_match(self.article or ""))


@dataclass(frozen=True, slots=True)
class Vote:
    """One vote of a board member; ``grounds`` and ``reasoning`` are set for a conflict vote."""

    member_id: int
    choice: VoteChoice
    grounds: ConflictGrounds | None
    reasoning: str | None
    cast_at: dt.datetime


def validate_conflict_vote(
    grounds: ConflictGrounds | None, reasoning: str | None
) -> tuple[ConflictGrounds, str]:
    """The grounds and reasoning of a conflict vote, normalised; a conflict vote needs both (rule 3).

    Grounds of kind ``law`` must name the law or regulation (the article is optional: not every
    regulation is in articles); the reasoned text has 20–10,000 characters.
    """
    if grounds is None:
        raise ReviewError(ReviewErrorCode.GROUNDS_MISSING)
    if grounds.kind == GroundsKind.LAW:
        law = normalize_persian(grounds.law or "")
        if not law:
            raise ReviewError(ReviewErrorCode.LAW_MISSING)
        article = normalize_persian(grounds.article or "") or None
        grounds = ConflictGrounds(GroundsKind.LAW, law, article)
    else:
        grounds = ConflictGrounds.outside_powers()
    text = normalize_persian(reasoning or "")
    if len(text) < REASONING_MIN:
        raise ReviewError(
            ReviewErrorCode.REASONING_TOO_SHORT, min=REASONING_MIN, max=REASONING_MAX, length=len(text)
        )
    if len(text) > REASONING_MAX:
        raise ReviewError(
            ReviewErrorCode.REASONING_TOO_LONG, min=REASONING_MIN, max=REASONING_MAX, length=len(text)
        )
    return grounds, text


def make_vote(
    member_id: int,
    choice: VoteChoice,
    cast_at: dt.datetime,
    grounds: ConflictGrounds | None = None,
    reasoning: str | None = None,
) -> Vote:
    """A valid vote: a conflict vote's grounds and reasoning are checked by :func:`validate_conflict_vote`;
    a no-conflict vote keeps no grounds and an optional normalised remark."""
    _require_aware(cast_at)
    if choice == VoteChoice.CONFLICT:
        grounds, text = validate_conflict_vote(grounds, reasoning)
        return Vote(member_id, choice, grounds, text, cast_at)
    remark = normalize_persian(reasoning or "") or None
    return Vote(member_id, choice, None, remark, cast_at)


# --- the ruling

_RULING_ACTIONS: Mapping[VoteChoice, Action] = MappingProxyType(
    {VoteChoice.NO_CONFLICT: Action.RULE_NO_CONFLICT, VoteChoice.CONFLICT: Action.RULE_CONFLICT}
)


@dataclass(frozen=True, slots=True)
class Ruling:
    """The board's ruling: ``choice`` reached a majority with ``votes`` (in cast order) at ``decided_at``."""

    choice: VoteChoice
    votes: tuple[Vote, ...]
    decided_at: dt.datetime

    @property
    def action(self) -> Action:
        """The status action the ruling applies."""
        return _RULING_ACTIONS[self.choice]


def tally(votes: Mapping[int, Vote] | Iterable[Vote], voting_seats: int) -> Ruling | None:
    """The ruling the votes make, or ``None`` while no choice has a majority of the voting seats.

    A majority is more than half the seats (2 of 3, 3 of 5), whoever has voted. Votes are replayed in the
    order cast (``cast_at``; ties keep the given order); a member's later vote replaces their earlier one,
    and the first moment one choice holds a majority is the ruling, which later votes cannot undo. Pass
    every vote of the cycle, or the latest per member (a mapping by member id).
    """
    if voting_seats < 1:
        raise ValueError(f"a board has at least one voting seat, got {voting_seats}")
    history = votes.values() if isinstance(votes, Mapping) else votes
    needed = majority_needed(voting_seats)
    latest: dict[int, Vote] = {}
    for vote in sorted(history, key=lambda v: v.cast_at):
        latest[vote.member_id] = vote
        if len(latest) > voting_seats:
            raise ValueError(f"{len(latest)} members voted on a board of {voting_seats} seats")
        agreeing = [v for v in latest.values() if v.choice == vote.choice]
        if len(agreeing) >= needed:
            return Ruling(vote.choice, tuple(sorted(agreeing, key=lambda v: v.cast_at)), vote.cast_at)
    return None


# --- windows and lapses


def can_act(now: dt.datetime, deadline: dt.datetime) -> bool:
    """Whether an act at ``now`` falls within a window ending at ``deadline`` (the deadline is in time)."""
    return is_in_time(now, deadline)


def check_window(now: dt.datetime, deadline: dt.datetime) -> None:
    """Refuse an act after ``deadline`` with :class:`WindowClosed`."""
    if not can_act(now, deadline):
        raise WindowClosed(deadline)


def check_vote_allowed(status: Status, now: dt.datetime, deadline: dt.datetime) -> None:
    """Refuse a vote unless the resolution is under review and its review window is open (rules 3–4).

    A resolution already ruled on or lapsed gives ``wrong_status`` with its status; one still under
    review after its deadline (the sweep has not lapsed it yet) gives :class:`WindowClosed`.
    """
    _check_open(status, Status.UNDER_REVIEW, now, deadline)


def check_reconsideration_allowed(status: Status, now: dt.datetime, deadline: dt.datetime) -> None:
    """Refuse a reconsideration decision unless the resolution is objected and the window is open (rule 5)."""
    _check_open(status, Status.OBJECTED, now, deadline)


def lapse_action(status: Status, deadline: dt.datetime, now: dt.datetime) -> Action | None:
    """The lapse a sweep must apply at ``now``, if any.

    Under review past the review deadline → ``lapse`` (silence means approval, rule 4); objected past the
    reconsideration deadline → ``reconsideration_lapse`` (escalation, rule 6). Otherwise ``None``.
    """
    if can_act(now, deadline):
        return None
    if status == Status.UNDER_REVIEW:
        return Action.LAPSE
    if status == Status.OBJECTED:
        return Action.RECONSIDERATION_LAPSE
    return None


def lapse_due(status: Status, deadline: dt.datetime, now: dt.datetime) -> bool:
    """Whether a resolution under review has passed its review ``deadline`` at ``now`` without a ruling."""
    return lapse_action(status, deadline, now) is Action.LAPSE


def reconsideration_lapse_due(status: Status, deadline: dt.datetime, now: dt.datetime) -> bool:
    """Whether an objected resolution has passed its reconsideration ``deadline`` at ``now`` unanswered."""
    return lapse_action(status, deadline, now) is Action.RECONSIDERATION_LAPSE


def _check_open(status: Status, expected: Status, now: dt.datetime, deadline: dt.datetime) -> None:
    if status != expected:
        raise ReviewError(ReviewErrorCode.WRONG_STATUS, status=status)
    check_window(now, deadline)


# --- the objection


@dataclass(frozen=True, slots=True)
class ObjectionLetter:
    """The content of the board's objection: distinct grounds and reasonings, in the order the votes were
    cast, and the members who voted conflict. The chat layer renders it."""

    grounds: tuple[ConflictGrounds, ...]
    reasonings: tuple[str, ...]
    member_ids: tuple[int, ...]


def objection_letter(votes: Iterable[Vote]) -> ObjectionLetter:
    """Assemble the objection from the conflict votes among ``votes`` (e.g. ``Ruling.votes``).

    Votes are taken in the order cast; grounds and reasonings that say the same thing (spelling, spaces,
    digits aside) appear once, in the first voter's words.
    """
    grounds: dict[tuple[str, str, str], ConflictGrounds] = {}
    reasonings: dict[str, str] = {}
    member_ids: dict[int, None] = {}
    for vote in sorted(votes, key=lambda v: v.cast_at):
        if vote.choice != VoteChoice.CONFLICT:
            continue
        if vote.grounds is not None:
            grounds.setdefault(vote.grounds.match_key(), vote.grounds)
        if vote.reasoning:
            reasonings.setdefault(normalize_for_match(vote.reasoning), vote.reasoning)
        member_ids[vote.member_id] = None
    if not member_ids:
        raise ValueError("an objection needs at least one conflict vote")
    return ObjectionLetter(tuple(grounds.values()), tuple(reasonings.values()), tuple(member_ids))


# --- reconsideration and escalation


class ReconsiderationDecision(StrEnum):
    """The council's answer to an objection (rule 5)."""

    AMEND = "amend"
    REVOKE = "revoke"
    INSIST = "insist"

    @property
    def action(self) -> Action:
        """The status action the decision applies."""
        return _RECONSIDERATION_ACTIONS[self]


_RECONSIDERATION_ACTIONS: Mapping[ReconsiderationDecision, Action] = MappingProxyType(
    {
        ReconsiderationDecision.AMEND: Action.AMEND,
        ReconsiderationDecision.REVOKE: Action.REVOKE,
        ReconsiderationDecision.INSIST: Action.INSIST,
    }
)


class EscalationOutcome(StrEnum):
    """The dispute authority's final outcome (rule 6)."""

    UPHELD = "upheld"
    ANNULLED = "annulled"

    @property
    def action(self) -> Action:
        """The status action the outcome applies."""
        return _ESCALATION_ACTIONS[self]


_ESCALATION_ACTIONS: Mapping[EscalationOutcome, Action] = MappingProxyType(
    {EscalationOutcome.UPHELD: Action.UPHOLD, EscalationOutcome.ANNULLED: Action.ANNUL}
)


# --- the audit chain


class EventRecord(Protocol):
    """What :func:`verify_chain` reads of a stored event."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def actor_id(self) -> int | None: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def resolution_id(self) -> int | None: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


def canonical_json(value: Any) -> str:
    """One spelling of a JSON value: sorted keys, no spaces, non-ASCII text as is, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_hash(
    prev_hash: str,
    kind: str,
    actor_id: int | None,
    at: dt.datetime,
    resolution_id: int | None,
    payload: Mapping[str, Any],
) -> str:
    """The hash linking an event to the one before it: ``sha256(prev_hash + canonical JSON)`` as hex.

    The JSON holds ``kind``, ``actor_id``, ``resolution_id``, ``payload`` and ``at`` (aware; written in
    UTC, ISO 8601 to the microsecond), so the same event hashes the same wherever its instant was made.
    """
    content = {
        "kind": kind,
        "actor_id": actor_id,
        "resolution_id": resolution_id,
        "at": _require_aware(at).astimezone(UTC).isoformat(timespec="microseconds"),
        "payload": dict(payload),
    }
    return hashlib.sha256((prev_hash + canonical_json(content)).encode("utf-8")).hexdigest()


class ChainBreak(StrEnum):
    """Why an event breaks the audit chain."""

    #: Its ``prev_hash`` is not the hash of the event before it: an event was deleted or reordered.
    PREV_HASH = "prev_hash"
    #: Its stored hash is not the hash of its content: the row was changed.
    CONTENT = "content"
    #: The chain's stored head is not the last event's hash: the newest events were removed.
    HEAD = "head"


def link_break(row: EventRecord, prev: str) -> ChainBreak | None:
    """Why ``row`` does not link to the event whose hash is ``prev``, or ``None`` when it does."""
    if row.prev_hash != prev:
        return ChainBreak.PREV_HASH
    computed = event_hash(row.prev_hash, row.kind, row.actor_id, row.at, row.resolution_id, row.payload)
    if row.hash != computed:
        return ChainBreak.CONTENT
    return None


def verify_chain(rows: Iterable[EventRecord], start: str = GENESIS) -> int | None:
    """The id of the first event that breaks the chain, or ``None`` when it is intact.

    ``rows`` are in id order; the first links to ``start``. An event breaks the chain when its
    ``prev_hash`` is not the hash of the event before it (one was deleted or reordered) or its stored
    hash is not the hash of its content (it was changed): see :func:`link_break`. Removing the newest
    events leaves no break here: compare the last hash with the head the store keeps.
    """
    prev = start
    for row in rows:
        if link_break(row, prev) is not None:
            return row.id
        prev = row.hash
    return None


def _require_aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant!r}")
    return instant


class RecordKeeping(Protocol):
    """What every use case's store shares: the admin closures that move deadlines, and the audit log."""

    async def closures(self, province_code: str | None) -> Mapping[dt.date, str]:
        """Admin closures in force for the province (nationwide ones included)."""
        ...

    async def append_event(
        self,
        kind: str,
        actor_id: int | None,
        payload: Mapping[str, Any],
        resolution_id: int | None = None,
        *,
        at: dt.datetime | None = None,
    ) -> object:
        """Append an event to the audit log."""
        ...
