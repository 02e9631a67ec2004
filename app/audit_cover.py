"""Audit events for the register's bookkeeping tables (meta, change log, case history, reference items,
received bundles), made by one session hook so that no writer of those tables can forget them.

Why a hook: these rows are written in a dozen places (set-up, enrolment, returns, imports, saves), all
through the ORM; sealing them where the flush happens covers every one of them, and any new one.
Each row is an entity of its own, identified by a UUID derived from its table and primary key
(``entity_id``), its key kept readable in the event's diff so ``audit verify`` can name a deleted row.
Rows written by bulk SQL (``app.demo``) call ``covered_event`` themselves (docs/security.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, event, func, insert, select
from sqlalchemy.orm import Session

from app import audit
from app.audit_tables import COVERED, EVENTS, Covered
from app.serialize import state_hash
from db import models as m

STATION_INFO = "audit_station_id"
CLOCK_INFO = "audit_clock"
SYSTEM_ACTOR = "system"


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
