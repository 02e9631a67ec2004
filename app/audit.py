"""The audit hash chain: every write appends a sealed event; ``verify`` finds tampering."""

from __future__ import annotations

import hashlib
import hmac
import json
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from app import audit_tables
from app.progress import CancelToken, Progress, no_progress
from app.serialize import CASES, CHILD_TABLES, canonical, case_state, compact_json, row_state, state_hash
from db import models as m
from db.types import utc_text

GENESIS = "0" * 64
_TEXTS = operator.itemgetter(0, 1, 2, 3, 4, 5, 6, 8, 9)  # every field of a link but its version
CHAIN_VERSION = "2"  # meta 'audit_chain': events hash their diff's hash (docs/security.md, "The audit trail")
MAC_PURPOSE = b"outpost audit mac v1"
# Where the chain's MAC key travels with a session (``db.engine.make_sessions``'s ``info``).
MAC_INFO = "audit_mac_key"

# Entities sealed as a single row; cases are sealed with their goods, parties, vehicles, files, documents.
SINGLE_ROW: dict[str, Table] = {
    "user": m.User.__table__,  # type: ignore[dict-item]
    "station": m.Station.__table__,  # type: ignore[dict-item]
    "campaign": m.Campaign.__table__,  # type: ignore[dict-item]
    "tip": m.Tip.__table__,  # type: ignore[dict-item]
    "activity": m.Activity.__table__,  # type: ignore[dict-item]
    "handover": m.Handover.__table__,  # type: ignore[dict-item]
    "establishment": m.Establishment.__table__,  # type: ignore[dict-item]
    "watch_review": m.WatchReview.__table__,  # type: ignore[dict-item]
}


def event_hash(
    prev_hash: str,
    at: str,
    station_id: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    version: int,
    diff: str,
    state: str,
) -> str:
    """Chain v2: the diff enters through its own hash, so HQ (which gets no diffs, they may name
    people) can still check every link."""
    return linked_hash(
        prev_hash, at, station_id, actor, action, entity, entity_id, version, diff_hash(diff), state
    )


def diff_hash(diff: str) -> str:
    return hashlib.sha256(diff.encode()).hexdigest()


def linked_hash(
    prev_hash: str,
    at: str,
    station_id: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    version: int,
    diff_sha256: str,
    state: str,
) -> str:
    """``event_hash`` from the diff's hash: what HQ recomputes from an anchored event."""
    fields = [prev_hash, at, station_id, actor, action, entity, entity_id, version, diff_sha256, state]
    if type(version) is int and -(2**63) <= version < 2**63 and all(type(f) is str for f in _TEXTS(fields)):
        # msgspec writes texts and such a number byte for byte as the ``json.dumps`` below (held to it by
        # tests/test_serialize_compact.py), several times faster: HQ hashes
        # each event of every bundle it imports, and the event of each case it stores (issue 18).
        try:
            return hashlib.sha256(compact_json(fields)).hexdigest()
        except (msgspec.EncodeError, UnicodeEncodeError):
            pass  # a lone surrogate: ``json.dumps`` and ``encode`` below say so as they always did
    payload = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def event_hash_v1(
    prev_hash: str,
    at: str,
    station_id: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    version: int,
    diff: str,
    state: str,
) -> str:
    """The first chain's formula (the diff itself hashed): checked once, when a register is re-chained."""
    return linked_hash(prev_hash, at, station_id, actor, action, entity, entity_id, version, diff, state)


def mac_key(register_key: bytes | None) -> bytes | None:
    """The key of the events' MACs, derived from the register key; None for a plain register."""
    if register_key is None:
        return None
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MAC_PURPOSE).derive(register_key)


def event_mac(key: bytes | None, link: str) -> str | None:
    """HMAC-SHA256 of an event's hash: only someone holding the register key can make one."""
    if key is None:
        return None
    return hmac.new(key, link.encode(), hashlib.sha256).hexdigest()


def session_mac_key(session: Session) -> bytes | None:
    key = session.info.get(MAC_INFO)
    return key if isinstance(key, bytes) else None


def chain_head(session: Session) -> str:
    head = session.execute(
        select(m.AuditEvent.hash).order_by(m.AuditEvent.seq.desc()).limit(1)
    ).scalar_one_or_none()
    return head or GENESIS


def sealed_event(
    prev: str,
    *,
    at: datetime,
    station_id: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    version: int,
    diff: Mapping[str, Any],
    sealed_state: Any,
    mac_key: bytes | None,
) -> dict[str, Any]:
    """The columns of the event that follows ``prev`` in the chain (for ``record`` and bulk writers)."""
    return chained_event(
        prev,
        mac_key=mac_key,
        at=at,
        station_id=station_id,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        version=version,
        diff=diff,
        sealed_hash=state_hash(sealed_state),
    )


def chained_event(
    prev: str,
    *,
    at: datetime,
    station_id: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    version: int,
    diff: Mapping[str, Any],
    sealed_hash: str,
    mac_key: bytes | None,
) -> dict[str, Any]:
    """``sealed_event`` for a state whose hash is known already (hashed where the state was built)."""
    diff_text = stored_diff(diff)
    sealed = sealed_hash
    link = event_hash(
        prev, utc_text(at), station_id, actor, action, entity, entity_id, version, diff_text, sealed
    )
    return {
        "at": at,
        "station_id": station_id,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "version": version,
        "diff": diff_text,
        "state_hash": sealed,
        "prev_hash": prev,
        "hash": link,
        "mac": event_mac(mac_key, link),
    }


def stored_diff(diff: Mapping[str, Any]) -> str:
    """An event's diff as it is stored and hashed."""
    return json.dumps(
        {k: canonical(v) for k, v in diff.items()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def record(
    session: Session,
    *,
    at: datetime,
    station_id: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    version: int,
    diff: Mapping[str, Any],
    sealed_state: Any,
) -> m.AuditEvent:
    """Append one event to the chain. Call inside the write transaction that made the change."""
    event = m.AuditEvent(
        **sealed_event(
            chain_head(session),
            at=at,
            station_id=station_id,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            version=version,
            diff=diff,
            sealed_state=sealed_state,
            mac_key=session_mac_key(session),
        )
    )
    session.add(event)
    session.flush()
    return event


def seal_row(
    session: Session,
    *,
    at: datetime,
    station_id: str,
    actor: str,
    entity: str,
    table: Any,
    row: Any,
    before: dict[str, Any] | None,
    describe: Callable[[dict[str, Any] | None, dict[str, Any]], Mapping[str, Any]],
    version: int | None = None,
) -> None:
    """Seal a row (with ``id`` and ``version``) that was added or changed into the chain; ``before`` is
    its sealed state before the change, None for a new row. An unchanged row is left alone; a changed
    one goes up a version, or takes ``version`` (the owner's, for a row received from it)."""
    session.flush()
    if before is not None and version is None and row_state(table, row) == before:
        return
    if version is not None:
        row.version = version
    elif before is not None:
        row.version = (row.version or 1) + 1
    session.flush()
    after = row_state(table, row)
    record(
        session,
        at=at,
        station_id=station_id,
        actor=actor,
        action="create" if before is None else "update",
        entity=entity,
        entity_id=row.id,
        version=row.version,
        diff=describe(before, after),
        sealed_state=after,
    )


def field_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    version: int
    diff: dict[str, Any]


def history(session: Session, entity_id: str) -> list[HistoryEntry]:
    rows = session.execute(
        select(m.AuditEvent).where(m.AuditEvent.entity_id == entity_id).order_by(m.AuditEvent.seq)
    ).scalars()
    return [HistoryEntry(e.seq, e.at, e.actor, e.action, e.version, json.loads(e.diff)) for e in rows]


@dataclass
class VerifyReport:
    events: int = 0
    entities: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _grouped(conn: Connection, table: Table) -> Iterator[tuple[str, list[Any]]]:
    """Rows of a child table grouped by case id, in case-id order."""
    current: str | None = None
    bucket: list[Any] = []
    result = conn.execution_options(yield_per=5000).execute(
        select(table).order_by(table.c.case_id, table.c.position)
    )
    for row in result:
        mapping = row._mapping
        if mapping["case_id"] != current:
            if current is not None:
                yield current, bucket
            current, bucket = mapping["case_id"], []
        bucket.append(mapping)
    if current is not None:
        yield current, bucket


def verify(
    conn: Connection,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    *,
    register_key: bytes | None = None,
) -> VerifyReport:
    """Check the chain's links (and MACs, given the register key) and that every audited row still
    matches its last sealed state; covered bookkeeping rows (app/audit_cover.py) included."""
    mac = mac_key(register_key)
    report = VerifyReport()
    total = conn.execute(select(m.AuditEvent.seq).order_by(m.AuditEvent.seq.desc()).limit(1)).scalar()
    total = int(total or 0)
    expected_prev = GENESIS
    sealed: dict[str, tuple[str, str, int, int]] = {}  # entity_id -> (entity, state_hash, version, seq)
    keys: dict[str, str] = {}  # entity_id -> readable key, for a covered row
    events = conn.execution_options(yield_per=10000).execute(
        select(m.AuditEvent.__table__).order_by(m.AuditEvent.seq)
    )
    for row in events:
        e = row._mapping
        report.events += 1
        if report.events % 20000 == 0:
            progress(report.events, total * 2)
            if cancel:
                cancel.check()
        at = utc_text(e["at"])
        recomputed = event_hash(
            e["prev_hash"],
            at,
            e["station_id"],
            e["actor"],
            e["action"],
            e["entity"],
            e["entity_id"],
            e["version"],
            e["diff"],
            e["state_hash"],
        )
        if e["prev_hash"] != expected_prev:
            report.problems.append(
                f"audit event {e['seq']}: chain broken before it "
                "(an event was removed, inserted or reordered)"
            )
        if recomputed != e["hash"]:
            report.problems.append(f"audit event {e['seq']}: its contents were edited")
        elif mac is not None and not hmac.compare_digest(e["mac"] or "", event_mac(mac, e["hash"]) or ""):
            report.problems.append(
                f"audit event {e['seq']}: its MAC does not match (the chain was recomputed without the "
                "register key)"
            )
        expected_prev = e["hash"]
        if e["action"] == "delete":
            sealed.pop(e["entity_id"], None)
            continue
        sealed[e["entity_id"]] = (e["entity"], e["state_hash"], e["version"], e["seq"])
        if e["entity"] in audit_tables.COVERED_BY_ENTITY:
            keys[e["entity_id"]] = str(json.loads(e["diff"]).get("key", e["entity_id"]))

    seen: set[str] = set()
    _verify_cases(conn, sealed, seen, report, progress, total, cancel)
    for entity, table in SINGLE_ROW.items():
        for row in conn.execution_options(yield_per=5000).execute(select(table)):
            mapping = row._mapping
            _compare(
                entity,
                mapping["id"],
                _label(entity, mapping),
                row_state(table, mapping),
                sealed,
                seen,
                report,
            )
    for spec in audit_tables.COVERED.values():
        for row in conn.execution_options(yield_per=5000).execute(select(spec.table)):
            mapping = row._mapping
            if spec.skipped(mapping):
                continue
            key = spec.key_text(mapping)
            _compare(
                spec.entity,
                spec.entity_id(key),
                spec.label(mapping),
                spec.state(mapping),
                sealed,
                seen,
                report,
            )
    for entity_id, (entity, _hash, version, seq) in sealed.items():
        if entity_id not in seen:
            if entity_id in keys:
                table_name = audit_tables.COVERED_BY_ENTITY[entity].table.name
                report.problems.append(
                    f"{table_name} row {keys[entity_id]}: removed from the register (audit event {seq})"
                )
                continue
            report.problems.append(
                f"{entity} {entity_id}: removed from the register (audit event {seq}, version {version})"
            )
    report.entities = len(seen)
    progress(total * 2, total * 2)
    return report


def _label(entity: str, row: Any) -> str:
    for key in ("number", "username", "code", "name"):
        if key in row and row[key]:
            return f"{entity} {row[key]}"
    return f"{entity} {row['id']}"


def _compare(
    entity: str,
    entity_id: str,
    label: str,
    state: Any,
    sealed: dict[str, tuple[str, str, int, int]],
    seen: set[str],
    report: VerifyReport,
) -> None:
    seen.add(entity_id)
    known = sealed.get(entity_id)
    if known is None:
        report.problems.append(
            f"{label} (id {entity_id}): has no audit event (inserted behind the app's back)"
        )
    elif known[1] != state_hash(state):
        report.problems.append(
            f"{label} (id {entity_id}): differs from its last audited state "
            f"(version {known[2]}, audit event {known[3]}): edited behind the app's back"
        )


def _verify_cases(
    conn: Connection,
    sealed: dict[str, tuple[str, str, int, int]],
    seen: set[str],
    report: VerifyReport,
    progress: Progress,
    total: int,
    cancel: CancelToken | None,
) -> None:
    streams = {name: _grouped(conn, table) for name, table in CHILD_TABLES.items()}
    heads: dict[str, tuple[str, list[Mapping[str, Any]]] | None] = {
        name: next(stream, None) for name, stream in streams.items()
    }
    cases = conn.execution_options(yield_per=5000).execute(select(CASES).order_by(CASES.c.id))
    done = 0
    for row in cases:
        case = row._mapping
        children: dict[str, list[Mapping[str, Any]]] = {}
        for name, stream in streams.items():
            head = heads[name]
            # Child rows whose case sorts before this one belong to no case: report them.
            while head is not None and head[0] < case["id"]:
                report.problems.append(
                    f"{name} rows of unknown case {head[0]}: inserted behind the app's back"
                )
                head = next(stream, None)
            if head is not None and head[0] == case["id"]:
                children[name] = head[1]
                head = next(stream, None)
            heads[name] = head
        _compare(
            "case", case["id"], f"case {case['number']}", case_state(case, children), sealed, seen, report
        )
        done += 1
        if done % 20000 == 0:
            progress(total + done, total * 2)
            if cancel:
                cancel.check()
