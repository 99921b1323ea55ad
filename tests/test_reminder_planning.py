"""Planning reminders from deadlines (DESIGN §5): exact instants, stated in Jalali Tehran time."""

from __future__ import annotations

import datetime as dt

import pytest

from council.calendar import WorkingCalendar
from council.deadlines import reconsideration_deadline, review_deadline, time_left_parts
from council.jalali import parse_jalali_datetime, tehran_date, to_tehran_iso
from council.rules import StatutoryRules
from council.status import Status
from reminders.planning import (
    PlannedReminder,
    ReminderKind,
    defer_for_quiet_hours,
    deliver_at,
    notice,
    plan_daily_digest,
    plan_reconsideration_reminders,
    plan_review_reminders,
    replan,
    should_drop,
    snooze,
    still_matters,
)

RULES = StatutoryRules()
CALENDAR = WorkingCalendar()
MEMBER = ReminderKind.MEMBER_VOTE_DUE
BOARD_SECRETARY = ReminderKind.BOARD_SECRETARY_LAST_DAY
RECEIVED = ReminderKind.SECRETARY_OBJECTION_RECEIVED
RECONSIDERATION = ReminderKind.SECRETARY_RECONSIDERATION_DUE


def J(text: str) -> dt.datetime:
    """A Tehran wall-clock instant written in Jalali: ``J("1405/09/14 08:00")``."""
    return parse_jalali_datetime(text)


def schedule(planned: list[PlannedReminder]) -> list[tuple[int, str, str, str, bool]]:
    """(recipient, kind, label, due in Tehran ISO, urgent), in due order then recipient."""
    rows = sorted(planned, key=lambda r: (r.due_at, r.recipient_id, r.kind))
    return [(r.recipient_id, r.kind.value, r.offset_label, to_tehran_iso(r.due_at), r.urgent) for r in rows]


# Communicated Saturday 1405/09/07 10:30: the 14-day window ends Saturday 1405/09/21 23:59:59.
OPENED = J("1405/09/07 10:30")
DEADLINE = review_deadline(OPENED, RULES, CALENDAR)


def test_the_review_deadline_of_the_running_example() -> None:
    assert DEADLINE == J("1405/09/21 23:59") + dt.timedelta(seconds=59)


def test_members_are_reminded_at_8_on_7_3_1_days_before_the_last_day_and_on_its_morning() -> None:
    planned = plan_review_reminders(10, 1, DEADLINE, [7, 5], [9], OPENED, opened_at=OPENED)
    assert schedule(planned) == [
        (5, "member_vote_due", "7d", "2026-12-05T08:00:00+03:30", False),  # 1405/09/14
        (7, "member_vote_due", "7d", "2026-12-05T08:00:00+03:30", False),
        (5, "member_vote_due", "3d", "2026-12-09T08:00:00+03:30", False),  # 1405/09/18
        (7, "member_vote_due", "3d", "2026-12-09T08:00:00+03:30", False),
        (5, "member_vote_due", "1d", "2026-12-11T08:00:00+03:30", False),  # 1405/09/20, a Friday
        (7, "member_vote_due", "1d", "2026-12-11T08:00:00+03:30", False),
        (5, "member_vote_due", "last_morning", "2026-12-12T08:00:00+03:30", True),  # 1405/09/21
        (7, "member_vote_due", "last_morning", "2026-12-12T08:00:00+03:30", True),
        (9, "board_secretary_last_day", "last_morning", "2026-12-12T08:00:00+03:30", True),
    ]
    assert planned[0].due_at.tzinfo is dt.UTC
    assert planned[0].key == (10, 1, 5, MEMBER, "7d")


def test_offsets_count_back_from_the_holiday_extended_last_day() -> None:
    # Communicated 1405/12/16: Esfand 1405 has 29 days, so day 14 is 1406/01/01 (Nowruz); 01/01–01/04
    # are holidays, so the last day moves to Thursday 1406/01/05.
    opened = J("1405/12/16 10:30")
    deadline = review_deadline(opened, RULES, CALENDAR)
    assert to_tehran_iso(deadline) == "2027-03-25T23:59:59+03:30"  # 1406/01/05
    planned = plan_review_reminders(1, 1, deadline, [3], [], opened, opened_at=opened)
    assert [(r.offset_label, r.due_at) for r in planned] == [
        ("7d", J("1405/12/27 08:00")),
        ("3d", J("1406/01/02 08:00")),  # a Nowruz holiday: members may still vote
        ("1d", J("1406/01/04 08:00")),
        ("last_morning", J("1406/01/05 08:00")),
    ]


@pytest.mark.parametrize(
    ("now", "labels"),
    [
        # Planned when communicated: every point is ahead.
        (OPENED, ["7d", "3d", "1d", "last_morning"]),
        # Re-planned 10 s after the 7d point: it stays (the sweep may not have sent it yet).
        (J("1405/09/14 08:00") + dt.timedelta(seconds=10), ["7d", "3d", "1d", "last_morning"]),
        # Re-planned after downtime covering 7d and 3d: only the latest passed point is kept.
        (J("1405/09/19 12:00"), ["3d", "1d", "last_morning"]),
        (J("1405/09/21 20:00"), ["last_morning"]),
        # After the deadline nothing is planned: the sweep lapses the resolution.
        (J("1405/09/22 00:00"), []),
    ],
)
def test_planning_after_some_points_passed(now: dt.datetime, labels: list[str]) -> None:
    planned = plan_review_reminders(1, 1, DEADLINE, [3], [], now, opened_at=OPENED)
    assert [r.offset_label for r in planned] == labels


def test_a_short_window_does_not_start_with_reminders_from_before_it_opened() -> None:
    rules = StatutoryRules(review_days=2)
    opened = J("1405/09/07 10:30")  # Saturday; last day Monday 1405/09/09
    deadline = review_deadline(opened, rules, CALENDAR)
    planned = plan_review_reminders(1, 1, deadline, [3], [4], opened, opened_at=opened)
    assert schedule(planned) == [
        (3, "member_vote_due", "1d", "2026-11-29T08:00:00+03:30", False),
        (3, "member_vote_due", "last_morning", "2026-11-30T08:00:00+03:30", True),
        (4, "board_secretary_last_day", "last_morning", "2026-11-30T08:00:00+03:30", True),
    ]


def test_secretaries_hear_of_the_objection_at_once_then_3_and_1_days_before_the_deadline() -> None:
    received = J("1405/10/01 16:00")
    deadline = reconsideration_deadline(received, RULES, CALENDAR)
    assert to_tehran_iso(deadline) == "2027-01-02T23:59:59+03:30"  # Saturday 1405/10/12
    planned = plan_reconsideration_reminders(10, 1, received, deadline, [21], received)
    assert schedule(planned) == [
        (21, "secretary_objection_received", "received", "2026-12-22T16:00:00+03:30", False),
        (21, "secretary_reconsideration_due", "3d", "2026-12-30T08:00:00+03:30", False),  # 1405/10/09
        (21, "secretary_reconsideration_due", "1d", "2027-01-01T08:00:00+03:30", False),  # 1405/10/11
    ]
    # Four days later the news of the objection is still planned (it may not have gone out yet).
    later = plan_reconsideration_reminders(10, 1, received, deadline, [21], J("1405/10/05 09:00"))
    assert [r.offset_label for r in later] == ["received", "3d", "1d"]


def test_notices_are_urgent_and_only_lapse_or_escalation() -> None:
    at = J("1405/09/22 00:00")
    planned = notice(10, 1, [7, 5, 7], ReminderKind.LAPSE_NOTICE, at)
    assert [(r.recipient_id, r.offset_label, r.urgent, r.due_at) for r in planned] == [
        (5, "notice", True, at),
        (7, "notice", True, at),
    ]
    with pytest.raises(ValueError, match="not a notice"):
        notice(10, 1, [5], MEMBER, at)


@pytest.mark.parametrize(
    ("now", "due", "label"),
    [
        (J("1405/09/07 06:00"), J("1405/09/07 08:00"), "2026-11-28"),
        (J("1405/09/07 08:00"), J("1405/09/07 08:00"), "2026-11-28"),
        (J("1405/09/07 08:01"), J("1405/09/08 08:00"), "2026-11-29"),
    ],
)
def test_the_daily_digest_is_at_8_today_or_tomorrow(now: dt.datetime, due: dt.datetime, label: str) -> None:
    (digest,) = plan_daily_digest([30], now)
    assert (digest.resolution_id, digest.due_at, digest.offset_label) == (None, due, label)


# --- quiet hours


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("1405/09/07 21:59", "1405/09/07 21:59"),  # before the quiet hours
        ("1405/09/07 22:00", "1405/09/08 07:30"),  # the start is quiet
        ("1405/09/07 23:10", "1405/09/08 07:30"),  # before midnight → next morning
        ("1405/09/08 00:00", "1405/09/08 07:30"),  # midnight
        ("1405/09/08 03:00", "1405/09/08 07:30"),  # after midnight → that morning
        ("1405/09/08 07:29", "1405/09/08 07:30"),
        ("1405/09/08 07:30", "1405/09/08 07:30"),  # the end is not quiet
        ("1405/12/29 23:00", "1406/01/01 07:30"),  # across the Jalali new year
    ],
)
def test_quiet_hours_across_midnight_defer_to_their_end(due: str, expected: str) -> None:
    assert defer_for_quiet_hours(J(due)) == J(expected)


def test_quiet_hours_within_one_day_and_none() -> None:
    siesta = (dt.time(13, 0), dt.time(15, 0))
    assert defer_for_quiet_hours(J("1405/09/07 14:00"), *siesta) == J("1405/09/07 15:00")
    assert defer_for_quiet_hours(J("1405/09/07 15:00"), *siesta) == J("1405/09/07 15:00")
    assert defer_for_quiet_hours(J("1405/09/07 12:59"), *siesta) == J("1405/09/07 12:59")
    never = (dt.time(0, 0), dt.time(0, 0))
    assert defer_for_quiet_hours(J("1405/09/07 03:00"), *never) == J("1405/09/07 03:00")


def test_urgent_reminders_ignore_quiet_hours() -> None:
    at = J("1405/09/22 00:00")
    (lapse,) = notice(1, 1, [5], ReminderKind.LAPSE_NOTICE, at)
    (received,) = plan_reconsideration_reminders(1, 1, at, at + dt.timedelta(days=10), [5], at)[:1]
    assert deliver_at(lapse) == at
    assert deliver_at(received) == J("1405/09/22 07:30")
    # A person's own quiet hours (here until 09:00).
    assert deliver_at(received, dt.time(23, 0), dt.time(9, 0)) == J("1405/09/22 09:00")


# --- snooze


@pytest.mark.parametrize(
    ("now", "choice", "expected"),
    [
        ("1405/09/14 08:02", "1h", "1405/09/14 09:02"),
        ("1405/09/14 08:02", "3h", "1405/09/14 11:02"),
        ("1405/09/14 21:30", "1h", "1405/09/14 22:30"),  # lands in quiet hours; the sweep defers it
        ("1405/09/14 08:02", "tomorrow_morning", "1405/09/15 08:00"),
        ("1405/09/14 23:50", "tomorrow_morning", "1405/09/15 08:00"),
        ("1405/09/15 00:30", "tomorrow_morning", "1405/09/16 08:00"),  # the next calendar day, always
        ("1405/12/29 10:00", "tomorrow_morning", "1406/01/01 08:00"),
    ],
)
def test_snooze(now: str, choice: str, expected: str) -> None:
    due = J("1405/09/14 08:00")
    assert snooze(due, choice, J(now)) == J(expected)  # type: ignore[arg-type]


def test_snooze_counts_from_the_later_of_due_and_now_and_refuses_unknown_choices() -> None:
    assert snooze(J("1405/09/14 10:00"), "1h", J("1405/09/14 08:00")) == J("1405/09/14 11:00")
    with pytest.raises(ValueError, match="unknown snooze"):
        snooze(J("1405/09/14 10:00"), "2h", J("1405/09/14 08:00"))  # type: ignore[arg-type]


# --- time left


@pytest.mark.parametrize(
    ("now", "parts"),
    [
        ("1405/09/14 08:00", (7, 16, 0)),  # the 7d reminder: 7 days 16 hours (deadline read as midnight)
        ("1405/09/19 20:57", (2, 3, 3)),
        ("1405/09/21 08:00", (0, 16, 0)),
        ("1405/09/21 23:59", (0, 0, 1)),
        ("1405/09/22 00:00", (0, 0, 0)),  # passed
    ],
)
def test_time_left_parts(now: str, parts: tuple[int, int, int]) -> None:
    assert time_left_parts(J(now), DEADLINE) == parts


# --- re-planning


def test_a_member_who_voted_loses_their_pending_reminders_and_sent_ones_are_never_re_added() -> None:
    before = plan_review_reminders(1, 1, DEADLINE, [3, 5], [9], OPENED, opened_at=OPENED)
    sent = [r.key for r in before if r.offset_label == "7d"]
    pending = {r.key: r.due_at for r in before if r.offset_label != "7d"}
    now = J("1405/09/15 11:00")  # member 5 votes
    after = plan_review_reminders(1, 1, DEADLINE, [3], [9], now, opened_at=OPENED)
    diff = replan(pending, after, sent)
    assert diff.to_add == []
    assert sorted(diff.to_delete, key=str) == [
        (1, 1, 5, MEMBER, "1d"),
        (1, 1, 5, MEMBER, "3d"),
        (1, 1, 5, MEMBER, "last_morning"),
    ]
    assert diff.to_reschedule == []


def test_a_ruling_deletes_everything_pending_and_a_closure_reschedules() -> None:
    planned = plan_review_reminders(1, 1, DEADLINE, [3], [9], OPENED, opened_at=OPENED)
    pending = {r.key: r.due_at for r in planned}
    assert replan(pending, []).to_delete == list(pending)
    # An admin closes offices on the last day: it moves to Sunday 1405/09/22, every point a day later.
    closed = WorkingCalendar(closures={tehran_date(DEADLINE): "آلودگی هوا"})
    moved = plan_review_reminders(
        1, 1, review_deadline(OPENED, RULES, closed), [3], [9], OPENED, opened_at=OPENED
    )
    diff = replan(pending, moved)
    assert (diff.to_add, diff.to_delete) == ([], [])
    assert [(r.offset_label, r.due_at) for r in diff.to_reschedule][:2] == [
        ("7d", J("1405/09/15 08:00")),
        ("3d", J("1405/09/19 08:00")),
    ]


def test_a_snoozed_reminder_survives_a_replan() -> None:
    planned = plan_review_reminders(1, 1, DEADLINE, [3], [], OPENED, opened_at=OPENED)
    # Storage keeps the planned instant apart from the snoozed one; the diff compares planned instants.
    pending = {r.key: r.due_at for r in planned}
    assert replan(pending, planned) == ([], [], [])


def test_an_amendment_starts_a_new_cycle_and_the_old_one_goes() -> None:
    old = plan_review_reminders(1, 1, DEADLINE, [3], [], OPENED, opened_at=OPENED)
    reopened = J("1405/09/25 09:00")
    new = plan_review_reminders(
        1, 2, review_deadline(reopened, RULES, CALENDAR), [3], [], reopened, opened_at=reopened
    )
    diff = replan({r.key: r.due_at for r in old}, new)
    assert {key[1] for key in diff.to_delete} == {1}
    assert {r.cycle for r in diff.to_add} == {2}


# --- the sweep's checks


@pytest.mark.parametrize(
    ("kind", "status", "voted", "cycle", "dropped"),
    [
        (MEMBER, Status.UNDER_REVIEW, False, 1, False),
        (MEMBER, Status.UNDER_REVIEW, True, 1, True),  # the member voted
        (MEMBER, Status.ENFORCEABLE, False, 1, True),  # ruled
        (MEMBER, Status.ENFORCEABLE_LAPSED, False, 1, True),  # lapsed
        (MEMBER, Status.UNDER_REVIEW, False, 2, True),  # amended: a new cycle
        (BOARD_SECRETARY, Status.UNDER_REVIEW, False, 1, False),
        (BOARD_SECRETARY, Status.OBJECTED, False, 1, True),
        (RECEIVED, Status.OBJECTED, False, 1, False),
        (RECONSIDERATION, Status.REVOKED, False, 1, True),  # revoked
        (RECONSIDERATION, Status.ESCALATED, False, 1, True),  # insisted
        (ReminderKind.LAPSE_NOTICE, Status.ENFORCEABLE_LAPSED, True, 2, False),  # never dropped
        (ReminderKind.ESCALATION_NOTICE, Status.UPHELD, False, 2, False),
    ],
)
def test_should_drop(kind: ReminderKind, status: Status, voted: bool, cycle: int, dropped: bool) -> None:
    reminder = PlannedReminder(1, 1, 5, kind, OPENED, False, "x")
    assert should_drop(reminder, status, voted, current_cycle=cycle) is dropped


def _member(label: str, due: str) -> PlannedReminder:
    return PlannedReminder(1, 1, 5, MEMBER, J(due), label == "last_morning", label)


@pytest.mark.parametrize(
    ("reminder", "now", "matters"),
    [
        # Down from Wednesday 1405/09/13 to the moment in the second column:
        (_member("7d", "1405/09/14 08:00"), "1405/09/14 08:00", True),
        (_member("7d", "1405/09/14 08:00"), "1405/09/17 22:00", True),  # 3d comes tomorrow
        (_member("7d", "1405/09/14 08:00"), "1405/09/18 08:00", False),  # the 3d reminder speaks for it
        (_member("1d", "1405/09/20 08:00"), "1405/09/21 07:59", True),
        (_member("1d", "1405/09/20 08:00"), "1405/09/21 08:00", False),
        (_member("last_morning", "1405/09/21 08:00"), "1405/09/21 23:00", True),
        (_member("last_morning", "1405/09/21 08:00"), "1405/09/22 00:00", False),  # after the deadline
    ],
)
def test_still_matters_after_downtime(reminder: PlannedReminder, now: str, matters: bool) -> None:
    assert still_matters(reminder, J(now), DEADLINE) is matters


def test_notices_always_matter_and_the_digest_only_on_its_day() -> None:
    (lapse,) = notice(1, 1, [5], ReminderKind.LAPSE_NOTICE, J("1405/09/22 00:00"))
    assert still_matters(lapse, J("1405/10/30 12:00"), None)
    (digest,) = plan_daily_digest([30], J("1405/09/07 06:00"))
    assert still_matters(digest, J("1405/09/07 21:00"), None)
    assert not still_matters(digest, J("1405/09/08 08:00"), None)


def test_secretary_countdown_and_received_matter_until_the_deadline() -> None:
    received = J("1405/10/01 16:00")
    deadline = reconsideration_deadline(received, RULES, CALENDAR)
    news, three, one = plan_reconsideration_reminders(10, 1, received, deadline, [21], received)
    assert still_matters(news, J("1405/10/12 23:00"), deadline)
    assert still_matters(three, J("1405/10/10 23:00"), deadline)
    assert not still_matters(three, J("1405/10/11 08:00"), deadline)
    assert still_matters(one, J("1405/10/12 23:59"), deadline)
    assert not still_matters(one, J("1405/10/13 00:00"), deadline)
