"""User administration from the desktop: File → Users… and File → Change my password…, on real
encrypted registers, checked by what a person then meets at the log-in (and in ``register.keys``)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.errors import AuthError, PermissionDenied
from app.keyslots import SLOTS_FILE
from app.unlock import log_in
from tests.helpers.clock import Clock
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import PASSWORD, Post
from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.password_dialog import ChangePasswordDialog
from ui.recovery_reset import RecoveryResetDialog
from ui.user_add_dialog import AddUserDialog
from ui.users_dialog import ACTIVE, LOCKED, ROLE, UsersDialog

NEW_PASSWORD = "battery-staple-2"


def _slots(post: Post) -> dict[str, Any]:
    users: dict[str, Any] = json.loads((post.data_dir / SLOTS_FILE).read_text())["users"]
    return users


def _opens(post: Post, username: str, password: str, clock: Clock) -> bool:
    """Whether ``password`` opens the register as ``username`` through the real log-in."""
    try:
        ctx, _actor = log_in(post.data_dir, username, password, clock=clock)
    except AuthError:
        return False
    ctx.close()
    return True


def _submit(dialog: AddUserDialog | RecoveryResetDialog, said: list[str]) -> None:
    """Press OK as a user would; keep what the dialog then says, and close it if it stayed open."""
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    said.append(dialog.message.text())
    if dialog.isVisible():
        dialog.reject()


def _users_dialog(qtbot: QtBot, post: Post) -> UsersDialog:
    dialog = UsersDialog(post.ctx, post.admin)
    qtbot.addWidget(dialog)
    return dialog


def _row(dialog: UsersDialog, username: str) -> int:
    return next(row for row in range(dialog.table.rowCount()) if dialog.table.item(row, 0).text() == username)


def _cell(dialog: UsersDialog, username: str, column: int) -> str:
    return dialog.table.item(_row(dialog, username), column).text()


def test_an_admin_adds_an_officer_who_then_logs_in_through_the_log_in_dialog(
    post: Post, qtbot: QtBot
) -> None:
    dialog = _users_dialog(qtbot, post)
    assert [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())] == [
        "admin", "analyst", "chief", "officer"
    ]
    said: list[str] = []

    def fill(add: QWidget, password: str, own: str) -> None:
        assert isinstance(add, AddUserDialog)
        add.username.setText("an.le")
        add.full_name.setText("Lê Văn An")
        add.role.setCurrentIndex(add.role.findData("officer"))
        add.password.setText(password)
        add.password_again.setText(password)
        add.own_password.setText(own)
        _submit(add, said)

    answer_next_dialog(lambda add: fill(add, "short", PASSWORD))
    dialog.add_button.click()
    assert "ít nhất 8 ký tự" in said[0]  # the service's strength check, said in the dialog
    answer_next_dialog(lambda add: fill(add, NEW_PASSWORD, "not-my-password"))
    dialog.add_button.click()
    assert said[1] == "Mật khẩu của chính bạn không đúng; chưa thêm ai"
    assert "an.le" not in _slots(post) and not dialog.changed
    answer_next_dialog(lambda add: fill(add, NEW_PASSWORD, PASSWORD))
    dialog.add_button.click()
    assert said[2] == "" and dialog.changed
    assert _cell(dialog, "an.le", ROLE) == "Cán bộ, chiến sĩ" and "an.le" in dialog.status.text()
    assert dialog.selected() is not None and dialog.selected().username == "an.le"  # type: ignore[union-attr]
    assert _slots(post)["an.le"]["role"] == "officer"

    post.ctx.close()
    login = LoginDialog(post.data_dir)
    qtbot.addWidget(login)
    login.username.setText("an.le")
    login.password.setText(NEW_PASSWORD)
    login.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert login.result() == QDialog.DialogCode.Accepted and login.context is not None
    assert login.actor is not None and login.actor.role == "officer" and login.actor.full_name == "Lê Văn An"
    login.context.close()


def test_a_user_changes_their_own_password_and_only_their_slot_is_wrapped_again(
    post: Post, qtbot: QtBot, clock: Clock
) -> None:
    before = _slots(post)
    dialog = ChangePasswordDialog(post.ctx, post.officer)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def attempt(current: str, new: str, again: str | None = None) -> str:
        dialog.current.setText(current)
        dialog.password.setText(new)
        dialog.password_again.setText(new if again is None else again)
        ok.click()
        return dialog.message.text()

    assert attempt("not-the-password", NEW_PASSWORD) == "Mật khẩu hiện tại không đúng; không có gì thay đổi"
    assert "ít nhất 8 ký tự" in attempt(PASSWORD, "short")
    assert attempt(PASSWORD, NEW_PASSWORD, "battery-staple-3") == "Hai lần nhập mật khẩu không khớp."
    assert _slots(post) == before and dialog.result() != QDialog.DialogCode.Accepted
    attempt(PASSWORD, NEW_PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted

    after = _slots(post)
    assert after["officer"]["wrapped"] != before["officer"]["wrapped"]
    assert {n: e for n, e in after.items() if n != "officer"} == {
        n: e for n, e in before.items() if n != "officer"
    }
    post.ctx.close()
    assert not _opens(post, "officer", PASSWORD, clock)
    assert _opens(post, "officer", NEW_PASSWORD, clock)
    assert _opens(post, "chief", PASSWORD, clock)  # nobody else's password changed


def test_deactivating_a_user_asks_first_then_their_password_no_longer_opens_the_register(
    post: Post, qtbot: QtBot, clock: Clock
) -> None:
    dialog = _users_dialog(qtbot, post)
    dialog.select("admin")
    assert not dialog.deactivate_button.isEnabled()  # not one's own account
    dialog.select("officer")
    assert dialog.deactivate_button.isEnabled()
    asked: list[str] = []

    def answer(box: QWidget, button: QMessageBox.StandardButton) -> None:
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(button).click()

    answer_next_dialog(lambda box: answer(box, QMessageBox.StandardButton.Cancel))
    dialog.deactivate_button.click()
    assert "Nguyễn Officer (officer)" in asked[0] and "officer" in _slots(post)
    assert _cell(dialog, "officer", ACTIVE) == "có"

    answer_next_dialog(lambda box: answer(box, QMessageBox.StandardButton.Yes))
    dialog.deactivate_button.click()
    assert _cell(dialog, "officer", ACTIVE) == "không (đã vô hiệu hóa)"
    assert "officer" not in _slots(post) and set(_slots(post)) == {"admin", "chief", "analyst"}
    assert not dialog.deactivate_button.isEnabled() and not dialog.reset_button.isEnabled()
    assert "đã vô hiệu hóa officer" in dialog.status.text().lower()

    post.ctx.close()
    with pytest.raises(AuthError, match="officer"):
        log_in(post.data_dir, "officer", PASSWORD, clock=clock)


def test_an_admin_unlocks_an_account_that_wrong_passwords_locked(
    post: Post, qtbot: QtBot, clock: Clock
) -> None:
    for _attempt in range(post.ctx.settings.lockout_threshold):
        with pytest.raises(AuthError):
            post.ctx.login("chief", "not-the-password")
    with pytest.raises(AuthError, match="bị khóa|locked"):
        log_in(post.data_dir, "chief", PASSWORD, clock=clock)
    dialog = _users_dialog(qtbot, post)
    locked = clock() + timedelta(minutes=post.ctx.settings.lockout_minutes)
    assert _cell(dialog, "chief", LOCKED) == f"đến {post.ctx.local(locked):%H:%M %d/%m/%Y}"
    assert _cell(dialog, "officer", LOCKED) == ""
    dialog.select("officer")
    assert not dialog.unlock_button.isEnabled()
    dialog.select("chief")
    assert dialog.unlock_button.isEnabled()
    dialog.unlock_button.click()
    assert _cell(dialog, "chief", LOCKED) == "" and not dialog.unlock_button.isEnabled()
    assert "chief" in dialog.status.text() and not dialog.problem.isVisible()
    assert _opens(post, "chief", PASSWORD, clock)


def test_a_forgotten_password_is_set_with_the_recovery_key_from_the_users_dialog(
    post: Post, qtbot: QtBot, clock: Clock
) -> None:
    recovery = post.ctx.recovery_key
    assert recovery is not None
    dialog = _users_dialog(qtbot, post)
    dialog.select("chief")
    said: list[str] = []

    def fill(reset: QWidget, key: str) -> None:
        assert isinstance(reset, RecoveryResetDialog) and reset.username.text() == "chief"
        reset.recovery_key.setText(key)
        reset.password.setText(NEW_PASSWORD)
        reset.password_again.setText(NEW_PASSWORD)
        _submit(reset, said)

    answer_next_dialog(lambda reset: fill(reset, "AAAA-" * 7 + "AAAA"))
    dialog.reset_button.click()
    assert "không mở được sổ" in said[0] and not dialog.changed
    answer_next_dialog(lambda reset: fill(reset, recovery.lower()))
    dialog.reset_button.click()
    assert said[1] == "" and dialog.changed and "chief" in dialog.status.text()
    assert "người cung cấp tin" in dialog.status.text()  # a chief's tip key is not recovered: said so
    post.ctx.close()
    assert _opens(post, "chief", NEW_PASSWORD, clock)
    assert not _opens(post, "chief", PASSWORD, clock)


def test_only_an_admin_reaches_the_users_dialog_and_everyone_may_change_their_password(
    post: Post, qtbot: QtBot
) -> None:
    for actor in (post.officer, post.chief, post.analyst):
        window = MainWindow(post.ctx, actor)
        qtbot.addWidget(window)
        assert not window.users_action.isVisible() and window.password_action.isVisible()
        refused = UsersDialog(post.ctx, actor)
        qtbot.addWidget(refused)
        assert refused.table.isHidden() and refused.add_button.isHidden()
        assert "không được quản lý tài khoản" in refused.problem.text()  # the reason, in words
        with pytest.raises(PermissionDenied):  # and the service refuses by itself
            post.ctx.users.deactivate(actor, "analyst")
    window = MainWindow(post.ctx, post.admin)
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    assert window.users_action in file_menu.actions() and window.password_action in file_menu.actions()
    assert window.users_action.isVisible()
    seen = answer_next_dialog(lambda shown: shown.close())
    window.users_action.trigger()
    assert seen == ["Người dùng"]
    seen = answer_next_dialog(lambda shown: shown.close())
    window.password_action.trigger()
    assert seen == ["Đổi mật khẩu của tôi"]


def test_at_an_hq_on_postgresql_the_admin_sets_a_forgotten_password(
    qtbot: QtBot, postgres_url: str, tmp_path: Any
) -> None:
    """HQ on PostgreSQL has no recovery key: the button stays, and its dialog asks only for the new
    password, set by the administrator logged in (audited under their name)."""
    from tests.helpers.registers import make_hq, rows

    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    hq.ctx.users.add(hq.admin, "phantich", role="analyst", full_name="Lê Phân Tích", password=PASSWORD,
                     actor_password=PASSWORD)
    dialog = _users_dialog(qtbot, hq)
    dialog.select("phantich")
    assert dialog.reset_button.isEnabled()
    said: list[str] = []

    def fill(reset: QWidget) -> None:
        assert isinstance(reset, RecoveryResetDialog) and reset.username.text() == "phantich"
        assert reset.windowTitle() == "Đặt lại mật khẩu đã quên" and not reset.recovery_key.isVisibleTo(reset)
        assert "không có khóa khôi phục" in reset.explanation.text()
        reset.password.setText(NEW_PASSWORD)
        reset.password_again.setText(NEW_PASSWORD)
        _submit(reset, said)

    answer_next_dialog(fill)
    dialog.reset_button.click()
    assert said == [""] and dialog.changed and "phantich" in dialog.status.text()
    assert hq.ctx.check_account("phantich", NEW_PASSWORD).username == "phantich"
    assert rows(hq.ctx, "SELECT actor, action FROM audit_events ORDER BY seq DESC LIMIT 1") == [
        ("admin", "reset_password")
    ]
    hq.ctx.close()
