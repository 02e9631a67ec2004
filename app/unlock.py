"""Logging in opens the register: the password unwraps the register key, and only then is it read.

Every front end starts here (the CLI's ``session``, the desktop's log-in dialog): the user's key slot
gives the register key (``app.keyslots``), the register opens with it, then its own account check
runs. A register from before encryption is logged in to as before and encrypted on the spot
(``encrypt_plain_register``); the recovery key opens the register when no password does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app import keyslots
from app.attachments import AttachmentStore
from app.context import Context, Paths, utc_now
from app.domain import Actor
from app.errors import AppError, AuthError, RegisterError
from app.i18n import _
from app.keyslots import KeySlots, StationLabel
from app.progress import Progress, no_progress
from app.register import open_register, private_folder, recorded_database
from app.settings import load_settings
from db import cipher
from db import models as m
from db.files import fsync_folder

ENCRYPTING = ".encrypting"  # the encrypted copy's name while it is made and checked
PLAIN_FILES_LEFT = "attachments.plain-left"  # clear attachment files still to delete after encryption


def is_encrypted(data_dir: Path) -> bool:
    """Whether the register in ``data_dir`` is encrypted (a plain one is encrypted at its next log-in)."""
    register = Paths(data_dir).register
    return register.is_file() and not cipher.is_plain(register)


def station_label(data_dir: Path) -> StationLabel | None:
    """Which register this is, for the log-in screen (None when it cannot be told)."""
    try:
        if is_encrypted(data_dir):
            return KeySlots(Paths(data_dir).keys).station()
        meta, _admins = _plain_peek(data_dir)
        return StationLabel(meta["station_code"], meta["kind"])
    except (AppError, KeyError, cipher.DatabaseError, OSError):
        return None


def default_username(data_dir: Path) -> str | None:
    """The only active admin: the CLI's default acting user and the log-in screen's first guess.

    Read without logging in: from the key slots' role hints, or straight from a plain register."""
    if is_encrypted(data_dir):
        roles = KeySlots(Paths(data_dir).keys).roles()
        admins = [name for name, role in roles.items() if role == "admin"]
    else:
        try:
            _meta, admins = _plain_peek(data_dir)
        except (cipher.DatabaseError, OSError):
            return None
    return admins[0] if len(admins) == 1 else None


def _plain_peek(data_dir: Path) -> tuple[dict[str, str], list[str]]:
    conn = cipher.connect(Paths(data_dir).register, None, read_only=True)
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        admins = [row[0] for row in conn.execute(
            "SELECT username FROM users WHERE role = 'admin' AND active = 1"
        )]
    finally:
        conn.close()
    return meta, admins


def log_in(
    data_dir: Path,
    username: str,
    password: str,
    *,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress = no_progress,
) -> tuple[Context, Actor]:
    """Open the register with ``username``'s password and log them in.

    A plain register is logged in to first and then encrypted (``Context.recovery_key`` then holds
    the new recovery key, for the front end to show once)."""
    paths = Paths(data_dir)
    if recorded_database(paths) is not None:  # HQ on PostgreSQL: its server protects it, no key here
        ctx = open_register(data_dir, clock=clock, progress=progress)
        try:
            return ctx, ctx.login(username, password)
        except BaseException:
            ctx.close()
            raise
    if not paths.register.exists():
        missing = _("there is no register in {path}; set one up with 'outpost init post' or "
                    "'outpost init hq'")
        raise RegisterError(missing.format(path=data_dir))
    if not is_encrypted(data_dir):
        ctx = open_register(data_dir, clock=clock, progress=progress)
        try:
            actor = ctx.login(username, password)
        except BaseException:
            ctx.close()
            raise
        return encrypt_plain_register(ctx, actor, password), actor
    settings = load_settings(paths.settings)
    key = KeySlots(paths.keys).unlock(
        username, password, now=clock(), threshold=settings.lockout_threshold,
        lockout=timedelta(minutes=settings.lockout_minutes),
    )
    _drop_plain_attachments(paths)
    ctx = _open_with(data_dir, key, clock, progress)
    try:
        return ctx, ctx.check_account(username, password)
    except BaseException:
        ctx.close()
        raise


def open_with_recovery_key(
    data_dir: Path, recovery_key: str, *, clock: Callable[[], datetime] = utc_now
) -> Context:
    """The register opened with the recovery key (for resetting a password; nobody is logged in)."""
    if not is_encrypted(data_dir):
        raise RegisterError(_("this register is not encrypted yet: it has no recovery key"))
    key = KeySlots(Paths(data_dir).keys).unlock_recovery(recovery_key)
    return _open_with(data_dir, key, clock, no_progress)


def _open_with(data_dir: Path, key: bytes, clock: Callable[[], datetime], progress: Progress) -> Context:
    try:
        return open_register(data_dir, key=key, clock=clock, progress=progress)
    except RegisterError:
        if not cipher.opens_with(Paths(data_dir).register, key):
            raise RegisterError(
                _("the key file {path} does not open this register (was it copied from another one?)").format(
                    path=Paths(data_dir).keys
                )
            ) from None
        raise


def encrypt_plain_register(ctx: Context, actor: Actor, password: str) -> Context:
    """Replace a plain register by a verified encrypted copy; returns the register opened encrypted.

    The copy is made beside the register, checked (integrity and the row count of every table), its
    key slots written, and only then renamed over the plain file; the plain write-ahead log is gone
    with it and the plain backups in ``backups/`` are encrypted too, so no plain copy stays behind.
    The user logging in gets a slot under their password; every other active user a slot wrapped
    under their stored password hash, replaced at their first log-in (``KeySlots.add_migrated``)."""
    paths, clock = ctx.paths, ctx.clock
    key = keyslots.new_key()
    with ctx.sessions.reads() as session:
        users = [(u.username, u.role, u.password_hash) for u in session.execute(
            select(m.User).where(m.User.active.is_(True))
        ).scalars()]
    with ctx.sessions.engine.connect() as conn:  # everything in the log goes into the main file first
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    ctx.close()
    staged = paths.register.with_name(paths.register.name + ENCRYPTING)
    staged.unlink(missing_ok=True)
    attachments = AttachmentStore(paths.attachments, key)
    attachments.drop_sealed_files()  # from an earlier attempt, under a key that was never kept
    attachments.seal_plain_files()
    cipher.export_encrypted(paths.register, staged, key)
    _check_copy(paths.register, staged, key)
    os.chmod(staged, 0o600)
    for folder in (paths.data_dir, paths.attachments, paths.backups, paths.logs):
        private_folder(folder)
    slots = KeySlots(paths.keys)
    label = StationLabel(ctx.station_code, ctx.kind, ctx.zone.key)
    recovery = slots.create(key, label, actor.username, actor.role, password)
    for username, role, password_hash in users:
        if username != actor.username:
            slots.add_migrated(username, key, role, password_hash)
    marker = paths.data_dir / PLAIN_FILES_LEFT
    marker.touch()
    os.replace(staged, paths.register)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{paths.register}{suffix}").unlink(missing_ok=True)
    fsync_folder(paths.data_dir)
    _drop_plain_attachments(paths)
    _encrypt_old_backups(paths, key, slots)
    encrypted = open_register(paths.data_dir, key=key, clock=clock)
    encrypted.recovery_key = recovery
    return encrypted


def _drop_plain_attachments(paths: Paths) -> None:
    """The clear attachment files, once the encrypted register is in place (and again at the next
    log-in if that was interrupted: the marker file says so)."""
    marker = paths.data_dir / PLAIN_FILES_LEFT
    if marker.exists():
        AttachmentStore(paths.attachments, None).drop_plain_files()
        marker.unlink()


def _check_copy(plain: Path, encrypted: Path, key: bytes) -> None:
    source = cipher.connect(plain, None, read_only=True)
    copy = cipher.connect(encrypted, key, read_only=True)
    try:
        ok = copy.execute("PRAGMA integrity_check").fetchone()[0]
        same = cipher.table_counts(source) == cipher.table_counts(copy)
    finally:
        source.close()
        copy.close()
    if ok != "ok" or not same:
        encrypted.unlink(missing_ok=True)
        raise RegisterError(
            _("encrypting the register failed its check ({why}); the register was left as it was").format(
                why=ok if ok != "ok" else _("the row counts differ")
            )
        )


def _encrypt_old_backups(paths: Paths, key: bytes, slots: KeySlots) -> None:
    """The plain backups in the data dir, encrypted in place under the new key (each with its slots)."""
    if not paths.backups.is_dir():
        return
    private_folder(paths.backups)
    for backup in sorted(paths.backups.glob("*.sqlite")):
        if not cipher.is_plain(backup):
            continue
        staged = backup.with_name(f".{backup.name}{ENCRYPTING}")
        staged.unlink(missing_ok=True)
        cipher.export_encrypted(backup, staged, key)
        _check_copy(backup, staged, key)
        os.chmod(staged, 0o600)
        slots.copy_to(backup.with_name(backup.name + ".keys"))
        os.replace(staged, backup)
    fsync_folder(paths.backups)


def reset_password_with_recovery_key(
    data_dir: Path, recovery_key: str, username: str, new_password: str,
    *, clock: Callable[[], datetime] = utc_now,
) -> None:
    """A forgotten password: the recovery key opens the register and ``username`` gets a new password
    (and a new slot, and is unlocked). The tip key, sealed under the old password, is not recoverable
    this way: an admin or chief who knows theirs gives it again (docs/security.md)."""
    ctx = open_with_recovery_key(data_dir, recovery_key, clock=clock)
    try:
        ctx.users.reset_password(username, new_password, by="recovery key")
    finally:
        ctx.close()


def reset_password_in_open_register(
    ctx: Context, recovery_key: str, username: str, new_password: str
) -> None:
    """The same reset from inside the open register (the desktop's Users dialog): the recovery key must
    open this register's recovery slot and give the key it is open with, so that whoever resets a
    password here shows the same proof as at the log-in screen."""
    if ctx.key is None:
        raise RegisterError(_("this register is not encrypted yet: it has no recovery key"))
    if ctx.keyslots.unlock_recovery(recovery_key) != ctx.key:
        raise AuthError(_("this recovery key does not open the register"))
    ctx.users.reset_password(username, new_password, by="recovery key")
