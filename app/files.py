"""Writing a file so that it is either complete under its name or absent (a pulled USB stick or a
power cut mid-write never leaves a half file that looks whole)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from db.files import fsync_folder


def write_atomically(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it into place.

    ``private`` makes the file readable by its owner only (keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            if private:
                os.chmod(temporary, 0o600)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)
