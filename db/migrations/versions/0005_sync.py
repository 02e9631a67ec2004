"""Sync: bundles received, superseded versions of other stations' cases, files sent to HQ

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Instants as ``UtcDateTime`` (the models' type): on SQLite the same VARCHAR(27) as this migration first
# wrote, on PostgreSQL a timestamptz (issue 18: written as text, HQ on PostgreSQL could not import).
def upgrade() -> None:
    op.create_table(
        "received_bundles",
        sa.Column("bundle_id", sa.String(36), primary_key=True),
        sa.Column("station_id", sa.String(36), nullable=False),
        sa.Column("set_id", sa.String(36), nullable=False),
        sa.Column("part_index", sa.Integer, nullable=False),
        sa.Column("part_count", sa.Integer, nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("received_at", db.types.UtcDateTime(), nullable=False),
    )
    op.create_index("ix_received_bundles_station_seq", "received_bundles", ["station_id", "first_seq"])
    op.create_table(
        "case_history",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("replaced_at", db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "version"),
    )
    op.create_table(
        "sent_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("acknowledged", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sent_files")
    op.drop_table("case_history")
    op.drop_index("ix_received_bundles_station_seq", table_name="received_bundles")
    op.drop_table("received_bundles")
