"""Hand-overs to the police: a criminal case's hand-over record and the police's follow-up

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

Until now a criminal transfer was only a case's outcome code. ``handovers`` holds, once per case, what
was handed to which agency, when, against which receipt, with which defendants, and the follow-up
steps (received, prosecuted, returned for administrative handling); the newest step is also kept in
``status``/``status_on`` so that the periodic reports count from an index (docs/domain.md §4).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("receiving_agency", sa.Text(), nullable=False),
        sa.Column("handed_on", sa.Date(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("receipt_no", sa.String(length=60), nullable=True),
        sa.Column("defendants", sa.JSON(), nullable=False),
        sa.Column("handed_by", sa.String(length=200), nullable=False),
        sa.Column("received_by", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.Column("followups", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_handovers_case_id_cases")),
        sa.ForeignKeyConstraint(["origin"], ["stations.id"], name=op.f("fk_handovers_origin_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
        sa.UniqueConstraint("case_id", name=op.f("uq_handovers_case_id")),
    )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handovers_handed_on"), ["handed_on"], unique=False)
        batch_op.create_index("ix_handovers_status_on", ["status", "status_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.drop_index("ix_handovers_status_on")
        batch_op.drop_index(batch_op.f("ix_handovers_handed_on"))
    op.drop_table("handovers")
