"""Activities in full (forces, marker and route, coordinates, result, who, linked cases); online cases

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

The ``activities`` table of 0001 held only the start of a patrol, checkpoint, inspection or outreach
session; the plan's reports (issue 19) ask for the rest, which ``app.activities`` records and sync
carries to HQ. The cases an activity led to are a link table, so a case can be found from its patrol
and a patrol from its cases. A case whose location kind is ``online`` records the platform, the account
or page and the URL where the goods were offered (issue 19 item 7).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = (
    ("cooperating_forces", sa.JSON(), False, "[]"),
    ("border_marker", sa.String(length=40), True, None),
    ("route", sa.String(length=200), True, None),
    ("latitude", sa.Float(), True, None),
    ("longitude", sa.Float(), True, None),
    ("result", sa.Text(), True, None),
    ("participant_names", sa.JSON(), False, "[]"),
    ("updated_at", db.types.UtcDateTime(), True, None),
    ("updated_by", sa.String(length=64), True, None),
)


ONLINE = (
    ("online_platform", 60),
    ("online_account", 200),
    ("online_url", 500),
)


def upgrade() -> None:
    # Only what is missing: a register rewound to an older revision by hand (the migration tests) has it.
    inspector = sa.inspect(op.get_bind())
    if "online_platform" not in {c["name"] for c in inspector.get_columns("cases")}:
        with op.batch_alter_table("cases", schema=None) as batch_op:
            for name, length in ONLINE:
                batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    if "activity_cases" in inspector.get_table_names():
        return
    with op.batch_alter_table("activities", schema=None) as batch_op:
        for name, kind, nullable, default in COLUMNS:
            # A server default only so that rows written before 0013 (none in practice) get an empty list.
            batch_op.add_column(
                sa.Column(name, kind, nullable=nullable, server_default=None if default is None else default)
            )
        batch_op.create_index("ix_activities_started_at", ["started_at"], unique=False)
    op.create_table(
        "activity_cases",
        sa.Column("activity_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_activity_cases_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_activity_cases_case_id_cases")),
        sa.PrimaryKeyConstraint("activity_id", "case_id", name=op.f("pk_activity_cases")),
    )
    with op.batch_alter_table("activity_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_cases_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, _length in reversed(ONLINE):
            batch_op.drop_column(name)
    with op.batch_alter_table("activity_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_cases_case_id"))
    op.drop_table("activity_cases")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_started_at")
        for name, _kind, _nullable, _default in reversed(COLUMNS):
            batch_op.drop_column(name)
