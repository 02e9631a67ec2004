"""The hand-over dialog: reached from a criminal-transfer case, it records the hand-over with the case's
parties as defendants, follows it up with the keyboard alone, and previews the minutes."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.domain import HandlingInput, PartyInput
from app.handovers import HandoverService
from tests.helpers.cases import sample_case
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import Post
from ui.events import Events
from ui.handover_dialog import HandoverDialog
from ui.pdf_preview import PdfPreviewDialog
from ui.workflow import CaseActions

AGENCY = "Cơ quan Cảnh sát điều tra Công an thị xã Tân Châu"


def test_a_hand_over_is_recorded_followed_up_and_printed_from_the_case(qtbot: QtBot, post: Post) -> None:
    plain = post.ctx.cases.create(post.officer, sample_case())
    criminal = post.ctx.cases.create(
        post.officer,
        sample_case(
            parties=(
                PartyInput("person", "carrier", "Nguyễn Văn An", id_number="089090001234"),
                PartyInput("person", "owner", "Trần Thị Bé"),
                PartyInput("person", "witness", "Lê Văn Chứng"),
            ),
            handling=HandlingInput(outcome="criminal_transfer", receiving_agency=AGENCY, defendants=2),
        ),
    )
    window = QWidget()
    qtbot.addWidget(window)
    events = Events(window)
    changes: list[object] = []
    events.changed.connect(changes.append)
    actions = CaseActions(post.ctx, post.officer, events, window)
    actions.set_case(post.ctx.cases.get(post.officer, plain.id))
    assert not actions.handover_action.isEnabled()  # not a criminal transfer
    actions.set_case(post.ctx.cases.get(post.officer, criminal.id))
    assert actions.handover_action.isEnabled()

    titles = answer_next_dialog(lambda dialog: dialog.reject())
    actions.handover_action.trigger()
    assert titles == ["Bàn giao cho công an — BP-VX/2026/00002"]
    dialog = HandoverDialog(post.ctx, post.officer, post.ctx.cases.get(post.officer, criminal.id))
    qtbot.addWidget(dialog)
    dialog.changed.connect(changes.append)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.agency.text() == AGENCY  # from the case's handling
    assert [dialog.defendants.item(i).text() for i in range(dialog.defendants.count())] == [
        "Nguyễn Văn An — 089090001234",
        "Trần Thị Bé",
    ]
    assert not dialog.follow_box.isEnabled() and not dialog.print_button.isEnabled()
    dialog.defendants.item(1).setCheckState(Qt.CheckState.Unchecked)
    dialog.handed_on.setDate(QDate(2026, 11, 23))
    dialog.receipt.setText("15/BN")
    dialog.documents.setPlainText("Biên bản vi phạm hành chính\nBản ảnh")
    dialog.receipt.setFocus()
    qtbot.keyClick(dialog.receipt, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S saves
    assert dialog.handover is not None and dialog.follow_box.isEnabled()
    dialog.step_on.setDate(QDate(2026, 11, 24))
    dialog.step_note.setText("Đã nhận đủ hồ sơ")
    dialog.step_button.click()
    assert dialog.status_label.text() == "công an đã tiếp nhận (24/11/2026)"
    dialog.grab().save(str(post.data_dir / "handover.png"))
    preview = dialog._on_print_button_clicked()  # a draft without keys prints unsigned
    assert isinstance(preview, PdfPreviewDialog)
    preview.close()
    made = HandoverService(post.ctx).for_case(post.officer, criminal.id)
    assert made is not None
    assert (made.status, made.receipt_no, made.handed_on) == ("received", "15/BN", date(2026, 11, 23))
    assert [d.full_name for d in made.defendants] == ["Nguyễn Văn An"]
    assert made.documents == ("Biên bản vi phạm hành chính", "Bản ảnh")
    assert len(changes) == 2 and all(c.touches(criminal.id) for c in changes)  # type: ignore[attr-defined]
