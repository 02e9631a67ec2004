"""Accent-insensitive full-text index over cases (SQLite FTS5 on text folded by ``app.text.fold``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, text

from db.types import utc_text

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


def page_ids(
    conn: Connection,
    expression: str,
    *,
    status: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[str]:
    """Ids of one page of matching cases, newest first, after the keyset ``after``."""
    few = conn.execute(
        text("SELECT rowid FROM case_search WHERE case_search MATCH :q ORDER BY rowid DESC LIMIT :n"),
        {"q": expression, "n": FEW_MATCHES + 1},
    ).scalars().all()
    conditions, params = [], {"q": expression, "n": limit}
    if status:
        conditions.append("status = :status")
        params["status"] = status
    if after is not None:
        conditions.append("(occurred_at < :at OR (occurred_at = :at AND id < :id))")
        params.update(at=utc_text(after[0]), id=after[1])
    if len(few) <= FEW_MATCHES:
        source = "cases"
        conditions.append(f"rowid IN ({','.join(str(int(r)) for r in few) or 'NULL'})")
    else:
        source = "cases INDEXED BY ix_cases_occurred"
        conditions.append("rowid IN (SELECT rowid FROM case_search WHERE case_search MATCH :q)")
    sql = (f"SELECT id FROM {source} WHERE {' AND '.join(conditions)} "
           "ORDER BY occurred_at DESC, id DESC LIMIT :n")
    return [row[0] for row in conn.execute(text(sql), params)]
