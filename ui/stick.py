"""The drives plugged in, as Qt sees them (``QStorageInfo``), for the USB stick automatic backups are
copied to (app/stick.py decides which are removable and where the chosen stick is now)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStorageInfo

from app.settings import Settings
from app.stick import StickPlace, Volume, locate


def mounted_volumes() -> list[Volume]:
    """Every drive mounted and ready, with its label and device."""
    found = []
    for info in QStorageInfo.mountedVolumes():
        if not info.isValid() or not info.isReady() or info.isReadOnly():
            continue
        device = bytes(info.device().data()).decode(errors="replace")
        found.append(Volume(Path(info.rootPath()), info.name(), device))
    return found


def stick_place(settings: Settings) -> StickPlace:
    """Where the chosen stick's backup folder is now (None with the reason when it is not plugged in)."""
    s = settings
    return locate(s.backup_stick_label, s.backup_stick_root, s.backup_stick_folder, mounted_volumes())
