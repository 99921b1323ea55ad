"""Outgoing flood control (bot/outgoing.py): pacing, retries and blocked chats.

Exact timing runs on virtual time against a fake transport; behaviour over the wire runs against the real
local Bot API server with fast limits.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, GetChat, GetUpdates, SendMessage, TelegramMethod

from bot.apiserver import LocalBotApiServer, RateLimits
from bot.outgoing import FloodControl, bulk, chat_of
from bot.settings import Settings

# --- virtual time


class VirtualTime:
    """A clock that moves only when every task is waiting: sleeps end in order, instantly."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def run(self, *coros: Awaitable[Any]) -> list[Any]:
        """Run ``coros`` together to completion, advancing time whenever all of them wait."""
        task = asyncio.ensure_future(asyncio.gather(*coros, return_exceptions=True))
        while not task.done():
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers and not task.done():
                at, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, at)
                future.set_result(None)
        return task.result()


class FakeTransport:
    """Stands for the HTTP session: records when each call left, answers with scripted errors first."""

    def __init__(self, time_: VirtualTime) -> None:
        self.time = time_
        self.sent: list[tuple[float, str, Any]] = []
        self.script: list[Callable[[TelegramMethod[Any]], Exception]] = []

    async def __call__(self, bot: Any, method: TelegramMethod[Any]) -> Any:
        self.sent.append((self.time.now, method.__api_method__, getattr(method, "chat_id", None)))
        if self.script:
            raise self.script.pop(0)(method)
        return True

    def times(self, chat: int | None = None) -> list[float]:
        return [round(at, 6) for at, _, c in self.sent if chat is None or c == chat]


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


def flood(vt: VirtualTime, **options: Any) -> FloodControl:
    return FloodControl(sleep=vt.sleep, clock=vt.clock, **options)


def message(chat: int, text: str = "x") -> SendMessage:
    return SendMessage(chat_id=chat, text=text)


def spaced(count: int, interval: float, start: float = 0.0) -> list[float]:
    return [round(start + i * interval, 6) for i in range(count)]


async def test_bulk_sends_to_one_chat_keep_strictly_to_one_a_second_less_the_headroom(
    vt: VirtualTime,
) -> None:
    control, wire = flood(vt), FakeTransport(vt)
    with bulk():
        await vt.run(*(control(wire, None, message(5, str(i))) for i in range(10)))  # type: ignore[arg-type]
    assert wire.times() == spaced(10, 1 / 0.97)
    assert [m for _, _, m in wire.sent] == [5] * 10


async def test_a_reply_may_burst_three_messages_then_one_a_second(vt: VirtualTime) -> None:
    control, wire = flood(vt, headroom=0), FakeTransport(vt)
    await vt.run(*(control(wire, None, message(5)) for _ in range(6)))  # type: ignore[arg-type]
    # Three at once (paced only by the overall 30/s), then back on the one-a-second schedule.
    assert wire.times() == [0.0, round(1 / 30, 6), round(2 / 30, 6), 1.0, 2.0, 3.0]


async def test_a_group_gets_twenty_a_minute(vt: VirtualTime) -> None:
    control, wire = flood(vt, headroom=0), FakeTransport(vt)
    with bulk():
        await vt.run(*(control(wire, None, message(-100123)) for _ in range(4)))  # type: ignore[arg-type]
    assert wire.times() == spaced(4, 3.0)


async def test_many_chats_share_the_overall_pace_and_calls_without_a_chat_count_there_only(
    vt: VirtualTime,
) -> None:
    control, wire = flood(vt, global_per_second=10, headroom=0), FakeTransport(vt)
    calls = [message(chat) for chat in range(1, 6)] + [AnswerCallbackQuery(callback_query_id="q")] * 3
    await vt.run(*(control(wire, None, call) for call in calls))  # type: ignore[arg-type]
    assert wire.times() == spaced(8, 0.1)


async def test_a_reply_overtakes_a_reminder_wave(vt: VirtualTime) -> None:
    control, wire = flood(vt, global_per_second=10, headroom=0), FakeTransport(vt)

    async def wave() -> None:
        with bulk():
            await asyncio.gather(*(control(wire, None, message(chat)) for chat in range(100, 120)))  # type: ignore[arg-type]

    async def reply() -> None:
        await vt.sleep(0.25)
        await control(wire, None, message(5))  # type: ignore[arg-type]

    await vt.run(wave(), reply())
    chats = [chat for _, _, chat in wire.sent]
    # At 0.25 s the reminder for 0.3 already holds its slot; the reply takes the next, ahead of 15 others.
    assert chats.index(5) == 4
    assert wire.times() == spaced(21, 0.1)


@pytest.mark.parametrize(
    ("lateness", "expected"),
    [
        ([0.002] * 5, [0.0, 0.102, 0.202, 0.302, 0.402]),  # slots kept: no drift
        ([0.05] * 5, spaced(5, 0.15)),  # too late: the time is lost, never made up with a burst
        ([0.3, 0, 0, 0, 0], [0.0, 0.4, 0.5, 0.6, 0.7]),  # one stall, then the pace resumes from it
    ],
)
async def test_late_wake_ups_neither_drift_nor_burst(
    vt: VirtualTime, lateness: list[float], expected: list[float]
) -> None:
    late = iter(lateness)

    async def late_sleep(seconds: float) -> None:
        await vt.sleep(seconds + next(late))

    control = FloodControl(global_per_second=10, headroom=0, sleep=late_sleep, clock=vt.clock)
    wire = FakeTransport(vt)
    await vt.run(*(control(wire, None, message(chat)) for chat in range(1, 6)))  # type: ignore[arg-type]
    assert wire.times() == expected


async def test_get_updates_is_never_paced(vt: VirtualTime) -> None:
    control, wire = flood(vt, global_per_second=1, headroom=0), FakeTransport(vt)
    await vt.run(*(control(wire, None, GetUpdates(timeout=0)) for _ in range(5)))  # type: ignore[arg-type]
    assert wire.times() == [0.0] * 5


def test_which_calls_count_against_a_chat() -> None:
    assert chat_of(message(5)) == 5
    assert chat_of(SendMessage(chat_id="@council_news", text="x")) == "@council_news"
    assert chat_of(AnswerCallbackQuery(callback_query_id="q")) is None
    assert chat_of(GetChat(chat_id=5)) is None  # a read


def retry_after(seconds: int) -> Callable[[TelegramMethod[Any]], Exception]:
    return lambda method: TelegramRetryAfter(method, f"Too Many Requests: retry after {seconds}", seconds)


def server_error(method: TelegramMethod[Any]) -> Exception:
    return TelegramServerError(method, "Bad Gateway")


async def test_a_429_on_one_chat_holds_that_chat_only(vt: VirtualTime) -> None:
    control, wire = flood(vt, headroom=0), FakeTransport(vt)
    wire.script = [retry_after(5)]
    with bulk():
        await vt.run(
            control(wire, None, message(1)), control(wire, None, message(1)), control(wire, None, message(2))
        )  # type: ignore[arg-type]
    # Chat 1's first call is refused at 0 and retried at 5, its second follows a second later; chat 2 goes on.
    assert wire.sent == [
        (0.0, "sendMessage", 1),
        (1 / 30, "sendMessage", 2),
        (5.0, "sendMessage", 1),
        (6.0, "sendMessage", 1),
    ]


async def test_a_429_without_a_chat_or_on_a_second_chat_pauses_everything(vt: VirtualTime) -> None:
    control, wire = flood(vt, headroom=0), FakeTransport(vt)
    wire.script = [retry_after(2)]
    answer = AnswerCallbackQuery(callback_query_id="q")
    await vt.run(control(wire, None, answer), control(wire, None, message(7)))  # type: ignore[arg-type]
    assert wire.times() == [0.0, 2.0, round(2 + 1 / 30, 6)]

    control, wire = flood(vt, headroom=0), FakeTransport(vt)
    start = vt.now
    wire.script = [retry_after(4), retry_after(4)]
    calls = [message(1), message(2), message(3)]
    await vt.run(*(control(wire, None, call) for call in calls))  # type: ignore[arg-type]
    # Chats 1 and 2 both refused: the bot as a whole is over its limit; chat 3 waits too.
    assert [round(at - start, 6) for at, _, _ in wire.sent] == [
        0.0,
        round(1 / 30, 6),
        round(4 + 1 / 30, 6),
        round(4 + 2 / 30, 6),
        round(4 + 3 / 30, 6),
    ]
    assert sorted(c for _, _, c in wire.sent[2:]) == [1, 2, 3]


async def test_server_errors_back_off_exponentially_then_give_up(vt: VirtualTime) -> None:
    control, wire = flood(vt, max_retries=3, backoff_base=0.5), FakeTransport(vt)
    wire.script = [server_error] * 3
    assert await vt.run(control(wire, None, message(1))) == [True]  # type: ignore[arg-type]
    assert [s for s in vt.slept if s in (0.5, 1.0, 2.0)] == [0.5, 1.0, 2.0]
    assert len(wire.sent) == 4

    wire.script = [lambda m: TelegramNetworkError(m, "ClientConnectorError")] * 4
    (error,) = await vt.run(control(wire, None, message(2)))  # type: ignore[arg-type]
    assert isinstance(error, TelegramNetworkError)
    assert len(wire.sent) == 4 + 4


async def test_an_evicted_chat_never_loses_its_spacing(vt: VirtualTime) -> None:
    control, wire = flood(vt, max_chats=3, headroom=0), FakeTransport(vt)
    with bulk():
        await vt.run(*(control(wire, None, message(chat)) for chat in range(1, 101)))  # type: ignore[arg-type]
        assert control.tracked_chats <= 3 + 30  # those still inside their one-second spacing stay
        vt.now += 2
        await vt.run(control(wire, None, message(100)))  # type: ignore[arg-type]
    assert control.tracked_chats <= 3 + 1


# --- over the wire, against the local Bot API server


class FastSession(AiohttpSession):
    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApiServer]:
    async with LocalBotApiServer() as srv:
        for user_id in (5, 6, 7):
            srv.user(user_id, f"person {user_id}", started=True)
        yield srv
        srv.assert_no_violations()


def wire_bot(server: LocalBotApiServer, control: FloodControl) -> Bot:
    bot = Bot(server.token, session=FastSession(api=TelegramAPIServer.from_base(server.base_url)))
    bot.session.middleware(control)
    return bot


@pytest.fixture
async def blocked() -> list[int]:
    return []


@pytest.fixture
async def bot(server: LocalBotApiServer, blocked: list[int]) -> AsyncIterator[Bot]:
    async def on_blocked(chat_id: int) -> None:
        blocked.append(chat_id)

    control = FloodControl(
        global_per_second=1000, per_chat_per_second=20, backoff_base=0.01, headroom=0, on_blocked=on_blocked
    )
    bot = wire_bot(server, control)
    yield bot
    await bot.session.close()


def texts(server: LocalBotApiServer, chat: int) -> list[str]:
    return [m.text or "" for m in server.state.bot_messages(chat)]


async def test_a_burst_to_one_chat_arrives_spaced_at_the_chat_rate(
    server: LocalBotApiServer, bot: Bot
) -> None:
    with bulk():
        await asyncio.gather(*(bot.send_message(5, f"m{i}") for i in range(10)))
    assert texts(server, 5) == [f"m{i}" for i in range(10)]
    arrivals = [call.at for call in server.calls_of("sendMessage")]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # They leave 1/20 s apart; on arrival one gap may shrink by what delayed the message before it on its
    # way (13 ms once, on a loaded machine), the next one grows by as much. Unpaced, they arrive ~1 ms apart.
    assert min(gaps) >= 0.025
    assert arrivals[-1] - arrivals[0] >= 9 * 0.05 - 0.01


async def test_a_429_is_ridden_out_for_that_chat_and_the_message_arrives_once(
    server: LocalBotApiServer, bot: Bot
) -> None:
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    started = time.monotonic()
    first = asyncio.create_task(bot.send_message(5, "held"))
    await server.wait_until(lambda: bool(server.errors), what="the 429")
    await bot.send_message(6, "goes on")
    assert time.monotonic() - started < 0.5  # chat 6 did not wait for chat 5's pause
    await first
    assert time.monotonic() - started >= 1.0
    assert texts(server, 5) == ["held"]
    assert texts(server, 6) == ["goes on"]
    assert [c.status for c in server.calls_of("sendMessage")] == [429, 200, 200]


async def test_three_502s_then_success_delivers_once(server: LocalBotApiServer, bot: Bot) -> None:
    server.fail_next("sendMessage", 502, "Bad Gateway", times=3)
    await bot.send_message(5, "after the storm")
    assert texts(server, 5) == ["after the storm"]
    assert [c.status for c in server.calls_of("sendMessage")] == [502, 502, 502, 200]


async def test_a_blocked_person_is_reported_once_and_the_error_reaches_the_caller(
    server: LocalBotApiServer, bot: Bot, blocked: list[int]
) -> None:
    server.state.users[7].blocked_bot = True
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(7, "reminder")
    assert blocked == [7]
    assert len(server.calls_of("sendMessage")) == 1  # not retried


async def test_get_updates_is_neither_paced_nor_retried(server: LocalBotApiServer) -> None:
    control = FloodControl(global_per_second=1, per_chat_per_second=1, headroom=0)
    bot = wire_bot(server, control)
    try:
        started = time.monotonic()
        await bot.send_message(5, "one")
        for _ in range(3):
            await bot.get_updates(timeout=0)
        assert time.monotonic() - started < 0.5
        server.fail_next("getUpdates", 429, "Too Many Requests: retry after 1", retry_after=1)
        with pytest.raises(TelegramRetryAfter):
            await bot.get_updates(timeout=0)
    finally:
        await bot.session.close()


async def test_against_a_server_enforcing_limits_no_call_is_refused() -> None:
    limits = RateLimits(global_per_second=50, per_chat_per_second=10)
    async with LocalBotApiServer(rate_limits=limits) as server:
        for user_id in range(1, 5):
            server.user(user_id, "p", started=True)
        bot = wire_bot(server, FloodControl(global_per_second=50, per_chat_per_second=10))
        try:
            with bulk():
                await asyncio.gather(*(bot.send_message(1 + i % 4, str(i)) for i in range(40)))
        finally:
            await bot.session.close()
        assert server.errors == []
        assert sum(len(texts(server, chat)) for chat in range(1, 5)) == 40


async def test_the_server_refuses_what_exceeds_its_limits_with_retry_after() -> None:
    async with LocalBotApiServer(rate_limits=RateLimits(per_chat_per_second=1)) as server:
        server.user(1, "p", started=True)
        bot = Bot(server.token, session=FastSession(api=TelegramAPIServer.from_base(server.base_url)))
        try:
            await bot.send_message(1, "first")
            with pytest.raises(TelegramRetryAfter) as refused:
                await bot.send_message(1, "too soon")
            await bot.get_me()  # other calls are not held back
        finally:
            await bot.session.close()
        assert refused.value.retry_after == 1
        assert texts(server, 1) == ["first"]


def test_limits_come_from_the_settings() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        outgoing_global_per_second=25,
        outgoing_per_chat_per_second=0.5,
        outgoing_per_group_per_minute=12,
        outgoing_max_retries=2,
    )
    control = FloodControl.from_settings(settings, headroom=0)
    assert (control.global_per_second, control.per_chat_per_second, control.per_group_per_second) == (
        25,
        0.5,
        0.2,
    )
    assert control.max_retries == 2
