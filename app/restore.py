"""Restoring a backup, checked first: nothing is replaced unless the backup passes every check.

A backup is a file from outside the app's control (a stick, a mail, a shared folder): it may be
truncated, another station's, a plain SQLite file with a trigger added, or a copy whose audit chain
was edited. Restore therefore opens it with its own key slots (``<backup>.keys``: a user's password
or the recovery key, so it also opens on a new laptop), and runs, on the file and then on the staged
copy that would replace the register:

1. ``PRAGMA integrity_check``;
2. that it is a backup of this station (when a register is being replaced) at a schema this
   version knows;
3. the schema comparison with a freshly migrated register at the backup's revision
   (``db.schema``): an unknown trigger, index, view or table is named;
4. the full audit verification (``app.audit.verify``) of the staged copy, upgraded first when it is
   from an older version.

Only then is the register replaced (after a backup of it, by a rename, so it is either the old
file or the checked one). Every refusal names the check and what failed (docs/security.md §6).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event

from app import audit, audit_upgrade
from app.context import Context, Paths, utc_now
from app.errors import AuthError, RegisterError
from app.i18n import _
from app.keyslots import KeySlots
from app.register import schema_problems
from db import cipher, migrate, schema
from db.files import fsync_folder

STAGED = ".restore-staged.sqlite"  # the checked copy, in the data dir, until it replaces the register
RESTORE_ROLES = frozenset({"chief", "admin"})  # as the permission "register.restore" (app/auth.py)


class RestoreRefused(RegisterError):
    """The backup failed a check; ``problems`` names each failure. Nothing was changed."""

    def __init__(self, source: Path, problems: list[str]) -> None:
        self.problems = problems
        heading = _("{file} was not restored; nothing was changed:").format(file=source.name)
        super().__init__("\n".join([heading, *(f"  - {p}" for p in problems)]))


@dataclass(frozen=True)
class Unlock:
    """How to open a backup: the recovery key, or a user's password against its own slots."""

    recovery_key: str | None = None
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Restored:
    source: Path
    station_code: str
    revision: str
    previous_saved_to: Path | None  # the register as it was (None on a new laptop)


def slots_beside(backup: Path) -> Path:
    """The key slots saved with a backup (``app.register.backup_register`` writes them)."""
    return backup.with_name(backup.name + ".keys")


def settings_beside(backup: Path) -> Path:
    return backup.with_name(backup.name + ".settings.json")


def backup_key(source: Path, unlock: Unlock, current_key: bytes | None = None) -> bytes | None:
    """The key that opens ``source`` (None for a plain backup from before encryption).

    The register's own key is tried first (a backup of this register); else the backup's own slots
    with the recovery key or the password. The slots are only read: no lock-out counter moves in a
    file that is not the register's."""
    if not source.is_file():
        raise RestoreRefused(source, [_("{path} is not a file").format(path=source)])
    try:
        if cipher.is_plain(source):
            return None
    except OSError as exc:
        raise RestoreRefused(source, [str(exc)]) from None
    if current_key is not None and cipher.opens_with(source, current_key):
        return current_key
    slots = slots_beside(source)
    if not slots.is_file():
        raise RestoreRefused(source, [
            _("it is not an Outpost backup of this register: it does not open with this register's key "
              "and has no key file beside it ({name}, written with every backup)").format(name=slots.name)
        ])
    keys = KeySlots(slots)
    try:
        if unlock.recovery_key:
            key = keys.unlock_recovery(unlock.recovery_key)
        elif unlock.username and unlock.password is not None:
            key = keys.peek(unlock.username, unlock.password)
        else:
            raise AuthError(
                _("the backup is encrypted with another key: give the recovery key or a password")
            )
    except (AuthError, RegisterError) as exc:
        raise RestoreRefused(source, [_("opening the backup: {why}").format(why=exc.message)]) from None
    if not cipher.opens_with(source, key):
        raise RestoreRefused(source, [
            _("integrity check: the file does not open with the key saved beside it: it is damaged or cut "
              "short (or the key file is another backup's)")
        ])
    return key


def check_source(
    source: Path, key: bytes | None, station_id: str | None
) -> tuple[str, dict[str, str], list[str]]:
    """Checks 1–3 on the backup file itself (read-only): refused at once when it cannot be read as a
    register; else its revision, ``meta`` and what the station and schema checks found."""
    problems: list[str] = []
    try:
        conn = cipher.connect(source, key, read_only=True)
    except cipher.DatabaseError as exc:
        why = _("integrity check: the file does not open ({why})").format(why=exc)
        raise RestoreRefused(source, [why]) from None
    try:
        try:
            lines = [str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall()]
        except cipher.DatabaseError as exc:
            lines = [str(exc)]
        if lines != ["ok"]:
            raise RestoreRefused(
                source, [_("integrity check: {why}").format(why="; ".join(lines[:5]))]
            )
        try:
            revision = str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
            meta = {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta").fetchall()}
        except (cipher.DatabaseError, TypeError):
            why = _("it is not an Outpost backup (no schema version or no station)")
            raise RestoreRefused(source, [why]) from None
    finally:
        conn.close()
    if station_id is not None and meta.get("station_id") != station_id:
        problems.append(
            _("station: it is a backup of station {code}, not of this register").format(
                code=meta.get("station_code", "?")
            )
        )
    if "station_id" not in meta:
        problems.append(_("station: the backup names no station"))
    if revision not in migrate.known_revisions():
        raise RestoreRefused(source, [
            _("schema: it was written by a newer version of Outpost (schema {revision})").format(
                revision=revision
            )
        ])
    problems += [
        _("schema: {problem}").format(problem=p)
        for p in schema_problems(schema.file_differences(source, key, revision))
    ]
    return revision, meta, problems


def _stage(source: Path, staged: Path, source_key: bytes | None, key: bytes | None) -> None:
    """A copy of ``source`` at ``staged`` under ``key`` (a plain backup is encrypted on its way in)."""
    _drop(staged)
    if source_key is None and key is not None:
        cipher.export_encrypted(source, staged, key)
    else:
        src = cipher.connect(source, source_key, read_only=True)
        dest = cipher.connect(staged, key)
        try:
            src.backup(dest)
        finally:
            src.close()
            dest.close()
    os.chmod(staged, 0o600)


def _read_only_engine(path: Path, key: bytes | None) -> Any:
    engine = create_engine("sqlite://", creator=lambda: cipher.connect(path, key, read_only=True))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    return engine


def check_staged(staged: Path, key: bytes | None, revision: str, schema_sound: bool) -> list[str]:
    """Check 4 on the staged copy: upgraded to this version's schema when older, then the full
    audit verification (the chain's links and every sealed row). An older copy whose schema is not
    sound is not upgraded (a planted trigger would run in the migrations' writes) nor verified."""
    from db.engine import make_engine, make_sessions, sqlite_url

    if revision != migrate.HEAD:
        if not schema_sound:
            return [_("audit: not checked, as the backup's schema is not sound and it needs upgrading")]
        engine = make_engine(sqlite_url(staged), key)
        try:
            migrate.upgrade(engine, backup_to=None)
            # A copy from before the keyed chain is re-chained as at the register's first open, only if
            # its old chain holds (app/audit_upgrade.py).
            with engine.connect() as conn:
                station = conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'station_id'").scalar()
            audit_upgrade.prepare(make_sessions(engine), key, str(station), utc_now)
        except migrate.SchemaError as exc:
            return [_("schema: {problem}").format(problem=exc)]
        except RegisterError as exc:
            return [_("audit: {problem}").format(problem=exc)]
        finally:
            engine.dispose()
    engine = _read_only_engine(staged, key)
    try:
        with engine.connect() as conn:
            report = audit.verify(conn, register_key=key)
    except Exception as exc:  # a file from outside: whatever breaks the check refuses it
        return [_("audit: the check could not run ({why})").format(why=exc)]
    finally:
        engine.dispose()
    shown = report.problems[:20]
    lines = [_("audit: {problem}").format(problem=p) for p in shown]
    if len(report.problems) > len(shown):
        lines.append(_("audit: … and {count} more").format(count=len(report.problems) - len(shown)))
    return lines


def _stage_and_check(
    source: Path, staged: Path, key: bytes | None, target_key: bytes | None, revision: str,
    problems: list[str],
) -> None:
    """The staged copy made and checked; refused with every problem found, the source's included."""
    _stage(source, staged, key, target_key)
    problems = problems + check_staged(staged, target_key, revision, not problems)
    if problems:
        raise RestoreRefused(source, problems)


def restore_into(ctx: Context, source: Path, unlock: Unlock = Unlock()) -> Restored:
    """Replace the live register with a backup of it, if the backup passes every check; the register
    as it was is backed up first (only then)."""
    from app.register import backup_register

    if ctx.sessions.engine.dialect.name == "postgresql":
        how = _(
            "restore HQ's PostgreSQL register on the database server: "
            "pg_restore --clean --dbname=DATABASE {file}"
        )
        raise RegisterError(how.format(file=source))
    paths = ctx.paths
    key = backup_key(source, unlock, ctx.key)
    revision, meta, problems = check_source(source, key, ctx.station_id)
    target_key = ctx.key if ctx.key is not None else key
    staged = paths.data_dir / STAGED
    try:
        _stage_and_check(source, staged, key, target_key, revision, problems)
        safety = backup_register(ctx)
        ctx.sessions.engine.dispose()
        _put_in_place(paths, staged, target_key)
        if key is not None and key != ctx.key:
            # Another register key (not made today, but a backup may carry its own): its slots come too.
            shutil.copyfile(slots_beside(source), paths.keys)
            os.chmod(paths.keys, 0o600)
    finally:
        _drop(staged)
    return Restored(source, meta.get("station_code", ""), revision, safety)


def restore_new(data_dir: Path, source: Path, unlock: Unlock) -> Restored:
    """A register from its backup in a data dir that has none (a new laptop): opened with the
    recovery key, or the password of a chief or admin in the backup. The register, its key slots and
    the settings saved with the backup are put in place; the station's own keys are not in a backup
    (they are made again: ``app.sync.rekey``)."""
    from app.register import private_folder

    paths = Paths(data_dir)
    if paths.register.exists():
        raise RegisterError(_("a register already exists in {path}: log in and restore into it").format(
            path=data_dir))
    key = backup_key(source, unlock)
    if key is None:
        raise RestoreRefused(
            source, [_("a plain backup from before encryption is restored only into its register")]
        )
    revision, meta, problems = check_source(source, key, None)
    if unlock.recovery_key is None:
        _check_role(source, key, unlock.username or "")
    private_folder(data_dir)
    for folder in (paths.attachments, paths.backups, paths.logs):
        private_folder(folder)
    staged = paths.data_dir / STAGED
    try:
        _stage_and_check(source, staged, key, key, revision, problems)
        shutil.copyfile(slots_beside(source), paths.keys)
        os.chmod(paths.keys, 0o600)
        settings = settings_beside(source)
        if settings.is_file() and not paths.settings.exists():
            shutil.copyfile(settings, paths.settings)
        _put_in_place(paths, staged, key)
    finally:
        _drop(staged)
    return Restored(source, meta.get("station_code", ""), revision, None)


def _check_role(source: Path, key: bytes, username: str) -> None:
    conn = cipher.connect(source, key, read_only=True)
    try:
        row = conn.execute("SELECT role, active FROM users WHERE username = ?", (username,)).fetchone()
    finally:
        conn.close()
    if row is None or not row[1] or row[0] not in RESTORE_ROLES:
        raise RestoreRefused(source, [
            _("only a chief or an admin of the backup (or the recovery key) restores it on a new computer")
        ])


def _settle(staged: Path, key: bytes | None) -> None:
    """Everything the checks and an upgrade left in the staged copy's write-ahead log, into the file
    itself: only the one file is renamed into place."""
    conn = cipher.connect(staged, key, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    with staged.open("rb") as handle:
        os.fsync(handle.fileno())


def _drop(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _put_in_place(paths: Paths, staged: Path, key: bytes | None) -> None:
    """The staged copy over the register by a rename; the old write-ahead log must not outlive it."""
    _settle(staged, key)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{paths.register}{suffix}").unlink(missing_ok=True)
    os.replace(staged, paths.register)
    fsync_folder(paths.data_dir)
