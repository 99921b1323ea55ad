"""Initial schema: organisation, people and access, resolutions, event log, closures, FSM states.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CODE = sa.String(length=32)
NAME = sa.String(length=200)
SHA256 = sa.String(length=64)
KIND = sa.String(length=16)


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    # --- organisation
    op.create_table(
        "provinces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", CODE, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provinces")),
        sa.UniqueConstraint("code", name=op.f("uq_provinces_code")),
    )
    op.create_table(
        "counties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", CODE, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_counties_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counties")),
        sa.UniqueConstraint("code", name=op.f("uq_counties_code")),
    )
    op.create_index(op.f("ix_counties_province_id"), "counties", ["province_id"])
    op.create_table(
        "boards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", CODE, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("voting_seats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"], name=op.f("fk_boards_county_id_counties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boards")),
        sa.UniqueConstraint("code", name=op.f("uq_boards_code")),
    )
    op.create_index(op.f("ix_boards_county_id"), "boards", ["county_id"])
    op.create_table(
        "councils",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", CODE, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], name=op.f("fk_councils_board_id_boards")),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"], name=op.f("fk_councils_county_id_counties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_councils")),
        sa.UniqueConstraint("code", name=op.f("uq_councils_code")),
    )
    op.create_index(op.f("ix_councils_board_id"), "councils", ["board_id"])
    op.create_index(op.f("ix_councils_county_id"), "councils", ["county_id"])

    # --- people and access
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", NAME, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), server_default="fa", nullable=False),
        sa.Column("unreachable", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("quiet_hours_start", sa.Time(), nullable=True),
        sa.Column("quiet_hours_end", sa.Time(), nullable=True),
        sa.Column("digest", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("platform_user_id", name=op.f("uq_people_platform_user_id")),
    )
    op.create_table(
        "role_bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", CODE, nullable=False),
        sa.Column("scope_kind", KIND, nullable=False),
        sa.Column("scope_code", CODE, nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_role_bindings_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_bindings")),
        sa.UniqueConstraint(
            "person_id",
            "role",
            "scope_kind",
            "scope_code",
            name=op.f("uq_role_bindings_person_id_role_scope_kind_scope_code"),
        ),
    )
    op.create_index(
        op.f("ix_role_bindings_scope_kind_scope_code"), "role_bindings", ["scope_kind", "scope_code"]
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", SHA256, nullable=False),
        sa.Column("role", CODE, nullable=False),
        sa.Column("scope_kind", KIND, nullable=False),
        sa.Column("scope_code", CODE, nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("expires_at", _instant(), nullable=False),
        sa.Column("used_at", _instant(), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_invites_created_by_id_people")
        ),
        sa.ForeignKeyConstraint(["used_by_id"], ["people.id"], name=op.f("fk_invites_used_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash")),
    )

    # --- resolutions
    op.create_table(
        "resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_code", CODE, nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("council_number", CODE, nullable=False),
        sa.Column("jalali_year", sa.Integer(), nullable=False),
        sa.Column("session_number", CODE, nullable=False),
        sa.Column("approval_date", sa.Date(), nullable=False),
        sa.Column("status", CODE, nullable=False),
        sa.Column("cycle", sa.Integer(), server_default="1", nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", _instant(), nullable=False),
        sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_resolutions_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["people.id"], name=op.f("fk_resolutions_submitted_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolutions")),
        sa.UniqueConstraint(
            "council_id",
            "jalali_year",
            "council_number",
            name=op.f("uq_resolutions_council_id_jalali_year_council_number"),
        ),
        sa.UniqueConstraint("tracking_code", name=op.f("uq_resolutions_tracking_code")),
    )
    op.create_index(op.f("ix_resolutions_status"), "resolutions", ["status"])
    op.create_index(op.f("ix_resolutions_submitted_by_id"), "resolutions", ["submitted_by_id"])
    op.create_table(
        "resolution_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        sa.Column("votes_against", sa.Integer(), nullable=False),
        sa.Column("votes_abstain", sa.Integer(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resolution_id"],
            ["resolutions.id"],
            name=op.f("fk_resolution_versions_resolution_id_resolutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_versions")),
        sa.UniqueConstraint(
            "resolution_id", "version_no", name=op.f("uq_resolution_versions_resolution_id_version_no")
        ),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("file_unique_id", sa.String(length=128), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("mime_type", sa.String(length=128), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("local_path", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["resolution_versions.id"],
            name=op.f("fk_attachments_version_id_resolution_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index(op.f("ix_attachments_version_id"), "attachments", ["version_id"])

    # --- the event log
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", SHA256, nullable=False),
        sa.Column("hash", SHA256, nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"], name=op.f("fk_events_actor_id_people")),
        sa.ForeignKeyConstraint(
            ["resolution_id"], ["resolutions.id"], name=op.f("fk_events_resolution_id_resolutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_events_prev_hash")),
    )
    op.create_index(op.f("ix_events_resolution_id_id"), "events", ["resolution_id", "id"])
    event_chain = op.create_table(
        "event_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("head_hash", SHA256, nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_chain")),
    )
    # The one row every append locks; its head is the genesis hash until the first event.
    op.bulk_insert(event_chain, [{"id": 1, "head_hash": "0" * 64, "length": 0}])

    # --- calendar and chat state
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("province_code", CODE, nullable=True),
        sa.Column("reason", NAME, nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"], ["provinces.code"], name=op.f("fk_closures_province_code_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
    )
    op.create_index(op.f("ix_closures_day"), "closures", ["day"])
    op.create_table(
        "fsm_states",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_fsm_states")),
    )


def downgrade() -> None:
    for table in (
        "fsm_states",
        "closures",
        "event_chain",
        "events",
        "attachments",
        "resolution_versions",
        "resolutions",
        "invites",
        "role_bindings",
        "people",
        "councils",
        "boards",
        "counties",
        "provinces",
    ):
        op.drop_table(table)
