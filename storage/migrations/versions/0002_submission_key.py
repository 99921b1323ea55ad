"""Resolutions remember the chat form that submitted them, so a form is submitted once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resolutions") as batch:
        batch.add_column(sa.Column("submission_key", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_resolutions_submission_key"), "resolutions", ["submission_key"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_resolutions_submission_key"), table_name="resolutions")
    with op.batch_alter_table("resolutions") as batch:
        batch.drop_column("submission_key")
