"""The board's review: deadlines on resolutions, votes, expert opinions, messages whose buttons expire.

Existing resolutions get their review deadline from their ``submitted`` event, and ``status_at`` from their
submission.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("resolutions") as batch:
        batch.add_column(sa.Column("status_at", _instant(), nullable=True))
        batch.add_column(sa.Column("review_deadline", _instant(), nullable=True))
        batch.add_column(sa.Column("reconsideration_deadline", _instant(), nullable=True))
        batch.add_column(sa.Column("escalation_deadline", _instant(), nullable=True))
    op.create_index(
        op.f("ix_resolutions_status_review_deadline"), "resolutions", ["status", "review_deadline"]
    )
    op.create_index(
        op.f("ix_resolutions_status_reconsideration_deadline"),
        "resolutions",
        ["status", "reconsideration_deadline"],
    )
    _backfill_deadlines()

    op.create_table(
        "votes",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("grounds_kind", sa.String(length=16), nullable=True),
        sa.Column("grounds_law", sa.String(length=500), nullable=True),
        sa.Column("grounds_article", sa.String(length=200), nullable=True),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column("cast_at", _instant(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["people.id"], name=op.f("fk_votes_member_id_people")),
        sa.ForeignKeyConstraint(
            ["resolution_id"], ["resolutions.id"], name=op.f("fk_votes_resolution_id_resolutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
    )
    op.create_index(op.f("ix_votes_resolution_id_cycle"), "votes", ["resolution_id", "cycle"])
    op.create_table(
        "opinions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("finding", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("given_at", _instant(), nullable=False),
        sa.ForeignKeyConstraint(["expert_id"], ["people.id"], name=op.f("fk_opinions_expert_id_people")),
        sa.ForeignKeyConstraint(
            ["resolution_id"], ["resolutions.id"], name=op.f("fk_opinions_resolution_id_resolutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinions")),
    )
    op.create_index(op.f("ix_opinions_resolution_id_cycle"), "opinions", ["resolution_id", "cycle"])
    op.create_table(
        "sent_messages",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("sent_at", _instant(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_sent_messages_person_id_people")),
        sa.ForeignKeyConstraint(
            ["resolution_id"], ["resolutions.id"], name=op.f("fk_sent_messages_resolution_id_resolutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_messages")),
    )
    op.create_index(
        op.f("ix_sent_messages_resolution_id_purpose"), "sent_messages", ["resolution_id", "purpose"]
    )


def _backfill_deadlines() -> None:
    # Until now the review deadline lived only in the ``submitted`` event's payload.
    connection = op.get_bind()
    resolutions = sa.table(
        "resolutions",
        sa.column("id", sa.Integer()),
        sa.column("submitted_at", _instant()),
        sa.column("status_at", _instant()),
        sa.column("review_deadline", _instant()),
    )
    events = sa.table(
        "events",
        sa.column("id", sa.Integer()),
        sa.column("resolution_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("payload", sa.JSON()),
    )
    connection.execute(sa.update(resolutions).values(status_at=resolutions.c.submitted_at))
    rows = connection.execute(
        sa.select(events.c.resolution_id, events.c.payload)
        .where(events.c.kind == "submitted", events.c.resolution_id.is_not(None))
        .order_by(events.c.id)
    )
    for resolution_id, payload in rows.all():
        deadline = (payload or {}).get("review_deadline")
        if not deadline:
            continue
        value = dt.datetime.fromisoformat(deadline).astimezone(dt.UTC)
        if connection.dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        connection.execute(
            sa.update(resolutions).where(resolutions.c.id == resolution_id).values(review_deadline=value)
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_sent_messages_resolution_id_purpose"), table_name="sent_messages")
    op.drop_table("sent_messages")
    op.drop_index(op.f("ix_opinions_resolution_id_cycle"), table_name="opinions")
    op.drop_table("opinions")
    op.drop_index(op.f("ix_votes_resolution_id_cycle"), table_name="votes")
    op.drop_table("votes")
    op.drop_index(op.f("ix_resolutions_status_reconsideration_deadline"), table_name="resolutions")
    op.drop_index(op.f("ix_resolutions_status_review_deadline"), table_name="resolutions")
    with op.batch_alter_table("resolutions") as batch:
        batch.drop_column("escalation_deadline")
        batch.drop_column("reconsideration_deadline")
        batch.drop_column("review_deadline")
        batch.drop_column("status_at")
