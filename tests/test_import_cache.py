"""HQ's import reads with a large page cache (issue 18: imports slowed down as HQ grew), and the
connection has the usual cache again once it goes back to the pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyrage
import pytest

from app.sync import hq_import
from db.engine import CACHE_KIB, enlarge_cache
from tests.helpers.registers import make_hq


def _cache(raw: Any) -> int:
    cursor = raw.cursor()
    try:
        return int(cursor.execute("PRAGMA cache_size").fetchone()[0])
    finally:
        cursor.close()


def test_the_import_enlarges_the_cache_until_the_connection_goes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq = make_hq(tmp_path / "hq")
    try:
        with hq.ctx.sessions.writes.begin() as session:
            conn = session.connection()
            raw = conn.connection.dbapi_connection
            assert _cache(raw) == -CACHE_KIB
            enlarge_cache(conn, hq_import.IMPORT_CACHE_KIB)
            assert _cache(raw) == -hq_import.IMPORT_CACHE_KIB
        assert _cache(raw) == -CACHE_KIB  # checked in: the usual cache for whoever takes it next
        with hq.ctx.sessions.reads() as session:  # and a connection not enlarged is left alone
            conn = session.connection()
            assert _cache(conn.connection.dbapi_connection) == -CACHE_KIB
        # The import asks for it before it reads anything (even an import of nothing).
        asked: list[int] = []
        monkeypatch.setattr(hq_import, "enlarge_cache", lambda conn, kib: asked.append(kib))
        identity = pyrage.x25519.Identity.generate()  # the import checks it is the folder's station's
        monkeypatch.setattr(hq_import.keys, "load_encryption_identity", lambda *_args: identity)
        summary = hq_import.import_bundles(hq.ctx, hq.admin, "unused", [])
        assert summary.applied == [] and asked == [hq_import.IMPORT_CACHE_KIB]
    finally:
        hq.ctx.close()
