"""The one place that reads the time.

Everything that needs "now" receives a :class:`Clock`; tests and the sandbox use a
:class:`MovableClock` so that deadlines, lapses and reminders can be driven exactly.
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
    """A clock that stands still until moved: for tests and the sandbox."""

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
