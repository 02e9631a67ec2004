"""The content-addressed attachment store: files named by their SHA-256 under the data dir."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from pathlib import Path

from app.domain import AttachmentInput
from app.errors import AppError
from app.files import write_atomically

CHUNK = 1 << 20
MAX_SIZE = 200 * 1024 * 1024


def stored_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256


def store_file(store: Path, source: Path, caption: str | None = None) -> AttachmentInput:
    """Copy a file into the store (atomically, once per content) and describe it for a case."""
    if not source.is_file():
        raise AppError(f"{source}: no such file")
    size = source.stat().st_size
    if size > MAX_SIZE:
        raise AppError(f"{source.name}: {size // (1024 * 1024)} MB is larger than the 200 MB limit")
    store.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, tmp_name = tempfile.mkstemp(dir=store, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        target = stored_path(store, sha)
        if target.exists():
            os.unlink(tmp_name)
        else:
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp_name, target)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise AppError(f"could not store {source.name}: {exc.strerror or exc}") from None
    mime = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    return AttachmentInput(sha256=sha, filename=source.name, mime=mime, size=size, caption=caption)


def store_bytes(store: Path, sha256: str, content: bytes) -> None:
    """Keep received content under its hash (once; the caller has checked the hash)."""
    target = stored_path(store, sha256)
    if not target.exists():
        write_atomically(target, content)


def export_file(store: Path, sha256: str, destination: Path) -> Path:
    source = stored_path(store, sha256)
    if not source.is_file():
        raise AppError(f"file {sha256[:12]}… is missing from the attachment store")
    shutil.copyfile(source, destination)
    return destination
