"""Small things a new user met (issue 20 item 6), and the Tools menu (item 1): countries by name,
coordinates with the decimal comma, the status bar's link that opens Receive with the inbox listed, and
the reference lists."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.coordinates import format_coordinate, parse_coordinate, split_pair
from app.countries import country_code, country_name
from app.sync.inbox import inbox_folder
from tests.helpers.cases import full_case, sample_case
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import Post
from ui.case_panel import CasePanel
from ui.editor.dialog import CaseEditor
from ui.main_window import MainWindow
from ui.reference_dialog import ReferenceDialog
from ui.sync_dialogs import ImportDialog


def test_countries_are_named_and_names_typed_become_codes() -> None:
    assert country_name("KH", "vi") == "Campuchia" and country_name("KH", "en") == "Cambodia"
    assert country_name("Thái Lan") == "Thái Lan"  # free text typed before the list stays as it is
    assert [country_code(t) for t in ("kh", "campuchia", "Cambodia", "THAI LAN", "", "Xứ Đoài")] == [
        "KH", "KH", "KH", "TH", None, "Xứ Đoài"
    ]


def test_coordinates_take_the_decimal_comma_and_pairs_from_a_map() -> None:
    assert parse_coordinate("10,7725", 90) == parse_coordinate("10.7725", 90) == 10.7725
    assert parse_coordinate(" 105,1264° ", 180) == 105.1264 and parse_coordinate("", 90) is None
    assert format_coordinate(10.7725) == "10,7725" and format_coordinate(-8.5) == "-8,5"
    assert split_pair("10.7725, 105.1264") == ("10.7725", "105.1264")
    assert split_pair("10,7725 105,1264") == split_pair("10,7725; 105,1264") == ("10,7725", "105,1264")
    assert split_pair("10,7725") is None


def test_the_editor_shows_countries_by_name_and_coordinates_with_a_comma(post: Post, qtbot: QtBot) -> None:
    data = replace(full_case(), campaign_id=None, attachments=(), latitude=10.7725, longitude=105.1264)
    made = post.ctx.cases.create(post.officer, data)
    editor = CaseEditor(post.ctx, post.officer, made.id)
    qtbot.addWidget(editor)
    assert editor.overview.latitude.text() == "10,7725"
    goods, parties = editor.goods.model, editor.parties.model
    shown = {goods.index(r, goods.column_of("origin_country")).data() for r in range(goods.rowCount())}
    assert "Thái Lan" in shown and "TH" not in shown
    column = parties.column_of("nationality")
    nationality = {parties.index(r, column).data() for r in range(parties.rowCount())}
    assert "Campuchia" in nationality and "KH" not in nationality
    panel = CasePanel(post.ctx)
    qtbot.addWidget(panel)
    panel.show_case(post.ctx.cases.get(post.officer, made.id))
    assert "xuất xứ Thái Lan" in panel.text() and "Sok Dara (" in panel.text() and "Campuchia" in panel.text()
    editor.overview.latitude.setText("")
    editor.overview.longitude.setText("")
    # An empty field's grey hint is an example, said as one (a bare "10,7725" read as a real position).
    assert editor.overview.latitude.placeholderText() == "vd. 10,7725"
    assert editor.overview.longitude.placeholderText() == "vd. 105,1264"
    editor.overview.latitude.setText("10,5001 105,2502")  # pasted from a map: both fields filled
    assert (editor.overview.latitude.text(), editor.overview.longitude.text()) == ("10,5001", "105,2502")
    assert editor.save()
    case = post.ctx.cases.get(post.officer, made.id)
    assert (case.document["latitude"], case.document["longitude"]) == (10.5001, 105.2502)


def test_the_inbox_link_opens_receive_with_the_waiting_bundles_listed(hq: Post, qtbot: QtBot) -> None:
    window = MainWindow(hq.ctx, hq.admin)
    qtbot.addWidget(window)
    for name in ("a.outpost", "b.outpost"):
        (inbox_folder(hq.ctx) / name).write_bytes(b"x")
    window.update_inbox()
    listed: list[list[str]] = []

    def look(dialog: object) -> None:
        assert isinstance(dialog, ImportDialog)
        listed.append([dialog.file_list.item(i).text() for i in range(dialog.file_list.count())])
        dialog.reject()

    titles = answer_next_dialog(look)
    window.inbox_label.linkActivated.emit("receive")
    assert titles and listed == [["a.outpost", "b.outpost"]]


def test_the_tools_menu_holds_the_new_dialogs(post: Post, qtbot: QtBot) -> None:
    window = MainWindow(post.ctx, post.admin)
    qtbot.addWidget(window)
    assert window.audit_action.isVisible() and window.mail_action.isVisible()
    officer = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(officer)
    assert officer.audit_action.isVisible() and not officer.mail_action.isVisible()


def test_reference_lists_are_shown_and_hq_adds_entries_from_a_file(
    hq: Post, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = ReferenceDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.import_button.isVisible()
    dialog.kind.setCurrentIndex(dialog.kind.findData("vehicle_kinds"))
    before = dialog.table.rowCount()
    assert before > 0 and "0.1.0" in dialog.table.item(0, 3).text()
    file = tmp_path / "drone.json"
    drone = {"code": "drone", "vi": "Flycam", "en": "Drone"}
    file.write_text(json.dumps({"kind": "vehicle_kinds", "items": [drone]}))
    changed: list[object] = []
    dialog.changed.connect(changed.append)
    assert dialog.add_from_file(file) == 1 and changed
    table = dialog.table
    rows = {table.item(r, 0).text(): table.item(r, 3).text() for r in range(table.rowCount())}
    assert table.rowCount() == before + 1 and "0.1.0" not in rows["drone"]
    dialog.kind.setCurrentIndex(dialog.kind.findData("communes"))
    assert dialog.table.rowCount() == 102
    dialog.grab().save(str(tmp_path / "reference.png"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "nonsense", "items": [{"code": "x"}]}')
    titles = answer_next_dialog(lambda box: box.close())
    assert dialog.add_from_file(bad) is None and titles
    # An entry without its Vietnamese name: refused in Vietnamese, the file named as it is written.
    missing = tmp_path / "bad-ref.json"
    missing.write_text(json.dumps({"kind": "vehicle_kinds", "items": [{"code": "xe-lam", "en": "Lambro"}]}))
    texts: list[str] = []

    def keep(box: object) -> None:
        assert isinstance(box, QMessageBox)
        texts.append(box.text())
        box.close()

    answer_next_dialog(keep)
    assert dialog.add_from_file(missing) is None
    assert texts and texts[0].startswith("bad-ref.json: "), texts
    assert "cannot be used" not in texts[0] and "danh mục" in texts[0], texts


def test_a_post_only_reads_the_reference_lists(post: Post, qtbot: QtBot) -> None:
    post.ctx.cases.create(post.officer, sample_case())
    dialog = ReferenceDialog(post.ctx, post.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.import_button.isVisible() and dialog.table.rowCount() > 0
    assert dialog.table.editTriggers() == dialog.table.EditTrigger.NoEditTriggers
