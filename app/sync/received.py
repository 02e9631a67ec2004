"""Case records as HQ receives them in a bundle: checked in full, and, for a case HQ has not seen yet,
turned into the rows it stores (the case, its lines, the hash of the state its audit event seals and
its search text) in the same pass.

Everything here is a pure function of the records and the reference data: ``app.sync.checks`` runs
it in a helper process for part of a large import while it does the rest itself, so that both cores
work. Refusals are worded in the language of the process that words them, so ``app.sync.verify``
words every refusal itself."""

from __future__ import annotations

import gc
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from multiprocessing.connection import Connection
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Table
from sqlalchemy.types import TypeDecorator

from app.case_json import RECEIVED_INSTANTS, case_input_from_document, received_instant
from app.case_rows import received_case_rows
from app.domain import CaseInput
from app.errors import ValidationError
from app.i18n import _
from app.json_input import read_again
from app.reference import Reference
from app.search import rows_search_body
from app.serialize import (
    CASES,
    CHILD_TABLES,
    PLAIN,
    canonical,
    compact_state_hash,
    fixed_float,
    ordered_state_hash,
)
from db import models as m
from db.bulk import SqliteForm
from db.types import utc_text

CASE_STATUSES = frozenset({"draft", "submitted", "approved", "closed", "voided"})
WORKFLOW_TEXT_LIMIT = {
    "remark": 20_000,
    "void_reason": 20_000,
    "created_by": 64,
    "updated_by": 64,
    "submitted_by": 64,
    "approved_by": 64,
}


@dataclass(frozen=True)
class Origin:
    """What the checks of a record know of the bundle it came in."""

    station_id: str
    station_code: str
    first_seq: int  # the bundle's sequence range
    last_seq: int


@dataclass(frozen=True)
class NewCase:
    """A case HQ has not seen, as SQLite stores it (and PostgreSQL reads it by ``COPY``,
    ``store._copy_rows``): its row (without rowid) and its lines' rows, the hash of the state its
    ``import`` audit event seals, and its search text."""

    case: tuple[Any, ...]
    lines: dict[str, list[tuple[Any, ...]]]
    version: int
    state_hash: str
    search_body: str
    campaign_id: str | None

    def written(self) -> NewCase:
        """What is kept of it once HQ has written it while the rest is checked (``store._EarlyCases``):
        no rows, no search text; its version, seal and campaign."""
        return NewCase((), {}, self.version, self.state_hash, "", self.campaign_id)


# A record as checked: why it is refused (worded in this process's language), or what HQ makes of it.
Checked = tuple[str | None, CaseInput | NewCase | None]


def case_problem(
    reference: Reference, origin: Origin, number: int, record: dict[str, Any]
) -> tuple[str | None, CaseInput | None]:
    """Why a case record cannot be applied (or None), and the case it holds, read once. Whether the
    files it refers to are at hand is for the caller to check."""
    document = record.get("document")
    if record.get("type") != "case":
        return _("record {number}: unknown record type {kind}").format(
            number=number, kind=repr(record.get("type"))
        ), None
    if record.get("origin") != origin.station_id:
        return _("record {number}: claims to belong to another station than the sender {code}").format(
            number=number, code=origin.station_code
        ), None
    companion = record.get("companion", False)
    if "companion" in record and companion is not True:  # only ``true`` is ever written
        return _("record {number}: its companion flag is not valid").format(number=number), None
    if not isinstance(record.get("seq"), int) or not (
        origin.first_seq <= record["seq"] <= origin.last_seq or (companion and 1 <= record["seq"] < 2**63)
    ):
        # A companion (a copy of a case travelling with a tip that refers to it) keeps its own position.
        return _("record {number}: its sequence number is outside the bundle's range").format(
            number=number
        ), None
    if not isinstance(document, dict):
        return _("record {number}: no case document").format(number=number), None
    label = _("record {number}: case {case}").format(number=number, case=document.get("number"))
    if not isinstance(document.get("id"), str) or not isinstance(document.get("number"), str):
        return _("record {number}: the case has no id or number").format(number=number), None
    if document.get("station") != origin.station_code:
        return _("{label} names another station than {code}").format(
            label=label, code=origin.station_code
        ), None
    if not document["number"].startswith(f"{origin.station_code}/"):
        # A post numbers its cases CODE/YEAR/SEQUENCE with its own code: another station's number
        # would make HQ hold two cases under one number.
        return _("{label}: the number does not begin with the sender's code {code}").format(
            label=label, code=origin.station_code
        ), None
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 2**31:
        return _("{label} has no valid version").format(label=label), None
    for name in ("remark", "void_reason", "created_by", "updated_by", "submitted_by", "approved_by"):
        value = document.get(name)
        if value is not None and not (isinstance(value, str) and len(value) <= WORKFLOW_TEXT_LIMIT[name]):
            return _("{label}: {name} is not valid").format(label=label, name=name), None
    for name in RECEIVED_INSTANTS:
        value = document.get(name)
        if value is not None and received_instant(value) is None:
            return _("{label}: {name} is not valid").format(label=label, name=name), None
    status = document.get("status")
    if not isinstance(status, str) or status not in CASE_STATUSES:  # a list is no status (nor hashable)
        return _("{label} has an unknown status").format(label=label), None
    try:
        data = case_input_from_document(document, reference)
    except ValidationError as exc:
        return f"{label}: {'; '.join(exc.problems[:3])}", None
    return None, data


@dataclass(frozen=True)
class _Sealed:
    """How a row of one table becomes canonical (``serialize.canonical`` of each value) in its sealed,
    sorted key order: every value taken in one C call (``itemgetter``), and only the columns whose
    type holds other values than text, numbers and booleans (instants, decimals, dates, JSON lists)
    looked at one by one. Issue 18: a tenth of the cost of a new case's rows at HQ."""

    keys: tuple[str, ...]
    values: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    typed: tuple[str, ...]
    floats: tuple[str, ...]  # the columns that hold floats

    def fixed_floats(self, row: Mapping[str, Any]) -> bool:
        """Whether every float of the canonical ``row`` is ``serialize.fixed_float``."""
        return all(type(value := row[key]) is not float or fixed_float(value) for key in self.floats)

    def canonical(self, row: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(zip(self.keys, self.values(row), strict=True))
        for key in self.typed:
            if type(value := out[key]) not in PLAIN:
                out[key] = canonical(value)
        return out


def _sealed(table: Table) -> _Sealed:
    keys = tuple(sorted(c.key for c in table.columns))
    plain = (String, Integer, Float, Boolean)  # hold str, int, float, bool or None: as they are
    typed = tuple(
        c.key
        for c in sorted(table.columns, key=lambda c: c.key)
        if isinstance(c.type, TypeDecorator) or not isinstance(c.type, plain)
    )
    floats = tuple(sorted(c.key for c in table.columns if isinstance(c.type, Float)))
    return _Sealed(keys, itemgetter(*keys), typed, floats)


@dataclass(frozen=True)
class _Forms:
    """Sealed form and SQLite form of the case table and its line tables."""

    case: SqliteForm
    case_sealed: _Sealed
    lines: dict[str, tuple[SqliteForm, _Sealed]]
    float_lines: tuple[str, ...]  # the line tables with a float column (none today)


@cache
def _forms() -> _Forms:
    lines = {name: (SqliteForm(table), _sealed(table)) for name, table in CHILD_TABLES.items()}
    return _Forms(
        SqliteForm(CASES),
        _sealed(CASES),
        lines,
        tuple(name for name, (_form, sealed) in lines.items() if sealed.floats),
    )


def line_ids(batch: int) -> Iterator[str]:
    """Ids for lines, drawn ``batch`` at a time (``db.models.new_ids``)."""
    while True:
        yield from m.new_ids(batch)


def new_case(
    reference: Reference,
    document: dict[str, Any],
    data: CaseInput,
    origin: Origin,
    now_text: str,
    ids: Iterator[str],
) -> NewCase:
    """What HQ stores of a case it has not seen, received at ``now_text`` (``utc_text``): the rows
    ``case_rows.received_case_rows`` gives, made canonical once. The canonical rows are the sealed state as
    ``serialize.case_state`` builds it (every row with its keys in sorted order, lines by position),
    and what SQLite stores of them is what SQLAlchemy would bind."""
    forms = _forms()
    row, lines = received_case_rows(document, data, reference, origin.station_id, now_text, ids)
    case = forms.case_sealed.canonical(row)
    state: dict[str, Any] = {"case": case}
    stored: dict[str, list[tuple[Any, ...]]] = {}
    for name in CHILD_TABLES:
        form, sealed = forms.lines[name]
        canonical_rows = [sealed.canonical(line) for line in lines.get(name, [])]
        state[name] = canonical_rows
        stored[name] = [form.stored(line) for line in canonical_rows]
    fixed = forms.case_sealed.fixed_floats(case) and all(
        forms.lines[name][1].fixed_floats(line) for name in forms.float_lines for line in state[name]
    )
    ordered = dict(sorted(state.items()))
    return NewCase(
        forms.case.stored(case),
        stored,
        case["version"],
        compact_state_hash(ordered) if fixed else ordered_state_hash(ordered),
        rows_search_body(case, state, reference),
        data.campaign_id,
    )


def check_cases(
    reference: Reference,
    origin: Origin,
    now: datetime,
    records: Sequence[tuple[int, dict[str, Any], bool]],
) -> list[Checked]:
    """``case_problem`` of each (number, record, new) in order; for a record that passes, the rows of
    its case when ``new`` (HQ has not seen it), else its ``CaseInput``."""
    now_text, ids = utc_text(now), line_ids(max(16, 3 * len(records)))  # a case has 2 or 3 lines
    checked: list[Checked] = []
    for number, record, new in records:
        reason, data = case_problem(reference, origin, number, record)
        if data is None:
            checked.append((reason, None))
        elif new:
            checked.append((None, new_case(reference, record["document"], data, origin, now_text, ids)))
        else:
            checked.append((None, data))
    return checked


READY = "ready"

# How often (seconds) the helper's checking thread hands the interpreter lock to its reader and sender
# threads when they wait for it (Python's default: 5 ms). With the default, a batch of ~200 KB came in
# a 5 ms turn per piece, and the importing process waited in ``send`` 0.75–1.5 s an import of 20 000
# cases (issue 18); with this, 0.08 s. A thread blocked on the pipe does not ask for the lock, so the
# checks lose nothing while the pipe is quiet.
SWITCH_INTERVAL = 0.0001


def helper_main(conn: Connection) -> None:
    """A helper process (``app.sync.checks`` starts it): says it is ready, takes the reference data,
    then checks the batches of chunks of record lines it is sent, ``(now, [(origin, [(number, line,
    new), …]), …])``, and sends back, in the same order, ``("checked", [check_cases(…) of each
    chunk])`` or ``("failed", why)``, until it is sent None or the other end goes away.

    The importing process looks at the pipe only between its own writes and checks, and sends the next
    batch before the answer to the last one: a thread of this process reads the batches as they come
    and another sends the answers, so that this thread checks on without waiting for either (and the
    importing process's sends do not wait for it). Each end of the pipe is read by one thread and
    written by one thread."""
    gc.disable()  # none of what it makes is in a cycle (see ``app.collector``)
    try:
        conn.send(READY)
        reference: Reference = conn.recv()
    except (EOFError, OSError):
        conn.close()
        return
    jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
    answers: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def read() -> None:
        try:
            while (job := conn.recv()) is not None:
                jobs.put(job)
        except (EOFError, OSError):
            pass  # the importing process is done with this helper, or gone
        jobs.put(None)

    def send() -> None:
        try:
            while (answer := answers.get()) is not None:
                conn.send(answer)
        except (EOFError, OSError):
            pass  # gone: the reader sees it too

    sys.setswitchinterval(SWITCH_INTERVAL)
    reader = threading.Thread(target=read, name="helper-reader", daemon=True)
    sender = threading.Thread(target=send, name="helper-sender", daemon=True)
    reader.start()
    sender.start()
    try:
        while (job := jobs.get()) is not None:
            now, chunks = job
            try:
                reply: tuple[str, Any] = (
                    "checked",
                    [
                        check_cases(
                            reference, origin, now, [(n, read_again(text), new) for n, text, new in lines]
                        )
                        for origin, lines in chunks
                    ],
                )
            except Exception as exc:  # the importing process checks these chunks itself
                reply = ("failed", repr(exc))
            answers.put(reply)
    finally:
        answers.put(None)
        sender.join()
        conn.close()
