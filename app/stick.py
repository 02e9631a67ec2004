"""Automatic backups copied to a USB stick: which mounted drives are removable, where the chosen stick is
now, and the copy itself (written whole or not at all, the newest N kept there as in ``backups/``).

Why a second copy: a backup in the data folder dies with the laptop (theft, fire, a failed disk); the
stick is carried away from it (docs/operations.md §1). The stick is found again by its volume label,
since Windows may give it another drive letter (E: today, F: tomorrow) and Linux mounts it under a path
that may change too. The list of mounted drives comes from the caller (the desktop asks Qt's
``QStorageInfo``), so this module stays Qt-free and its choices are tested with drives made up."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from app.backup import PARTIAL, copy_durably, prune
from app.errors import Cancelled, RegisterError
from app.i18n import _
from app.progress import CancelToken, Progress, no_progress
from db.files import fsync_folder

DRIVE_REMOVABLE = 2  # GetDriveTypeW's answer for a USB stick or a card


@dataclass(frozen=True)
class Volume:
    """A mounted drive: where it is mounted, its label, its device (``/dev/sdb1``; empty on Windows)."""

    root: Path
    label: str
    device: str = ""


@dataclass(frozen=True)
class StickPlace:
    """Where the chosen stick's backup folder is now, or why there is none (``folder`` None)."""

    folder: Path | None
    reason: str = ""


def is_removable(volume: Volume, *, sys_root: Path = Path("/sys")) -> bool:
    """Whether ``volume`` is on a removable drive (a USB stick, a memory card). Windows asks the drive's
    type; Linux reads the kernel's ``removable`` flag of the disk under the partition, or whether the disk
    hangs off a USB bus (some sticks call themselves fixed disks)."""
    if sys.platform == "win32":  # pragma: no cover - the Windows answer, checked on Windows
        import ctypes

        drive = str(volume.root)[:3]  # "E:\\"
        return int(ctypes.windll.kernel32.GetDriveTypeW(drive)) == DRIVE_REMOVABLE  # type: ignore[attr-defined]
    name = PurePath(volume.device).name
    if not volume.device.startswith("/dev/") or not name:
        return False
    block = sys_root / "class" / "block" / name
    try:
        disk = block.resolve()
        if (disk / "partition").exists():
            disk = disk.parent  # the partition's disk holds the flag
        if (disk / "removable").read_text().strip() == "1":
            return True
        return "/usb" in str(disk)
    except OSError:
        return False


def removable(volumes: Sequence[Volume], *, sys_root: Path = Path("/sys")) -> list[Volume]:
    """The removable drives among ``volumes``, by label."""
    found = (v for v in volumes if is_removable(v, sys_root=sys_root))
    return sorted(found, key=lambda v: (v.label, str(v.root)))


def volume_of(folder: Path, volumes: Sequence[Volume]) -> Volume | None:
    """The mounted drive ``folder`` is on (the deepest mount point above it)."""
    above = [v for v in volumes if folder == v.root or v.root in folder.parents]
    return max(above, key=lambda v: len(v.root.parts), default=None)


def choose(folder: Path, volumes: Sequence[Volume]) -> tuple[str, str, str]:
    """The settings that find ``folder`` again (``backup_stick_label``, ``backup_stick_root``,
    ``backup_stick_folder``): the stick's label, where it was mounted, the folder below its root."""
    volume = volume_of(folder, volumes)
    if volume is None:
        raise RegisterError(_("{path} is not on a drive that is plugged in").format(path=folder))
    return volume.label, str(volume.root), str(folder.relative_to(volume.root))


def locate(label: str, root: str, folder: str, volumes: Sequence[Volume]) -> StickPlace:
    """Where the backup folder chosen on the stick is now: on the mounted drive with the stick's label
    (where it was chosen first, then anywhere: Windows may give it another letter), or for a stick
    without a label, on the drive mounted where it was chosen; with no such stick plugged in, no folder
    and a reason a person can act on."""
    if not root.strip():
        return StickPlace(None, _("no USB stick is chosen for backups (File → Settings…)"))
    chosen = Path(root)
    if label:
        found = sorted((v for v in volumes if v.label == label), key=lambda v: v.root != chosen)
    else:
        found = [v for v in volumes if v.root == chosen]
    if found:
        return StickPlace(found[0].root / folder)
    return StickPlace(
        None,
        _("the backup stick {stick} is not plugged in: the backup is only in the data folder").format(
            stick=label or root
        ),
    )


def copy_to_stick(
    made: Path,
    folder: Path,
    keep: int,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Path:
    """Copy the backup folder ``made`` into ``folder`` on the stick, under a hidden name renamed once
    every file is on the stick (a stick pulled out half way leaves no backup that looks whole), then
    keep only the newest ``keep`` automatic backups there."""
    target = folder / made.name
    partial = folder / f".{made.name}{PARTIAL}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(partial, ignore_errors=True)
        files = sorted(p for p in made.rglob("*") if p.is_file())
        for done, source in enumerate(files):
            if cancel is not None:
                cancel.check()
            progress(done, len(files))
            copy = partial / source.relative_to(made)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy_durably(source, copy)
        for sub in sorted({p.parent for p in partial.rglob("*")} | {partial}, key=lambda p: -len(p.parts)):
            fsync_folder(sub)
        if target.exists():
            shutil.rmtree(target)
        os.replace(partial, target)
        fsync_folder(folder)
        progress(len(files), len(files))
    except Cancelled:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise RegisterError(
            _("could not copy the backup to the stick ({path}): {why}").format(
                path=folder, why=exc.strerror or exc
            )
        ) from None
    prune(folder, keep)
    return target
