"""File → Export… over a real register: the list's filter and order go to the file, read back with
openpyxl; the export columns are the list's; a map is of cases only."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.domain import CaseFilter
from app.exports import CASE_COLUMNS
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import Post
from tests.helpers.registers import rows as query_rows
from ui.case_model import COLUMNS
from ui.export_dialog import ExportDialog
from ui.main_window import MainWindow

SHOTS = Path("/tmp/outpost-shots")


def test_export_writes_the_list_as_shown(qtbot: QtBot, post: Post, tmp_path: Path) -> None:
    for day, group in ((1, "trade_fraud"), (2, "prohibited_smuggled"), (3, "trade_fraud")):
        post.ctx.cases.create(
            post.officer,
            sample_case(
                occurred_at=datetime(2026, 11, day, 9, 0, tzinfo=ICT),
                violation_group=group,
                place=f"Mốc {day}",
            ),
        )
    window = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    assert window.export_action in window.table.actions()  # the list's context menu
    window.model.set_filter(CaseFilter(violation_group="trade_fraud"))
    window.model.sort(1, Qt.SortOrder.AscendingOrder)  # by time, oldest first
    dialog = ExportDialog(post.ctx, post.officer, window.model.case_filter, window.model.case_sort, window)
    qtbot.addWidget(dialog)
    path = tmp_path / "vu-viec.xlsx"
    assert dialog.export_to(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert [c.title for c in CASE_COLUMNS] == [c.title for c in COLUMNS]  # the list's own columns
    assert rows[0][:3] == ("Số vụ", "Thời gian", "Địa điểm")  # in the user's language
    assert [r[2] for r in rows[1:]] == ["Mốc 1", "Mốc 3"]
    assert "2 " in dialog.status.text() and str(path) in dialog.status.text()
    dialog.people_button.setChecked(True)
    geojson = dialog.format_box.findData("geojson")
    assert not dialog.format_box.model().item(geojson).isEnabled()  # type: ignore[attr-defined]
    dialog.cases_button.setChecked(True)
    assert dialog.format_box.model().item(geojson).isEnabled()  # type: ignore[attr-defined]
    # CSV: the separator Excel on a Vietnamese Windows splits at, by default; the export is audited.
    assert not dialog.delimiter_box.isEnabled()  # Excel chosen: no separator to choose
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("csv"))
    assert dialog.delimiter_box.isEnabled() and dialog.delimiter() == ";"
    csv_path = tmp_path / "vu-viec.csv"
    assert dialog.export_to(csv_path)
    text = io.StringIO(csv_path.read_text(encoding="utf-8-sig"), newline="")
    assert [r[2] for r in list(csv.reader(text, delimiter=";"))[1:]] == ["Mốc 1", "Mốc 3"]
    events = query_rows(post.ctx, "SELECT actor, diff FROM audit_events WHERE action = 'export' ORDER BY seq")
    assert [(actor, json.loads(diff)["format"], json.loads(diff)["rows"]) for actor, diff in events] == [
        ("officer", "xlsx", 2), ("officer", "csv", 2)
    ]
    SHOTS.mkdir(exist_ok=True)
    dialog.show()
    dialog.grab().save(str(SHOTS / "export-dialog.png"))
