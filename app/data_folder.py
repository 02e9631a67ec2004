"""Where the register lives when no ``--data-dir`` is given: the environment, a portable install, or
the user's data folder (docs/architecture.md §2; packaging/windows/README.md "Portable mode").

A portable install is a program folder carried on a USB stick to a locked-down PC where nothing may
be installed (MusicBrainz Picard's portable mode, STYLE.md): a marker file beside the executable
says so, and the register then lives in ``data`` beside the executable, so the stick carries both
and the PC keeps nothing. Only a frozen build looks for the marker: beside a source checkout's
Python interpreter a stray file must not move a developer's register.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

# The marker file's name, beside Outpost.exe / outpost-console; its content is not read.
PORTABLE_MARKER = "outpost-portable.txt"
PORTABLE_DATA = "data"


def portable_data_dir(executable: Path) -> Path | None:
    """The data folder beside ``executable`` when the portable marker is there, else None."""
    folder = executable.resolve().parent
    if (folder / PORTABLE_MARKER).is_file():
        return folder / PORTABLE_DATA
    return None


def default_data_dir(
    environ: Mapping[str, str] | None = None,
    executable: Path | None = None,
    frozen: bool | None = None,
) -> Path:
    """``OUTPOST_DATA_DIR``, else the portable folder of a frozen build with the marker, else the
    platform's user data folder (``%LOCALAPPDATA%\\Outpost`` on Windows, ``~/.local/share/Outpost``).

    The parameters default to this process's own (they are given only by tests)."""
    environ = os.environ if environ is None else environ
    env = environ.get("OUTPOST_DATA_DIR")
    if env:
        return Path(env).expanduser()
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if frozen:
        portable = portable_data_dir(Path(sys.executable) if executable is None else executable)
        if portable is not None:
            return portable
    from platformdirs import user_data_dir

    return Path(user_data_dir("Outpost", appauthor=False))
