"""Issue 19's "Done when" through the screens, on a demo register (the same steps through the command
line, and two posts with HQ, are in ``tests/test_field_work_done_when.py``): a patrol, a checkpoint,
two inspections of one shop by two forces ten days apart (the second warns, naming the first), an
outreach session, a tip whose informant the officer cannot show and the chief can (the reading in its
history), a tip linked to the case it led to, and a hand-over with its minutes printed and read back.

Real widgets, offscreen, filled in as a user fills them; each screen's own details are tested beside
it (test_activities_ui, test_tips_screens, test_handover_dialog)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QInputDialog, QWidget
from pytestqt.qtbot import QtBot

from app.activities import ActivityResult
from app.demo import generate_demo
from app.handovers import HandoverService
from tests.helpers.cases import ICT, POLICE_AGENCY, criminal_transfer
from tests.helpers.dialogs import answer_next_dialog, answer_password_then_message
from tests.helpers.pdf import flat, pdf_text
from tests.helpers.registers import PASSWORD, Post
from ui.activities_editor import ActivityEditor
from ui.activities_list import ActivitiesWindow
from ui.handover_dialog import HandoverDialog
from ui.pdf_preview import PdfPreviewDialog
from ui.tip_dialog import TipDialog
from ui.tips_list import TipsDialog

FIRST_INSPECTION = datetime(2026, 11, 10, 9, 0, tzinfo=ICT)
SHOP = "Cửa hàng tạp hóa Năm Sương"  # not one of the demo's establishments
AGENCY = POLICE_AGENCY
INFORMANT = "Lê Văn Kín, 0933 111 222"


def _enter(qtbot: QtBot, post: Post, fields: dict[str, Any]) -> tuple[ActivityResult, str]:
    """One activity typed into the editor and saved; what it returned, and the warning it showed before
    the save (empty when none)."""
    editor = ActivityEditor(post.ctx, post.officer)
    qtbot.addWidget(editor)
    saved: list[ActivityResult] = []
    editor.saved.connect(saved.append)
    editor.kind.set_code(fields["kind"])
    editor.started.set_value(fields["started"])
    editor.commune.set_code(fields["commune"])
    editor.lead_force.set_code(fields.get("force", "border_guard"))
    editor.border_marker.setText(fields.get("marker", ""))
    editor.route.setText(fields.get("route", ""))
    editor.place.setText(fields.get("place", ""))
    editor.participants.setValue(fields.get("participants", 0))
    if "establishment" in fields:
        editor.establishment.setText(fields["establishment"])
        editor.establishment.editingFinished.emit()  # leaving the field: the warning shows then
    warning = editor.establishment_notice.text() if editor.establishment_notice.isVisibleTo(editor) else ""
    reason = getattr(editor, "overlap_reason", None)  # issue 19 item 3's reason, on its own branch
    if warning and reason is not None:
        reason.setPlainText("Kiểm tra theo tin báo mới")
    editor.save_button.click()
    assert saved, editor.errors.text()
    return saved[0], warning


def test_the_field_work_of_the_plan_through_the_screens(qtbot: QtBot, post: Post, tmp_path: Path) -> None:
    ctx = post.ctx
    generate_demo(ctx, post.admin, cases=12, seed=19)
    case = ctx.cases.create(post.officer, criminal_transfer())

    # ----- field activities ---------------------------------------------------------------------
    _enter(qtbot, post, {"kind": "patrol", "started": datetime(2026, 11, 19, 6, 30, tzinfo=ICT),
                         "commune": "30385", "marker": "VX-01", "participants": 6})
    _enter(qtbot, post, {"kind": "checkpoint", "started": datetime(2026, 11, 21, 20, 0, tzinfo=ICT),
                         "commune": "30325", "route": "Quốc lộ 91", "participants": 4})
    first, warning = _enter(qtbot, post, {"kind": "inspection", "started": FIRST_INSPECTION,
                                          "commune": "30325", "establishment": SHOP,
                                          "force": "market_surveillance", "participants": 3})
    assert warning == "" and first.notices == ()
    second, warning = _enter(qtbot, post, {"kind": "inspection",
                                           "started": FIRST_INSPECTION + timedelta(days=10),
                                           "commune": "30325", "establishment": "cua hang tap hoa nam suong",
                                           "force": "border_guard", "participants": 3})
    for shown in (warning, *second.notices):  # in the editor before the save, and in what the save says
        assert SHOP in shown and "10/11/2026" in shown and "Quản lý thị trường" in shown, shown
        assert "BP-VX" in shown and "officer" in shown and "20/11/2026" not in shown, shown
    _enter(qtbot, post, {"kind": "outreach", "started": datetime(2026, 11, 22, 8, 0, tzinfo=ICT),
                         "commune": "30376", "place": "Nhà văn hóa ấp Phú Hiệp", "participants": 85})
    window = ActivitiesWindow(ctx, post.officer)
    qtbot.addWidget(window)
    window.first_day.set_value(date(2026, 11, 19))
    window.last_day.set_value(date(2026, 11, 22))
    listed = {ctx.activities.get(post.officer, window.model.key(r) or "").data.kind
              for r in range(window.model.rowCount())}
    assert {"patrol", "checkpoint", "inspection", "outreach"} <= listed

    # ----- tips: recorded by the officer, the informant read by the chief ------------------------
    officer = TipsDialog(ctx, post.officer)
    qtbot.addWidget(officer)
    officer.show()

    def record(content: str, informant: str) -> Any:
        def fill(dialog: QWidget) -> None:
            assert isinstance(dialog, TipDialog)
            dialog.received.set_value(datetime(2026, 11, 17, 21, 0, tzinfo=ICT))
            dialog.channel.setText("điện thoại")
            dialog.content.setPlainText(content)
            dialog.informant.setText(informant)
            dialog.save_button.click()

        answer_next_dialog(fill)
        officer.new_button.click()
        return next(t for t in officer.model.tips if t.content == content)

    sealed = record("Ghe chở đường cát qua mốc VX-01 ban đêm", INFORMANT)
    led = record("Xe tải chở thuốc lá về kho ở Vĩnh Xương", "")
    assert sealed.has_informant and not led.has_informant
    officer.table.selectRow(officer.model.tips.index(sealed))
    assert officer.detail.tip is not None and officer.detail.tip.id == sealed.id
    assert not officer.detail.informant_button.isVisibleTo(officer)  # the officer cannot show it

    chief = TipsDialog(ctx, post.chief)
    qtbot.addWidget(chief)
    chief.show()
    chief.table.selectRow([t.id for t in chief.model.tips].index(sealed.id))
    shown = answer_password_then_message(PASSWORD)
    chief.detail.informant_button.click()
    qtbot.waitUntil(lambda: bool(shown))
    assert shown == [INFORMANT]
    lines = [chief.detail.history.item(i).text() for i in range(chief.detail.history.count())]
    assert len(lines) == 2 and "chief" in lines[1] and "xem người báo tin" in lines[1], lines
    assert all(INFORMANT not in line for line in lines)

    # The second tip led to the case: the chief links it.
    chief.table.selectRow([t.id for t in chief.model.tips].index(led.id))

    def link(box: QWidget) -> None:
        assert isinstance(box, QInputDialog)
        box.setTextValue(case.number)
        box.accept()

    answer_next_dialog(link)
    chief.detail.link_button.click()
    qtbot.waitUntil(lambda: chief.detail.case.text() == case.number)
    assert ctx.tips.get(post.officer, led.id).case_id == case.id

    # ----- the hand-over to the police and its minutes -------------------------------------------
    dialog = HandoverDialog(ctx, post.officer, ctx.cases.get(post.officer, case.id))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.agency.text() == AGENCY  # from the case's handling
    dialog.handed_on.setDate(QDate(2026, 11, 23))
    dialog.receipt.setText("15/BN-CSĐT")
    dialog.documents.setPlainText("Biên bản vi phạm hành chính\nBản ảnh hiện trường")
    dialog.save_button.click()
    assert dialog.handover is not None and dialog.print_button.isEnabled()
    dialog.print_button.click()  # no station keys: a draft's minutes print unsigned, previewed
    preview = dialog.findChild(PdfPreviewDialog)
    assert preview is not None and preview.isVisible()
    pdf = tmp_path / "bbbg.pdf"
    assert preview.preview.save_to(pdf)  # "Save PDF…" without its file chooser
    text = flat(pdf_text(pdf.read_bytes(), tmp_path))
    for expected in ("BIÊN BẢN BÀN GIAO", AGENCY, case.number, "Nguyễn Văn An", "15/BN-CSĐT",
                     "Bản ảnh hiện trường"):
        assert expected in text, expected
    assert "Lê Văn Chứng" not in text and INFORMANT not in text
    preview.close()
    made = HandoverService(ctx).for_case(post.officer, case.id)
    assert made is not None and made.receipt_no == "15/BN-CSĐT"
