"""Index for the online cases of a period

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

The 389 reports break out the online cases of the period (``app.online_report``). Without an index
led by the location kind, the report read every case of the period to find the few online ones: 3.7 s
of the 4.6 s a 1 M-case HQ took for its annual report after the first (issue 18, docs/performance.md).
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

NAME, COLUMNS = "ix_cases_location_kind_occurred", ["location_kind", "occurred_at"]


def upgrade() -> None:
    op.create_index(NAME, "cases", COLUMNS, if_not_exists=True)


def downgrade() -> None:
    op.drop_index(NAME, table_name="cases", if_exists=True)
