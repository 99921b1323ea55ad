"""The submit use case (DESIGN §2 rule 1–2, §4): a finished form becomes a resolution under review.

Written against :class:`SubmissionStore`, a small storage interface that ``storage`` implements; nothing
here knows the database or the chat. Submitting is idempotent by the form's ``submission_key``: sending the
same form twice gives the one resolution made the first time.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from council.calendar import WorkingCalendar
from council.deadlines import review_deadline
from council.jalali import jalali_year
from council.review import RecordKeeping
from council.rules import StatutoryRules
from council.status import Status
from council.submission import Category, Votes, generate_tracking_code, validate_approval_date

#: Kind of the event that records a submission.
SUBMITTED_EVENT = "submitted"

#: How many fresh tracking codes to draw before giving up (a collision is about one draw in nine at
#: a million resolutions; ten in a row means something else is wrong).
TRACKING_CODE_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class CouncilInfo:
    """What the use case needs to know about the submitting council."""

    id: int
    code: str
    name: str
    members: int
    board_code: str
    province_code: str


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """A file kept with a resolution: the platform's ids and, when downloaded, a local copy.

    ``media`` is how the platform holds it (``photo`` or ``document``), which decides how it is sent on.
    """

    media: str
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    local_path: str | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A complete, validated submission form."""

    submission_key: str
    council_number: str
    session_number: int
    approval_date: dt.date
    title: str
    text: str
    category: Category
    votes: Votes
    attachments: Sequence[AttachmentFile] = ()


@dataclass(frozen=True, slots=True)
class NewResolution:
    """Everything the store writes for a new resolution: the row, its first version, its attachments."""

    tracking_code: str
    submission_key: str
    council_id: int
    council_number: str
    jalali_year: int
    session_number: int
    approval_date: dt.date
    status: Status
    cycle: int
    submitted_by_id: int
    submitted_at: dt.datetime
    late: bool
    title: str
    text: str
    category: Category
    votes: Votes
    attachments: Sequence[AttachmentFile]
    review_deadline: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Submitted:
    """The outcome of a submission; ``created`` is False when the form had been submitted before."""

    resolution_id: int
    tracking_code: str
    review_deadline: dt.datetime
    late: bool
    submitted_at: dt.datetime
    created: bool


class DuplicateCouncilNumber(Exception):
    """The council already submitted a resolution with this number in this Jalali year."""

    def __init__(self, council_number: str, year: int, tracking_code: str) -> None:
        super().__init__(f"number {council_number} of {year} is resolution {tracking_code}")
        self.council_number = council_number
        self.year = year
        self.tracking_code = tracking_code


class SubmissionStore(RecordKeeping, Protocol):
    """The storage the submit use case needs."""

    async def submitted_with_key(self, submission_key: str) -> Submitted | None:
        """The resolution an earlier submission of this form made, if any (``created`` False)."""
        ...

    async def tracking_code_of_number(self, council_id: int, year: int, council_number: str) -> str | None:
        """The tracking code of the council's resolution with this number in Jalali ``year``, if any."""
        ...

    async def tracking_code_exists(self, tracking_code: str) -> bool:
        """Whether any resolution has this tracking code."""
        ...


    async def add_resolution(self, resolution: NewResolution) -> int:
        """Write the resolution, its first version and its attachments; return its id."""
        ...



async def check_council_number(
    store: SubmissionStore, council_id: int, council_number: str, year: int
) -> None:
    """Raise :class:`DuplicateCouncilNumber` when the council used ``council_number`` in Jalali ``year``."""
    existing = await store.tracking_code_of_number(council_id, year, council_number)
    if existing is not None:
        raise DuplicateCouncilNumber(council_number, year, existing)


async def new_tracking_code(store: SubmissionStore, rng: random.Random | None = None) -> str:
    """A tracking code no resolution has yet, drawing again on a collision."""
    for _ in range(TRACKING_CODE_ATTEMPTS):
        code = generate_tracking_code(rng)
        if not await store.tracking_code_exists(code):
            return code
    raise RuntimeError(f"no free tracking code after {TRACKING_CODE_ATTEMPTS} draws")


async def submit_resolution(
    store: SubmissionStore,
    draft: Draft,
    council: CouncilInfo,
    *,
    actor_id: int,
    now: dt.datetime,
    rules: StatutoryRules,
    rng: random.Random | None = None,
) -> Submitted:
    """Submit ``draft`` for ``council`` at ``now``: a resolution under review, cycle 1, with its deadline.

    Idempotent: a draft whose ``submission_key`` was submitted before returns that resolution
    (``created=False``) and writes nothing. Otherwise the approval date is checked again at ``now``
    (a form resumed days later may have become late, or be refused under ``late_submission = refuse``:
    :class:`~council.submission.SubmissionError`), the council's number must be free in the date's
    Jalali year (:class:`DuplicateCouncilNumber`), the review deadline is counted from ``now`` on the
    working calendar of the rules and the council's province closures, and a ``submitted`` event is
    appended.
    """
    earlier = await store.submitted_with_key(draft.submission_key)
    if earlier is not None:
        return earlier
    approval = validate_approval_date(draft.approval_date, now, rules)
    year = jalali_year(draft.approval_date)
    await check_council_number(store, council.id, draft.council_number, year)
    calendar = WorkingCalendar.from_rules(rules, await store.closures(council.province_code))
    deadline = review_deadline(now, rules, calendar)
    tracking_code = await new_tracking_code(store, rng)
    resolution_id = await store.add_resolution(
        NewResolution(
            tracking_code=tracking_code,
            submission_key=draft.submission_key,
            council_id=council.id,
            council_number=draft.council_number,
            jalali_year=year,
            session_number=draft.session_number,
            approval_date=draft.approval_date,
            status=Status.UNDER_REVIEW,
            cycle=1,
            submitted_by_id=actor_id,
            submitted_at=now,
            late=approval.late,
            title=draft.title,
            text=draft.text,
            category=draft.category,
            votes=draft.votes,
            attachments=tuple(draft.attachments),
            review_deadline=deadline,
        )
    )
    await store.append_event(
        SUBMITTED_EVENT,
        actor_id,
        {
            "tracking_code": tracking_code,
            "council": council.code,
            "council_number": draft.council_number,
            "cycle": 1,
            "version": 1,
            "status": Status.UNDER_REVIEW.value,
            "late": approval.late,
            "approval_date": draft.approval_date.isoformat(),
            "review_deadline": deadline.isoformat(),
            "attachments": len(draft.attachments),
        },
        resolution_id,
        at=now,
    )
    return Submitted(
        resolution_id=resolution_id,
        tracking_code=tracking_code,
        review_deadline=deadline,
        late=approval.late,
        submitted_at=now,
        created=True,
    )
