"""Indexes for sorting and filtering the case list

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

The list pages by keyset (sort value, id): each sortable column needs an index on (column, id)
so that any page, first or last, is a short index walk. Filtering by campaign gets its own index,
and filtering by commodity an index on (case, commodity) of the goods lines.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_cases_number_id": ["number", "id"],
    "ix_cases_place_id": ["place", "id"],
    "ix_cases_group_id": ["violation_group", "id"],
    "ix_cases_status_id": ["status", "id"],
    "ix_cases_campaign_occurred": ["campaign_id", "occurred_at"],
}




def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns)
    op.create_index("ix_goods_lines_case_commodity", "goods_lines", ["case_id", "commodity"])


def downgrade() -> None:
    op.drop_index("ix_goods_lines_case_commodity", table_name="goods_lines")
    for name in INDEXES:
        op.drop_index(name, table_name="cases")
