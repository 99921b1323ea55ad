"""The secretary's guided submission form (DESIGN §4), /cancel, and the board's notice of a new resolution.

The form lives in FSM state and data (write-through to the database), so it survives a restart. Its data
is JSON: ``{"form": {"id", "council", "answers": {...}, "text_parts": [...], "editing", "prompt"}}``; the
answers are the clean values the validators of :mod:`council.submission` returned.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from council.clock import Clock
from council.jalali import (
    JalaliParseError,
    format_jalali_date,
    format_jalali_datetime,
    jalali_to_gregorian,
    jalali_year,
    tehran_date,
)
from council.roles import Role
from council.submission import (
    TEXT_MAX,
    AttachmentKind,
    Category,
    SubmissionError,
    SubmissionErrorCode,
    Votes,
    parse_vote_counts,
    read_text_file,
    validate_approval_date,
    validate_attachment,
    validate_category,
    validate_council_number,
    validate_session_number,
    validate_text,
    validate_text_file,
    validate_title,
    validate_votes,
)
from council.submitting import (
    AttachmentFile,
    CouncilInfo,
    Draft,
    DuplicateCouncilNumber,
    check_council_number,
    submit_resolution,
)
from council.text import normalize_persian, to_persian_digits
from storage.repository import Repository

from .access import HasRole
from .calendar_keyboard import calendar_rows, month_of
from .callbacks import (
    CalendarCallback,
    CategoryCallback,
    CouncilChoiceCallback,
    EditCallback,
    FormCallback,
    IsOwner,
)
from .context import Deployment
from .notices import notify_board
from .views import (
    category_label,
    duplicate_number_text,
    late_note,
    main_menu_keyboard,
    new_resolution_button,
    submission_error_text,
    summary_card,
    tracking_code_text,
    votes_text,
)

log = logging.getLogger(__name__)


class Form(StatesGroup):
    """One state per step of the form, then the summary."""

    council_number = State()
    session_number = State()
    approval_date = State()
    title = State()
    text = State()
    category = State()
    votes = State()
    attachments = State()
    summary = State()


STEPS = (
    "council_number",
    "session_number",
    "approval_date",
    "title",
    "text",
    "category",
    "votes",
    "attachments",
)
OPTIONAL_STEPS = frozenset({"attachments"})
#: The word that ends a text sent in several messages (and the attachments), besides the button.
DONE_WORDS = frozenset({"پایان", "done"})


def step_name(step: str) -> str:
    names = {
        "council_number": _("resolution number"),
        "session_number": _("session number"),
        "approval_date": _("approval date"),
        "title": _("title"),
        "text": _("text"),
        "category": _("category"),
        "votes": _("council vote"),
        "attachments": _("attachments"),
    }
    return names[step]


def step_question(step: str, council: CouncilInfo | None) -> str:
    questions = {
        "council_number": _("Send the council's number for this resolution, for example 12 or 12/3."),
        "session_number": _("Send the number of the council session that approved it."),
        "approval_date": _(
            "Send the approval date as year/month/day (for example 1405/09/01), or pick it on the calendar."
        ),
        "title": _("Send the title of the resolution (5 to 200 characters)."),
        "text": _(
            "Send the full text of the resolution. A long text may come in several messages: press «Done» "
            "after the last one. You may also send it as a .txt or .pdf file."
        ),
        "category": _("Choose the category of the resolution."),
        "votes": _(
            "Send the council's vote as three numbers: for, against, abstaining (for example 7 1 1). "
            "The council has {seats} seats."
        ).format(seats=to_persian_digits(council.members if council else 0)),
        "attachments": _(
            "Send the signed minutes as PDF files or photos, one or several. Press «Done» when finished, "
            "or «Skip» if there are none."
        ),
    }
    return questions[step]


def current_answer(step: str, form: dict[str, Any]) -> str | None:
    """The answer already given to ``step``, as the user sees it, or None."""
    answers = form["answers"]
    if step == "text" and form.get("text_parts"):
        length = len("\n".join(form["text_parts"]))
        return _("{length} characters received so far").format(length=to_persian_digits(length))
    if step == "attachments":
        count = len(answers.get("attachments") or [])
        return to_persian_digits(count) if count else None
    value = answers.get(step)
    if value is None:
        return None
    if step == "approval_date":
        return format_jalali_date(dt.date.fromisoformat(value))
    if step == "text":
        return _("{length} characters").format(length=to_persian_digits(len(value)))
    if step == "category":
        return category_label(value)
    if step == "votes":
        return votes_text(value)
    return to_persian_digits(value) if step in ("council_number", "session_number") else str(value)


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def step_keyboard(step: str, form: dict[str, Any], owner: int, today: dt.date) -> InlineKeyboardMarkup:
    """The step's own buttons (calendar, categories, done) and the navigation row."""

    def act(action: str, key: str = "") -> str:
        return FormCallback(owner=owner, action=action, key=key).pack()

    rows: list[list[InlineKeyboardButton]] = []
    answers = form["answers"]
    if step == "approval_date":
        year, month = form.get("calendar") or month_of(
            dt.date.fromisoformat(answers["approval_date"]) if "approval_date" in answers else today
        )
        rows += calendar_rows(owner, year, month)
    elif step == "category":
        codes = list(Category)
        for i in range(0, len(codes), 2):
            rows.append(
                [
                    button(category_label(c), CategoryCallback(owner=owner, code=c.value).pack())
                    for c in codes[i : i + 2]
                ]
            )
    elif step == "text" and form.get("text_parts"):
        rows.append([button(_("Done"), act("done"))])
    elif step == "attachments":
        if answers.get("attachments"):
            rows.append([button(_("Done"), act("done")), button(_("Remove attachments"), act("clear"))])
        else:
            rows.append([button(_("Skip"), act("skip"))])
    nav: list[InlineKeyboardButton] = []
    has_answer = answers.get(step) is not None and step != "attachments"
    if has_answer and not (step == "text" and form.get("text_parts")):
        nav.append(button(_("Keep current answer"), act("keep")))
    if form.get("editing"):
        nav.append(button(_("Back to summary"), act("summary")))
    elif STEPS.index(step) > 0:
        nav.append(button(_("Back"), act("back")))
    nav.append(button(_("Cancel"), act("cancel")))
    rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def prompt_text(step: str, form: dict[str, Any], council: CouncilInfo | None) -> str:
    header = _("Step {n} of {total}: {name}").format(
        n=to_persian_digits(STEPS.index(step) + 1), total=to_persian_digits(len(STEPS)), name=step_name(step)
    )
    lines = [header, step_question(step, council)]
    current = current_answer(step, form)
    if current is not None:
        label = _("Attachments received: {value}") if step == "attachments" else _("Current answer: {value}")
        lines.append(label.format(value=current))
    return "\n".join(lines)


# --- the conversation's plumbing


class Conversation:
    """What one update of the form needs: who, where, the form, and the means to answer."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        state: FSMContext,
        repo: Repository,
        person: Any,
        roles: list[Any],
        clock: Clock,
        deployment: Deployment,
    ) -> None:
        self.bot, self.chat_id, self.state, self.repo = bot, chat_id, state, repo
        self.person, self.roles, self.clock, self.deployment = person, roles, clock, deployment

    async def form(self) -> dict[str, Any] | None:
        data = await self.state.get_data()
        form = data.get("form")
        return form if isinstance(form, dict) else None

    async def council(self, form: dict[str, Any]) -> CouncilInfo | None:
        """The council the form is for (chosen when it was opened, kept in the form)."""
        return await self.repo.resolutions.council(form["council"])

    def secretary_council_codes(self) -> list[str]:
        """The codes of the councils the person is secretary of, each once."""
        codes: list[str] = []
        for binding in self.roles:
            if binding.role == Role.SECRETARY.value and binding.scope_code not in codes:
                codes.append(str(binding.scope_code))
        return codes

    async def secretary_councils(self) -> list[CouncilInfo]:
        """The councils the person is secretary of, sorted by name."""
        councils = [await self.repo.resolutions.council(code) for code in self.secretary_council_codes()]
        return sorted((c for c in councils if c is not None), key=lambda c: (c.name, c.code))

    def today(self) -> dt.date:
        return tehran_date(self.clock.now())

    async def save(self, form: dict[str, Any]) -> None:
        await self.state.update_data(form=form)

    async def say(self, text: str, markup: Any = None) -> Message:
        return await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def ask(self, step: str, form: dict[str, Any], prefix: str = "") -> None:
        """Put the form on ``step`` and ask it (after ``prefix``: a refusal, a note)."""
        await self.state.set_state(getattr(Form, step))
        form["step"] = step
        council = await self.council(form)
        text = prompt_text(step, form, council)
        await self.save(form)
        await self.say(
            f"{prefix}\n\n{text}" if prefix else text,
            step_keyboard(step, form, self.person.id, self.today()),
        )

    async def refuse(self, step: str, form: dict[str, Any], reason: str) -> None:
        """The answer was refused: say why and ask the same step again; nothing entered is lost."""
        await self.ask(step, form, prefix=reason)

    async def advance(self, step: str, form: dict[str, Any], note: str = "") -> None:
        """The step is answered: on to the next one, or to the summary (after the last, or an edit)."""
        index = STEPS.index(step)
        if form.get("editing") or index + 1 == len(STEPS):
            await self.show_summary(form, note)
        else:
            await self.ask(STEPS[index + 1], form, prefix=note)

    async def show_summary(self, form: dict[str, Any], note: str = "") -> None:
        form["editing"] = False
        answers = form["answers"]
        missing = [step for step in STEPS if step not in OPTIONAL_STEPS and answers.get(step) is None]
        if missing:
            # A field was never answered (e.g. a draft from an older version): ask it first.
            await self.ask(missing[0], form, prefix=note)
            return
        try:
            approval = validate_approval_date(
                dt.date.fromisoformat(answers["approval_date"]), self.clock.now(), self.deployment.rules
            )
        except SubmissionError as exc:
            await self.refuse("approval_date", form, submission_error_text(exc))
            return
        council = await self.council(form)
        await self.state.set_state(Form.summary)
        form["step"] = "summary"
        await self.save(form)
        text = summary_card(council.name if council else form["council"], answers, approval.late)
        await self.say(f"{note}\n\n{text}" if note else text, summary_keyboard(self.person.id, form["id"]))

    async def start(self, note: str = "") -> None:
        """A fresh form for the secretary's council; a secretary of several councils first chooses one."""
        councils = await self.secretary_councils()
        if not councils:
            await self.say(_("You are not the secretary of a council, so you cannot submit resolutions."))
            return
        if len(councils) == 1:
            await self.open(councils[0], note)
            return
        question = _("You are the secretary of several councils. Which council is this resolution for?")
        await self.say(f"{note}\n\n{question}" if note else question, self.council_chooser(councils))

    def council_chooser(self, councils: list[CouncilInfo]) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [button(c.name, CouncilChoiceCallback(owner=self.person.id, council=c.id).pack())]
                for c in councils
            ]
        )

    async def open(self, council: CouncilInfo, note: str = "") -> None:
        """A fresh form for ``council``, its first step asked (after ``note``)."""
        form: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "council": council.code,
            "answers": {},
            "text_parts": [],
            "editing": False,
        }
        opening = _("New resolution of {council}.").format(council=council.name)
        await self.ask(STEPS[0], form, prefix=f"{note}\n\n{opening}" if note else opening)

    async def step_of(self, form: dict[str, Any]) -> str:
        """The step the form has reached. The form keeps it itself: the FSM state is another form's while
        the secretary answers something else (an objection letter's «Amend»)."""
        step = form.get("step")
        if step == "summary" or step in STEPS:
            return str(step)
        raw = await self.state.get_state()  # a form kept before it kept its step
        return raw.split(":", 1)[1] if raw and raw.startswith("Form:") else STEPS[0]

    async def offer_resume(self, form: dict[str, Any], after_discard: str = "", note: str = "") -> None:
        step = await self.step_of(form)
        where = (
            _("the summary")
            if step == "summary"
            else _("step {n} of {total}").format(
                n=to_persian_digits(STEPS.index(step) + 1), total=to_persian_digits(len(STEPS))
            )
        )

        def act(action: str) -> str:
            return FormCallback(owner=self.person.id, action=action, key=after_discard).pack()

        offer = _("You have an unfinished resolution form (at {where}). Continue it, or delete the draft?")
        await self.say(
            note + "\n\n" + offer.format(where=where) if note else offer.format(where=where),
            InlineKeyboardMarkup(
                inline_keyboard=[
                    [button(_("Continue"), act("resume")), button(_("Delete the draft"), act("discard"))]
                ]
            ),
        )

    async def resume(self, form: dict[str, Any]) -> None:
        step = await self.step_of(form)
        if step == "summary":
            await self.show_summary(form)
        else:
            await self.ask(step, form)

    async def drop(self, form: dict[str, Any] | None) -> None:
        """Forget the form and its downloaded files; other drafts (an amendment's) stay."""
        await self.leave()
        if form:
            shutil.rmtree(self.attachments_dir(form), ignore_errors=True)

    async def leave(self) -> None:
        """Forget the form, and leave its step if the conversation is on one (not another form's)."""
        raw = await self.state.get_state()
        if raw and raw.startswith("Form:"):
            await self.state.set_state(None)
        await self.state.update_data(form=None)

    def attachments_dir(self, form: dict[str, Any]) -> Path:
        return Path(self.deployment.data_dir) / "attachments" / str(form["id"])


def summary_keyboard(owner: int, form_id: str) -> InlineKeyboardMarkup:
    edits = [EditCallback(owner=owner, field=step).pack() for step in STEPS]
    labels = [_("Edit {field}").format(field=step_name(step)) for step in STEPS]
    buttons = [button(label, data) for label, data in zip(labels, edits, strict=True)]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [
            button(_("Send"), FormCallback(owner=owner, action="send", key=form_id).pack()),
            button(_("Cancel"), FormCallback(owner=owner, action="cancel").pack()),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def conversation(event: Message | CallbackQuery, **data: Any) -> Conversation:
    chat_id = data["person"].platform_user_id
    if isinstance(event, Message):
        chat_id = event.chat.id
    return Conversation(
        data["bot"],
        chat_id,
        data["state"],
        data["repo"],
        data["person"],
        data["roles"],
        data["clock"],
        data["deployment"],
    )


# --- entering and leaving


async def new_form(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    from .reconsideration import kept_note  # it imports this module's form helpers

    note = kept_note(await talk.state.get_data(), await talk.state.get_state())
    if form is not None:
        await talk.offer_resume(form, after_discard="new", note=note)
        return
    await talk.start(note)


async def choose_council(query: CallbackQuery, callback_data: CouncilChoiceCallback, **data: Any) -> None:
    """A secretary of several councils chose the council of a new resolution: open its form.

    A chooser pressed while a form is open (an old one, or a second tap) changes nothing; a council the
    person is no longer secretary of is refused, and the choice is asked again of what is left."""
    talk = conversation(query, **data)
    form = await talk.form()
    if form is not None:
        council = await talk.council(form)
        await query.answer(
            _(
                "A resolution form for {council} is already open, so this choice no longer applies. "
                "Continue that form, or cancel it with /cancel first."
            ).format(council=council.name if council else form["council"]),
            show_alert=True,
        )
        return
    chosen = next((c for c in await talk.secretary_councils() if c.id == callback_data.council), None)
    if chosen is None:
        gone = await talk.repo.resolutions.council_with_id(callback_data.council)
        if gone is None:
            await query.answer(_("This button is not for you or is no longer valid."), show_alert=True)
            return
        refusal = _("You are no longer the secretary of {council}.").format(council=gone.name)
        await query.answer(refusal, show_alert=True)
        await drop_buttons(query)
        await talk.start(note=refusal)
        return
    await query.answer()
    await drop_buttons(query)
    await talk.open(chosen)


async def drop_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the message whose button was pressed (they have done their work)."""
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


async def start_with_draft(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    if form is None:
        await talk.start()
        return
    await talk.offer_resume(form)


async def cancel_command(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    if form is None or await talk.state.get_state() is None:
        await talk.say(_("There is no form in progress."))
        return
    await talk.drop(form)
    await talk.say(
        _("The form was cancelled; nothing was sent."), main_menu_keyboard(Role(b.role) for b in talk.roles)
    )


async def form_control(query: CallbackQuery, callback_data: FormCallback, **data: Any) -> None:
    talk = conversation(query, **data)
    form = await talk.form()
    raw = await talk.state.get_state()
    step = raw.split(":", 1)[1] if raw and raw.startswith("Form:") else None
    action = callback_data.action
    await query.answer()
    if form is not None and action in ("resume", "discard"):
        # The offer works whatever the conversation is on now (e.g. an amendment's step).
        step = "offer"
    if form is None or step is None:
        await talk.say(_("This form is no longer open. Send /new to start one."))
        return
    if action == "cancel":
        await talk.drop(form)
        await talk.say(
            _("The form was cancelled; nothing was sent."),
            main_menu_keyboard(Role(b.role) for b in talk.roles),
        )
    elif action == "resume":
        await talk.resume(form)
    elif action == "discard":
        await talk.drop(form)
        await talk.say(_("The draft was deleted."), main_menu_keyboard(Role(b.role) for b in talk.roles))
        if callback_data.key == "new":
            await talk.start()
    elif action == "summary":
        await talk.show_summary(form)
    elif step == "summary":
        await talk.show_summary(form)
    elif action == "back" and STEPS.index(step) > 0:
        await talk.ask(STEPS[STEPS.index(step) - 1], form)
    elif action == "keep" and form["answers"].get(step) is not None:
        form["text_parts"] = []
        await talk.advance(step, form)
    elif action == "skip" and step in OPTIONAL_STEPS:
        await talk.advance(step, form)
    elif action == "clear" and step == "attachments":
        form["answers"]["attachments"] = []
        shutil.rmtree(talk.attachments_dir(form), ignore_errors=True)
        await talk.ask(step, form)
    elif action == "done" and step == "text":
        await finish_text(talk, form)
    elif action == "done" and step == "attachments":
        await talk.advance(step, form)
    else:
        await talk.ask(step, form)


async def edit_field(query: CallbackQuery, callback_data: EditCallback, **data: Any) -> None:
    talk = conversation(query, **data)
    form = await talk.form()
    await query.answer()
    if form is None or callback_data.field not in STEPS:
        await talk.say(_("This form is no longer open. Send /new to start one."))
        return
    form["editing"] = True
    await talk.ask(callback_data.field, form)


# --- the answers


async def answer_council_number(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    assert form is not None
    try:
        number = validate_council_number(message.text or "")
    except SubmissionError as exc:
        await talk.refuse("council_number", form, submission_error_text(exc))
        return
    answers = form["answers"]
    date = dt.date.fromisoformat(answers["approval_date"]) if "approval_date" in answers else talk.today()
    council = await talk.council(form)
    assert council is not None
    try:
        await check_council_number(talk.repo.resolutions, council.id, number, jalali_year(date))
    except DuplicateCouncilNumber as exc:
        await talk.refuse("council_number", form, duplicate_number_text(exc))
        return
    answers["council_number"] = number
    await talk.advance("council_number", form)


def typed_answer(step: str, validate: Callable[[str], object]) -> Callable[..., Awaitable[None]]:
    """The handler of a step answered by one typed text that ``validate`` cleans or refuses."""

    async def answer(message: Message, **data: Any) -> None:
        talk = conversation(message, **data)
        form = await talk.form()
        assert form is not None
        try:
            form["answers"][step] = validate(message.text or "")
        except SubmissionError as exc:
            await talk.refuse(step, form, submission_error_text(exc))
            return
        await talk.advance(step, form)

    return answer


async def accept_date(talk: Conversation, form: dict[str, Any], value: str | dt.date) -> None:
    try:
        approval = validate_approval_date(value, talk.clock.now(), talk.deployment.rules)
    except SubmissionError as exc:
        await talk.refuse("approval_date", form, submission_error_text(exc))
        return
    answers = form["answers"]
    if "council_number" in answers:
        council = await talk.council(form)
        assert council is not None
        try:
            await check_council_number(
                talk.repo.resolutions, council.id, answers["council_number"], jalali_year(approval.date)
            )
        except DuplicateCouncilNumber as exc:
            await talk.refuse("approval_date", form, duplicate_number_text(exc))
            return
    answers["approval_date"] = approval.date.isoformat()
    form.pop("calendar", None)
    await talk.advance("approval_date", form, note=late_note(approval.late))


async def answer_date_typed(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    assert form is not None
    await accept_date(talk, form, message.text or "")


async def pick_date(query: CallbackQuery, callback_data: CalendarCallback, **data: Any) -> None:
    talk = conversation(query, **data)
    form = await talk.form()
    await query.answer()
    assert form is not None
    try:
        date = jalali_to_gregorian(callback_data.year, callback_data.month, callback_data.day)
    except JalaliParseError:
        await talk.ask("approval_date", form)
        return
    await accept_date(talk, form, date)


async def page_calendar(query: CallbackQuery, callback_data: CalendarCallback, **data: Any) -> None:
    talk = conversation(query, **data)
    form = await talk.form()
    assert form is not None
    if not 1 <= callback_data.month <= 12 or not 1000 <= callback_data.year <= 9999:
        await query.answer()
        return
    form["calendar"] = [callback_data.year, callback_data.month]
    await talk.save(form)
    markup = step_keyboard("approval_date", form, talk.person.id, talk.today())
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=markup)
    await query.answer()


async def calendar_label(query: CallbackQuery) -> None:
    await query.answer()


def is_done_word(text: str | None) -> bool:
    word = normalize_persian(text or "").lower()
    return word in DONE_WORDS or word == _("Done").lower()


async def answer_text_part(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    assert form is not None
    if is_done_word(message.text):
        await finish_text(talk, form)
        return
    parts = [*form.get("text_parts", []), message.text or ""]
    length = len(normalize_persian("\n".join(parts)))
    if length > TEXT_MAX:
        error = SubmissionError(SubmissionErrorCode.TEXT_TOO_LONG, min=10, max=TEXT_MAX, length=length)
        await talk.refuse("text", form, submission_error_text(error))
        return
    form["text_parts"] = parts
    await talk.save(form)
    await talk.say(
        _("Received: {length} characters so far. Send more of the text, or press «Done».").format(
            length=to_persian_digits(length)
        ),
        step_keyboard("text", form, talk.person.id, talk.today()),
    )


async def finish_text(talk: Conversation, form: dict[str, Any]) -> None:
    parts = form.get("text_parts") or []
    if not parts and form["answers"].get("text") is not None:
        await talk.advance("text", form)
        return
    try:
        text = validate_text("\n".join(parts))
    except SubmissionError as exc:
        await talk.refuse("text", form, submission_error_text(exc))
        return
    form["answers"]["text"] = text
    form["text_parts"] = []
    await talk.advance("text", form)


async def text_of_file(bot: Bot, doc: Document, max_bytes: int) -> str | None:
    """The resolution text sent as a .txt or .pdf file, checked like a typed one: refused with
    :class:`SubmissionError` (wrong kind, too big, unreadable, too short or long), ``None`` when the file
    could not be downloaded. The submission form and the amendment form both read text files so."""
    kind = validate_text_file(doc.mime_type, doc.file_name, doc.file_size, max_bytes)
    content = await download(bot, doc.file_id, None)
    if content is None:
        return None
    return validate_text(read_text_file(kind, content))


def not_downloaded_text() -> str:
    return _("The file could not be downloaded. Please send it again.")


async def answer_text_file(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    assert form is not None and message.document is not None
    try:
        text = await text_of_file(talk.bot, message.document, talk.deployment.attachment_max_bytes)
    except SubmissionError as exc:
        await talk.refuse("text", form, submission_error_text(exc))
        return
    if text is None:
        await talk.refuse("text", form, not_downloaded_text())
        return
    form["answers"]["text"] = text
    form["text_parts"] = []
    await talk.advance("text", form)


async def choose_category(query: CallbackQuery, callback_data: CategoryCallback, **data: Any) -> None:
    talk = conversation(query, **data)
    form = await talk.form()
    await query.answer()
    assert form is not None
    try:
        form["answers"]["category"] = validate_category(callback_data.code).value
    except SubmissionError as exc:
        await talk.refuse("category", form, submission_error_text(exc))
        return
    await talk.advance("category", form)


async def category_typed(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    assert form is not None
    error = SubmissionError(SubmissionErrorCode.CATEGORY_UNKNOWN)
    await talk.refuse("category", form, submission_error_text(error))


async def answer_votes(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    assert form is not None
    council = await talk.council(form)
    assert council is not None
    try:
        votes = validate_votes(*parse_vote_counts(message.text or ""), council_members=council.members)
    except SubmissionError as exc:
        await talk.refuse("votes", form, submission_error_text(exc))
        return
    form["answers"]["votes"] = [votes.for_, votes.against, votes.abstain]
    await talk.advance("votes", form)


async def answer_attachment(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    assert form is not None
    attachments = form["answers"].setdefault("attachments", [])
    number = len(attachments) + 1
    try:
        stored = await save_attachment(
            talk.bot,
            message,
            Path(talk.deployment.data_dir),
            Path("attachments") / str(form["id"]),
            number,
            talk.deployment.attachment_max_bytes,
        )
    except SubmissionError as exc:
        await talk.refuse("attachments", form, submission_error_text(exc))
        return
    if stored is None:
        await talk.refuse("attachments", form, not_downloaded_text())
        return
    attachments.append(attachment_to_json(stored))
    await talk.ask(
        "attachments",
        form,
        prefix=_("Attachment {n} received.").format(n=to_persian_digits(number)),
    )


async def save_attachment(
    bot: Bot, message: Message, data_dir: Path, folder: Path, number: int, max_bytes: int
) -> AttachmentFile | None:
    """Check the photo or document of ``message`` and keep a copy as ``folder/number.ext`` under
    ``data_dir``; refused with :class:`SubmissionError`, ``None`` when it could not be downloaded."""
    name: str | None
    mime: str | None
    if message.photo:
        photo = message.photo[-1]
        media, file_id, unique_id = "photo", photo.file_id, photo.file_unique_id
        name, mime, size = None, "image/jpeg", photo.file_size
    else:
        assert message.document is not None
        doc = message.document
        media, file_id, unique_id = "document", doc.file_id, doc.file_unique_id
        name, mime, size = doc.file_name, doc.mime_type, doc.file_size
    kind = validate_attachment(mime, name, size, max_bytes)
    suffix = {AttachmentKind.PDF: ".pdf", AttachmentKind.JPEG: ".jpg", AttachmentKind.PNG: ".png"}[kind]
    relative = folder / f"{number}{suffix}"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        await bot.download(file_id, destination=target)
    except (TelegramAPIError, OSError) as exc:
        log.warning("could not download attachment %s: %s", file_id, exc)
        return None
    return AttachmentFile(
        media=media,
        file_id=file_id,
        file_unique_id=unique_id,
        file_name=name,
        mime_type=mime,
        size=size if size is not None else target.stat().st_size,
        local_path=relative.as_posix(),
    )


async def done_attachments_typed(message: Message, **data: Any) -> None:
    talk = conversation(message, **data)
    form = await talk.form()
    assert form is not None
    await talk.advance("attachments", form)


async def unexpected(message: Message, **data: Any) -> None:
    """Anything a step cannot use (a sticker, a voice message, a location, a photo for the title…)."""
    talk = conversation(message, **data)
    form = await talk.form()
    raw = await talk.state.get_state()
    step = raw.split(":", 1)[1] if raw else STEPS[0]
    assert form is not None
    expected = {
        "council_number": _("the resolution number, typed as text"),
        "session_number": _("the session number, typed as text"),
        "approval_date": _("a date, typed or picked on the calendar"),
        "title": _("the title, typed as text"),
        "text": _("the text, as messages or as a .txt or .pdf file"),
        "category": _("a choice on the category buttons"),
        "votes": _("three numbers typed as text"),
        "attachments": _("PDF files or photos"),
        "summary": _("a press on one of the summary's buttons"),
    }[step]
    guidance = _(
        "This step needs {expected}. Stickers, voice messages, locations and the like cannot be used here."
    ).format(expected=expected)
    if step == "summary":
        await talk.show_summary(form, note=guidance)
    else:
        await talk.refuse(step, form, guidance)


# --- sending


def attachment_to_json(file: AttachmentFile) -> dict[str, Any]:
    return {
        "media": file.media,
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_name": file.file_name,
        "mime_type": file.mime_type,
        "size": file.size,
        "local_path": file.local_path,
    }


def draft_of(form: dict[str, Any]) -> Draft:
    answers = form["answers"]
    return Draft(
        submission_key=form["id"],
        council_number=answers["council_number"],
        session_number=int(answers["session_number"]),
        approval_date=dt.date.fromisoformat(answers["approval_date"]),
        title=answers["title"],
        text=answers["text"],
        category=Category(answers["category"]),
        votes=Votes(*answers["votes"]),
        attachments=tuple(AttachmentFile(**a) for a in answers.get("attachments") or []),
    )


async def send_form(query: CallbackQuery, callback_data: FormCallback, i18n: I18n, **data: Any) -> None:
    talk = conversation(query, **data)
    resolutions = talk.repo.resolutions
    earlier = await resolutions.submitted_with_key(callback_data.key)
    if earlier is not None:
        # A double tap, or the same callback again: the resolution exists once; say so and change nothing.
        await query.answer(
            _("Already sent. Tracking code: {code}").format(code=tracking_code_text(earlier.tracking_code)),
            show_alert=True,
        )
        return
    form = await talk.form()
    if (
        form is None
        or form.get("id") != callback_data.key
        or await talk.state.get_state() != Form.summary.state
    ):
        await query.answer(_("This button is not for you or is no longer valid."), show_alert=True)
        return
    council = await talk.council(form)
    assert council is not None
    if council.code not in talk.secretary_council_codes():
        # The binding was removed while the form was open: the resolution may not be filed for that council.
        await query.answer(
            _(
                "You are no longer the secretary of {council}, so this resolution cannot be sent for it. "
                "The draft is kept; /cancel deletes it."
            ).format(council=council.name),
            show_alert=True,
        )
        return
    await query.answer()
    try:
        submitted = await submit_resolution(
            resolutions,
            draft_of(form),
            council,
            actor_id=talk.person.id,
            now=talk.clock.now(),
            rules=talk.deployment.rules,
        )
    except SubmissionError as exc:
        await talk.refuse("approval_date", form, submission_error_text(exc))
        return
    except DuplicateCouncilNumber as exc:
        form["editing"] = True
        await talk.refuse("council_number", form, duplicate_number_text(exc))
        return
    await talk.repo.commit()
    await talk.leave()
    await drop_buttons(query)
    lines = [
        _("The resolution was registered and sent to the conformity board."),
        _("Tracking code: {code}").format(code=tracking_code_text(submitted.tracking_code)),
        _("The board's review deadline: {deadline}").format(
            deadline=format_jalali_datetime(submitted.review_deadline)
        ),
    ]
    if submitted.late:
        lines.append(late_note(True))
    await talk.say("\n".join(lines), main_menu_keyboard(Role(b.role) for b in talk.roles))
    await notify_board(talk.bot, talk.repo, i18n, submitted.resolution_id, Path(talk.deployment.data_dir))


async def download(bot: Bot, file_id: str, destination: Path | None) -> bytes | None:
    try:
        result = await bot.download(file_id, destination=destination)
    except (TelegramAPIError, OSError) as exc:
        log.warning("could not download %s: %s", file_id, exc)
        return None
    return result.read() if result is not None else None


# --- the router


def make_router() -> Router:
    """Secretaries only: the form, its controls, and sending."""
    router = Router(name="submission")
    router.message.filter(HasRole(Role.SECRETARY))
    router.callback_query.filter(HasRole(Role.SECRETARY))
    in_form = StateFilter(Form)
    text = F.text & ~F.text.startswith("/")

    router.message.register(new_form, Command("new"))
    router.message.register(new_form, F.text.func(lambda t: t == new_resolution_button()))
    router.message.register(start_with_draft, CommandStart(), ~F.text.contains(" "), in_form)
    router.message.register(cancel_command, Command("cancel"))

    router.callback_query.register(choose_council, CouncilChoiceCallback.filter(), IsOwner())
    router.callback_query.register(send_form, FormCallback.filter(F.action == "send"), IsOwner())
    resuming = FormCallback.filter(F.action.in_({"resume", "discard"}))
    router.callback_query.register(form_control, resuming, IsOwner())
    router.callback_query.register(form_control, FormCallback.filter(), IsOwner(), in_form)
    router.callback_query.register(edit_field, EditCallback.filter(), IsOwner(), StateFilter(Form.summary))
    router.callback_query.register(
        pick_date, CalendarCallback.filter(F.action == "pick"), IsOwner(), StateFilter(Form.approval_date)
    )
    router.callback_query.register(
        page_calendar, CalendarCallback.filter(F.action == "nav"), IsOwner(), StateFilter(Form.approval_date)
    )
    router.callback_query.register(calendar_label, CalendarCallback.filter(F.action == "noop"), IsOwner())
    router.callback_query.register(
        choose_category, CategoryCallback.filter(), IsOwner(), StateFilter(Form.category)
    )

    router.message.register(answer_council_number, StateFilter(Form.council_number), text)
    router.message.register(
        typed_answer("session_number", validate_session_number), StateFilter(Form.session_number), text
    )
    router.message.register(answer_date_typed, StateFilter(Form.approval_date), text)
    router.message.register(typed_answer("title", validate_title), StateFilter(Form.title), text)
    router.message.register(answer_text_part, StateFilter(Form.text), text)
    router.message.register(answer_text_file, StateFilter(Form.text), F.document)
    router.message.register(category_typed, StateFilter(Form.category), text)
    router.message.register(answer_votes, StateFilter(Form.votes), text)
    router.message.register(answer_attachment, StateFilter(Form.attachments), F.photo | F.document)
    router.message.register(done_attachments_typed, StateFilter(Form.attachments), F.text.func(is_done_word))
    router.message.register(unexpected, in_form, ~F.text.startswith("/"))
    return router
