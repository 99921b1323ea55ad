"""Who changed people or their roles, so the bot may keep each sender's person and roles in memory.

Every update needs the sender's person and role bindings
(:meth:`storage.repository.Repository.person_with_roles`, about 0.9 ms of a status answer's five on SQLite).
:class:`bot.middlewares.ContextMiddleware` keeps them per platform user, tagged with :func:`generation`; a
kept entry serves only while the generation is unchanged.
Every repository method that writes a person or a role binding calls :func:`changed` (invite redemption and
``upsert_person``, new bindings, language, quiet hours, digest, unreachable marking): the generation moves
at once, and again when that session commits or rolls back — so a reader that loaded the old row between the
write and its commit cannot keep it past the commit.

Valid because these writes happen in the bot's own process: one polling process per token
(docs/OPERATIONS.md §5), its sweeps and digests in the same process; the command-line tools load the
organisation and issue invites but write no person or binding. A write made by hand in SQL (or by a test
behind the repository's back) is not seen by a running bot until the next write through the repository or
a restart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_FLAG = "people_changed"
_generation = 0


def generation() -> int:
    """A number that changes whenever a person or a role binding may have changed."""
    return _generation


def _bump() -> None:
    global _generation
    _generation += 1


def changed(session: AsyncSession) -> None:
    """A person or a binding is being written in ``session``: forget what is kept now and at its end."""
    _bump()
    session.sync_session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        _bump()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if session.info.pop(_FLAG, False):
        _bump()
