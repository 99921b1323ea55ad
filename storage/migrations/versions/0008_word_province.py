"""Free-text search within a province as within the nation: each ``resolution_words`` row carries the province
of its resolution's council (resolutions → councils → counties → provinces), with an index ``(province_id,
word, submitted_at, resolution_id)`` so that a province's entries of a word in a period are one range of it
(``storage.lists`` walks a province's periods as it walks the nation's).

The table is rebuilt as migration 0007 rebuilt it (a new table filled from the old one, the old one dropped,
the new one renamed): SQLite cannot add a column that is both NOT NULL and a foreign key, and an UPDATE of
every row would rewrite the table anyway. On SQLite each resolution's province is first put in a temporary
table keyed by the resolution (a million short rows, where a join to ``resolutions`` reads their wide rows
at random), and the new table is filled in its primary key's order; PostgreSQL joins the tables with hashes
and gets its keys and indexes after the fill, each built by one sort.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from council.search import WORD_MAX

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "resolution_words"
NEW = "resolution_words_new"
KEY = ["word", "submitted_at", "resolution_id"]
BY_PROVINCE = ["province_id", "word", "submitted_at", "resolution_id"]


def _word_type() -> sa.types.TypeEngine[str]:
    return sa.String(length=WORD_MAX).with_variant(sa.String(length=WORD_MAX, collation="C"), "postgresql")


def _rebuild(with_province: bool) -> None:
    """Replace ``resolution_words`` by a table with (``with_province``) or without each row's province."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    columns: list[sa.Column[Any]] = [
        sa.Column("word", _word_type(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
    ]
    if with_province:
        columns.append(sa.Column("province_id", sa.Integer(), nullable=False))
    pk_name = op.f("pk_resolution_words")
    fk_resolution = op.f("fk_resolution_words_resolution_id_resolutions")
    fk_province = op.f("fk_resolution_words_province_id_provinces")
    constraints: list[sa.schema.SchemaItem] = []
    if not postgresql:
        # SQLite cannot add keys to a table afterwards; its constraint names are not global, so the new
        # table can carry the final ones while the old one still exists.
        constraints = [
            sa.ForeignKeyConstraint(["resolution_id"], ["resolutions.id"], name=fk_resolution),
            sa.PrimaryKeyConstraint(*KEY, name=pk_name),
        ]
        if with_province:
            constraints.insert(
                1, sa.ForeignKeyConstraint(["province_id"], ["provinces.id"], name=fk_province)
            )
    if postgresql:
        # Each key and index is built by one sort: in memory rather than in many runs on disk.
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.create_table(NEW, *columns, *constraints)
    order = "" if postgresql else " ORDER BY w.word, w.submitted_at, w.resolution_id"
    if with_province and postgresql:
        op.execute(
            f"INSERT INTO {NEW} (word, submitted_at, resolution_id, province_id)"
            f" SELECT w.word, w.submitted_at, w.resolution_id, k.province_id FROM {TABLE} w"
            " JOIN resolutions r ON r.id = w.resolution_id JOIN councils c ON c.id = r.council_id"
            " JOIN counties k ON k.id = c.county_id"
        )
    elif with_province:
        op.execute(
            "CREATE TEMPORARY TABLE resolution_provinces"
            " (resolution_id INTEGER PRIMARY KEY, province_id INTEGER NOT NULL)"
        )
        op.execute(
            "INSERT INTO resolution_provinces (resolution_id, province_id)"
            " SELECT r.id, k.province_id FROM resolutions r JOIN councils c ON c.id = r.council_id"
            " JOIN counties k ON k.id = c.county_id ORDER BY r.id"
        )
        op.execute(
            f"INSERT INTO {NEW} (word, submitted_at, resolution_id, province_id)"
            f" SELECT w.word, w.submitted_at, w.resolution_id, p.province_id FROM {TABLE} w"
            f" JOIN resolution_provinces p ON p.resolution_id = w.resolution_id{order}"
        )
        op.execute("DROP TABLE resolution_provinces")
    else:
        op.execute(
            f"INSERT INTO {NEW} (word, submitted_at, resolution_id)"
            f" SELECT w.word, w.submitted_at, w.resolution_id FROM {TABLE} w{order}"
        )
    op.drop_index(op.f("ix_resolution_words_resolution_id_word"), table_name=TABLE)
    if not with_province:
        op.drop_index(
            op.f("ix_resolution_words_province_id_word_submitted_at_resolution_id"), table_name=TABLE
        )
    op.drop_table(TABLE)
    op.rename_table(NEW, TABLE)
    if postgresql:
        op.create_primary_key(pk_name, TABLE, KEY)
        op.create_foreign_key(fk_resolution, TABLE, "resolutions", ["resolution_id"], ["id"])
        if with_province:
            op.create_foreign_key(fk_province, TABLE, "provinces", ["province_id"], ["id"])
    op.create_index(
        op.f("ix_resolution_words_resolution_id_word"), TABLE, ["resolution_id", "word"], unique=True
    )
    if with_province:
        op.create_index(
            op.f("ix_resolution_words_province_id_word_submitted_at_resolution_id"), TABLE, BY_PROVINCE
        )
    if postgresql:
        # As migration 0006 set it (the statistics target belongs to the column, which is new here).
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN word SET STATISTICS 1000")
    # The old table's statistics went with it.
    op.execute(f"ANALYZE {TABLE}")


def upgrade() -> None:
    _rebuild(with_province=True)


def downgrade() -> None:
    _rebuild(with_province=False)
