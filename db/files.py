"""Making a file's rename durable, for every layer that writes files.

The lowest layer owns it because the database layer needs it too (a backup is renamed into place)
and ``db`` never imports ``app``; ``app.files`` builds its atomic writes on it."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows cannot open a folder to flush it)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
