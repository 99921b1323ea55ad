"""Which reminders are due when (DESIGN §5), planned from deadlines by pure functions.

Nothing here sends, stores or reads the clock: callers pass ``now``. The storage keeps one row per
:class:`PlannedReminder` under its :attr:`~PlannedReminder.key`; every state change re-plans and applies
the :func:`replan` diff; the sweep sends rows whose (quiet-hours-adjusted) instant has come, after
checking :func:`should_drop` and :func:`still_matters`.

The schedule, precisely (all wall times Asia/Tehran; ``L`` is the last day of the window, i.e. the Tehran
date of the statutory deadline 23:59:59 — *after* any holiday extension):

* ``member_vote_due`` — each board member who has not voted, at the morning hour (08:00) of ``L − N`` for
  each offset ``N`` in ``offsets`` (7, 3, 1; labels ``"7d"``, ``"3d"``, ``"1d"``) and at 08:00 of ``L``
  itself (label ``"last_morning"``). Offsets are calendar days: a reminder may fall on a Friday or a
  holiday, because members may still vote on a day off and the deadline is what counts.
* ``board_secretary_last_day`` — each board secretary at 08:00 of ``L`` (label ``"last_morning"``).
* ``secretary_objection_received`` — each council secretary at the instant the objection was received
  (label ``"received"``); ``secretary_reconsideration_due`` at 08:00 of ``L − N`` for ``N`` in (3, 1).
* ``lapse_notice`` / ``escalation_notice`` — everyone concerned, at the instant of the event (label
  ``"notice"``); urgent and never dropped.
* ``official_digest`` — each official who wants it, at 08:00 every day (label: the Tehran date, ISO).

Urgent reminders ignore quiet hours: those on the last day of a window, and the notices. The others wait
for the end of the recipient's quiet hours (:func:`deliver_at`).

Planning at ``now``: a point in time before the window opened is never planned (a short window does
not start with a burst of stale reminders); points still ahead are planned; of the points already
passed since the window opened, only the latest per recipient is planned. That keeps a re-plan (say
another member voted at 08:00:10, before the sweep sent the 08:00 reminders) from deleting a reminder
the sweep has yet to send, and after downtime it leaves one catch-up reminder per person rather than
several. Whether a passed reminder is still worth sending is :func:`still_matters`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from council.jalali import TEHRAN, tehran_date, tehran_instant
from council.status import Status

UTC = dt.UTC

MORNING = dt.time(8, 0)
REVIEW_OFFSETS: tuple[int, ...] = (7, 3, 1)
RECONSIDERATION_OFFSETS: tuple[int, ...] = (3, 1)
QUIET_START = dt.time(22, 0)
QUIET_END = dt.time(7, 30)

LAST_MORNING = "last_morning"
RECEIVED = "received"
NOTICE = "notice"

SnoozeChoice = Literal["1h", "3h", "tomorrow_morning"]


class ReminderKind(StrEnum):
    """Who is reminded of what (DESIGN §5)."""

    MEMBER_VOTE_DUE = "member_vote_due"
    BOARD_SECRETARY_LAST_DAY = "board_secretary_last_day"
    SECRETARY_OBJECTION_RECEIVED = "secretary_objection_received"
    SECRETARY_RECONSIDERATION_DUE = "secretary_reconsideration_due"
    LAPSE_NOTICE = "lapse_notice"
    ESCALATION_NOTICE = "escalation_notice"
    OFFICIAL_DIGEST = "official_digest"


#: Kinds that report what happened rather than ask for an act: sent however late, never dropped.
NOTICE_KINDS: frozenset[ReminderKind] = frozenset({ReminderKind.LAPSE_NOTICE, ReminderKind.ESCALATION_NOTICE})

#: The status in which each act-requesting kind still makes sense.
_LIVE_STATUS: Mapping[ReminderKind, Status] = {
    ReminderKind.MEMBER_VOTE_DUE: Status.UNDER_REVIEW,
    ReminderKind.BOARD_SECRETARY_LAST_DAY: Status.UNDER_REVIEW,
    ReminderKind.SECRETARY_OBJECTION_RECEIVED: Status.OBJECTED,
    ReminderKind.SECRETARY_RECONSIDERATION_DUE: Status.OBJECTED,
}

ReminderKey = tuple[int | None, int, int, ReminderKind, str]


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """One reminder to one person, due at the aware instant ``due_at`` (kept in UTC).

    ``resolution_id`` is ``None`` only for the daily digest, which is about no single resolution; a unique
    index over :attr:`key` must then treat ``NULL`` as a value (PostgreSQL ``NULLS NOT DISTINCT``, or a
    partial index), or digests could be stored twice.
    """

    resolution_id: int | None
    cycle: int
    recipient_id: int
    kind: ReminderKind
    due_at: dt.datetime
    urgent: bool
    offset_label: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "due_at", _utc(self.due_at))

    @property
    def key(self) -> ReminderKey:
        """What makes a reminder unique: sending it twice is a bug."""
        return (self.resolution_id, self.cycle, self.recipient_id, self.kind, self.offset_label)


def offset_label(days: int) -> str:
    """The label of the reminder ``days`` days before the last day: ``"7d"``."""
    return f"{days}d"


def _morning_of(date: dt.date, morning: dt.time) -> dt.datetime:
    return tehran_instant(date, morning)


def _countdown(
    deadline: dt.datetime, offsets: Sequence[int], morning: dt.time, *, last_morning: bool
) -> list[tuple[str, dt.datetime]]:
    """The labelled instants of a countdown to ``deadline``, earliest first."""
    last_day = tehran_date(deadline)
    points = [(offset_label(n), _morning_of(last_day - dt.timedelta(days=n), morning)) for n in offsets]
    if last_morning:
        points.append((LAST_MORNING, _morning_of(last_day, morning)))
    return sorted(points, key=lambda point: point[1])


def _to_plan(
    points: Sequence[tuple[str, dt.datetime]], opened_at: dt.datetime, now: dt.datetime, deadline: dt.datetime
) -> list[tuple[str, dt.datetime]]:
    """Points after the window opened: those still ahead, plus the latest one already passed."""
    if now > deadline:
        return []
    after_opening = [point for point in points if point[1] > opened_at]
    passed = [point for point in after_opening if point[1] <= now]
    ahead = [point for point in after_opening if point[1] > now]
    return passed[-1:] + ahead


def plan_review_reminders(
    resolution_id: int,
    cycle: int,
    review_deadline: dt.datetime,
    members_not_voted: Iterable[int],
    board_secretary_ids: Iterable[int],
    now: dt.datetime,
    *,
    opened_at: dt.datetime,
    offsets: Sequence[int] = REVIEW_OFFSETS,
    last_morning: dt.time = MORNING,
) -> list[PlannedReminder]:
    """The reminders of one review cycle opened (communicated) at ``opened_at``, as planned at ``now``.

    Members who have not voted are reminded at ``last_morning`` o'clock ``N`` days before the last day for
    each ``N`` in ``offsets`` and on the last day itself; board secretaries get the last-day expiry
    warning. The last-day reminders are urgent. See the module docstring for what ``now`` leaves out.
    """
    _utc(now)
    points = _to_plan(
        _countdown(review_deadline, offsets, last_morning, last_morning=True), opened_at, now, review_deadline
    )
    planned = [
        PlannedReminder(
            resolution_id, cycle, member, ReminderKind.MEMBER_VOTE_DUE, at, label == LAST_MORNING, label
        )
        for member in sorted(set(members_not_voted))
        for label, at in points
    ]
    last = _morning_of(tehran_date(review_deadline), last_morning)
    if opened_at < last and now <= review_deadline:
        planned += [
            PlannedReminder(
                resolution_id,
                cycle,
                secretary,
                ReminderKind.BOARD_SECRETARY_LAST_DAY,
                last,
                True,
                LAST_MORNING,
            )
            for secretary in sorted(set(board_secretary_ids))
        ]
    return planned


def plan_reconsideration_reminders(
    resolution_id: int,
    cycle: int,
    objection_received_at: dt.datetime,
    reconsideration_deadline: dt.datetime,
    secretary_ids: Iterable[int],
    now: dt.datetime,
    *,
    offsets: Sequence[int] = RECONSIDERATION_OFFSETS,
    morning: dt.time = MORNING,
) -> list[PlannedReminder]:
    """The council secretaries' reminders after an objection received at ``objection_received_at``.

    At once: the objection has arrived (label ``"received"``; planned until the deadline passes, whatever
    ``now``, since it carries news). Then at ``morning`` ``N`` days before the last day of the
    reconsideration window for each ``N`` in ``offsets``. None of them is urgent: ten days remain.
    """
    _utc(now)
    if now > reconsideration_deadline:
        return []
    points = _to_plan(
        _countdown(reconsideration_deadline, offsets, morning, last_morning=False),
        objection_received_at,
        now,
        reconsideration_deadline,
    )
    planned: list[PlannedReminder] = []
    for secretary in sorted(set(secretary_ids)):
        planned.append(
            PlannedReminder(
                resolution_id,
                cycle,
                secretary,
                ReminderKind.SECRETARY_OBJECTION_RECEIVED,
                objection_received_at,
                False,
                RECEIVED,
            )
        )
        planned += [
            PlannedReminder(
                resolution_id, cycle, secretary, ReminderKind.SECRETARY_RECONSIDERATION_DUE, at, False, label
            )
            for label, at in points
        ]
    return planned


def notice(
    resolution_id: int,
    cycle: int,
    recipient_ids: Iterable[int],
    kind: ReminderKind,
    at: dt.datetime,
    *,
    urgent: bool = True,
) -> list[PlannedReminder]:
    """A lapse or escalation notice to everyone concerned, due at the event's instant ``at``."""
    if kind not in NOTICE_KINDS:
        raise ValueError(f"{kind.value} is not a notice")
    return [
        PlannedReminder(resolution_id, cycle, recipient, kind, at, urgent, NOTICE)
        for recipient in sorted(set(recipient_ids))
    ]


def plan_daily_digest(
    official_ids: Iterable[int], now: dt.datetime, *, at: dt.time = MORNING
) -> list[PlannedReminder]:
    """The next daily digest for each official who wants one: ``at`` o'clock Tehran, today if still ahead
    (or exactly now), else tomorrow. The label is that Tehran date, so each day's digest is unique."""
    today = tehran_date(now)
    day = today if _morning_of(today, at) >= now else today + dt.timedelta(days=1)
    due = _morning_of(day, at)
    return [
        PlannedReminder(None, 0, official, ReminderKind.OFFICIAL_DIGEST, due, False, day.isoformat())
        for official in sorted(set(official_ids))
    ]


# --- quiet hours and snoozing


def in_quiet_hours(
    instant: dt.datetime, start: dt.time = QUIET_START, end: dt.time = QUIET_END, tz: ZoneInfo = TEHRAN
) -> bool:
    """Whether the wall time of ``instant`` in ``tz`` falls in ``[start, end)``; the window may cross
    midnight (22:00–07:30). ``start == end`` means no quiet hours."""
    wall = _utc(instant).astimezone(tz).time()
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def defer_for_quiet_hours(
    due_at: dt.datetime, start: dt.time = QUIET_START, end: dt.time = QUIET_END, tz: ZoneInfo = TEHRAN
) -> dt.datetime:
    """``due_at`` if it falls outside the quiet hours, else the instant they end (aware, UTC).

    Due at 23:10 with quiet hours 22:00–07:30 → 07:30 the next morning; due at 03:00 → 07:30 that morning.
    The start is quiet, the end is not. For non-urgent reminders only: see :func:`deliver_at`.
    """
    if not in_quiet_hours(due_at, start, end, tz):
        return _utc(due_at)
    local = due_at.astimezone(tz)
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=tz).astimezone(UTC)


def deliver_at(
    reminder: PlannedReminder, start: dt.time = QUIET_START, end: dt.time = QUIET_END, tz: ZoneInfo = TEHRAN
) -> dt.datetime:
    """When the sweep may send ``reminder`` to a person with these quiet hours: urgent ones at once."""
    return reminder.due_at if reminder.urgent else defer_for_quiet_hours(reminder.due_at, start, end, tz)


_SNOOZE_DELAYS: Mapping[str, dt.timedelta] = {"1h": dt.timedelta(hours=1), "3h": dt.timedelta(hours=3)}


def snooze(
    due_at: dt.datetime, choice: SnoozeChoice, now: dt.datetime, *, morning: dt.time = MORNING
) -> dt.datetime:
    """The new due instant of a reminder snoozed at ``now``; only that reminder moves.

    ``"1h"`` and ``"3h"`` count from ``now`` (or from ``due_at`` if that is later). ``"tomorrow_morning"``
    is ``morning`` (08:00, the hour reminders go out) on the Tehran calendar day after ``now`` — also when
    pressed after midnight, so the button always means the same thing and its label can show the exact time.
    A snoozed non-urgent reminder still waits out the person's quiet hours when it comes due.
    """
    start = max(_utc(due_at), _utc(now))
    if choice == "tomorrow_morning":
        return _morning_of(tehran_date(now) + dt.timedelta(days=1), morning)
    try:
        return start + _SNOOZE_DELAYS[choice]
    except KeyError:
        raise ValueError(f"unknown snooze choice {choice!r}") from None


# --- re-planning and the sweep's checks


class ReplanDiff(NamedTuple):
    """What to change in the stored pending reminders."""

    to_add: list[PlannedReminder]
    to_delete: list[ReminderKey]
    #: Still planned but at another instant (the deadline moved, e.g. an admin added a closure).
    to_reschedule: list[PlannedReminder]


def replan(
    existing: Mapping[ReminderKey, dt.datetime],
    planned: Iterable[PlannedReminder],
    sent_keys: Iterable[ReminderKey] = (),
) -> ReplanDiff:
    """The diff between the pending rows and a fresh plan.

    ``existing`` maps each *pending* row's key to the instant it was planned for (not its snoozed instant:
    a snooze survives a re-plan unless the plan itself moved). ``sent_keys`` are rows already sent: never
    added again, never deleted (they are the dedupe record). Pending rows no longer planned are deleted
    — a member who voted, a ruled, lapsed or revoked resolution, an old review cycle.
    """
    sent = set(sent_keys)
    fresh = {reminder.key: reminder for reminder in planned}
    to_add = [r for key, r in fresh.items() if key not in existing and key not in sent]
    to_delete = [key for key in existing if key not in fresh]
    to_reschedule = [r for key, r in fresh.items() if key in existing and existing[key] != r.due_at]
    return ReplanDiff(to_add, to_delete, to_reschedule)


def should_drop(
    reminder: PlannedReminder, current_status: Status, has_voted: bool, *, current_cycle: int | None = None
) -> bool:
    """Whether events have overtaken ``reminder``: the member voted, the resolution left the status the
    reminder is about (ruled, lapsed, revoked, answered…), or a new review cycle began. Notices and the
    digest are never dropped."""
    if reminder.kind in NOTICE_KINDS or reminder.kind == ReminderKind.OFFICIAL_DIGEST:
        return False
    if current_cycle is not None and reminder.cycle != current_cycle:
        return True
    if reminder.kind == ReminderKind.MEMBER_VOTE_DUE and has_voted:
        return True
    return current_status != _LIVE_STATUS[reminder.kind]


def still_matters(
    reminder: PlannedReminder,
    now: dt.datetime,
    deadline: dt.datetime | None,
    *,
    offsets: Sequence[int] | None = None,
    morning: dt.time = MORNING,
) -> bool:
    """Whether a reminder whose time has come is still worth sending at ``now`` (say, after downtime).

    Notices: always. The digest: only on the Tehran day it was for. The objection-received message and the
    last-day warnings: until ``deadline``. A countdown reminder (``"7d"``, ``"3d"``, ``"1d"``): until the
    next point of its countdown comes (then that one speaks for it) and never after ``deadline``;
    ``offsets`` default to the kind's (7, 3, 1 for members, 3, 1 for secretaries) and must match the plan.
    """
    if reminder.kind in NOTICE_KINDS:
        return True
    if reminder.kind == ReminderKind.OFFICIAL_DIGEST:
        return tehran_date(now).isoformat() == reminder.offset_label
    if deadline is None:
        raise ValueError(f"{reminder.kind.value} needs its deadline")
    if now > deadline:
        return False
    if reminder.offset_label in (RECEIVED, LAST_MORNING):
        return True
    member = reminder.kind == ReminderKind.MEMBER_VOTE_DUE
    countdown = _countdown(
        deadline,
        offsets if offsets is not None else (REVIEW_OFFSETS if member else RECONSIDERATION_OFFSETS),
        morning,
        last_morning=member,
    )
    instants = dict(countdown)
    if reminder.offset_label not in instants:
        raise ValueError(f"{reminder.offset_label!r} is not a point of the countdown {list(instants)}")
    mine = instants[reminder.offset_label]
    later = [at for _, at in countdown if at > mine]
    return not later or now < later[0]


def _utc(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant!r}")
    return instant.astimezone(UTC)
