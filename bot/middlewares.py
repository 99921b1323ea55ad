"""Per-update context: a database session, the repository, the sender as a person, and their locale."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED, SkipHandler
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.types import Message, TelegramObject, Update, User
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

    def include_router(self, router: Router) -> Router:
        included = super().include_router(router)
        _gather_all_prefixes(router)
        _layout[0] += 1  # a router added after an update was routed: plan again
        return included


async def _propagate(router: Router, update_type: str, event: TelegramObject, kwargs: dict[str, Any]) -> Any:
    # aiogram's Router.propagate_event, less the wrapping (functools.wraps and a partial per router) when the
    # observer has no outer middleware: the same calls in the same order.
    observer = router.observers.get(update_type)
    if observer is not None and len(observer.outer_middleware):
        # aiogram's path through the outer middlewares, their chain made once instead of per event.
        kwargs["event_router"] = router
        return await _outer_chain(router, observer, update_type)(event, kwargs)
    key = _route_key(event, kwargs)
    if isinstance(router, QuickRouter) and not await _may_handle(router, update_type, key):
        return UNHANDLED
    kwargs["event_router"] = router
    return await _propagate_inside(router, observer, update_type, event, kwargs, key)


def _outer_chain(router: Router, observer: TelegramEventObserver, update_type: str) -> Any:
    """What aiogram's ``Router.propagate_event`` builds for every event when ``observer`` has outer
    middlewares — each middleware partially applied to the next, the last calling the router's
    ``_propagate_event`` with a copy of the data — made once and kept while the middlewares are the same."""
    middlewares = tuple(observer.outer_middleware._middlewares)
    kept = observer.__dict__.get("_outer_chain")
    if kept is not None and kept[0] == middlewares:
        return kept[1]

    def last(event: TelegramObject, data: dict[str, Any]) -> Any:
        return router._propagate_event(observer=observer, update_type=update_type, event=event, **data)

    chain: Any = last
    for middleware in reversed(middlewares):
        chain = functools.partial(middleware, chain)
    observer.__dict__["_outer_chain"] = (middlewares, chain)
    return chain


async def _propagate_inside(
    router: Router,
    observer: TelegramEventObserver | None,
    update_type: str,
    event: TelegramObject,
    kwargs: dict[str, Any],
    key: RouteKey | None = None,
) -> Any:
    # aiogram's Router._propagate_event; the router's own filters checked only when it has some, its handlers
    # tried only when some may take the event (see _plan), the streamlined sub-routers none of whose handlers
    # may take it passed over (see _may_handle), and those without outer middlewares entered directly, each
    # with its own copy of the keyword arguments as aiogram's call makes.
    if key is None:
        key = _route_key(event, kwargs)
    response = UNHANDLED
    if observer is not None:
        root = observer._handler
        if root.filters:
            data = await _passes(root.filters, event, kwargs)
            if data is None:
                return UNHANDLED
            kwargs.update(data)
        if isinstance(observer, QuickObserver):
            plan = _plans(observer).get(key)
            if plan is None:
                plan = await _plan(observer, event, key)
            if plan:
                response = await _try(observer, plan, event, dict(kwargs))
        else:
            response = await observer.trigger(event, **kwargs)
        if response is REJECTED:  # pragma: no cover - as in aiogram
            return UNHANDLED
        if response is not UNHANDLED:
            return response
    subs = _answers(router).get(("subs", update_type, key))
    if subs is None:
        subs = await _subs(router, update_type, key)
    for sub, sub_observer, quick in subs:
        if quick and (sub_observer is None or not sub_observer.outer_middleware._middlewares):
            sub_kwargs = dict(kwargs)
            sub_kwargs["event_router"] = sub
            response = await _propagate_inside(sub, sub_observer, update_type, event, sub_kwargs, key)
        else:
            response = await sub.propagate_event(update_type=update_type, event=event, **kwargs)
        if response is not UNHANDLED:
            break
    return response


Subs = tuple[tuple[Router, TelegramEventObserver | None, bool], ...]


async def _subs(router: Router, update_type: str, key: RouteKey) -> Subs:
    """The sub-routers of ``router`` an event of ``update_type`` and ``key`` goes on to, in order, each with
    its observer of ``update_type`` and whether it is streamlined (then entered directly while that observer
    has no outer middleware): the streamlined ones only when some handler of theirs may take the event."""
    subs: list[tuple[Router, TelegramEventObserver | None, bool]] = []
    for sub in router.sub_routers:
        if not isinstance(sub, QuickRouter):
            subs.append((sub, sub.observers.get(update_type), False))
        elif await _may_handle(sub, update_type, key):
            subs.append((sub, sub.observers.get(update_type), True))
    found = _answers(router)[("subs", update_type, key)] = tuple(subs)
    return found


async def _trigger(
    observer: QuickObserver, event: TelegramObject, kwargs: dict[str, Any], key: RouteKey
) -> Any:
    plan = _plans(observer).get(key)
    if plan is None:
        plan = await _plan(observer, event, key)
    return await _try(observer, plan, event, kwargs)


async def _try(
    observer: TelegramEventObserver, plan: Plan, event: TelegramObject, kwargs: dict[str, Any]
) -> Any:
    # aiogram's TelegramEventObserver.trigger over the handlers that may take the event (see _plan), each
    # with the filters left to run; ``kwargs`` is the observer's own copy, as ``trigger(event, **kwargs)``.
    for handler, checks in plan:
        kwargs["handler"] = handler
        data = await _passes(checks, event, kwargs) if checks else kwargs
        if data is not None:
            if data is not kwargs:
                kwargs.update(data)
            try:
                middlewares = observer._resolve_middlewares()
                if middlewares:
                    wrapped = observer.outer_middleware.wrap_middlewares(middlewares, handler.call)
                    return await wrapped(event, kwargs)
                return await handler.call(event, **kwargs)
            except SkipHandler:
                continue
    return UNHANDLED


async def _passes(
    filters: Sequence[FilterObject], event: TelegramObject, kwargs: dict[str, Any]
) -> dict[str, Any] | None:
    """aiogram's ``HandlerObject.check``: ``None`` when a filter fails, else the data with what the filters
    added (a copy when they added anything). Each filter gets the keyword arguments it names, as aiogram
    passes them, without building a ``functools.partial`` per filter."""
    data = kwargs
    for check in filters:
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


#: What an update's route depends on beyond its filters' own work: the FSM state (``raw_state``), the
#: first character of a message's text or caption after any white space when it is a command prefix
#: (``None`` otherwise, for no text, or not a message) and whether the event is a message.
RouteKey = tuple[str | None, str | None, bool]

#: Plans kept per observer (and answers per router); beyond it they are all dropped and made again.
PLANS_KEPT = 512

# Moved by every handler registered and router included in a streamlined tree: each plan remembers the value
# it was made at and is made again when it moved.
_layout = [0]


# The characters a Command of a streamlined tree takes as its prefix (gathered by streamline, and for a
# handler registered or a router included later): only then does a message's leading character matter.
_prefixes: set[str] = set()


def _route_key(event: TelegramObject, kwargs: dict[str, Any]) -> RouteKey:
    raw_state = kwargs.get("raw_state")
    if isinstance(event, Message):
        text = event.text or event.caption
        lead = text.lstrip()[:1] if text else ""
        return raw_state, lead if lead in _prefixes else None, True
    return raw_state, None, False


def _gather_prefixes(handlers: Sequence[HandlerObject]) -> None:
    for handler in handlers:
        for check in handler.filters or ():
            if isinstance(check.callback, Command):  # subclasses too: harmless, a key only made finer
                _prefixes.update(check.callback.prefix)


Plan = tuple[tuple[HandlerObject, tuple[FilterObject, ...]], ...]


def _plans(observer: TelegramEventObserver) -> dict[RouteKey, Plan]:
    # The observer's plans, made afresh when the routers changed since they were made or too many are kept.
    kept = observer.__dict__
    plans: dict[RouteKey, Plan] | None = kept.get("_plans")
    if plans is None or kept["_planned"] != _layout[0] or len(plans) > PLANS_KEPT:
        plans = kept["_plans"] = {}
        kept["_planned"] = _layout[0]
    return plans


def _answers(router: Router) -> dict[tuple[Any, ...], Any]:
    # The router's answers of _may_handle and _subs, likewise.
    kept = router.__dict__
    answers: dict[tuple[Any, ...], Any] | None = kept.get("_may")
    if answers is None or kept["_planned"] != _layout[0] or len(answers) > PLANS_KEPT:
        answers = kept["_may"] = {}
        kept["_planned"] = _layout[0]
    return answers


async def _settled(check: FilterObject, event: TelegramObject, key: RouteKey) -> bool | None:
    """What ``check`` answers for every event of ``key``: ``True`` (it passes, adding nothing), ``False``
    (it fails), or ``None`` when only running it tells.

    ``StateFilter`` looks at nothing but ``raw_state``: it is asked once per state. ``Command`` (and
    ``CommandStart``) fails unless the event is a message whose text or caption, split at white space, begins
    with one of its prefixes — aiogram's ``Command.extract_command`` and ``validate_prefix``.
    """
    checked = check.callback
    # aiogram's own classes only: a subclass may look at more.
    if type(checked) is StateFilter:
        return bool(await checked(event, raw_state=key[0]))
    if type(checked) in (Command, CommandStart):
        assert isinstance(checked, Command)
        lead = key[1]
        if not key[2] or lead is None or lead not in checked.prefix:
            return False
    return None


async def _plan(observer: TelegramEventObserver, event: TelegramObject, key: RouteKey) -> Plan:
    """The handlers of ``observer`` that may take an event of ``key``, in order, each with the filters left
    to run (those whose answer the key settles dropped: a handler with one that fails is not there)."""
    plans = _plans(observer)
    plan = plans.get(key)
    if plan is None:
        candidates = []
        for handler in observer.handlers:
            left = []
            for check in handler.filters or ():
                settled = await _settled(check, event, key)
                if settled is False:
                    break
                if settled is None:
                    left.append(check)
            else:
                candidates.append((handler, tuple(left)))
        plan = plans[key] = tuple(candidates)
    return plan


async def _may_handle(router: QuickRouter, update_type: str, key: RouteKey) -> bool:
    """Whether any handler of ``router`` or its sub-routers may take an event of ``update_type`` and ``key``.
    When none may, aiogram's walk would answer ``UNHANDLED`` after running filters that change nothing (the
    routers' filters here only read), so the walk is skipped."""
    answers = _answers(router)
    may = answers.get((update_type, key))
    if may is None:
        observer = router.observers.get(update_type)
        may = False
        if isinstance(observer, QuickObserver) and await _plan(observer, None, key):  # type: ignore[arg-type]
            may = True
        elif observer is not None and not isinstance(observer, QuickObserver):
            may = True  # not streamlined: its handlers may change unseen
        else:
            for sub in router.sub_routers:
                if not isinstance(sub, QuickRouter) or await _may_handle(sub, update_type, key):
                    may = True
                    break
        answers[(update_type, key)] = may
    return may


def _gather_all_prefixes(router: Router) -> None:
    for observer in router.observers.values():
        _gather_prefixes(observer.handlers)
    for sub in router.sub_routers:
        _gather_all_prefixes(sub)


class QuickObserver(TelegramEventObserver):
    """An observer that checks its handlers' filters and calls the first handler that passes as aiogram's
    does, without wrapping it in inner middlewares when there are none, and without asking the handlers and
    filters that cannot pass for the event's state and leading character (see :func:`streamline`)."""

    async def trigger(self, event: TelegramObject, **kwargs: Any) -> Any:
        return await _trigger(self, event, kwargs, _route_key(event, kwargs))

    def wrap_outer_middleware(self, callback: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        # aiogram's, with the chain kept while the middlewares and the callback are the same: the dispatcher's
        # update observer is wrapped around its own ``trigger`` for every update.
        middlewares = tuple(self.outer_middleware._middlewares)
        kept = self.__dict__.get("_wrapped")
        if kept is None or kept[0] != middlewares or kept[1] != callback:
            kept = self.__dict__["_wrapped"] = (
                middlewares,
                callback,
                self.outer_middleware.wrap_middlewares(middlewares, callback),
            )
        return kept[2](event, data)

    def register(self, callback: Any, *filters: Any, flags: Any = None, **kwargs: Any) -> Any:
        registered = super().register(callback, *filters, flags=flags, **kwargs)
        _gather_prefixes(self.handlers[-1:])
        _layout[0] += 1  # a handler added after an update was routed: plan again
        return registered


def streamline(router: Router) -> int:
    """Make ``router`` and its sub-routers pass events on as aiogram does, without the per-router and
    per-handler wrapping for middlewares that are not there, and without the filters whose answer is known.

    aiogram wraps each router's step and each handler's call in a chain of middlewares even when the chain is
    empty — a ``functools.wraps``, a closure and a partial each time —, copies the keyword arguments to check
    a router's filters when it has none, and builds a ``functools.partial`` per filter checked: an update
    reaching the fallback passed fifteen routers and twenty-seven filters. Only the dispatcher's observers
    have (outer) middlewares here; they keep aiogram's path.

    Each observer also keeps, per route key (the FSM state, the leading character of a message's text, see
    :func:`_route_key`), the handlers that may take such an event with the filters left to run: a
    ``StateFilter`` is answered once per state and a ``Command`` fails at once for a text that does not begin
    with its prefix, so a form's steps and the commands are not asked about a plain question outside a form.
    A router none of whose handlers (its sub-routers' included) may take the event is not entered: its own
    filters are not run. Both rest on what holds here — the routers' filters only read (they change nothing
    and never add ``raw_state``) — and the handlers and filters are those of aiogram's order, so the first
    handler that takes the event is the same. Returns how many routers were changed.
    """
    changed = 0
    for observer in router.observers.values():
        _gather_prefixes(observer.handlers)
        if type(observer) is TelegramEventObserver:
            observer.__class__ = QuickObserver
    if type(router) is Router:
        router.__class__ = QuickRouter
        changed += 1
    for sub in router.sub_routers:
        changed += streamline(sub)
    _layout[0] += 1
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
