"""Free-text search (issue 6 ``/find``): the ``resolution_words`` index of each resolution's latest title and
text, filled here for the resolutions already stored; indexes for lists by submission time and for events of
a kind in a period.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from council.search import WORD_MAX, index_words

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: Resolutions read and indexed per round trip while filling the table.
BATCH = 2000


def _word_type() -> sa.types.TypeEngine[str]:
    return sa.String(length=WORD_MAX).with_variant(sa.String(length=WORD_MAX, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "resolution_words",
        sa.Column("word", _word_type(), nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resolution_id"], ["resolutions.id"], name=op.f("fk_resolution_words_resolution_id_resolutions")
        ),
        sa.PrimaryKeyConstraint("word", "resolution_id", name=op.f("pk_resolution_words")),
    )
    op.create_index(
        op.f("ix_resolution_words_resolution_id_word"), "resolution_words", ["resolution_id", "word"]
    )
    op.create_index(
        op.f("ix_resolutions_submitted_at_council_id"), "resolutions", ["submitted_at", "council_id"]
    )
    op.create_index(op.f("ix_events_kind_at"), "events", ["kind", "at"])
    if op.get_bind().dialect.name == "postgresql":
        # A word range (``word >= 'پارک' AND word < 'پارڪ'``) is estimated from the column's statistics:
        # with the default target (100) a word outside the most common ones is guessed at 1 row however
        # many it has, and the search's plans go badly wrong (docs/PERFORMANCE.md). ANALYZE (autovacuum)
        # reads it from here on.
        op.execute("ALTER TABLE resolution_words ALTER COLUMN word SET STATISTICS 1000")
    _fill_words()


def _fill_words() -> None:
    """Index the latest version of every stored resolution, a batch of resolution ids at a time."""
    connection = op.get_bind()
    versions = sa.table(
        "resolution_versions",
        sa.column("resolution_id", sa.Integer()),
        sa.column("version_no", sa.Integer()),
        sa.column("title", sa.String()),
        sa.column("text", sa.Text()),
    )
    words = sa.table(
        "resolution_words", sa.column("word", sa.String()), sa.column("resolution_id", sa.Integer())
    )
    later = versions.alias("later")
    newest = (
        sa.select(sa.func.max(later.c.version_no))
        .where(later.c.resolution_id == versions.c.resolution_id)
        .scalar_subquery()
    )
    after = 0
    while True:
        ids = [
            rid
            for (rid,) in connection.execute(
                sa.select(versions.c.resolution_id)
                .distinct()
                .where(versions.c.resolution_id > after)
                .order_by(versions.c.resolution_id)
                .limit(BATCH)
            )
        ]
        if not ids:
            return
        rows = connection.execute(
            sa.select(versions.c.resolution_id, versions.c.title, versions.c.text).where(
                versions.c.resolution_id >= ids[0],
                versions.c.resolution_id <= ids[-1],
                versions.c.version_no == newest,
            )
        )
        values = [
            {"word": word, "resolution_id": rid}
            for rid, title, text in rows
            for word in index_words(title, text)
        ]
        if values:
            connection.execute(words.insert(), values)
        after = ids[-1]


def downgrade() -> None:
    op.drop_index(op.f("ix_events_kind_at"), table_name="events")
    op.drop_index(op.f("ix_resolutions_submitted_at_council_id"), table_name="resolutions")
    op.drop_index(op.f("ix_resolution_words_resolution_id_word"), table_name="resolution_words")
    op.drop_table("resolution_words")
