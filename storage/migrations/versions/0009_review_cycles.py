"""The performance report's facts per review cycle (``review_cycles``): each cycle's review deadline, ruling
(its instant, whether it was an objection and the objection's reconsideration deadline) and the council's
answer, so that ``/report`` groups plain columns instead of reading every event's JSON payload
(``storage.reports``; kept in step with each event by ``storage.review_cycles``).

The table is filled from the event log by one ``INSERT … SELECT … GROUP BY`` with the rule the report's
statement applied until now: events ``submitted`` / ``ruled`` / ``amended`` / ``revoked`` / ``insisted`` with
a ``cycle`` in their payload; the latest deadline and ruling of a cycle, its first answer; payload instants
(ISO 8601 with an offset) turned into the stored form. On SQLite the table keeps its rows in key order
(``WITHOUT ROWID``) and is filled in that order.

The index of votes by ``(resolution_id, cycle)`` becomes ``(resolution_id, cycle, member_id, cast_at)``: the
report finds each member's first vote of a cycle in the index alone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLE = "review_cycles"
OLD_VOTES_INDEX = "ix_votes_resolution_id_cycle"
VOTES_INDEX = "ix_votes_resolution_id_cycle_member_id_cast_at"


def _sqlite_instant(text: str) -> str:
    """SQLite: the payload's ISO 8601 instant as stored (``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC): whole seconds
    with the offset applied (fractions left out before SQLite rounds them to milliseconds), then the
    microseconds as written."""
    return (
        f"strftime('%Y-%m-%d %H:%M:%S', substr({text}, 1, 19) || substr({text}, -6)) || '.' ||"
        f" CASE WHEN substr({text}, 20, 1) = '.' THEN substr({text}, 21, 6) ELSE '000000' END"
    )


def _fill(postgresql: bool) -> None:
    if postgresql:

        def field(key: str) -> str:
            return f"(payload ->> '{key}')"

        def integer(key: str) -> str:
            return f"CAST({field(key)} AS INTEGER)"

        def instant(key: str) -> str:
            return f"CAST({field(key)} AS TIMESTAMP WITH TIME ZONE)"

        true, false, any_conflict, order = "true", "false", "bool_or(conflict)", ""
    else:

        def field(key: str) -> str:
            return f"CAST(json_extract(payload, '$.\"{key}\"') AS VARCHAR)"

        def integer(key: str) -> str:
            return f"CAST(json_extract(payload, '$.\"{key}\"') AS INTEGER)"

        def instant(key: str) -> str:
            return _sqlite_instant(field(key))

        true, false, any_conflict, order = "1", "0", "max(conflict)", " ORDER BY rid, cycle"
    conflict = f"kind = 'ruled' AND {field('choice')} = 'conflict'"
    op.execute(
        f"INSERT INTO {TABLE} (resolution_id, cycle, review_deadline, ruled_at, conflict,"
        " reconsideration_deadline, answered_at)"
        f" SELECT rid, cycle, max(deadline), max(ruled_at), {any_conflict}, max(recon), min(answered_at)"
        " FROM ("
        f" SELECT resolution_id AS rid, {integer('cycle')} AS cycle,"
        f" CASE WHEN kind = 'submitted' THEN {instant('review_deadline')} END AS deadline,"
        " CASE WHEN kind = 'ruled' THEN at END AS ruled_at,"
        f" CASE WHEN {conflict} THEN {true} ELSE {false} END AS conflict,"
        f" CASE WHEN {conflict} THEN {instant('reconsideration_deadline')} END AS recon,"
        " CASE WHEN kind IN ('amended', 'revoked', 'insisted') THEN at END AS answered_at"
        " FROM events WHERE kind IN ('submitted', 'ruled', 'amended', 'revoked', 'insisted')"
        " AND resolution_id IS NOT NULL"
        " UNION ALL"
        f" SELECT resolution_id, {integer('new_cycle')}, {instant('review_deadline')},"
        f" NULL, {false}, NULL, NULL FROM events"
        f" WHERE kind = 'amended' AND resolution_id IS NOT NULL AND {integer('cycle')} IS NOT NULL"
        f") AS facts WHERE cycle IS NOT NULL GROUP BY rid, cycle{order}"
    )


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        op.execute("SET LOCAL work_mem = '64MB'")
    op.create_table(
        TABLE,
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("review_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ruled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conflict", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reconsideration_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resolution_id"], ["resolutions.id"], name=op.f("fk_review_cycles_resolution_id_resolutions")
        ),
        sa.PrimaryKeyConstraint("resolution_id", "cycle", name=op.f("pk_review_cycles")),
        sqlite_with_rowid=False,
    )
    _fill(postgresql)
    op.execute(f"ANALYZE {TABLE}")
    # The votes of a cycle, each member's together in the order cast (it serves what the old index did).
    op.create_index(op.f(VOTES_INDEX), "votes", ["resolution_id", "cycle", "member_id", "cast_at"])
    op.drop_index(op.f(OLD_VOTES_INDEX), table_name="votes")


def downgrade() -> None:
    op.create_index(op.f(OLD_VOTES_INDEX), "votes", ["resolution_id", "cycle"])
    op.drop_index(op.f(VOTES_INDEX), table_name="votes")
    op.drop_table(TABLE)
