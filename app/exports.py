"""Exports for use elsewhere (issue 20 item 3): the case list as it is shown (its filter, search and
order) to Excel or CSV, the people and the vehicles of those cases, and the located cases as GeoJSON
for QGIS.

Why each format is written the way it is:
- CSV is UTF-8 with a byte-order mark, which is how Excel knows the file is UTF-8 (without it a
  Vietnamese name opens as mojibake); LibreOffice and Python's csv module read it too. Excel opened
  by a double-click splits a CSV file at the list separator of Windows' regional settings, which is
  ";" on a Vietnamese Windows (whose decimal separator is ","), "," on an English one: so the
  delimiter is a choice, ";" by default in Vietnamese, and a decimal number is written with the
  decimal separator that goes with it (a comma beside ";", a point beside ","). Fields holding the
  delimiter, a quote or a line break are quoted by the csv module (docs/operations.md §10).
- Excel (openpyxl, write-only so that a large register streams) keeps times as real date-times in
  the register's zone, so that a column sorts and filters as dates; case numbers stay text.
- GeoJSON follows RFC 7946: WGS 84, each point ``[longitude, latitude]`` (the reverse of how people
  say it), a FeatureCollection of Points. Its properties are what the case list shows and nothing
  about a person: a map leaves the office more easily than a register.

Informants are never exported: they live sealed in the tip-offs (``app/tips.py``), which no export
reads; the people list holds the parties of cases only. Files are written beside their target and
renamed into place, so a cancelled or failed export leaves no half file under the chosen name.

Every export is an audit event (who, what, how many rows, the filter, the file's name; never a row
of it), written before the finished file is renamed into place: a file under its chosen name always
has its event, and a failed event leaves no file (docs/security.md, "The audit trail")."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import select

from app import audit
from app.auth import require
from app.case_query import NEWEST_FIRST
from app.countries import country_name
from app.domain import Actor, CaseFilter, CaseRow, CaseSort
from app.errors import NotFound, ValidationError
from app.i18n import N_, _, current_language
from app.progress import CancelToken, Progress, no_progress
from app.serialize import row_state
from db import models as m

if TYPE_CHECKING:
    from app.context import Context
    from app.reference import Reference

FORMATS = ("xlsx", "csv", "geojson")
LIST_FORMATS = ("xlsx", "csv")  # people and vehicles have no place on a map
PAGE = 1000
EXCEL_ROWS = 1_048_575  # Excel's sheet holds 1 048 576 rows, one of them the header
DELIMITERS = (";", ",")  # the two list separators of Windows' regional settings Excel follows
EXPORT_ACTION = "export"  # the audit event's action (on the exporting user's row)


def default_delimiter(language: str | None = None) -> str:
    """The CSV delimiter a double-clicked file opens with in Excel on the user's Windows, guessed from
    the interface language (``language``, else the current one): Vietnamese Windows lists with ";"."""
    return ";" if (language or current_language()) == "vi" else ","


def _commodities(row: CaseRow, reference: Reference) -> str:
    codes = (code.strip() for code in row.commodities.split(","))
    return ", ".join(reference.label("commodities", code) for code in codes if code)


@dataclass(frozen=True)
class Column:
    title: str  # translated when written
    value: Callable[[Any, Reference], Any]
    width: int = 16  # in Excel, in characters: a case number or a date is never cut off or "####"


def _first_upper(text: str) -> str:
    """A heading or a value that stands alone in a cell starts with a capital ("số giấy tờ" → "Số giấy
    tờ"): the catalog's words are written for the middle of a sentence."""
    return text[:1].upper() + text[1:]


def _gender(row: Any, reference: Reference) -> str:
    return _first_upper(_(row.gender)) if row.gender in ("male", "female") else (row.gender or "")


# The case list's columns, in its order (ui/case_model.py COLUMNS; a test keeps the two the same).
CASE_COLUMNS: tuple[Column, ...] = (
    Column(N_("Case no."), lambda r, ref: r.number, 22),
    Column(N_("Time"), lambda r, ref: r.occurred_at, 17),
    Column(N_("Place"), lambda r, ref: r.place, 36),
    Column(N_("Violation group"), lambda r, ref: ref.label("violation_groups", r.violation_group), 40),
    Column(N_("Commodity"), _commodities, 30),
    Column(N_("Status"), lambda r, ref: ref.label("case_statuses", r.status), 14),
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
    Column(N_("Case no."), lambda r, ref: r.case_number, 22),
    Column(N_("Time"), lambda r, ref: r.occurred_at, 17),
    Column(N_("Role"), lambda r, ref: ref.label("party_roles", r.role), 18),
    Column(
        N_("Person or organisation"),
        lambda r, ref: _first_upper(_("person") if r.kind == "person" else _("organisation")),
        14,
    ),
    Column(N_("Full name"), lambda r, ref: r.full_name, 28),
    Column(N_("Date of birth"), lambda r, ref: r.birth_date, 12),
    Column(N_("Gender"), _gender, 9),
    Column(N_("Nationality"), lambda r, ref: country_name(r.nationality), 14),
    Column(N_("ID number"), lambda r, ref: r.id_number or "", 16),
    Column(N_("Address"), lambda r, ref: r.address or "", 44),
)
VEHICLE_COLUMNS: tuple[Column, ...] = (
    Column(N_("Case no."), lambda r, ref: r.case_number, 22),
    Column(N_("Time"), lambda r, ref: r.occurred_at, 17),
    Column(N_("Vehicle"), lambda r, ref: ref.label("vehicle_kinds", r.kind), 18),
    Column(N_("Plate or number"), lambda r, ref: r.plate, 18),
    Column(N_("Description"), lambda r, ref: r.description or "", 40),
)


@dataclass(frozen=True)
class Written:
    """What the audit event says of an export."""

    kind: str  # cases, people, vehicles
    fmt: str
    case_filter: CaseFilter
    path: Path


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int  # rows written (features, for GeoJSON)
    left_out: int = 0  # GeoJSON: cases without coordinates; Excel: rows past the sheet's last
    delimiter: str | None = None  # CSV: the one the file was written with


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


def check_format(fmt: str, allowed: Sequence[str]) -> None:
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
    delimiter: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """The cases passing ``case_filter``, in ``sort`` order, to ``path`` as ``fmt`` (xlsx, csv or
    geojson); ``delimiter`` for CSV (``default_delimiter()`` if None)."""
    require(actor, "case.read")
    check_format(fmt, FORMATS)
    delimiter = check_delimiter(delimiter)
    total = ctx.cases.count(actor, case_filter)
    pages = case_pages(ctx, actor, case_filter, sort, cancel)
    written = _audited(ctx, actor, Written("cases", fmt, case_filter, path))
    if fmt == "geojson":
        return _geojson(ctx, pages, path, total, progress, cancel, written)
    rows = (row for page in pages for row in page)
    return _table(ctx, fmt, CASE_COLUMNS, rows, path, total, progress, cancel, written, delimiter)


def export_people(
    ctx: Context,
    actor: Actor,
    case_filter: CaseFilter,
    fmt: str,
    path: Path,
    *,
    delimiter: str | None = None,
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

    return _children(ctx, actor, case_filter, fmt, path, "people", PEOPLE_COLUMNS, m.Party, person,
                     delimiter, progress, cancel)


def export_vehicles(
    ctx: Context,
    actor: Actor,
    case_filter: CaseFilter,
    fmt: str,
    path: Path,
    *,
    delimiter: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """The vehicles and vessels of the cases passing ``case_filter``."""

    def vehicle(case: CaseRow, v: m.Vehicle) -> VehicleRow:
        return VehicleRow(case.number, case.occurred_at, v.kind, v.plate, v.description)

    return _children(ctx, actor, case_filter, fmt, path, "vehicles", VEHICLE_COLUMNS, m.Vehicle, vehicle,
                     delimiter, progress, cancel)


def _children(
    ctx: Context,
    actor: Actor,
    case_filter: CaseFilter,
    fmt: str,
    path: Path,
    kind: str,
    columns: Sequence[Column],
    table: Any,
    make: Callable[[CaseRow, Any], Any],
    delimiter: str | None,
    progress: Progress,
    cancel: CancelToken | None,
) -> ExportResult:
    """The rows of ``table`` (parties, vehicles) under the cases passing the filter: in the list's
    order, each case's in their own order, read a page of cases at a time."""
    require(actor, "case.read")
    check_format(fmt, LIST_FORMATS)
    delimiter = check_delimiter(delimiter)
    total = ctx.cases.count(actor, case_filter)
    written = _audited(ctx, actor, Written(kind, fmt, case_filter, path))

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

    return _table(ctx, fmt, columns, rows(), path, total, progress, cancel, written, delimiter,
                  counts_cases=True)


def check_delimiter(delimiter: str | None) -> str:
    if delimiter is None:
        return default_delimiter()
    if delimiter not in DELIMITERS:
        raise ValidationError(
            [
                _("delimiter: {delimiter} is not one of {allowed}").format(
                    delimiter=repr(delimiter), allowed=" ".join(DELIMITERS)
                )
            ]
        )
    return delimiter


# ----- the audit event -------------------------------------------------------------------------------


def filter_summary(case_filter: CaseFilter) -> dict[str, Any]:
    """The filter's set fields, as the event keeps them. The search text is kept as typed: it is what
    an auditor asks about ("who looked for this name?"), and the event stays in the register that
    holds the cases themselves (HQ receives no event's details: app/audit.py)."""
    summary: dict[str, Any] = {}
    for field in fields(CaseFilter):
        value = getattr(case_filter, field.name)
        if value in (None, "", ()):
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        summary[field.name] = value
    return summary


def _audited(ctx: Context, actor: Actor, what: Written) -> Callable[[int], None]:
    """What records the export once its rows are counted; called before the file takes its name."""

    def record(rows: int) -> None:
        with ctx.sessions.writes.begin() as session:
            user = session.get(m.User, actor.user_id)
            if user is None:
                raise NotFound(_("no user {user} in this register").format(user=actor.username))
            # On the exporter's own row, unchanged: 'audit verify' still finds it as sealed, and the
            # event reads "this user exported" (as a disclosure is an event of the station's row).
            audit.record(
                session,
                at=ctx.clock(),
                station_id=actor.station_id,
                actor=actor.username,
                action=EXPORT_ACTION,
                entity="user",
                entity_id=user.id,
                version=user.version,
                diff={
                    "kind": what.kind,
                    "format": what.fmt,
                    "rows": rows,
                    "filter": filter_summary(what.case_filter),
                    "file": what.path.name,
                },
                sealed_state=row_state(m.User.__table__, user),  # type: ignore[arg-type]
            )

    return record


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


def _replace_when_done(
    path: Path, write: Callable[[IO[bytes]], None], before_rename: Callable[[], None] = lambda: None
) -> None:
    """``write`` into a temporary file beside ``path``, flushed to disk, then renamed over it: as
    ``app.files.write_atomically`` does, but streamed (a whole register's export is not held in
    memory as bytes first). ``before_rename`` runs once the file is whole (the audit event): if it
    fails, no file is left."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        before_rename()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def csv_text(value: Any, delimiter: str = ",") -> str:
    """A CSV cell as the list shows it: dates as 20/11/2026 23:40 and 01/05/1990; a decimal number
    with the decimal separator that goes with ``delimiter`` (1,5 beside ";", 1.5 beside ","), so that
    Excel on the matching Windows reads it as a number."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%d/%m/%Y"))
    if isinstance(value, (float, Decimal)) and not isinstance(value, bool):
        text = format(value, "f") if isinstance(value, Decimal) else repr(value)
        return text.replace(".", ",") if delimiter == ";" else text
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
    audited: Callable[[int], None],
    delimiter: str,
    *,
    counts_cases: bool = False,
) -> ExportResult:
    reference = ctx.reference
    steps = _Steps(total, progress)
    titles = [_first_upper(_(c.title)) for c in columns]
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
        # Minimal quoting: a field with the delimiter, a quote or a line break is quoted, quotes doubled.
        writer = csv.writer(text, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(titles)
        for row in rows:
            writer.writerow([csv_text(c.value(row, reference), delimiter) for c in columns])
            written += 1
            counted(row)
        text.flush()
        text.detach()  # the caller flushes and closes the file itself

    def write_xlsx(out: IO[bytes]) -> None:
        nonlocal written, left_out
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Export"))
        sheet.freeze_panes = "A2"
        for number, column in enumerate(columns, start=1):  # before the first row, in write-only mode
            sheet.column_dimensions[get_column_letter(number)].width = column.width
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

    def finished() -> None:
        if cancel is not None:
            cancel.check()  # cancelled at the last row: no file, no event
        audited(written)

    _replace_when_done(path, write_csv if fmt == "csv" else write_xlsx, finished)
    return ExportResult(path, written, left_out, delimiter if fmt == "csv" else None)


def _geojson(
    ctx: Context,
    pages: Iterator[list[CaseRow]],
    path: Path,
    total: int,
    progress: Progress,
    cancel: CancelToken | None,
    audited: Callable[[int], None],
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

    _replace_when_done(path, write, lambda: audited(written))
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
