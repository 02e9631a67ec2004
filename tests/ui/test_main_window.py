"""The main window as a user meets it: tabs by role, the list with its filters and summary panel,
workflow from the menus, the editor opened from the list, lock and language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from app.domain import CaseFilter
from tests.helpers.cases import sample_case
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import PASSWORD, Post
from ui.app import Shell
from ui.lock import LockDialog
from ui.main_window import CASES_TAB, DASHBOARD_TAB, QUEUE_TAB, MainWindow


def open_window(qtbot: QtBot, post: Post, who: str = "chief") -> MainWindow:
    window = MainWindow(post.ctx, getattr(post, who))
    qtbot.addWidget(window)
    window.show()
    return window


def select_row(window: MainWindow, row: int) -> None:
    window.tabs.setCurrentIndex(CASES_TAB)
    index = window.model.index(row, 0)
    window.table.selectionModel().select(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )


def numbers(window: MainWindow) -> list[str]:
    return [window.model.case_at(row).number for row in range(window.model.rowCount())]


def test_opens_on_the_dashboard_with_the_role_shown(qtbot: QtBot, post: Post) -> None:
    window = open_window(qtbot, post, "chief")
    assert window.tabs.currentIndex() == DASHBOARD_TAB
    assert window.user_label.text() == "Nguyễn Chief — Đồn trưởng"
    assert window.windowTitle() == "Outpost — BP-VX"
    assert window.tabs.isTabVisible(QUEUE_TAB)
    assert [window.tabs.tabText(i) for i in range(3)] == ["Tổng &quan", "&Sổ vụ việc", "Chờ &phê duyệt"]


def test_officers_and_analysts_see_what_their_role_allows(qtbot: QtBot, post: Post) -> None:
    officer = open_window(qtbot, post, "officer")
    assert not officer.tabs.isTabVisible(QUEUE_TAB)
    assert officer.case_actions.new_action.isEnabled()
    analyst = open_window(qtbot, post, "analyst")
    assert not analyst.case_actions.new_action.isEnabled()


def test_selecting_a_case_fills_the_panel_and_enables_its_actions(qtbot: QtBot, post: Post) -> None:
    first = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.cases.submit(post.officer, first.id)
    window = open_window(qtbot, post, "chief")
    select_row(window, 0)
    assert first.number in window.panel.text()
    assert window.case_actions.approve_action.isEnabled()
    assert not window.case_actions.submit_action.isEnabled()


def test_filters_reach_the_list_and_the_count(qtbot: QtBot, post: Post) -> None:
    post.ctx.cases.create(post.officer, sample_case())
    fuel = post.ctx.cases.create(post.officer, sample_case(violation_group="trade_fraud"))
    window = open_window(qtbot, post, "chief")
    window.tabs.setCurrentIndex(CASES_TAB)
    with qtbot.waitSignal(window.model.count_changed, timeout=5000):
        window.filter_bar.filter_changed.emit(CaseFilter(violation_group="trade_fraud"))
    assert numbers(window) == [fuel.number]
    qtbot.waitUntil(lambda: window.count_label.text() == "1 vụ việc", timeout=5000)


def test_approving_from_the_queue_refreshes_every_view(qtbot: QtBot, post: Post) -> None:
    created = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.cases.submit(post.officer, created.id)
    window = open_window(qtbot, post, "chief")
    qtbot.waitUntil(lambda: window.tabs.tabText(QUEUE_TAB) == "Chờ &phê duyệt (1)", timeout=5000)
    window.tabs.setCurrentIndex(QUEUE_TAB)
    window.queue_table.selectionModel().select(
        window.queue_model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert window.case_actions.approve_action.isEnabled()

    def yes(dialog: QWidget) -> None:
        dialog.button(dialog.StandardButton.Yes).click()  # type: ignore[attr-defined]

    answer_next_dialog(yes)
    window.case_actions.approve_action.trigger()
    assert post.ctx.cases.get(post.chief, created.id).status == "approved"
    assert window.queue_model.rowCount() == 0
    assert "Đã duyệt" in window.panel.text()
    qtbot.waitUntil(lambda: window.tabs.tabText(QUEUE_TAB) == "Chờ &phê duyệt", timeout=5000)


def test_at_hq_the_queue_and_dashboard_hold_only_hqs_own_cases(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path
) -> None:
    """A post's submitted cases reach HQ, but only that post's chief approves them: HQ's queue and
    its dashboard's waiting count leave them out (they are in HQ's register all the same)."""
    from app.sync.export import export_changes
    from app.sync.hq_import import import_bundles
    from tests.helpers.sync import PASSPHRASE

    for _ in range(2):
        posted = post.ctx.cases.create(post.officer, sample_case())
        post.ctx.cases.submit(post.officer, posted.id)
    files = export_changes(post.ctx, post.chief, PASSPHRASE, tmp_path / "usb").files
    assert import_bundles(hq.ctx, hq.admin, PASSPHRASE, list(files)).new == 2
    own = hq.ctx.cases.create(hq.admin, sample_case())
    hq.ctx.cases.submit(hq.admin, own.id)
    window = open_window(qtbot, hq, "admin")
    qtbot.waitUntil(lambda: window.queue_model.total == 1, timeout=5000)
    assert window.queue_model.case_at(0).id == own.id
    qtbot.waitUntil(lambda: window.dashboard.queue_button.text() == "BCH chờ phê duyệt: 1", timeout=5000)
    assert window.dashboard.drafts_figure.text() == "Bản nháp của BCH: 0"
    assert window.dashboard.posts_figure.text() == "Các đồn: 0 nháp, 2 chờ đồn duyệt"
    assert hq.ctx.cases.count(hq.admin) == 3


def test_new_case_from_the_menu_appears_in_the_list(qtbot: QtBot, post: Post) -> None:
    window = open_window(qtbot, post, "officer")
    window.tabs.setCurrentIndex(CASES_TAB)
    assert window.model.rowCount() == 0
    window.case_actions.new_action.trigger()
    editors = list(window.editors.values())
    assert len(editors) == 1 and editors[0].isVisible()
    created = post.ctx.cases.create(post.officer, sample_case())  # as the editor's save would
    editors[0].saved.emit(created)
    assert numbers(window) == [created.number]


def test_activating_a_row_opens_its_editor_once(qtbot: QtBot, post: Post) -> None:
    created = post.ctx.cases.create(post.officer, sample_case())
    window = open_window(qtbot, post, "officer")
    window.tabs.setCurrentIndex(CASES_TAB)
    window.table.activated.emit(window.model.index(0, 0))
    window.table.activated.emit(window.model.index(0, 0))
    assert list(window.editors) == [created.id]


def test_lock_hides_the_windows_until_the_password_is_given(qtbot: QtBot, post: Post) -> None:
    window = open_window(qtbot, post, "officer")
    window.keys.passphrase = "mat-khau-khoa-1"  # as a signed print leaves it; the lock forgets it

    def unlock(dialog: QWidget) -> None:
        assert isinstance(dialog, LockDialog)
        assert not window.isVisible()  # nothing readable behind the lock
        assert dialog.explanation.text().startswith("Outpost đang khóa.")  # locked by hand, not for idling
        dialog.password.setText(PASSWORD)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    seen = answer_next_dialog(unlock)
    window.lock_action.trigger()
    assert seen == ["Outpost — Đã khóa"]
    assert window.isVisible() and window.keys.passphrase is None


def test_idle_time_locks_the_app(qtbot: QtBot, post: Post) -> None:
    window = open_window(qtbot, post, "officer")
    said: list[str] = []

    def keep_and_quit(dialog: QWidget) -> None:
        assert isinstance(dialog, LockDialog)
        said.append(dialog.explanation.text())
        dialog.reject()

    seen = answer_next_dialog(keep_and_quit, attempts=500)
    closed: list[bool] = []
    window.destroyed.connect(lambda: closed.append(True))
    window.idle.set_interval_ms(30)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == ["Outpost — Đã khóa"]
    assert said[0].startswith("Outpost đã tự khóa vì không sử dụng")  # locked for want of use
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)  # "Quit Outpost" closes the window


def test_changing_the_language_rebuilds_the_window_in_english(qtbot: QtBot, post: Post) -> None:
    shell = Shell(post.ctx, post.chief)
    first = shell.show_main_window()
    qtbot.addWidget(first)
    assert first.menuBar().actions()[0].text() == "&Tệp"

    def choose_english(dialog: QWidget) -> None:
        dialog.language.setCurrentIndex(dialog.language.findData("en"))  # type: ignore[attr-defined]
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # type: ignore[attr-defined]

    answer_next_dialog(choose_english)
    first.settings_action.trigger()
    second = shell.window
    assert second is not None and second is not first
    qtbot.addWidget(second)
    assert second.menuBar().actions()[0].text() == "&File"
    assert second.user_label.text() == "Nguyễn Chief — Station chief"
    assert not first.isVisible() and second.isVisible()


def test_a_refresh_after_changes_elsewhere(qtbot: QtBot, post: Post) -> None:
    window = open_window(qtbot, post, "chief")
    window.tabs.setCurrentIndex(CASES_TAB)
    created = post.ctx.cases.create(post.officer, sample_case(occurred_at=sample_case().occurred_at))
    assert window.model.rowCount() == 0
    window.events.changed.emit(created.changes)
    assert numbers(window) == [created.number]
    assert date(2026, 11, 20).strftime("%d/%m/%Y") in window.model.index(0, 1).data()
    assert QApplication.activeModalWidget() is None
    assert window.table.model() is window.model and window.table.isSortingEnabled()
    assert window.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
