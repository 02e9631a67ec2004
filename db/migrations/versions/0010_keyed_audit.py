"""Keyed audit chain: each event's MAC, and HQ's copy of every post's chain

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

The events already in a register are re-chained (v2 formula, with MACs where the register has a key)
by ``app.audit_upgrade`` at the first open after this migration, and only if their old chain verifies.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("mac", sa.String(64), nullable=True))
    op.create_table(
        "audit_anchors",
        sa.Column("station_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("event_station_id", sa.String(36), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("diff_hash", sa.String(64), nullable=False),
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "seq", name=op.f("pk_audit_anchors")),
    )


def downgrade() -> None:
    op.drop_table("audit_anchors")
    op.drop_column("audit_events", "mac")
