"""The streamlined routing (``bot.middlewares.streamline``) picks, for every event, the handler aiogram's own
walk picks, with the same data from the filters — while it skips the form steps' ``StateFilter`` and the
``Command`` filters that cannot pass, and routers none of whose handlers may take the event.

Two copies of the bot's routers: one left to aiogram, one streamlined as ``build_dispatcher`` does; every
handler of both replaced by a recorder of where it sits. Each event, sender and conversation state goes
through both.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Chat, Document, Message, PhotoSize, User

from bot.i18n import make_i18n
from bot.middlewares import run_magic_filters_inline, streamline
from council.roles import Role
from handlers import build_router
from handlers.callbacks import (
    CalendarCallback,
    FormCallback,
    LanguageCallback,
    ListCallback,
    MineCallback,
    ReviewCallback,
    SnoozeCallback,
    StatusCallback,
)
from handlers.escalation import OutcomeForm
from handlers.reconsideration import AmendForm
from handlers.review import OpinionForm, VoteForm
from handlers.submission import Form
from handlers.views import my_resolutions_button, new_resolution_button
from reminders import buttons as reminder_buttons

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
USER = User(id=501, is_bot=False, first_name="Zahra")
CHAT = Chat(id=501, type="private")


@dataclass
class Person:
    id: int


@dataclass
class Binding:
    role: str


def routers() -> Router:
    """The bot's routers under one top router, as ``build_dispatcher`` includes them."""
    top = Router(name="top")
    top.include_router(reminder_buttons.make_router())
    top.include_router(build_router())
    return top


def walk(router: Router) -> Iterator[Router]:
    yield router
    for sub in router.sub_routers:
        yield from walk(sub)


def record_handlers(top: Router) -> None:
    """Every handler answers where it sits (router, observer, position) and what the filters gave it."""
    for router in walk(top):
        for kind, observer in router.observers.items():
            for n, handler in enumerate(observer.handlers):
                place = (router.name, kind, n)

                async def recorder(event: Any, *, _place: tuple[str, str, int] = place, **data: Any) -> Any:
                    given = {k: data[k] for k in ("query", "command", "callback_data") if k in data}
                    return _place, given

                handler.callback = recorder
                handler.awaitable = True
                handler.params = set()
                handler.varkw = True


def message(text: str | None = None, **content: Any) -> Message:
    return Message(message_id=1, date=NOW, chat=CHAT, from_user=USER, text=text, **content)


def press(data: str) -> CallbackQuery:
    return CallbackQuery(id="1", from_user=USER, chat_instance="1", data=data, message=message("card"))


PHOTO = [PhotoSize(file_id="p", file_unique_id="p", width=1, height=1)]
DOCUMENT = Document(file_id="d", file_unique_id="d")


def messages() -> list[Message]:
    texts = [
        "؟",
        "سلام",
        "1234-5678",
        "12345678",
        "وضعیت مصوبه ۱۲ شورای شهر سمنان",
        "مصوبات معوق",
        "اعتراض‌های این ماه",
        "بودجه پارک",
        "ABCD-EFGH-JKLM",
        "/help",
        "/HELP",
        "  /help",
        "\u00a0/status 1234-5678",
        "/status 1234-5678",
        "/status",
        "/find پارک",
        "/start",
        "/start abc",
        "/new",
        "/cancel",
        "/mine",
        "/report",
        "/settings",
        "/invite member B-SMN",
        "/language",
        "/pending",
        "/",
        "//help",
        "!help",
        "تمام",
        "done",
        new_resolution_button(),
        my_resolutions_button(),
    ]
    return [
        *(message(text) for text in texts),
        message(photo=PHOTO),
        message(photo=PHOTO, caption="/status 1234-5678"),
        message(document=DOCUMENT),
        message(document=DOCUMENT, caption="متن"),
        message(),
    ]


def presses() -> list[CallbackQuery]:
    owner = 7
    return [
        press(FormCallback(owner=owner, action="send", key="1").pack()),
        press(FormCallback(owner=owner, action="back").pack()),
        press(FormCallback(owner=8, action="back").pack()),
        press(CalendarCallback(owner=owner, action="pick", year=1405, month=9, day=1).pack()),
        press(CalendarCallback(owner=owner, action="noop").pack()),
        press(MineCallback(owner=owner, page=2).pack()),
        press(ReviewCallback(owner=owner, action="open", rid=1, cycle=1).pack()),
        press(ReviewCallback(owner=owner, action="ok", rid=1, cycle=1).pack()),
        press(StatusCallback(owner=owner, council=3, number="12").pack()),
        press(ListCallback(owner=owner, kind="overdue", period="", unit="c3").pack()),
        press(SnoozeCallback(owner=owner, rem=4, choice="1h").pack()),
        press(LanguageCallback(owner=owner, code="en").pack()),
        press("junk"),
    ]


SENDERS: dict[str, tuple[Person | None, list[Binding]]] = {
    "stranger": (None, []),
    "unbound": (Person(7), []),
    "secretary": (Person(7), [Binding(Role.SECRETARY.value)]),
    "member": (Person(7), [Binding(Role.MEMBER.value), Binding(Role.EXPERT.value)]),
    "official": (Person(7), [Binding(Role.OFFICIAL.value)]),
    "admin": (Person(7), [Binding(Role.ADMIN.value)]),
}


def states() -> list[str | None]:
    found: list[str | None] = [None, "unknown:state"]
    for group in (Form, VoteForm, OpinionForm, AmendForm, OutcomeForm):
        found.extend(state.state for state in group.__all_states__ if isinstance(state, State))
    return found


async def route(top: Router, kind: str, event: Any, sender: str, state: str | None, bot: Bot) -> Any:
    """What the routers answer: the recorder's (where the handler sits, what it was given), ``UNHANDLED``,
    or the error a filter raised."""
    person, roles = SENDERS[sender]
    try:
        return await top.propagate_event(
            update_type=kind,
            event=event,
            bot=bot,
            raw_state=state,
            person=person,
            roles=list(roles),
            event_from_user=USER,
            event_chat=CHAT,
        )
    except Exception as error:
        return "raised", type(error).__name__, str(error)


@pytest.fixture
def i18n() -> Iterator[None]:
    catalogues = make_i18n()
    with catalogues.context(), catalogues.use_locale("fa"):
        yield


async def test_the_streamlined_routers_pick_what_aiogram_picks(i18n: None) -> None:
    plain, quick = routers(), routers()
    record_handlers(plain)
    record_handlers(quick)
    run_magic_filters_inline(quick)
    streamline(quick)
    bot = Bot("123456:TEST")
    events = [("message", event) for event in messages()] + [("callback_query", p) for p in presses()]
    cases = [
        (kind, event, sender, state) for state in states() for sender in SENDERS for kind, event in events
    ]
    expected = [await route(plain, *case, bot) for case in cases]
    picked: Counter[str] = Counter()
    # Twice over: the second time every plan is one kept from the first.
    for _ in range(2):
        for case, answer in zip(cases, expected, strict=True):
            got = await route(quick, *case, bot)
            kind, event, sender, state = case
            assert got == answer, (kind, event.model_dump(exclude_none=True), sender, state)
            picked["unhandled" if got is UNHANDLED else got[0] if got[0] == "raised" else got[0][0]] += 1
    # Every router took some event (the comparison covered each), the fallback the most; no filter raised
    # (a photo without a caption outside a form once made the invite-code filter raise).
    assert set(picked) == {
        "reminders",
        "submission",
        "review",
        "reconsideration",
        "escalation",
        "mine",
        "status",
        "report",
        "onboarding",
        "members",
        "settings",
        "admin",
        "fallback",
    }
    assert picked.most_common(1)[0][0] == "fallback"


async def test_a_question_outside_a_form_asks_no_form_step_and_no_command(
    i18n: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: Counter[str] = Counter()
    state_filter, command = StateFilter.__call__, Command.__call__

    # The signatures of the filters themselves: aiogram passes each the keyword arguments it names.
    async def counted_state(self: StateFilter, obj: Any, raw_state: str | None = None) -> Any:
        asked["state"] += 1
        return await state_filter(self, obj, raw_state=raw_state)

    async def counted_command(self: Command, message: Message, bot: Bot) -> Any:
        asked["command"] += 1
        return await command(self, message, bot)

    monkeypatch.setattr(StateFilter, "__call__", counted_state)
    monkeypatch.setattr(Command, "__call__", counted_command)
    plain, quick = routers(), routers()
    record_handlers(plain)
    record_handlers(quick)
    run_magic_filters_inline(quick)
    streamline(quick)
    bot = Bot("123456:TEST")
    question = message("؟")

    answer = await route(plain, "message", question, "official", None, bot)
    assert answer == (("fallback", "message", 0), {})
    # aiogram asks the seven form steps of review, reconsideration and escalation, the two «outside a
    # form» of the status router, and eight commands.
    assert asked == {"state": 9, "command": 8}

    asked.clear()
    assert await route(quick, "message", question, "official", None, bot) == answer
    # The plans made: each StateFilter of the message handlers asked once about the state None (one of
    # the 22 is behind a CommandStart, which fails first); no command asked.
    assert asked == {"state": 21}
    asked.clear()
    assert await route(quick, "message", message("سلام"), "official", None, bot) == answer
    assert await route(quick, "message", question, "official", None, bot) == answer
    assert asked == {}

    # A command still reaches its handler, a form's step its own.
    helped = await route(plain, "message", message("/help"), "official", None, bot)
    assert helped == (("members", "message", 0), {"command": helped[1]["command"]})
    assert helped[1]["command"].command == "help"
    assert await route(quick, "message", message("/help"), "official", None, bot) == helped
    assert (await route(quick, "message", message("پارک"), "member", VoteForm.law.state, bot))[0] == (
        "review",
        "message",
        0,
    )


async def test_a_handler_registered_after_routing_is_reached(i18n: None) -> None:
    quick = routers()
    record_handlers(quick)
    run_magic_filters_inline(quick)
    streamline(quick)
    bot = Bot("123456:TEST")
    ping = message("zz")
    assert (await route(quick, "message", ping, "unbound", None, bot))[0][0] == "fallback"

    onboarding = next(router for router in walk(quick) if router.name == "onboarding")

    async def pong(event: Message) -> str:
        return "pong"

    onboarding.message.register(pong, F.text == "zz")
    run_magic_filters_inline(onboarding)
    assert await route(quick, "message", ping, "unbound", None, bot) == "pong"

    yy = message("yy")
    assert (await route(quick, "message", yy, "unbound", None, bot))[0][0] == "fallback"
    extra = Router(name="extra")
    extra.message.register(pong, F.text == "yy")
    onboarding.include_router(extra)
    run_magic_filters_inline(extra)
    assert await route(quick, "message", yy, "unbound", None, bot) == "pong"
