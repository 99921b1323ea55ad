"""Statutory numbers of DESIGN §2 as one value object: configuration, not code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class LateSubmissionPolicy(StrEnum):
    """What happens to a submission made after the submission window."""

    FLAG = "flag"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class StatutoryRules:
    """The periods and policies the bot enforces (defaults per art. 80 of the councils law)."""

    submission_window_days: int = 7
    late_submission: LateSubmissionPolicy = LateSubmissionPolicy.FLAG
    review_days: int = 14
    reconsideration_days: int = 10
    escalation_days: int = 15
    extend_on_holiday: bool = True
    # Python weekday numbers (Monday=0 … Sunday=6); Friday is Iran's weekly holiday.
    weekly_holidays: frozenset[int] = field(default_factory=lambda: frozenset({4}))
    # Whether admin-added closures (e.g. air pollution) extend deadlines like holidays.
    closures_extend: bool = True
    quiet_hours_start: dt.time = dt.time(22, 0)
    quiet_hours_end: dt.time = dt.time(7, 30)
