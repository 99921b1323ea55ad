"""Per-update context: a database session, the repository, the sender as a person, and their locale."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED, SkipHandler
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import Clock
from storage import people_cache
from storage.fsm import unit_of_work
from storage.models import Person, RoleBinding
from storage.repository import Repository

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

#: Senders whose person and roles are kept in memory; beyond it the oldest entries are dropped.
PEOPLE_KEPT = 100_000


class ContextMiddleware(BaseMiddleware):
    """Opens one database session per update and injects ``repo``, ``person``, ``roles`` and ``clock``.

    The session commits when the handler returns normally and rolls back when it raises; a form's step
    (an FSM write) commits the work so far at once, so what a person has seen acknowledged is durable.

    The person and their bindings are kept in memory per sender while :func:`storage.people_cache.generation`
    is unchanged (every write of a person or a binding through the repository moves it): an update of a known
    sender needs no round trip for them. They are detached copies (the models have no relationships to load
    lazily); handlers read them and write through the repository.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, i18n: I18n) -> None:
        self.sessions = sessions
        self.clock = clock
        self.i18n = i18n
        self._people: dict[int, tuple[int, Person | None, list[RoleBinding]]] = {}

    async def _person_with_roles(
        self, session: AsyncSession, repo: Repository, user_id: int
    ) -> tuple[Person | None, list[RoleBinding]]:
        generation = people_cache.generation()
        kept = self._people.get(user_id)
        if kept is not None and kept[0] == generation:
            return kept[1], list(kept[2])
        person, roles = await repo.person_with_roles(user_id)
        for row in (person, *roles):
            if row is not None:
                session.expunge(row)
        if people_cache.generation() == generation:
            if user_id not in self._people and len(self._people) >= PEOPLE_KEPT:
                del self._people[next(iter(self._people))]
            self._people[user_id] = (generation, person, list(roles))
        return person, roles

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        session = self.sessions()
        try:
            repo = Repository(session, self.clock)
            person, roles = await self._person_with_roles(session, repo, user.id) if user else (None, [])
            data.update(repo=repo, person=person, roles=roles, clock=self.clock)
            locale = person.language if person else self._locale_of(user)
            with self.i18n.context(), self.i18n.use_locale(locale), unit_of_work(session):
                result = await handler(event, data)
            # A unit of work that never reached the database (everything it read was kept) has nothing to
            # commit or give back: skipping both saves two hops into SQLAlchemy's greenlet.
            if session.in_transaction():
                await session.commit()
            return result
        finally:
            if session.in_transaction() or session.sync_session.identity_map:
                await session.__aexit__(None, None, None)  # ``async with``'s close, run to completion

    def _locale_of(self, user: User | None) -> str:
        code = (user.language_code or "") if user else ""
        return "en" if code.startswith("en") else self.i18n.default_locale


class ChatOrderedDispatcher(Dispatcher):
    """A dispatcher that handles one person's updates one at a time, in order, and different people's
    concurrently.

    Polling hands updates to tasks that run at once; a form whose messages (a text in several parts, a
    double tap on «Send») were handled side by side would read and write its state in a race. The lock
    is taken before aiogram reads the FSM state, so each update sees the state the previous one left.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chat_locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        return await _propagate(self, update_type, event, kwargs)

    async def _propagate_event(
        self, observer: TelegramEventObserver | None, update_type: str, event: TelegramObject, **kwargs: Any
    ) -> Any:
        return await _propagate_inside(self, observer, update_type, event, kwargs)

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        user = _sender(update)
        if user is None:
            return await super().feed_update(bot, update, **kwargs)
        lock, users = self._chat_locks.get(user, (asyncio.Lock(), 0))
        self._chat_locks[user] = (lock, users + 1)
        try:
            async with lock:
                return await super().feed_update(bot, update, **kwargs)
        finally:
            lock, users = self._chat_locks[user]
            if users <= 1:
                del self._chat_locks[user]
            else:
                self._chat_locks[user] = (lock, users - 1)


class QuickRouter(Router):
    """A router that passes an event on as aiogram's does, less the work for middlewares and filters it does
    not have (see :func:`streamline`)."""

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        return await _propagate(self, update_type, event, kwargs)

    async def _propagate_event(
        self, observer: TelegramEventObserver | None, update_type: str, event: TelegramObject, **kwargs: Any
    ) -> Any:
        return await _propagate_inside(self, observer, update_type, event, kwargs)


async def _propagate(router: Router, update_type: str, event: TelegramObject, kwargs: dict[str, Any]) -> Any:
    # aiogram's Router.propagate_event, less the wrapping (functools.wraps and a partial per router) when the
    # observer has no outer middleware: the same calls in the same order.
    observer = router.observers.get(update_type)
    if observer is not None and len(observer.outer_middleware):
        return await Router.propagate_event(router, update_type, event, **kwargs)
    kwargs["event_router"] = router
    return await _propagate_inside(router, observer, update_type, event, kwargs)


async def _propagate_inside(
    router: Router,
    observer: TelegramEventObserver | None,
    update_type: str,
    event: TelegramObject,
    kwargs: dict[str, Any],
) -> Any:
    # aiogram's Router._propagate_event; the router's own filters checked only when it has some.
    response = UNHANDLED
    if observer is not None:
        root = observer._handler
        if root.filters:
            data = await _passes(root, event, kwargs)
            if data is None:
                return UNHANDLED
            kwargs.update(data)
        response = await observer.trigger(event, **kwargs)
        if response is REJECTED:  # pragma: no cover - as in aiogram
            return UNHANDLED
        if response is not UNHANDLED:
            return response
    for sub in router.sub_routers:
        response = await sub.propagate_event(update_type=update_type, event=event, **kwargs)
        if response is not UNHANDLED:
            break
    return response


async def _passes(
    handler: HandlerObject, event: TelegramObject, kwargs: dict[str, Any]
) -> dict[str, Any] | None:
    """aiogram's ``HandlerObject.check``: ``None`` when a filter fails, else the data with what the filters
    added (a copy when they added anything). Each filter gets the keyword arguments it names, as aiogram
    passes them, without building a ``functools.partial`` per filter."""
    data = kwargs
    for check in handler.filters or ():
        if check.awaitable:
            passed = await check.callback(
                event, **(data if check.varkw else {k: data[k] for k in check.params if k in data})
            )
        else:
            passed = await check.call(event, **data)
        if not passed:
            return None
        if isinstance(passed, dict):
            if data is kwargs:
                data = dict(kwargs)
            data.update(passed)
    return data


class QuickObserver(TelegramEventObserver):
    """An observer that checks its handlers' filters and calls the first handler that passes as aiogram's
    does, without wrapping it in inner middlewares when there are none (see :func:`streamline`)."""

    async def trigger(self, event: TelegramObject, **kwargs: Any) -> Any:
        for handler in self.handlers:
            kwargs["handler"] = handler
            data = await _passes(handler, event, kwargs)
            if data is not None:
                if data is not kwargs:
                    kwargs.update(data)
                try:
                    middlewares = self._resolve_middlewares()
                    if middlewares:
                        wrapped = self.outer_middleware.wrap_middlewares(middlewares, handler.call)
                        return await wrapped(event, kwargs)
                    return await handler.call(event, **kwargs)
                except SkipHandler:
                    continue
        return UNHANDLED


def streamline(router: Router) -> int:
    """Make ``router`` and its sub-routers pass events on as aiogram does, without the per-router and
    per-handler wrapping for middlewares that are not there.

    aiogram wraps each router's step and each handler's call in a chain of middlewares even when the chain is
    empty — a ``functools.wraps``, a closure and a partial each time —, copies the keyword arguments to check
    a router's filters when it has none, and builds a ``functools.partial`` per filter checked: an update
    reaching the fallback passes fifteen routers and about thirty filters. Only the dispatcher's observers
    have (outer) middlewares here; they keep aiogram's path. Returns how many routers were changed.
    """
    changed = 0
    for observer in router.observers.values():
        if type(observer) is TelegramEventObserver:
            observer.__class__ = QuickObserver
    if type(router) is Router:
        router.__class__ = QuickRouter
        changed += 1
    for sub in router.sub_routers:
        changed += streamline(sub)
    return changed


def run_magic_filters_inline(router: Router) -> int:
    """Make every magic filter (``F.text`` …) of ``router`` and its sub-routers run in the event loop.

    aiogram calls a filter that is not a coroutine function through ``asyncio.to_thread``: a round trip to
    a worker thread for what is a few attribute reads — three per update that reaches the fallback, one per
    status question, each 0.1–0.3 ms on a busy machine. Magic filters only read the event, so running them
    inline is the same check. Returns how many were changed.
    """
    changed = 0
    for observer in router.observers.values():
        for handler in (observer._handler, *observer.handlers):
            for check in handler.filters or ():
                if check.magic is not None and not check.awaitable:
                    _inline(check)
                    changed += 1
    for sub in router.sub_routers:
        changed += run_magic_filters_inline(sub)
    return changed


def _inline(check: FilterObject) -> None:
    resolve = check.callback

    async def inline(*args: Any, **kwargs: Any) -> Any:
        return resolve(*args, **kwargs)

    # ``params`` (what aiogram passes by keyword) stays the one computed from ``resolve``.
    check.callback = inline
    check.awaitable = True


def _sender(update: Update) -> int | None:
    for event in (update.message, update.callback_query, update.edited_message):
        if event is not None and event.from_user is not None:
            return event.from_user.id
    return None
