"""Bringing a register's audit chain to the keyed v2 form: once after the upgrade that added MACs, and
once when a plain register is first opened with a key (docs/security.md, "The audit trail").

Why only after a check: re-chaining rewrites every link, so a chain that was already broken must not be
laundered into a sound one. The old chain is verified in its own formula first; if it fails, the register
is refused and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from app import audit, audit_cover, audit_tables
from app.errors import RegisterError
from app.i18n import _
from db import models as m
from db.engine import Sessions
from db.types import utc_text

CHAIN_KEY = "audit_chain"
MAC_KEY = "audit_mac"


def prepare(
    sessions: Sessions, register_key: bytes | None, station_id: str, clock: Callable[[], datetime]
) -> None:
    """Give the register's sessions what the chain's writers need, then upgrade the chain if it is due."""
    mac = audit.mac_key(register_key)
    sessions.info[audit.MAC_INFO] = mac
    sessions.info[audit_cover.STATION_INFO] = station_id
    sessions.info[audit_cover.CLOCK_INFO] = clock
    with sessions.reads() as session:
        meta: dict[str, str] = {row.key: row.value for row in session.execute(
            select(m.Meta.key, m.Meta.value).where(m.Meta.key.in_((CHAIN_KEY, MAC_KEY)))
        )}
    current = meta.get(CHAIN_KEY) == audit.CHAIN_VERSION
    if current and (mac is None or meta.get(MAC_KEY) == "1"):
        return
    with sessions.writes.begin() as session:
        conn = session.connection()
        events = [row._mapping for row in conn.execute(
            select(m.AuditEvent.__table__).order_by(m.AuditEvent.seq)
        )]
        formula = audit.event_hash if current else audit.event_hash_v1
        expected = audit.GENESIS
        for e in events:
            link = formula(
                e["prev_hash"], utc_text(e["at"]), e["station_id"], e["actor"], e["action"], e["entity"],
                e["entity_id"], e["version"], e["diff"], e["state_hash"],
            )
            if e["prev_hash"] != expected or link != e["hash"]:
                raise RegisterError(
                    _("the register's audit chain is broken at event {seq}: it was changed outside the "
                      "program, so its chain cannot be upgraded; restore a sound backup "
                      "(the events were left as they are)").format(seq=e["seq"])
                )
            expected = e["hash"]
        prev, links = audit.GENESIS, []
        for e in events:
            link = audit.event_hash(
                prev, utc_text(e["at"]), e["station_id"], e["actor"], e["action"], e["entity"],
                e["entity_id"], e["version"], e["diff"], e["state_hash"],
            )
            mac_text = audit.event_mac(mac, link)
            links.append({"b_seq": e["seq"], "prev_hash": prev, "hash": link, "mac": mac_text})
            prev = link
        if links:
            table = audit_tables.EVENTS
            conn.execute(
                update(table).where(table.c.seq == bindparam("b_seq")).values(
                    prev_hash=bindparam("prev_hash"), hash=bindparam("hash"), mac=bindparam("mac")
                ),
                links,
            )
        if not current:
            _seal_baseline(conn, prev, station_id, clock(), mac)
        session.merge(m.Meta(key=CHAIN_KEY, value=audit.CHAIN_VERSION))
        if mac is not None:
            session.merge(m.Meta(key=MAC_KEY, value="1"))


def _seal_baseline(conn: Any, head: str, station_id: str, at: datetime, mac: bytes | None) -> None:
    """The covered rows of a register from before they were audited, sealed as they are now."""
    events = []
    for spec in audit_tables.COVERED.values():
        for row in conn.execute(select(spec.table)):
            mapping = row._mapping
            if spec.skipped(mapping):
                continue
            sealed = audit_cover.covered_event(
                head, spec, mapping, at=at, station_id=station_id, actor=audit_cover.SYSTEM_ACTOR,
                action="seal", version=1, mac_key=mac,
            )
            events.append(sealed)
            head = sealed["hash"]
    audit_cover.append(conn, events)


def seal_unsealed(conn: Any, station_id: str, at: datetime, mac: bytes | None) -> None:
    """At set-up: seal the covered rows the migrations wrote with SQL (default ``meta`` rows), which no
    session saw being written."""
    sealed = set(conn.execute(select(m.AuditEvent.entity_id)).scalars())
    head = audit_cover.head(conn)
    events = []
    for spec in audit_tables.COVERED.values():
        for row in conn.execute(select(spec.table)):
            mapping = row._mapping
            if spec.skipped(mapping) or spec.entity_id(spec.key_text(mapping)) in sealed:
                continue
            event = audit_cover.covered_event(
                head, spec, mapping, at=at, station_id=station_id, actor=audit_cover.SYSTEM_ACTOR,
                action="create", version=1, mac_key=mac,
            )
            events.append(event)
            head = event["hash"]
    audit_cover.append(conn, events)
