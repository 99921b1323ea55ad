"""The base of the stores that serve one use case each over the repository's session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Event
    from .repository import Repository


class RepositoryPart:
    """A use case's store over the repository's session: it shares the session, the closures that move
    deadlines and the audit log (see :class:`council.review.RecordKeeping`)."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.session = repo.session

    async def closures(self, province_code: str | None) -> Mapping[dt.date, str]:
        return await self.repo.closures(province_code)

    async def append_event(
        self,
        kind: str,
        actor_id: int | None,
        payload: Mapping[str, Any],
        resolution_id: int | None = None,
        *,
        at: dt.datetime | None = None,
    ) -> Event:
        return await self.repo.append_event(kind, actor_id, payload, resolution_id, at=at)
