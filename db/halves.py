"""Half-months of the stored report tallies (``app.tallies``) and how a write drops the ones it changes.

Triggers (migration 0008) drop a post's half-month whenever a case or goods line of it is updated or
deleted, in whatever way. New rows are not watched by triggers: a trigger on an insert costs about as
much as the insert itself (SQLite opens a statement journal for every row of a table with triggers),
which would slow the bulk paths by a third. Instead, the session hook below drops the half-months of
the cases and goods lines a flush adds, and the bulk paths (HQ import, demo cases) call ``drop`` with
the half-months of the cases they wrote, in the same transaction.

Days are cut at the register's fixed offset from UTC (its time zone's, ``app.zones``), which meta keeps
as ``utc_offset_min``: the triggers read it there, and so does the session hook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from db import models as m

DEFAULT_OFFSET = timedelta(hours=7)  # a register made before it had a zone: Vietnam's (migration 0009)
OFFSET_SQL = "SELECT value FROM meta WHERE key = 'utc_offset_min'"
DROP_SQL = "DELETE FROM report_halves WHERE origin = ? AND half = ?"


def half_of(day: date) -> date:
    """The first day of the half-month (1st-14th, 15th-end) holding ``day``."""
    return day.replace(day=1 if day.day < 15 else 15)


def half_of_instant(when: datetime | str, local: timedelta) -> date:
    """The half-month of an instant's local day at the register's offset ``local``; the instant as a
    datetime or in the UTC text SQLite stores it as (``2026-11-14T17:01:00.000000Z``)."""
    if isinstance(when, str):
        return half_of((datetime.fromisoformat(when[:19]) + local).date())
    return half_of(when.astimezone(_fixed(local)).date())


@cache
def _fixed(local: timedelta) -> timezone:
    return timezone(local)


def register_offset(execute: Callable[[str], Any]) -> timedelta:
    """The register's offset from UTC as meta keeps it, read with ``execute`` (a connection's
    ``exec_driver_sql``)."""
    value = execute(OFFSET_SQL).scalar()
    return timedelta(minutes=int(value)) if value is not None else DEFAULT_OFFSET


def drop(
    execute_many: Callable[[str, list[tuple[str, str]]], Any], halves: Iterable[tuple[str, date]]
) -> None:
    """Drop the stored tallies of these (origin, half-month) pairs with ``execute_many`` (a DBAPI
    cursor's ``executemany`` or a connection's ``exec_driver_sql``)."""
    rows = sorted({(origin, half.isoformat()) for origin, half in halves})
    if rows:
        execute_many(DROP_SQL, rows)


def of_case_rows(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], offset: int = 0, *, local: timedelta
) -> set[tuple[str, date]]:
    """The (origin, half-month) pairs of case rows in their stored form: ``columns`` the names of their
    values, after ``offset`` leading ones (a rowid); days at the register's offset ``local``."""
    origin = offset + list(columns).index("origin")
    occurred = offset + list(columns).index("occurred_at")
    return {(row[origin], half_of_instant(row[occurred], local)) for row in rows}


@event.listens_for(Session, "after_flush")
def _drop_added(session: Session, _context: Any) -> None:
    if session.get_bind().dialect.name != "sqlite":
        return
    cases: list[m.Case] = []
    for added in session.new:
        case = added if isinstance(added, m.Case) else getattr(added, "case", None)
        if isinstance(added, m.GoodsLine) and case is None:
            case = session.get(m.Case, added.case_id)
        if isinstance(case, m.Case) and isinstance(added, (m.Case, m.GoodsLine)):
            cases.append(case)
    if not cases:
        return
    execute = session.connection().exec_driver_sql
    local = register_offset(execute)
    drop(execute, {(case.origin, half_of_instant(case.occurred_at, local)) for case in cases})
