"""Statutory deadlines (DESIGN §2), computed by pure functions from an instant and the configuration.

A window of ``n`` days opened at instant ``start`` works on Tehran calendar days: the start day is not
counted, so the last day is the Tehran date of ``start`` plus ``n``. When ``extend_on_holiday`` is set
and that day is not a working day (weekly or official holiday, and admin closures when
``closures_extend`` is set) the last day moves to the next working day. The deadline is the end of the
last day, represented as 23:59:59 Tehran time; an act at instant ``t`` is in time iff ``t <= deadline``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from council.calendar import WorkingCalendar
from council.jalali import tehran_date, tehran_instant
from council.rules import StatutoryRules

END_OF_DAY = dt.time(23, 59, 59)


class DeadlineKind(StrEnum):
    """The statutory windows of DESIGN §2."""

    REVIEW = "review"
    RECONSIDERATION = "reconsideration"
    ESCALATION = "escalation"


def period_days(kind: DeadlineKind, rules: StatutoryRules) -> int:
    """The configured length in days of the window ``kind``."""
    match kind:
        case DeadlineKind.REVIEW:
            return rules.review_days
        case DeadlineKind.RECONSIDERATION:
            return rules.reconsideration_days
        case DeadlineKind.ESCALATION:
            return rules.escalation_days


def end_of_tehran_day(date: dt.date) -> dt.datetime:
    """23:59:59 Tehran time on ``date``, as an aware UTC instant."""
    return tehran_instant(date, END_OF_DAY)


def statutory_deadline(
    start: dt.datetime, days: int, *, rules: StatutoryRules, calendar: WorkingCalendar
) -> dt.datetime:
    """The end (aware, UTC) of a window of ``days`` days opened at the aware instant ``start``.

    See the module docstring for the counting rule. ``calendar`` says which days are off; ``rules``
    says whether a day off extends the window at all and whether closures count.
    """
    if days < 0:
        raise ValueError(f"a window cannot have {days} days")
    last_day = tehran_date(start) + dt.timedelta(days=days)
    if rules.extend_on_holiday:
        last_day = calendar.next_working_day(last_day, count_closures=rules.closures_extend)
    return end_of_tehran_day(last_day)


def deadline_for(
    kind: DeadlineKind, start: dt.datetime, rules: StatutoryRules, calendar: WorkingCalendar
) -> dt.datetime:
    """The deadline of window ``kind`` opened at ``start``, with the configured number of days."""
    return statutory_deadline(start, period_days(kind, rules), rules=rules, calendar=calendar)


def review_deadline(
    communicated_at: dt.datetime, rules: StatutoryRules, calendar: WorkingCalendar
) -> dt.datetime:
    """Last moment for the board to object to a resolution communicated (submitted) at ``communicated_at``."""
    return deadline_for(DeadlineKind.REVIEW, communicated_at, rules, calendar)


def reconsideration_deadline(
    objection_received_at: dt.datetime, rules: StatutoryRules, calendar: WorkingCalendar
) -> dt.datetime:
    """Last moment for the council to amend, revoke or insist after receiving an objection."""
    return deadline_for(DeadlineKind.RECONSIDERATION, objection_received_at, rules, calendar)


def escalation_deadline(
    escalated_at: dt.datetime, rules: StatutoryRules, calendar: WorkingCalendar
) -> dt.datetime:
    """Last moment for the dispute authority to rule on a case escalated at ``escalated_at``."""
    return deadline_for(DeadlineKind.ESCALATION, escalated_at, rules, calendar)


def is_in_time(act_at: dt.datetime, deadline: dt.datetime) -> bool:
    """Whether an act at the aware instant ``act_at`` meets ``deadline`` (the deadline itself is in time)."""
    return act_at <= deadline


def time_left(now: dt.datetime, deadline: dt.datetime) -> dt.timedelta:
    """Time remaining until ``deadline``; zero once it has passed."""
    return max(deadline - now, dt.timedelta(0))


def time_left_parts(now: dt.datetime, deadline: dt.datetime) -> tuple[int, int, int]:
    """``(days, hours, minutes)`` left until ``deadline``, for «۲ روز و ۳ ساعت مانده».

    Rounded up to the whole minute, so a deadline at 23:59:59 reads as midnight; ``(0, 0, 0)`` once it has
    passed.
    """
    seconds = time_left(now, deadline).total_seconds()
    minutes = -int(-seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return (days, hours, minutes)


def submission_deadline(approval_date: dt.date, rules: StatutoryRules) -> dt.date:
    """Last Tehran day on which a resolution approved on ``approval_date`` is submitted on time.

    Unlike the statutory windows this is not extended over holidays: no statute sets it, it is a
    reporting policy (``submission_window_days`` counted in calendar days), and a late submission is
    only flagged or refused by policy, never a legal lapse.
    """
    return approval_date + dt.timedelta(days=rules.submission_window_days)


def is_late_submission(approval_date: dt.date, submitted_at: dt.datetime, rules: StatutoryRules) -> bool:
    """Whether a submission at the aware instant ``submitted_at`` falls after the submission window."""
    return tehran_date(submitted_at) > submission_deadline(approval_date, rules)
