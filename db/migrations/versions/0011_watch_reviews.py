"""A reviewed watch list: HQ's analysts' decisions on candidates, and why each entry reached a post

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

At HQ, ``watch_reviews`` holds each confirmed or dismissed candidate (only confirmed ones go to the
posts). At a post, each watch entry now names the posts and case numbers behind it and HQ's reason;
entries already held keep empty ones until the next return bundle replaces the whole list.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_reviews",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("key", sa.String(210), nullable=False),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("case_ids", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_reviews")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_watch_reviews_kind_key")),
    )
    with op.batch_alter_table("watch_entries") as batch:
        batch.add_column(sa.Column("posts", sa.JSON, nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("case_numbers", sa.JSON, nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("reason", sa.Text, nullable=False, server_default=sa.text("''")))


def downgrade() -> None:
    with op.batch_alter_table("watch_entries") as batch:
        batch.drop_column("reason")
        batch.drop_column("case_numbers")
        batch.drop_column("posts")
    op.drop_table("watch_reviews")
