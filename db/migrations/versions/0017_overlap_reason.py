"""Inspections: the reason given for inspecting an establishment again within the window

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

"Không kiểm tra nhiều lần, trùng lấp tại một đơn vị" (issue 19 item 3): an inspection of an
establishment already inspected within ``inspection_window_days`` is saved only with a reason
(``app/inspections.py``). ``overlap_reason`` keeps it on the activity, so that it is sealed into the
audit chain with the rest of the row, travels to HQ in the activity's bundle document, and HQ's report
of overlapping inspections can print it. Null for every other activity and for older rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overlap_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("overlap_reason")
