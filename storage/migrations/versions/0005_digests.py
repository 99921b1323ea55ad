"""The officials' daily digest (DESIGN §5): one ``digests`` row per official and Tehran day, so each
day's digest is sent once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("due_at", _instant(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", _instant(), nullable=True),
        sa.Column("sent_at", _instant(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["people.id"], name=op.f("fk_digests_recipient_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("recipient_id", "day", name=op.f("uq_digests_recipient_id_day")),
    )
    op.create_index(op.f("ix_digests_state_due_at"), "digests", ["state", "due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_digests_state_due_at"), table_name="digests")
    op.drop_table("digests")
