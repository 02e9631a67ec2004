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

5. every attachment the staged register names: in the backup (app/backup.py) or already in the data
   folder, and sound (read to its end through its authentication, then hashed). A missing or damaged
   one is named and refuses the restore, unless the user accepts to go on without it
   (``accept_missing``): a backup that lost a photo may be the only one there is, so losing the photo
   must be a choice made knowingly, never a surprise (docs/operations.md §Backups).

Only then is the register replaced (after a backup of it, by a rename, so it is either the old
file or the checked one); the checked attachments are moved into the store just before, where the
register as it was does not see them. Every refusal names the check and what failed
(docs/security.md §6). The work reports progress and can be cancelled until the register is replaced;
from that rename on it runs to its end.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select

from app import audit, audit_upgrade
from app.attachments import AttachmentStore
from app.backup import BackupParts, copy_durably, parts_of
from app.context import Context, Paths, utc_now
from app.errors import AuthError, RegisterError
from app.i18n import _
from app.keyslots import KeySlots
from app.progress import CancelToken, Progress, no_progress
from app.register import schema_problems
from db import cipher, migrate, schema
from db import models as m
from db.files import fsync_folder

STAGED = ".restore-staged.sqlite"  # the checked copy, in the data dir, until it replaces the register
STAGED_FILES = ".restore-staged-attachments"  # the backup's checked attachments, until they are moved in
RESTORE_ROLES = frozenset({"chief", "admin"})  # as the permission "register.restore" (app/auth.py)


class RestoreRefused(RegisterError):
    """The backup failed a check; ``problems`` names each failure. Nothing was changed."""

    def __init__(
        self,
        source: Path,
        problems: list[str],
        *,
        attachments_only: bool = False,
        stations_only: bool = False,
    ) -> None:
        self.problems = problems
        # Only attachments are missing or damaged: the restore may go on without them if the user says so.
        self.attachments_only = attachments_only
        # Only HQ's posts changed since the backup (``station_changes``): the same, knowingly.
        self.stations_only = stations_only
        heading = _("{file} was not restored; nothing was changed:").format(file=source.name)
        lines = [heading, *(f"  - {p}" for p in problems)]
        if stations_only:
            lines.append(_(
                "Restoring this backup would undo these changes to the posts. If it must be restored all "
                "the same, do them again straight after (revoke again, accept the re-key request again, "
                "enrol again): “Restore all the same” in the app, or 'outpost restore "
                "--despite-station-changes'."
            ))
        if attachments_only:
            lines.append(_(
                "Only attachments are missing or damaged: an older backup may still hold them. To restore "
                "without them, knowingly: 'outpost restore --without-missing-attachments', or “Restore "
                "without them” in the app."
            ))
        super().__init__("\n".join(lines))


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
    attachments: int = 0  # the backup's attachments moved into the store
    without: tuple[str, ...] = ()  # the missing or damaged attachments the user accepted to go without
    kind: str = ""  # "post" or "hq": the register's
    hq_keys: bool = False  # HQ's own keys came with it (a new computer; ``backup._copy_hq_keys``)
    station_changes: tuple[str, ...] = ()  # at HQ, what the user accepted to undo (to be done again)


def _parts(source: Path) -> BackupParts:
    try:
        return parts_of(source)
    except RegisterError as exc:
        raise RestoreRefused(source, [exc.message]) from None


def backup_key(parts: BackupParts, unlock: Unlock, current_key: bytes | None = None) -> bytes | None:
    """The key that opens the backup's register (None for a plain backup from before encryption).

    The register's own key is tried first (a backup of this register); else the backup's own slots
    with the recovery key or the password. The slots are only read: no lock-out counter moves in a
    file that is not the register's."""
    source = parts.register
    if not source.is_file():
        raise RestoreRefused(parts.source, [_("{path} is not a file").format(path=source)])
    try:
        if cipher.is_plain(source):
            return None
    except OSError as exc:
        raise RestoreRefused(parts.source, [str(exc)]) from None
    if current_key is not None and cipher.opens_with(source, current_key):
        return current_key
    slots = parts.keys
    if not slots.is_file():
        raise RestoreRefused(parts.source, [
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
        raise RestoreRefused(parts.source, [_("opening the backup: {why}").format(why=exc.message)]) from None
    if not cipher.opens_with(source, key):
        raise RestoreRefused(parts.source, [
            _("integrity check: the file does not open with the key saved beside it: it is damaged or cut "
              "short (or the key file is another backup's)")
        ])
    return key


def check_source(
    parts: BackupParts, key: bytes | None, station_id: str | None
) -> tuple[str, dict[str, str], list[str]]:
    """Checks 1–3 on the backup's register itself (read-only): refused at once when it cannot be read
    as a register; else its revision, ``meta`` and what the station and schema checks found."""
    problems: list[str] = []
    source, named = parts.register, parts.source
    try:
        conn = cipher.connect(source, key, read_only=True)
    except cipher.DatabaseError as exc:
        why = _("integrity check: the file does not open ({why})").format(why=exc)
        raise RestoreRefused(named, [why]) from None
    try:
        try:
            lines = [str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall()]
        except cipher.DatabaseError as exc:
            lines = [str(exc)]
        if lines != ["ok"]:
            raise RestoreRefused(
                named, [_("integrity check: {why}").format(why="; ".join(lines[:5]))]
            )
        try:
            revision = str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
            meta = {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta").fetchall()}
        except (cipher.DatabaseError, TypeError):
            why = _("it is not an Outpost backup (no schema version or no station)")
            raise RestoreRefused(named, [why]) from None
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
        raise RestoreRefused(named, [
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
    parts: BackupParts, staged: Path, key: bytes | None, target_key: bytes | None, revision: str,
    problems: list[str],
) -> None:
    """The staged copy made and checked; refused with every problem found, the source's included."""
    _stage(parts.register, staged, key, target_key)
    problems = problems + check_staged(staged, target_key, revision, not problems)
    if problems:
        raise RestoreRefused(parts.source, problems)


def _nothing() -> None:
    """What ``committing`` does when nobody needs to know that the register is being replaced."""


class _Steps:
    """Progress over the restore's steps, and the points where it may still be cancelled."""

    def __init__(self, progress: Progress, cancel: CancelToken | None, total: int) -> None:
        self._progress, self._cancel, self.total, self.done = progress, cancel, total, 0

    def step(self, count: int = 1) -> None:
        if self._cancel is not None:
            self._cancel.check()
        self.done += count
        self._progress(min(self.done, self.total), self.total)

    def grow(self, more: int) -> None:
        self.total += more

    def finish(self) -> None:
        """Done: reported, never cancelled (past the replacement nothing can be undone)."""
        self.done = self.total
        self._progress(self.total, self.total)


def _referenced(staged: Path, key: bytes | None) -> list[tuple[str, str, str]]:
    """(sha256, file name, case number) of every attachment the staged register names."""
    conn = cipher.connect(staged, key, read_only=True)
    try:
        rows = conn.execute(
            "SELECT a.sha256, a.filename, c.number FROM attachments a JOIN cases c ON c.id = a.case_id "
            "ORDER BY c.number, a.position"
        ).fetchall()
    finally:
        conn.close()
    return [(str(sha), str(name), str(number)) for sha, name, number in rows]


def _stage_attachments(
    parts: BackupParts, key: bytes | None, target_key: bytes | None, staged: Path, into: Path,
    current: AttachmentStore, steps: _Steps,
) -> tuple[int, list[str]]:
    """Check 5: each attachment the staged register names, taken from the backup into ``into`` (sealed
    as it is, or sealed again when the register's key differs) once it is sound, or found sound in the
    data folder already. The number staged and, by name, those missing or damaged."""
    referenced = _referenced(staged, target_key)
    steps.grow(len(referenced))
    backup = AttachmentStore(parts.attachments, key) if parts.attachments is not None else None
    target = AttachmentStore(into, target_key)
    problems: list[str] = []
    seen: set[str] = set()
    for sha, filename, number in referenced:
        steps.step()
        if sha in seen:
            continue
        seen.add(sha)
        why = backup.check(sha) if backup is not None else "missing"
        if why is None and backup is not None:
            if key == target_key:
                destination = target.path(sha)
                destination.parent.mkdir(parents=True, exist_ok=True)
                copy_durably(backup.path(sha), destination)  # moved into the store later, by a rename
            else:
                target.store_bytes(sha, backup.read_bytes(sha))
            continue
        if current.check(sha) is None:
            continue  # already in this data folder, sound: the register as restored finds it
        if why == "damaged":
            problem = _("attachment {file} of case {number}: damaged in the backup (it fails its "
                        "authentication)")
        else:
            problem = _("attachment {file} of case {number}: missing from the backup")
        problems.append(problem.format(file=filename, number=number))
    return len(target.stored_files()) if into.is_dir() else 0, problems


def _move_in(staged_files: Path, store: Path) -> None:
    """The checked attachments into the store (content-addressed: one already there is the same)."""
    if not staged_files.is_dir():
        return
    for source in sorted(staged_files.glob("??/*")):
        target = store / source.relative_to(staged_files)
        if not target.parent.is_dir():
            target.parent.mkdir(parents=True)
            os.chmod(target.parent, 0o700)
        if target.exists():
            continue
        os.chmod(source, 0o600)
        os.replace(source, target)
    for folder in {p.parent for p in store.glob("??/*")}:
        fsync_folder(folder)


def _refuse_or_accept(
    parts: BackupParts, problems: list[str], accept_missing: bool
) -> tuple[str, ...]:
    if problems and not accept_missing:
        raise RestoreRefused(parts.source, problems, attachments_only=True)
    return tuple(problems)


def restore_into(
    ctx: Context,
    source: Path,
    unlock: Unlock = Unlock(),
    *,
    accept_missing: bool = False,
    accept_station_changes: bool = False,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    committing: Callable[[], None] = _nothing,
) -> Restored:
    """Replace the live register with a backup of it, if the backup passes every check; the register
    as it was is backed up first (only then). Cancelled (``Cancelled``) at any point before the
    register is replaced, nothing is changed; ``committing`` is called when that point is passed. At
    HQ, a backup older than a revocation, a re-key or an enrolment is refused unless
    ``accept_station_changes`` (``station_changes``)."""
    from app.backup import write_backup

    if ctx.sessions.engine.dialect.name == "postgresql":
        how = _(
            "restore HQ's PostgreSQL register on the database server: "
            "pg_restore --clean --dbname=DATABASE {file}"
        )
        raise RegisterError(how.format(file=source))
    paths = ctx.paths
    steps = _Steps(progress, cancel, 5)
    parts = _parts(source)
    key = backup_key(parts, unlock, ctx.key)
    steps.step()
    revision, meta, problems = check_source(parts, key, ctx.station_id)
    steps.step()
    target_key = ctx.key if ctx.key is not None else key
    staged, staged_files = paths.data_dir / STAGED, paths.data_dir / STAGED_FILES
    try:
        _stage_and_check(parts, staged, key, target_key, revision, problems)
        changed = station_changes(ctx, staged, target_key) if ctx.kind == "hq" else []
        if changed and not accept_station_changes:
            raise RestoreRefused(source, changed, stations_only=True)
        steps.step()
        current = AttachmentStore(paths.attachments, target_key)
        count, missing = _stage_attachments(parts, key, target_key, staged, staged_files, current, steps)
        without = _refuse_or_accept(parts, missing, accept_missing)
        safety = write_backup(ctx, cancel=cancel)
        steps.step()  # the last point where cancelling changes nothing
        committing()
        _move_in(staged_files, paths.attachments)
        ctx.sessions.engine.dispose()
        _put_in_place(paths, staged, target_key)
        if key is not None and key != ctx.key:
            # Another register key (not made today, but a backup may carry its own): its slots come too.
            shutil.copyfile(parts.keys, paths.keys)
            os.chmod(paths.keys, 0o600)
        steps.finish()
    finally:
        _drop(staged)
        shutil.rmtree(staged_files, ignore_errors=True)
    return Restored(
        source,
        meta.get("station_code", ""),
        revision,
        safety,
        count,
        without,
        meta.get("kind", ""),
        station_changes=tuple(changed),
    )


def restore_new(
    data_dir: Path,
    source: Path,
    unlock: Unlock,
    *,
    accept_missing: bool = False,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    committing: Callable[[], None] = _nothing,
) -> Restored:
    """A register from its backup in a data dir that has none (a new laptop): opened with the
    recovery key, or the password of a chief or admin in the backup. The register, its key slots, the
    settings and the attachments saved with the backup are put in place; the station's own keys are
    not in a backup (they are made again: ``app.sync.rekey``)."""
    from app.register import private_folder

    paths = Paths(data_dir)
    if paths.register.exists():
        raise RegisterError(_("a register already exists in {path}: log in and restore into it").format(
            path=data_dir))
    steps = _Steps(progress, cancel, 4)
    parts = _parts(source)
    key = backup_key(parts, unlock)
    if key is None:
        raise RestoreRefused(
            source, [_("a plain backup from before encryption is restored only into its register")]
        )
    steps.step()
    revision, meta, problems = check_source(parts, key, None)
    if unlock.recovery_key is None:
        _check_role(parts, key, unlock.username or "")
    steps.step()
    private_folder(data_dir)
    for folder in (paths.attachments, paths.backups, paths.logs):
        private_folder(folder)
    staged, staged_files = paths.data_dir / STAGED, paths.data_dir / STAGED_FILES
    try:
        _stage_and_check(parts, staged, key, key, revision, problems)
        steps.step()
        count, missing = _stage_attachments(
            parts, key, key, staged, staged_files, AttachmentStore(paths.attachments, key), steps
        )
        without = _refuse_or_accept(parts, missing, accept_missing)
        steps.step()  # the last point where cancelling changes nothing
        committing()
        _move_in(staged_files, paths.attachments)
        shutil.copyfile(parts.keys, paths.keys)
        os.chmod(paths.keys, 0o600)
        if parts.settings.is_file() and not paths.settings.exists():
            shutil.copyfile(parts.settings, paths.settings)
        hq_keys = _hq_keys_in_place(parts, data_dir) if meta.get("kind") == "hq" else False
        _put_in_place(paths, staged, key)
        steps.finish()
    finally:
        _drop(staged)
        shutil.rmtree(staged_files, ignore_errors=True)
    return Restored(
        source, meta.get("station_code", ""), revision, None, count, without, meta.get("kind", ""), hq_keys
    )


def station_changes(ctx: Context, staged: Path, key: bytes | None) -> list[str]:
    """At HQ: what the posts' standing in the live register has that the backup's (``staged``) lacks —
    a revocation, new keys (a re-key or a rotation) or an enrolment made after the backup. Restored,
    HQ would accept the bundles of a revoked post or of a key it retired, and refuse the post's new key:
    so such a restore is refused unless the user says otherwise (then they revoke and re-key again)."""
    with ctx.sessions.reads() as session:
        live = {
            code: (signing, revoked is not None)
            for code, signing, revoked in session.execute(
                select(m.Station.code, m.Station.signing_public_key, m.Station.revoked_at).where(
                    m.Station.kind == "post"
                )
            )
        }
    conn = cipher.connect(staged, key, read_only=True)
    try:
        rows = conn.execute("SELECT code, signing_public_key, revoked_at FROM stations WHERE kind = 'post'")
        held = {str(code): (signing, revoked is not None) for code, signing, revoked in rows.fetchall()}
    finally:
        conn.close()
    changes = []
    for code, (signing, revoked) in sorted(live.items()):
        if code not in held:
            changes.append(_("post {code} enrolled after this backup was made: restored, HQ would refuse "
                             "its bundles until it enrols again.").format(code=code))
        elif revoked and not held[code][1]:
            changes.append(_("post {code} was revoked after this backup was made: restored, HQ would "
                             "accept its bundles again.").format(code=code))
        elif signing != held[code][0]:
            changes.append(_("post {code} was given new keys after this backup was made (a re-key): "
                             "restored, HQ would accept bundles signed with the key it retired and refuse "
                             "the post's new one.").format(code=code))
    return changes


def _hq_keys_in_place(parts: BackupParts, data_dir: Path) -> bool:
    """HQ's keys from its backup into the new data folder (``backup.copy_hq_keys``, staged and then
    renamed into place), unless that folder has keys already; whether they came."""
    from app.backup import copy_hq_keys
    from app.sync.keys import keys_dir

    if parts.folder is None or keys_dir(data_dir).exists():
        return False
    staged = data_dir / f".keys{STAGED}"
    shutil.rmtree(staged, ignore_errors=True)
    if not copy_hq_keys(parts.folder, staged):
        shutil.rmtree(staged, ignore_errors=True)
        return False
    os.replace(keys_dir(staged), keys_dir(data_dir))
    shutil.rmtree(staged, ignore_errors=True)
    return True


def _check_role(parts: BackupParts, key: bytes, username: str) -> None:
    conn = cipher.connect(parts.register, key, read_only=True)
    try:
        row = conn.execute("SELECT role, active FROM users WHERE username = ?", (username,)).fetchone()
    finally:
        conn.close()
    if row is None or not row[1] or row[0] not in RESTORE_ROLES:
        raise RestoreRefused(parts.source, [
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
