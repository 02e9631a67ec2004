"""The register's encryption at rest: SQLCipher connections opened with the raw register key.

The register, its write-ahead log and its backups are SQLCipher files (docs/security.md). The key is
32 random bytes given as a raw key (``x'…'``), so opening costs no key derivation: the slow Argon2id
step happens once per log-in, on the key slot (``app.keyslots``), not on every connection.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as dbapi2  # re-exported: the engine and the demo name it

from db.files import fsync_folder

KEY_BYTES = 32
PLAIN_HEADER = b"SQLite format 3\x00"
DatabaseError = dbapi2.DatabaseError


def key_pragma(key: bytes) -> str:
    """The statement that must be the first on every connection to an encrypted register."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"a register key has {KEY_BYTES} bytes, not {len(key)}")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def _read_only_uri(path: Path) -> str:
    # Percent-encoded, so that a '#' or '?' in a folder name never cuts the path short (db/migrate.py).
    return f"{path.resolve().as_uri()}?mode=ro"


def connect(path: Path, key: bytes | None, *, read_only: bool = False, **kwargs: Any) -> Any:
    """A connection to ``path``, keyed first when ``key`` is given (a plain file when it is None)."""
    conn = dbapi2.connect(_read_only_uri(path) if read_only else str(path), uri=read_only, **kwargs)
    if key is not None:
        conn.execute(key_pragma(key))
    return conn


def is_plain(path: Path) -> bool:
    """Whether ``path`` is an unencrypted SQLite file (an encrypted one starts with random bytes)."""
    with path.open("rb") as handle:
        return handle.read(16) == PLAIN_HEADER


def opens_with(path: Path, key: bytes | None) -> bool:
    """Whether ``key`` (None: no key) reads ``path``: SQLCipher only fails on the first page read."""
    try:
        conn = connect(path, key, read_only=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except DatabaseError:
        return False
    return True


def export_encrypted(plain: Path, dest: Path, key: bytes) -> None:
    """Write an encrypted copy of the plain SQLite file ``plain`` to ``dest`` (which must not exist)
    with SQLCipher's ``sqlcipher_export``, flushed to disk. The source is read, never changed."""
    conn = connect(plain, None, read_only=True, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS encrypted KEY \"x'" + key.hex() + "'\"", (str(dest),))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()
    with dest.open("rb") as handle:
        os.fsync(handle.fileno())
    fsync_folder(dest.parent)


def table_counts(conn: Any) -> dict[str, int]:
    """Rows per table (the full-text index's shadow tables included), to compare two copies."""
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
