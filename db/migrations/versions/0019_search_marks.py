"""The list filters' values in PostgreSQL's search index

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03

PostgreSQL only (HQ). A search that matches many cases with a filter that keeps many too, but none of
them both ("thuoc la hero" with trade fraud, "nguyen van" with ownerless), read every case of a 1 M-case
HQ to find that out (0.7 s and 3.9 s, issue 18, docs/performance.md): the search's words and the
filter's column live in two tables, so neither the GIN index nor the filter's own index can tell alone.
Each case's search entry now also holds its filter values as marks, lexemes of the form
``=column=value`` (``db.search.MARKED``), which no typed word can match (a typed word is letters and
digits only), so the GIN index intersects search and filter itself (``db.search.marked_matches``).
The marks are kept by triggers, whatever path writes a case or its entry: an entry written gets its
case's marks, and a case whose marked column changes has its entry's marks rewritten. Existing
entries get theirs here (2.5 minutes at a million cases on the test server). SQLite needs none of
it: its search index is keyed by the case's rowid and the filter's index is checked entry by entry
(``app.case_query._TIME_LED``).
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Kept here as they are: a migration never changes with later code (db/search.py has the same list).
COLUMNS = ("status", "violation_group", "ownerless", "lead_force", "origin", "campaign_id")
_MARKS = ", ".join(f"'={name}=' || c.{name}" for name in COLUMNS)
_STRIP = "ts_delete(words, ARRAY(SELECT l FROM unnest(tsvector_to_array(words)) AS l WHERE l LIKE '=%'))"

POSTGRES_SQL = (
    # An entry written gets its case's marks (a NULL value, no campaign, gives none). Inline, not a
    # function of its own: the import writes an entry per case, and a call per row cost three times as
    # much (+1.9 s against +0.6 s an import of 20 000 cases at 1 M).
    f"""CREATE FUNCTION outpost_search_marked() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.words := NEW.words || coalesce((
            SELECT array_to_tsvector(array_remove(ARRAY[{_MARKS}], NULL)) FROM cases AS c
            WHERE c.id = NEW.case_id
        ), ''::tsvector);
        RETURN NEW;
    END $$""",
    # A case whose marked column changed: its entry's old marks go, the trigger above adds the new.
    f"""CREATE FUNCTION outpost_case_marks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE case_search SET words = {_STRIP} WHERE case_id = NEW.id;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER search_marked BEFORE INSERT OR UPDATE OF words ON case_search "
    "FOR EACH ROW EXECUTE FUNCTION outpost_search_marked()",
    f"CREATE TRIGGER case_marks_changed AFTER UPDATE OF {', '.join(COLUMNS)} ON cases FOR EACH ROW "
    f"WHEN ({' OR '.join(f'OLD.{n} IS DISTINCT FROM NEW.{n}' for n in COLUMNS)}) "
    "EXECUTE FUNCTION outpost_case_marks_changed()",
    "UPDATE case_search SET words = words",  # the entries there are, which have no marks yet
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS case_marks_changed ON cases",
    "DROP TRIGGER IF EXISTS search_marked ON case_search",
    f"UPDATE case_search SET words = {_STRIP}",
    "DROP FUNCTION IF EXISTS outpost_case_marks_changed()",
    "DROP FUNCTION IF EXISTS outpost_search_marked()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_SQL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DROP:
            op.execute(statement)
