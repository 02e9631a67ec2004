"""Workflow from the UI: actions enabled as the services allow, remarks and reasons asked for, every
step in the case's history, refusals shown and nothing changed."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.domain import Changes
from tests.helpers.cases import sample_case
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import PASSWORD, Post
from ui.case_panel import CasePanel
from ui.events import Events
from ui.history import HistoryDialog, HistoryModel, describe_changes
from ui.lock import IdleWatcher, LockDialog
from ui.reason_dialog import ReasonDialog
from ui.settings_dialog import SettingsDialog
from ui.workflow import CaseActions


def make_actions(qtbot: QtBot, post: Post, actor_name: str) -> tuple[CaseActions, Events, list[Changes]]:
    window = QWidget()
    qtbot.addWidget(window)
    events = Events(window)
    changes: list[Changes] = []
    events.changed.connect(changes.append)
    actor = getattr(post, actor_name)
    return CaseActions(post.ctx, actor, events, window), events, changes


def enabled(actions: CaseActions) -> set[str]:
    names = ("submit", "approve", "return", "close", "void", "history", "open", "new")
    return {name for name in names if getattr(actions, f"{name}_action").isEnabled()}


def press_yes(dialog: QWidget) -> None:
    assert isinstance(dialog, QMessageBox)
    button = dialog.button(QMessageBox.StandardButton.Yes)
    assert button.text() == "&Có"  # Qt's own button, translated through the catalog
    button.click()


def write_and_ok(text: str):  # type: ignore[no-untyped-def]
    def handle(dialog: QWidget) -> None:
        assert isinstance(dialog, ReasonDialog)
        assert not dialog.ok_button.isEnabled()  # nothing written yet
        dialog.edit.setPlainText(text)
        dialog.ok_button.click()

    return handle


def test_officer_submits_and_chief_approves(qtbot: QtBot, post: Post) -> None:
    created = post.ctx.cases.create(post.officer, sample_case())
    officer, _events, changes = make_actions(qtbot, post, "officer")
    officer.set_case(post.ctx.cases.get(post.officer, created.id))
    assert enabled(officer) == {"submit", "history", "open", "new"}
    officer.submit_action.trigger()
    assert post.ctx.cases.get(post.officer, created.id).status == "submitted"
    assert changes == [Changes(cases=frozenset({created.id}))]
    assert enabled(officer) == {"history", "open", "new"}  # an officer cannot approve

    chief, _events, chief_changes = make_actions(qtbot, post, "chief")
    chief.set_case(post.ctx.cases.get(post.chief, created.id))
    assert {"approve", "return", "void"} <= enabled(chief)
    seen = answer_next_dialog(press_yes)
    chief.approve_action.trigger()
    assert seen == ["Outpost"]
    assert post.ctx.cases.get(post.chief, created.id).status == "approved"
    assert chief_changes[-1] == Changes(cases=frozenset({created.id}))
    assert "close" in enabled(chief)


def test_return_needs_a_remark_and_void_a_reason(qtbot: QtBot, post: Post) -> None:
    created = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.cases.submit(post.officer, created.id)
    chief, _events, _changes = make_actions(qtbot, post, "chief")
    chief.set_case(post.ctx.cases.get(post.chief, created.id))
    answer_next_dialog(write_and_ok("Thiếu biên bản tạm giữ"))
    chief.return_action.trigger()
    returned = post.ctx.cases.get(post.chief, created.id)
    assert returned.status == "draft" and returned.document["remark"] == "Thiếu biên bản tạm giữ"

    answer_next_dialog(write_and_ok("Trùng với vụ đã nhập"))
    chief.void_action.trigger()
    voided = post.ctx.cases.get(post.chief, created.id)
    assert voided.status == "voided" and voided.document["void_reason"] == "Trùng với vụ đã nhập"
    assert "void" not in enabled(chief)

    history = post.ctx.cases.history(post.chief, created.id)
    assert [entry.action for entry in history] == ["create", "submit", "return", "void"]


def test_cancelling_the_reason_changes_nothing(qtbot: QtBot, post: Post) -> None:
    created = post.ctx.cases.create(post.officer, sample_case())
    chief, _events, changes = make_actions(qtbot, post, "chief")
    chief.set_case(post.ctx.cases.get(post.chief, created.id))

    def cancel(dialog: QWidget) -> None:
        assert isinstance(dialog, ReasonDialog)
        dialog.edit.setPlainText("  ")
        assert not dialog.ok_button.isEnabled()  # blanks are not a reason
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()

    answer_next_dialog(cancel)
    chief.void_action.trigger()
    assert post.ctx.cases.get(post.chief, created.id).version == 1
    assert changes == []


def test_a_refusal_from_the_service_is_shown_and_changes_nothing(qtbot: QtBot, post: Post) -> None:
    created = post.ctx.cases.create(post.officer, sample_case())
    officer, _events, changes = make_actions(qtbot, post, "officer")
    officer.set_case(post.ctx.cases.get(post.officer, created.id))
    post.ctx.cases.submit(post.chief, created.id)  # meanwhile, on another screen
    messages: list[str] = []

    def read_and_close(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox)
        messages.append(dialog.text())
        dialog.button(QMessageBox.StandardButton.Close).click()

    answer_next_dialog(read_and_close)
    officer.submit_action.trigger()  # the action still looked possible: the service decides
    assert messages == ["Vụ việc BP-VX/2026/00001 đang ở trạng thái chờ duyệt; không trình duyệt được"]
    assert post.ctx.cases.get(post.officer, created.id).version == 2
    assert changes == []


def test_an_analyst_gets_no_workflow_actions(qtbot: QtBot, post: Post) -> None:
    created = post.ctx.cases.create(post.officer, sample_case())
    analyst, _events, _changes = make_actions(qtbot, post, "analyst")
    analyst.set_case(post.ctx.cases.get(post.analyst, created.id))
    assert enabled(analyst) == {"history", "open"}


def test_history_dialog_lists_every_step(qtbot: QtBot, post: Post, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    created = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.cases.update(post.officer, created.id, sample_case(place="Mốc 265"), expected_version=1)
    post.ctx.cases.submit(post.officer, created.id)
    dialog = HistoryDialog(post.ctx, post.chief, created.id)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    model = dialog.model
    assert model.rowCount() == 3
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(3)]
    assert [row[2] for row in rows] == ["tạo mới", "sửa", "trình duyệt"]
    assert all(row[1] == "officer" for row in rows)
    assert "place: Mốc 264, ấp Vĩnh Lợi → Mốc 265" in rows[1][4]
    assert dialog.windowTitle() == f"Lịch sử vụ việc {created.number}"
    assert isinstance(dialog.model, HistoryModel)


def test_describe_changes() -> None:
    assert describe_changes({"status": ["draft", "submitted"], "goods": {"0": "x"}}) == (
        "goods; status: draft → submitted"
    )
    assert describe_changes({"remark": [None, "Thiếu"]}) == "remark: — → Thiếu"


def test_case_panel_summarises_the_case(qtbot: QtBot, post: Post) -> None:
    created = post.ctx.cases.create(post.officer, sample_case())
    panel = CasePanel(post.ctx)
    qtbot.addWidget(panel)
    assert "Chọn một vụ việc" in panel.text()
    panel.show_case(post.ctx.cases.get(post.officer, created.id))
    text = panel.text()
    for expected in (created.number, "Nháp", "20/11/2026 23:40", "Mốc 264", "Thuốc lá điếu", "150 cây",
                     "22.500.000 đ", "2,5 tấn", "Nguyễn Văn An", "089090001234", "15.000.000 đ"):
        assert expected in text, expected


def test_idle_watcher_fires_after_quiet_time_and_restarts_on_input(qtbot: QtBot) -> None:
    watcher = IdleWatcher(0)
    assert not watcher.active  # 0 minutes: auto-lock off
    watcher.set_interval_ms(50)
    with qtbot.waitSignal(watcher.idled, timeout=2000):
        pass
    watcher.set_minutes(10)
    assert watcher.active
    watcher.pause()
    assert not watcher.active


def test_lock_dialog_needs_the_right_password(qtbot: QtBot, post: Post) -> None:
    dialog = LockDialog(post.ctx, post.officer)
    qtbot.addWidget(dialog)
    dialog.password.setText("wrong-password")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() != LockDialog.DialogCode.Accepted
    assert "Sai mật khẩu" in dialog.message.text() and dialog.password.text() == ""
    dialog.password.setText(PASSWORD)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() == LockDialog.DialogCode.Accepted


def test_settings_dialog_saves_language_and_auto_lock(qtbot: QtBot, post: Post) -> None:
    dialog = SettingsDialog(post.ctx)
    qtbot.addWidget(dialog)
    assert dialog.language.currentData() == "vi" and dialog.auto_lock.value() == 10
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.auto_lock.setValue(3)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    saved = post.ctx.paths.settings.read_text(encoding="utf-8")
    assert '"language": "en"' in saved and '"auto_lock_minutes": 3' in saved
    assert post.ctx.settings.language == "en"


def test_no_dialog_is_left_open() -> None:
    QTimer.singleShot(0, lambda: None)
    assert QApplication.activeModalWidget() is None
