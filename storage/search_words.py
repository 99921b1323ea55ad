"""The free-text search index kept in step with the resolutions: ``resolution_words`` holds the words
(:func:`council.search.index_words`) of each resolution's latest title and text, each with the resolution's
submission instant (the order the search lists in, ``storage.lists``).

:func:`replace_words` runs whenever a version is written (submission and amendment both go through
``ResolutionStore.add_version_row``), inside the caller's transaction. Bulk loaders (benchmarks,
migrations) build the same rows with :func:`word_rows`.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from council.search import index_words

from .models import ResolutionWord


def word_rows(
    resolution_id: int, submitted_at: dt.datetime, title: str, text: str
) -> list[dict[str, object]]:
    """The ``resolution_words`` rows of a resolution submitted at ``submitted_at`` whose latest version
    has ``title`` and ``text``."""
    return [
        {"word": word, "submitted_at": submitted_at, "resolution_id": resolution_id}
        for word in index_words(title, text)
    ]


async def replace_words(
    session: AsyncSession, resolution_id: int, submitted_at: dt.datetime, title: str, text: str
) -> None:
    """Make the resolution's indexed words those of ``title`` and ``text`` (flushes, never commits).

    ``submitted_at`` is the resolution's submission instant — not the version's: an amendment keeps the
    resolution where it stands in the newest-first order."""
    await session.execute(
        sa.delete(ResolutionWord)
        .where(ResolutionWord.resolution_id == resolution_id)
        .execution_options(synchronize_session=False)
    )
    rows = word_rows(resolution_id, submitted_at, title, text)
    if rows:
        await session.execute(sa.insert(ResolutionWord), rows)
