"""Optional flood limits for the local Bot API server: answer 429 with ``retry_after`` as Telegram does.

Off by default. With :class:`RateLimits` the server admits at most ``global_per_second × window`` calls in
any ``window`` seconds overall (``getUpdates`` aside) and ``per_chat_per_second × window`` per chat (calls
with a ``chat_id``, reads ``get…`` aside) — a strict sliding window, stricter than Telegram, which tolerates
short bursts. A refused call does not count.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.apiserver.methods import ApiError
from bot.apiserver.state import JsonDict


@dataclass(frozen=True)
class RateLimits:
    """Limits the server enforces; ``None`` leaves that limit off."""

    global_per_second: float | None = None
    per_chat_per_second: float | None = None
    window: float = 1.0

    def allowed(self, per_second: float) -> int:
        """Calls admitted per window at ``per_second``."""
        return max(1, math.floor(per_second * self.window + 1e-9))


class RateLimiter:
    """Keeps the arrival times inside the window and refuses what would exceed the limits."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._global: deque[float] = deque()
        self._chats: dict[int | str, deque[float]] = {}
        self.refused = 0

    def admit(self, method: str, params: JsonDict) -> ApiError | None:
        """``None`` when the call may go ahead (and it is counted), else the 429 to answer."""
        if method == "getUpdates":
            return None
        now = self._clock()
        limits = self.limits
        chat_id = params.get("chat_id")
        chat = chat_id if isinstance(chat_id, int | str) and not method.startswith("get") else None
        queues: list[tuple[deque[float], int]] = []
        if limits.global_per_second is not None:
            queues.append((self._global, limits.allowed(limits.global_per_second)))
        if chat is not None and limits.per_chat_per_second is not None:
            queues.append((self._chats.setdefault(chat, deque()), limits.allowed(limits.per_chat_per_second)))
        wait = 0.0
        for arrivals, allowed in queues:
            while arrivals and arrivals[0] <= now - limits.window:
                arrivals.popleft()
            if len(arrivals) >= allowed:
                wait = max(wait, arrivals[len(arrivals) - allowed] + limits.window - now)
        if wait > 0:
            self.refused += 1
            retry_after = max(1, math.ceil(wait))
            return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        for arrivals, _ in queues:
            arrivals.append(now)
        return None
