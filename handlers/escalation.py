"""The dispute authority's final outcome (DESIGN §2 rule 6): an official whose scope covers the council
chooses «Finally uphold» or «Annul» on the escalated case and sends a note; everyone concerned is told."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from council.review import EscalationOutcome, ReviewError, ReviewErrorCode
from council.reviewing import record_outcome
from council.roles import Role
from council.status import Status

from .callbacks import IsOwner, OutcomeCallback
from .notices import announce
from .review import Review
from .review_views import ESCALATION_PURPOSE, cancelled_text, outcome_note_question, review_error_text

KEY = "outcome"


class OutcomeForm(StatesGroup):
    """The official writing the outcome's note."""

    note = State()


def cancel_keyboard(owner: int, rid: int) -> InlineKeyboardMarkup:
    data = OutcomeCallback(owner=owner, action="cancel", rid=rid).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("Cancel"), callback_data=data)]]
    )


async def ask(talk: Review, rid: int, text: str) -> None:
    """The note's question, with «Cancel»; the button goes once the outcome is recorded."""
    case = await talk.repo.reviews.case(rid)
    cycle = case.cycle if case else 0
    await talk.say_tracked(rid, cycle, text, cancel_keyboard(talk.person.id, rid), ESCALATION_PURPOSE)


async def choose(query: CallbackQuery, callback_data: OutcomeCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    rid = callback_data.rid
    reviews = talk.repo.reviews
    case = await reviews.case(rid)
    code = case.tracking_code if case else ""
    error: ReviewError | None = None
    if case is None:
        error = ReviewError(ReviewErrorCode.NOT_FOUND)
    elif not await reviews.holds_role(talk.person.id, Role.OFFICIAL, case.official_scopes()):
        error = ReviewError(ReviewErrorCode.NOT_ALLOWED)
    elif case.status != Status.ESCALATED:
        error = ReviewError(ReviewErrorCode.WRONG_STATUS, status=case.status)
    if error is not None:
        await talk.refuse(error, code)
        return
    outcome = EscalationOutcome(callback_data.action)
    await talk.store(KEY, {"rid": rid, "code": code, "outcome": outcome.value})
    await talk.goto(OutcomeForm.note)
    await ask(talk, rid, outcome_note_question(code, outcome))


async def note(message: Message, **data: Any) -> None:
    talk = Review(message, data)
    draft = (await talk.state.get_data()).get(KEY)
    assert isinstance(draft, dict)
    rid, code = draft["rid"], draft["code"]
    try:
        moved = await record_outcome(
            talk.repo.reviews,
            rid,
            talk.person.id,
            EscalationOutcome(draft["outcome"]),
            message.text or "",
            now=talk.clock.now(),
        )
    except ReviewError as exc:
        if exc.code in (ReviewErrorCode.REASONING_TOO_SHORT, ReviewErrorCode.REASONING_TOO_LONG):
            question = outcome_note_question(code, EscalationOutcome(draft["outcome"]))
            await ask(talk, rid, review_error_text(exc, code) + "\n\n" + question)
            return
        await talk.clear(KEY)
        await talk.refuse(exc, code)
        return
    await talk.repo.commit()
    await talk.clear(KEY)
    await talk.say(_("The final outcome was recorded."))
    await announce(talk.bot, talk.repo, talk.i18n, moved, talk.data_dir)


async def cancel(query: CallbackQuery, callback_data: OutcomeCallback, **data: Any) -> None:
    talk = Review(query, data)
    await query.answer()
    await talk.clear(KEY)
    await talk.drop_buttons()
    await talk.say(cancelled_text())


def make_router() -> Router:
    """Officials; the use case checks the scope and the status."""
    router = Router(name="escalation")
    owned = IsOwner()
    router.callback_query.register(
        choose, OutcomeCallback.filter(F.action.in_({"upheld", "annulled"})), owned
    )
    router.callback_query.register(cancel, OutcomeCallback.filter(F.action == "cancel"), owned)
    router.message.register(note, StateFilter(OutcomeForm.note), F.text & ~F.text.startswith("/"))
    return router
