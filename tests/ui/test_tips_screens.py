"""*File → Tip-offs…* (issue 19 item 5): the list with its filters, a tip's detail and history, and its
actions. The done-when through the GUI: an officer's tip whose informant the officer cannot show and
the chief can (the reading lands in its history), and the tip linked to the case it led to."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QInputDialog, QWidget
from pytestqt.qtbot import QtBot

from tests.helpers.cases import ICT, sample_case
from tests.helpers.dialogs import answer_next_dialog, answer_password_then_message
from tests.helpers.registers import PASSWORD, Post
from ui.main_window import MainWindow
from ui.tips_list import TipsDialog
from ui.tips_status import TipStatusDialog

INFORMANT = "Lê Văn Kín, 0933 111 222"


def _record(post: Post) -> str:
    return post.ctx.tips.add(
        post.officer, received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT), channel="điện thoại",
        content="Ghe chở đường cát qua mốc 264", informant=INFORMANT,
    ).id


def test_the_officer_cannot_show_the_informant_and_the_chief_can_the_reading_in_its_history(
    qtbot: QtBot, qtmodeltester: object, post: Post
) -> None:
    tip_id = _record(post)
    officer = TipsDialog(post.ctx, post.officer)
    qtbot.addWidget(officer)
    qtmodeltester.check(officer.model)  # type: ignore[attr-defined]
    assert officer.model.rowCount() == 1
    officer.table.selectRow(0)
    assert officer.detail.tip is not None and officer.detail.tip.id == tip_id
    assert not officer.detail.informant_button.isVisibleTo(officer)
    assert not officer.detail.assign_button.isVisibleTo(officer)
    assert officer.detail.informant.text() == "đã niêm phong"
    officer.mine.setChecked(True)  # nothing assigned to the officer yet
    assert officer.model.rowCount() == 0

    chief = TipsDialog(post.ctx, post.chief)
    qtbot.addWidget(chief)
    chief.show()
    chief.table.selectRow(0)
    assert chief.detail.informant_button.isVisible() and chief.detail.informant_button.isEnabled()
    shown = answer_password_then_message(PASSWORD)
    chief.detail.informant_button.click()
    qtbot.waitUntil(lambda: bool(shown))
    assert shown == [INFORMANT]
    lines = [chief.detail.history.item(i).text() for i in range(chief.detail.history.count())]
    assert len(lines) == 2 and "chief" in lines[1] and "xem người báo tin" in lines[1]
    assert all(INFORMANT not in line for line in lines)
    chief.grab().save("/tmp/t/tips_chief.png")


def test_the_chief_assigns_the_officer_moves_it_on_and_links_its_case(qtbot: QtBot, post: Post) -> None:
    case = post.ctx.cases.create(post.officer, sample_case())
    tip_id = _record(post)
    window = MainWindow(post.ctx, post.chief)
    qtbot.addWidget(window)
    assert window.tips_action.isVisible()
    chief = TipsDialog(post.ctx, post.chief, window)
    qtbot.addWidget(chief)
    chief.show()
    chief.table.selectRow(0)

    def pick(box: QWidget) -> None:
        assert isinstance(box, QInputDialog)
        box.setTextValue("officer")
        box.accept()

    answer_next_dialog(pick)
    chief.detail.assign_button.click()
    qtbot.waitUntil(lambda: post.ctx.tips.get(post.chief, tip_id).assigned_to == "officer")

    officer = TipsDialog(post.ctx, post.officer)
    qtbot.addWidget(officer)
    officer.show()
    officer.mine.setChecked(True)
    assert officer.model.rowCount() == 1
    officer.table.selectRow(0)

    def move_on(box: QWidget) -> None:
        assert isinstance(box, TipStatusDialog)
        box.status_box.setCurrentIndex(box.status_box.findData("acted_on"))
        assert not box.ok_button.isEnabled()  # acted on says what came of it
        box.result_edit.setPlainText("Bắt giữ 3 tấn đường cát")
        box.ok_button.click()

    answer_next_dialog(move_on)
    officer.detail.status_button.click()
    qtbot.waitUntil(lambda: post.ctx.tips.get(post.officer, tip_id).status == "acted_on")

    def link(box: QWidget) -> None:
        assert isinstance(box, QInputDialog)
        box.setTextValue(case.number)
        box.accept()

    answer_next_dialog(link)
    officer.detail.link_button.click()
    qtbot.waitUntil(lambda: officer.detail.case.text() == case.number)
    assert post.ctx.tips.get(post.officer, tip_id).case_id == case.id
    assert officer.model.data(officer.model.index(0, 4)) == case.number
    officer.grab().save("/tmp/t/tips_officer.png")
