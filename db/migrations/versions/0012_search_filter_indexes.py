"""Indexes for a many-match search with a post, a lead force or ownerless, listed by time

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

A search that matches many cases, with a filter that keeps many too, listed by time, walks an index
led by the filter's column and going on with ``occurred_at`` (``app.case_query._TIME_LED``): only that
filter's cases are looked at, in time order, and only the matching ones are read. The violation group,
the status and the campaign had such an index already; the station that owns a case (a post, at HQ),
the lead force and ownerless get theirs here (issue 18).
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_cases_origin_occurred": ["origin", "occurred_at"],
    "ix_cases_lead_force_occurred": ["lead_force", "occurred_at"],
    "ix_cases_ownerless_occurred": ["ownerless", "occurred_at"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        # IF NOT EXISTS: a register rewound to an older revision by hand (the migration tests) has them.
        op.create_index(name, "cases", columns, if_not_exists=True)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="cases", if_exists=True)
