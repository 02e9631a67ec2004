"""Tip-offs followed through: status, result, the officer assigned, when it last changed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

A tip goes new → checking → acted on → closed (docs/domain.md, "Tip-offs"); the officer it is
assigned to checks it and writes what came of it. Its history is the audit chain's events for the tip
(every change and every reading of its informant), so no table of its own is needed. Tips already held
start as new, unassigned, with no result.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'new'")),
        sa.Column("result", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("assigned_to", sa.String(64), nullable=True),
        sa.Column("updated_at", db.types.UtcDateTime(), nullable=True),
        # When it was acted on: the reports count the tips acted on, whether closed since or not.
        sa.Column("acted_at", db.types.UtcDateTime(), nullable=True),
    ]


def upgrade() -> None:
    # Plain ADD COLUMNs (a constant default or nullable): no table rebuild on SQLite, and a batch of
    # several added columns trips Alembic's dependency sort. Only the missing ones: a register rewound
    # to an older revision by hand (the migration tests) has them already.
    held = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("tips")}
    for column in _columns():
        if column.name not in held:
            op.add_column("tips", column)


def downgrade() -> None:
    for column in reversed(_columns()):
        op.drop_column("tips", column.name)
