"""HQ's inbox: bundles fetched from a real IMAP mailbox (Dovecot on loopback), imported from the inbox
folder and filed away."""

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
from app.inbox import fetch_mail, file_away, inbox_folder, waiting
from app.mail import _message
from tests import test_sync
from tests.conftest import PASSWORD, Mailbox, free_port
from tests.test_sync import PASSPHRASE, Pair, _cases, _export

pair = test_sync.pair  # the fixture: a post enrolled with HQ


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
    _cases(pair, 6)
    files = _export(pair, "out", size=100_000)
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
    base = [sys.executable, "-m", "app", "--data-dir", str(pair.hq.data_dir)]
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


def test_attachment_names_cannot_leave_the_inbox(pair: Pair, imap: Mailbox) -> None:
    message = EmailMessage()
    message["Subject"] = "x"
    message.set_content("x")
    for name in ("../../thoat-ra.outpost", "/etc/cron.d/x.outpost", "..outpost", "chay.exe", "a b.outpost"):
        message.add_attachment(b"PK...", maintype="application", subtype="octet-stream", filename=name)
    _deliver(pair, imap, message)
    _configure(pair, imap)
    fetched = fetch_mail(pair.hq.ctx, imap.password)
    folder = inbox_folder(pair.hq.ctx)
    assert sorted(p.name for p in fetched.saved) == ["thoat-ra.outpost", "x.outpost"]
    assert all(p.parent == folder for p in fetched.saved)
    assert sorted(fetched.ignored) == [
        "'..outpost': not a bundle file name",
        "'a b.outpost': not a bundle file name",
    ]
    assert not (folder.parent.parent / "thoat-ra.outpost").exists()


def test_a_wrong_password_or_no_server_saves_nothing(pair: Pair, imap: Mailbox) -> None:
    _cases(pair, 1, photos=False)
    path = _export(pair, "out")[0]
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


def test_filing_away_keeps_a_second_file_of_the_same_name(pair: Pair) -> None:
    folder = inbox_folder(pair.hq.ctx)
    (folder / "imported").mkdir(parents=True)
    (folder / "imported" / "a.outpost").write_bytes(b"old")
    (folder / "a.outpost").write_bytes(b"new")
    (folder / "b.outpost").write_bytes(b"waits")
    moved = file_away(pair.hq.ctx, ["a.outpost", "../a.outpost", "missing.outpost"])
    assert [p.read_bytes() for p in moved] == [b"new"] and moved[0].parent == folder / "imported"
    assert (folder / "imported" / "a.outpost").read_bytes() == b"old"
    assert [p.name for p in waiting(pair.hq.ctx)] == ["b.outpost"]
