"""The register's time zone: kept in meta, and the report tally triggers cut days at its offset

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

A register set up before it had a zone kept Vietnam's time (UTC+7): it gets ``time_zone`` =
Asia/Ho_Chi_Minh and ``utc_offset_min`` = 420 in meta. The triggers of 0008 had +7 hours written in;
they are made again reading the offset from meta, where ``init`` writes the chosen zone's (it never
changes afterwards: docs/domain.md, "Time"). The day they compute is the same as before for every
existing register.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DEFAULTS = {"time_zone": "Asia/Ho_Chi_Minh", "utc_offset_min": "420"}
# The register's offset as an SQLite date modifier ('420 minutes'); 420 if meta has none, as before.
MODIFIER = "(coalesce((SELECT value FROM meta WHERE key = 'utc_offset_min'), '420') || ' minutes')"
# The first day of the half-month (1st-14th, 15th-end) of a case's local day at the register's
# offset, from the fixed-width UTC text SQLite stores instants in.
HALF = (
    f"CASE WHEN strftime('%d', substr({{row}}.occurred_at, 1, 19), {MODIFIER}) < '15' "
    f"THEN strftime('%Y-%m-01', substr({{row}}.occurred_at, 1, 19), {MODIFIER}) "
    f"ELSE strftime('%Y-%m-15', substr({{row}}.occurred_at, 1, 19), {MODIFIER}) END"
)


# As in 0008: ``version`` too, since any edit of a case through the program raises it.
CASE_COLUMNS = (
    "status, occurred_at, origin, number, violation_group, lead_force, outcome, defendants, "
    "fine_vnd, proceeds_vnd, tax_vnd, version"
)
LINE_COLUMNS = "case_id, commodity, base_unit, base_quantity, value_vnd"
# 0008's day, for going back down.
HALF_0008 = (
    "CASE WHEN strftime('%d', substr({row}.occurred_at, 1, 19), '+7 hours') < '15' "
    "THEN strftime('%Y-%m-01', substr({row}.occurred_at, 1, 19), '+7 hours') "
    "ELSE strftime('%Y-%m-15', substr({row}.occurred_at, 1, 19), '+7 hours') END"
)


def _triggers(half: str) -> dict[str, str]:
    """0008's triggers (only updates and deletes; the program drops the half-months of rows it adds)
    with the half-month expression ``half``."""

    def drop_case(row: str) -> str:
        return f"DELETE FROM report_halves WHERE origin = {row}.origin AND half = {half.format(row=row)};"

    def drop_line_case(row: str) -> str:
        return (
            f"DELETE FROM report_halves WHERE (origin, half) IN "
            f"(SELECT c.origin, {half.format(row='c')} FROM cases AS c WHERE c.id = {row}.case_id);"
        )

    return {
        "report_case_changed": (
            f"AFTER UPDATE OF {CASE_COLUMNS} ON cases BEGIN {drop_case('OLD')} {drop_case('NEW')} END"
        ),
        "report_case_removed": f"AFTER DELETE ON cases BEGIN {drop_case('OLD')} END",
        "report_line_changed": (
            f"AFTER UPDATE OF {LINE_COLUMNS} ON goods_lines BEGIN "
            f"{drop_line_case('OLD')} {drop_line_case('NEW')} END"
        ),
        "report_line_removed": f"AFTER DELETE ON goods_lines BEGIN {drop_line_case('OLD')} END",
    }


# PostgreSQL (HQ): 0008's half-month function had +7 hours written in; it now reads the offset too
# (STABLE, not IMMUTABLE: it reads meta; no index uses it).
_HALF_FUNCTION = "CREATE OR REPLACE FUNCTION outpost_report_half(at timestamptz) RETURNS date LANGUAGE sql"
POSTGRES_HALF = _HALF_FUNCTION + """ STABLE AS $$
    SELECT CASE WHEN extract(day FROM local) < 15 THEN date_trunc('month', local)::date
                ELSE (date_trunc('month', local) + interval '14 days')::date END
    FROM (SELECT (at AT TIME ZONE 'UTC')
                 + make_interval(mins => coalesce(
                     (SELECT value FROM meta WHERE key = 'utc_offset_min'), '420')::int)
          AS local) AS day
$$"""
POSTGRES_HALF_0008 = _HALF_FUNCTION + """ IMMUTABLE AS $$
    SELECT CASE WHEN extract(day FROM local) < 15 THEN date_trunc('month', local)::date
                ELSE (date_trunc('month', local) + interval '14 days')::date END
    FROM (SELECT (at AT TIME ZONE 'UTC') + interval '7 hours' AS local) AS day
$$"""


def _replace_triggers(half: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_HALF if half == HALF else POSTGRES_HALF_0008)
        return
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, body in _triggers(half).items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    bind = op.get_bind()
    present = set(bind.execute(sa.select(meta.c.key).where(meta.c.key.in_(DEFAULTS))).scalars())
    missing = [{"key": key, "value": value} for key, value in DEFAULTS.items() if key not in present]
    if missing:
        op.bulk_insert(meta, missing)
    _replace_triggers(HALF)


def downgrade() -> None:
    _replace_triggers(HALF_0008)
    op.execute("DELETE FROM meta WHERE key IN ('time_zone', 'utc_offset_min')")
