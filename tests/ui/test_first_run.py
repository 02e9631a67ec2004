"""First-run set-up, the demo fill and log-in, through the real dialogs on real registers."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.errors import AppError, Cancelled
from app.progress import CancelToken, Progress
from app.unlock import log_in
from tests.helpers.registers import PASSWORD, Post
from ui.app import fill_demo
from ui.first_run import FORM_PAGE, FirstRunDialog
from ui.jobs import PROGRESS_DELAY_MS, ProgressRunner
from ui.login import LoginDialog


def type_text(qtbot: QtBot, widget: QLineEdit, text: str) -> None:
    """Type as a user would: keys for ASCII; Vietnamese arrives committed by the input method."""
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def ok(dialog: FirstRunDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def open_post_form(qtbot: QtBot, data_dir: Path) -> FirstRunDialog:
    dialog = FirstRunDialog(data_dir)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.post_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == FORM_PAGE
    return dialog


def test_post_set_up_through_the_dialog(tmp_path: Path, qtbot: QtBot) -> None:
    data_dir = tmp_path / "post"
    dialog = open_post_form(qtbot, data_dir)
    assert dialog.force.count() >= 10 and dialog.force.currentData() == "border_guard"
    assert dialog.commune.count() == 1 + 102  # "(chưa chọn)" and the province's communes
    type_text(qtbot, dialog.code, "BP-PH")
    type_text(qtbot, dialog.name, "Đồn Biên phòng Phú Hữu")
    dialog.commune.setCurrentIndex(dialog.commune.findData("30325"))
    type_text(qtbot, dialog.header_1, "BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH AN GIANG")
    type_text(qtbot, dialog.header_2, "ĐỒN BIÊN PHÒNG PHÚ HỮU")
    dialog.admin_username.clear()
    type_text(qtbot, dialog.admin_username, "quan.tv")
    type_text(qtbot, dialog.admin_name, "Trần Văn Quản")
    type_text(qtbot, dialog.password, PASSWORD)
    type_text(qtbot, dialog.password_again, PASSWORD)
    with qtbot.waitSignal(dialog.register_created):
        ok(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.admin is not None and dialog.admin.full_name == "Trần Văn Quản"
    assert dialog.context is not None
    dialog.context.close()
    reopened, admin = log_in(data_dir, "quan.tv", PASSWORD)
    try:
        assert (reopened.kind, reopened.station_code) == ("post", "BP-PH")
        assert admin.role == "admin"
    finally:
        reopened.close()


def test_a_too_short_password_is_explained_and_creates_nothing(tmp_path: Path, qtbot: QtBot) -> None:
    dialog = open_post_form(qtbot, tmp_path / "post")
    type_text(qtbot, dialog.code, "BP-PH")
    type_text(qtbot, dialog.name, "Đồn Biên phòng Phú Hữu")
    type_text(qtbot, dialog.password, "1234")
    type_text(qtbot, dialog.password_again, "1234")
    ok(dialog)
    assert "Mật khẩu phải có ít nhất 8 ký tự" in dialog.error_text("password")
    assert dialog.error_text("password_again") == "" and dialog.error_text("code") == ""
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.context is None
    assert not (tmp_path / "post").exists()


def test_problems_are_shown_next_to_their_fields(tmp_path: Path, qtbot: QtBot) -> None:
    dialog = open_post_form(qtbot, tmp_path / "post")
    type_text(qtbot, dialog.password, PASSWORD)
    type_text(qtbot, dialog.password_again, PASSWORD + "x")
    ok(dialog)
    assert "mã đơn vị" in dialog.error_text("code")
    assert dialog.error_text("name") != ""
    assert "không khớp" in dialog.error_text("password_again")
    assert dialog.error_text("password") == ""
    # The service's own checks (a malformed code) land next to the field as well.
    type_text(qtbot, dialog.code, "B")
    type_text(qtbot, dialog.name, "Đồn Biên phòng Phú Hữu")
    dialog.password_again.clear()
    type_text(qtbot, dialog.password_again, PASSWORD)
    ok(dialog)
    assert "BP-VX" in dialog.error_text("code")
    assert dialog.error_text("password_again") == ""
    assert dialog.context is None and not (tmp_path / "post" / "register.sqlite").exists()
    # Every mistake at once: a malformed code and account name beside passwords that differ (the code's
    # and the name's forms were said only once the passwords were right: two rounds for the chief).
    dialog.code.clear()
    type_text(qtbot, dialog.code, "bp vx")
    dialog.admin_username.clear()
    type_text(qtbot, dialog.admin_username, "Quân Trưởng")
    dialog.password_again.clear()
    type_text(qtbot, dialog.password_again, "short")
    ok(dialog)
    assert "BP-VX" in dialog.error_text("code") and "admin" in dialog.error_text("admin")
    assert dialog.error_text("password_again") != ""


def test_headquarters_asks_only_for_what_it_needs(tmp_path: Path, qtbot: QtBot) -> None:
    dialog = FirstRunDialog(tmp_path / "hq")
    qtbot.addWidget(dialog)
    dialog.hq_button.click()
    assert not any(dialog.field_visible(k) for k in ("force", "commune", "header_1", "header_2"))
    type_text(qtbot, dialog.code, "BCH-AG")
    type_text(qtbot, dialog.name, "Bộ Chỉ huy BĐBP An Giang")
    type_text(qtbot, dialog.password, PASSWORD)
    type_text(qtbot, dialog.password_again, PASSWORD)
    ok(dialog)
    assert dialog.context is not None and dialog.context.kind == "hq"
    dialog.context.close()


def test_a_register_that_exists_is_not_overwritten(post: Post, qtbot: QtBot) -> None:
    dialog = open_post_form(qtbot, post.data_dir)
    type_text(qtbot, dialog.code, "BP-PH")
    type_text(qtbot, dialog.name, "Đồn Biên phòng Phú Hữu")
    type_text(qtbot, dialog.password, PASSWORD)
    type_text(qtbot, dialog.password_again, PASSWORD)
    ok(dialog)
    assert "already exists" in dialog.message.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert post.ctx.station_code == "BP-VX"


def test_demo_post_is_created_and_filled(tmp_path: Path, qtbot: QtBot) -> None:
    dialog = FirstRunDialog(tmp_path / "demo")
    qtbot.addWidget(dialog)
    dialog.demo_button.click()
    assert not dialog.field_visible("code") and dialog.admin_username.isReadOnly()
    type_text(qtbot, dialog.password, PASSWORD)
    type_text(qtbot, dialog.password_again, PASSWORD)
    ok(dialog)
    ctx, admin = dialog.context, dialog.admin
    assert ctx is not None and admin is not None
    try:
        assert ctx.station_code == "BP-DEMO" and admin.username == "admin"
        assert admin.full_name == "Quản trị viên (dữ liệu mẫu)"  # the name left empty ("admin — Quản trị")
        outcome = fill_demo(ctx, admin, cases=120)
        assert outcome.state == "finished"
        assert ctx.cases.count(admin) == 120
    finally:
        ctx.close()


def _slow_work(progress: Progress, cancel: CancelToken) -> int:
    """Stands in for long work: reports progress and stops only when cancelled (or after 10 s)."""
    for step in range(1000):
        progress(step, 1000)
        cancel.check()
        time.sleep(0.01)
    return 1000


def test_progress_dialog_appears_after_a_delay_and_cancel_stops_the_work(qtbot: QtBot) -> None:
    runner = ProgressRunner("Đang làm…")
    started = time.monotonic()
    shown_after: list[float] = []

    def click_cancel_once_shown() -> None:
        if runner.dialog.isVisible():
            shown_after.append(time.monotonic() - started)
            poll.stop()
            button = runner.dialog.findChild(QPushButton)
            assert button is not None and button.text() == "Hủy"
            button.click()

    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(click_cancel_once_shown)
    poll.start()
    outcome = runner.run(_slow_work, total=1000)
    assert outcome.state == "cancelled"  # not an error
    assert shown_after and shown_after[0] >= (PROGRESS_DELAY_MS - 50) / 1000
    assert time.monotonic() - started < 5
    assert not runner.dialog.isVisible()


def test_quick_work_shows_no_dialog_and_failures_come_back(qtbot: QtBot) -> None:
    runner = ProgressRunner("Đang làm…")
    assert runner.run(lambda progress, cancel: 42).result == 42
    assert not runner.dialog.isVisible()

    def refused(progress: Progress, cancel: CancelToken) -> None:
        raise AppError("the disk is full")

    def stopped(progress: Progress, cancel: CancelToken) -> None:
        raise Cancelled()

    assert ProgressRunner("…").run(refused).message == "the disk is full"
    assert ProgressRunner("…").run(stopped).state == "cancelled"


def test_login_at_hq_says_it_is_hqs_register(hq: Post, qtbot: QtBot) -> None:
    dialog = LoginDialog(hq.data_dir)
    qtbot.addWidget(dialog)
    assert "Sổ tổng hợp của Bộ Chỉ huy BCH-AG" in dialog.register_label.text()


def test_login_refuses_a_wrong_password_with_the_reason(post: Post, qtbot: QtBot) -> None:
    dialog = LoginDialog(post.data_dir)
    qtbot.addWidget(dialog)
    assert dialog.username.text() == "admin"  # the only admin is offered
    assert "Sổ của đồn BP-VX" in dialog.register_label.text()  # which register this is
    assert str(post.data_dir) in dialog.register_label.text()
    dialog.username.clear()
    type_text(qtbot, dialog.username, "officer")
    type_text(qtbot, dialog.password, "wrong-password")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert "Sai mật khẩu" in dialog.message.text() and "còn 4 lần thử" in dialog.message.text()
    assert dialog.actor is None and dialog.password.text() == ""
    assert dialog.result() != QDialog.DialogCode.Accepted
    type_text(qtbot, dialog.password, PASSWORD)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.actor is not None and dialog.actor.role == "officer"
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_login_tells_when_the_account_is_locked(post: Post, qtbot: QtBot) -> None:
    dialog = LoginDialog(post.data_dir)
    qtbot.addWidget(dialog)
    dialog.username.setText("chief")
    for _ in range(post.ctx.settings.lockout_threshold):
        type_text(qtbot, dialog.password, "wrong-password")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert "khóa" in dialog.message.text()
    type_text(qtbot, dialog.password, PASSWORD)  # even the right password is refused for now
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.actor is None and "khóa" in dialog.message.text()


def test_the_admin_who_set_up_the_post_goes_straight_to_the_main_window(tmp_path: Path, qtbot: QtBot) -> None:
    from tests.helpers.dialogs import answer_next_dialog
    from ui import app as gui

    def set_up(dialog: QWidget) -> None:
        assert isinstance(dialog, FirstRunDialog)
        dialog.post_button.click()
        for field, text in ((dialog.code, "BP-PH"), (dialog.name, "Đồn Biên phòng Phú Hữu"),
                            (dialog.admin_name, "Trần Văn Quản"), (dialog.password, PASSWORD),
                            (dialog.password_again, PASSWORD)):
            field.setText(text)
        dialog.commune.setCurrentIndex(dialog.commune.findData("30325"))
        ok(dialog)

    seen = answer_next_dialog(set_up)
    opened = gui.open_or_set_up(tmp_path / "post")
    assert opened is not None and len(seen) == 1  # no log-in dialog after the set-up
    ctx, actor = opened
    try:
        assert actor.role == "admin" and actor.full_name == "Trần Văn Quản"
        assert ctx.recovery_key is not None  # for the recovery key dialog, shown once
    finally:
        ctx.close()
    # Anyone opening the register later logs in.
    answer_next_dialog(lambda dialog: dialog.reject())
    assert gui.open_or_set_up(tmp_path / "post") is None


def test_the_recovery_key_is_shown_once_and_stays_until_it_is_kept(post: Post, qtbot: QtBot) -> None:
    from ui.recovery_key import RecoveryKeyDialog

    dialog = RecoveryKeyDialog("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567", "BP-VX")
    qtbot.addWidget(dialog)
    assert dialog.key.text() == "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567"
    assert "két" in dialog.explanation.text()  # "keep it in the safe", in the default language
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.show()
    dialog.reject()  # Escape before the key is kept does nothing
    assert dialog.isVisible()
    # "Print it": a page with the key, read back from the PDF a printer would have been given.
    from PySide6.QtPrintSupport import QPrinter

    assert dialog.print_button.isVisible()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(post.data_dir / "recovery-key.pdf"))
    dialog.print_to(printer)
    command = ["pdftotext", str(post.data_dir / "recovery-key.pdf"), "-"]
    printed = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567" in printed and "BP-VX" in printed
    dialog.confirmed.setChecked(True)
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Accepted


def _log_in_through(dialog: QWidget, username: str, password: str) -> None:
    assert isinstance(dialog, LoginDialog)
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_an_existing_register_opens_on_a_worker_thread_rebuilding_its_index(post: Post, qtbot: QtBot) -> None:
    from app.domain import CaseFilter
    from tests.helpers.cases import sample_case
    from tests.helpers.dialogs import answer_next_dialog
    from tests.helpers.registers import open_sqlite
    from ui import app as gui

    made = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.close()
    conn = open_sqlite(post.ctx.paths.register)  # as a migration that asks for a new index leaves it
    conn.execute("DELETE FROM case_search")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'search_rebuild'")
    conn.commit()
    conn.close()
    answer_next_dialog(lambda dialog: _log_in_through(dialog, "officer", PASSWORD), attempts=20)
    opened = gui.open_or_set_up(post.data_dir)
    assert opened is not None
    ctx, officer = opened
    try:
        found = ctx.cases.list(officer, CaseFilter(query="thuoc la hero"))
        assert [r.id for r in found] == [made.id]
    finally:
        ctx.close()


def test_a_register_that_cannot_be_opened_is_explained(post: Post, qtbot: QtBot) -> None:
    from tests.helpers.dialogs import answer_next_dialog
    from tests.helpers.registers import open_sqlite
    from ui import app as gui

    post.ctx.close()
    conn = open_sqlite(post.ctx.paths.register)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    texts: list[str] = []

    def read(dialog: QWidget) -> None:
        _log_in_through(dialog, "admin", PASSWORD)
        assert isinstance(dialog, LoginDialog)
        texts.append(dialog.message.text())  # the log-in dialog says why, and stays open
        dialog.reject()

    answer_next_dialog(read)
    assert gui.open_or_set_up(post.data_dir) is None
    assert texts and "9999" in texts[0]
