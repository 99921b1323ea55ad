"""The one place that reads the time.

Everything that needs "now" receives a :class:`Clock`. Tests use a :class:`MovableClock` so that deadlines,
lapses and reminders can be driven exactly; the sandbox uses an :class:`OffsetClock`, which runs like the
wall clock but can be moved ahead so that a trainee sees days pass in minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

UTC = dt.UTC


class Clock(Protocol):
    """Source of the current instant (always timezone-aware, in UTC)."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class MovableClock:
    """A clock that stands still until moved: for tests."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("MovableClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, instant: dt.datetime) -> None:
        """Put the clock at ``instant`` (aware)."""
        if instant.tzinfo is None:
            raise ValueError("MovableClock needs an aware datetime")
        self._now = instant.astimezone(UTC)

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move the clock forward by ``delta`` and return the new instant."""
        self._now = self._now + delta
        return self._now


class OffsetClock:
    """The wall clock plus an adjustable offset: time runs, and can be moved ahead (the sandbox)."""

    def __init__(self, base: Clock | None = None) -> None:
        self._base: Clock = base or SystemClock()
        self._offset = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return self._base.now() + self._offset

    @property
    def offset(self) -> dt.timedelta:
        """How far ahead of the underlying clock this clock runs."""
        return self._offset

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move the clock forward by ``delta`` and return the new instant.

        Time never runs backwards here: deadlines already passed stay passed, so a negative ``delta`` is
        refused with :class:`ValueError`; :meth:`reset` is the way back, together with fresh data.
        """
        if delta < dt.timedelta(0):
            raise ValueError("OffsetClock only moves forward; reset() goes back to the wall clock")
        self._offset += delta
        return self.now()

    def reset(self) -> None:
        """Back to the underlying clock (offset zero)."""
        self._offset = dt.timedelta(0)
