"""/settings: a person's quiet hours (DESIGN §5; default 22:00–07:30 Tehran) and, for officials, the daily
digest. A reminder that comes due in the quiet hours waits for their end; a changed choice applies to every
reminder not yet sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from council.clock import Clock
from council.roles import Role
from council.text import to_persian_digits
from reminders.digest import skip_today_if_late
from storage.repository import Repository

from .access import IsBound
from .callbacks import IsOwner, SettingsCallback
from .context import Deployment

#: The quiet-hours presets offered, in button order; ``none`` (start == end) means no quiet hours.
QUIET_PRESETS: dict[str, tuple[dt.time, dt.time]] = {
    "2200-0730": (dt.time(22, 0), dt.time(7, 30)),
    "2300-0700": (dt.time(23, 0), dt.time(7, 0)),
    "2100-0800": (dt.time(21, 0), dt.time(8, 0)),
    "none": (dt.time(0, 0), dt.time(0, 0)),
}


def _clock_time(value: dt.time) -> str:
    return to_persian_digits(value.strftime("%H:%M"))


def _span(start: dt.time, end: dt.time) -> str:
    return f"{_clock_time(start)}–{_clock_time(end)}"


def _is_official(roles: list[Any]) -> bool:
    return any(binding.role == Role.OFFICIAL.value for binding in roles)


def settings_card(
    person_id: int, start: dt.time, end: dt.time, digest: bool, official: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The settings text and its buttons, for quiet hours ``start``–``end`` and the digest choice."""
    quiet = (
        _("Quiet hours: none")
        if start == end
        else _("Quiet hours: {span} Tehran time").format(span=_span(start, end))
    )
    lines = [_("Your settings:"), quiet]
    if official:
        lines.append(_("Daily digest at 08:00: on") if digest else _("Daily digest at 08:00: off"))
    lines.append(_("Non-urgent reminders that come due in your quiet hours wait for their end."))

    def button(text: str, action: str, value: str) -> InlineKeyboardButton:
        data = SettingsCallback(owner=person_id, action=action, value=value).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    presets = [
        button(_("No quiet hours") if key == "none" else _span(*span), "quiet", key)
        for key, span in QUIET_PRESETS.items()
    ]
    rows = [presets[:2], presets[2:]]
    if official:
        rows.append(
            [
                button(_("Turn the daily digest off"), "digest", "off")
                if digest
                else button(_("Turn the daily digest on"), "digest", "on")
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def _quiet_hours(person: Any, deployment: Deployment) -> tuple[dt.time, dt.time]:
    return (
        person.quiet_hours_start or deployment.rules.quiet_hours_start,
        person.quiet_hours_end or deployment.rules.quiet_hours_end,
    )


async def show_settings(message: Message, person: Any, roles: list[Any], deployment: Deployment) -> None:
    start, end = _quiet_hours(person, deployment)
    text, markup = settings_card(person.id, start, end, bool(person.digest), _is_official(roles))
    await message.answer(text, reply_markup=markup)


async def change_setting(
    query: CallbackQuery,
    callback_data: SettingsCallback,
    repo: Repository,
    person: Any,
    roles: list[Any],
    deployment: Deployment,
    clock: Clock,
) -> None:
    start, end = _quiet_hours(person, deployment)
    digest = bool(person.digest)
    official = _is_official(roles)
    saved = _("Saved.")
    if callback_data.action == "quiet" and callback_data.value in QUIET_PRESETS:
        start, end = QUIET_PRESETS[callback_data.value]
        await repo.set_quiet_hours(person.id, start, end)
    elif callback_data.action == "digest" and official and callback_data.value in ("on", "off"):
        digest = callback_data.value == "on"
        await repo.set_digest(person.id, digest)
        if digest:
            tomorrow = await skip_today_if_late(repo, person.id, clock.now())
            saved = (
                _("Saved. Your first digest comes tomorrow at 08:00.")
                if tomorrow
                else _("Saved. Your first digest comes today at 08:00.")
            )
    else:
        await query.answer(_("This button is not for you or is no longer valid."), show_alert=True)
        return
    text, markup = settings_card(person.id, start, end, digest, official)
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest:
            pass  # the same choice again: nothing to change on the card
    await query.answer(saved)


def make_router() -> Router:
    """Every bound person."""
    router = Router(name="settings")
    router.message.filter(IsBound())
    router.callback_query.filter(IsBound())
    router.message.register(show_settings, Command("settings"))
    router.callback_query.register(change_setting, SettingsCallback.filter(), IsOwner())
    return router
