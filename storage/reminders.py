"""Reminders in the database (DESIGN §5): the rows the sweep plans, claims, sends and records.

Planning itself is pure (``reminders.planning``); this store gives it what a resolution's plan depends on
(:meth:`ReminderStorage.subject`), applies the resulting diff, and lets the sweep claim due rows. Like the
repository it flushes but never commits: the sweep commits each step, so a claim is durable before the
message goes out and the record of sending right after it.

States: ``pending`` → ``sending`` (claimed: one conditional ``UPDATE … WHERE state = 'pending'``, so of
several sweeps or bot instances exactly one gets each row) → ``sent``; or ``dropped`` when events overtook
the reminder, or ``unreachable`` when its person blocked the bot. Rows are never deleted once claimed: they
are the record that a reminder went out, which the key's uniqueness turns into "never twice".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

from council.roles import Role
from council.status import Status

from .models import BoardVote, Reminder, Resolution
from .parts import RepositoryPart

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DROPPED = "dropped"
UNREACHABLE = "unreachable"

_Statement = TypeVar("_Statement", sa.Delete, sa.Update)

#: (resolution, cycle, recipient, kind, offset label): what makes a reminder unique.
StoredKey = tuple[int, int, int, str, str]


@dataclass(frozen=True, slots=True)
class ReminderSubject:
    """What a resolution's reminders are planned from: where it stands, its windows and who must act."""

    resolution_id: int
    status: Status
    cycle: int
    status_at: dt.datetime | None
    review_deadline: dt.datetime | None
    reconsideration_deadline: dt.datetime | None
    members_not_voted: Sequence[int]
    board_secretaries: Sequence[int]
    council_secretaries: Sequence[int]


@dataclass(frozen=True, slots=True)
class ReminderRow:
    """One reminder as stored (``due_at`` is when it may be sent)."""

    resolution_id: int
    cycle: int
    recipient_id: int
    kind: str
    offset_label: str
    urgent: bool
    planned_at: dt.datetime
    due_at: dt.datetime
    id: int = 0

    @property
    def key(self) -> StoredKey:
        return (self.resolution_id, self.cycle, self.recipient_id, self.kind, self.offset_label)


def _row(r: Reminder) -> ReminderRow:
    return ReminderRow(
        r.resolution_id,
        r.cycle,
        r.recipient_id,
        r.kind,
        r.offset_label,
        r.urgent,
        r.planned_at,
        r.due_at,
        r.id,
    )


class ReminderStorage(RepositoryPart):
    """Reminder rows over the repository's session."""

    # --- re-planning

    async def to_replan(self, limit: int) -> list[int]:
        """Resolutions whose reminders must be re-planned (a submission, a vote, a transition since)."""
        rows = await self.session.scalars(
            sa.select(Resolution.id)
            .where(Resolution.replan_reminders.is_(True))
            .order_by(Resolution.id)
            .limit(limit)
        )
        return list(rows)

    async def subject(self, resolution_id: int) -> ReminderSubject | None:
        """Lock the resolution (acts on it wait until the commit) and read what its plan depends on."""
        case = await self.repo.reviews.lock_case(resolution_id)
        if case is None:
            return None
        status_at = await self.session.scalar(
            sa.select(Resolution.status_at).where(Resolution.id == resolution_id)
        )
        voted = set(
            await self.session.scalars(
                sa.select(BoardVote.member_id).where(
                    BoardVote.resolution_id == resolution_id, BoardVote.cycle == case.cycle
                )
            )
        )
        reviews = self.repo.reviews
        members = [p.id for p in await reviews.people_with_role_over(Role.MEMBER, [case.board_code])]
        secretaries = [
            p.id for p in await reviews.people_with_role_over(Role.BOARD_SECRETARY, [case.board_code])
        ]
        council = [p.id for p in await reviews.people_with_role_over(Role.SECRETARY, [case.council_code])]
        return ReminderSubject(
            resolution_id=resolution_id,
            status=case.status,
            cycle=case.cycle,
            status_at=status_at,
            review_deadline=case.review_deadline,
            reconsideration_deadline=case.reconsideration_deadline,
            members_not_voted=[m for m in members if m not in voted],
            board_secretaries=secretaries,
            council_secretaries=council,
        )

    async def stored(self, resolution_id: int) -> tuple[dict[StoredKey, dt.datetime], set[StoredKey]]:
        """The resolution's pending rows (key → planned instant) and the keys of all the others (claimed,
        sent, dropped: never planned again)."""
        pending: dict[StoredKey, dt.datetime] = {}
        done: set[StoredKey] = set()
        for r in await self.session.scalars(
            sa.select(Reminder).where(Reminder.resolution_id == resolution_id)
        ):
            row = _row(r)
            if r.state == PENDING:
                pending[row.key] = r.planned_at
            else:
                done.add(row.key)
        return pending, done

    async def apply_plan(
        self, add: Iterable[ReminderRow], delete: Iterable[StoredKey], reschedule: Iterable[ReminderRow]
    ) -> None:
        """Add new rows, delete pending ones no longer planned, move pending ones whose plan moved."""
        for row in add:
            self.session.add(
                Reminder(
                    resolution_id=row.resolution_id,
                    cycle=row.cycle,
                    recipient_id=row.recipient_id,
                    kind=row.kind,
                    offset_label=row.offset_label,
                    urgent=row.urgent,
                    planned_at=row.planned_at,
                    due_at=row.due_at,
                    state=PENDING,
                )
            )
        for key in delete:
            await self.session.execute(_where_key(sa.delete(Reminder), key).where(Reminder.state == PENDING))
        for row in reschedule:
            await self.session.execute(
                _where_key(sa.update(Reminder), row.key)
                .where(Reminder.state == PENDING)
                .values(planned_at=row.planned_at, due_at=row.due_at)
            )
        await self.session.flush()

    async def planned(self, resolution_id: int) -> None:
        """The resolution's reminders are up to date (call inside :meth:`subject`'s lock)."""
        await self.session.execute(
            sa.update(Resolution)
            .where(Resolution.id == resolution_id)
            .values(replan_reminders=False)
            .execution_options(synchronize_session=False)
        )

    # --- sending

    async def due(self, now: dt.datetime, limit: int) -> list[ReminderRow]:
        """Pending rows due by ``now``, the earliest first (served by the ``(state, due_at)`` index)."""
        rows = await self.session.scalars(
            sa.select(Reminder)
            .where(Reminder.state == PENDING, Reminder.due_at <= now)
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
        return [_row(r) for r in rows]

    async def claim(self, reminder_id: int, now: dt.datetime) -> bool:
        """Take a pending row for sending; ``False`` when another sweep took it (or it went) first."""
        claimed = await self.session.execute(
            sa.update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.state == PENDING)
            .values(state=SENDING, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    async def release_stale(self, now: dt.datetime, lease: dt.timedelta) -> int:
        """Rows claimed before ``now - lease`` and never recorded (their sweep died): pending again. This
        is the at-least-once window: such a row may have gone out before the crash."""
        released = await self.session.execute(
            sa.update(Reminder)
            .where(Reminder.state == SENDING, Reminder.claimed_at < now - lease)
            .values(state=PENDING, claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        return int(released.rowcount)  # type: ignore[attr-defined]

    async def finish(
        self, reminder_id: int, state: str, at: dt.datetime, message_id: int | None = None
    ) -> None:
        """Record how a claimed row ended: ``sent`` (with the message), ``dropped`` or ``unreachable``."""
        await self.session.execute(
            sa.update(Reminder)
            .where(Reminder.id == reminder_id)
            .values(state=state, sent_at=at if state == SENT else None, message_id=message_id)
            .execution_options(synchronize_session=False)
        )

    async def put_back(self, reminder_id: int, due_at: dt.datetime) -> None:
        """A claimed row waits until ``due_at`` (the person's quiet hours)."""
        await self.session.execute(
            sa.update(Reminder)
            .where(Reminder.id == reminder_id)
            .values(state=PENDING, claimed_at=None, due_at=due_at)
            .execution_options(synchronize_session=False)
        )

    async def get(self, reminder_id: int) -> ReminderRow | None:
        row = await self.session.get(Reminder, reminder_id, populate_existing=True)
        return _row(row) if row is not None else None

    async def snooze(self, reminder_id: int, recipient_id: int, due_at: dt.datetime) -> bool:
        """Send the person's reminder again at ``due_at`` (only that row moves; no deadline does). Only a
        sent or still pending reminder of that person; whether it moved."""
        moved = await self.session.execute(
            sa.update(Reminder)
            .where(
                Reminder.id == reminder_id,
                Reminder.recipient_id == recipient_id,
                Reminder.state.in_([PENDING, SENT]),
            )
            .values(state=PENDING, claimed_at=None, due_at=due_at)
            .execution_options(synchronize_session=False)
        )
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]

    async def sent_count(self, recipient_id: int) -> int:
        found = await self.session.scalar(
            sa.select(sa.func.count(Reminder.id)).where(
                Reminder.recipient_id == recipient_id, Reminder.state == SENT
            )
        )
        return int(found or 0)


def _where_key(statement: _Statement, key: StoredKey) -> _Statement:
    resolution_id, cycle, recipient_id, kind, label = key
    return statement.where(
        Reminder.resolution_id == resolution_id,
        Reminder.cycle == cycle,
        Reminder.recipient_id == recipient_id,
        Reminder.kind == kind,
        Reminder.offset_label == label,
    ).execution_options(synchronize_session=False)
