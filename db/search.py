"""Accent-insensitive full-text index over cases (SQLite FTS5 on text folded by ``app.text.fold``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, text

# The index holds folded text (no diacritics, đ→d), so the tokenizer only has to split words.
CREATE_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 2')"
)
_TOKEN = re.compile(r"\w+")


def match_expression(folded_query: str) -> str | None:
    """FTS5 query: every word of the folded query as a prefix, all of them required."""
    tokens = _TOKEN.findall(folded_query)
    if not tokens:
        return None
    words = " AND ".join(f'"{token}"*' for token in tokens)
    # "089 090 001 234" or "67H1-204.13" typed with separators also matches the compact form.
    compact = "".join(tokens)
    if len(tokens) > 1 and any(ch.isdigit() for ch in compact):
        return f'({words}) OR "{compact}"*'
    return words


def case_rowid(conn: Connection, case_id: str) -> int:
    return int(conn.execute(text("SELECT rowid FROM cases WHERE id = :id"), {"id": case_id}).scalar_one())


def upsert(conn: Connection, case_id: str, body: str) -> None:
    rowid = case_rowid(conn, case_id)
    conn.execute(text("DELETE FROM case_search WHERE rowid = :r"), {"r": rowid})
    conn.execute(text("INSERT INTO case_search(rowid, body) VALUES (:r, :b)"), {"r": rowid, "b": body})


def insert_many(conn: Connection, rows: Iterable[tuple[int, str]]) -> None:
    batch = list(rows)
    if batch:
        conn.exec_driver_sql("INSERT INTO case_search(rowid, body) VALUES (?, ?)", batch)


def search_ids(conn: Connection, folded_query: str, limit: int = 200) -> Sequence[str]:
    """Ids of the newest matching cases first (cases are stored in roughly chronological order)."""
    expression = match_expression(folded_query)
    if expression is None:
        return []
    rows = conn.execute(
        text(
            "SELECT c.id FROM cases c JOIN (SELECT rowid FROM case_search WHERE case_search MATCH :q "
            "ORDER BY rowid DESC LIMIT :n) s ON s.rowid = c.rowid ORDER BY c.occurred_at DESC, c.id DESC"
        ),
        {"q": expression, "n": limit},
    )
    return [row[0] for row in rows]


def count_matches(conn: Connection, folded_query: str) -> int:
    expression = match_expression(folded_query)
    if expression is None:
        return 0
    return int(
        conn.execute(
            text("SELECT count(*) FROM case_search WHERE case_search MATCH :q"), {"q": expression}
        ).scalar_one()
    )
