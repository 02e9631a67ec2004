"""The one log file that the command line and the desktop app write unexpected errors to.

Both front ends write to ``<data dir>/logs/outpost.log`` so that the technical staff look in one
place whichever was used; it rotates (1 MB × 5 files) so that years of use never fill the disk. When
the data folder cannot be written (a read-only share, a full disk), the platform's user log folder
takes the log instead: a crash report that cannot be written is worse than one in another folder.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from platformdirs import user_log_dir

LOG_FILE = "outpost.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 5

log = logging.getLogger("outpost")
_handler: RotatingFileHandler | None = None


def log_folders(data_dir: Path | None) -> list[Path]:
    """Where the log may go, in order: the register's own ``logs`` folder, then the user log folder."""
    own = [data_dir / "logs"] if data_dir is not None else []
    return [*own, Path(user_log_dir("Outpost", appauthor=False))]


def open_log(data_dir: Path | None) -> Path | None:
    """Send the ``outpost`` logger to the shared, rotating log file; its path, or None if no folder
    could take it (the caller then says so instead of naming a file that does not exist).

    ``data_dir`` None: no register folder to log into (a mistyped ``--data-dir`` is not created just
    to hold a log), only the user log folder."""
    global _handler
    for folder in log_folders(data_dir):
        path = (folder / LOG_FILE).absolute()
        if _handler is not None and Path(_handler.baseFilename) == path:
            return path
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # private to the user (docs/security.md)
            handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
            os.chmod(path, 0o600)
        except OSError:
            continue
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        if _handler is not None:  # another register opened in the same process: its log from now on
            log.removeHandler(_handler)
            _handler.close()
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        _handler = handler
        return path
    return None
