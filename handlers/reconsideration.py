"""The council secretary's answer to the board's objection (DESIGN §2 rule 5): amend, insist or revoke.

Amending is a small form — the new text (in one or several messages, then «Done», or as a .txt or .pdf
file), optional new attachments,
a summary, «Send» — that makes a new version and a new review cycle. Insisting and revoking ask for a
confirmation first. The window and the roles are checked by :func:`council.reviewing.decide_reconsideration`.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from council.review import ReconsiderationDecision, ReviewError, ReviewErrorCode
from council.reviewing import Amendment, ReviewCase, check_reconsideration_open, decide_reconsideration
from council.roles import Role
from council.submission import TEXT_MAX, SubmissionError, SubmissionErrorCode, validate_text
from council.submitting import AttachmentFile
from council.text import normalize_persian, to_persian_digits

from .callbacks import IsOwner, ReconsiderCallback
from .notices import announce
from .review import Review, Stale, tracking_code
from .review_views import (
    RECONSIDERATION_PURPOSE,
    amend_attachments_question,
    amend_keyboard,
    amend_summary,
    amend_text_question,
    amended_text,
    answer_recorded_text,
    cancelled_text,
    reconsideration_confirm_keyboard,
    reconsideration_confirm_text,
)
from .submission import attachment_to_json, is_done_word, not_downloaded_text, save_attachment, text_of_file
from .views import submission_error_text, tracking_code_text

WINDOW = "reconsideration"
KEY = "amend"


class AmendForm(StatesGroup):
    """The amendment form's steps."""

    text = State()
    attachments = State()
    summary = State()


async def open_case(talk: Review, rid: int, cycle: int) -> ReviewCase:
    """The case, if the person is its council's secretary and may still answer in ``cycle`` now."""
    reviews = talk.repo.reviews
    case = await reviews.case(rid)
    if case is None:
        raise ReviewError(ReviewErrorCode.NOT_FOUND)
    if not await reviews.holds_role(talk.person.id, Role.SECRETARY, (case.council_code,)):
        raise ReviewError(ReviewErrorCode.NOT_ALLOWED)
    if case.cycle != cycle:
        raise Stale
    check_reconsideration_open(case, talk.clock.now())
    return case


async def draft_of(talk: Review) -> dict[str, Any] | None:
    data = await talk.state.get_data()
    draft = data.get(KEY)
    return draft if isinstance(draft, dict) else None


def keyboard(talk: Review, draft: dict[str, Any], *actions: tuple[str, str]) -> Any:
    return amend_keyboard(talk.person.id, draft["rid"], draft["cycle"], *actions)


async def ask(talk: Review, draft: dict[str, Any], text: str, *actions: tuple[str, str]) -> None:
    """A step of the form, with its buttons and «Cancel»; they go once the council has answered."""
    markup = keyboard(talk, draft, *actions)
    await talk.say_tracked(draft["rid"], draft["cycle"], text, markup, RECONSIDERATION_PURPOSE)


STEPS = {"text": AmendForm.text, "attachments": AmendForm.attachments, "summary": AmendForm.summary}


def step_of(draft: dict[str, Any]) -> str:
    """The step the draft has reached. The draft keeps it itself: the FSM state is overwritten when the
    secretary starts something else (/new), and the draft must be resumable at the same step."""
    step = draft.get("step")
    if step in STEPS:
        return str(step)
    return "attachments" if "text" in draft else "text"  # a draft kept before the step was


async def goto(talk: Review, draft: dict[str, Any], state: State) -> None:
    """Put the form on ``state`` and keep the step in the draft."""
    draft["step"] = next(name for name, s in STEPS.items() if s == state)
    await talk.store(KEY, draft)
    await talk.goto(state)


async def resume(talk: Review, draft: dict[str, Any]) -> None:
    """«Amend» pressed again on the same letter while its draft is kept (the secretary went off to another
    form): the draft goes on at the step it had reached, with that step's buttons; nothing is lost."""
    step = step_of(draft)
    await goto(talk, draft, STEPS[step])
    code = tracking_code_text(draft["code"])
    if step == "text":
        parts = draft["parts"]
        if not parts:
            kept = _("The amendment draft of resolution {code} was kept; no text has been received yet.")
            await ask(talk, draft, kept.format(code=code) + "\n\n" + amend_text_question(draft["code"]))
            return
        length = len(normalize_persian("\n".join(parts)))
        kept = _(
            "The amendment draft of resolution {code} was kept: {parts} messages of the text so far "
            "({length} characters)."
        ).format(code=code, parts=to_persian_digits(len(parts)), length=to_persian_digits(length))
        await ask(talk, draft, kept + "\n\n" + more_text_question(), (_("Done"), "done"))
        return
    count = len(draft["attachments"])
    kept = _(
        "The amendment draft of resolution {code} was kept: the text ({length} characters) and {count} new "
        "attachments."
    ).format(code=code, length=to_persian_digits(len(draft["text"])), count=to_persian_digits(count))
    if step == "attachments":
        button = (_("Done"), "done") if count else (_("Skip"), "skip")
        await ask(talk, draft, kept + "\n\n" + amend_attachments_question(), button)
    else:
        summary = amend_summary(draft["code"], draft["text"], count)
        await ask(talk, draft, kept + "\n\n" + summary, (_("Send the amendment"), "send"))


def more_text_question() -> str:
    return _("Send more of the text, or press «Done».")


def kept_note(data: dict[str, Any], state: str | None) -> str:
    """For /new sent during an amendment: its draft is kept, and how to return to it ("" otherwise)."""
    draft = data.get(KEY)
    if not isinstance(draft, dict) or state is None or not state.startswith(f"{AmendForm.__name__}:"):
        return ""
    return _(
        "The amendment draft of resolution {code} is kept: to return to it, press «{amend}» on the board's "
        "objection letter again."
    ).format(code=tracking_code_text(draft["code"]), amend=_("Amend the resolution"))


async def start(query: CallbackQuery, callback_data: ReconsiderCallback, **data: Any) -> None:
    """«Amend», «Insist» or «Revoke» on the objection letter."""
    talk = Review(query, data)
    await query.answer()
    rid, cycle = callback_data.rid, callback_data.cycle
    try:
        case = await open_case(talk, rid, cycle)
    except (ReviewError, Stale) as exc:
        await talk.refuse(exc, await tracking_code(talk.repo, rid), WINDOW)
        return
    if callback_data.action == "amend":
        kept = await draft_of(talk)
        if kept is not None and (kept["rid"], kept["cycle"]) == (rid, cycle):
            await resume(talk, kept)
            return
        draft = {"rid": rid, "cycle": cycle, "code": case.tracking_code, "parts": [], "attachments": []}
        draft["folder"] = f"attachments/amend-{uuid.uuid4().hex}"
        await goto(talk, draft, AmendForm.text)
        await ask(talk, draft, amend_text_question(case.tracking_code))
        return
    await talk.say_tracked(
        rid,
        cycle,
        reconsideration_confirm_text(case.tracking_code, callback_data.action),
        reconsideration_confirm_keyboard(talk.person.id, rid, cycle, callback_data.action),
        RECONSIDERATION_PURPOSE,
    )


async def confirm(query: CallbackQuery, callback_data: ReconsiderCallback, **data: Any) -> None:
    """«Confirm» of an insistence or a revocation."""
    talk = Review(query, data)
    await query.answer()
    decision = ReconsiderationDecision(callback_data.action.removeprefix("confirm_"))
    await decide(talk, callback_data.rid, callback_data.cycle, decision, None)


async def decide(
    talk: Review, rid: int, cycle: int, decision: ReconsiderationDecision, amendment: Amendment | None
) -> None:
    code = await tracking_code(talk.repo, rid)
    try:
        await open_case(talk, rid, cycle)
        moved = await decide_reconsideration(
            talk.repo.reviews,
            rid,
            talk.person.id,
            decision,
            now=talk.clock.now(),
            rules=talk.deployment.rules,
            amendment=amendment,
        )
    except (ReviewError, Stale) as exc:
        await talk.clear(KEY)
        await talk.refuse(exc, code, WINDOW)
        return
    except SubmissionError as exc:
        await talk.say(submission_error_text(exc))
        return
    await talk.repo.commit()
    await talk.clear(KEY)
    await talk.drop_buttons()
    if decision == ReconsiderationDecision.AMEND:
        assert moved.deadline is not None
        await talk.say(amended_text(code, moved.deadline))
    else:
        await talk.say(answer_recorded_text())
    await announce(talk.bot, talk.repo, talk.i18n, moved, talk.data_dir)


# --- the amendment form


async def text_part(message: Message, **data: Any) -> None:
    talk = Review(message, data)
    draft = await draft_of(talk)
    assert draft is not None
    if is_done_word(message.text):
        await finish_text(talk, draft)
        return
    parts = [*draft["parts"], message.text or ""]
    length = len(normalize_persian("\n".join(parts)))
    if length > TEXT_MAX:
        error = SubmissionError(SubmissionErrorCode.TEXT_TOO_LONG, min=10, max=TEXT_MAX, length=length)
        await ask(talk, draft, submission_error_text(error), (_("Done"), "done"))
        return
    draft["parts"] = parts
    await talk.store(KEY, draft)
    await ask(
        talk,
        draft,
        _("Received: {length} characters so far. Send more of the text, or press «Done».").format(
            length=to_persian_digits(length)
        ),
        (_("Done"), "done"),
    )


async def finish_text(talk: Review, draft: dict[str, Any]) -> None:
    try:
        text = validate_text("\n".join(draft["parts"]))
    except SubmissionError as exc:
        draft["parts"] = []
        await talk.store(KEY, draft)
        await ask(talk, draft, submission_error_text(exc) + "\n\n" + amend_text_question(draft["code"]))
        return
    await text_taken(talk, draft, text)


async def text_file(message: Message, **data: Any) -> None:
    """The amended text sent as a .txt or .pdf file (read as the submission form reads one): it replaces
    whatever was typed; a refused file leaves what was typed as it was."""
    talk = Review(message, data)
    draft = await draft_of(talk)
    assert draft is not None and message.document is not None
    try:
        text = await text_of_file(talk.bot, message.document, talk.deployment.attachment_max_bytes)
    except SubmissionError as exc:
        text, reason = None, submission_error_text(exc)
    else:
        reason = not_downloaded_text()
    if text is None:
        done = [(_("Done"), "done")] if draft["parts"] else []
        await ask(talk, draft, reason + "\n\n" + amend_text_question(draft["code"]), *done)
        return
    await text_taken(talk, draft, text)


async def text_taken(talk: Review, draft: dict[str, Any], text: str) -> None:
    """The amended text is in: on to the attachments."""
    draft["text"], draft["parts"] = text, []
    await goto(talk, draft, AmendForm.attachments)
    await ask(talk, draft, amend_attachments_question(), (_("Skip"), "skip"))


async def attachment(message: Message, **data: Any) -> None:
    talk = Review(message, data)
    draft = await draft_of(talk)
    assert draft is not None
    number = len(draft["attachments"]) + 1
    try:
        stored = await save_attachment(
            talk.bot,
            message,
            talk.data_dir,
            Path(draft["folder"]),
            number,
            talk.deployment.attachment_max_bytes,
        )
    except SubmissionError as exc:
        await ask(talk, draft, submission_error_text(exc), (_("Done"), "done"))
        return
    if stored is None:
        await talk.say(_("The file could not be downloaded. Please send it again."))
        return
    draft["attachments"].append(attachment_to_json(stored))
    await talk.store(KEY, draft)
    received = _("Attachment {n} received.").format(n=to_persian_digits(number))
    await ask(talk, draft, received + "\n\n" + amend_attachments_question(), (_("Done"), "done"))


async def control(query: CallbackQuery, callback_data: ReconsiderCallback, **data: Any) -> None:
    """The form's «Done», «Skip», «Send» and «Cancel»."""
    talk = Review(query, data)
    await query.answer()
    draft = await draft_of(talk)
    action = callback_data.action
    if action == "cancel":
        await talk.clear(KEY)
        await talk.drop_buttons()
        await talk.say(cancelled_text())
        return
    if draft is None or draft["rid"] != callback_data.rid:
        await talk.refuse(Stale(), "")
        return
    await talk.drop_buttons()
    # The step is the draft's: a button of the form pressed after the secretary went off to another form
    # (/new) takes her back to the amendment, at the step it had reached.
    step = step_of(draft)
    await goto(talk, draft, STEPS[step])
    if step == "text" and action == "done":
        await finish_text(talk, draft)
    elif step == "attachments" and action in ("done", "skip"):
        await goto(talk, draft, AmendForm.summary)
        summary = amend_summary(draft["code"], draft["text"], len(draft["attachments"]))
        await ask(talk, draft, summary, (_("Send the amendment"), "send"))
    elif step == "summary" and action == "send":
        amendment = Amendment(draft["text"], tuple(AttachmentFile(**a) for a in draft["attachments"]))
        await decide(talk, draft["rid"], draft["cycle"], ReconsiderationDecision.AMEND, amendment)


def make_router() -> Router:
    """Council secretaries' answers; the use case checks the role and the window."""
    router = Router(name="reconsideration")
    owned = IsOwner()
    action = ReconsiderCallback.filter
    text = F.text & ~F.text.startswith("/")
    router.callback_query.register(start, action(F.action.in_({"amend", "insist", "revoke"})), owned)
    router.callback_query.register(confirm, action(F.action.in_({"confirm_insist", "confirm_revoke"})), owned)
    router.callback_query.register(control, action(F.action.in_({"done", "skip", "send", "cancel"})), owned)
    router.message.register(text_part, StateFilter(AmendForm.text), text)
    router.message.register(text_file, F.document, StateFilter(AmendForm.text))
    router.message.register(attachment, StateFilter(AmendForm.attachments), F.photo | F.document)
    return router
