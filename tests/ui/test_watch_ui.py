"""The watch list on screen: HQ's review (the candidates, the cases behind one, confirm or dismiss with a
reason), and at a post the case editor warning while a watched number is typed, once HQ's return
bundle carrying the confirmed entry is imported; a dismissed plate is never flagged."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from PySide6.QtWidgets import QLineEdit, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.domain import PartyInput
from tests.helpers.cases import ICT, sample_case
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import Post
from tests.helpers.sync import Pair, export_parts, hq_reply, import_at_hq, import_at_post
from ui.editor import CaseEditor
from ui.editor.dialog import PARTIES
from ui.watch_review import WatchReviewDialog


def _three_cases(pair: Pair) -> None:
    for day in (1, 2, 3):
        namesake = PartyInput("person", "carrier", "Trần Văn Bình", birth_date=date(1985, 3, day),
                              nationality="VN", id_number=f"07908500000{day}")
        case = sample_case(occurred_at=datetime(2026, 11, day, 8, 0, tzinfo=ICT))
        pair.post.ctx.cases.create(pair.post.officer, replace(case, parties=(*case.parties, namesake)))
    assert import_at_hq(pair, export_parts(pair, "one")).new == 3


def _select(dialog: WatchReviewDialog, candidate_id: str) -> None:
    row = dialog.model.row_of(candidate_id)
    assert row >= 0, candidate_id
    dialog.table.selectRow(row)


def _type_reason(dialog: WatchReviewDialog, text: str) -> None:
    dialog.reason.setFocus()
    dialog.reason.insertPlainText(text)  # as typed (QTest types ASCII only)


def test_an_analyst_reviews_at_hq_and_the_post_editor_warns_while_typing(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path, qtmodeltester: ModelTester
) -> None:
    pair = Pair(post, hq, tmp_path)
    _three_cases(pair)
    dialog = WatchReviewDialog(hq.ctx, hq.analyst)
    qtbot.addWidget(dialog)
    dialog.show()
    qtmodeltester.check(dialog.model)
    ids = [dialog.model.candidate(row).id for row in range(dialog.model.rowCount())]  # type: ignore[union-attr]
    assert set(ids) == {"person:089090001234", "vehicle:67H120413", "name:tran van binh/1985"}
    assert ids[-1] == "name:tran van binh/1985"  # the weaker match after the others

    # The cases behind the person, then confirm with a reason (the button waits for one).
    _select(dialog, "person:089090001234")
    assert dialog.cases.rowCount() == 3
    assert {dialog.cases.item(r, 1).text() for r in range(3)} == {"BP-VX"}
    assert not dialog.confirm_button.isEnabled() and not dialog.dismiss_button.isEnabled()
    _type_reason(dialog, "Chở thuê ba lần trong tháng")
    assert dialog.confirm_button.isEnabled()
    dialog.confirm_button.click()
    assert dialog.error.isHidden() and dialog.selected() is not None
    assert dialog.selected().state == "confirmed"  # type: ignore[union-attr]
    assert not dialog.confirm_button.isEnabled()  # confirmed already
    # Who decided, by name as colleagues know them (the account name beside it).
    assert f"{hq.analyst.full_name} ({hq.analyst.username})" in dialog.decision.text(), dialog.decision.text()
    # A name and birth year is never confirmed; its cases show the three different numbers.
    _select(dialog, "name:tran van binh/1985")
    assert {dialog.cases.item(r, 5).text().split(" / ")[0] for r in range(3)} == {
        "079085000001", "079085000002", "079085000003"
    }
    _type_reason(dialog, "Ba người khác nhau")
    assert not dialog.confirm_button.isEnabled() and dialog.dismiss_button.isEnabled()
    dialog.grab().save(str(tmp_path / "watch-review.png"))
    # The plate is dismissed: it never reaches the post.
    _select(dialog, "vehicle:67H120413")
    _type_reason(dialog, "Xe ôm thuê, chủ xe không biết")
    dialog.dismiss_button.click()
    assert dialog.selected().state == "dismissed"  # type: ignore[union-attr]
    assert dialog.decided == ["person:089090001234", "vehicle:67H120413"]
    Path("/tmp/watch-review.png").write_bytes((tmp_path / "watch-review.png").read_bytes())

    # At the post, after HQ's return bundle: typing the watched CCCD warns before the cell is left.
    assert import_at_post(pair, [hq_reply(pair)]).watch_entries == 1
    editor = CaseEditor(post.ctx, post.officer)
    qtbot.addWidget(editor)
    editor.show()
    editor.tabs.setCurrentIndex(PARTIES)
    try:
        parties = editor.parties.model
        parties.add_row({"role": "carrier", "full_name": "Nguyễn Văn An"})
        cell = parties.index(0, parties.column_of("id_number"))
        editor.parties.table.setCurrentIndex(cell)
        editor.parties.table.edit(cell)
        typing = editor.parties.table.viewport().findChild(QLineEdit)  # the cell's editor, open
        assert isinstance(typing, QLineEdit)
        qtbot.keyClicks(typing, "0890 9000 1234")
        warning = editor.parties.warnings_label.text()
        assert editor.parties.warnings_label.isVisible() and "BP-VX/2026/00001" in warning, warning
        assert "BP-VX" in warning and "Chở thuê ba lần trong tháng" in warning
        editor.grab().save("/tmp/watch-editor.png")
        # The dismissed plate: no watch warning (the plate's format is fine, so no warning at all).
        vehicles = editor.vehicles.model
        vehicles.add_row({"kind": "motorbike"})
        vehicles.setData(vehicles.index(0, vehicles.column_of("plate")), "67H1-204.13")
        assert vehicles.warnings() == []
    finally:
        answer_next_dialog(lambda box: box.button(QMessageBox.StandardButton.Discard).click())
        editor.close()  # the unsaved case is discarded
    assert not editor.isVisible()
