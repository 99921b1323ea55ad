"""Callback-data factories and the guard that ties a button to the person it was shown to."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery


class OwnedCallback(CallbackData, prefix="owned"):
    """Base for buttons meant for one person: ``owner`` is that person's id."""

    owner: int


class LanguageCallback(OwnedCallback, prefix="lang"):
    """Choose the interface language."""

    code: str


class IsOwner(BaseFilter):
    """Passes only when the pressed button was made for the person pressing it.

    A button that fails this (someone else's, or forged data) falls through to the fallback
    router, which refuses it and changes nothing.
    """

    async def __call__(self, query: CallbackQuery, person: Any = None, **data: Any) -> bool:
        callback_data = data.get("callback_data")
        if person is None or not isinstance(callback_data, OwnedCallback):
            return False
        return bool(callback_data.owner == person.id)


class FormCallback(OwnedCallback, prefix="form"):
    """A control of the submission form: back, skip, keep, done, cancel, send, resume, discard, clear.

    ``key`` is the form's id where the action must hit that very form (sending), or a hint
    (``new`` on discard: start a fresh form afterwards).
    """

    action: str
    key: str = ""


class CouncilChoiceCallback(OwnedCallback, prefix="nc"):
    """Which council a new resolution is for, when its secretary keeps the books of several (``council``:
    the council's id)."""

    council: int


class EditCallback(OwnedCallback, prefix="edit"):
    """Edit one field of the form from its summary card."""

    field: str


class CategoryCallback(OwnedCallback, prefix="cat"):
    """Choose the resolution's category."""

    code: str


class CalendarCallback(OwnedCallback, prefix="cal"):
    """The Jalali calendar keyboard: ``nav`` to a month, ``pick`` a day, or ``noop`` (a label)."""

    action: str
    year: int = 0
    month: int = 0
    day: int = 0


class MineCallback(OwnedCallback, prefix="mine"):
    """A page of the secretary's list of resolutions."""

    page: int


class ReviewCallback(OwnedCallback, prefix="rv"):
    """A board member's or expert's act on a resolution under review, in cycle ``cycle``.

    ``action``: ``open`` the card, ``versions`` (earlier texts), vote ``ok`` / ``conflict`` and their
    ``confirm_ok`` / ``confirm_conflict``, the conflict grounds ``law`` / ``outside`` / ``no_article``,
    an expert's ``opinion`` and its finding ``op_ok`` / ``op_conflict``, or ``cancel``.
    """

    action: str
    rid: int
    cycle: int


class ReconsiderCallback(OwnedCallback, prefix="rc"):
    """The council secretary's answer to an objection: ``amend`` / ``insist`` / ``revoke``, their
    ``confirm_*``, the amendment form's ``done`` / ``skip`` / ``send``, or ``cancel``."""

    action: str
    rid: int
    cycle: int


class OutcomeCallback(OwnedCallback, prefix="oc"):
    """An official's final outcome on an escalated case: ``upheld`` / ``annulled``, or ``cancel``."""

    action: str
    rid: int


class SnoozeCallback(OwnedCallback, prefix="sz"):
    """Snooze one reminder (``rem``: its row): ``1h``, ``3h`` or ``tomorrow_morning``."""

    rem: int
    choice: str


class StatusCallback(OwnedCallback, prefix="st"):
    """Which council was meant in «وضعیت مصوبه N …» (``council``: its id) for the number ``number``."""

    council: int
    number: str


class ListCallback(OwnedCallback, prefix="ls"):
    """Which place was meant in a list question: ``kind`` of list (``overdue`` / ``objections`` /
    ``period``), its ``period`` (a :class:`council.queries.PeriodKind` value or empty) and the ``unit``
    chosen (``k<county id>`` or ``c<council id>``)."""

    kind: str
    period: str
    unit: str


class SettingsCallback(OwnedCallback, prefix="set"):
    """A choice on the /settings card: ``quiet`` hours (``value``: a preset such as ``2200-0730``, or
    ``none``) or the daily ``digest`` (``value``: ``on`` / ``off``)."""

    action: str
    value: str


class ReportCallback(OwnedCallback, prefix="rp"):
    """Which place was meant in ``/report NAME``: ``kind`` ``county`` or ``council`` and its id ``unit``; the
    period asked for goes along as the ordinals of its first and last day (``0`` for none)."""

    kind: str
    unit: int
    first: int
    last: int
