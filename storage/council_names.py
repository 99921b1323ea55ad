"""The councils within a scope and their name index, kept between questions (issue 6 status by message).

Matching «وضعیت مصوبه ۱۲ شورای شهر …» needs every council the asker may see, prepared for matching
(:class:`council.matching.UnitIndex`). A nation-wide official sees some 32,000 councils; loading and indexing
them took 0.75–0.95 s per question (``bench/status_bench.py``, docs/PERFORMANCE.md), a kept list 0.5 ms. So
the list and its index are kept per database and scope, at most :data:`MAX_COUNCILS` councils in all, and
reused while the organisation is unchanged (the first question after a change pays the full cost):

* Councils are added or changed only by an organisation load (:func:`storage.orgfile.load_org`), never
  deleted (resolutions refer to them).
* Every use checks ``max(councils.id)`` — one look-up of the primary key — so a council **added** by a load
  in any process (``council-bot org load`` while the bot runs, another bot instance) is found at once.
* A load in this process calls :func:`organisation_changed`, so everything it changed is seen at once.
* A council **renamed or moved** to another board or county by another process is seen within
  :data:`STALE_AFTER` seconds, when the entry is rebuilt. Until then its old name still matches and
  an ambiguity question may offer it under its old name or in its old place. Resolutions themselves
  are always looked up with the scope in SQL, so none outside the asker's scope is ever shown.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from council.matching import UnitIndex
from council.scope import Scope

from .models import Council
from .status import CouncilName, StatusStore

#: Seconds after which a scope's councils are read again even when no council was added.
STALE_AFTER = 60.0
#: Councils kept per database, over all scopes (the least recently used scope is dropped first). The
#: nation's 32,000 councils with their index take about 68 MiB; a province's 1,000 about 2 MiB.
MAX_COUNCILS = 100_000

_generation = 0


def organisation_changed() -> None:
    """Forget every kept list: the organisation was just loaded in this process."""
    global _generation
    _generation += 1


@dataclass(frozen=True, slots=True)
class ScopedCouncils:
    """The councils within a scope: by name, by id (a string, the index's code), and indexed for matching."""

    councils: tuple[CouncilName, ...]
    by_id: Mapping[str, CouncilName]
    index: UnitIndex


@dataclass(frozen=True, slots=True)
class _Entry:
    value: ScopedCouncils
    newest: int | None
    generation: int
    built: float


class CouncilDirectory:
    """The kept lists of one database."""

    def __init__(
        self,
        stale_after: float = STALE_AFTER,
        max_councils: int = MAX_COUNCILS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stale_after = stale_after
        self.max_councils = max_councils
        self._kept = 0
        self.clock = clock
        self._entries: OrderedDict[Scope, _Entry] = OrderedDict()

    async def councils(self, store: StatusStore, scope: Scope) -> ScopedCouncils:
        """The councils within ``scope``, from the kept list when it is still good."""
        newest: int | None = await store.session.scalar(sa.select(sa.func.max(Council.id)))
        now = self.clock()
        entry = self._entries.get(scope)
        if (
            entry is not None
            and entry.newest == newest
            and entry.generation == _generation
            and now - entry.built < self.stale_after
        ):
            self._entries.move_to_end(scope)
            return entry.value
        generation = _generation
        councils = tuple(await store.councils(scope))
        value = ScopedCouncils(
            councils=councils,
            by_id={str(c.id): c for c in councils},
            index=UnitIndex((str(c.id), c.name) for c in councils),
        )
        if entry is not None:
            self._kept -= len(entry.value.councils)
        self._entries[scope] = _Entry(value, newest, generation, now)
        self._entries.move_to_end(scope)
        self._kept += len(councils)
        while self._kept > self.max_councils and len(self._entries) > 1:
            _scope, dropped = self._entries.popitem(last=False)
            self._kept -= len(dropped.value.councils)
        return value


_directories: weakref.WeakKeyDictionary[Engine, CouncilDirectory] = weakref.WeakKeyDictionary()


def directory_of(store: StatusStore) -> CouncilDirectory:
    """The kept lists of the database ``store`` reads (one per engine)."""
    bind = store.session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    found = _directories.get(engine)
    if found is None:
        found = _directories[engine] = CouncilDirectory()
    return found


async def councils_in_scope(store: StatusStore, scope: Scope) -> ScopedCouncils:
    """The councils within ``scope``, indexed for matching their names (kept between calls; see above)."""
    return await directory_of(store).councils(store, scope)
