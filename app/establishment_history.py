"""Who inspected each establishment, and when: the last inspection and the count the register screen lists,
and one establishment's whole inspection history.

Why a module of its own: the duplicate-inspection warning (``app.inspections``) looks at a window of
days around one inspection; an officer choosing where to go next wants the whole history of every
establishment at once. Both recognise the same establishment the same way — its registered id, its tax
code, or its folded name in its commune (``app.text.fold``) — and read the same two sources: this
register's inspections (at HQ, every post's) and, at a post, the other posts' and forces' inspections
HQ's newest return bundle carried (``inspection_notices``). The whole register is read in one pass (a
province makes a few hundred inspections a month), so a screen of a thousand establishments costs two
queries, not one per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import require
from app.domain import Actor
from app.errors import NotFound
from app.i18n import _
from app.inspections import INSPECTION
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

Key = tuple[str, ...]


@dataclass(frozen=True)
class InspectionEntry:
    """One inspection of an establishment, as its history lists it."""

    activity_id: str
    started_at: datetime
    station_code: str
    force: str  # the lead force
    officer: str
    result: str
    from_hq: bool  # known only through HQ's return bundle (another post's or force's inspection)


@dataclass(frozen=True)
class Summary:
    """What the register's list shows of an establishment's inspections."""

    count: int
    last: InspectionEntry | None


NEVER = Summary(0, None)


def _keys(ident: str | None, folded: str | None, commune: str | None, tax: str | None) -> set[Key]:
    """The ways an establishment is recognised: its id, its folded name in its commune, its tax code."""
    keys: set[Key] = set()
    if ident:
        keys.add(("id", ident))
    if folded:
        keys.add(("name", folded, commune or ""))
    if tax:
        keys.add(("tax", tax))
    return keys


def establishment_keys(row: m.Establishment) -> set[Key]:
    return _keys(row.id, row.name_folded, row.commune_code, row.tax_code)


def _inspections(session: Session) -> list[tuple[set[Key], InspectionEntry]]:
    """Every inspection the register knows of, each with the keys of the establishment it names (the
    columns only: at HQ these are every post's inspections)."""
    found: dict[str, tuple[set[Key], InspectionEntry]] = {}
    a, e = m.Activity, m.Establishment
    rows = session.execute(
        select(
            a.id,
            a.started_at,
            a.force,
            a.created_by,
            a.result,
            a.establishment_folded,
            a.commune_code,
            m.Station.code,
            e.id,
            e.name_folded,
            e.commune_code,
            e.tax_code,
        )
        .join(m.Station, m.Station.id == a.origin)
        .outerjoin(e, e.id == a.establishment_id)
        .where(a.kind == INSPECTION)
    ).all()
    for ident, at, force, officer, result, folded, commune, code, *registered in rows:
        keys = _keys(None, folded, commune, None) | _keys(*registered)
        if keys:
            entry = InspectionEntry(ident, at, code, force, officer, result or "", from_hq=False)
            found[ident] = (keys, entry)
    for notice in session.execute(select(m.InspectionNotice)).scalars():
        if notice.activity_id in found:
            continue  # held here as an activity too: that one says more (its result)
        keys = _keys(
            notice.establishment_id, notice.establishment_folded, notice.commune_code, notice.tax_code
        )
        found[notice.activity_id] = (
            keys,
            InspectionEntry(
                notice.activity_id,
                notice.started_at,
                notice.station_code,
                notice.force,
                notice.officer,
                "",
                from_hq=True,
            ),
        )
    return list(found.values())


def inspections_of(
    session: Session, establishments: Iterable[m.Establishment]
) -> dict[str, list[InspectionEntry]]:
    """Each establishment's inspections, newest first, by its id."""
    by_key: dict[Key, list[InspectionEntry]] = {}
    for keys, entry in _inspections(session):
        for key in keys:
            by_key.setdefault(key, []).append(entry)
    history: dict[str, list[InspectionEntry]] = {}
    for row in establishments:
        entries = {e.activity_id: e for key in establishment_keys(row) for e in by_key.get(key, ())}
        history[row.id] = sorted(entries.values(), key=lambda e: (e.started_at, e.activity_id), reverse=True)
    return history


class EstablishmentHistory:
    """The register screen's reading of inspections (read-only: the services that write are
    ``app.establishments`` and ``app.activities``)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def summaries(self, actor: Actor) -> dict[str, Summary]:
        """Every establishment's count of inspections and its latest, by id (none: ``NEVER``)."""
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            rows = session.execute(select(m.Establishment)).scalars().all()
            return {
                ident: Summary(len(entries), entries[0] if entries else None)
                for ident, entries in inspections_of(session, rows).items()
            }

    def history(self, actor: Actor, establishment_id: str) -> list[InspectionEntry]:
        """One establishment's inspections by any post or force this register knows of, newest first."""
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            row = session.get(m.Establishment, establishment_id)
            if row is None:
                raise NotFound(_("no establishment {id}").format(id=establishment_id))
            return inspections_of(session, [row])[row.id]
