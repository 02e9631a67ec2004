"""The tables the audit chain covers beyond the entities it seals by hand: which rows, keyed how, and
which of their columns (app/audit_cover.py seals them; ``app.audit.verify`` checks them).

Apart from both so that the chain's verification and its flush hook share one list without importing
each other."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.orm import Session

from app.serialize import canonical, row_state
from db import models as m

NAMESPACE = uuid.UUID("6f7c3a52-9d0e-4b7e-8f43-2b1c5d9e7a10")
# Meta keys that are only hints to the program (a flag asking for the search index to be rebuilt):
# changing one cannot hide or alter anything, and migrations set them without a session.
UNCOVERED_META = frozenset({"search_rebuild"})


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
    # The cases an activity is linked to (app/activities.py): a link added or removed is sealed too.
    m.ActivityCase: Covered("activity_case", _table(m.ActivityCase), ("activity_id", "case_id")),
}
EVENTS = _table(m.AuditEvent)
COVERED_BY_ENTITY = {spec.entity: spec for spec in COVERED.values()}


