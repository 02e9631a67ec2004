"""The reference lists as a person reads them: every entry of a kind with its names, and whether it is
the one shipped with this version of Outpost or one HQ added or replaced (when, and where from).

Why: at HQ the analyst who runs ``reference set`` (or the app's *Add or replace from a file…*) must see
what the posts will receive; at a post, the chief sees which entries came from HQ. The lists are the
register's (``ctx.reference``: the shipped files with HQ's entries over them, app/reference.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app import __version__
from app.context import Context
from app.reference import CODE_LISTS
from db import models as m

KINDS = (*CODE_LISTS, "commodities", "communes")


@dataclass(frozen=True)
class Entry:
    code: str
    vi: str
    en: str
    updated_at: datetime | None  # None: as shipped
    source: str  # "shipped", or where HQ's entry came from ("hq")


def shipped_version() -> str:
    """The reference files are those of this Outpost version (they are part of the program)."""
    return __version__


def entries(ctx: Context, kind: str) -> list[Entry]:
    """Every entry of ``kind`` in use in this register, by code, with where it came from."""
    with ctx.sessions.reads() as session:
        changed = {
            row.code: (row.updated_at, row.source)
            for row in session.scalars(select(m.ReferenceItem).where(m.ReferenceItem.kind == kind))
        }
    ref = ctx.reference
    if kind == "commodities":
        rows = [(c.code, c.vi, c.en) for c in ref.commodities.values()]
    elif kind == "communes":
        rows = [(c.code, c.name, c.kind) for c in ref.communes.values()]
    else:
        rows = [(i.code, i.vi, i.en) for i in ref.lists.get(kind, {}).values()]
    found = []
    for code, vi, en in sorted(rows):
        when, source = changed.get(code, (None, "shipped"))
        found.append(Entry(code, vi, en, when, source))
    return found
