"""Accent-insensitive full-text index over cases: SQLite FTS5, or a PostgreSQL ``tsvector``, both over
the text folded by ``app.text.fold``.

On PostgreSQL (HQ, issue 18) the table ``case_search`` keeps each case's folded text and its words as a
``tsvector`` with a GIN index; the words are split here, by the same rule as the query's words, and
stored as they are (no dictionary, no stemming), so that a query finds on PostgreSQL exactly what FTS5
finds: every word, the last one as a prefix (``:*``, which the GIN index answers itself).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

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


def _postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def index_words(body: str) -> list[str]:
    """The distinct words of folded text, as the PostgreSQL index stores them."""
    return sorted(set(_TOKEN.findall(body)))


def tsquery(expression: str) -> str:
    """``match_expression``'s FTS5 query as a PostgreSQL ``tsquery`` (its words are ``\\w+``, so they
    need no escaping): ``"a" AND "b"*`` becomes ``'a' & 'b':*``."""
    query = re.sub(r'"(\w+)"\*', r"'\1':*", expression)
    query = re.sub(r'"(\w+)"', r"'\1'", query)
    return query.replace(" AND ", " & ").replace(" OR ", " | ")


_PG_UPSERT = (
    "INSERT INTO case_search (case_id, body, words) VALUES (%s, %s, array_to_tsvector(%s::text[])) "
    "ON CONFLICT (case_id) DO UPDATE SET body = excluded.body, words = excluded.words"
)


def case_rowid(conn: Connection, case_id: str) -> int:
    return int(conn.execute(text("SELECT rowid FROM cases WHERE id = :id"), {"id": case_id}).scalar_one())


def upsert(conn: Connection, case_id: str, body: str) -> None:
    if _postgres(conn):
        conn.exec_driver_sql(_PG_UPSERT, (case_id, body, index_words(body)))
        return
    rowid = case_rowid(conn, case_id)
    conn.execute(text("DELETE FROM case_search WHERE rowid = :r"), {"r": rowid})
    conn.execute(text("INSERT INTO case_search(rowid, body) VALUES (:r, :b)"), {"r": rowid, "b": body})


def insert_many(conn: Connection, rows: Iterable[tuple[int | str, str]]) -> None:
    """Index entries of cases not indexed yet: (rowid, body) on SQLite, (case id, body) on PostgreSQL."""
    batch = list(rows)
    if not batch:
        return
    if _postgres(conn):
        conn.exec_driver_sql(_PG_UPSERT, [(key, body, index_words(body)) for key, body in batch])
        return
    conn.exec_driver_sql("INSERT INTO case_search(rowid, body) VALUES (?, ?)", batch)


def copy_many(conn: Connection, rows: Iterable[tuple[int | str, str]]) -> None:
    """``insert_many``, by ``COPY`` on PostgreSQL (HQ's bulk import; ``insert_many`` elsewhere): the
    words go as a ``tsvector``'s text, each word quoted, which PostgreSQL reads as the same lexemes
    ``array_to_tsvector`` makes of them (a word is ``\\w+``: no quote, backslash, colon or space to
    escape). Only for cases not indexed yet: an entry already there is a unique violation, not an
    update."""
    if not _postgres(conn):
        insert_many(conn, rows)
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy("COPY case_search (case_id, body, words) FROM STDIN") as copy:
        for key, body in rows:
            copy.write_row((key, body, " ".join(f"'{word}'" for word in index_words(body))))


def key_column(conn: Connection) -> ColumnElement[Any]:
    """What an index entry is keyed by: the case's rowid on SQLite, its id on PostgreSQL."""
    return literal_column("cases.id" if _postgres(conn) else "cases.rowid")


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
    and stops as soon as a page is full, instead of fetching and sorting every match. On PostgreSQL,
    always the subquery: its planner chooses between the GIN index and the sort index by itself."""
    if _postgres(conn):
        return text(
            "cases.id IN (SELECT case_id FROM case_search WHERE words @@ CAST(:search_q AS tsquery))"
        ).bindparams(search_q=tsquery(expression))
    few = conn.execute(
        text("SELECT rowid FROM case_search WHERE case_search MATCH :q LIMIT :n"),
        {"q": expression, "n": FEW_MATCHES + 1},
    ).scalars().all()
    if len(few) <= FEW_MATCHES:
        return literal_column("cases.rowid").in_([int(r) for r in few])
    return text(
        "+cases.rowid IN (SELECT rowid FROM case_search WHERE case_search MATCH :search_q)"
    ).bindparams(search_q=expression)


def count_matching(conn: Connection, expression: str) -> int:
    """How many index entries match ``expression``: each is one case's."""
    if _postgres(conn):
        query = "SELECT count(*) FROM case_search WHERE words @@ CAST(:q AS tsquery)"
        return int(conn.execute(text(query), {"q": tsquery(expression)}).scalar_one())
    query = "SELECT count(*) FROM case_search WHERE case_search MATCH :q"
    return int(conn.execute(text(query), {"q": expression}).scalar_one())


# PostgreSQL (HQ): the filter columns whose values each search entry also holds as marks, lexemes
# ``=column=value`` kept by triggers (migration 0019). A typed word is ``\w+`` and cannot begin with
# "=", so no search finds a mark; a mark only ever narrows a query the program builds.
MARKED = ("status", "violation_group", "ownerless", "lead_force", "origin", "campaign_id")
# A value is put into a query as a mark only if it needs no quoting (codes, ids, true/false).
_MARK_VALUE = re.compile(r"[\w.-]+")


def mark(column: str, value: object) -> str | None:
    """A filter value as a ``tsquery`` term for its mark (booleans as PostgreSQL writes them), or None
    when the value is not one a mark can stand for."""
    assert column in MARKED
    text_value = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if not _MARK_VALUE.fullmatch(text_value):
        return None
    return f"'={column}={text_value}'"


def marked_matches(conn: Connection, expression: str, marks: list[list[str]], limit: int) -> list[str]:
    """Up to ``limit`` ids of the cases that match ``expression`` and hold, for each group of
    ``marks``, one of them (``mark``): the GIN index intersects the search and the filter by itself,
    so a search with a filter that keeps few or none of its matches is answered without reading the
    cases (PostgreSQL only).

    The whole words are asked first, without the last word's prefix: a prefix makes the index gather
    every word it begins (``'hero':*``, 0.2 s alone at 440 000 cases) where whole words and marks
    intersect in a few milliseconds. When few cases hold them, the prefix is checked on those."""
    groups = " & ".join("(" + " | ".join(group) + ")" for group in marks)
    whole = _whole_words(expression)
    if whole:
        held = _entries(conn, " & ".join([*whole, groups]), limit)
        if not held:
            return []
        if len(held) < limit:
            # OFFSET 0 keeps the search condition out of the index scan: the planner would otherwise
            # ask the GIN index for every match of the whole query (43 ms for "nguyen van" at 1 M)
            # to intersect with a couple of thousand ids it reads by key in 5.
            found = conn.execute(
                text("SELECT case_id FROM (SELECT case_id, words FROM case_search "
                     "WHERE case_id = ANY(:ids) OFFSET 0) AS held WHERE words @@ CAST(:q AS tsquery)"),
                {"ids": held, "q": tsquery(expression)},
            )
            return [str(case_id) for case_id in found.scalars()]
    return _entries(conn, f"({tsquery(expression)}) & {groups}", limit)


def _whole_words(expression: str) -> list[str]:
    """The words every match of ``match_expression``'s query holds whole (none when it has an OR)."""
    if " OR " in expression:
        return []
    return [f"'{word}'" for word in re.findall(r'"(\w+)"(?!\*)', expression)]


def _entries(conn: Connection, query: str, limit: int) -> list[str]:
    found = conn.execute(
        text("SELECT case_id FROM case_search WHERE words @@ CAST(:q AS tsquery) LIMIT :n"),
        {"q": query, "n": limit},
    )
    return [str(case_id) for case_id in found.scalars()]


def matching_rowids(expression: str, low: int, high: int) -> TextClause:
    """A condition on ``cases`` for the rows between rowids ``low`` and ``high`` whose index entry
    matches ``expression``: the full-text query only reads that stretch of its lists."""
    return text(
        "cases.rowid IN (SELECT rowid FROM case_search WHERE case_search MATCH :window_q "
        "AND rowid BETWEEN :window_low AND :window_high)"
    ).bindparams(window_q=expression, window_low=low, window_high=high)
