"""The board's review in the chat (DESIGN §4 Review): open a resolution, vote, write an expert opinion.

A no-conflict vote is two taps (the vote, then «Confirm»); a conflict vote asks for the grounds (a law or
regulation and its article, or «outside the council's powers») and a reasoned text, then shows the vote for
confirmation. The rules — who may vote, until when, the majority — are :mod:`council.reviewing`'s; a
refused act is answered with the reason, and a button whose act is gone loses its keyboard.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from council.clock import Clock
from council.review import (
    ConflictGrounds,
    GroundsKind,
    ReviewError,
    ReviewErrorCode,
    VoteChoice,
    can_act,
    validate_conflict_vote,
)
from council.reviewing import ReviewCase, cast_vote, check_review_open, record_opinion
from council.roles import Role
from council.status import Status
from council.text import normalize_persian
from storage.repository import Repository

from .callbacks import IsOwner, ReviewCallback
from .context import Deployment
from .notices import announce
from .review_views import (
    REVIEW_PURPOSE,
    article_keyboard,
    article_question,
    cancel_keyboard,
    cancelled_text,
    confirm_conflict_text,
    confirm_keyboard,
    confirm_no_conflict_text,
    grounds_keyboard,
    grounds_question,
    law_question,
    open_card,
    opinion_keyboard,
    opinion_question,
    opinion_text_question,
    reasoning_question,
    review_error_text,
    review_keyboard,
    roles_on,
    stale_text,
    version_text,
    vote_recorded_text,
)


class VoteForm(StatesGroup):
    """The steps of a conflict vote after its grounds kind is chosen."""

    grounds = State()
    law = State()
    article = State()
    reasoning = State()
    confirm = State()


class OpinionForm(StatesGroup):
    """An expert writing an opinion's text."""

    text = State()


class Stale(Exception):
    """The button belongs to an earlier review cycle."""


class Review:
    """What one update of the review needs: who, where, and the means to answer."""

    def __init__(self, event: Message | CallbackQuery, data: dict[str, Any]) -> None:
        self.event = event
        self.bot: Bot = data["bot"]
        self.repo: Repository = data["repo"]
        self.person: Any = data["person"]
        self.roles: list[Any] = data["roles"]
        self.clock: Clock = data["clock"]
        self.deployment: Deployment = data["deployment"]
        self.i18n: I18n = data["i18n"]
        self.state: FSMContext = data["state"]
        self.chat_id: int = self.person.platform_user_id

    async def say(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        return await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def say_tracked(
        self, rid: int, cycle: int, text: str, markup: InlineKeyboardMarkup, purpose: str = REVIEW_PURPOSE
    ) -> Message:
        """Send a message whose buttons must go when their act ends (by default: the review)."""
        message = await self.say(text, markup)
        await self.repo.reviews.track(rid, cycle, self.person.id, self.chat_id, message.message_id, purpose)
        return message

    # FSM writes join this update's unit of work: a step and its records commit together.

    async def ask(
        self, draft: dict[str, Any], state: State, question: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Move the form to ``state`` and ask its question; its buttons (cancel by default) are tracked."""
        rid, cycle = draft["rid"], draft["cycle"]
        await self.goto(state)
        await self.say_tracked(rid, cycle, question, markup or cancel_keyboard(self.person.id, rid, cycle))

    async def goto(self, state: State | None) -> None:
        """Put the conversation on ``state`` (None: out of any form)."""
        await self.state.set_state(state)

    async def store(self, key: str, value: Any) -> None:
        """Keep a form's draft under ``key`` (None forgets it)."""
        await self.state.update_data({key: value})

    async def clear(self, key: str) -> None:
        """Leave the form and forget its draft (other drafts, e.g. a submission form, stay)."""
        await self.goto(None)
        await self.store(key, None)

    async def drop_buttons(self) -> None:
        """Remove the keyboard of the message whose button was pressed."""
        if isinstance(self.event, CallbackQuery) and isinstance(self.event.message, Message):
            with contextlib.suppress(TelegramAPIError):
                await self.event.message.edit_reply_markup(reply_markup=None)

    async def open_case(self, rid: int, cycle: int, role: Role) -> ReviewCase:
        """The case, if ``role`` may still act on it in ``cycle`` now; else ReviewError or Stale."""
        reviews = self.repo.reviews
        case = await reviews.case(rid)
        if case is None:
            raise ReviewError(ReviewErrorCode.NOT_FOUND)
        if not await reviews.holds_role(self.person.id, role, (case.board_code,)):
            raise ReviewError(ReviewErrorCode.NOT_ALLOWED)
        if case.cycle != cycle:
            raise Stale
        check_review_open(case, self.clock.now())
        return case

    async def refuse(self, error: ReviewError | Stale, code: str, window: str = "review") -> None:
        """Say why the act was refused; when the act is gone for good, the pressed buttons go too."""
        await self.goto(None)
        if isinstance(error, Stale):
            await self.drop_buttons()
            await self.say(stale_text())
            return
        if error.code in (ReviewErrorCode.WINDOW_CLOSED, ReviewErrorCode.WRONG_STATUS):
            await self.drop_buttons()
        await self.say(review_error_text(error, code, window=window))

    async def draft(self) -> dict[str, Any] | None:
        data = await self.state.get_data()
        draft = data.get("review")
        return draft if isinstance(draft, dict) else None

    async def pressed_on_draft(self, rid: int) -> dict[str, Any] | None:
        """The draft a button of the form was pressed on, its buttons gone; None (refused as stale) when
        the form is no longer open for that resolution."""
        draft = await self.draft()
        if draft is None or draft.get("rid") != rid:
            await self.refuse(Stale(), "")
            return None
        await self.drop_buttons()
        return draft

    async def keep(self, **draft: Any) -> None:
        await self.store("review", draft)

    @property
    def data_dir(self) -> Path:
        return Path(self.deployment.data_dir)


# --- opening


async def open_resolution(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    repo, rid = talk.repo, callback_data.rid
    record = await repo.resolutions.record(rid)
    roles = roles_on(talk.roles, record.board_code) if record else []
    if record is None or not roles:
        await talk.say(
            review_error_text(
                ReviewError(ReviewErrorCode.NOT_ALLOWED), record.tracking_code if record else ""
            )
        )
        return
    case = await repo.reviews.case(rid)
    assert case is not None
    opinions = await repo.reviews.current_opinions(rid, record.cycle)
    votes = await repo.reviews.current_votes(rid, record.cycle)
    acting = record.status == Status.UNDER_REVIEW and (
        record.review_deadline is not None and can_act(talk.clock.now(), record.review_deadline)
    )
    markup = review_keyboard(talk.person.id, record, roles, with_open=False, acting=acting)
    text = open_card(record, opinions, votes, case.voting_seats)
    if markup is not None and acting:
        await talk.say_tracked(rid, record.cycle, text, markup)
    else:
        await talk.say(text, markup)


async def show_versions(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    record = await talk.repo.resolutions.record(callback_data.rid)
    if record is None or not roles_on(talk.roles, record.board_code):
        return
    for version in await talk.repo.reviews.versions(record.id):
        if version.version_no < record.version_no:
            await talk.say(version_text(record, version))


# --- voting


async def vote_no_conflict(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    rid, cycle = callback_data.rid, callback_data.cycle
    try:
        case = await talk.open_case(rid, cycle, Role.MEMBER)
    except (ReviewError, Stale) as exc:
        await talk.refuse(exc, await tracking_code(talk.repo, rid))
        return
    await talk.say_tracked(
        rid,
        cycle,
        confirm_no_conflict_text(case.tracking_code),
        confirm_keyboard(talk.person.id, rid, cycle, "confirm_ok", _("Confirm")),
    )


async def vote_conflict(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    rid, cycle = callback_data.rid, callback_data.cycle
    try:
        case = await talk.open_case(rid, cycle, Role.MEMBER)
    except (ReviewError, Stale) as exc:
        await talk.refuse(exc, await tracking_code(talk.repo, rid))
        return
    await talk.goto(VoteForm.grounds)
    await talk.keep(rid=rid, cycle=cycle, code=case.tracking_code)
    await talk.say_tracked(
        rid, cycle, grounds_question(case.tracking_code), grounds_keyboard(talk.person.id, rid, cycle)
    )


async def choose_grounds(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    draft = await talk.pressed_on_draft(callback_data.rid)
    if draft is None:
        return
    if callback_data.action == "law":
        await talk.keep(**{**draft, "kind": GroundsKind.LAW.value})
        await talk.ask(draft, VoteForm.law, law_question())
        return
    await talk.keep(**{**draft, "kind": GroundsKind.OUTSIDE_POWERS.value, "law": None, "article": None})
    await talk.ask(draft, VoteForm.reasoning, reasoning_question())


async def answer_law(message: Message, **data: Any) -> None:
    talk = Review(message, data)
    draft = await talk.draft()
    assert draft is not None
    law = normalize_persian(message.text or "")
    if not law:
        error = ReviewError(ReviewErrorCode.LAW_MISSING)
        await talk.say(review_error_text(error, draft["code"]) + "\n\n" + law_question())
        return
    await talk.keep(**{**draft, "law": law})
    keyboard = article_keyboard(talk.person.id, draft["rid"], draft["cycle"])
    await talk.ask(draft, VoteForm.article, article_question(), keyboard)


async def answer_article(message: Message, **data: Any) -> None:
    talk = Review(message, data)
    draft = await talk.draft()
    assert draft is not None
    await talk.keep(**{**draft, "article": message.text or ""})
    await ask_reasoning(talk, draft)


async def no_article(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    draft = await talk.pressed_on_draft(callback_data.rid)
    if draft is None:
        return
    await talk.keep(**{**draft, "article": None})
    await ask_reasoning(talk, draft)


async def ask_reasoning(talk: Review, draft: dict[str, Any]) -> None:
    await talk.ask(draft, VoteForm.reasoning, reasoning_question())


def grounds_of(draft: dict[str, Any]) -> ConflictGrounds:
    if draft.get("kind") == GroundsKind.LAW.value:
        return ConflictGrounds.conflicts_with_law(draft.get("law") or "", draft.get("article"))
    return ConflictGrounds.outside_powers()


async def answer_reasoning(message: Message, **data: Any) -> None:
    talk = Review(message, data)
    draft = await talk.draft()
    assert draft is not None
    try:
        grounds, reasoning = validate_conflict_vote(grounds_of(draft), message.text or "")
    except ReviewError as exc:
        await talk.say_tracked(
            draft["rid"],
            draft["cycle"],
            review_error_text(exc, draft["code"]) + "\n\n" + reasoning_question(),
            cancel_keyboard(talk.person.id, draft["rid"], draft["cycle"]),
        )
        return
    await talk.keep(**{**draft, "law": grounds.law, "article": grounds.article, "reasoning": reasoning})
    await talk.goto(VoteForm.confirm)
    await talk.say_tracked(
        draft["rid"],
        draft["cycle"],
        confirm_conflict_text(draft["code"], grounds, reasoning),
        confirm_keyboard(
            talk.person.id, draft["rid"], draft["cycle"], "confirm_conflict", _("Record the vote")
        ),
    )


async def confirm_vote(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    rid = callback_data.rid
    grounds: ConflictGrounds | None = None
    reasoning: str | None = None
    choice = VoteChoice.NO_CONFLICT
    if callback_data.action == "confirm_conflict":
        draft = await talk.draft()
        if draft is None or draft.get("rid") != rid or "reasoning" not in draft:
            await talk.refuse(Stale(), "")
            return
        choice, grounds, reasoning = VoteChoice.CONFLICT, grounds_of(draft), draft["reasoning"]
    code = await tracking_code(talk.repo, rid)
    case = await talk.repo.reviews.case(rid)
    if case is not None and case.cycle != callback_data.cycle:
        await talk.refuse(Stale(), code)
        return
    try:
        result = await cast_vote(
            talk.repo.reviews,
            rid,
            talk.person.id,
            choice,
            now=talk.clock.now(),
            rules=talk.deployment.rules,
            grounds=grounds,
            reasoning=reasoning,
        )
    except ReviewError as exc:
        await talk.refuse(exc, code)
        return
    await talk.repo.commit()
    await talk.clear("review")
    await talk.drop_buttons()
    await talk.say(vote_recorded_text(choice, result.replaced))
    if result.moved is not None:
        await announce(talk.bot, talk.repo, talk.i18n, result.moved, talk.data_dir)


async def cancel(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    await talk.clear("review")
    await talk.drop_buttons()
    await talk.say(cancelled_text())


# --- expert opinions


async def start_opinion(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    rid, cycle = callback_data.rid, callback_data.cycle
    try:
        case = await talk.open_case(rid, cycle, Role.EXPERT)
    except (ReviewError, Stale) as exc:
        await talk.refuse(exc, await tracking_code(talk.repo, rid))
        return
    await talk.keep(rid=rid, cycle=cycle, code=case.tracking_code)
    await talk.say_tracked(
        rid, cycle, opinion_question(case.tracking_code), opinion_keyboard(talk.person.id, rid, cycle)
    )


async def choose_finding(query: CallbackQuery, callback_data: ReviewCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    draft = await talk.pressed_on_draft(callback_data.rid)
    if draft is None:
        return
    finding = VoteChoice.CONFLICT if callback_data.action == "op_conflict" else VoteChoice.NO_CONFLICT
    await talk.keep(**{**draft, "finding": finding.value})
    await talk.ask(draft, OpinionForm.text, opinion_text_question())


async def answer_opinion(message: Message, **data: Any) -> None:
    talk = Review(message, data)
    draft = await talk.draft()
    assert draft is not None
    case = await talk.repo.reviews.case(draft["rid"])
    if case is not None and case.cycle != draft["cycle"]:
        await talk.refuse(Stale(), draft["code"])
        return
    try:
        await record_opinion(
            talk.repo.reviews,
            draft["rid"],
            talk.person.id,
            VoteChoice(draft["finding"]),
            message.text or "",
            now=talk.clock.now(),
        )
    except ReviewError as exc:
        if exc.code in (ReviewErrorCode.REASONING_TOO_SHORT, ReviewErrorCode.REASONING_TOO_LONG):
            await talk.say_tracked(
                draft["rid"],
                draft["cycle"],
                review_error_text(exc, draft["code"]) + "\n\n" + opinion_text_question(),
                cancel_keyboard(talk.person.id, draft["rid"], draft["cycle"]),
            )
            return
        await talk.refuse(exc, draft["code"])
        return
    await talk.clear("review")
    await talk.say(
        _("Your expert opinion was recorded; the board's members will see it with the resolution.")
    )


async def tracking_code(repo: Repository, rid: int) -> str:
    case = await repo.reviews.case(rid)
    return case.tracking_code if case else ""


def make_router() -> Router:
    """Board members and experts; the use cases check each act's role and window."""
    router = Router(name="review")
    owned = IsOwner()
    action = ReviewCallback.filter
    text = F.text & ~F.text.startswith("/")
    router.callback_query.register(open_resolution, action(F.action == "open"), owned)
    router.callback_query.register(show_versions, action(F.action == "versions"), owned)
    router.callback_query.register(vote_no_conflict, action(F.action == "ok"), owned)
    router.callback_query.register(vote_conflict, action(F.action == "conflict"), owned)
    router.callback_query.register(choose_grounds, action(F.action.in_({"law", "outside"})), owned)
    router.callback_query.register(no_article, action(F.action == "no_article"), owned)
    router.callback_query.register(
        confirm_vote, action(F.action.in_({"confirm_ok", "confirm_conflict"})), owned
    )
    router.callback_query.register(cancel, action(F.action == "cancel"), owned)
    router.callback_query.register(start_opinion, action(F.action == "opinion"), owned)
    router.callback_query.register(choose_finding, action(F.action.in_({"op_ok", "op_conflict"})), owned)
    router.message.register(answer_law, StateFilter(VoteForm.law), text)
    router.message.register(answer_article, StateFilter(VoteForm.article), text)
    router.message.register(answer_reasoning, StateFilter(VoteForm.reasoning), text)
    router.message.register(answer_opinion, StateFilter(OpinionForm.text), text)
    return router
