"""Reminders as rows (DESIGN §5): the ``reminders`` table, and the flag that asks the sweep to re-plan a
resolution's reminders (set on every open resolution, so the first sweep plans them); people
remember whether someone was told they blocked the bot.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("unreachable_told", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("resolutions") as batch:
        batch.add_column(
            sa.Column("replan_reminders", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    # Only open resolutions have reminders to plan; a national database has a million closed ones.
    resolutions = sa.table(
        "resolutions", sa.column("status", sa.String()), sa.column("replan_reminders", sa.Boolean())
    )
    op.execute(
        sa.update(resolutions)
        .where(resolutions.c.status.not_in(["under_review", "objected"]))
        .values(replan_reminders=False)
    )
    op.create_index(op.f("ix_resolutions_replan_reminders"), "resolutions", ["replan_reminders"])
    op.create_table(
        "reminders",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("offset_label", sa.String(length=16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("planned_at", _instant(), nullable=False),
        sa.Column("due_at", _instant(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", _instant(), nullable=True),
        sa.Column("sent_at", _instant(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["people.id"], name=op.f("fk_reminders_recipient_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["resolution_id"], ["resolutions.id"], name=op.f("fk_reminders_resolution_id_resolutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "resolution_id",
            "cycle",
            "recipient_id",
            "kind",
            "offset_label",
            name=op.f("uq_reminders_resolution_id_cycle_recipient_id_kind_offset_label"),
        ),
    )
    op.create_index(op.f("ix_reminders_state_due_at"), "reminders", ["state", "due_at"])
    op.create_index(op.f("ix_reminders_recipient_id"), "reminders", ["recipient_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reminders_recipient_id"), table_name="reminders")
    op.drop_index(op.f("ix_reminders_state_due_at"), table_name="reminders")
    op.drop_table("reminders")
    op.drop_index(op.f("ix_resolutions_replan_reminders"), table_name="resolutions")
    with op.batch_alter_table("resolutions") as batch:
        batch.drop_column("replan_reminders")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("unreachable_told")
