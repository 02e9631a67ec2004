"""Exports for use elsewhere (issue 20 item 3): the case list as it is shown (its filter, search and
order) to Excel or CSV, the people and the vehicles of those cases, and the located cases as GeoJSON
for QGIS.

Why each format is written the way it is:
- CSV is UTF-8 with a byte-order mark, which is how Excel knows the file is UTF-8 (without it a
  Vietnamese name opens as mojibake); LibreOffice and Python's csv module read it too.
- Excel (openpyxl, write-only so that a large register streams) keeps times as real date-times in
  the register's zone, so that a column sorts and filters as dates; case numbers stay text.
- GeoJSON follows RFC 7946: WGS 84, each point ``[longitude, latitude]`` (the reverse of how people
  say it), a FeatureCollection of Points. Its properties are what the case list shows and nothing
  about a person: a map leaves the office more easily than a register.

Informants are never exported: they live sealed in the tip-offs (``app/tips.py``), which no export
reads; the people list holds the parties of cases only. Files are written beside their target and
renamed into place, so a cancelled or failed export leaves no half file under the chosen name."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import select

from app.auth import require
from app.case_query import NEWEST_FIRST
from app.domain import Actor, CaseFilter, CaseRow, CaseSort
from app.errors import ValidationError
from app.i18n import N_, _
from app.progress import CancelToken, Progress, no_progress
from db import models as m

if TYPE_CHECKING:
    from app.context import Context
    from app.reference import Reference

FORMATS = ("xlsx", "csv", "geojson")
LIST_FORMATS = ("xlsx", "csv")  # people and vehicles have no place on a map
PAGE = 1000
EXCEL_ROWS = 1_048_575  # Excel's sheet holds 1 048 576 rows, one of them the header


def _commodities(row: CaseRow, reference: Reference) -> str:
    codes = (code.strip() for code in row.commodities.split(","))
    return ", ".join(reference.label("commodities", code) for code in codes if code)


@dataclass(frozen=True)
class Column:
    title: str  # translated when written
    value: Callable[[Any, Reference], Any]


# The case list's columns, in its order (ui/case_model.py COLUMNS; a test keeps the two the same).
CASE_COLUMNS: tuple[Column, ...] = (
    Column(N_("Case no."), lambda r, ref: r.number),
    Column(N_("Time"), lambda r, ref: r.occurred_at),
    Column(N_("Place"), lambda r, ref: r.place),
    Column(N_("Violation group"), lambda r, ref: ref.label("violation_groups", r.violation_group)),
    Column(N_("Commodity"), _commodities),
    Column(N_("Status"), lambda r, ref: ref.label("case_statuses", r.status)),
)


@dataclass(frozen=True)
class PersonRow:
    case_number: str
    occurred_at: datetime
    role: str
    kind: str
    full_name: str
    birth_date: Any
    gender: str | None
    nationality: str | None
    id_number: str | None
    address: str | None


@dataclass(frozen=True)
class VehicleRow:
    case_number: str
    occurred_at: datetime
    kind: str
    plate: str
    description: str | None


PEOPLE_COLUMNS: tuple[Column, ...] = (
    Column(N_("Case no."), lambda r, ref: r.case_number),
    Column(N_("Time"), lambda r, ref: r.occurred_at),
    Column(N_("Role"), lambda r, ref: ref.label("party_roles", r.role)),
    Column(
        N_("Person or organisation"), lambda r, ref: _("person") if r.kind == "person" else _("organisation")
    ),
    Column(N_("Full name"), lambda r, ref: r.full_name),
    Column(N_("Date of birth"), lambda r, ref: r.birth_date),
    Column(N_("Gender"), lambda r, ref: r.gender or ""),
    Column(N_("Nationality"), lambda r, ref: r.nationality or ""),
    Column(N_("ID number"), lambda r, ref: r.id_number or ""),
    Column(N_("Address"), lambda r, ref: r.address or ""),
)
VEHICLE_COLUMNS: tuple[Column, ...] = (
    Column(N_("Case no."), lambda r, ref: r.case_number),
    Column(N_("Time"), lambda r, ref: r.occurred_at),
    Column(N_("Vehicle"), lambda r, ref: ref.label("vehicle_kinds", r.kind)),
    Column(N_("Plate or number"), lambda r, ref: r.plate),
    Column(N_("Description"), lambda r, ref: r.description or ""),
)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int  # rows written (features, for GeoJSON)
    left_out: int = 0  # GeoJSON: cases without coordinates; Excel: rows past the sheet's last


def case_pages(
    ctx: Context,
    actor: Actor,
    case_filter: CaseFilter,
    sort: CaseSort = NEWEST_FIRST,
    cancel: CancelToken | None = None,
) -> Iterator[list[CaseRow]]:
    """The list's rows, a page at a time in its order (keyset paging, as the list itself reads)."""
    after: tuple[Any, str] | None = None
    while True:
        if cancel is not None:
            cancel.check()
        rows = ctx.cases.list(actor, case_filter, sort=sort, limit=PAGE, after=after)
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        after = (rows[-1].sort_value(sort), rows[-1].id)


def _check_format(fmt: str, allowed: Sequence[str]) -> None:
    if fmt not in allowed:
        raise ValidationError(
            [
                _("format: {format} is not one of {allowed}").format(
                    format=repr(fmt), allowed=", ".join(allowed)
                )
            ]
        )


def export_cases(
    ctx: Context,
    actor: Actor,
    case_filter: CaseFilter,
    fmt: str,
    path: Path,
    *,
    sort: CaseSort = NEWEST_FIRST,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """The cases passing ``case_filter``, in ``sort`` order, to ``path`` as ``fmt`` (xlsx, csv or
    geojson)."""
    require(actor, "case.read")
    _check_format(fmt, FORMATS)
    total = ctx.cases.count(actor, case_filter)
    pages = case_pages(ctx, actor, case_filter, sort, cancel)
    if fmt == "geojson":
        return _geojson(ctx, pages, path, total, progress, cancel)
    return _table(
        ctx, fmt, CASE_COLUMNS, (row for page in pages for row in page), path, total, progress, cancel
    )


def export_people(
    ctx: Context,
    actor: Actor,
    case_filter: CaseFilter,
    fmt: str,
    path: Path,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """The people and organisations named in the cases passing ``case_filter`` (never an informant)."""

    def person(case: CaseRow, p: m.Party) -> PersonRow:
        return PersonRow(
            case.number,
            case.occurred_at,
            p.role,
            p.kind,
            p.full_name,
            p.birth_date,
            p.gender,
            p.nationality,
            p.id_number,
            p.address,
        )

    return _children(ctx, actor, case_filter, fmt, path, PEOPLE_COLUMNS, m.Party, person, progress, cancel)


def export_vehicles(
    ctx: Context,
    actor: Actor,
    case_filter: CaseFilter,
    fmt: str,
    path: Path,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """The vehicles and vessels of the cases passing ``case_filter``."""

    def vehicle(case: CaseRow, v: m.Vehicle) -> VehicleRow:
        return VehicleRow(case.number, case.occurred_at, v.kind, v.plate, v.description)

    return _children(
        ctx, actor, case_filter, fmt, path, VEHICLE_COLUMNS, m.Vehicle, vehicle, progress, cancel
    )


def _children(
    ctx: Context,
    actor: Actor,
    case_filter: CaseFilter,
    fmt: str,
    path: Path,
    columns: Sequence[Column],
    table: Any,
    make: Callable[[CaseRow, Any], Any],
    progress: Progress,
    cancel: CancelToken | None,
) -> ExportResult:
    """The rows of ``table`` (parties, vehicles) under the cases passing the filter: in the list's
    order, each case's in their own order, read a page of cases at a time."""
    require(actor, "case.read")
    _check_format(fmt, LIST_FORMATS)
    total = ctx.cases.count(actor, case_filter)

    def rows() -> Iterator[Any]:
        for page in case_pages(ctx, actor, case_filter, cancel=cancel):
            cases = {r.id: r for r in page}
            order = {case_id: i for i, case_id in enumerate(cases)}
            with ctx.sessions.reads() as session:
                found = [
                    (order[item.case_id], item.position, make(cases[item.case_id], item))
                    for item in session.execute(select(table).where(table.case_id.in_(list(cases)))).scalars()
                ]
            found.sort(key=lambda item: item[:2])
            yield from (row for _case, _position, row in found)

    return _table(ctx, fmt, columns, rows(), path, total, progress, cancel, counts_cases=True)


# ----- writing ---------------------------------------------------------------------------------------


class _Steps:
    """Progress by case (the total is known up front), reported every page rather than every row."""

    def __init__(self, total: int, progress: Progress) -> None:
        self.total, self.done, self._progress = total, 0, progress
        progress(0, total)

    def add(self, count: int = 1) -> None:
        self.done += count
        if self.done % PAGE == 0 or self.done == self.total:
            self._progress(min(self.done, self.total), self.total)


def _replace_when_done(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """``write`` into a temporary file beside ``path``, flushed to disk, then renamed over it: as
    ``app.files.write_atomically`` does, but streamed (a whole register's export is not held in
    memory as bytes first)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _text(value: Any) -> str:
    """A cell as the list shows it: dates as 20/11/2026 23:40 and 01/05/1990."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%d/%m/%Y"))
    return str(value)


def _table(
    ctx: Context,
    fmt: str,
    columns: Sequence[Column],
    rows: Iterator[Any],
    path: Path,
    total: int,
    progress: Progress,
    cancel: CancelToken | None,
    *,
    counts_cases: bool = False,
) -> ExportResult:
    reference = ctx.reference
    steps = _Steps(total, progress)
    titles = [_(c.title) for c in columns]
    written = 0
    left_out = 0
    seen: set[str] = set()

    def counted(row: Any) -> None:
        # People and vehicles: progress by case (several rows may share one; the total is cases).
        if counts_cases:
            if row.case_number not in seen:
                seen.add(row.case_number)
                steps.add()
        else:
            steps.add()

    def write_csv(out: IO[bytes]) -> None:
        nonlocal written
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(titles)
        for row in rows:
            writer.writerow([_text(c.value(row, reference)) for c in columns])
            written += 1
            counted(row)
        text.flush()
        text.detach()  # the caller flushes and closes the file itself

    def write_xlsx(out: IO[bytes]) -> None:
        nonlocal written, left_out
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Export"))
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        head = []
        for title in titles:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            head.append(cell)
        sheet.append(head)
        for row in rows:
            if written >= EXCEL_ROWS:
                left_out += 1
                counted(row)
                continue
            cells = []
            for column in columns:
                value = column.value(row, reference)
                if isinstance(value, datetime):
                    # Excel has no time zones: the case's own local time, as the list shows it.
                    cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
                    cell.number_format = "dd/mm/yyyy hh:mm"
                elif value is not None and hasattr(value, "strftime"):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "dd/mm/yyyy"
                else:
                    cell = WriteOnlyCell(sheet, value="" if value is None else value)
                cells.append(cell)
            sheet.append(cells)
            written += 1
            counted(row)
        book.save(out)

    _replace_when_done(path, write_csv if fmt == "csv" else write_xlsx)
    if cancel is not None:
        cancel.check()
    return ExportResult(path, written, left_out)


def _geojson(
    ctx: Context,
    pages: Iterator[list[CaseRow]],
    path: Path,
    total: int,
    progress: Progress,
    cancel: CancelToken | None,
) -> ExportResult:
    reference = ctx.reference
    steps = _Steps(total, progress)
    written = 0
    unlocated = 0

    def write(out: IO[bytes]) -> None:
        nonlocal written, unlocated
        out.write(b'{"type": "FeatureCollection", "features": [')
        for page in pages:
            with ctx.sessions.reads() as session:
                located = session.execute(
                    select(m.Case.id, m.Case.longitude, m.Case.latitude).where(
                        m.Case.id.in_([r.id for r in page])
                    )
                )
                where = {case_id: (lon, lat) for case_id, lon, lat in located}
            for row in page:
                lon, lat = where.get(row.id, (None, None))
                steps.add()
                if lon is None or lat is None:
                    unlocated += 1
                    continue
                feature = {
                    "type": "Feature",
                    "id": row.number,
                    "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                    "properties": _properties(row, reference),
                }
                out.write(
                    (b"," if written else b"") + b"\n" + json.dumps(feature, ensure_ascii=False).encode()
                )
                written += 1
        out.write(b"\n]}\n")

    _replace_when_done(path, write)
    return ExportResult(path, written, unlocated)


def _properties(row: CaseRow, reference: Reference) -> dict[str, Any]:
    """What the case list shows of a case (codes beside their words, for QGIS's styling by value);
    nothing about a person."""
    return {
        "number": row.number,
        "occurred_at": row.occurred_at.isoformat(),
        "place": row.place,
        "violation_group": row.violation_group,
        "violation_group_label": reference.label("violation_groups", row.violation_group),
        "commodities": _commodities(row, reference),
        "status": row.status,
        "status_label": reference.label("case_statuses", row.status),
    }
