"""Lists by message (issue 6): «مصوبات معوق شاهرود», «اعتراض‌های این ماه», «مصوبات این هفته», ``/find WORDS``
and bare words outside a form.

Everything is looked up within the asker's scope. A place in the question is matched only against the
councils and counties within that scope (a county's name means the county: «شاهرود» is the county of
Shahrud, «شهر شاهرود» its city council), so an answer never reveals a name outside the scope, and naming a
place outside it gets the same words as naming one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import time
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from aiogram import F, Router
from aiogram.filters import BaseFilter, Command, CommandObject, StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.engine import Engine

from council.clock import Clock
from council.invites import is_invite_code_shaped
from council.matching import Ambiguous, NotFound, UnitIndex, resolve_unit
from council.queries import FreeText, InPeriod, Objections, Overdue, PeriodKind, period_days
from council.scope import Scope, scope_of
from council.search import query_words, search_terms
from council.text import normalize_persian
from storage import council_names
from storage.lists import Place
from storage.models import Council
from storage.repository import Repository

from .callbacks import IsOwner, ListCallback
from .questions import question_of
from .status_lists_views import (
    find_usage_text,
    in_period_title,
    list_text,
    objection_detail,
    objections_title,
    overdue_detail,
    overdue_title,
    search_title,
    submitted_detail,
    which_place_keyboard,
    which_place_text,
)
from .status_views import not_found_text

ListQuery = Overdue | Objections | InPeriod | FreeText
Reply = tuple[str, InlineKeyboardMarkup | None]

#: The kinds of list a place question can ask for (the callback's ``kind``).
OVERDUE, OBJECTIONS, PERIOD = "overdue", "objections", "period"
#: The objections of «اعتراض‌ها» without a period.
DEFAULT_OBJECTIONS_PERIOD = PeriodKind.THIS_MONTH
#: How many rows a list shows.
LIMIT = 10


class ListQuestion(BaseFilter):
    """Passes a message that asks for a list (overdue, objections, a period's resolutions) or words to
    search for, handing the handler its ``query``; small talk and single letters do not pass."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        text = message.text
        if not text or text.startswith("/") or is_invite_code_shaped(text):
            return False
        query = question_of(text)
        if isinstance(query, Overdue | Objections | InPeriod):
            return {"query": query}
        if isinstance(query, FreeText) and search_terms(query.words):
            return {"query": query}
        return False


@dataclass(frozen=True)
class Unit:
    """A place within the asker's scope: its name and the ids of its councils within the scope."""

    code: str
    name: str
    council_ids: tuple[int, ...]


def _units(places: list[Place]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    counties: dict[int, tuple[str, list[int]]] = {}
    for place in places:
        units[f"c{place.council_id}"] = Unit(f"c{place.council_id}", place.council_name, (place.council_id,))
        counties.setdefault(place.county_id, (place.county_name, []))[1].append(place.council_id)
    for county_id, (name, ids) in counties.items():
        units[f"k{county_id}"] = Unit(f"k{county_id}", name, tuple(ids))
    return units


@dataclass(frozen=True)
class PlaceNames:
    """The councils and counties within a scope, by code (``c<id>`` / ``k<id>``) and indexed for matching."""

    units: Mapping[str, Unit]
    index: UnitIndex


@dataclass(frozen=True)
class _Kept:
    value: PlaceNames
    newest: int | None
    generation: int
    built: float


#: Seconds after which a scope's places are read again even when no council was added (a rename or a move
#: by another process is seen within this time).
STALE_AFTER = 60.0
#: Scopes kept per database (the least recently used one is dropped first).
MAX_SCOPES = 64

#: The place names kept per database and scope: a nation-wide official sees some 32,000 councils, too many to
#: read and index for every question. Kept as :mod:`storage.council_names` keeps council names, and
#: forgotten on the same signals: a council added (``max(councils.id)``), an organisation load in this
#: process (:func:`storage.council_names.organisation_changed`), or :data:`STALE_AFTER` seconds.
_kept: weakref.WeakKeyDictionary[Engine, OrderedDict[Scope, _Kept]] = weakref.WeakKeyDictionary()


def _org_generation() -> int:
    """How many organisation loads this process has made (counted by :mod:`storage.council_names`)."""
    return int(getattr(council_names, "_generation", 0))


async def place_names(repo: Repository, scope: Scope) -> PlaceNames:
    """The councils and counties within ``scope`` (kept between questions; see :data:`_kept`)."""
    bind = repo.session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    kept = _kept.setdefault(engine, OrderedDict())
    newest: int | None = await repo.session.scalar(sa.select(sa.func.max(Council.id)))
    generation, now = _org_generation(), time.monotonic()
    entry = kept.get(scope)
    if (
        entry is not None
        and (entry.newest, entry.generation) == (newest, generation)
        and now - entry.built < STALE_AFTER
    ):
        kept.move_to_end(scope)
        return entry.value
    units = _units(await repo.lists.places(scope))
    value = PlaceNames(units, UnitIndex((unit.code, unit.name) for unit in units.values()))
    kept[scope] = _Kept(value, newest, generation, now)
    kept.move_to_end(scope)
    while len(kept) > MAX_SCOPES:
        kept.popitem(last=False)
    return value


async def find_place(repo: Repository, scope: Scope, phrase: str) -> Unit | list[Unit] | None:
    """The place ``phrase`` names within ``scope``: one unit, the tied candidates to choose from, or
    ``None``. A county and councils inside it that fit equally well mean the county."""
    names = await place_names(repo, scope)
    found = resolve_unit(phrase, names.index, limit=8)
    if isinstance(found, NotFound):
        return None
    if not isinstance(found, Ambiguous):
        return names.units[found.code]
    tied = [names.units[match.code] for match in found.matches]
    counties = [unit for unit in tied if unit.code.startswith("k")]
    if len(counties) == 1:
        county = counties[0]
        if all(set(unit.council_ids) <= set(county.council_ids) for unit in tied):
            return county
    return tied


async def list_of(
    repo: Repository, scope: Scope, kind: str, period: PeriodKind | None, unit: Unit | None, now: dt.datetime
) -> str:
    """The list ``kind`` within ``scope`` (and ``unit`` when given) at ``now``."""
    ids = unit.council_ids if unit is not None else None
    place = unit.name if unit is not None else None
    if kind == OVERDUE:
        overdue = await repo.lists.overdue(scope, now, ids, LIMIT)
        return list_text(overdue_title(place), overdue, [overdue_detail(row, now) for row in overdue.rows])
    period = period or DEFAULT_OBJECTIONS_PERIOD
    days = period_days(period, now)
    if kind == OBJECTIONS:
        objections = await repo.lists.objections(scope, days.start, days.end, ids, LIMIT)
        title = objections_title(period, days, place)
        return list_text(title, objections, [objection_detail(row) for row in objections.rows])
    submitted = await repo.lists.in_period(scope, days.start, days.end, ids, LIMIT)
    title = in_period_title(period, days, place)
    return list_text(title, submitted, [submitted_detail(row) for row in submitted.rows])


async def search_reply(repo: Repository, scope: Scope, words: tuple[str, ...], typed: str) -> str:
    """The search for ``words`` (comparison forms), titled with the words as the person ``typed`` them."""
    found = await repo.lists.search(words, scope, LIMIT)
    title = search_title(normalize_persian(typed).strip("؟?!.،, ").split())
    return list_text(title, found, [submitted_detail(row) for row in found.rows])


async def list_reply(
    repo: Repository, owner: int, roles: list[Any], query: ListQuery, now: dt.datetime, typed: str = ""
) -> Reply:
    """The answer to a list question or a search (``typed``: the message), within the scope of ``roles``."""
    scope = scope_of(roles)
    if isinstance(query, FreeText):
        return await search_reply(repo, scope, search_terms(query.words), typed), None
    if isinstance(query, Overdue):
        kind, period = OVERDUE, None
    elif isinstance(query, Objections):
        kind, period = OBJECTIONS, query.period or DEFAULT_OBJECTIONS_PERIOD
    else:
        kind, period = PERIOD, query.period
    unit: Unit | None = None
    if query.place_phrase is not None:
        found = await find_place(repo, scope, query.place_phrase)
        if found is None:
            return not_found_text(), None
        if isinstance(found, list):
            choices = [(choice.code, choice.name) for choice in found]
            keyboard = which_place_keyboard(owner, kind, period.value if period else "", choices)
            return which_place_text(), keyboard
        unit = found
    return await list_of(repo, scope, kind, period, unit, now), None


async def ask(
    message: Message, query: ListQuery, repo: Repository, person: Any, roles: list[Any], clock: Clock
) -> None:
    text, markup = await list_reply(repo, person.id, roles, query, clock.now(), message.text or "")
    await message.answer(text, reply_markup=markup)


async def find_command(
    message: Message, command: CommandObject, repo: Repository, person: Any, roles: list[Any]
) -> None:
    words = query_words((command.args or "").split())
    if not words:
        await message.answer(find_usage_text())
        return
    await message.answer(await search_reply(repo, scope_of(roles), words, command.args or ""))


async def choose_place(
    query: CallbackQuery,
    callback_data: ListCallback,
    repo: Repository,
    person: Any,
    roles: list[Any],
    clock: Clock,
) -> None:
    await query.answer()
    scope = scope_of(roles)
    unit = (await place_names(repo, scope)).units.get(callback_data.unit)
    if unit is None or callback_data.kind not in (OVERDUE, OBJECTIONS, PERIOD):
        text = not_found_text()
    else:
        try:
            period = PeriodKind(callback_data.period) if callback_data.period else None
        except ValueError:
            period = None
        text = await list_of(repo, scope, callback_data.kind, period, unit, clock.now())
    if isinstance(query.message, Message):
        await query.message.answer(text)


def register(router: Router) -> None:
    """Add the list questions, ``/find`` and the place buttons to the status router (after the questions
    about one resolution, which it filters for bound people)."""
    router.message.register(find_command, Command("find"))
    router.message.register(ask, StateFilter(None), F.text, ListQuestion())
    router.callback_query.register(choose_place, ListCallback.filter(), IsOwner())
