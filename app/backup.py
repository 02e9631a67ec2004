"""A backup as one folder: the register, its key slots, its settings and its sealed attachments.

A restore onto a new laptop needs all four, so they travel together (docs/operations.md §Backups). The
folder is laid out as a data folder (``register.sqlite``, ``register.keys``, ``settings.json``,
``attachments/``) plus ``backup.json``: the attachments are already sealed and named under the register
key (app/attachments.py), so they are copied as they are and nothing is ever written in clear.

A backup is written under a hidden ``.NAME.partial`` name and renamed to NAME only once every file in it
is on disk, ``backup.json`` last: a backup cut short (a full stick, a crash, the app closed) is never
taken for a good one, and restore refuses a folder without ``backup.json``. The register-only backups
of earlier versions (one ``.sqlite`` file, its ``.keys`` and ``.settings.json`` beside it) still
restore (``parts_of``). A plain register (only the version before encryption made one; it is
encrypted at its first open, backups included, app/unlock.py) is still backed up in that old form.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.context import Context, Paths
from app.errors import Cancelled, RegisterError
from app.files import write_atomically
from app.i18n import _
from app.progress import CancelToken, Progress, no_progress
from db.files import fsync_folder

MANIFEST = "backup.json"
FORMAT = "outpost-backup"
VERSION = 1
PARTIAL = ".partial"
MANUAL, AUTOMATIC = "outpost", "auto"  # the name's prefix: only automatic backups are rotated


@dataclass(frozen=True)
class BackupParts:
    """Where each part of a backup is. ``attachments`` is None for a register-only backup of an earlier
    version; ``folder`` is None for those too."""

    source: Path
    register: Path
    keys: Path
    settings: Path
    attachments: Path | None
    folder: Path | None


@dataclass(frozen=True)
class BackupInfo:
    """One backup in a folder, for a list to choose from (newest first)."""

    path: Path
    created_at: datetime
    station_code: str
    attachments: int | None  # None: a register-only backup of an earlier version
    automatic: bool


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def default_name(ctx: Context, prefix: str = MANUAL) -> str:
    """The backup's name: prefix, station and the time on the post's clock (the register's time zone,
    as the app shows times; ``backup.json`` keeps the instant in UTC, which the list sorts by)."""
    stamp = ctx.local(ctx.clock()).strftime("%Y%m%d-%H%M%S")
    return f"{prefix}-{ctx.station_code}-{stamp}"


def copy_hq_keys(source: Path, target: Path) -> bool:
    """HQ's own signing and encryption keys from the data folder (or backup folder) ``source`` into
    ``target``'s ``keys/``, as they lie (each wrapped under HQ's key passphrase); whether there were
    any. Nothing re-keys HQ, so a new HQ computer can read the posts' bundles and sign its return
    bundles only with these (docs/operations.md §11). A post's backup never holds its keys: a new
    laptop makes new ones and HQ re-keys it (``app.sync.rekey``)."""
    from app.sync.keys import keys_dir

    found = hq_key_files(keys_dir(source))
    if not found:
        return False
    into = keys_dir(target)
    _private_folder(into)
    for path in found:
        copy_durably(path, into / path.name)
        os.chmod(into / path.name, 0o600)
    fsync_folder(into)
    return True


MAX_KEY_FILE = 64 * 1024  # a wrapped key is ~100 bytes


def hq_key_files(folder: Path) -> list[Path]:
    """HQ's key files in ``folder`` (a data folder's or a backup's ``keys/``): the signing and the
    encryption key, each a plain file of a key's size; nothing else is ever copied (a backup comes
    from outside: no link, no other name, nothing large)."""
    from app.sync.keys import ENCRYPTION_FILE, SIGNING_FILE

    found = []
    for name in (SIGNING_FILE, ENCRYPTION_FILE):
        path = folder / name
        if not path.is_symlink() and path.is_file() and path.stat().st_size <= MAX_KEY_FILE:
            found.append(path)
    return found


def is_plain_folder(path: Path) -> bool:
    """A folder to put a backup in, not a backup (or a register) itself."""
    return path.is_dir() and not (path / "register.sqlite").exists()


def new_backup_path(ctx: Context, out: Path | None, prefix: str, suffix: str) -> Path:
    """Where a backup goes: ``out`` itself, unless it is None (a new one in ``backups/``) or a folder that
    is not a backup itself (a USB stick's: a new one inside it), named by ``default_name`` and numbered
    when one of the same second is there already or still being written."""
    if out is not None and not is_plain_folder(out):
        return out
    if out is None:
        _private_folder(ctx.paths.backups)
    folder = out or ctx.paths.backups
    name = default_name(ctx, prefix)
    path, again = folder / f"{name}{suffix}", 1
    while path.exists() or path.with_name(f".{path.name}{PARTIAL}").exists():  # two in the same second
        again += 1
        path = folder / f"{name}-{again}{suffix}"
    return path


def write_backup(
    ctx: Context,
    out: Path | None = None,
    *,
    prefix: str = MANUAL,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Path:
    """The register, its slots, its settings and every sealed attachment, as the folder ``out``, which
    appears whole or not at all. By default a new one in ``backups/``; an existing folder that is not
    a backup itself (a USB stick's) gets a new one inside it, named as in ``backups/``."""
    if not backs_up_here(ctx):
        raise RegisterError(_("a PostgreSQL register is backed up with pg_dump ('outpost backup')"))
    # A plain register's backup is the earlier versions' one file, named as they named it.
    out = new_backup_path(ctx, out, prefix, ".sqlite" if ctx.key is None else "")
    if out.exists():
        raise RegisterError(_("{path} already exists; choose another name").format(path=out))
    if not out.parent.is_dir():
        raise RegisterError(_("the folder {path} does not exist").format(path=out.parent))
    if ctx.key is None:
        return _register_only(ctx, out)
    from db import migrate  # alembic: imported when a backup is made, not when the app starts
    partial = out.with_name(f".{out.name}{PARTIAL}")
    shutil.rmtree(partial, ignore_errors=True)  # what an earlier attempt under this name left
    parts = Paths(partial)
    try:
        _private_folder(partial)
        # The register first: every file it names was stored before the case naming it was saved, so
        # it is in the folder when the files are listed below.
        migrate.backup_sqlite(ctx.paths.register, parts.register, ctx.key)
        ctx.keyslots.copy_to(parts.keys)
        if ctx.kind == "hq":
            copy_hq_keys(ctx.paths.data_dir, partial)
        if ctx.paths.settings.is_file():  # a new laptop restores the settings with the register
            write_atomically(parts.settings, ctx.paths.settings.read_bytes(), private=True)
        store = ctx.attachments
        files = store.stored_files() if store.folder.is_dir() else []
        _private_folder(parts.attachments)
        for done, source in enumerate(files):
            if cancel is not None:
                cancel.check()
            progress(done, len(files))
            target = parts.attachments / source.relative_to(store.folder)
            if not target.parent.is_dir():
                _private_folder(target.parent)
            copy_durably(source, target)
        for folder in {p.parent for p in parts.attachments.glob("??/*")}:
            fsync_folder(folder)
        fsync_folder(parts.attachments)
        manifest = {
            "format": FORMAT, "version": VERSION, "station_code": ctx.station_code, "kind": ctx.kind,
            "created_at": ctx.clock().astimezone(UTC).isoformat(), "schema": migrate.HEAD,
            "attachments": len(files),
        }
        write_atomically(partial / MANIFEST, json.dumps(manifest, indent=1).encode(), private=True)
        progress(len(files), len(files))
        if cancel is not None:
            cancel.check()
        os.replace(partial, out)
    except Cancelled:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        why = _("could not write the backup to {path}: {why}").format(path=out, why=exc.strerror or exc)
        raise RegisterError(why) from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    fsync_folder(out.parent)
    return out


def _register_only(ctx: Context, out: Path) -> Path:
    """A plain register's backup, as the version before encryption wrote it (see the module's note)."""
    from db import migrate
    try:
        done = migrate.backup_sqlite(ctx.paths.register, out, None)
        if ctx.paths.settings.is_file():
            write_atomically(
                done.with_name(done.name + ".settings.json"), ctx.paths.settings.read_bytes(), private=True
            )
        return done
    except OSError as exc:
        why = _("could not write the backup to {path}: {why}").format(path=out, why=exc.strerror or exc)
        raise RegisterError(why) from None


def copy_durably(source: Path, target: Path) -> None:
    """A private copy of ``source``, on disk (flushed) before this returns."""
    with source.open("rb") as src, target.open("wb") as dest:
        os.chmod(target, 0o600)
        shutil.copyfileobj(src, dest, 1 << 20)
        dest.flush()
        os.fsync(dest.fileno())


def parts_of(source: Path) -> BackupParts:
    """The parts of the backup the user named: a backup folder (or a file in one), or an earlier
    version's register-only file. A folder cut short is named as such (RegisterError)."""
    in_folder = source.parent.joinpath(MANIFEST).is_file() or source.parent.name.endswith(PARTIAL)
    if source.is_file() and in_folder:
        source = source.parent  # register.sqlite or backup.json chosen in a file dialog
    if source.is_dir():
        if not (source / MANIFEST).is_file():
            if source.name.endswith(PARTIAL) or (source / "register.sqlite").exists():
                raise RegisterError(_(
                    "{name} is an incomplete backup (it has no {manifest}: writing it was cut short)"
                ).format(name=source.name, manifest=MANIFEST))
            raise RegisterError(_("{name} is a folder but not an Outpost backup").format(name=source.name))
        _read_manifest(source)
        paths = Paths(source)
        return BackupParts(source, paths.register, paths.keys, paths.settings, paths.attachments, source)
    return BackupParts(
        source, source, source.with_name(source.name + ".keys"),
        source.with_name(source.name + ".settings.json"), None, None,
    )


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegisterError(_("{name}: its {manifest} cannot be read ({why})").format(
            name=folder.name, manifest=MANIFEST, why=exc)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RegisterError(_("{name} is a folder but not an Outpost backup").format(name=folder.name))
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise RegisterError(_("{name} was written by a newer version of Outpost").format(name=folder.name))
    return manifest


def list_backups(folder: Path) -> list[BackupInfo]:
    """The complete backups in ``folder``, newest first: backup folders by their ``backup.json``, and
    the register-only files of earlier versions by their time of change. Folders cut short are left out."""
    found: list[BackupInfo] = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue
        if path.is_dir() and (path / MANIFEST).is_file():
            try:  # a folder from outside: whatever in it cannot be read leaves it off the list
                manifest = _read_manifest(path)
                created = datetime.fromisoformat(str(manifest["created_at"]))
                code, files = str(manifest.get("station_code", "")), int(manifest.get("attachments", 0))
                if created.tzinfo is None:
                    continue
            except (RegisterError, KeyError, ValueError, TypeError):
                continue
            automatic = path.name.startswith(f"{AUTOMATIC}-")
            found.append(BackupInfo(path, created, code, files, automatic))
        elif path.is_file() and path.suffix == ".sqlite":
            created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            found.append(BackupInfo(path, created, "", None, False))
    return sorted(found, key=lambda b: (b.created_at, b.path.name), reverse=True)


def rotate(
    ctx: Context, keep: int, *, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> Path:
    """An automatic backup in ``backups/``, then only the newest ``keep`` automatic ones are kept
    (backups made by hand are never removed)."""
    made = write_backup(ctx, prefix=AUTOMATIC, progress=progress, cancel=cancel)
    prune(ctx.paths.backups, keep)
    return made


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` (at least one) automatic backups; the removed ones."""
    automatic = [b for b in list_backups(folder) if b.automatic]
    removed = [b.path for b in automatic[max(keep, 1):]]
    for path in removed:
        shutil.rmtree(path)
    return removed


def backs_up_here(ctx: Context) -> bool:
    """Whether this register is backed up into a backup folder: not HQ's PostgreSQL register, which is
    backed up on its server (pg_dump; docs/operations.md)."""
    return bool(ctx.sessions.engine.dialect.name == "sqlite")


def due(last: datetime | None, now: datetime, every_hours: int) -> bool:
    """Whether a scheduled automatic backup is due (``every_hours`` 0: no schedule)."""
    if every_hours <= 0:
        return False
    return last is None or (now - last).total_seconds() >= every_hours * 3600


def last_automatic(folder: Path) -> datetime | None:
    newest = next((b for b in list_backups(folder) if b.automatic), None)
    return newest.created_at if newest else None

