"""The free-text search index kept in step with the resolutions: ``resolution_words`` holds the words
(:func:`council.search.index_words`) of each resolution's latest title and text, each with the resolution's
submission instant (the order the search lists in, ``storage.lists``) and the province of its council (a
province is searched over its own entries; ``storage.orgfile`` moves them with a council that changes
province).

:func:`replace_words` runs whenever a version is written (submission and amendment both go through
``ResolutionStore.add_version_row``), inside the caller's transaction. Bulk loaders (benchmarks,
migrations) build the same rows with :func:`word_rows`, each with its council's province.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from council.search import index_words

from .models import Council, County, Resolution, ResolutionWord


def word_rows(
    resolution_id: int, submitted_at: dt.datetime, title: str, text: str
) -> list[dict[str, object]]:
    """The ``resolution_words`` rows of a resolution submitted at ``submitted_at`` whose latest version
    has ``title`` and ``text``."""
    return [
        {"word": word, "submitted_at": submitted_at, "resolution_id": resolution_id}
        for word in index_words(title, text)
    ]


def province_of(resolution_id: int) -> sa.ScalarSelect[int]:
    """The province of the resolution's council, as a subquery."""
    return (
        sa.select(County.province_id)
        .join(Council, Council.county_id == County.id)
        .join(Resolution, Resolution.council_id == Council.id)
        .where(Resolution.id == resolution_id)
        .scalar_subquery()
    )


async def replace_words(
    session: AsyncSession, resolution_id: int, submitted_at: dt.datetime, title: str, text: str
) -> None:
    """Make the resolution's indexed words those of ``title`` and ``text`` (flushes, never commits).

    ``submitted_at`` is the resolution's submission instant — not the version's: an amendment keeps the
    resolution where it stands in the newest-first order. Each row's province is read from the resolution's
    council in the same statement."""
    await session.execute(
        sa.delete(ResolutionWord)
        .where(ResolutionWord.resolution_id == resolution_id)
        .execution_options(synchronize_session=False)
    )
    rows = word_rows(resolution_id, submitted_at, title, text)
    if rows:
        # A Core insert of many rows (an ORM bulk insert takes no SQL expression for a column).
        table = cast(sa.Table, ResolutionWord.__table__)
        await session.execute(sa.insert(table).values(province_id=province_of(resolution_id)), rows)
