"""Accent-insensitive search index over cases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The index is filled by the program on the next open (meta ``search_rebuild`` = 1), because the
folded text it holds is computed by the application's own folding rules, not by SQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Kept here as it was: a migration never changes with later code.
CREATE_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 2')"
)
# PostgreSQL (HQ): the folded text and its words as a tsvector (db/search.py), with a GIN index that
# also answers the prefix of the last word typed.
POSTGRES_SQL = (
    "CREATE TABLE case_search (case_id VARCHAR(36) PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE, "
    "body TEXT NOT NULL, words TSVECTOR NOT NULL)",
    "CREATE INDEX ix_case_search_words ON case_search USING gin (words)",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(CREATE_SQL)
    elif bind.dialect.name == "postgresql":
        for statement in POSTGRES_SQL:
            op.execute(statement)
    meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.execute(meta.delete().where(meta.c.key == "search_rebuild"))
    op.bulk_insert(meta, [{"key": "search_rebuild", "value": "1"}])


def downgrade() -> None:
    if op.get_bind().dialect.name in ("sqlite", "postgresql"):
        op.execute("DROP TABLE IF EXISTS case_search")
    op.execute("DELETE FROM meta WHERE key = 'search_rebuild'")
