"""HQ's inbox: bundles fetched from a real IMAP mailbox (Dovecot on loopback), imported from the inbox
folder and filed away.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.errors import AppError
from app.sync.inbox import fetch_mail, file_away, inbox_folder, waiting
from app.sync.mail import _message
from tests.helpers.registers import PASSWORD
from tests.helpers.servers import Mailbox, free_port
from tests.helpers.sync import PASSPHRASE, Pair, add_cases, export_parts

pytestmark = pytest.mark.both_engines


def _configure(pair: Pair, mailbox: Mailbox, port: int | None = None) -> None:
    pair.hq.ctx.settings = replace(
        pair.hq.ctx.settings,
        imap_host="127.0.0.1",
        imap_port=port or mailbox.port,
        imap_security="none",
        imap_username=mailbox.username,
    )


def _deliver(pair: Pair, mailbox: Mailbox, message: EmailMessage) -> None:
    """A message arrives in HQ's mailbox (as the post's mail server would leave it)."""
    client = mailbox.client()
    try:
        client.append("INBOX", None, None, message.as_bytes())
    finally:
        client.logout()


def _unseen(mailbox: Mailbox) -> int:
    client = mailbox.client()
    try:
        return len(client.search(None, "UNSEEN")[1][0].split())
    finally:
        client.logout()


def test_bundles_mailed_to_hq_are_fetched_imported_and_filed_away(
    pair: Pair, imap: Mailbox, tmp_path: Path
) -> None:
    add_cases(pair, 6)
    files = export_parts(pair, "out", size=100_000)
    assert len(files) >= 2
    for index, path in enumerate(files, start=1):
        _deliver(pair, imap, _message(pair.post.ctx, path, index, len(files)))
    note = EmailMessage()
    note["Subject"], note["From"], note["To"] = "Họp giao ban", "chi-huy@bienphong.example", "bch-ag@x"
    note.set_content("Không có tệp đính kèm.")
    _deliver(pair, imap, note)
    _configure(pair, imap)

    fetched = fetch_mail(pair.hq.ctx, imap.password)
    assert fetched.messages == len(files) and fetched.ignored == ()
    assert sorted(p.name for p in fetched.saved) == sorted(f.name for f in files)
    assert [p.read_bytes() for p in waiting(pair.hq.ctx)] == [f.read_bytes() for f in sorted(files)]
    assert _unseen(imap) == 1  # the message without a bundle is left for people
    assert fetch_mail(pair.hq.ctx, imap.password).saved == ()  # read messages are not fetched again

    # The command line imports everything waiting and files it away; the inbox is then empty.
    env = {
        **os.environ,
        "OUTPOST_PASSWORD": PASSWORD,
        "OUTPOST_KEY_PASSPHRASE": PASSPHRASE,
        "QT_QPA_PLATFORM": "offscreen",
    }
    base = [sys.executable, "-m", "cli", "--data-dir", str(pair.hq.data_dir)]
    pair.hq.ctx.close()
    done = subprocess.run([*base, "import", "--inbox"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new"] == 6
    folder = pair.hq.data_dir / "inbox"
    assert waiting(pair.hq.ctx) == [] and sorted(p.name for p in (folder / "imported").iterdir()) == sorted(
        f.name for f in files
    )
    # The same part mailed again is recognised and not saved a second time.
    _deliver(pair, imap, _message(pair.post.ctx, files[0], 1, len(files)))
    again = fetch_mail(pair.hq.ctx, imap.password)
    assert (again.saved, again.messages) == ((), 1)
    empty = subprocess.run([*base, "import", "--inbox"], env=env, capture_output=True, text=True)
    assert empty.returncode == 0 and "the inbox is empty" in empty.stdout
    none = subprocess.run([*base, "import"], env=env, capture_output=True, text=True)
    assert none.returncode == 2 and "--inbox" in none.stderr


def test_attachment_names_are_made_plain_file_names_in_the_inbox(pair: Pair, imap: Mailbox) -> None:
    message = EmailMessage()
    message["Subject"] = "x"
    message.set_content("x")
    names = ("../../thoat-ra.outpost", "/etc/cron.d/x.outpost", "..outpost", "chay.exe", "BP-VX (1).OUTPOST")
    for name in names:
        message.add_attachment(b"PK...", maintype="application", subtype="octet-stream", filename=name)
    _deliver(pair, imap, message)
    _configure(pair, imap)
    fetched = fetch_mail(pair.hq.ctx, imap.password)
    folder = inbox_folder(pair.hq.ctx)
    assert sorted(p.name for p in fetched.saved) == [
        "BP-VX-1.outpost",
        "bundle.outpost",
        "thoat-ra.outpost",
        "x.outpost",
    ]
    assert all(p.parent == folder for p in fetched.saved) and fetched.ignored == ()
    assert not (folder.parent.parent / "thoat-ra.outpost").exists()


def test_a_message_that_cannot_be_read_is_left_for_people_and_does_not_stop_the_rest(
    pair: Pair, imap: Mailbox
) -> None:
    add_cases(pair, 1, photos=False)
    part = export_parts(pair, "out")[0]
    crafted = (  # an attachment header Python's mail parser fails on
        b"Subject: a\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n"
        b"Content-Type: text/plain\r\n\r\nhi\r\n--X\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*\r\n\r\nQUJD\r\n--X--\r\n"
    )
    client = imap.client()
    client.append("INBOX", None, None, crafted)
    client.logout()
    empty = EmailMessage()
    empty["Subject"] = "y"
    empty.set_content("y")
    empty.add_attachment(b"", maintype="application", subtype="octet-stream", filename="rong.outpost")
    _deliver(pair, imap, empty)
    _deliver(pair, imap, _message(pair.post.ctx, part, 1, 1))  # a genuine part after them
    _configure(pair, imap)
    fetched = fetch_mail(pair.hq.ctx, imap.password)
    assert [p.name for p in fetched.saved] == [part.name] and fetched.messages == 1
    assert fetched.ignored == (
        "message 1: cannot be read (IndexError); left unread",
        "message 2: the attachment 'rong.outpost' is empty or not a file",
    )
    assert _unseen(imap) == 2  # both left for people
    assert fetch_mail(pair.hq.ctx, imap.password).saved == ()


def test_a_wrong_password_or_no_server_saves_nothing(pair: Pair, imap: Mailbox) -> None:
    add_cases(pair, 1, photos=False)
    path = export_parts(pair, "out")[0]
    _deliver(pair, imap, _message(pair.post.ctx, path, 1, 1))
    _configure(pair, imap)
    with pytest.raises(AppError, match="the mailbox at 127.0.0.1:.* refused"):
        fetch_mail(pair.hq.ctx, "sai-mat-khau")
    _configure(pair, imap, port=free_port())  # nothing listens there
    with pytest.raises(AppError, match="could not be reached .*; 0 file"):
        fetch_mail(pair.hq.ctx, imap.password)
    assert waiting(pair.hq.ctx) == [] and _unseen(imap) == 1
    pair.hq.ctx.settings = replace(pair.hq.ctx.settings, imap_host="")
    with pytest.raises(AppError, match="no mailbox is set up"):
        fetch_mail(pair.hq.ctx, imap.password)


def test_filing_away_never_overwrites_a_file(pair: Pair) -> None:
    folder = inbox_folder(pair.hq.ctx)
    (folder / "imported").mkdir(parents=True)
    (folder / "imported" / "a[1].outpost").write_bytes(b"old")
    (folder / "imported" / "a[1]-2.outpost").write_bytes(b"older")  # a-1 was deleted by hand
    for content in (b"new", b"newer"):
        (folder / "a[1].outpost").write_bytes(content)
        (folder / "b.outpost").write_bytes(b"waits")
        file_away(pair.hq.ctx, ["a[1].outpost", "../a[1].outpost", "missing.outpost"])
    kept = {p.name: p.read_bytes() for p in (folder / "imported").iterdir()}
    assert kept == {
        "a[1].outpost": b"old",
        "a[1]-1.outpost": b"new",
        "a[1]-2.outpost": b"older",
        "a[1]-3.outpost": b"newer",
    }
    assert [p.name for p in waiting(pair.hq.ctx)] == ["b.outpost"]


def test_a_refused_file_in_the_inbox_is_moved_aside_with_its_reasons(pair: Pair) -> None:
    add_cases(pair, 2, photos=False)
    good = export_parts(pair, "out")[0]
    folder = inbox_folder(pair.hq.ctx)
    folder.mkdir(parents=True)
    (folder / good.name).write_bytes(good.read_bytes())
    (folder / "rac.outpost").write_bytes(b"not a bundle")
    env = {**os.environ, "OUTPOST_PASSWORD": PASSWORD, "OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
    base = [sys.executable, "-m", "cli", "--data-dir", str(pair.hq.data_dir), "import", "--inbox"]
    pair.hq.ctx.close()
    first = subprocess.run(base, env=env, capture_output=True, text=True)
    assert first.returncode == 3 and "moved 1 refused file(s) to" in first.stderr
    assert "the other files were imported" in first.stderr and "nothing was applied" not in first.stderr
    assert json.loads(first.stdout)["new"] == 2  # the good bundle beside it is imported in the same run
    assert waiting(pair.hq.ctx) == [] and (folder / "imported" / good.name).is_file()
    reasons = (folder / "refused" / "rac.txt").read_text(encoding="utf-8")
    assert "rac.outpost: not a bundle or truncated" in reasons
    assert (folder / "refused" / "rac.outpost").read_bytes() == b"not a bundle"
    second = subprocess.run(base, env=env, capture_output=True, text=True)
    assert second.returncode == 0 and "Nothing to import" in second.stdout + second.stderr


def test_the_mailbox_is_set_up_from_the_command_line_at_hq_only(pair: Pair, tmp_path: Path) -> None:
    from app.errors import ValidationError
    from app.sync.inbox import check_imap_settings

    with pytest.raises(ValidationError) as refused:
        check_imap_settings(" ", 0, "tls", "")
    assert len(refused.value.problems) == 4
    env = {**os.environ, "OUTPOST_PASSWORD": PASSWORD}
    shared = tmp_path / "shared-inbox"
    pair.hq.ctx.close()
    pair.post.ctx.close()
    command = ["mail", "setup-imap", "--host", "mail.bienphong.example", "--username", "bch-ag"]
    at_hq = subprocess.run(
        [sys.executable, "-m", "cli", "--data-dir", str(pair.hq.data_dir), *command, "--inbox", str(shared)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert at_hq.returncode == 0, at_hq.stderr
    saved = json.loads((pair.hq.data_dir / "settings.json").read_text(encoding="utf-8"))
    assert (saved["imap_host"], saved["imap_port"], saved["imap_security"]) == (
        "mail.bienphong.example",
        993,
        "ssl",
    )
    assert saved["inbox_folder"] == str(shared.resolve()) and str(shared) in at_hq.stdout
    at_post = subprocess.run(
        [sys.executable, "-m", "cli", "--data-dir", str(pair.post.data_dir), *command],
        env=env,
        capture_output=True,
        text=True,
    )
    assert at_post.returncode == 7 and "only HQ fetches bundles" in at_post.stderr


def test_receiving_from_the_inbox_files_what_is_done_and_says_what_changed(pair: Pair) -> None:
    """``receive`` is the CLI's and the dialog's one import: a check changes nothing (and says so), the
    import files the inbox copies away and says the cases changed; the same files again are filed away
    by the dialog's check (they were imported before), never by the command line's --dry-run."""
    from app.sync.receive import receive

    add_cases(pair, 3)
    inbox = inbox_folder(pair.hq.ctx)
    inbox.mkdir(parents=True, exist_ok=True)
    files = [path.rename(inbox / path.name) for path in export_parts(pair, "out")]
    hq, admin = pair.hq.ctx, pair.hq.admin
    checked = receive(hq, admin, PASSPHRASE, files, dry_run=True)
    assert checked.summary.new == 3 and not checked.summary.changes and checked.filed == ()
    assert waiting(hq) == files
    done = receive(hq, admin, PASSPHRASE, files)
    assert done.summary.changes.all_cases and not done.summary.changes.campaigns
    assert done.filed == tuple(path.name for path in files) and waiting(hq) == []
    again = [(inbox / "imported" / path.name).rename(path) for path in files]
    seen = receive(hq, admin, PASSPHRASE, again, dry_run=True)
    assert seen.summary.skipped and not seen.summary.changes and waiting(hq) == again
    seen = receive(hq, admin, PASSPHRASE, again, dry_run=True, file_seen_on_check=True)
    assert seen.filed == tuple(path.name for path in files) and waiting(hq) == []


def test_only_what_import_inbox_took_is_moved_and_a_dry_run_moves_nothing(pair: Pair) -> None:
    """A file named on the command line stays where it is, even in the inbox folder; --dry-run
    changes nothing, not even the inbox (the dialog's check may file away what was imported before)."""
    from tests.helpers.cli import outpost

    add_cases(pair, 2, photos=False)
    good = export_parts(pair, "out")[0]
    folder = inbox_folder(pair.hq.ctx)
    folder.mkdir(parents=True)
    (folder / "rac.outpost").write_bytes(b"not a bundle")
    pair.hq.ctx.close()
    keys = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
    named = outpost(pair.hq.data_dir, "import", str(folder / "rac.outpost"), env=keys)
    assert named.returncode == 3 and "moved" not in named.stderr
    assert (folder / "rac.outpost").exists() and not (folder / "refused").exists()
    (folder / "rac.outpost").unlink()
    assert outpost(pair.hq.data_dir, "import", str(good), env=keys).returncode == 0
    (folder / good.name).write_bytes(good.read_bytes())  # imported before, in the inbox again
    check = outpost(pair.hq.data_dir, "import", "--inbox", "--dry-run", env=keys)
    assert check.returncode == 0 and json.loads(check.stdout)["skipped"]
    assert [p.name for p in waiting(pair.hq.ctx)] == [good.name]
    done = outpost(pair.hq.data_dir, "import", "--inbox", env=keys)
    assert done.returncode == 0 and waiting(pair.hq.ctx) == []
