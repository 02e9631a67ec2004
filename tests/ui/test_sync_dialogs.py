"""Sending to HQ and receiving bundles through the dialogs, against real registers.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.helpers.cases import sample_case
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import Post
from tests.helpers.servers import Inbox, Mailbox
from tests.helpers.sync import PASSPHRASE
from ui.main_window import MainWindow
from ui.sync_dialogs import ExportDialog, ImportDialog, ReplyDialog

pytestmark = pytest.mark.both_engines


def _write(qtbot: QtBot, post: Post, folder: Path) -> ExportDialog:
    dialog = ExportDialog(post.ctx, post.chief)
    qtbot.addWidget(dialog)
    dialog.add_folder(folder)
    assert not dialog.send_button.isEnabled()  # no passphrase yet
    dialog.passphrase.setText(PASSPHRASE)
    assert dialog.send_button.isEnabled() and not dialog.email.isEnabled()  # no mail server set up
    assert "chưa thiết lập máy chủ thư: Công cụ → Thiết lập thư điện tử…" in dialog.email.text()  # no CLI
    dialog.send_button.click()
    return dialog


def test_send_then_receive_through_the_dialogs(qtbot: QtBot, post: Post, hq: Post, tmp_path: Path) -> None:
    for _ in range(3):
        post.ctx.cases.create(post.officer, sample_case())
    usb = tmp_path / "usb"
    usb.mkdir()
    sent = _write(qtbot, post, usb)
    assert len(sent.result_files) == 1 and sent.result_files[0].parent == usb
    assert sent.status.text() == f"Đã ghi 1 tệp gồm 3 vụ vào {usb}."

    received = ImportDialog(hq.ctx, hq.admin)
    qtbot.addWidget(received)
    received.add_files(list(sent.result_files))
    assert not received.check_button.isEnabled()
    received.passphrase.setText(PASSPHRASE)
    assert received.check_button.isEnabled() and not received.apply_button.isEnabled()
    received.check_button.click()
    assert "Vụ việc mới: 3" in received.report.toPlainText()
    name = sent.result_files[0].name
    assert f"{name}: BP-VX, phần 1/1, các thay đổi 1–3, 3 bản ghi" in received.report.toPlainText()
    assert hq.ctx.cases.count(hq.admin) == 0  # checking changes nothing
    received.apply_button.click()
    assert received.applied is not None and received.applied.new == 3
    assert hq.ctx.cases.count(hq.admin) == 3
    # HQ's return bundle, received at the post: the receipt and the watch list are shown, then kept.
    from app.sync.replies import make_reply
    from app.watch import decide

    for candidate in ("person:089090001234", "vehicle:67H120413"):  # an analyst stands behind both
        decide(hq.ctx, hq.admin, candidate, "confirmed", "Ba vụ trong tháng")

    reply = make_reply(hq.ctx, hq.admin, PASSPHRASE, post.ctx.station_code, tmp_path / "back")
    back = ImportDialog(post.ctx, post.admin)
    qtbot.addWidget(back)
    back.add_files([reply])
    back.passphrase.setText(PASSPHRASE)
    back.check_button.click()
    report = back.report.toPlainText()
    assert "Bộ Chỉ huy đã nhận mọi thay đổi đến số 3." in report, report
    assert "Danh sách theo dõi của BCH: 2 người và phương tiện" in report
    back.apply_button.click()
    assert back.applied is not None and back.applied.watch_entries == 2


def test_a_refused_file_is_explained_and_cannot_be_imported(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path
) -> None:
    post.ctx.cases.create(post.officer, sample_case())
    usb = tmp_path / "usb"
    usb.mkdir()
    good = _write(qtbot, post, usb).result_files[0]
    broken = tmp_path / "broken.outpost"
    broken.write_bytes(good.read_bytes()[:200])
    dialog = ImportDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    dialog.add_files([good, broken])
    dialog.passphrase.setText(PASSPHRASE)
    dialog.check_button.click()
    text = dialog.report.toPlainText()
    assert "broken.outpost: không phải gói dữ liệu hoặc tệp bị cắt cụt" in text, text
    assert "bỏ các tệp bị từ chối khỏi danh sách" in text, text
    assert not dialog.apply_button.isEnabled() and hq.ctx.cases.count(hq.admin) == 0
    # The refused file is taken off the list with the Delete key; the good one then imports.
    assert not dialog.remove_button.isEnabled()
    dialog.file_list.setCurrentRow(1)
    assert dialog.remove_button.isEnabled()
    qtbot.keyClick(dialog.file_list, Qt.Key.Key_Delete)
    assert dialog.files == [good] and dialog.file_list.count() == 1 and broken.exists()
    assert not dialog.apply_button.isEnabled()  # checked again first
    dialog.check_button.click()
    dialog.apply_button.click()
    assert hq.ctx.cases.count(hq.admin) == 1
    # The same file again: skipped, said so, nothing to import.
    again = ImportDialog(hq.ctx, hq.admin)
    qtbot.addWidget(again)
    again.add_files([good])
    again.passphrase.setText(PASSPHRASE)
    again.check_button.click()
    text = again.report.toPlainText()
    assert "Đã nhập từ trước, bỏ qua" in text and "Không có gì để nhập" in text, text
    assert not again.apply_button.isEnabled()


def test_a_wrong_passphrase_is_shown_and_nothing_is_written(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path
) -> None:
    post.ctx.cases.create(post.officer, sample_case())
    dialog = ExportDialog(post.ctx, post.chief)
    qtbot.addWidget(dialog)
    dialog.add_folder(tmp_path)
    dialog.passphrase.setText("not-the-passphrase")
    texts: list[str] = []

    def read(box: QWidget) -> None:
        texts.append(box.text())  # type: ignore[attr-defined]
        box.close()

    answer_next_dialog(read)
    dialog.send_button.click()
    assert texts == ["Sai cụm mật khẩu của khóa; không có gì thay đổi"]
    assert list(tmp_path.glob("*.outpost")) == []


def test_the_menu_offers_sending_only_at_a_post(qtbot: QtBot, post: Post, hq: Post) -> None:
    at_post = MainWindow(post.ctx, post.chief)
    qtbot.addWidget(at_post)
    assert at_post.send_action.isVisible() and at_post.receive_action.isVisible()
    officer = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(officer)
    assert not officer.send_action.isVisible()
    at_hq = MainWindow(hq.ctx, hq.admin)
    qtbot.addWidget(at_hq)
    assert not at_hq.send_action.isVisible() and at_hq.receive_action.isVisible()


def test_the_file_dialog_speaks_vietnamese(qtbot: QtBot) -> None:
    """Qt's own file dialog (the one used where the system has none) takes its labels and column
    headers from the app's catalog."""
    from PySide6.QtWidgets import QFileDialog, QLabel, QTreeView

    dialog = QFileDialog(None, "x")
    qtbot.addWidget(dialog)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert {"&Tìm trong:", "Thư mục:", "&Loại tệp:"} <= labels, labels
    model = dialog.findChildren(QTreeView)[0].model()
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert headers == ["Tên", "Kích thước", "Loại", "Ngày sửa"]


def test_the_preview_names_missing_ranges_and_parts(qtbot: QtBot, hq: Post) -> None:
    from app.sync.summary import ImportSummary

    dialog = ImportDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    summary = ImportSummary(
        new=2,
        applied=["a.outpost"],
        missing={"BP-VX": [[5, 9]]},
        missing_parts={"BP-VX": [{"set_id": "s", "parts": 10, "missing": [2, 10]}]},
    )
    text = dialog._describe(summary, dry_run=True)
    assert "Còn thiếu của BP-VX: các thay đổi 5–9" in text, text
    assert "Còn thiếu của BP-VX: phần 2, 10 trong 10 phần của một lần gửi" in text, text


def test_hq_fetches_mailed_bundles_into_the_inbox_and_files_them_away(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path, imap: Mailbox
) -> None:
    from dataclasses import replace

    from PySide6.QtWidgets import QInputDialog

    from app.sync.export import export_changes
    from app.sync.inbox import inbox_folder, waiting
    from app.sync.mail import _message

    post.ctx.cases.create(post.officer, sample_case())
    part = export_changes(post.ctx, post.chief, PASSPHRASE, tmp_path / "usb").files[0]
    client = imap.client()
    client.append("INBOX", None, None, _message(post.ctx, part, 1, 1).as_bytes())
    client.logout()
    (inbox_folder(hq.ctx)).mkdir(parents=True)
    by_hand = inbox_folder(hq.ctx) / "copied-from-usb.outpost"
    by_hand.write_bytes(part.read_bytes())  # the same part, also copied in by hand
    hq.ctx.settings = replace(
        hq.ctx.settings,
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_security="none",
        imap_username="bch-ag",
    )
    dialog = ImportDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    assert dialog.inbox_button.isVisibleTo(dialog) and dialog.fetch_button.isVisibleTo(dialog)

    def password(box: QWidget) -> None:
        assert isinstance(box, QInputDialog) and "bch-ag" in box.labelText()
        box.setTextValue(imap.password)
        box.accept()

    answer_next_dialog(password)
    dialog.fetch_button.click()
    assert "Đã lưu 1 tệp gói dữ liệu từ 1 thư." in dialog.report.toPlainText()
    assert sorted(p.name for p in dialog.files) == sorted(["copied-from-usb.outpost", part.name])
    dialog.passphrase.setText(PASSPHRASE)
    dialog.check_button.click()
    dialog.apply_button.click()
    assert dialog.applied is not None and dialog.applied.new == 1
    assert "bỏ qua" in dialog.report.toPlainText()  # one of the two copies was skipped
    assert waiting(hq.ctx) == [] and len(list((inbox_folder(hq.ctx) / "imported").iterdir())) == 2


def test_a_post_has_no_inbox_buttons(qtbot: QtBot, post: Post) -> None:
    dialog = ImportDialog(post.ctx, post.admin)
    qtbot.addWidget(dialog)
    assert not dialog.inbox_button.isVisibleTo(dialog) and not dialog.fetch_button.isVisibleTo(dialog)


def test_hq_main_window_shows_what_waits_in_the_inbox(qtbot: QtBot, hq: Post, tmp_path: Path) -> None:
    from app.sync.inbox import inbox_folder

    window = MainWindow(hq.ctx, hq.admin)
    qtbot.addWidget(window)
    assert not window.inbox_label.isVisibleTo(window)
    (inbox_folder(hq.ctx) / "a.outpost").write_bytes(b"x")
    (inbox_folder(hq.ctx) / "b.outpost").write_bytes(b"y")
    (inbox_folder(hq.ctx) / "notes.txt").write_text("z")
    qtbot.waitUntil(lambda: "2 gói dữ liệu chờ nhập" in window.inbox_label.text(), timeout=5000)
    assert window.inbox_label.isVisibleTo(window)


def test_hq_writes_return_bundles_for_the_posts_it_chooses(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path
) -> None:
    from app.sync.enrol import revoke
    from app.sync.export import export_changes
    from app.sync.hq_import import import_bundles
    from app.sync.returns import import_returns

    post.ctx.cases.create(post.officer, sample_case())
    files = export_changes(post.ctx, post.chief, PASSPHRASE, tmp_path / "usb").files
    import_bundles(hq.ctx, hq.admin, PASSPHRASE, list(files))
    window = MainWindow(hq.ctx, hq.admin)
    qtbot.addWidget(window)
    assert window.reply_action.isVisible() and not window.send_action.isVisible()
    dialog = ReplyDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    assert [dialog.stations.item(0).text()] == [
        "BP-VX — Đồn Biên phòng Vĩnh Xương (đã nhận đến thay đổi số 1)"
    ]
    assert dialog.chosen() == ["BP-VX"] and not dialog.write_button.isEnabled()
    back = tmp_path / "back"
    back.mkdir()
    dialog.destination.add_folder(back)
    assert dialog.destination.hint.text() == ""
    dialog.passphrase.setText(PASSPHRASE)
    assert dialog.write_button.isEnabled()
    dialog.write_button.click()
    assert [p.parent for p in dialog.written] == [back] and dialog.written[0].name.startswith(
        "BCH-AG-to-BP-VX-"
    )
    assert "Đã ghi 1 gói phản hồi" in dialog.status.text()
    # The post reads it as it reads any return bundle.
    summary = import_returns(post.ctx, post.admin, PASSPHRASE, dialog.written)
    assert summary.rejected == [] and summary.acknowledged_seq == 1
    revoke(hq.ctx, hq.admin, "BP-VX", "laptop stolen")
    after = ReplyDialog(hq.ctx, hq.admin)
    qtbot.addWidget(after)
    assert after.stations.count() == 0 and after.status.text().startswith("Không có đồn nào để phản hồi")


def test_inbox_files_imported_before_are_filed_away_and_refused_ones_moved_aside(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path
) -> None:
    from app.sync.export import export_changes
    from app.sync.hq_import import import_bundles
    from app.sync.inbox import inbox_folder, waiting

    post.ctx.cases.create(post.officer, sample_case())
    part = export_changes(post.ctx, post.chief, PASSPHRASE, tmp_path / "usb").files[0]
    import_bundles(hq.ctx, hq.admin, PASSPHRASE, [part])  # from the USB stick
    folder = inbox_folder(hq.ctx)
    folder.mkdir(parents=True)
    (folder / part.name).write_bytes(part.read_bytes())  # the mailed copy arrives later
    dialog = ImportDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    dialog.add_inbox()
    dialog.passphrase.setText(PASSPHRASE)
    dialog.check_button.click()
    assert "Đã cất khỏi hộp thư đến: 1" in dialog.report.toPlainText()
    assert waiting(hq.ctx) == [] and dialog.files == [] and (folder / "imported" / part.name).exists()
    # A file HQ refuses can be moved out of the inbox, with its reasons, so the rest can go on.
    (folder / "rac.outpost").write_bytes(b"junk")
    dialog.add_inbox()
    dialog.check_button.click()
    assert dialog.refuse_button.isVisibleTo(dialog)
    dialog.refuse_button.click()
    assert waiting(hq.ctx) == [] and dialog.files == []
    assert "không phải gói dữ liệu" in (folder / "refused" / "rac.txt").read_text(encoding="utf-8")
    assert not dialog.refuse_button.isVisibleTo(dialog)


def test_the_send_dialog_mails_the_parts_off_the_gui_thread(
    qtbot: QtBot,
    post: Post,
    hq: Post,
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Writing and mailing are one step (``send_to_hq``, as the CLI's export --email), run on a worker
    thread: a slow mail server never freezes the window."""
    import threading

    from app.sync import send

    inbox, port = smtp
    post.ctx.settings = replace(
        post.ctx.settings, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
        mail_from="bp-vx@bienphong.example", mail_to="bch-ag@bienphong.example",
    )
    threads: list[bool] = []

    def deliver(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    real = send.deliver
    monkeypatch.setattr(send, "deliver", deliver)
    post.ctx.cases.create(post.officer, sample_case())
    usb = tmp_path / "usb"
    usb.mkdir()
    dialog = ExportDialog(post.ctx, post.chief)
    qtbot.addWidget(dialog)
    dialog.add_folder(usb)
    dialog.passphrase.setText(PASSPHRASE)
    assert dialog.email.isEnabled() and dialog.email.isChecked()
    dialog.send_button.click()
    assert threads == [False]
    assert len(inbox.messages) == 1 and "Đã gửi thư 1 tệp" in dialog.status.text(), dialog.status.text()
