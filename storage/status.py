"""Status queries within a person's scope (issue 6): which councils one may see, a resolution by tracking code
or by its council's number, its timeline, and what waits for a person.

Every look-up takes a :class:`council.scope.Scope` and filters in SQL, so a resolution outside the scope is
never loaded: to the caller it is exactly as absent as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from council.roles import Role
from council.scope import BindingLike, Scope, scope_of
from council.status import Status

from .models import (
    Board,
    BoardVote,
    Council,
    County,
    Event,
    ExpertOpinion,
    Person,
    Province,
    Resolution,
    ResolutionVersion,
)
from .parts import RepositoryPart


@dataclass(frozen=True, slots=True)
class CouncilName:
    """A council one may see."""

    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class NumberHit:
    """A resolution found by its council's number."""

    resolution_id: int
    council_id: int
    council_name: str
    jalali_year: int


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One event of a resolution's history, oldest first."""

    kind: str
    at: dt.datetime
    actor: str | None
    payload: dict[str, Any]


def _councils_with_places() -> sa.Select[int, str, str]:
    return (
        sa.select(Council.id, Council.code, Council.name)
        .join(Board, Board.id == Council.board_id)
        .join(County, County.id == Council.county_id)
        .join(Province, Province.id == County.province_id)
    )


def scope_condition(scope: Scope) -> sa.ColumnElement[bool]:
    """The SQL form of :meth:`council.scope.Scope.covers` over councils joined with their board, county
    and province."""
    if scope.nation:
        return sa.true()
    parts: list[sa.ColumnElement[bool]] = []
    for column, codes in (
        (Council.code, scope.councils),
        (Board.code, scope.boards),
        (County.code, scope.counties),
        (Province.code, scope.provinces),
    ):
        if codes:
            parts.append(column.in_(sorted(codes)))
    return sa.or_(*parts) if parts else sa.false()


class StatusStore(RepositoryPart):
    """Read-only look-ups for status cards and lists, each limited to a scope."""

    async def councils(self, scope: Scope) -> list[CouncilName]:
        """The councils within ``scope``, by name."""
        if scope.empty:
            return []
        rows = await self.session.execute(
            _councils_with_places().where(scope_condition(scope)).order_by(Council.name, Council.id)
        )
        return [CouncilName(cid, code, name) for cid, code, name in rows]

    async def by_tracking_code(self, tracking_code: str, scope: Scope) -> int | None:
        """The id of the resolution with ``tracking_code`` if it is within ``scope``."""
        if scope.empty:
            return None
        found: int | None = await self.session.scalar(
            _councils_with_places()
            .with_only_columns(Resolution.id)
            .join_from(Council, Resolution, Resolution.council_id == Council.id)
            .where(Resolution.tracking_code == tracking_code, scope_condition(scope))
        )
        return found

    async def by_number(
        self, council_number: str, scope: Scope, council_ids: list[int] | None = None
    ) -> list[NumberHit]:
        """Resolutions numbered ``council_number`` by their council, within ``scope`` (and the councils
        ``council_ids`` when given): for each council only its latest year's, by council name."""
        if scope.empty:
            return []
        query = (
            _councils_with_places()
            .with_only_columns(Resolution.id, Council.id, Council.name, Resolution.jalali_year)
            .join_from(Council, Resolution, Resolution.council_id == Council.id)
            .where(Resolution.council_number == council_number, scope_condition(scope))
            .order_by(Council.name, Council.id, Resolution.jalali_year.desc())
        )
        if council_ids is not None:
            query = query.where(Council.id.in_(council_ids))
        hits: dict[int, NumberHit] = {}
        for rid, cid, name, year in await self.session.execute(query):
            hits.setdefault(cid, NumberHit(rid, cid, name, year))
        return list(hits.values())

    async def timeline(self, resolution_id: int) -> list[TimelineEntry]:
        """The resolution's events, oldest first, with the actor's name where a person acted."""
        rows = await self.session.execute(
            sa.select(Event.kind, Event.at, Person.display_name, Event.payload)
            .outerjoin(Person, Person.id == Event.actor_id)
            .where(Event.resolution_id == resolution_id)
            .order_by(Event.at, Event.id)
        )
        return [TimelineEntry(kind, at, actor, dict(payload or {})) for kind, at, actor, payload in rows]

    async def pending(
        self, person_id: int, bindings: Iterable[BindingLike], limit: int = 20
    ) -> list[PendingItem]:
        """What waits for the person; see :func:`pending_for`."""
        return await pending_for(self, person_id, bindings, limit)


class Awaited(StrEnum):
    """What a pending resolution waits for from the person asking."""

    VOTE = "vote"
    OPINION = "opinion"
    ANSWER = "answer"
    RULING = "ruling"
    OUTCOME = "outcome"


@dataclass(frozen=True, slots=True)
class PendingItem:
    """One line of /pending."""

    resolution_id: int
    tracking_code: str
    council_name: str
    council_number: str
    title: str
    awaited: Awaited
    deadline: dt.datetime | None


#: Who is waited on for what: the role, the status the resolution is in, and the deadline that counts.
_PENDING: tuple[tuple[Role, Status, Awaited], ...] = (
    (Role.MEMBER, Status.UNDER_REVIEW, Awaited.VOTE),
    (Role.EXPERT, Status.UNDER_REVIEW, Awaited.OPINION),
    (Role.SECRETARY, Status.OBJECTED, Awaited.ANSWER),
    (Role.BOARD_SECRETARY, Status.UNDER_REVIEW, Awaited.RULING),
    (Role.OFFICIAL, Status.ESCALATED, Awaited.OUTCOME),
)
_DEADLINES = {
    Status.UNDER_REVIEW: Resolution.review_deadline,
    Status.OBJECTED: Resolution.reconsideration_deadline,
    Status.ESCALATED: Resolution.escalation_deadline,
}


async def pending_for(
    store: StatusStore, person_id: int, bindings: Iterable[BindingLike], limit: int
) -> list[PendingItem]:
    """What waits for the person, soonest deadline first (each resolution once, for its first reason):
    a member's vote, an expert's opinion, a secretary's answer to an objection, the board's ruling for
    its secretary, an official's outcome on an escalated case."""
    bindings = list(bindings)
    found: dict[int, PendingItem] = {}
    for role, status, awaited in _PENDING:
        scope = scope_of(bindings, roles=[role])
        if scope.empty:
            continue
        deadline = _DEADLINES[status]
        later = aliased(ResolutionVersion)
        newest = (
            sa.select(sa.func.max(later.version_no))
            .where(later.resolution_id == Resolution.id)
            .correlate(Resolution)
            .scalar_subquery()
        )
        query = (
            _councils_with_places()
            .with_only_columns(
                Resolution.id,
                Resolution.tracking_code,
                Council.name,
                Resolution.council_number,
                ResolutionVersion.title,
                deadline,
            )
            .join_from(Council, Resolution, Resolution.council_id == Council.id)
            .join(ResolutionVersion, ResolutionVersion.resolution_id == Resolution.id)
            .where(
                Resolution.status == status.value,
                ResolutionVersion.version_no == newest,
                scope_condition(scope),
            )
            .order_by(deadline, Resolution.id)
            .limit(limit)
        )
        if awaited is Awaited.VOTE:
            query = query.where(
                ~sa.exists().where(
                    BoardVote.resolution_id == Resolution.id,
                    BoardVote.cycle == Resolution.cycle,
                    BoardVote.member_id == person_id,
                )
            )
        elif awaited is Awaited.OPINION:
            query = query.where(
                ~sa.exists().where(
                    ExpertOpinion.resolution_id == Resolution.id,
                    ExpertOpinion.cycle == Resolution.cycle,
                    ExpertOpinion.expert_id == person_id,
                )
            )
        for rid, code, council, number, title, due in await store.session.execute(query):
            found.setdefault(rid, PendingItem(rid, code, council, number, title, awaited, due))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found.values(), key=lambda item: (item.deadline or far, item.resolution_id))[:limit]
