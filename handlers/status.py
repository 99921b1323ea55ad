"""Status by message (issue 6): a bare tracking code, ``/status CODE``, or «وضعیت مصوبه ۱۲ شورای شهر سمنان».

Everything is looked up within the asker's scope (:mod:`council.scope`); council names are matched only
against the councils in that scope, so an answer never reveals a name or a resolution outside it, and
asking for one gets the same words as asking for something that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiogram import F, Router
from aiogram.filters import BaseFilter, Command, CommandObject, StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from council.clock import Clock
from council.matching import Ambiguous, NotFound, resolve_unit
from council.queries import ByTrackingCode, MistypedTrackingCode, Query, StatusByNumber, parse_query
from council.scope import Scope, scope_of, sees_votes
from storage.council_names import councils_in_scope
from storage.repository import Repository
from storage.status import CardFacts

from . import status_lists
from .access import IsBound
from .callbacks import IsOwner, StatusCallback
from .questions import question_of
from .status_views import (
    card_at,
    card_parts,
    mistyped_code_text,
    name_the_council_text,
    not_found_text,
    pending_text,
    status_usage_text,
    which_council_keyboard,
    which_council_text,
)

#: The most councils offered as buttons when a number fits several; beyond it the asker names the council.
MAX_CHOICES = 8

StatusQuery = ByTrackingCode | MistypedTrackingCode | StatusByNumber
Reply = tuple[str, InlineKeyboardMarkup | None]


class StatusQuestion(BaseFilter):
    """Passes a message that asks for one resolution's status, handing the handler its ``query``."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        if not message.text or message.text.startswith("/"):
            return False
        query = question_of(message.text)
        return {"query": query} if isinstance(query, StatusQuery) else False


async def card_of(repo: Repository, roles: list[Any], resolution_id: int, now: dt.datetime) -> str:
    """The status card of a resolution already found within the person's scope: one round trip for the
    resolution with its version and place, two more for its timeline and votes unless they are kept."""
    facts = await repo.status.card_facts(resolution_id)
    assert facts is not None
    return await card_from_facts(repo, roles, facts, now)


#: The words of cards asked before (:func:`card_parts`), by the identity of their facts, whether the votes
#: are shown and the language: the facts, timeline and votes they were made of, then the words.
_WORDS: dict[tuple[int, bool, str], tuple[CardFacts, object, object, str, str]] = {}
#: The most cards whose words are kept; beyond it the oldest are dropped.
WORDS_KEPT = 20_000


async def card_from_facts(repo: Repository, roles: list[Any], facts: CardFacts, now: dt.datetime) -> str:
    """The card of ``facts``: the votes only to those who may see them (the timeline and votes come from
    :meth:`storage.status.StatusStore.history`, kept while nothing was done on the resolution).

    A card asked again is worded once: while the store hands back the same facts, timeline and votes
    (kept, so unchanged), its words are those made the first time, and only the deadline line, which
    says the time left, is made at ``now``."""
    with_votes = sees_votes(roles, facts.place)
    timeline, votes = await repo.status.history(facts, with_votes=with_votes)
    current = I18n.get_current(no_error=True)
    key = (id(facts), with_votes, current.current_locale if current is not None else "")
    kept = _WORDS.get(key)
    # The entry holds the facts, so no other object has their id while it is kept.
    if kept is not None and kept[0] is facts and kept[1] is timeline and kept[2] is votes:
        head, tail = kept[3], kept[4]
    else:
        head, tail = card_parts(facts.record, timeline, votes, facts.voting_seats)
        if key not in _WORDS and len(_WORDS) >= WORDS_KEPT:
            del _WORDS[next(iter(_WORDS))]
        _WORDS[key] = (facts, timeline, votes, head, tail)
    return card_at(head, tail, facts.record, now)


async def by_number(
    repo: Repository, owner: int, roles: list[Any], scope: Scope, query: StatusByNumber, now: dt.datetime
) -> Reply:
    council_ids: list[int] | None = None
    if query.council_phrase is not None:
        known = await councils_in_scope(repo.status, scope)
        found = resolve_unit(query.council_phrase, known.index, limit=8)
        if isinstance(found, NotFound):
            return not_found_text(), None
        if isinstance(found, Ambiguous):
            choices = [known.by_id[match.code] for match in found.matches]
            return which_council_text(query.number), which_council_keyboard(owner, query.number, choices)
        council_ids = [int(found.code)]
    hits = await repo.status.by_number(query.number, scope, council_ids)
    if not hits:
        return not_found_text(), None
    if len(hits) == 1:
        return await card_of(repo, roles, hits[0].resolution_id, now), None
    if len(hits) > MAX_CHOICES:
        # A province or the nation: too many councils for buttons (and for the platform's limits).
        return name_the_council_text(query.number, len(hits)), None
    hit_councils = {hit.council_id for hit in hits}
    choices = [c for c in (await councils_in_scope(repo.status, scope)).councils if c.id in hit_councils]
    return which_council_text(query.number), which_council_keyboard(owner, query.number, choices)


async def status_reply(
    repo: Repository, owner: int, roles: list[Any], query: Query, now: dt.datetime
) -> Reply:
    """The answer to a status question, within the scope of ``roles``."""
    scope = scope_of(roles)
    if isinstance(query, MistypedTrackingCode):
        return mistyped_code_text(), None
    if isinstance(query, ByTrackingCode):
        facts = await repo.status.card_facts_by_code(query.code, scope)
        if facts is None:
            return not_found_text(), None
        return await card_from_facts(repo, roles, facts, now), None
    if isinstance(query, StatusByNumber):
        return await by_number(repo, owner, roles, scope, query, now)
    return status_usage_text(), None


async def ask(
    message: Message, query: Query, repo: Repository, person: Any, roles: list[Any], clock: Clock
) -> None:
    text, markup = await status_reply(repo, person.id, roles, query, clock.now())
    await message.answer(text, reply_markup=markup)


async def status_command(
    message: Message, command: CommandObject, repo: Repository, person: Any, roles: list[Any], clock: Clock
) -> None:
    if not command.args:
        await message.answer(status_usage_text())
        return
    await ask(message, parse_query(command.args), repo, person, roles, clock)


async def choose_council(
    query: CallbackQuery,
    callback_data: StatusCallback,
    repo: Repository,
    person: Any,
    roles: list[Any],
    clock: Clock,
) -> None:
    await query.answer()
    hits = await repo.status.by_number(callback_data.number, scope_of(roles), [callback_data.council])
    text = await card_of(repo, roles, hits[0].resolution_id, clock.now()) if hits else not_found_text()
    if isinstance(query.message, Message):
        await query.message.answer(text)


async def show_pending(
    message: Message, repo: Repository, person: Any, roles: list[Any], clock: Clock
) -> None:
    items = await repo.status.pending(person.id, roles)
    await message.answer(pending_text(items, clock.now()))


def make_router() -> Router:
    """Everyone bound to a role; bare questions only outside a form."""
    router = Router(name="status")
    router.message.filter(IsBound())
    router.callback_query.filter(IsBound())
    router.message.register(status_command, Command("status"))
    router.message.register(show_pending, Command("pending"))
    router.message.register(ask, StateFilter(None), F.text, StatusQuestion())
    router.callback_query.register(choose_council, StatusCallback.filter(), IsOwner())
    # Lists and search: overdue, objections, a period's resolutions, /find and bare words.
    status_lists.register(router)
    return router
