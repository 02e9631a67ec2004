"""Return bundles: refusals HQ reports back to the station, and the watch list a post receives

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_rejections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(36), nullable=False),
        sa.Column("file", sa.String(255), nullable=False),
        sa.Column("record", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", db.types.UtcDateTime(), nullable=False),
        sa.Column("reported", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_rejections")),
    )
    op.create_index("ix_sync_rejections_station_id", "sync_rejections", ["station_id"])
    op.create_table(
        "watch_entries",
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("stations", sa.Integer, nullable=False),
        sa.Column("cases", sa.Integer, nullable=False),
        sa.Column("last_seen", sa.Date, nullable=True),
        sa.Column("received_at", db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_watch_entries")),
    )


def downgrade() -> None:
    op.drop_table("watch_entries")
    op.drop_index("ix_sync_rejections_station_id", table_name="sync_rejections")
    op.drop_table("sync_rejections")
