"""The performance report's facts of each review cycle (``review_cycles``, see :class:`ReviewCycle`), kept in
step with the event log: :func:`record` is called by ``Repository.append_event`` for every event, in the
event's own transaction, and folds the events the report reads into their cycle's row.

The rule is the one the report applied to the log before these facts were kept (and the one migration
0009 applies to fill them from the log), event by event:

- only ``submitted``, ``ruled``, ``amended``, ``revoked`` and ``insisted`` events with an integer
  ``cycle`` in their payload count;
- ``submitted``: the cycle's review deadline is the payload's ``review_deadline``;
- ``ruled``: the ruling's instant (the latest of the cycle's rulings); a ``conflict`` choice makes the cycle
  an objection, with the payload's ``reconsideration_deadline`` (the latest);
- ``amended`` / ``revoked`` / ``insisted``: the answer's instant (the first of the cycle's answers); an
  amendment with an integer ``new_cycle`` also gives that cycle its review deadline.

Where two events give a cycle's deadline, the later instant is kept (as ``max`` did in the report's SQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from council.review import VoteChoice
from council.reviewing import AMENDED_EVENT, INSISTED_EVENT, REVOKED_EVENT, RULED_EVENT
from council.submitting import SUBMITTED_EVENT

from .models import ReviewCycle

UTC = dt.UTC
ANSWER_EVENTS = (AMENDED_EVENT, REVOKED_EVENT, INSISTED_EVENT)
#: The events whose payloads the report's facts come from.
FACT_EVENTS = (SUBMITTED_EVENT, RULED_EVENT, *ANSWER_EVENTS)


def payload_instant(value: Any) -> dt.datetime | None:
    """An instant kept in an event's payload (ISO 8601 with its offset), in UTC; else ``None``."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def _cycle(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None


def _later(kept: dt.datetime | None, new: dt.datetime | None) -> dt.datetime | None:
    if kept is None or new is None:
        return kept or new
    return max(kept, new)


def _earlier(kept: dt.datetime | None, new: dt.datetime | None) -> dt.datetime | None:
    if kept is None or new is None:
        return kept or new
    return min(kept, new)


async def record(
    session: AsyncSession, kind: str, payload: Mapping[str, Any], resolution_id: int | None, at: dt.datetime
) -> None:
    """Fold one event into its resolution's review cycle facts (nothing for other events)."""
    if resolution_id is None or kind not in FACT_EVENTS:
        return
    cycle = _cycle(payload.get("cycle"))
    if cycle is None:
        return
    if kind == SUBMITTED_EVENT:
        await _fold(session, resolution_id, cycle, deadline=payload_instant(payload.get("review_deadline")))
    elif kind == RULED_EVENT:
        conflict = payload.get("choice") == VoteChoice.CONFLICT.value
        recon = payload_instant(payload.get("reconsideration_deadline")) if conflict else None
        await _fold(session, resolution_id, cycle, ruled_at=at, conflict=conflict, recon=recon)
    else:
        await _fold(session, resolution_id, cycle, answered_at=at)
        new_cycle = _cycle(payload.get("new_cycle"))
        if kind == AMENDED_EVENT and new_cycle is not None:
            deadline = payload_instant(payload.get("review_deadline"))
            await _fold(session, resolution_id, new_cycle, deadline=deadline)


async def _fold(
    session: AsyncSession,
    resolution_id: int,
    cycle: int,
    *,
    deadline: dt.datetime | None = None,
    ruled_at: dt.datetime | None = None,
    conflict: bool = False,
    recon: dt.datetime | None = None,
    answered_at: dt.datetime | None = None,
) -> None:
    table = ReviewCycle.__table__
    key = (table.c.resolution_id == resolution_id) & (table.c.cycle == cycle)
    kept = (await session.execute(sa.select(table).where(key))).first()
    if kept is None:
        await session.execute(
            table.insert().values(
                resolution_id=resolution_id,
                cycle=cycle,
                review_deadline=deadline,
                ruled_at=ruled_at,
                conflict=conflict,
                reconsideration_deadline=recon,
                answered_at=answered_at,
            )
        )
        return
    await session.execute(
        table.update()
        .where(key)
        .values(
            review_deadline=_later(kept.review_deadline, deadline),
            ruled_at=_later(kept.ruled_at, ruled_at),
            conflict=kept.conflict or conflict,
            reconsideration_deadline=_later(kept.reconsideration_deadline, recon),
            answered_at=_earlier(kept.answered_at, answered_at),
        )
    )
