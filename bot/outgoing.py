"""Outgoing flood control for every Bot API call the bot makes (DESIGN §5), as an aiogram session middleware.

Telegram (and Bale, which copies it) allows about 30 calls a second overall, one message a second per chat
and 20 a minute per group, answers 429 with ``retry_after`` beyond that, and now and then 5xx or nothing.
:class:`FloodControl` paces every call so that the limits are not reached, rides out the 429s that still
come, retries server and network failures with exponential backoff, and reports blocked chats::

    bot.session.middleware(FloodControl.from_settings(settings))

What is limited: ``getUpdates`` never (long polling is not sending); every other call counts against the
overall rate; calls that act on a chat (a ``chat_id``: sendMessage, sendDocument, editMessageText,
deleteMessage, sendChatAction…) also against that chat's rate, except reads (``get…``). Group chats
(negative ids, or a ``@channel`` username) have the slower group rate. Calls to one chat go out one at a
time, in the order made, so a chat never sees its messages reordered by a retry.

Bursts: Telegram tolerates short bursts in one chat, and a reply to someone who just tapped a button is
often two or three calls (edit the old message, send the next). So a chat may take up to
``per_chat_burst`` (3) calls at once and then keeps to its rate; bulk pushes — the reminder sweep — run
inside :func:`bulk` and keep strictly to the rate, with no burst, and yield the overall slots to replies.
The overall rate never bursts.

Pacing is GCRA (a virtual schedule of evenly spaced slots), not a leaky bucket: aiolimiter's
``AsyncLimiter(30, 1)`` lets 30 calls through at once and then 30 a second (59 in the first second,
measured), and ``AsyncLimiter(1, 1/30)`` loses every late timer wake-up (29.1/s measured, before any
headroom). Slots here stay on their schedule when the timer is a little late, a longer stall (a GC pause)
is not made up with a burst, and the pacer takes the injected clock and sleep, so tests can run on virtual
time.

``headroom`` (3 % by default) keeps the pace a little under each configured rate: the platform counts
calls when they arrive, we when they leave, and jitter in between can squeeze two calls closer than we
spaced them.

Retries: on 429 the call waits ``retry_after`` and is made again. A 429 on a call to one chat pauses that
chat only (others go on); a 429 on a call without a chat, or on a second chat while the first chat's pause
is running, means the bot as a whole is over its limit and pauses every call. 5xx and network errors are
retried after ``backoff_base · 2ⁿ`` seconds, at most ``max_retries`` times, then raised (a 429 that keeps
coming is raised after ``max_retries`` waits too). A network error (a timeout) may hide a call that did
arrive, so a retried send can in rare cases be delivered twice: part of the at-least-once window the
reminder sweep documents. 403 (blocked, kicked, never started) is not retried: ``on_blocked(chat_id)`` is
awaited and the error raised to the caller.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.settings import Settings

log = logging.getLogger(__name__)

ChatId = int | str
BlockedHook = Callable[[int], Awaitable[None]]
Sleep = Callable[[float], Awaitable[Any]]
Clock = Callable[[], float]

# How many idle chats' pacing state to keep; busy chats and chats inside their spacing are never evicted.
DEFAULT_MAX_CHATS = 10_000
_EVICTION_SCAN = 8

_BULK: ContextVar[bool] = ContextVar("outgoing_bulk", default=False)


@contextmanager
def bulk() -> Iterator[None]:
    """Calls made inside (and in tasks started inside) are bulk pushes, such as the reminder sweep's: they
    keep strictly to each chat's rate, with no burst, and let replies take the overall slots first."""
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


class _Schedule:
    """GCRA: calls conform to evenly spaced slots ``interval`` apart, ``burst`` at most ahead of schedule."""

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, per_second: float, burst: int = 1) -> None:
        if per_second <= 0:
            raise ValueError(f"a rate must be positive, got {per_second}")
        if burst < 1:
            raise ValueError(f"a burst is at least 1, got {burst}")
        self.interval = 1.0 / per_second
        self.tolerance = (burst - 1) * self.interval
        self.tat = -math.inf  # theoretical arrival time of the next call

    def earliest(self, *, strict: bool = False) -> float:
        """The first instant the next call conforms (``strict``: on schedule, no burst)."""
        return self.tat if strict else self.tat - self.tolerance

    def take(self, at: float) -> None:
        """Record a call made (or scheduled) at ``at``."""
        self.tat = max(self.tat, at) + self.interval


class _PriorityLock:
    """A lock handed to waiters by priority (lower first), then in arrival order."""

    def __init__(self) -> None:
        self._locked = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int) -> None:
        if not self._locked and not self._waiters:
            self._locked = True
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed the lock just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            *_, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)  # the lock passes straight to the next waiter
                return
        self._locked = False


class _ChatGate:
    """One chat's pacing, and the lock that sends its calls one at a time."""

    __slots__ = ("lock", "paused_until", "schedule", "users")

    def __init__(self, per_second: float, burst: int) -> None:
        self.lock = asyncio.Lock()
        self.schedule = _Schedule(per_second, burst)
        self.paused_until = -math.inf  # a 429's retry_after for this chat
        self.users = 0  # calls holding or waiting for the lock

    def earliest(self, *, strict: bool) -> float:
        return max(self.schedule.earliest(strict=strict), self.paused_until)

    def idle(self, now: float) -> bool:
        return self.users == 0 and max(self.schedule.tat, self.paused_until) <= now


def chat_of(method: TelegramMethod[Any]) -> ChatId | None:
    """The chat whose rate the call counts against, or ``None`` (overall rate only)."""
    chat_id = getattr(method, "chat_id", None)
    if chat_id is None or not isinstance(chat_id, int | str):
        return None
    if method.__api_method__.startswith("get"):
        return None
    return chat_id


def is_group(chat_id: ChatId) -> bool:
    """Groups and channels: negative ids, or an ``@username`` (only channels and supergroups have one)."""
    return isinstance(chat_id, str) or chat_id < 0


class FloodControl(BaseRequestMiddleware):
    """Paces, retries and reports the bot's outgoing calls; see the module docstring."""

    def __init__(
        self,
        global_per_second: float = 30.0,
        per_chat_per_second: float = 1.0,
        per_group_per_minute: float = 20.0,
        *,
        per_chat_burst: int = 3,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        headroom: float = 0.03,
        max_chats: int = DEFAULT_MAX_CHATS,
        on_blocked: BlockedHook | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        if not 0 <= headroom < 1:
            raise ValueError(f"headroom is a fraction in [0, 1), got {headroom}")
        if max_retries < 0:
            raise ValueError(f"max_retries cannot be negative, got {max_retries}")
        pace = 1.0 - headroom
        self.global_per_second = global_per_second * pace
        self.per_chat_per_second = per_chat_per_second * pace
        self.per_group_per_second = per_group_per_minute / 60.0 * pace
        self.per_chat_burst = per_chat_burst
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_chats = max_chats
        self.on_blocked = on_blocked
        self._sleep = sleep
        self._clock = clock
        self._global = _Schedule(self.global_per_second)
        self._global_lock = _PriorityLock()
        self._paused_until = -math.inf
        self._chats: OrderedDict[ChatId, _ChatGate] = OrderedDict()
        self._chat_pauses: dict[ChatId, float] = {}  # chats paused by a 429, until when

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> FloodControl:
        """Flood control with the limits configured for the platform (``OUTGOING_*``)."""
        options: dict[str, Any] = {
            "global_per_second": settings.outgoing_global_per_second,
            "per_chat_per_second": settings.outgoing_per_chat_per_second,
            "per_group_per_minute": settings.outgoing_per_group_per_minute,
            "max_retries": settings.outgoing_max_retries,
        }
        return cls(**{**options, **overrides})

    @property
    def tracked_chats(self) -> int:
        """How many chats' pacing state is held now (bounded by ``max_chats`` plus the busy ones)."""
        return len(self._chats)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)
        chat = chat_of(method)
        if chat is None:
            return await self._send(make_request, bot, method, None, None)
        gate = self._gate(chat)
        gate.users += 1
        try:
            async with gate.lock:
                return await self._send(make_request, bot, method, chat, gate)
        finally:
            gate.users -= 1

    async def _send(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
        chat: ChatId | None,
        gate: _ChatGate | None,
    ) -> Response[TelegramType]:
        floods = failures = 0
        while True:
            await self._wait_turn(gate)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                floods += 1
                if floods > self.max_retries:
                    raise
                log.warning(
                    "%s to %s: flood control, retry in %s s", method.__api_method__, chat, error.retry_after
                )
                self._pause(chat, gate, error.retry_after)
            except TelegramForbiddenError:
                if isinstance(chat, int) and self.on_blocked is not None:
                    await self._report_blocked(chat)
                raise
            except (TelegramServerError, TelegramNetworkError) as error:
                if isinstance(error, TelegramEntityTooLarge) or failures >= self.max_retries:
                    raise
                delay = self.backoff_base * 2**failures
                failures += 1
                log.warning(
                    "%s to %s failed (%s); retry %d of %d in %.1f s",
                    method.__api_method__,
                    chat,
                    error,
                    failures,
                    self.max_retries,
                    delay,
                )
                await self._sleep(delay)

    async def _wait_turn(self, gate: _ChatGate | None) -> None:
        """Wait until the chat's spacing, any pause and the overall pace all allow the next call."""
        pushing = _BULK.get()
        if gate is not None:
            await self._sleep_until(lambda: gate.earliest(strict=pushing))
        # Overall slots go to replies before bulk pushes, each kind in the order it reached here, so that a
        # person using the bot during a reminder wave is not queued behind it.
        await self._global_lock.acquire(1 if pushing else 0)
        try:
            # A slot missed by a late timer (under a quarter interval) is kept, so the pace does not drift
            # below the rate; a longer stall loses the time instead of bursting to make it up.
            slack = self._global.interval / 4
            now, slot = self._clock(), self._global.earliest()
            target = slot if slot >= now - slack else now
            await self._sleep_until(lambda: max(target, self._paused_until))
            target = max(target, self._paused_until)
            woke = self._clock()
            self._global.take(target if woke - target <= slack else woke)
        finally:
            self._global_lock.release()
        if gate is not None:
            gate.schedule.take(self._clock())

    async def _sleep_until(self, instant: Callable[[], float]) -> None:
        # ``instant`` is re-read after each sleep: a pause may have been extended meanwhile.
        while (wait := max(instant(), self._paused_until) - self._clock()) > 0:
            await self._sleep(wait)

    def _pause(self, chat: ChatId | None, gate: _ChatGate | None, retry_after: float) -> None:
        now = self._clock()
        until = now + retry_after
        self._chat_pauses = {c: t for c, t in self._chat_pauses.items() if t > now}
        if gate is None or any(c != chat for c in self._chat_pauses):
            self._paused_until = max(self._paused_until, until)
        if gate is not None and chat is not None:
            gate.paused_until = max(gate.paused_until, until)
            self._chat_pauses[chat] = until

    async def _report_blocked(self, chat_id: int) -> None:
        assert self.on_blocked is not None
        try:
            await self.on_blocked(chat_id)
        except Exception:  # the hook's failure must not hide the 403 from the caller
            log.exception("on_blocked hook failed for chat %s", chat_id)

    def _gate(self, chat: ChatId) -> _ChatGate:
        gate = self._chats.get(chat)
        if gate is not None:
            self._chats.move_to_end(chat)
            return gate
        rate = self.per_group_per_second if is_group(chat) else self.per_chat_per_second
        gate = self._chats[chat] = _ChatGate(rate, self.per_chat_burst)
        if len(self._chats) > self.max_chats:
            self._evict()
        return gate

    def _evict(self) -> None:
        """Forget the least recently used chats that are idle and past their spacing (a few per call, so
        a new chat costs O(1)); forgetting them cannot loosen a limit."""
        now = self._clock()
        for _ in range(_EVICTION_SCAN):
            if len(self._chats) <= self.max_chats:
                return
            chat, gate = next(iter(self._chats.items()))
            if gate.idle(now):
                del self._chats[chat]
            else:
                self._chats.move_to_end(chat)
