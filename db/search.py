"""Accent-insensitive full-text index over cases (SQLite FTS5 on text folded by ``app.text.fold``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, TextClause, literal_column, text

# The index holds folded text (no diacritics, đ→d), so the tokenizer only has to split words.
# Prefix indexes for 1-3 letters keep type-ahead queries ("thuoc la") fast at a million cases.
# Changing this needs a migration that recreates the table (see 0003).
CREATE_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')"
)
_TOKEN = re.compile(r"\w+")


def match_expression(folded_query: str) -> str | None:
    """FTS5 query: every word required; the last one may be unfinished (a prefix), as typed.

    Only the last word is a prefix: earlier words are whole, as the user finished typing them."""
    tokens = _TOKEN.findall(folded_query)
    if not tokens:
        return None
    words = " AND ".join([*(f'"{token}"' for token in tokens[:-1]), f'"{tokens[-1]}"*'])
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


# Up to this many matches, the page is cut from the matches themselves; past it, from a walk of
# the cases newest first that keeps the matching ones (it stops as soon as the page is full).
FEW_MATCHES = 2000


def is_short_list(condition: object) -> bool:
    """Whether a ``matching`` condition is a short list of rowids (few matches)."""
    return not isinstance(condition, TextClause)


def matching(conn: Connection, expression: str) -> ColumnElement[bool] | TextClause:
    """A condition on ``cases`` for the rows whose index entry matches ``expression``.

    Few matches become a list of rowids for SQLite to look up directly. Many become a subquery,
    with the rowid hidden from the planner (unary ``+``) so that it walks the list's order index
    and stops as soon as a page is full, instead of fetching and sorting every match."""
    few = conn.execute(
        text("SELECT rowid FROM case_search WHERE case_search MATCH :q LIMIT :n"),
        {"q": expression, "n": FEW_MATCHES + 1},
    ).scalars().all()
    if len(few) <= FEW_MATCHES:
        return literal_column("cases.rowid").in_([int(r) for r in few])
    return text(
        "+cases.rowid IN (SELECT rowid FROM case_search WHERE case_search MATCH :search_q)"
    ).bindparams(search_q=expression)


def matching_rowids(expression: str, low: int, high: int) -> TextClause:
    """A condition on ``cases`` for the rows between rowids ``low`` and ``high`` whose index entry
    matches ``expression``: the full-text query only reads that stretch of its lists."""
    return text(
        "cases.rowid IN (SELECT rowid FROM case_search WHERE case_search MATCH :window_q "
        "AND rowid BETWEEN :window_low AND :window_high)"
    ).bindparams(window_q=expression, window_low=low, window_high=high)
