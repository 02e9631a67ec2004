"""Establishments the forces inspect, the inspection each activity names, and other posts' recent inspections

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

``establishments`` is the register of shops, warehouses and traders (issue 19): written by the station
that added one, shared through HQ like a case. An activity may name the establishment it inspected
(``activities.establishment_id``). At a post, ``inspection_notices`` holds the inspections by other
posts and forces that HQ's newest return bundle carried, for the duplicate-inspection warning
(app/establishments.py). The lead re-chains this revision after 0013 at merge.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only what is missing: a register rewound to an older revision by hand (the migration tests) has it.
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "establishments" not in tables:
        _establishments()
    if "inspection_notices" not in tables:
        _inspection_notices()
    if "establishment_id" not in {c["name"] for c in inspector.get_columns("activities")}:
        _activity_establishment()


def _establishments() -> None:
    op.create_table(
        "establishments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("origin", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_folded", sa.String(200), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("commune_code", sa.String(10), nullable=True),
        sa.Column("tax_code", sa.String(20), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("change_seq", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(["origin"], ["stations.id"], name=op.f("fk_establishments_origin_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_establishments")),
    )
    op.create_index("ix_establishments_folded_commune", "establishments", ["name_folded", "commune_code"])
    op.create_index(op.f("ix_establishments_tax_code"), "establishments", ["tax_code"])


def _inspection_notices() -> None:
    op.create_table(
        "inspection_notices",
        sa.Column("activity_id", sa.String(36), nullable=False),
        sa.Column("station_code", sa.String(16), nullable=False),
        sa.Column("force", sa.String(40), nullable=False),
        sa.Column("officer", sa.String(64), nullable=False),
        sa.Column("started_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("establishment_id", sa.String(36), nullable=True),
        sa.Column("establishment", sa.String(200), nullable=False),
        sa.Column("establishment_folded", sa.String(200), nullable=False),
        sa.Column("commune_code", sa.String(10), nullable=True),
        sa.Column("tax_code", sa.String(20), nullable=True),
        sa.Column("received_at", db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_inspection_notices")),
    )
    op.create_index(
        op.f("ix_inspection_notices_establishment_id"), "inspection_notices", ["establishment_id"]
    )
    op.create_index(
        op.f("ix_inspection_notices_establishment_folded"), "inspection_notices", ["establishment_folded"]
    )


def _activity_establishment() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("establishment_id", sa.String(36), nullable=True))
        batch.create_foreign_key(
            op.f("fk_activities_establishment_id_establishments"),
            "establishments",
            ["establishment_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_activities_establishment_id"), ["establishment_id"])


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_index(op.f("ix_activities_establishment_id"))
        batch.drop_constraint(op.f("fk_activities_establishment_id_establishments"), type_="foreignkey")
        batch.drop_column("establishment_id")
    op.drop_table("inspection_notices")
    op.drop_table("establishments")
