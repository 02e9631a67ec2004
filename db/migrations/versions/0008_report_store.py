"""Stored report tallies per post and half-month, dropped by triggers whenever a case they count changes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

The tables start empty: a report counts and stores the half-months it needs the first time it runs.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The first day of the half-month (1st-14th, 15th-end) of a case's local day in Vietnam (UTC+7), from
# the fixed-width UTC text SQLite stores instants in.
HALF = (
    "CASE WHEN strftime('%d', substr({row}.occurred_at, 1, 19), '+7 hours') < '15' "
    "THEN strftime('%Y-%m-01', substr({row}.occurred_at, 1, 19), '+7 hours') "
    "ELSE strftime('%Y-%m-15', substr({row}.occurred_at, 1, 19), '+7 hours') END"
)
# ``version`` too: any edit of a case through the program raises it, new goods lines included.
CASE_COLUMNS = (
    "status, occurred_at, origin, number, violation_group, lead_force, outcome, defendants, "
    "fine_vnd, proceeds_vnd, tax_vnd, version"
)
LINE_COLUMNS = "case_id, commodity, base_unit, base_quantity, value_vnd"


def _drop_case(row: str) -> str:
    return f"DELETE FROM report_halves WHERE origin = {row}.origin AND half = {HALF.format(row=row)};"


def _drop_line_case(row: str) -> str:
    return (
        f"DELETE FROM report_halves WHERE (origin, half) IN "
        f"(SELECT c.origin, {HALF.format(row='c')} FROM cases AS c WHERE c.id = {row}.case_id);"
    )


# Only updates and deletes: a trigger on inserts would cost as much as the insert itself (SQLite opens a
# statement journal for every row of a table with triggers); the program drops the half-months of the
# rows it adds (``db.halves``).
TRIGGERS = {
    "report_case_changed": (
        f"AFTER UPDATE OF {CASE_COLUMNS} ON cases BEGIN {_drop_case('OLD')} {_drop_case('NEW')} END"
    ),
    "report_case_removed": f"AFTER DELETE ON cases BEGIN {_drop_case('OLD')} END",
    "report_line_changed": (
        f"AFTER UPDATE OF {LINE_COLUMNS} ON goods_lines BEGIN "
        f"{_drop_line_case('OLD')} {_drop_line_case('NEW')} END"
    ),
    "report_line_removed": f"AFTER DELETE ON goods_lines BEGIN {_drop_line_case('OLD')} END",
}


# PostgreSQL (HQ): the same drops in plpgsql, on inserts too (a row trigger there costs little, and the
# program's own drops of new rows, ``db.halves``, are for SQLite only). The half-month is computed
# from the timestamptz the same way: the local day in Vietnam (UTC+7, no daylight saving time).
POSTGRES_SQL = (
    """CREATE FUNCTION outpost_report_half(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN extract(day FROM local) < 15 THEN date_trunc('month', local)::date
                    ELSE (date_trunc('month', local) + interval '14 days')::date END
        FROM (SELECT (at AT TIME ZONE 'UTC') + interval '7 hours' AS local) AS day
    $$""",
    """CREATE FUNCTION outpost_report_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM report_halves
                WHERE origin = OLD.origin AND half = outpost_report_half(OLD.occurred_at);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            DELETE FROM report_halves
                WHERE origin = NEW.origin AND half = outpost_report_half(NEW.occurred_at);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION outpost_report_line_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM report_halves AS h USING cases AS c WHERE c.id = OLD.case_id
                AND h.origin = c.origin AND h.half = outpost_report_half(c.occurred_at);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            DELETE FROM report_halves AS h USING cases AS c WHERE c.id = NEW.case_id
                AND h.origin = c.origin AND h.half = outpost_report_half(c.occurred_at);
        END IF;
        RETURN NULL;
    END $$""",
    f"CREATE TRIGGER report_case_changed AFTER INSERT OR UPDATE OF {CASE_COLUMNS} OR DELETE ON cases "
    "FOR EACH ROW EXECUTE FUNCTION outpost_report_case_changed()",
    f"CREATE TRIGGER report_line_changed AFTER INSERT OR UPDATE OF {LINE_COLUMNS} OR DELETE ON goods_lines "
    "FOR EACH ROW EXECUTE FUNCTION outpost_report_line_changed()",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS report_line_changed ON goods_lines",
    "DROP TRIGGER IF EXISTS report_case_changed ON cases",
    "DROP FUNCTION IF EXISTS outpost_report_line_changed()",
    "DROP FUNCTION IF EXISTS outpost_report_case_changed()",
    "DROP FUNCTION IF EXISTS outpost_report_half(timestamptz)",
)


def _keys(*names: tuple[str, sa.types.TypeEngine[Any]]) -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = [
        sa.Column("origin", sa.String(36), nullable=False),
        sa.Column("half", sa.Date(), nullable=False),
    ]
    columns += [sa.Column(name, kind, nullable=False) for name, kind in names]
    return columns


def upgrade() -> None:
    op.create_table(
        "report_halves",
        *_keys(),
        sa.Column("rules", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("origin", "half", name=op.f("pk_report_halves")),
    )
    op.create_table(
        "report_cells",
        *_keys(("violation_group", sa.String(32)), ("lead_force", sa.String(40))),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("cases", "admin_cases", "criminal_cases", "defendants", "handover_cases")
        ),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in ("fines", "proceeds", "tax")),
        sa.PrimaryKeyConstraint(
            "origin", "half", "violation_group", "lead_force", name=op.f("pk_report_cells")
        ),
    )
    op.create_table(
        "report_goods",
        *_keys(
            ("violation_group", sa.String(32)),
            ("lead_force", sa.String(40)),
            ("commodity", sa.String(32)),
            ("base_unit", sa.String(20)),
        ),
        sa.Column("quantity", db.types.DecimalText(), nullable=False),
        sa.Column("value_vnd", sa.BigInteger(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "origin",
            "half",
            "violation_group",
            "lead_force",
            "commodity",
            "base_unit",
            name=op.f("pk_report_goods"),
        ),
    )
    op.create_table(
        "report_case_totals",
        *_keys(("number", sa.String(40)), ("commodity", sa.String(32)), ("base_unit", sa.String(20))),
        sa.Column("quantity", db.types.DecimalText(), nullable=False),
        sa.Column("value_vnd", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "origin", "half", "number", "commodity", "base_unit", name=op.f("pk_report_case_totals")
        ),
    )
    if op.get_bind().dialect.name == "sqlite":
        for name, body in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_SQL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DROP:
            op.execute(statement)
    for table in ("report_case_totals", "report_goods", "report_cells", "report_halves"):
        op.drop_table(table)
