"""The free-text search index kept in step with the resolutions: ``resolution_words`` holds the words
(:func:`council.search.index_words`) of each resolution's latest title and text.

:func:`replace_words` runs whenever a version is written (submission and amendment both go through
``ResolutionStore.add_version_row``), inside the caller's transaction. Bulk loaders (benchmarks,
migrations) build the same rows with :func:`word_rows`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from council.search import index_words

from .models import ResolutionWord


def word_rows(resolution_id: int, title: str, text: str) -> list[dict[str, object]]:
    """The ``resolution_words`` rows of a resolution whose latest version has ``title`` and ``text``."""
    return [{"word": word, "resolution_id": resolution_id} for word in index_words(title, text)]


async def replace_words(session: AsyncSession, resolution_id: int, title: str, text: str) -> None:
    """Make the resolution's indexed words those of ``title`` and ``text`` (flushes, never commits)."""
    await session.execute(
        sa.delete(ResolutionWord)
        .where(ResolutionWord.resolution_id == resolution_id)
        .execution_options(synchronize_session=False)
    )
    rows = word_rows(resolution_id, title, text)
    if rows:
        await session.execute(sa.insert(ResolutionWord), rows)
