"""Station keys through the app (issue 17 item 6, issue 20 item 1): a post enrols, a replaced laptop
takes over its station and a post rotates its key, each through the post's dialog and HQ's, with the
files on a "USB stick" folder; HQ then imports what the post sends. Wrong fingerprints, other
stations' replies and damaged files are refused in the dialog, naming the file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from app.i18n import _
from app.register import backup_register, open_register
from app.restore import Unlock, restore_new
from app.sync import keys
from app.sync.export import export_changes
from app.sync.hq_import import import_bundles
from app.sync.key_requests import key_state
from tests.helpers.cases import sample_case
from tests.helpers.clock import Clock
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import PASSWORD, Post, make_hq, new_post, register_key
from tests.helpers.sync import PASSPHRASE, enrol_post
from ui.accept_request_dialog import AcceptRequestDialog
from ui.main_window import MainWindow
from ui.station_keys_dialog import StationKeysDialog
from ui.sync_dialogs import ExportDialog

NEW_PASSPHRASE = "khoa-may-moi-2"


def _usb(tmp_path: Path, name: str = "usb") -> Path:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    return folder


def _request(
    qtbot: QtBot, post: Post, usb: Path, passphrase: str, new: bool, rotate: bool = False
) -> StationKeysDialog:
    """The post writes the request its dialog offers (enrol, replace), or a rotation, to the stick."""
    dialog = StationKeysDialog(post.ctx, post.admin)
    qtbot.addWidget(dialog)
    if rotate:
        assert dialog.choices.checkedButton() is None  # a rotation is never chosen for the chief
        dialog.rotate_choice.click()
    dialog.destination.add_folder(usb)
    dialog.show()  # Enter after the passphrase never refreshes the drives (the dialog's first button)
    drives = dialog.destination
    assert not any(b.isDefault() for b in (drives.refresh_button, drives.other_button))
    dialog.passphrase.setText(passphrase)
    assert dialog.passphrase_again.isVisibleTo(dialog) is new  # new keys: the passphrase is asked twice
    if new:
        dialog.passphrase_again.setText(passphrase)
    assert dialog.write_button.isEnabled()
    dialog.write_button.click()
    assert dialog.written is not None and dialog.written.parent == usb, dialog.request_result.text()
    assert dialog.fingerprint.isVisibleTo(dialog)
    return dialog


def _accept(
    qtbot: QtBot, hq: Post, request: Path, usb: Path, read_out: str, *, by_enter: bool = False
) -> AcceptRequestDialog:
    """HQ opens the request, types the fingerprint the post reads out, and writes the reply (``by_enter``:
    with Enter in the fingerprint's field, as an operator on the phone does)."""
    dialog = AcceptRequestDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    dialog.open_request(request)
    dialog.passphrase.setText(PASSPHRASE)
    dialog.passphrase_again.setText(PASSPHRASE)
    dialog.destination.add_folder(usb)
    dialog.read_out.setText(read_out)
    assert dialog.accept_button.isEnabled()
    if by_enter:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        dialog.show()
        assert dialog.accept_button.isDefault() and not dialog.choose_button.isDefault()
        dialog.read_out.setFocus()
        QTest.keyClick(dialog.read_out, Qt.Key.Key_Return)  # (it opened the file chooser)
    else:
        dialog.accept_button.click()
    return dialog


def _install(dialog: StationKeysDialog, reply: Path, passphrase: str) -> None:
    dialog.reply_path.setText(str(reply))
    dialog.passphrase.setText(passphrase)
    dialog.install_button.click()


def _station_fingerprint(post: Post, passphrase: str) -> str:
    return keys.fingerprint(keys.raw_public(keys.load_signing_key(post.data_dir, passphrase).public_key()))


def _send_and_import(qtbot: QtBot, post: Post, hq: Post, usb: Path, passphrase: str = PASSPHRASE) -> int:
    """The post sends through the Send-to-HQ dialog; HQ imports the files: how many cases were new."""
    sent = ExportDialog(post.ctx, post.chief)
    qtbot.addWidget(sent)
    assert not sent.enrol_notice.isVisibleTo(sent)
    sent.add_folder(usb)
    sent.passphrase.setText(passphrase)
    sent.send_button.click()
    assert sent.result_files, sent.status.text()
    summary = import_bundles(hq.ctx, hq.admin, PASSPHRASE, list(sent.result_files))
    assert not summary.rejected, summary.rejected
    return summary.new


def test_a_post_enrols_through_the_app_and_hq_imports_what_it_sends(
    qtbot: QtBot, post: Post, tmp_path: Path, clock: Clock
) -> None:
    hq = make_hq(tmp_path / "hq", clock=clock)
    post.ctx.cases.create(post.officer, sample_case())
    usb = _usb(tmp_path)

    # Send to HQ on an unenrolled post points to the station keys, and opens them.
    sent = ExportDialog(post.ctx, post.admin)
    qtbot.addWidget(sent)
    assert sent.enrol_notice.isVisibleTo(sent) and sent.enrol_button.isVisibleTo(sent)
    seen = answer_next_dialog(lambda dialog: dialog.close())
    sent.enrol_button.click()
    assert seen == ["Khóa xác thực của đồn — BP-VX"]
    chief = ExportDialog(post.ctx, post.chief)  # a chief cannot enrol: told who does
    qtbot.addWidget(chief)
    assert chief.enrol_notice.isVisibleTo(chief) and not chief.enrol_button.isVisibleTo(chief)

    asked = _request(qtbot, post, usb, PASSPHRASE, new=True)
    assert asked.enrol_choice.isChecked() and not asked.rotate_choice.isEnabled()
    request = asked.written
    assert request is not None and request.name == "enrolment-request-BP-VX.json"
    fingerprint = asked.fingerprint.text()
    assert fingerprint == _station_fingerprint(post, PASSPHRASE)

    accepted = _accept(qtbot, hq, request, usb, fingerprint.lower().replace(" ", ""), by_enter=True)
    assert accepted.fingerprint.text() == fingerprint and "BP-VX" in accepted.about.text()
    assert accepted.written == usb / "enrolment-reply-BP-VX.json" and accepted.written.is_file()
    assert "BP-VX" in accepted.result_label.text()

    _install(asked, accepted.written, PASSPHRASE)
    assert asked.installed is not None and asked.installed.hq_code == "BCH-AG", asked.install_result.text()
    assert "BCH-AG" in asked.install_result.text()
    assert "BCH-AG" in asked.state_label.text() and not asked.enrol_choice.isEnabled()

    assert _send_and_import(qtbot, post, hq, _usb(tmp_path, "usb-send")) == 1
    hq.ctx.close()


def test_a_wrong_fingerprint_and_wrong_files_are_refused_in_the_dialogs(
    qtbot: QtBot, post: Post, tmp_path: Path, clock: Clock
) -> None:
    hq = make_hq(tmp_path / "hq", clock=clock)
    usb = _usb(tmp_path)
    asked = _request(qtbot, post, usb, PASSPHRASE, new=True)
    assert asked.written is not None

    wrong = _accept(qtbot, hq, asked.written, usb, "AAAA BBBB CCCC DDDD EEEE")
    shown = wrong.result_label.text()
    assert "enrolment-request-BP-VX.json" in shown and "AAAA BBBB CCCC DDDD EEEE" in shown
    assert asked.fingerprint.text() in shown
    assert wrong.written is None and not (usb / "enrolment-reply-BP-VX.json").exists()
    assert not (hq.data_dir / "keys").exists()  # refused before HQ's keys were even made

    damaged = usb / "hong.json"
    damaged.write_bytes(asked.written.read_bytes()[:200])
    broken = AcceptRequestDialog(hq.ctx, hq.admin)
    qtbot.addWidget(broken)
    broken.open_request(damaged)
    assert "hong.json" in broken.about.text() and not broken.fingerprint.isVisibleTo(broken)
    assert not broken.accept_button.isEnabled()

    # Another post's reply (from another HQ), and a damaged reply, are refused at install.
    other = new_post(tmp_path / "other", clock=clock)
    other_hq = make_hq(tmp_path / "hq2", code="BCH-KG", clock=clock)
    enrol_post(other, other_hq, tmp_path, "-other")
    _install(asked, tmp_path / "reply-other.json", PASSPHRASE)
    assert asked.installed is None
    assert "reply-other.json" in asked.install_result.text()
    assert _("{file} is the certificate of another station").format(file="reply-other.json") in (
        asked.install_result.text()
    )
    (usb / "tra-loi.json").write_text("{ khong phai json", encoding="utf-8")
    _install(asked, usb / "tra-loi.json", PASSPHRASE)
    assert asked.installed is None and "tra-loi.json" in asked.install_result.text()
    assert not key_state(post.ctx).enrolled and asked.enrol_choice.isEnabled()
    for ctx in (other.ctx, other_hq.ctx, hq.ctx):
        ctx.close()


def test_a_replaced_laptop_takes_over_its_station_through_the_app(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path, clock: Clock
) -> None:
    recovery = post.ctx.recovery_key
    assert recovery is not None
    post.ctx.cases.create(post.officer, sample_case())
    export_one = export_changes(post.ctx, post.admin, PASSPHRASE, _usb(tmp_path, "usb1"), 20 * 1024 * 1024)
    import_bundles(hq.ctx, hq.admin, PASSPHRASE, list(export_one.files))
    backup = backup_register(post.ctx, _usb(tmp_path, "safe") / "backup.sqlite")

    # The laptop is stolen; a new one restores the backup with the recovery key (tests/test_rekey.py).
    laptop_dir = tmp_path / "new-laptop"
    restore_new(laptop_dir, backup, Unlock(recovery_key=recovery))
    ctx = open_register(laptop_dir, key=register_key(laptop_dir), clock=clock)
    admin = ctx.login("admin", PASSWORD)
    laptop = Post(ctx, admin, ctx.login("chief", PASSWORD), ctx.login("officer", PASSWORD),
                  ctx.login("analyst", PASSWORD), laptop_dir)
    usb = _usb(tmp_path)

    asked = _request(qtbot, laptop, usb, NEW_PASSPHRASE, new=True)
    assert asked.rekey_choice.isChecked() and not asked.enrol_choice.isEnabled()
    assert asked.written == usb / "rekey-request-BP-VX.json"
    accepted = _accept(qtbot, hq, asked.written, usb, asked.fingerprint.text())
    assert accepted.written == usb / "rekey-reply-BP-VX.json", accepted.result_label.text()
    assert "BP-VX" in accepted.about.text()

    _install(asked, accepted.written, NEW_PASSPHRASE)
    assert asked.installed is not None, asked.install_result.text()
    assert asked.fingerprint.text() in asked.install_result.text()
    assert asked.rotate_choice.isEnabled() and not asked.rekey_choice.isEnabled()
    assert asked.choices.checkedButton() is None and not asked.write_button.isEnabled()

    laptop.ctx.cases.create(laptop.officer, sample_case())
    assert _send_and_import(qtbot, laptop, hq, _usb(tmp_path, "usb-send"), NEW_PASSPHRASE) == 1

    # The old laptop's key is refused from the re-key on.
    post.ctx.cases.create(post.officer, sample_case())
    old = export_changes(post.ctx, post.admin, PASSPHRASE, _usb(tmp_path, "usb-old"), 20 * 1024 * 1024)
    refused = import_bundles(hq.ctx, hq.admin, PASSPHRASE, list(old.files))
    assert refused.new == 0
    assert any("mà Bộ Chỉ huy đã thay ngày" in r["reason"] for r in refused.rejected), refused.rejected
    laptop.ctx.close()


def test_a_post_rotates_its_key_through_the_app(qtbot: QtBot, post: Post, hq: Post, tmp_path: Path) -> None:
    usb = _usb(tmp_path)
    before = _station_fingerprint(post, PASSPHRASE)
    asked = _request(qtbot, post, usb, PASSPHRASE, new=False, rotate=True)
    assert asked.rotate_choice.isChecked() and not asked.rekey_choice.isEnabled()
    assert asked.fingerprint.text() != before
    accepted = _accept(qtbot, hq, asked.written or Path(), usb, asked.fingerprint.text())
    assert accepted.written is not None, accepted.result_label.text()
    _install(asked, accepted.written, PASSPHRASE)
    assert asked.installed is not None, asked.install_result.text()
    assert asked.fingerprint.text() in asked.state_label.text()
    post.ctx.cases.create(post.officer, sample_case())
    assert _send_and_import(qtbot, post, hq, _usb(tmp_path, "usb-send")) == 1


def test_the_menus_offer_the_station_keys_to_an_admin(qtbot: QtBot, post: Post, hq: Post) -> None:
    window = MainWindow(post.ctx, post.admin)
    qtbot.addWidget(window)
    assert window.keys_action.isVisible() and not window.accept_request_action.isVisible()
    assert window.keys_action.text() == "Khóa &xác thực của đồn…"
    seen = answer_next_dialog(lambda dialog: dialog.close())
    window.keys_action.trigger()
    assert seen == ["Khóa xác thực của đồn — BP-VX"]
    officer = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(officer)
    assert not officer.keys_action.isVisible()
    at_hq = MainWindow(hq.ctx, hq.admin)
    qtbot.addWidget(at_hq)
    assert at_hq.accept_request_action.isVisible() and not at_hq.keys_action.isVisible()
    seen = answer_next_dialog(lambda dialog: _closed(dialog))
    at_hq.accept_request_action.trigger()
    assert seen == ["Chấp nhận yêu cầu của đồn"]


def _closed(dialog: QWidget) -> None:
    assert isinstance(dialog, QDialog)
    dialog.reject()
