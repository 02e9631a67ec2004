"""No area left out: the communes and border markers of a post's area that no patrol, checkpoint or
inspection reached in a period, at the post and for every post at HQ.

Why: "không được bỏ sót địa bàn" — the 2026 plan asks that no part of a post's area be left alone
while another is visited again and again (docs/domain.md §2). Each post's area is reference data,
``resources/reference/post_areas.json`` (checked against ``resources/schemas/post-areas-v1.schema.json``
when read); a post not listed there covers only its register's commune."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import RegisterError
from app.i18n import _, label_language
from app.resources import resource_path, schema_problem
from app.text import fold
from db import models as m

if TYPE_CHECKING:
    from app.reference import Reference

# The activities that reach a place; an outreach session is counted in the reports, not here.
COVERING_KINDS = ("patrol", "checkpoint", "inspection")


@dataclass(frozen=True)
class Marker:
    code: str
    commune: str
    vi: str
    en: str

    def label(self, language: str | None = None) -> str:
        return self.en if (language or label_language()) == "en" else self.vi


@dataclass(frozen=True)
class Area:
    post: str
    communes: tuple[str, ...]
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class Coverage:
    """One post's area in a period: what was reached and what was left out."""

    station_code: str
    start: date
    end: date  # inclusive
    communes: tuple[str, ...]  # every commune of the area
    markers: tuple[Marker, ...]  # every marker of the area
    communes_left: tuple[str, ...]
    markers_left: tuple[Marker, ...]
    activities: int  # patrols, checkpoints and inspections of the post in the period

    @property
    def complete(self) -> bool:
        return not self.communes_left and not self.markers_left


def load_areas(document: Any = None) -> dict[str, Area]:
    """The posts' areas by post code, from the shipped file (or ``document``), checked against its schema."""
    if document is None:
        document = _shipped()
    problem = schema_problem(document, "post-areas-v1.schema.json")
    if problem:
        where, _sep, message = problem.partition(": ")
        raise RegisterError(
            _("the posts' areas file is not valid ({where}: {problem})").format(where=where, problem=message)
        )
    return {
        area["post"]: Area(
            area["post"],
            tuple(area["communes"]),
            tuple(Marker(k["code"], k["commune"], k["vi"], k["en"]) for k in area["markers"]),
        )
        for area in document["areas"]
    }


@cache
def _shipped() -> Any:
    return json.loads(resource_path("reference", "post_areas.json").read_text(encoding="utf-8"))


def area_of(station: m.Station, areas: Mapping[str, Area]) -> Area:
    """The station's area: as the file lists it, else its own commune alone."""
    listed = areas.get(station.code)
    if listed is not None:
        return listed
    return Area(station.code, (station.commune_code,) if station.commune_code else (), ())


def _marker_column() -> Any:
    """The activities' border marker column, added by the activities' own migration (0013): until it
    is there, no activity names a marker and every marker counts as not reached."""
    return getattr(m.Activity, "border_marker", None)


def marker_key(text: str) -> str:
    """A border marker as a patrol names it, for matching the area's: folded, without a leading
    "Mốc"/"Marker" word, so that "Mốc KB-01", "mốc kb-01" and "KB-01" all reach marker KB-01 (the
    editor asks for free text, e.g. "Mốc 245")."""
    folded = fold(text)
    for word in ("cot moc ", "moc ", "marker "):
        if folded.startswith(word):
            return folded[len(word) :]
    return folded


def _names_of(marker: Marker) -> set[str]:
    return {marker_key(marker.code), marker_key(marker.vi), marker_key(marker.en)}


def coverage(
    session: Session, station: m.Station, area: Area, start: date, end: date, zone: tzinfo
) -> Coverage:
    """What ``station``'s activities from ``start`` to ``end`` (days in ``zone``) left out of ``area``."""
    low = datetime.combine(start, time(), zone)
    high = datetime.combine(end + timedelta(days=1), time(), zone)
    marker = _marker_column()
    columns = [m.Activity.commune_code] + ([marker] if marker is not None else [])
    rows = session.execute(
        select(*columns).where(
            m.Activity.origin == station.id,
            m.Activity.kind.in_(COVERING_KINDS),
            m.Activity.started_at >= low,
            m.Activity.started_at < high,
        )
    ).all()
    communes = {row[0] for row in rows if row[0]}
    markers = {marker_key(row[1]) for row in rows if marker is not None and row[1]}
    return Coverage(
        station.code,
        start,
        end,
        area.communes,
        area.markers,
        tuple(c for c in area.communes if c not in communes),
        tuple(k for k in area.markers if not _names_of(k) & markers),
        len(rows),
    )


def posts_coverage(
    session: Session, start: date, end: date, zone: tzinfo, areas: Mapping[str, Area] | None = None
) -> list[Coverage]:
    """HQ: every post's coverage in the period, by post code (revoked posts left out)."""
    areas = load_areas() if areas is None else areas
    stations = session.execute(
        select(m.Station)
        .where(m.Station.kind == "post", m.Station.revoked_at.is_(None))
        .order_by(m.Station.code)
    ).scalars()
    return [coverage(session, s, area_of(s, areas), start, end, zone) for s in stations]


def register_coverage(
    session: Session, kind: str, station_id: str, start: date, end: date, zone: tzinfo
) -> tuple[Coverage, ...]:
    """What the register's home page shows: at a post its own area, at HQ every post's."""
    if kind == "hq":
        return tuple(posts_coverage(session, start, end, zone))
    station = session.get(m.Station, station_id)
    if station is None:
        return ()
    return (coverage(session, station, area_of(station, load_areas()), start, end, zone),)


def lines(item: Coverage, reference: Reference) -> list[str]:
    """The coverage as text lines for a person (the CLI, the dashboard)."""
    head = _("{post}, {start} to {end}: {count} patrols, checkpoints and inspections").format(
        post=item.station_code,
        start=f"{item.start:%d/%m/%Y}",
        end=f"{item.end:%d/%m/%Y}",
        count=item.activities,
    )
    if item.complete:
        return [head, "  " + _("every commune and border marker of the area was reached")]
    out = [head]
    if item.communes_left:
        names = ", ".join(reference.label("communes", c) for c in item.communes_left)
        out.append(
            "  "
            + _("communes left out ({left} of {total}): {names}").format(
                left=len(item.communes_left), total=len(item.communes), names=names
            )
        )
    if item.markers_left:
        names = ", ".join(k.label() for k in item.markers_left)
        out.append(
            "  "
            + _("border markers left out ({left} of {total}): {names}").format(
                left=len(item.markers_left), total=len(item.markers), names=names
            )
        )
    return out


def summary_line(item: Coverage) -> str:
    """One post's coverage in a line (HQ's home page lists every post)."""
    return _(
        "{post}: {communes} of {total_communes} communes and {markers} of {total_markers} border "
        "markers left out"
    ).format(
        post=item.station_code,
        communes=len(item.communes_left),
        total_communes=len(item.communes),
        markers=len(item.markers_left),
        total_markers=len(item.markers),
    )


def as_json(item: Coverage, reference: Reference) -> dict[str, Any]:
    return {
        "post": item.station_code,
        "from": item.start.isoformat(),
        "to": item.end.isoformat(),
        "activities": item.activities,
        "communes": len(item.communes),
        "markers": len(item.markers),
        "communes_left": [{"code": c, "name": reference.label("communes", c)} for c in item.communes_left],
        "markers_left": [
            {"code": k.code, "commune": k.commune, "name": k.label()} for k in item.markers_left
        ],
    }
