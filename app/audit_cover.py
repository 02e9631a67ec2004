"""Audit events for the register's bookkeeping tables (meta, change log, case history, reference items,
received bundles), made by one session hook so that no writer of those tables can forget them.

Why a hook: these rows are written in a dozen places (set-up, enrolment, returns, imports, saves), all
through the ORM; sealing them where the flush happens covers every one of them, and any new one.
Each row is an entity of its own, identified by a UUID derived from its table and primary key
(``entity_id``), its key kept readable in the event's diff so ``audit verify`` can name a deleted row.
Rows written by bulk SQL (``app.demo``) call ``covered_event`` themselves (docs/security.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from app import audit
from app.serialize import canonical, row_state, state_hash
from db import models as m

NAMESPACE = uuid.UUID("6f7c3a52-9d0e-4b7e-8f43-2b1c5d9e7a10")
# Meta keys that are only hints to the program (a flag asking for the search index to be rebuilt):
# changing one cannot hide or alter anything, and migrations set them without a session.
UNCOVERED_META = frozenset({"search_rebuild"})
STATION_INFO = "audit_station_id"
CLOCK_INFO = "audit_clock"
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class Covered:
    entity: str
    table: Table
    key: tuple[str, ...]
    # Only these columns, for a table whose other columns another entity seals (users: log-in counters).
    columns: tuple[str, ...] | None = None

    def state(self, row: Mapping[str, Any] | object) -> dict[str, Any]:
        if self.columns is None:
            return row_state(self.table, row)
        if isinstance(row, Mapping):
            return {c: canonical(row[c]) for c in self.columns}
        return {c: canonical(getattr(row, c)) for c in self.columns}

    def label(self, row: Any) -> str:
        if self is USER_LOGIN:
            return f"user {row['username']} (lock-out counters)"
        return f"{self.table.name} row {self.key_text(row)}"

    def changed(self, session: Session, obj: object) -> bool:
        if self.columns is None:
            return session.is_modified(obj)
        attrs = inspect(obj).attrs
        return any(attrs[c].history.has_changes() for c in self.columns)

    def key_text(self, row: Mapping[str, Any] | object) -> str:
        if isinstance(row, Mapping):
            return "/".join(str(row[k]) for k in self.key)
        return "/".join(str(getattr(row, k)) for k in self.key)

    def entity_id(self, key_text: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.entity}:{key_text}"))

    def skipped(self, row: Mapping[str, Any] | object) -> bool:
        return self.entity == "meta" and self.key_text(row) in UNCOVERED_META


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


# The users' lock-out counters (failed log-ins, locked until) change without the account's own version
# moving: sealed as an entity of their own, an event at each failed log-in and at each reset. The
# time of the last log-in stays out (an event at every log-in would say nothing the counters do not).
# On an encrypted register the lock-out that counts is the key slot's (app/keyslots.py).
USER_LOGIN = Covered("user_login", _table(m.User), ("id",), ("failed_logins", "locked_until"))
COVERED: dict[type, Covered] = {
    m.User: USER_LOGIN,
    m.Meta: Covered("meta", _table(m.Meta), ("key",)),
    m.ChangeLog: Covered("change_log", _table(m.ChangeLog), ("station_id", "seq")),
    m.CaseHistory: Covered("case_history", _table(m.CaseHistory), ("case_id", "version")),
    m.ReferenceItem: Covered("reference_item", _table(m.ReferenceItem), ("kind", "code")),
    m.ReceivedBundle: Covered("received_bundle", _table(m.ReceivedBundle), ("bundle_id",)),
}
EVENTS = _table(m.AuditEvent)
COVERED_BY_ENTITY = {spec.entity: spec for spec in COVERED.values()}


def covered_event(
    prev: str,
    spec: Covered,
    row: Mapping[str, Any] | object,
    *,
    at: datetime,
    station_id: str,
    actor: str,
    action: str,
    version: int,
    mac_key: bytes | None,
) -> dict[str, Any]:
    """The chained event sealing one covered row (None state for a deleted one)."""
    key = spec.key_text(row)
    state = None if action == "delete" else spec.state(row)
    return audit.chained_event(
        prev,
        at=at,
        station_id=station_id,
        actor=actor,
        action=action,
        entity=spec.entity,
        entity_id=spec.entity_id(key),
        version=version,
        diff={"key": key},
        sealed_hash=state_hash(state),
        mac_key=mac_key,
    )


def append(conn: Connection, events: list[dict[str, Any]]) -> None:
    if events:
        conn.execute(insert(EVENTS), events)


def head(conn: Connection) -> str:
    found = conn.execute(
        select(m.AuditEvent.hash).order_by(m.AuditEvent.seq.desc()).limit(1)
    ).scalar_one_or_none()
    return found or audit.GENESIS


@event.listens_for(Session, "after_flush")
def _seal_covered(session: Session, _flush: Any) -> None:
    """Seal every covered row this flush added, changed or deleted (the session's pending lists still
    name them here, and their defaults are filled in)."""
    station_id = session.info.get(STATION_INFO)
    if station_id is None:
        return  # not a register's session (or one opened before its station is known: set-up seals)
    touched: list[tuple[Covered, Any, str]] = []
    for obj in session.new:
        spec = COVERED.get(type(obj))
        if spec is not None and not spec.skipped(obj):
            touched.append((spec, obj, "create"))
    for obj in session.dirty:
        spec = COVERED.get(type(obj))
        if spec is not None and not spec.skipped(obj) and spec.changed(session, obj):
            touched.append((spec, obj, "update"))
    for obj in session.deleted:
        spec = COVERED.get(type(obj))
        if spec is not None and not spec.skipped(obj):
            touched.append((spec, obj, "delete"))
    if not touched:
        return
    clock: Callable[[], datetime] = session.info[CLOCK_INFO]
    mac_key = audit.session_mac_key(session)
    conn = session.connection()
    link, at, events = head(conn), clock(), []
    for spec, obj, action in touched:
        version = 1
        if action != "create":
            entity_id = spec.entity_id(spec.key_text(obj))
            last = conn.execute(
                select(func.max(m.AuditEvent.version)).where(m.AuditEvent.entity_id == entity_id)
            ).scalar()
            version = int(last or 0) + 1
        sealed = covered_event(
            link, spec, obj, at=at, station_id=station_id, actor=SYSTEM_ACTOR, action=action,
            version=version, mac_key=mac_key,
        )
        events.append(sealed)
        link = sealed["hash"]
    append(conn, events)
