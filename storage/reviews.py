"""The board's review in the database: the review use cases' store, and what the chat shows of a review.

:class:`ReviewStorage` implements :class:`council.reviewing.ReviewStore` over the repository's session; like
the repository it flushes but never commits.

Votes are kept as history (one row per vote cast); a member's latest vote of the cycle is the one that
counts, which is how :func:`council.review.tally` reads them. Opinions likewise: an expert's latest is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from council.review import ConflictGrounds, GroundsKind, Vote, VoteChoice
from council.reviewing import Amendment, Opinion, ReviewCase, Transition
from council.roles import Role
from council.status import Status
from council.submission import Category, Votes

from .models import (
    Attachment,
    Board,
    BoardVote,
    Council,
    County,
    ExpertOpinion,
    Person,
    Province,
    Resolution,
    ResolutionVersion,
    RoleBinding,
    SentMessage,
)
from .parts import RepositoryPart


@dataclass(frozen=True, slots=True)
class VersionText:
    """One version of a resolution's text, for showing earlier versions."""

    version_no: int
    title: str
    text: str
    created_at: dt.datetime
    attachments: int


class ReviewStorage(RepositoryPart):
    """The review over the repository's session (see :class:`council.reviewing.ReviewStore`)."""

    # --- the use cases' store

    async def lock_case(self, resolution_id: int) -> ReviewCase | None:
        # A write first: on PostgreSQL it locks the row until the commit, on SQLite it takes the database's
        # write lock; either way concurrent acts on this resolution queue here and then read fresh state.
        locked = await self.session.execute(
            sa.update(Resolution)
            .where(Resolution.id == resolution_id)
            .values(status=Resolution.status)
            .execution_options(synchronize_session=False)
        )
        if locked.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.case(resolution_id)

    async def case(self, resolution_id: int) -> ReviewCase | None:
        """The resolution's review state, without locking it."""
        row = (
            await self.session.execute(
                sa.select(
                    Resolution, Council.code, Board.code, Board.voting_seats, County.code, Province.code
                )
                .join(Council, Council.id == Resolution.council_id)
                .join(Board, Board.id == Council.board_id)
                .join(County, County.id == Council.county_id)
                .join(Province, Province.id == County.province_id)
                .where(Resolution.id == resolution_id)
                .execution_options(populate_existing=True)
            )
        ).first()
        if row is None:
            return None
        resolution, council_code, board_code, seats, county_code, province_code = row
        return ReviewCase(
            resolution_id=resolution.id,
            tracking_code=resolution.tracking_code,
            status=Status(resolution.status),
            cycle=resolution.cycle,
            voting_seats=seats,
            council_code=council_code,
            board_code=board_code,
            county_code=county_code,
            province_code=province_code,
            review_deadline=resolution.review_deadline,
            reconsideration_deadline=resolution.reconsideration_deadline,
            escalation_deadline=resolution.escalation_deadline,
        )

    async def holds_role(self, person_id: int, role: Role, scope_codes: Sequence[str]) -> bool:
        found = await self.session.scalar(
            sa.select(RoleBinding.id)
            .where(
                RoleBinding.person_id == person_id,
                RoleBinding.role == role.value,
                RoleBinding.scope_code.in_(list(scope_codes)),
            )
            .limit(1)
        )
        return found is not None

    async def votes(self, resolution_id: int, cycle: int) -> list[Vote]:
        rows = await self.session.scalars(
            sa.select(BoardVote)
            .where(BoardVote.resolution_id == resolution_id, BoardVote.cycle == cycle)
            .order_by(BoardVote.cast_at, BoardVote.id)
        )
        return [_vote(row) for row in rows]

    async def add_vote(self, resolution_id: int, cycle: int, vote: Vote) -> None:
        grounds = vote.grounds
        self.session.add(
            BoardVote(
                resolution_id=resolution_id,
                cycle=cycle,
                member_id=vote.member_id,
                choice=vote.choice.value,
                grounds_kind=grounds.kind.value if grounds else None,
                grounds_law=grounds.law if grounds else None,
                grounds_article=grounds.article if grounds else None,
                reasoning=vote.reasoning,
                cast_at=vote.cast_at,
            )
        )
        # The member has voted: their pending reminders go at the next re-plan.
        await self.session.execute(
            sa.update(Resolution)
            .where(Resolution.id == resolution_id)
            .values(replan_reminders=True)
            .execution_options(synchronize_session=False)
        )
        await self.session.flush()

    async def add_opinion(self, resolution_id: int, cycle: int, opinion: Opinion) -> None:
        self.session.add(
            ExpertOpinion(
                resolution_id=resolution_id,
                cycle=cycle,
                expert_id=opinion.expert_id,
                finding=opinion.finding.value,
                text=opinion.text,
                given_at=opinion.given_at,
            )
        )
        await self.session.flush()

    async def move(self, change: Transition) -> bool:
        # Who is reminded of what changes with the status: the sweep re-plans (storage.reminders).
        values: dict[str, Any] = {
            "status": change.after.value,
            "status_at": change.at,
            "replan_reminders": True,
        }
        if change.new_cycle is not None:
            values.update(cycle=change.new_cycle, reconsideration_deadline=None, escalation_deadline=None)
        for name in ("review_deadline", "reconsideration_deadline", "escalation_deadline"):
            if getattr(change, name) is not None:
                values[name] = getattr(change, name)
        # Conditional: of two writers that both think they may move it, one does.
        moved = await self.session.execute(
            sa.update(Resolution)
            .where(
                Resolution.id == change.resolution_id,
                Resolution.status == change.before.value,
                Resolution.cycle == change.cycle,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]

    async def add_version(self, resolution_id: int, amendment: Amendment, at: dt.datetime) -> int:
        """The amended text as the next version; title, category and council vote stay those of the
        newest version, and so do its attachments when the amendment brings none."""
        newest = await self.session.scalar(
            sa.select(ResolutionVersion)
            .where(ResolutionVersion.resolution_id == resolution_id)
            .order_by(ResolutionVersion.version_no.desc())
            .limit(1)
        )
        assert newest is not None, "a resolution has at least one version"
        submitted_at = await self.session.scalar(
            sa.select(Resolution.submitted_at).where(Resolution.id == resolution_id)
        )
        assert submitted_at is not None
        files = list(amendment.attachments)
        if not files:
            record = await self.repo.resolutions.record(resolution_id)
            files = list(record.attachments) if record else []
        version = await self.repo.resolutions.add_version_row(
            resolution_id,
            newest.version_no + 1,
            title=newest.title,
            text=amendment.text,
            category=Category(newest.category),
            votes=Votes(newest.votes_for, newest.votes_against, newest.votes_abstain),
            attachments=files,
            at=at,
            submitted_at=submitted_at,
        )
        return version.version_no

    async def due_lapses(self, now: dt.datetime, limit: int) -> list[int]:
        review = sa.select(Resolution.id, Resolution.review_deadline.label("deadline")).where(
            Resolution.status == Status.UNDER_REVIEW.value, Resolution.review_deadline < now
        )
        reconsideration = sa.select(
            Resolution.id, Resolution.reconsideration_deadline.label("deadline")
        ).where(Resolution.status == Status.OBJECTED.value, Resolution.reconsideration_deadline < now)
        due = sa.union_all(review, reconsideration).subquery()
        rows = await self.session.execute(sa.select(due.c.id).order_by(due.c.deadline, due.c.id).limit(limit))
        return [int(rid) for (rid,) in rows]

    # --- what the chat shows

    async def current_votes(self, resolution_id: int, cycle: int) -> list[tuple[str, Vote]]:
        """Each member's latest vote of the cycle with the member's name, in the order first cast."""
        latest: dict[int, Vote] = {}
        for vote in await self.votes(resolution_id, cycle):
            latest[vote.member_id] = vote
        names = await self._names(latest)
        return [(names[member], vote) for member, vote in latest.items()]

    async def current_opinions(self, resolution_id: int, cycle: int) -> list[tuple[str, Opinion]]:
        """Each expert's latest opinion of the cycle with the expert's name."""
        rows = await self.session.scalars(
            sa.select(ExpertOpinion)
            .where(ExpertOpinion.resolution_id == resolution_id, ExpertOpinion.cycle == cycle)
            .order_by(ExpertOpinion.given_at, ExpertOpinion.id)
        )
        latest: dict[int, Opinion] = {}
        for row in rows:
            latest[row.expert_id] = Opinion(row.expert_id, VoteChoice(row.finding), row.text, row.given_at)
        names = await self._names(latest)
        return [(names[expert], opinion) for expert, opinion in latest.items()]

    async def _names(self, person_ids: Iterable[int]) -> dict[int, str]:
        ids = list(person_ids)
        if not ids:
            return {}
        rows = await self.session.execute(sa.select(Person.id, Person.display_name).where(Person.id.in_(ids)))
        return {pid: name for pid, name in rows}

    async def versions(self, resolution_id: int) -> list[VersionText]:
        """Every version of the resolution's text, oldest first."""
        attachments = (
            sa.select(sa.func.count(Attachment.id))
            .where(Attachment.version_id == ResolutionVersion.id)
            .correlate(ResolutionVersion)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            sa.select(ResolutionVersion, attachments)
            .where(ResolutionVersion.resolution_id == resolution_id)
            .order_by(ResolutionVersion.version_no)
        )
        return [
            VersionText(v.version_no, v.title, v.text, v.created_at, int(count or 0)) for v, count in rows
        ]

    async def people_with_role_over(self, role: Role, scope_codes: Sequence[str]) -> list[Person]:
        """Who holds ``role`` over one of ``scope_codes``, each person once."""
        result = await self.session.scalars(
            sa.select(Person)
            .where(
                Person.id.in_(
                    sa.select(RoleBinding.person_id).where(
                        RoleBinding.role == role.value, RoleBinding.scope_code.in_(list(scope_codes))
                    )
                )
            )
            .order_by(Person.id)
        )
        return list(result)

    # --- messages whose buttons expire

    async def track(
        self, resolution_id: int, cycle: int, person_id: int, chat_id: int, message_id: int, purpose: str
    ) -> None:
        """Remember a message with buttons, so they can be removed once their act is gone."""
        self.session.add(
            SentMessage(
                resolution_id=resolution_id,
                cycle=cycle,
                person_id=person_id,
                chat_id=chat_id,
                message_id=message_id,
                purpose=purpose,
                sent_at=self.repo.clock.now(),
            )
        )
        await self.session.flush()

    async def take_tracked(self, resolution_id: int, purposes: Sequence[str]) -> list[tuple[int, int]]:
        """The (chat id, message id) of the resolution's tracked messages of ``purposes``, forgotten as they
        are handed out (their buttons are about to go)."""
        rows = list(
            await self.session.scalars(
                sa.select(SentMessage)
                .where(SentMessage.resolution_id == resolution_id, SentMessage.purpose.in_(list(purposes)))
                .order_by(SentMessage.id)
            )
        )
        if rows:
            await self.session.execute(
                sa.delete(SentMessage)
                .where(SentMessage.id.in_([row.id for row in rows]))
                .execution_options(synchronize_session=False)
            )
        return [(row.chat_id, row.message_id) for row in rows]


def _vote(row: BoardVote) -> Vote:
    grounds = None
    if row.grounds_kind is not None:
        grounds = ConflictGrounds(GroundsKind(row.grounds_kind), row.grounds_law, row.grounds_article)
    return Vote(row.member_id, VoteChoice(row.choice), grounds, row.reasoning, row.cast_at)
