"""The life cycle of a resolution (DESIGN §2): statuses, the actions that move between them, and nothing else.

Labels shown to people live in the message catalogue; here are only codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Status(StrEnum):
    """Where a resolution stands."""

    UNDER_REVIEW = "under_review"
    ENFORCEABLE = "enforceable"
    ENFORCEABLE_LAPSED = "enforceable_lapsed"
    OBJECTED = "objected"
    REVOKED = "revoked"
    ESCALATED = "escalated"
    UPHELD = "upheld"
    ANNULLED = "annulled"


class Action(StrEnum):
    """What moves a resolution from one status to the next."""

    RULE_NO_CONFLICT = "rule_no_conflict"
    RULE_CONFLICT = "rule_conflict"
    LAPSE = "lapse"
    AMEND = "amend"
    REVOKE = "revoke"
    INSIST = "insist"
    RECONSIDERATION_LAPSE = "reconsideration_lapse"
    UPHOLD = "uphold"
    ANNUL = "annul"


TRANSITIONS: Mapping[tuple[Status, Action], Status] = MappingProxyType(
    {
        (Status.UNDER_REVIEW, Action.RULE_NO_CONFLICT): Status.ENFORCEABLE,
        (Status.UNDER_REVIEW, Action.RULE_CONFLICT): Status.OBJECTED,
        (Status.UNDER_REVIEW, Action.LAPSE): Status.ENFORCEABLE_LAPSED,
        # Amendment opens a new review cycle with a fresh clock.
        (Status.OBJECTED, Action.AMEND): Status.UNDER_REVIEW,
        (Status.OBJECTED, Action.REVOKE): Status.REVOKED,
        (Status.OBJECTED, Action.INSIST): Status.ESCALATED,
        (Status.OBJECTED, Action.RECONSIDERATION_LAPSE): Status.ESCALATED,
        (Status.ESCALATED, Action.UPHOLD): Status.UPHELD,
        (Status.ESCALATED, Action.ANNUL): Status.ANNULLED,
    }
)

#: Statuses no action leaves.
TERMINAL: frozenset[Status] = frozenset(
    status for status in Status if not any(source == status for source, _ in TRANSITIONS)
)


class TransitionRefused(Exception):
    """``action`` is not possible from ``current``."""

    def __init__(self, current: Status, action: Action) -> None:
        super().__init__(f"{action.value} is not possible from {current.value}")
        self.current = current
        self.action = action


def next_status(current: Status, action: Action) -> Status:
    """The status after ``action``; raises :class:`TransitionRefused` when the action is not allowed."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise TransitionRefused(current, action) from None


def allowed_actions(current: Status) -> frozenset[Action]:
    """The actions possible from ``current`` (empty for a terminal status)."""
    return frozenset(action for source, action in TRANSITIONS if source == current)


def is_terminal(status: Status) -> bool:
    """Whether ``status`` is final: no action leaves it."""
    return status in TERMINAL
