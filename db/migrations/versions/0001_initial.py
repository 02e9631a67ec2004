"""Initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 01:25:51.915768
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", db.types.UtcDateTime(), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "case_counters",
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "year", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "change_log",
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "seq", name=op.f("pk_change_log")),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_log_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "reference_items",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("updated_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("kind", "code", name=op.f("pk_reference_items")),
    )
    op.create_table(
        "stations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("force", sa.String(length=40), nullable=False),
        sa.Column("commune_code", sa.String(length=10), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("header_lines", sa.JSON(), nullable=False),
        sa.Column("signing_public_key", sa.LargeBinary(), nullable=True),
        sa.Column("encryption_public_key", sa.Text(), nullable=True),
        sa.Column("certificate", sa.LargeBinary(), nullable=True),
        sa.Column("revoked_at", db.types.UtcDateTime(), nullable=True),
        sa.Column("created_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("code", name=op.f("uq_stations_code")),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("ended_at", db.types.UtcDateTime(), nullable=True),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("commune_code", sa.String(length=10), nullable=True),
        sa.Column("establishment", sa.String(length=200), nullable=True),
        sa.Column("establishment_folded", sa.String(length=200), nullable=True),
        sa.Column("force", sa.String(length=40), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["origin"], ["stations.id"], name=op.f("fk_activities_origin_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activities_establishment_folded"), ["establishment_folded"], unique=False
        )

    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["origin"], ["stations.id"], name=op.f("fk_campaigns_origin_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.String(length=80), nullable=True),
        sa.Column("position", sa.String(length=120), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", db.types.UtcDateTime(), nullable=True),
        sa.Column("last_login_at", db.types.UtcDateTime(), nullable=True),
        sa.Column("tip_key_wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], name=op.f("fk_users_station_id_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("occurred_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("detected_at", db.types.UtcDateTime(), nullable=True),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("commune_code", sa.String(length=10), nullable=True),
        sa.Column("location_kind", sa.String(length=16), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("violation_group", sa.String(length=32), nullable=False),
        sa.Column("violation", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("detection", sa.String(length=16), nullable=True),
        sa.Column("ownerless", sa.Boolean(), nullable=False),
        sa.Column("lead_force", sa.String(length=40), nullable=False),
        sa.Column("cooperating_forces", sa.JSON(), nullable=False),
        sa.Column("campaign_id", sa.String(length=36), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("decision_no", sa.String(length=60), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("fine_vnd", sa.BigInteger(), nullable=True),
        sa.Column("proceeds_vnd", sa.BigInteger(), nullable=True),
        sa.Column("tax_vnd", sa.BigInteger(), nullable=True),
        sa.Column("receiving_agency", sa.Text(), nullable=True),
        sa.Column("defendants", sa.Integer(), nullable=True),
        sa.Column("remark", sa.Text(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", db.types.UtcDateTime(), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", db.types.UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_cases_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["origin"], ["stations.id"], name=op.f("fk_cases_origin_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("origin", "number", name=op.f("uq_cases_origin_number")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_group_occurred", ["violation_group", "occurred_at"], unique=False)
        batch_op.create_index("ix_cases_occurred", ["occurred_at", "id"], unique=False)
        batch_op.create_index("ix_cases_status_occurred", ["status", "occurred_at"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_attachments_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_sha256"), ["sha256"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("form_code", sa.String(length=10), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("signer", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_documents_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_case_id"), ["case_id"], unique=False)

    op.create_table(
        "goods_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("commodity", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity", db.types.DecimalText(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("base_quantity", db.types.DecimalText(), nullable=False),
        sa.Column("base_unit", sa.String(length=20), nullable=False),
        sa.Column("value_vnd", sa.BigInteger(), nullable=True),
        sa.Column("condition", sa.Text(), nullable=True),
        sa.Column("origin_country", sa.String(length=40), nullable=True),
        sa.Column("disposition", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_goods_lines_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_lines")),
    )
    with op.batch_alter_table("goods_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goods_lines_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_goods_lines_commodity"), ["commodity"], unique=False)

    op.create_table(
        "parties",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("name_folded", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("nationality", sa.String(length=40), nullable=True),
        sa.Column("id_number", sa.String(length=40), nullable=True),
        sa.Column("id_normalized", sa.String(length=40), nullable=True),
        sa.Column("id_issued_on", sa.Date(), nullable=True),
        sa.Column("id_issued_by", sa.String(length=200), nullable=True),
        sa.Column("occupation", sa.String(length=120), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("tax_code", sa.String(length=20), nullable=True),
        sa.Column("representative", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_parties_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parties_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_parties_id_normalized"), ["id_normalized"], unique=False)
        batch_op.create_index(batch_op.f("ix_parties_name_folded"), ["name_folded"], unique=False)

    op.create_table(
        "tips",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("received_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("informant_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_tips_case_id_cases")),
        sa.ForeignKeyConstraint(["origin"], ["stations.id"], name=op.f("fk_tips_origin_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tips")),
    )
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tips_case_id"), ["case_id"], unique=False)

    op.create_table(
        "vehicles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("plate", sa.String(length=80), nullable=False),
        sa.Column("plate_normalized", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_vehicles_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vehicles_plate_normalized"), ["plate_normalized"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_plate_normalized"))
        batch_op.drop_index(batch_op.f("ix_vehicles_case_id"))

    op.drop_table("vehicles")
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tips_case_id"))

    op.drop_table("tips")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parties_name_folded"))
        batch_op.drop_index(batch_op.f("ix_parties_id_normalized"))
        batch_op.drop_index(batch_op.f("ix_parties_case_id"))

    op.drop_table("parties")
    with op.batch_alter_table("goods_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_lines_commodity"))
        batch_op.drop_index(batch_op.f("ix_goods_lines_case_id"))

    op.drop_table("goods_lines")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_case_id"))

    op.drop_table("documents")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachments_case_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_occurred")
        batch_op.drop_index("ix_cases_occurred")
        batch_op.drop_index("ix_cases_group_occurred")

    op.drop_table("cases")
    op.drop_table("users")
    op.drop_table("campaigns")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_establishment_folded"))

    op.drop_table("activities")
    op.drop_table("stations")
    op.drop_table("reference_items")
    op.drop_table("meta")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_log_entity_id"))

    op.drop_table("change_log")
    op.drop_table("case_counters")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_entity_id"))

    op.drop_table("audit_events")
