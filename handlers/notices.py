"""Telling people about a resolution: the board's notice with its buttons, and everyone concerned of each
ruling, lapse, answer and outcome. Used by the conversations and by the sweep (``reminders.sweep``).

Messages whose buttons offer an act are remembered (``sent_messages``); when the act is gone their buttons
are removed (:func:`strip_buttons`). Each person is written to in their own language; someone who blocked
the bot is marked unreachable and skipped.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, FSInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from council.reviewing import Moved
from council.roles import Role
from council.status import Action
from council.text import to_persian_digits
from storage.models import Person
from storage.repository import Repository
from storage.resolutions import ResolutionRecord

from .review_views import (
    ESCALATION_PURPOSE,
    RECONSIDERATION_PURPOSE,
    REVIEW_PURPOSE,
    board_notice,
    escalated_text,
    escalation_card,
    lapse_text,
    objection_text,
    outcome_keyboard,
    outcome_text,
    reconsideration_keyboard,
    review_keyboard,
    revoked_text,
    roles_on,
    ruling_text,
)
from .views import CARD_TEXT_CHARS, tracking_code_text

log = logging.getLogger(__name__)

Render = Callable[[Person], Awaitable[tuple[str, InlineKeyboardMarkup | None]]]


async def deliver(
    bot: Bot,
    repo: Repository,
    i18n: I18n,
    people: Iterable[Person],
    render: Render,
    *,
    track: tuple[int, int, str] | None = None,
) -> list[Person]:
    """Send each person (once) the text and buttons ``render`` makes in their language; remember the
    messages with buttons under ``track`` = (resolution id, cycle, purpose). Returns who was reached."""
    reached: list[Person] = []
    seen: set[int] = set()
    for person in people:
        if person.id in seen or person.unreachable:
            continue
        seen.add(person.id)
        with i18n.use_locale(person.language):
            text, markup = await render(person)
            try:
                message = await bot.send_message(person.platform_user_id, text, reply_markup=markup)
            except TelegramForbiddenError:
                await repo.mark_unreachable(person.id)
                continue
            except TelegramAPIError as exc:
                log.warning("could not write to person %s: %s", person.id, exc)
                continue
        if track is not None and markup is not None:
            resolution_id, cycle, purpose = track
            await repo.reviews.track(
                resolution_id, cycle, person.id, person.platform_user_id, message.message_id, purpose
            )
        reached.append(person)
    return reached


def plain(text: Callable[[], str]) -> Render:
    """A render that sends the same words (in each person's language) and no buttons."""

    async def render(person: Person) -> tuple[str, InlineKeyboardMarkup | None]:
        return text(), None

    return render


async def strip_buttons(bot: Bot, repo: Repository, resolution_id: int, purposes: Sequence[str]) -> None:
    """Remove the buttons of the resolution's remembered messages of ``purposes``: their act is gone."""
    for chat_id, message_id in await repo.reviews.take_tracked(resolution_id, purposes):
        # Already without buttons ("not modified"), deleted, or the person blocked the bot: nothing to do.
        with contextlib.suppress(TelegramAPIError):
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)


# --- the board's notice


async def notify_board(bot: Bot, repo: Repository, i18n: I18n, resolution_id: int, data_dir: Path) -> int:
    """Send the resolution (new, or amended for a new cycle) to every member, expert and secretary of its
    board, once per person, in each one's language, with the buttons their roles allow; returns how many
    were reached."""
    record = await repo.resolutions.record(resolution_id)
    if record is None:
        return 0

    async def render(person: Person) -> tuple[str, InlineKeyboardMarkup | None]:
        roles = roles_on(await repo.roles_of(person.id), record.board_code)
        return board_notice(record), review_keyboard(person.id, record, roles)

    reached = 0
    for person in await repo.resolutions.board_audience(record.board_code):
        # Each person gets the notice and, right after it, the files.
        if not await deliver(
            bot, repo, i18n, [person], render, track=(record.id, record.cycle, REVIEW_PURPOSE)
        ):
            continue
        reached += 1
        with i18n.use_locale(person.language):
            try:
                await send_files(bot, person.platform_user_id, record, data_dir)
            except TelegramAPIError as exc:
                log.warning("could not send the files of resolution %s to %s: %s", record.id, person.id, exc)
    return reached


async def send_files(bot: Bot, chat_id: int, record: ResolutionRecord, data_dir: Path) -> None:
    """The resolution's full text as a file when too long for a message, and its attachments."""
    if len(record.text) > CARD_TEXT_CHARS:
        await bot.send_document(
            chat_id,
            BufferedInputFile(record.text.encode("utf-8"), filename=f"{record.tracking_code}.txt"),
            caption=_("Full text of resolution {code}").format(code=tracking_code_text(record.tracking_code)),
        )
    total = len(record.attachments)
    for number, file in enumerate(record.attachments, 1):
        caption = _("Attachment {n} of {total} — {code}").format(
            n=to_persian_digits(number),
            total=to_persian_digits(total),
            code=tracking_code_text(record.tracking_code),
        )
        local = data_dir / file.local_path if file.local_path else None
        try:
            await send_file(bot, chat_id, file.media, file.file_id, caption)
        except TelegramBadRequest:
            # The platform lost the file (or another bot holds it): send our own copy.
            if local is None or not local.exists():
                raise
            await send_file(bot, chat_id, file.media, FSInputFile(local, filename=file.file_name), caption)


async def send_file(bot: Bot, chat_id: int, media: str, file: str | FSInputFile, caption: str) -> None:
    if media == "photo":
        await bot.send_photo(chat_id, file, caption=caption)
    else:
        await bot.send_document(chat_id, file, caption=caption)


# --- someone blocked the bot


async def tell_unreachable(bot: Bot, repo: Repository, i18n: I18n, person: Person) -> int:
    """Tell the person's overseers (their board secretary, or an admin) that they blocked the bot and
    miss its messages and reminders; how many were told."""
    name = person.display_name
    told = await deliver(
        bot, repo, i18n, await repo.overseers_of(person.id), plain(lambda: unreachable_text(name))
    )
    return len(told)


def unreachable_text(name: str) -> str:
    return _("{name} has blocked the bot and no longer receives its messages or reminders.").format(name=name)


# --- everyone concerned


async def announce(bot: Bot, repo: Repository, i18n: I18n, moved: Moved, data_dir: Path) -> None:
    """Tell everyone concerned what ``moved`` did, and remove the buttons whose act it ended."""
    case = moved.case
    code = case.tracking_code
    reviews = repo.reviews
    board = await repo.resolutions.board_audience(case.board_code)
    secretaries = await reviews.people_with_role_over(Role.SECRETARY, [case.council_code])
    action = moved.action

    if action in (Action.RULE_NO_CONFLICT, Action.RULE_CONFLICT, Action.LAPSE):
        await strip_buttons(bot, repo, case.resolution_id, [REVIEW_PURPOSE])
    if action in (Action.AMEND, Action.REVOKE, Action.INSIST, Action.RECONSIDERATION_LAPSE):
        await strip_buttons(bot, repo, case.resolution_id, [RECONSIDERATION_PURPOSE])
    if action in (Action.UPHOLD, Action.ANNUL):
        await strip_buttons(bot, repo, case.resolution_id, [ESCALATION_PURPOSE])

    if action == Action.RULE_NO_CONFLICT:
        await deliver(bot, repo, i18n, [*board, *secretaries], plain(lambda: ruling_text(code, moved.status)))
    elif action == Action.RULE_CONFLICT:
        await deliver(bot, repo, i18n, board, plain(lambda: ruling_text(code, moved.status)))
        record = await repo.resolutions.record(case.resolution_id)
        assert record is not None and moved.letter is not None and moved.deadline is not None
        letter, deadline = moved.letter, moved.deadline

        async def objection(person: Person) -> tuple[str, InlineKeyboardMarkup | None]:
            return objection_text(record, letter, deadline), reconsideration_keyboard(
                person.id, case.resolution_id, case.cycle
            )

        await deliver(
            bot,
            repo,
            i18n,
            secretaries,
            objection,
            track=(case.resolution_id, case.cycle, RECONSIDERATION_PURPOSE),
        )
    elif action == Action.LAPSE:
        await deliver(bot, repo, i18n, [*board, *secretaries], plain(lambda: lapse_text(code, moved.at)))
    elif action == Action.REVOKE:
        await deliver(bot, repo, i18n, [*board, *secretaries], plain(lambda: revoked_text(code)))
    elif action == Action.AMEND:
        await notify_board(bot, repo, i18n, case.resolution_id, data_dir)
    elif action in (Action.INSIST, Action.RECONSIDERATION_LAPSE):
        insisted = action == Action.INSIST
        await deliver(
            bot,
            repo,
            i18n,
            [*board, *secretaries],
            plain(lambda: escalated_text(code, insisted, moved.deadline)),
        )
        await notify_officials(bot, repo, i18n, moved, insisted)
    elif action in (Action.UPHOLD, Action.ANNUL):
        officials = await reviews.people_with_role_over(Role.OFFICIAL, case.official_scopes())
        await deliver(
            bot,
            repo,
            i18n,
            [*board, *secretaries, *officials],
            plain(lambda: outcome_text(code, moved.status, moved.note)),
        )


async def notify_officials(bot: Bot, repo: Repository, i18n: I18n, moved: Moved, insisted: bool) -> None:
    """The escalated case to the officials whose scope covers the council, with the outcome buttons."""
    case = moved.case
    record = await repo.resolutions.record(case.resolution_id)
    assert record is not None

    async def card(person: Person) -> tuple[str, Any]:
        return escalation_card(record, insisted), outcome_keyboard(person.id, case.resolution_id)

    officials = await repo.reviews.people_with_role_over(Role.OFFICIAL, case.official_scopes())
    await deliver(
        bot, repo, i18n, officials, card, track=(case.resolution_id, case.cycle, ESCALATION_PURPOSE)
    )
