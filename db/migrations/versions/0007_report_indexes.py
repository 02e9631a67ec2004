"""Covering indexes for the periodic report: a period's counted cases and their goods lines are
summed from the indexes alone

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CASE_COLUMNS = [  # it begins as ix_cases_status_occurred did, and replaces it
    "status",
    "occurred_at",
    "origin",
    "violation_group",
    "lead_force",
    "outcome",
    "campaign_id",
    "defendants",
    "fine_vnd",
    "proceeds_vnd",
    "tax_vnd",
    "number",
    "id",
]
LINE_COLUMNS = ["case_id", "commodity", "base_unit", "base_quantity", "value_vnd"]


def upgrade() -> None:
    op.create_index("ix_cases_report", "cases", CASE_COLUMNS)
    op.drop_index("ix_cases_status_occurred", table_name="cases")
    op.create_index("ix_goods_lines_case_totals", "goods_lines", LINE_COLUMNS)
    op.drop_index("ix_goods_lines_case_commodity", table_name="goods_lines")


def downgrade() -> None:
    op.create_index("ix_goods_lines_case_commodity", "goods_lines", ["case_id", "commodity"])
    op.drop_index("ix_goods_lines_case_totals", table_name="goods_lines")
    op.create_index("ix_cases_status_occurred", "cases", ["status", "occurred_at"])
    op.drop_index("ix_cases_report", table_name="cases")
