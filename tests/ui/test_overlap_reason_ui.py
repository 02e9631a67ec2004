"""The inspection editor's question when the establishment was inspected within the window (issue 19
item 3): the dialog names who inspected it and when, refuses an empty reason with a message, and with a
reason typed from the keyboard the inspection is saved with it."""

from __future__ import annotations

import os
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.activity_json import parse_activities
from tests.helpers.cases import ICT
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import Post
from ui.activities_editor import ActivityEditor
from ui.overlap_reason_dialog import OverlapReasonDialog

SHOTS = os.environ.get("OUTPOST_SHOTS")  # a folder to save what the dialog looked like, to look at


def test_saving_an_inspection_within_the_window_asks_for_the_reason(qtbot: QtBot, post: Post) -> None:
    ctx = post.ctx
    first = {"kind": "inspection", "started_at": "2026-11-10T09:00:00+07:00", "commune_code": "30385",
             "establishment": "Tạp hóa Minh Châu"}
    ctx.activities.add(post.officer, parse_activities(first, ctx.reference, now=ctx.clock())[0])
    editor = ActivityEditor(ctx, post.chief)
    qtbot.addWidget(editor)
    editor.show()
    editor.kind.set_code("inspection")
    editor.started.set_value(datetime(2026, 11, 20, 9, 0, tzinfo=ICT))
    editor.commune.set_code("30385")
    qtbot.keyClicks(editor.establishment, "tap hoa minh chau")  # QtTest types ASCII only
    editor.establishment.editingFinished.emit()
    assert "10/11/2026" in editor.establishment_notice.text()  # warned before the save
    assert editor.overlap_reason.isVisibleTo(editor)
    seen: dict[str, str] = {}

    def answer(dialog: QWidget) -> None:
        assert isinstance(dialog, OverlapReasonDialog)
        seen["warning"] = dialog.warning.text()
        dialog.save_button.click()  # no reason: refused in the dialog
        seen["refusal"] = dialog.errors.text() if dialog.errors.isVisibleTo(dialog) else ""
        assert dialog.isVisible()
        if SHOTS:
            dialog.grab().save(os.path.join(SHOTS, "overlap_reason_refused.png"))
        qtbot.keyClicks(dialog.reason_text, "Tin bao ve lo hang moi nhap")
        if SHOTS:
            dialog.grab().save(os.path.join(SHOTS, "overlap_reason_dialog.png"))
        qtbot.keyClick(dialog.reason_text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    if SHOTS:
        editor.grab().save(os.path.join(SHOTS, "overlap_editor.png"))
    answer_next_dialog(answer)
    with qtbot.waitSignal(editor.saved) as saved:
        editor.save_button.click()
    assert "10/11/2026" in seen["warning"] and "BP-VX" in seen["warning"]
    assert seen["refusal"], "an empty reason must be refused with a message"
    view = saved.args[0].view
    assert view.data.overlap_reason == "Tin bao ve lo hang moi nhap"
