"""The Reports screen and the editor's Print menu against a real register: the report is made off the
GUI thread and previewed, saved as PDF and Excel, sent to a (PDF) printer; forms preview from the
editor; wrong input is named in a message and nothing is made."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app import periods
from tests.helpers.cases import ICT, sample_case
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.pdf import flat, pdf_text
from tests.helpers.registers import Post
from tests.helpers.sync import PASSPHRASE, give_keys
from ui.editor import CaseEditor
from ui.reports import ReportsPage


def approved(post: Post, day: datetime) -> str:
    made = post.ctx.cases.create(post.officer, sample_case(occurred_at=day))
    post.ctx.cases.submit(post.officer, made.id)
    post.ctx.cases.approve(post.chief, made.id)
    return made.number


def test_a_monthly_report_is_made_previewed_saved_and_printed(
    post: Post, qtbot: QtBot, tmp_path: Path
) -> None:
    for day in (3, 7, 12):
        approved(post, datetime(2026, 11, day, 10, 0, tzinfo=ICT))
    page = ReportsPage(post.ctx, post.chief)
    qtbot.addWidget(page)
    page.show()
    page.kind.set_code("monthly")
    assert page.period.text() == periods.typed(
        periods.parse("monthly", "this", post.ctx.today())
    )  # the current one
    page.period.setText("2026-11")
    # Before a report is made the preview says where it will be, not a blank grey area.
    assert page.preview.stack.currentWidget() is page.preview.empty
    assert page.preview.empty.text() == "Văn bản sẽ hiện ở đây sau khi được lập."
    assert page.make_report()
    assert page.preview.page_count >= 1
    assert page.preview.stack.currentWidget() is page.preview.view
    assert "BÁO CÁO THÁNG" in page.status.text()
    saved = tmp_path / "thang-11"
    assert page.preview.save_to(saved)  # ".pdf" is added
    text = flat(pdf_text((tmp_path / "thang-11.pdf").read_bytes(), tmp_path))
    assert "Tháng 11/2026 (từ ngày 15/10/2026 đến ngày 14/11/2026)" in text
    total = next(row for row in page.report.sections["violation_group"] if row.code == "prohibited_smuggled")
    assert total.now["cases"] == 3
    assert page.excel_button.isEnabled() and page.save_excel(tmp_path / "thang-11.xlsx")
    # A place it cannot be written to is named, and nothing is left behind.
    (tmp_path / "a-file").write_text("x")
    seen: list[str] = []
    answer_next_dialog(lambda box: (seen.append(box.text()), box.close()))
    assert not page.save_excel(tmp_path / "a-file" / "thang-11.xlsx")
    assert len(seen) == 1 and str(tmp_path / "a-file") in seen[0]
    assert page.status.text() != "" and not (tmp_path / "a-file" / "thang-11.xlsx").exists()
    sheet = load_workbook(tmp_path / "thang-11.xlsx")["Theo nhóm hành vi"]
    assert sheet["C6"].value == 3
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert page.preview.print_to(printer) == page.preview.page_count
    printed = QPdfDocument()
    printed.load(str(tmp_path / "printed.pdf"))
    assert printed.pageCount() == page.preview.page_count
    page.preview.page.setValue(page.preview.page_count)
    page.preview.zoom_in.click()
    assert page.preview.view.zoomFactor() > 0


def test_a_wrong_period_is_named_and_nothing_is_made(post: Post, qtbot: QtBot) -> None:
    page = ReportsPage(post.ctx, post.chief)
    qtbot.addWidget(page)
    page.kind.set_code("quarterly")
    page.period.setText("2026-Q5")
    seen: list[str] = []
    answer_next_dialog(lambda box: (seen.append(box.text()), box.close()))
    assert not page.make_report()
    # Said in Vietnamese, after the field's name on the screen (not the command line's flag).
    assert seen == ["Thời gian: kỳ '2026-Q5': cần quý dạng YYYY-Qn, ví dụ 2026-Q4"]
    assert page.report is None and not page.excel_button.isEnabled()
    page.kind.set_code("annual")
    page.period.setText("9999")  # used to end in an unexpected error (dates past year 9999)
    seen.clear()
    answer_next_dialog(lambda box: (seen.append(box.text()), box.close()))
    assert not page.make_report()
    assert seen == ["Thời gian: kỳ '9999': sổ chỉ ghi các năm từ 1990 đến 2100"]
    page.kind.set_code("campaign")
    assert not page.period.isEnabled()
    seen.clear()
    answer_next_dialog(lambda box: (seen.append(box.text()), box.close()))
    assert not page.make_report()
    assert seen == ["Đợt cao điểm: báo cáo theo đợt cao điểm cần chọn một đợt"]


def test_the_editor_prints_forms_of_the_saved_case(post: Post, qtbot: QtBot, tmp_path: Path) -> None:
    give_keys(post, tmp_path)
    number = approved(post, datetime(2026, 11, 20, 23, 40, tzinfo=ICT))
    editor = CaseEditor(post.ctx, post.chief, post.ctx.cases.resolve(number))
    qtbot.addWidget(editor)
    assert editor.print_button.isEnabled()
    assert [a.data() for a in editor.print_menu.actions()] == ["MBB01", "MBB02", "MBB15", "MBB28", "MQĐ14"]
    answer_next_dialog(lambda key: (key.passphrase.setText(PASSPHRASE), key.sign_button.click()))
    dialog = editor.print_form("MBB15")
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.preview.page_count >= 1 and dialog.windowTitle() == f"MBB15 — {number}"
    assert dialog.preview.save_to(tmp_path / dialog.preview.suggested_name)
    assert "Tạm giữ tang vật" in flat(
        pdf_text((tmp_path / dialog.preview.suggested_name).read_bytes(), tmp_path)
    )
    dialog.close()
    editor.overview.place.setText("Bến đò Vĩnh Hòa")  # unsaved: the paper would not show it
    assert not editor.print_button.isEnabled()
    new = CaseEditor(post.ctx, post.officer)
    qtbot.addWidget(new)
    assert not new.print_button.isEnabled() and new.print_form("MBB01") is None
    answer_next_dialog(lambda box: box.button(QMessageBox.StandardButton.Discard).click())
    editor.close()


@pytest.mark.parametrize("now", [datetime(2026, 11, 23, 9, 0, tzinfo=ICT)])  # statistical month: December
def test_the_suggested_period_follows_the_mode_and_a_typed_one_stays(post: Post, qtbot: QtBot) -> None:
    page = ReportsPage(post.ctx, post.chief)
    qtbot.addWidget(page)
    page.kind.set_code("monthly")
    assert page.period.text() == "2026-12"
    page.mode.set_code(periods.CALENDAR)
    assert page.period.text() == "2026-11"
    page.mode.set_code(periods.STATISTICAL)
    assert page.period.text() == "2026-12"
    page.period.setText("2026-05")
    page.mode.set_code(periods.CALENDAR)
    assert page.period.text() == "2026-05"
