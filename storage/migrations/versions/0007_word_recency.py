"""Free-text search newest first: each ``resolution_words`` row carries its resolution's submission instant,
and the primary key becomes ``(word, submitted_at, resolution_id)`` so that a word's resolutions of a period
are one range of it (``storage.lists`` walks periods newest first); ``(resolution_id, word)`` becomes unique.

The table is rebuilt rather than altered in place: a new one is filled from the old joined to
``resolutions`` (on SQLite in the new key's order, so that its index is appended to rather than split),
the old one dropped, the new one renamed; PostgreSQL gets its keys after the fill, which builds each index
by one sort.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from council.search import WORD_MAX

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "resolution_words"
NEW = "resolution_words_new"


def _word_type() -> sa.types.TypeEngine[str]:
    return sa.String(length=WORD_MAX).with_variant(sa.String(length=WORD_MAX, collation="C"), "postgresql")


def _rebuild(with_time: bool) -> None:
    """Replace ``resolution_words`` by a table with (``with_time``) or without the submission instant."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    key = ["word", "submitted_at", "resolution_id"] if with_time else ["word", "resolution_id"]
    columns: list[sa.Column[Any]] = [sa.Column("word", _word_type(), nullable=False)]
    if with_time:
        columns.append(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False))
    columns.append(sa.Column("resolution_id", sa.Integer(), nullable=False))
    pk_name = op.f("pk_resolution_words")
    fk_name = op.f("fk_resolution_words_resolution_id_resolutions")
    constraints: list[sa.schema.SchemaItem] = []
    if not postgresql:
        # SQLite cannot add keys to a table afterwards; its constraint names are not global, so the new
        # table can carry the final ones while the old one still exists.
        constraints = [
            sa.ForeignKeyConstraint(["resolution_id"], ["resolutions.id"], name=fk_name),
            sa.PrimaryKeyConstraint(*key, name=pk_name),
        ]
    op.create_table(NEW, *columns, *constraints)
    if with_time:
        order = " ORDER BY w.word, r.submitted_at, w.resolution_id" if not postgresql else ""
        op.execute(
            f"INSERT INTO {NEW} (word, submitted_at, resolution_id)"
            f" SELECT w.word, r.submitted_at, w.resolution_id FROM {TABLE} w"
            f" JOIN resolutions r ON r.id = w.resolution_id{order}"
        )
    else:
        order = " ORDER BY word, resolution_id" if not postgresql else ""
        op.execute(f"INSERT INTO {NEW} (word, resolution_id) SELECT word, resolution_id FROM {TABLE}{order}")
    op.drop_index(op.f("ix_resolution_words_resolution_id_word"), table_name=TABLE)
    op.drop_table(TABLE)
    op.rename_table(NEW, TABLE)
    if postgresql:
        op.create_primary_key(pk_name, TABLE, key)
        op.create_foreign_key(fk_name, TABLE, "resolutions", ["resolution_id"], ["id"])
    op.create_index(
        op.f("ix_resolution_words_resolution_id_word"), TABLE, ["resolution_id", "word"], unique=with_time
    )
    if postgresql:
        # As migration 0006 set it (the statistics target belongs to the column, which is new here).
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN word SET STATISTICS 1000")
    # The old table's statistics went with it.
    op.execute(f"ANALYZE {TABLE}")


def upgrade() -> None:
    _rebuild(with_time=True)


def downgrade() -> None:
    _rebuild(with_time=False)
