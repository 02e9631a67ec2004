"""PostgreSQL's report store: new rows drop their half-months once per statement, not once per row

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04

PostgreSQL only (HQ). 0008's triggers drop the stored tallies of a case's half-month whenever a case
or a goods line is inserted, updated or deleted, one row at a time. HQ's import writes its new cases by
``COPY`` (``app.sync.store``), and for each of them the row triggers ran one ``DELETE`` on
``report_halves`` for the case and one for each goods line, joined to the case: 3.5 s of the server's
8.1 s of CPU for one post's 20 000 cases (issue 18, docs/performance.md), where one ``DELETE`` a
statement does the same. Inserts now fire a statement trigger that reads the statement's new rows
(a transition table) and drops each half-month they fall in once; updates and deletes keep 0008's row
triggers (a statement trigger cannot list the columns whose update it follows). SQLite needs none of
it: there the program drops the half-months of the rows it adds (``db.halves``).
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# Kept here as they are: a migration never changes with later code (0008 has the same lists).
CASE_COLUMNS = (
    "status, occurred_at, origin, number, violation_group, lead_force, outcome, defendants, "
    "fine_vnd, proceeds_vnd, tax_vnd, version"
)
LINE_COLUMNS = "case_id, commodity, base_unit, base_quantity, value_vnd"

POSTGRES_SQL = (
    """CREATE FUNCTION outpost_report_cases_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM report_halves AS h
            USING (SELECT DISTINCT origin, outpost_report_half(occurred_at) AS half FROM added) AS a
            WHERE h.origin = a.origin AND h.half = a.half;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION outpost_report_lines_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM report_halves AS h
            USING (SELECT DISTINCT c.origin, outpost_report_half(c.occurred_at) AS half
                   FROM (SELECT DISTINCT case_id FROM added) AS l JOIN cases AS c ON c.id = l.case_id) AS a
            WHERE h.origin = a.origin AND h.half = a.half;
        RETURN NULL;
    END $$""",
    # 0008's row triggers, without INSERT.
    "DROP TRIGGER report_case_changed ON cases",
    f"CREATE TRIGGER report_case_changed AFTER UPDATE OF {CASE_COLUMNS} OR DELETE ON cases "
    "FOR EACH ROW EXECUTE FUNCTION outpost_report_case_changed()",
    "DROP TRIGGER report_line_changed ON goods_lines",
    f"CREATE TRIGGER report_line_changed AFTER UPDATE OF {LINE_COLUMNS} OR DELETE ON goods_lines "
    "FOR EACH ROW EXECUTE FUNCTION outpost_report_line_changed()",
    "CREATE TRIGGER report_cases_added AFTER INSERT ON cases REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION outpost_report_cases_added()",
    "CREATE TRIGGER report_lines_added AFTER INSERT ON goods_lines REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION outpost_report_lines_added()",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS report_lines_added ON goods_lines",
    "DROP TRIGGER IF EXISTS report_cases_added ON cases",
    "DROP FUNCTION IF EXISTS outpost_report_lines_added()",
    "DROP FUNCTION IF EXISTS outpost_report_cases_added()",
    "DROP TRIGGER IF EXISTS report_case_changed ON cases",
    f"CREATE TRIGGER report_case_changed AFTER INSERT OR UPDATE OF {CASE_COLUMNS} OR DELETE ON cases "
    "FOR EACH ROW EXECUTE FUNCTION outpost_report_case_changed()",
    "DROP TRIGGER IF EXISTS report_line_changed ON goods_lines",
    f"CREATE TRIGGER report_line_changed AFTER INSERT OR UPDATE OF {LINE_COLUMNS} OR DELETE ON goods_lines "
    "FOR EACH ROW EXECUTE FUNCTION outpost_report_line_changed()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_SQL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DROP:
            op.execute(statement)
