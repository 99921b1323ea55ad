"""The officials' daily digest in the database (DESIGN §5): one row per official and Tehran day.

The row's unique key (recipient, day) is what makes a day's digest go out once: rows are created with an
insert that ignores one already there, claimed with a conditional update (``pending`` → ``sending``,
committed before sending) and recorded right after (``sent`` / ``dropped`` / ``unreachable``), exactly as
reminders are (``storage.reminders``). Like the repository it flushes but never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from council.roles import Role

from .db import dialect_insert
from .models import Digest, Person, RoleBinding
from .parts import RepositoryPart
from .reminders import DROPPED, PENDING, SENDING, SENT


@dataclass(frozen=True, slots=True)
class DigestRow:
    """One day's digest for one official, as stored."""

    id: int
    recipient_id: int
    day: dt.date
    due_at: dt.datetime


class DigestStore(RepositoryPart):
    """Digest rows over the repository's session."""

    async def subscribers(self) -> list[int]:
        """Officials who asked for the digest and can be reached, by id."""
        rows = await self.session.scalars(
            sa.select(Person.id)
            .where(
                Person.digest.is_(True),
                Person.unreachable.is_(False),
                sa.exists().where(
                    RoleBinding.person_id == Person.id, RoleBinding.role == Role.OFFICIAL.value
                ),
            )
            .order_by(Person.id)
        )
        return list(rows)

    async def ensure(self, day: dt.date, due: Mapping[int, dt.datetime], state: str = PENDING) -> None:
        """A ``day`` row for each person in ``due`` (due at the instant given) unless they have one."""
        if not due:
            return
        values = [
            {"recipient_id": person, "day": day, "due_at": at, "state": state} for person, at in due.items()
        ]
        statement = (
            dialect_insert(self.session)(Digest)
            .values(values)
            .on_conflict_do_nothing(index_elements=["recipient_id", "day"])
        )
        await self.session.execute(statement)

    async def due(self, now: dt.datetime, limit: int) -> list[DigestRow]:
        """Pending rows due by ``now``, earliest first."""
        rows = await self.session.execute(
            sa.select(Digest.id, Digest.recipient_id, Digest.day, Digest.due_at)
            .where(Digest.state == PENDING, Digest.due_at <= now)
            .order_by(Digest.due_at, Digest.id)
            .limit(limit)
        )
        return [DigestRow(*row) for row in rows]

    async def claim(self, digest_id: int, now: dt.datetime) -> bool:
        """Take a pending row for sending; ``False`` when another sweep took it first."""
        claimed = await self.session.execute(
            sa.update(Digest)
            .where(Digest.id == digest_id, Digest.state == PENDING)
            .values(state=SENDING, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    async def release_stale(self, now: dt.datetime, lease: dt.timedelta) -> int:
        """Rows claimed before ``now - lease`` and never recorded (their sweep died): pending again."""
        released = await self.session.execute(
            sa.update(Digest)
            .where(Digest.state == SENDING, Digest.claimed_at < now - lease)
            .values(state=PENDING, claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        return int(released.rowcount)  # type: ignore[attr-defined]

    async def finish(
        self, digest_id: int, state: str, at: dt.datetime, message_id: int | None = None
    ) -> None:
        """Record how a claimed row ended."""
        await self.session.execute(
            sa.update(Digest)
            .where(Digest.id == digest_id)
            .values(state=state, sent_at=at if state == SENT else None, message_id=message_id)
            .execution_options(synchronize_session=False)
        )

    async def put_back(self, digest_id: int, due_at: dt.datetime) -> None:
        """A claimed row waits until ``due_at`` (the person's quiet hours)."""
        await self.session.execute(
            sa.update(Digest)
            .where(Digest.id == digest_id)
            .values(state=PENDING, claimed_at=None, due_at=due_at)
            .execution_options(synchronize_session=False)
        )

    async def skip(self, person_id: int, day: dt.date, at: dt.datetime) -> None:
        """The person gets no digest for ``day`` (they subscribed after that day's had gone out)."""
        await self.ensure(day, {person_id: at}, state=DROPPED)

    async def sent(self, person_id: int) -> list[dt.date]:
        """The days whose digest reached the person, oldest first."""
        rows = await self.session.scalars(
            sa.select(Digest.day)
            .where(Digest.recipient_id == person_id, Digest.state == SENT)
            .order_by(Digest.day)
        )
        return list(rows)
