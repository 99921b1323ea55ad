"""Texts and keyboards shared by several conversations. Every user-facing string comes from the catalogue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from council.jalali import format_jalali_date, format_jalali_datetime
from council.roles import NATION_CODE, Role
from council.status import Status
from council.submission import Category, SubmissionError, SubmissionErrorCode, Votes
from council.submitting import DuplicateCouncilNumber
from council.text import to_persian_digits
from storage.repository import Repository
from storage.resolutions import ResolutionLine, ResolutionRecord

from .callbacks import LanguageCallback
from .translation import gettext as _


def role_label(role: Role) -> str:
    labels = {
        Role.SECRETARY: _("council secretary"),
        Role.MEMBER: _("conformity board member"),
        Role.EXPERT: _("advisory expert"),
        Role.BOARD_SECRETARY: _("conformity board secretary"),
        Role.OFFICIAL: _("supervising official"),
        Role.ADMIN: _("system administrator"),
    }
    return labels[role]


def role_duties(role: Role) -> str:
    duties = {
        Role.SECRETARY: _("submit your council's resolutions and answer the board's objections"),
        Role.MEMBER: _("vote on the resolutions your board reviews: no conflict, or conflict with grounds"),
        Role.EXPERT: _("write a non-binding expert opinion that members see before voting"),
        Role.BOARD_SECRETARY: _("oversee your board's queue and receive every deadline warning"),
        Role.OFFICIAL: _("ask for status and performance within your area and receive digests"),
        Role.ADMIN: _("load the organisation and issue invites"),
    }
    return duties[role]


async def scope_name(repo: Repository, code: str) -> str:
    """The name people know a scope by (the nation has no row, so its name is in the catalogue)."""
    if code == NATION_CODE:
        return _("the whole country")
    scope = await repo.resolve_scope(code)
    return scope.name if scope else code


def binding_line(role: Role, scope_name: str) -> str:
    return _("{role} — {scope}").format(role=role_label(role), scope=scope_name)


def help_text(bindings: Sequence[tuple[Role, str]], commands: Sequence[str]) -> str:
    """The /help card: each role with what it allows, then the commands available."""
    lines = [_("Your roles:")]
    for role, scope_name in bindings:
        lines.append("• " + binding_line(role, scope_name))
        lines.append("  " + role_duties(role))
    lines.append("")
    lines.append(_("Commands:"))
    lines.extend(f"/{name}" for name in commands)
    return "\n".join(lines)


def language_keyboard(owner: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="فارسی", callback_data=LanguageCallback(owner=owner, code="fa").pack()
                ),
                InlineKeyboardButton(
                    text="English", callback_data=LanguageCallback(owner=owner, code="en").pack()
                ),
            ]
        ]
    )


# --- resolutions


#: Each status's label, translated when asked for: one translation per label, not all eight (a status card
#: asks for several labels).
_STATUS_LABELS: dict[Status, Callable[[], str]] = {
    Status.UNDER_REVIEW: lambda: _("under review"),
    Status.ENFORCEABLE: lambda: _("enforceable"),
    Status.ENFORCEABLE_LAPSED: lambda: _("enforceable (review window lapsed)"),
    Status.OBJECTED: lambda: _("objected by the conformity board"),
    Status.REVOKED: lambda: _("revoked"),
    Status.ESCALATED: lambda: _("referred to the dispute authority"),
    Status.UPHELD: lambda: _("finally upheld"),
    Status.ANNULLED: lambda: _("annulled"),
}


def status_label(status: Status | str) -> str:
    """The Persian (or English) label of a resolution's status (DESIGN §2 vocabulary)."""
    return _STATUS_LABELS[Status(status)]()


def category_label(category: Category | str) -> str:
    labels = {
        Category.CIVIL_WORKS: _("civil works"),
        Category.CULTURE_SOCIAL: _("cultural and social"),
        Category.ECONOMY_INVESTMENT: _("economy and investment"),
        Category.FINANCE_BUDGET: _("finance and budget"),
        Category.URBAN_SERVICES: _("urban services"),
        Category.ADMIN_EMPLOYMENT: _("administration and employment"),
        Category.OTHER: _("other"),
    }
    return labels[Category(category)]


def tracking_code_text(code: str) -> str:
    """A tracking code in Persian digits, isolated left-to-right so its two groups never swap places."""
    return "\u2066" + to_persian_digits(code) + "\u2069"


def votes_text(votes: Votes | Sequence[int]) -> str:
    for_, against, abstain = (votes.for_, votes.against, votes.abstain) if isinstance(votes, Votes) else votes
    return _("{for_} for, {against} against, {abstain} abstaining").format(
        for_=to_persian_digits(for_), against=to_persian_digits(against), abstain=to_persian_digits(abstain)
    )


def megabytes(size: int) -> str:
    return to_persian_digits(f"{size / (1024 * 1024):.1f}")


def submission_error_text(error: SubmissionError) -> str:
    """The message for a refused answer of the submission form."""
    p: Mapping[str, Any] = error.params

    def n(key: str) -> str:
        return to_persian_digits(str(p[key]))

    code = error.code
    E = SubmissionErrorCode
    if code is E.COUNCIL_NUMBER_FORMAT:
        return _(
            "A resolution number is up to {digits} digits, optionally followed by / or - and up to "
            "{suffix} letters or digits, for example 12 or 12/3."
        ).format(digits=n("max_digits"), suffix=n("max_suffix"))
    if code in (E.SESSION_NUMBER_FORMAT, E.SESSION_NUMBER_RANGE):
        return _("The session number is a whole number from {min} to {max}.").format(
            min=n("min"), max=n("max")
        )
    if code is E.APPROVAL_DATE_FORMAT:
        return _(
            "That is not a date. Type it as year/month/day, for example 1405/09/01, "
            "or pick it on the calendar."
        )
    if code is E.APPROVAL_DATE_MONTH:
        return _("There is no such month: a month is from 1 to 12.")
    if code is E.APPROVAL_DATE_DAY:
        return _("That month has no such day.")
    if code is E.APPROVAL_DATE_FUTURE:
        return _("The approval date cannot be after today ({today}).").format(
            today=format_jalali_date(p["today"])
        )
    if code is E.APPROVAL_DATE_LATE:
        return _(
            "Resolutions must be submitted within {days} days of approval; for this one that was until "
            "{deadline}. Late submissions are not accepted."
        ).format(days=n("window_days"), deadline=format_jalali_date(p["deadline"]))
    if code is E.TITLE_TOO_SHORT:
        return _("The title is too short ({length} characters); it needs {min} to {max}.").format(
            length=n("length"), min=n("min"), max=n("max")
        )
    if code is E.TITLE_TOO_LONG:
        return _("The title is too long ({length} characters); it may have {min} to {max}.").format(
            length=n("length"), min=n("min"), max=n("max")
        )
    if code is E.TEXT_TOO_SHORT:
        return _("The text is too short ({length} characters); it needs {min} to {max}.").format(
            length=n("length"), min=n("min"), max=n("max")
        )
    if code is E.TEXT_TOO_LONG:
        return _("The text is too long ({length} characters); it may have {min} to {max}.").format(
            length=n("length"), min=n("min"), max=n("max")
        )
    if code is E.CATEGORY_UNKNOWN:
        return _("Choose one of the categories on the buttons.")
    if code is E.VOTES_FORMAT:
        return _(
            "Send the council's votes as three whole numbers: for, against, abstaining — for example 7 1 1."
        )
    if code is E.VOTES_EXCEED_SEATS:
        return _("These votes add up to {total}, but the council has only {seats} seats.").format(
            total=n("total"), seats=n("seats")
        )
    if code is E.VOTES_NO_MAJORITY:
        return _(
            "With {total} voting, a resolution needs at least {needed} votes for; this one has {for_}. "
            "A resolution that did not pass cannot be submitted."
        ).format(total=n("total"), needed=n("needed"), for_=n("for_"))
    if code is E.ATTACHMENT_TYPE:
        return _("Only PDF files and JPEG or PNG images can be attached.")
    if code is E.TEXT_FILE_TYPE:
        return _("The text can be sent as a .txt or .pdf file only.")
    if code is E.FILE_EMPTY:
        return _("The file is empty.")
    if code is E.FILE_TOO_LARGE:
        return _("The file is {size} MB; the limit is {limit} MB.").format(
            size=megabytes(int(str(p["size"]))), limit=megabytes(int(str(p["max_size"])))
        )
    if code is E.TEXT_FILE_UNREADABLE:
        return _(
            "No text could be read from this PDF (it may be a scan). Type the text or send it as a .txt "
            "file; the scan can go with the attachments."
        )
    return _("The file's text could not be read. Save it as UTF-8 text and send it again, or paste the text.")


def duplicate_number_text(error: DuplicateCouncilNumber) -> str:
    return _(
        "Your council already submitted resolution number {number} in {year}; its tracking code is {code}. "
        "Check the number."
    ).format(
        number=to_persian_digits(error.council_number),
        year=to_persian_digits(error.year),
        code=tracking_code_text(error.tracking_code),
    )


def late_note(late: bool) -> str:
    if not late:
        return ""
    return _("Note: this resolution is submitted after the submission window and is marked late.")


#: Excerpt of a long text shown in the summary card.
SUMMARY_TEXT_CHARS = 300
#: Room a card leaves for the resolution's text within a chat message (4096 characters).
CARD_TEXT_CHARS = 3000


def excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def summary_card(
    council_name: str,
    answers: Mapping[str, Any],
    late: bool,
) -> str:
    """The form before sending: every answer, and whether the submission will be marked late."""
    votes = answers.get("votes")
    text = str(answers.get("text", ""))
    lines = [
        _("Check the resolution before sending:"),
        _("Council: {name}").format(name=council_name),
        _("Resolution number: {value}").format(value=to_persian_digits(answers["council_number"])),
        _("Session number: {value}").format(value=to_persian_digits(answers["session_number"])),
        _("Approval date: {value}").format(
            value=format_jalali_date(dt.date.fromisoformat(answers["approval_date"]))
        ),
        _("Title: {value}").format(value=answers["title"]),
        _("Text ({length} characters): {value}").format(
            length=to_persian_digits(len(text)), value=excerpt(text, SUMMARY_TEXT_CHARS)
        ),
        _("Category: {value}").format(value=category_label(answers["category"])),
        _("Council vote: {value}").format(value=votes_text(votes or (0, 0, 0))),
        _("Attachments: {count}").format(count=to_persian_digits(len(answers.get("attachments") or []))),
    ]
    if late:
        lines.append(late_note(True))
    lines += ["", _("Edit any field with its button, or press «Send».")]
    return "\n".join(lines)


def identity_lines(record: ResolutionRecord) -> list[str]:
    """The lines that say which resolution a card is about: code, council, number and session, title."""
    return [
        _("Tracking code: {code}").format(code=tracking_code_text(record.tracking_code)),
        _("Council: {name}").format(name=record.council_name),
        _("Resolution number {number}, session {session}, approved on {date}").format(
            number=to_persian_digits(record.council_number),
            session=to_persian_digits(record.session_number),
            date=format_jalali_date(record.approval_date),
        ),
        _("Title: {value}").format(value=record.title),
    ]


def resolution_card(record: ResolutionRecord, *, text_limit: int = CARD_TEXT_CHARS) -> str:
    """A resolution as its board sees it: who sent what, the council's vote, the deadline and the text."""
    lines = [
        *identity_lines(record),
        _("Category: {value}").format(value=category_label(record.category)),
        _("Council vote: {value}").format(value=votes_text(record.votes)),
        _("Status: {value}").format(value=status_label(record.status)),
        _("Submitted: {value}").format(value=format_jalali_datetime(record.submitted_at)),
    ]
    if record.review_deadline is not None:
        lines.append(
            _("Review deadline: {value}").format(value=format_jalali_datetime(record.review_deadline))
        )
    if record.late:
        lines.append(late_note(True))
    if record.attachments:
        lines.append(_("Attachments: {count}").format(count=to_persian_digits(len(record.attachments))))
    lines += ["", _("Text:"), excerpt(record.text, text_limit)]
    return "\n".join(lines)


def resolution_lines(lines: Iterable[ResolutionLine], start: int, *, with_council: bool = False) -> list[str]:
    """Numbered lines from ``start``; ``with_council``: each names its council (a list of several)."""
    if with_council:
        return [
            _("{n}. {code} — {council} — No. {number} — {title} — {status}").format(
                n=to_persian_digits(i),
                code=tracking_code_text(line.tracking_code),
                council=line.council_name,
                number=to_persian_digits(line.council_number),
                title=excerpt(line.title, 60),
                status=status_label(line.status),
            )
            for i, line in enumerate(lines, start)
        ]
    return [
        _("{n}. {code} — No. {number} — {title} — {status}").format(
            n=to_persian_digits(i),
            code=tracking_code_text(line.tracking_code),
            number=to_persian_digits(line.council_number),
            title=excerpt(line.title, 60),
            status=status_label(line.status),
        )
        for i, line in enumerate(lines, start)
    ]


def main_menu_keyboard(roles: Iterable[Role]) -> ReplyKeyboardMarkup | None:
    """The reply-keyboard menu (platforms without command menus need it): secretaries get the form."""
    if Role.SECRETARY not in set(roles):
        return None
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=new_resolution_button()), KeyboardButton(text=my_resolutions_button())]
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def new_resolution_button() -> str:
    return _("New resolution")


def my_resolutions_button() -> str:
    return _("My resolutions")
