"""Resolutions in the database: the submit use case's store, and what the chat shows of them.

:class:`ResolutionStore` implements :class:`council.submitting.SubmissionStore` over the repository's
session; like the repository it flushes but never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from council.roles import Role
from council.status import Status
from council.submission import Category, Votes
from council.submitting import AttachmentFile, CouncilInfo, NewResolution, Submitted

from .models import (
    Attachment,
    Board,
    Council,
    County,
    Person,
    Province,
    Resolution,
    ResolutionVersion,
    RoleBinding,
)
from .parts import RepositoryPart
from .search_words import replace_words

#: The roles a board's new resolution goes to (DESIGN §4 Review), in the order they are told.
BOARD_AUDIENCE = (Role.MEMBER, Role.EXPERT, Role.BOARD_SECRETARY)



def newest_version_no() -> sa.ScalarSelect[int]:
    """The number of the newest version of ``Resolution`` (correlated with the enclosing select)."""
    later = aliased(ResolutionVersion)
    return (
        sa.select(sa.func.max(later.version_no))
        .where(later.resolution_id == Resolution.id)
        .correlate(Resolution)
        .scalar_subquery()
    )

@dataclass(frozen=True, slots=True)
class ResolutionRecord:
    """A resolution with its newest version, as the chat shows it (a card, a notification)."""

    id: int
    tracking_code: str
    council_name: str
    board_code: str
    council_number: str
    session_number: str
    approval_date: dt.date
    status: Status
    cycle: int
    late: bool
    submitted_at: dt.datetime
    review_deadline: dt.datetime | None
    title: str
    text: str
    category: Category
    votes: Votes
    attachments: Sequence[AttachmentFile]
    council_code: str = ""
    version_no: int = 1
    status_at: dt.datetime | None = None
    reconsideration_deadline: dt.datetime | None = None
    escalation_deadline: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ResolutionLine:
    """One line of a list of resolutions."""

    id: int
    tracking_code: str
    council_number: str
    title: str
    status: Status
    submitted_at: dt.datetime
    late: bool
    #: The council's name (lists that span several councils show it).
    council_name: str = ""


class ResolutionStore(RepositoryPart):
    """Resolutions over the repository's session (see :class:`council.submitting.SubmissionStore`)."""


    # --- the submit use case's store

    async def submitted_with_key(self, submission_key: str) -> Submitted | None:
        resolution = await self.session.scalar(
            sa.select(Resolution).where(Resolution.submission_key == submission_key)
        )
        if resolution is None:
            return None
        deadline = resolution.review_deadline
        assert deadline is not None, "a submitted resolution has its review deadline"
        return Submitted(
            resolution_id=resolution.id,
            tracking_code=resolution.tracking_code,
            review_deadline=deadline,
            late=resolution.late,
            submitted_at=resolution.submitted_at,
            created=False,
        )

    async def tracking_code_of_number(self, council_id: int, year: int, council_number: str) -> str | None:
        result: str | None = await self.session.scalar(
            sa.select(Resolution.tracking_code).where(
                Resolution.council_id == council_id,
                Resolution.jalali_year == year,
                Resolution.council_number == council_number,
            )
        )
        return result

    async def tracking_code_exists(self, tracking_code: str) -> bool:
        found = await self.session.scalar(
            sa.select(Resolution.id).where(Resolution.tracking_code == tracking_code)
        )
        return found is not None


    async def add_resolution(self, resolution: NewResolution) -> int:
        row = Resolution(
            tracking_code=resolution.tracking_code,
            submission_key=resolution.submission_key,
            council_id=resolution.council_id,
            council_number=resolution.council_number,
            jalali_year=resolution.jalali_year,
            session_number=str(resolution.session_number),
            approval_date=resolution.approval_date,
            status=resolution.status.value,
            cycle=resolution.cycle,
            submitted_by_id=resolution.submitted_by_id,
            submitted_at=resolution.submitted_at,
            late=resolution.late,
            status_at=resolution.submitted_at,
            review_deadline=resolution.review_deadline,
        )
        self.session.add(row)
        await self.session.flush()
        await self.add_version_row(
            row.id,
            1,
            title=resolution.title,
            text=resolution.text,
            category=resolution.category,
            votes=resolution.votes,
            attachments=resolution.attachments,
            at=resolution.submitted_at,
            submitted_at=resolution.submitted_at,
        )
        return row.id

    async def add_version_row(
        self,
        resolution_id: int,
        version_no: int,
        *,
        title: str,
        text: str,
        category: Category,
        votes: Votes,
        attachments: Sequence[AttachmentFile],
        at: dt.datetime,
        submitted_at: dt.datetime,
    ) -> ResolutionVersion:
        """Write one version of a resolution (written ``at``) and its attachments; ``submitted_at`` is
        the resolution's submission, kept with its search words."""
        version = ResolutionVersion(
            resolution_id=resolution_id,
            version_no=version_no,
            title=title,
            text=text,
            category=category.value,
            votes_for=votes.for_,
            votes_against=votes.against,
            votes_abstain=votes.abstain,
            created_at=at,
        )
        self.session.add(version)
        await self.session.flush()
        # The newest version is the one searched: its words replace the resolution's, in this transaction.
        await replace_words(self.session, resolution_id, submitted_at, title, text)
        for file in attachments:
            self.session.add(
                Attachment(
                    version_id=version.id,
                    kind=file.media,
                    file_id=file.file_id,
                    file_unique_id=file.file_unique_id,
                    file_name=file.file_name,
                    mime_type=file.mime_type,
                    size=file.size,
                    local_path=file.local_path,
                )
            )
        await self.session.flush()
        return version


    # --- what the chat shows

    async def council(self, code: str) -> CouncilInfo | None:
        """The council with ``code``, with its board and province codes."""
        return await self._council_where(Council.code == code.strip().upper())

    async def council_with_id(self, council_id: int) -> CouncilInfo | None:
        """The council with the id ``council_id`` (a button names a council so), like :meth:`council`."""
        return await self._council_where(Council.id == council_id)

    async def _council_where(self, condition: sa.ColumnElement[bool]) -> CouncilInfo | None:
        row = (
            await self.session.execute(
                sa.select(Council, Board.code, Province.code)
                .join(Board, Board.id == Council.board_id)
                .join(County, County.id == Council.county_id)
                .join(Province, Province.id == County.province_id)
                .where(condition)
            )
        ).first()
        if row is None:
            return None
        council, board_code, province_code = row
        return CouncilInfo(
            id=council.id,
            code=council.code,
            name=council.name,
            members=council.members,
            board_code=board_code,
            province_code=province_code,
        )

    async def record(self, resolution_id: int) -> ResolutionRecord | None:
        """The resolution with its newest version and that version's attachments."""
        row = (
            await self.session.execute(
                sa.select(Resolution, Council.name, Council.code, Board.code)
                .join(Council, Council.id == Resolution.council_id)
                .join(Board, Board.id == Council.board_id)
                .where(Resolution.id == resolution_id)
                .execution_options(populate_existing=True)
            )
        ).first()
        if row is None:
            return None
        resolution, council_name, council_code, board_code = row
        version = await self.session.scalar(
            sa.select(ResolutionVersion)
            .where(ResolutionVersion.resolution_id == resolution_id)
            .order_by(ResolutionVersion.version_no.desc())
            .limit(1)
        )
        assert version is not None, "a resolution has at least one version"
        attachments = await self.session.scalars(
            sa.select(Attachment).where(Attachment.version_id == version.id).order_by(Attachment.id)
        )
        return ResolutionRecord(
            id=resolution.id,
            tracking_code=resolution.tracking_code,
            council_name=council_name,
            board_code=board_code,
            council_number=resolution.council_number,
            session_number=resolution.session_number,
            approval_date=resolution.approval_date,
            status=Status(resolution.status),
            cycle=resolution.cycle,
            late=resolution.late,
            submitted_at=resolution.submitted_at,
            review_deadline=resolution.review_deadline,
            title=version.title,
            text=version.text,
            category=Category(version.category),
            votes=Votes(version.votes_for, version.votes_against, version.votes_abstain),
            attachments=[
                AttachmentFile(
                    media=a.kind,
                    file_id=a.file_id,
                    file_unique_id=a.file_unique_id,
                    file_name=a.file_name,
                    mime_type=a.mime_type,
                    size=a.size,
                    local_path=a.local_path,
                )
                for a in attachments
            ],
            council_code=council_code,
            version_no=version.version_no,
            status_at=resolution.status_at,
            reconsideration_deadline=resolution.reconsideration_deadline,
            escalation_deadline=resolution.escalation_deadline,
        )

    async def of_council(self, council_id: int, offset: int, limit: int) -> tuple[list[ResolutionLine], int]:
        """A page of the council's resolutions, newest first, and how many there are in all."""
        return await self.of_councils([council_id], offset, limit)

    async def of_councils(
        self, council_ids: Sequence[int], offset: int, limit: int
    ) -> tuple[list[ResolutionLine], int]:
        """A page of the resolutions of all these councils together (a secretary may keep the books of
        several), newest first, each naming its council, and how many there are in all."""
        ids = list(council_ids)
        total = await self.session.scalar(
            sa.select(sa.func.count()).select_from(Resolution).where(Resolution.council_id.in_(ids))
        )
        newest_version = newest_version_no()
        rows = await self.session.execute(
            sa.select(Resolution, ResolutionVersion.title, Council.name)
            .join(ResolutionVersion, ResolutionVersion.resolution_id == Resolution.id)
            .join(Council, Council.id == Resolution.council_id)
            .where(Resolution.council_id.in_(ids), ResolutionVersion.version_no == newest_version)
            .order_by(Resolution.submitted_at.desc(), Resolution.id.desc())
            .offset(offset)
            .limit(limit)
        )
        lines = [
            ResolutionLine(
                id=r.id,
                tracking_code=r.tracking_code,
                council_number=r.council_number,
                title=title,
                status=Status(r.status),
                submitted_at=r.submitted_at,
                late=r.late,
                council_name=council_name,
            )
            for r, title, council_name in rows
        ]
        return lines, int(total or 0)

    async def board_audience(self, board_code: str) -> list[Person]:
        """Everyone a new resolution of the board goes to: members, experts, the board secretary; each
        person once, however many of these roles they hold."""
        result = await self.session.scalars(
            sa.select(Person)
            .where(
                Person.id.in_(
                    sa.select(RoleBinding.person_id).where(
                        RoleBinding.scope_code == board_code,
                        RoleBinding.role.in_([role.value for role in BOARD_AUDIENCE]),
                    )
                )
            )
            .order_by(Person.id)
        )
        return list(result)
