"""Texts and keyboards of the board's review, the objection, reconsideration and escalation.

Shared by the review conversations and the sweep (a lapse notice uses the same words as a ruling's).
Every user-facing string comes from the catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from council.jalali import format_jalali_datetime
from council.review import (
    ConflictGrounds,
    EscalationOutcome,
    GroundsKind,
    ObjectionLetter,
    ReviewError,
    ReviewErrorCode,
    Vote,
    VoteChoice,
    WindowClosed,
)
from council.reviewing import Opinion
from council.roles import Role
from council.status import Status
from council.text import to_persian_digits
from storage.resolutions import ResolutionRecord
from storage.reviews import VersionText

from .callbacks import OutcomeCallback, ReconsiderCallback, ReviewCallback
from .translation import gettext as _
from .views import resolution_card, status_label, tracking_code_text

#: What the buttons of a tracked message offer; they go when that act is no longer possible.
REVIEW_PURPOSE = "review"
RECONSIDERATION_PURPOSE = "reconsideration"
ESCALATION_PURPOSE = "escalation"


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def code_of(record: ResolutionRecord | str) -> str:
    return tracking_code_text(record if isinstance(record, str) else record.tracking_code)


# --- the board's notice and card


def choice_label(choice: VoteChoice | str) -> str:
    return _("no conflict") if VoteChoice(choice) == VoteChoice.NO_CONFLICT else _("conflict")


def grounds_text(grounds: ConflictGrounds) -> str:
    if grounds.kind == GroundsKind.OUTSIDE_POWERS:
        return _("outside the council's duties and powers")
    if grounds.article:
        return _("{law}, {article}").format(law=grounds.law, article=grounds.article)
    return str(grounds.law)


def review_keyboard(
    owner: int,
    record: ResolutionRecord,
    roles: Iterable[Role],
    *,
    with_open: bool = True,
    acting: bool | None = None,
) -> InlineKeyboardMarkup | None:
    """The buttons a board person gets with a resolution: open it; while ``acting`` (by default: while it
    is under review) vote (members) and write an opinion (experts); earlier versions of an amended text.
    ``None`` when there is nothing to press."""

    def act(action: str) -> str:
        return ReviewCallback(owner=owner, action=action, rid=record.id, cycle=record.cycle).pack()

    held = set(roles)
    rows: list[list[InlineKeyboardButton]] = []
    if with_open:
        rows.append([button(_("View"), act("open"))])
    if record.status == Status.UNDER_REVIEW if acting is None else acting:
        if Role.MEMBER in held:
            rows.append([button(_("No conflict"), act("ok")), button(_("Conflict"), act("conflict"))])
        if Role.EXPERT in held:
            rows.append([button(_("Record expert opinion"), act("opinion"))])
    if record.version_no > 1:
        rows.append([button(_("Earlier versions"), act("versions"))])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def board_notice(record: ResolutionRecord) -> str:
    """The message a board's members, experts and secretary get when a resolution (or its amended text)
    arrives."""
    if record.cycle > 1:
        head = _(
            "The council amended resolution {code} after the board's objection; the amended text "
            "(version {version}) has arrived for a new review."
        ).format(code=code_of(record), version=to_persian_digits(record.version_no))
    else:
        head = _("A new resolution has arrived for your board's review.")
    return head + "\n\n" + resolution_card(record)


def opinions_text(opinions: Sequence[tuple[str, Opinion]]) -> str:
    if not opinions:
        return _("Expert opinions: none yet.")
    lines = [_("Expert opinions (not binding):")]
    for name, opinion in opinions:
        lines.append(
            _("• opinion of {name}: {finding} — {text}").format(
                name=name, finding=choice_label(opinion.finding), text=opinion.text
            )
        )
    return "\n".join(lines)


def vote_line(name: str, vote: Vote) -> str:
    if vote.choice == VoteChoice.CONFLICT and vote.grounds is not None:
        return _("• {name}: conflict — {grounds} — {reasoning}").format(
            name=name, grounds=grounds_text(vote.grounds), reasoning=vote.reasoning or ""
        )
    return _("• {name}: no conflict").format(name=name)


def votes_so_far_text(votes: Sequence[tuple[str, Vote]], seats: int) -> str:
    if not votes:
        return _("Votes so far: none.")
    lines = [
        _("Votes so far ({count} of {seats} seats):").format(
            count=to_persian_digits(len(votes)), seats=to_persian_digits(seats)
        )
    ]
    lines += [vote_line(name, vote) for name, vote in votes]
    return "\n".join(lines)


def open_card(
    record: ResolutionRecord,
    opinions: Sequence[tuple[str, Opinion]],
    votes: Sequence[tuple[str, Vote]] | None,
    seats: int,
) -> str:
    """The resolution opened by a board person: the card, the expert opinions and, for the board, the
    votes so far."""
    parts = [resolution_card(record)]
    if record.version_no > 1:
        parts.append(
            _("This is version {version} of the text (review cycle {cycle}).").format(
                version=to_persian_digits(record.version_no), cycle=to_persian_digits(record.cycle)
            )
        )
    parts.append(opinions_text(opinions))
    if votes is not None:
        parts.append(votes_so_far_text(votes, seats))
    return "\n\n".join(parts)


def version_text(record: ResolutionRecord, version: VersionText) -> str:
    return _("Version {version} of resolution {code}, of {date}:\nTitle: {title}\n\n{text}").format(
        version=to_persian_digits(version.version_no),
        code=code_of(record),
        date=format_jalali_datetime(version.created_at),
        title=version.title,
        text=version.text,
    )


# --- voting


def confirm_keyboard(owner: int, rid: int, cycle: int, confirm: str, label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(label, ReviewCallback(owner=owner, action=confirm, rid=rid, cycle=cycle).pack()),
                button(
                    _("Cancel"), ReviewCallback(owner=owner, action="cancel", rid=rid, cycle=cycle).pack()
                ),
            ]
        ]
    )


def confirm_no_conflict_text(code: str) -> str:
    return _("Your vote on resolution {code}: no conflict. Confirm it?").format(code=tracking_code_text(code))


def grounds_question(code: str) -> str:
    return _("Vote «conflict» on resolution {code}: what does it conflict with?").format(
        code=tracking_code_text(code)
    )


def grounds_keyboard(owner: int, rid: int, cycle: int) -> InlineKeyboardMarkup:
    def act(action: str) -> str:
        return ReviewCallback(owner=owner, action=action, rid=rid, cycle=cycle).pack()

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("A law or regulation"), act("law"))],
            [button(_("Outside the council's duties and powers"), act("outside"))],
            [button(_("Cancel"), act("cancel"))],
        ]
    )


def law_question() -> str:
    return _("Send the name of the law or regulation the resolution conflicts with.")


def article_question() -> str:
    return _("Send the article it conflicts with (for example «ماده ۵۵»), or press «No article».")


def article_keyboard(owner: int, rid: int, cycle: int) -> InlineKeyboardMarkup:
    def act(action: str) -> str:
        return ReviewCallback(owner=owner, action=action, rid=rid, cycle=cycle).pack()

    return InlineKeyboardMarkup(
        inline_keyboard=[[button(_("No article"), act("no_article")), button(_("Cancel"), act("cancel"))]]
    )


def reasoning_question() -> str:
    return _(
        "Send the reasoned text of your vote: which provision the resolution breaks, and why "
        "(at least 20 characters)."
    )


def cancel_keyboard(owner: int, rid: int, cycle: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("Cancel"), ReviewCallback(owner=owner, action="cancel", rid=rid, cycle=cycle).pack())]
        ]
    )


def confirm_conflict_text(code: str, grounds: ConflictGrounds, reasoning: str) -> str:
    return _(
        "Your vote on resolution {code}: conflict\nGrounds: {grounds}\nReasoning: {reasoning}\n\n"
        "Record this vote?"
    ).format(code=tracking_code_text(code), grounds=grounds_text(grounds), reasoning=reasoning)


def vote_recorded_text(choice: VoteChoice, replaced: bool) -> str:
    text = _("Your vote was recorded: {choice}.").format(choice=choice_label(choice))
    if replaced:
        text += "\n" + _("It replaces your earlier vote in this review.")
    return text


def opinion_question(code: str) -> str:
    return _("Your expert opinion on resolution {code}: does it conflict with the laws?").format(
        code=tracking_code_text(code)
    )


def opinion_keyboard(owner: int, rid: int, cycle: int) -> InlineKeyboardMarkup:
    def act(action: str) -> str:
        return ReviewCallback(owner=owner, action=action, rid=rid, cycle=cycle).pack()

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("No conflict"), act("op_ok")), button(_("Conflict"), act("op_conflict"))],
            [button(_("Cancel"), act("cancel"))],
        ]
    )


def opinion_text_question() -> str:
    return _(
        "Send the text of your opinion (at least 20 characters). Members will see it with the resolution."
    )


# --- outcomes of the review


def ruling_text(code: str, status: Status) -> str:
    if status == Status.ENFORCEABLE:
        return _("The board ruled on resolution {code}: no conflict. The resolution is enforceable.").format(
            code=tracking_code_text(code)
        )
    return _(
        "The board ruled on resolution {code}: conflict. The objection was sent to the council, which must "
        "reconsider it."
    ).format(code=tracking_code_text(code))


def lapse_text(code: str, deadline: dt.datetime) -> str:
    return _(
        "The review window of resolution {code} closed on {deadline} without a conflict ruling. "
        "The resolution is enforceable by lapse of the review window."
    ).format(code=tracking_code_text(code), deadline=format_jalali_datetime(deadline))


def objection_text(record: ResolutionRecord, letter: ObjectionLetter, deadline: dt.datetime) -> str:
    """The objection letter to the council's secretary, assembled from the conflict votes' grounds."""
    lines = [
        _("Objection of the conformity board to resolution {code}").format(code=code_of(record)),
        _("Council: {name}").format(name=record.council_name),
        _("Title: {value}").format(value=record.title),
        "",
        _("The board finds that the resolution conflicts with:"),
    ]
    lines += ["• " + grounds_text(grounds) for grounds in letter.grounds]
    lines += ["", _("Reasons:")]
    lines += ["• " + reason for reason in letter.reasonings]
    lines += [
        "",
        _(
            "The council must reconsider the resolution and answer by {deadline}: amend it, revoke it, or "
            "insist on it. Without an answer by then the case goes to the dispute authority."
        ).format(deadline=format_jalali_datetime(deadline)),
    ]
    return "\n".join(lines)


def reconsideration_keyboard(owner: int, rid: int, cycle: int) -> InlineKeyboardMarkup:
    def act(action: str) -> str:
        return ReconsiderCallback(owner=owner, action=action, rid=rid, cycle=cycle).pack()

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("Amend the resolution"), act("amend"))],
            [button(_("Insist"), act("insist")), button(_("Revoke the resolution"), act("revoke"))],
        ]
    )


def reconsideration_confirm_text(code: str, action: str) -> str:
    if action == "insist":
        return _(
            "The council insists on resolution {code} as it is? The case will go to the dispute authority."
        ).format(code=tracking_code_text(code))
    return _("Revoke resolution {code}? It will be void.").format(code=tracking_code_text(code))


def reconsideration_confirm_keyboard(owner: int, rid: int, cycle: int, action: str) -> InlineKeyboardMarkup:
    def act(name: str) -> str:
        return ReconsiderCallback(owner=owner, action=name, rid=rid, cycle=cycle).pack()

    return InlineKeyboardMarkup(
        inline_keyboard=[[button(_("Confirm"), act(f"confirm_{action}")), button(_("Cancel"), act("cancel"))]]
    )


def amend_text_question(code: str) -> str:
    return _(
        "Send the amended text of resolution {code}. A long text may come in several messages: press «Done» "
        "after the last one. You may also send it as a .txt or .pdf file."
    ).format(code=tracking_code_text(code))


def amend_attachments_question() -> str:
    return _(
        "Send the signed minutes of the amendment as PDF files or photos, one or several, and press «Done»; "
        "or press «Skip» to keep the current attachments."
    )


def amend_summary(code: str, text: str, attachments: int) -> str:
    return _(
        "Amendment of resolution {code}\nText ({length} characters):\n{text}\nNew attachments: {count}\n\n"
        "Send it to the board for a new review?"
    ).format(
        code=tracking_code_text(code),
        length=to_persian_digits(len(text)),
        text=text,
        count=to_persian_digits(attachments),
    )


def amend_keyboard(owner: int, rid: int, cycle: int, *actions: tuple[str, str]) -> InlineKeyboardMarkup:
    def act(name: str) -> str:
        return ReconsiderCallback(owner=owner, action=name, rid=rid, cycle=cycle).pack()

    row = [button(label, act(name)) for label, name in actions]
    return InlineKeyboardMarkup(inline_keyboard=[[*row, button(_("Cancel"), act("cancel"))]])


def amended_text(code: str, deadline: dt.datetime) -> str:
    return _(
        "The amended resolution {code} was sent to the board for a new review. Review deadline: {deadline}"
    ).format(code=tracking_code_text(code), deadline=format_jalali_datetime(deadline))


def revoked_text(code: str) -> str:
    return _("The council revoked resolution {code}; it is void.").format(code=tracking_code_text(code))


def escalated_text(code: str, insisted: bool, deadline: dt.datetime | None) -> str:
    if insisted:
        text = _("The council insisted on resolution {code}; the case was referred to the dispute authority.")
    else:
        text = _(
            "The council did not answer the objection to resolution {code} in time; the case was referred to "
            "the dispute authority."
        )
    text = text.format(code=tracking_code_text(code))
    if deadline is not None:
        text += "\n" + _("The authority's deadline: {deadline}").format(
            deadline=format_jalali_datetime(deadline)
        )
    return text


def escalation_card(record: ResolutionRecord, insisted: bool) -> str:
    return (
        escalated_text(record.tracking_code, insisted, record.escalation_deadline)
        + "\n\n"
        + resolution_card(record)
    )


def outcome_keyboard(owner: int, rid: int) -> InlineKeyboardMarkup:
    def act(name: str) -> str:
        return OutcomeCallback(owner=owner, action=name, rid=rid).pack()

    return InlineKeyboardMarkup(
        inline_keyboard=[[button(_("Finally uphold"), act("upheld")), button(_("Annul"), act("annulled"))]]
    )


def outcome_note_question(code: str, outcome: EscalationOutcome) -> str:
    label = status_label(Status.UPHELD if outcome == EscalationOutcome.UPHELD else Status.ANNULLED)
    return _("Final outcome «{outcome}» on resolution {code}: send a note giving the reasons.").format(
        outcome=label, code=tracking_code_text(code)
    )


def outcome_text(code: str, status: Status, note: str | None) -> str:
    return _("The dispute authority's final outcome on resolution {code}: {status}.\nNote: {note}").format(
        code=tracking_code_text(code), status=status_label(status), note=note or ""
    )


# --- refusals


def review_error_text(error: ReviewError, code: str, *, window: str = "review") -> str:
    """The message for a refused review act on resolution ``code``; ``window`` says which window a
    :class:`WindowClosed` is about (``review`` or ``reconsideration``)."""
    p: Mapping[str, Any] = error.params
    E = ReviewErrorCode
    if isinstance(error, WindowClosed):
        when = format_jalali_datetime(error.deadline)
        if window == "reconsideration":
            return _(
                "The legal window for the council's answer on resolution {code} closed on {deadline}; "
                "no answer is accepted any more."
            ).format(code=tracking_code_text(code), deadline=when)
        return _(
            "The legal review window of resolution {code} closed on {deadline}; no vote or opinion is "
            "accepted any more."
        ).format(code=tracking_code_text(code), deadline=when)
    if error.code is E.GROUNDS_MISSING:
        return _("A conflict vote needs its grounds.")
    if error.code is E.LAW_MISSING:
        return _("Name the law or regulation the resolution conflicts with.")
    if error.code is E.REASONING_TOO_SHORT:
        return _("The text is too short ({length} characters); it needs {min} to {max}.").format(
            length=to_persian_digits(p["length"]),
            min=to_persian_digits(p["min"]),
            max=to_persian_digits(p["max"]),
        )
    if error.code is E.REASONING_TOO_LONG:
        return _("The text is too long ({length} characters); it may have {min} to {max}.").format(
            length=to_persian_digits(p["length"]),
            min=to_persian_digits(p["min"]),
            max=to_persian_digits(p["max"]),
        )
    if error.code is E.WRONG_STATUS:
        return _("This is no longer possible: resolution {code} is now «{status}».").format(
            code=tracking_code_text(code), status=status_label(Status(str(p["status"])))
        )
    if error.code is E.NOT_ALLOWED:
        return _("You cannot do this for resolution {code}.").format(code=tracking_code_text(code))
    if error.code is E.AMENDMENT_MISSING:
        return _("The amendment needs its new text.")
    return _("There is no such resolution.")


def cancelled_text() -> str:
    return _("Cancelled; nothing was recorded.")


def answer_recorded_text() -> str:
    return _("Your answer was recorded.")


def stale_text() -> str:
    return _("This button belongs to an earlier review of the resolution and no longer works.")


def roles_on(bindings: Iterable[Any], scope_code: str) -> list[Role]:
    """The roles a person's bindings give over one unit."""
    return [Role(b.role) for b in bindings if b.scope_code == scope_code]
