"""Which mounted volume is a USB stick or memory card, decided without Qt so that it is tested on Linux.

The send and backup dialogs offer only removable volumes as destinations. On Linux and macOS the
mount point says it (``/media``, ``/run/media``, ``/Volumes``); on Windows a drive letter says
nothing (D: may be a second disk, a DVD or a network share), so Windows is asked with
``GetDriveTypeW``, which answers DRIVE_REMOVABLE for sticks and card readers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

REMOVABLE_ROOTS = ("/media/", "/run/media/", "/mnt/", "/Volumes/")
# GetDriveTypeW's answer for a removable medium (winbase.h).
DRIVE_REMOVABLE = 2


def windows_drive_type(root: str) -> int:
    """``GetDriveTypeW`` of a drive root such as ``E:\\`` (Windows only)."""
    import ctypes

    windll = getattr(ctypes, "windll")  # noqa: B009 - only on Windows; getattr keeps mypy quiet elsewhere
    return int(windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))


def looks_removable(root: str, *, platform: str | None = None,
                    drive_type: Callable[[str], int] | None = None) -> bool:
    """Whether the volume mounted at ``root`` is a removable medium.

    ``platform`` and ``drive_type`` default to this computer's (tests give them)."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        drive = root.replace("/", "\\")
        if not drive.endswith("\\"):
            drive += "\\"
        return (drive_type or windows_drive_type)(drive) == DRIVE_REMOVABLE
    return root.startswith(REMOVABLE_ROOTS)
