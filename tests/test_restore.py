"""Restore checks the backup first (issue 17 item 5): integrity, station, schema and the full audit
chain; a hostile backup is refused with the check that failed, and the register stays byte-identical."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from app.register import backup_register, init_register
from app.restore import RestoreRefused, Unlock, restore_into
from db import cipher
from tests.helpers.cases import sample_case
from tests.helpers.cli import outpost
from tests.helpers.registers import PASSWORD, Post, as_first_schema, open_sqlite
from tests.helpers.sync import register_snapshot


def _fingerprint(data_dir: Path) -> dict[str, str]:
    """The bytes of everything restore could replace: the register, its slots, the attachments, the
    backups folder."""
    files = [*sorted(data_dir.glob("register.*")), *sorted((data_dir / "backups").rglob("*")),
             *sorted((data_dir / "attachments").rglob("*"))]
    return {str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
            if p.is_file()}


def _backup(post: Post, folder: Path) -> Path:
    post.ctx.cases.create(post.officer, sample_case())
    folder.mkdir(exist_ok=True)
    return backup_register(post.ctx, folder / "saved")


def _truncated(post: Post, backup: Path) -> Path:
    out = backup.with_name("cut")
    shutil.copytree(backup, out)
    data = (backup / "register.sqlite").read_bytes()
    (out / "register.sqlite").write_bytes(data[: len(data) // 2])
    return out


def _plain_with_trigger(post: Post, backup: Path) -> Path:
    """The backup decrypted to a plain SQLite file (as a thief with a password could), plus a trigger
    that keeps resetting the tip recipient."""
    out = backup.with_name("plain.sqlite")
    conn = open_sqlite(backup, isolation_level=None)
    conn.execute(f"ATTACH DATABASE '{out}' AS plain KEY ''")
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()
    plain = cipher.connect(out, None)
    plain.execute(
        "CREATE TRIGGER keep_tip AFTER UPDATE ON meta BEGIN "
        "UPDATE meta SET value = 'age1thief' WHERE key = 'tip_recipient'; END"
    )
    plain.commit()
    plain.close()
    assert cipher.is_plain(out)
    return out


def _audit_edited(post: Post, backup: Path) -> Path:
    conn = open_sqlite(backup)
    conn.execute("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2")
    conn.commit()
    conn.close()
    return backup


def _other_station(post: Post, backup: Path) -> Path:
    other = init_register(
        backup.parent / "other", kind="post", code="BP-TB", name="Đồn Tịnh Biên",
        admin_username="admin", admin_password=PASSWORD,
    )
    try:
        return backup_register(other, backup.with_name("other-backup"))
    finally:
        other.close()


HOSTILE: dict[str, tuple[Callable[[Post, Path], Path], list[str]]] = {
    "truncated": (_truncated, ["integrity check"]),
    "plain with a planted trigger": (_plain_with_trigger, ["schema: unknown trigger keep_tip on table meta"]),
    "audit chain edited": (_audit_edited, ["audit: audit event 2: its contents were edited"]),
    "another station": (_other_station, ["station: it is a backup of station BP-TB, not of this register"]),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE))
def test_a_hostile_backup_is_refused_and_nothing_changes(post: Post, tmp_path: Path, attack: str) -> None:
    make, expected = HOSTILE[attack]
    hostile = make(post, _backup(post, tmp_path / "stick"))
    with post.ctx.sessions.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _fingerprint(post.data_dir)
    with pytest.raises(RestoreRefused) as refused:
        restore_into(post.ctx, hostile, Unlock(username="admin", password=PASSWORD))
    assert all(any(words in p for p in refused.value.problems) for words in expected), refused.value.problems
    assert _fingerprint(post.data_dir) == before  # byte for byte; no safety backup either
    post.ctx.close()

    # The same through the command line, which logs in first (a log-in writes to the register).
    rows, slots = register_snapshot(post.data_dir), _fingerprint(post.data_dir)
    done = outpost(post.data_dir, "restore", str(hostile))  # the admin: its password opens any test backup
    assert done.returncode == 7, done.stderr
    assert "was not restored; nothing was changed" in done.stderr
    for words in expected:
        assert words in done.stderr
    assert register_snapshot(post.data_dir) == rows
    after = _fingerprint(post.data_dir)
    assert {k: v for k, v in after.items() if k != "register.sqlite"} == {
        k: v for k, v in slots.items() if k != "register.sqlite"
    }
    assert not list(post.data_dir.glob(".restore*"))
    assert outpost(post.data_dir, "audit", "verify").returncode == 0


def test_an_encrypted_backup_with_a_trigger_is_refused(post: Post, tmp_path: Path) -> None:
    backup = _backup(post, tmp_path / "stick")
    conn = open_sqlite(backup)
    conn.execute("CREATE INDEX quiet ON users (username)")
    conn.execute("CREATE TRIGGER keep_admin AFTER UPDATE ON users BEGIN UPDATE users SET role = 'admin'; END")
    conn.commit()
    conn.close()
    post.ctx.close()
    done = outpost(post.data_dir, "--user", "chief", "restore", str(backup))
    assert done.returncode == 7
    assert "schema: unknown trigger keep_admin on table users" in done.stderr
    assert "schema: unknown index quiet on table users" in done.stderr


def test_a_sound_backup_is_restored_after_its_checks(post: Post, tmp_path: Path) -> None:
    backup = _backup(post, tmp_path / "stick")
    post.ctx.cases.create(post.officer, sample_case())  # made after the backup: gone after the restore
    post.ctx.close()
    count = outpost(post.data_dir, "case", "list", "--json").stdout.count('"number"')
    done = outpost(post.data_dir, "--user", "chief", "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert outpost(post.data_dir, "case", "list", "--json").stdout.count('"number"') == count - 1
    assert outpost(post.data_dir, "audit", "verify").returncode == 0
    assert len(list((post.data_dir / "backups").glob("outpost-*"))) == 1  # the register as it was


def test_a_new_laptop_restores_with_the_recovery_key(post: Post, tmp_path: Path) -> None:
    recovery = post.ctx.recovery_key
    assert recovery is not None
    backup = _backup(post, tmp_path / "stick")
    post.ctx.close()
    laptop = tmp_path / "new-laptop"
    wrong = outpost(laptop, "restore", str(backup), "--recovery-key", password=None,
                    env={"OUTPOST_RECOVERY_KEY": "AAAA-" * 7 + "AAAA"})
    assert wrong.returncode == 7 and "this recovery key does not open the register" in wrong.stderr
    assert not (laptop / "register.sqlite").exists()
    officer = outpost(laptop, "--user", "officer", "restore", str(backup))
    assert officer.returncode == 7 and "only a chief or an admin" in officer.stderr
    done = outpost(laptop, "restore", str(backup), "--recovery-key", password=None,
                   env={"OUTPOST_RECOVERY_KEY": recovery})
    assert done.returncode == 0, done.stderr
    assert "enroll rekey-request" in done.stdout
    assert not cipher.is_plain(laptop / "register.sqlite")
    assert (laptop / "register.keys").stat().st_mode & 0o777 == 0o600
    assert outpost(laptop, "--user", "officer", "case", "list").returncode == 0
    assert outpost(laptop, "audit", "verify").returncode == 0


def test_a_backup_from_an_older_version_is_checked_at_its_schema_then_upgraded(
    post: Post, tmp_path: Path
) -> None:
    backup = _backup(post, tmp_path / "stick")
    as_first_schema(backup)
    planted = tmp_path / "stick" / "planted"
    shutil.copytree(backup, planted)
    conn = open_sqlite(planted)
    conn.execute("CREATE TRIGGER keep_role AFTER UPDATE ON users BEGIN UPDATE users SET role = 'admin'; END")
    conn.commit()
    conn.close()
    unlock = Unlock(username="admin", password=PASSWORD)
    with pytest.raises(RestoreRefused) as refused:
        restore_into(post.ctx, planted, unlock)
    assert any("unknown trigger keep_role" in p for p in refused.value.problems)
    assert any(p.startswith("audit: not checked") for p in refused.value.problems)  # never upgraded

    done = restore_into(post.ctx, backup, unlock)
    assert done.revision == "0001" and done.previous_saved_to is not None
    assert outpost(post.data_dir, "audit", "verify").returncode == 0
    assert outpost(post.data_dir, "case", "list", "--json").stdout.count('"number"') == 1
