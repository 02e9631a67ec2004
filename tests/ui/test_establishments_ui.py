"""The establishments screen (issue 19 item 2): added from the keyboard through the dialog, found without
accents, a duplicate offered instead of added, a correction that would copy another's tax code refused,
the inspection history with what HQ's return bundle carried, and a new inspection started pre-filled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.activities import ActivityFilter
from app.activity_json import parse_activities
from app.context import Context
from app.establishment_history import EstablishmentHistory
from app.establishments import EstablishmentInput, EstablishmentService
from tests.helpers.clock import NOW, Clock
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import Post
from tests.helpers.sync import Pair, enrol_another_post, export_parts, hq_reply, import_at_hq, import_at_post
from ui.activities_editor import ActivityEditor
from ui.establishment_dialog import EstablishmentDialog
from ui.establishments_list import COUNT, LAST, NAME, EstablishmentsWindow
from ui.main_window import MainWindow

SHOP = EstablishmentInput(
    "Cửa hàng Tạp hóa Minh Châu", "shop", "Ấp Phú Lợi", commune_code="30385", tax_code="0312345678"
)
STORE = EstablishmentInput("Kho hàng Đường Biên", "warehouse", "Tổ 3", commune_code="30325")


def _window(qtbot: QtBot, post: Post) -> EstablishmentsWindow:
    window = EstablishmentsWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):  # its shortcuts answer only while it is the active window
        window.show()
    return window


def _answer(handle: Callable[[QWidget], None]) -> list[str]:
    """``answer_next_dialog``, the dialog closed if a check in ``handle`` fails (else the test would
    wait on it for ever)."""

    def closing(dialog: QWidget) -> None:
        try:
            handle(dialog)
        finally:
            if dialog.isVisible() and isinstance(dialog, QDialog):
                dialog.reject()

    return answer_next_dialog(closing)


def _names(window: EstablishmentsWindow) -> list[str]:
    return [window.proxy.index(row, NAME).data() for row in range(window.proxy.rowCount())]


def _inspect(ctx: Context, officer: object, at: datetime, name: str, force: str, result: str = "") -> None:
    document = {"kind": "inspection", "started_at": at.isoformat(), "commune_code": "30385",
                "establishment": name, "lead_force": force, "participants": 3, "result": result}
    ctx.activities.add(officer, parse_activities(document, ctx.reference, now=ctx.clock())[0])  # type: ignore[arg-type]


def test_an_establishment_is_added_found_without_accents_and_never_added_twice(
    qtbot: QtBot, qtmodeltester: ModelTester, post: Post
) -> None:
    EstablishmentService(post.ctx).add(post.officer, [SHOP, STORE])
    window = _window(qtbot, post)
    qtmodeltester.check(window.model)
    assert _names(window) == ["Cửa hàng Tạp hóa Minh Châu", "Kho hàng Đường Biên"]

    def add(dialog: QWidget) -> None:
        assert isinstance(dialog, EstablishmentDialog)
        dialog.name.setText("Đại lý Đường Phèn Châu Đốc")
        dialog.kind.set_code("trader")
        dialog.commune.set_code("30325")
        dialog.tax_code.setText("03011")  # refused as the command line refuses it, by field
        dialog.save_button.click()
        problems.append(dialog.errors.text())
        dialog.tax_code.setText("0301112223")
        dialog.save_button.click()

    problems: list[str] = []
    titles = _answer(add)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert titles == ["Cơ sở mới"] and problems[0].startswith("tax_code:"), (titles, problems)
    assert window.count.text() == "3 cơ sở" and window._selected() is not None
    assert window._selected().name == "Đại lý Đường Phèn Châu Đốc"  # type: ignore[union-attr]

    window.search.setText("duong")  # "Đường" without its accents, as the service folds it
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    # By the folded name: "dai ly …" before "kho …" (by code point, "Đ" would come after "K").
    assert _names(window) == ["Đại lý Đường Phèn Châu Đốc", "Kho hàng Đường Biên"]
    window.table.sortByColumn(NAME, Qt.SortOrder.DescendingOrder)
    assert _names(window) == ["Kho hàng Đường Biên", "Đại lý Đường Phèn Châu Đốc"]
    window.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)

    offered: list[str] = []

    def offer(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        offered.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()

    def again(dialog: QWidget) -> None:
        assert isinstance(dialog, EstablishmentDialog)
        dialog.name.setText("cua hang tap hoa MINH CHAU")  # the same shop typed without accents
        dialog.commune.set_code("30385")
        _answer(offer)
        dialog.save_button.click()

    _answer(again)
    window.new_button.click()
    assert "Cửa hàng Tạp hóa Minh Châu" in offered[0] and "BP-VX" in offered[0], offered
    assert window.search.text() == "" and window.model.rowCount() == 3  # not added a second time
    assert window._selected().name == "Cửa hàng Tạp hóa Minh Châu"  # type: ignore[union-attr]

    window.search.setText("dai ly")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    refused: list[str] = []

    def correct(dialog: QWidget) -> None:
        assert isinstance(dialog, EstablishmentDialog) and dialog.name.text() == "Đại lý Đường Phèn Châu Đốc"
        dialog.tax_code.setText("0312345678")  # Minh Châu's
        dialog.save_button.click()
        refused.append(dialog.errors.text())
        dialog.address.setText("Quốc lộ 91")
        dialog.tax_code.setText("0301112223")
        dialog.save_button.click()

    _answer(correct)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)  # Enter opens the selected establishment
    assert "Cửa hàng Tạp hóa Minh Châu" in refused[0] and "0312345678" in refused[0], refused
    corrected = EstablishmentService(post.ctx).list(post.officer, "dai ly")
    assert [(v.address, v.tax_code, v.version) for v in corrected] == [("Quốc lộ 91", "0301112223", 2)]
    assert all(button.accessibleName() for button in window.buttons.buttons())
    qtbot.keyClick(window.table, Qt.Key.Key_Escape)
    assert not window.isVisible()
    reader = EstablishmentsWindow(post.ctx, post.analyst)  # reads the register, registers nothing
    qtbot.addWidget(reader)
    reader.show()
    assert reader.model.rowCount() == 3 and reader.history_model.rowCount() == 0
    assert not reader.new_button.isVisible() and not reader.inspect_button.isVisible()


def test_the_history_shows_the_return_bundles_inspections_and_a_new_one_starts_filled_in(
    qtbot: QtBot, pair: Pair, tmp_path: Path, clock: Clock
) -> None:
    a, hq = pair.post, pair.hq
    (shop,) = EstablishmentService(a.ctx).add(a.officer, [SHOP])
    _inspect(a.ctx, a.officer, NOW - timedelta(days=40), SHOP.name, "border_guard", "Không phát hiện vi phạm")
    b = enrol_another_post(hq, tmp_path, "BP-TB", "Đồn Tịnh Biên", clock)
    _inspect(b.ctx, b.officer, NOW - timedelta(days=10), "cua hang tap hoa minh chau", "customs")
    from_b = Pair(b, hq, tmp_path)
    assert import_at_hq(from_b, export_parts(from_b, "out-tb")).rejected == []
    assert import_at_post(pair, [hq_reply(pair)]).inspections == 1
    b.ctx.close()

    window = _window(qtbot, a)
    # Tịnh Biên's inspection registered the shop there too, before it heard of Vĩnh Xương's: both are
    # listed (each post's own), each with the inspections of either.
    assert window.model.rowCount() == 2
    assert window.select(shop.establishment.id)
    row = window.table.selectionModel().selectedRows()[0].row()
    last = f"{(NOW - timedelta(days=10)).astimezone(a.ctx.zone):%d/%m/%Y}"
    assert [window.proxy.index(r, c).data() for r in range(2) for c in (COUNT, LAST)] == ["2", last] * 2
    assert window.proxy.index(row, NAME).data() == SHOP.name
    history = [
        tuple(window.history_model.index(r, c).data() for c in range(6))
        for r in range(window.history_model.rowCount())
    ]
    assert [(h[1], h[2], h[4], h[5]) for h in history] == [
        ("BP-TB", "Hải quan", "", "gói phản hồi của Bộ Chỉ huy"),
        ("BP-VX", "Bộ đội Biên phòng", "Không phát hiện vi phạm", "sổ này"),
    ], history

    seen: list[tuple[str | None, ...]] = []

    def look(editor: QWidget) -> None:
        assert isinstance(editor, ActivityEditor)
        seen.append((editor.kind.code(), editor.establishment.text(), editor.commune.code(),
                     editor.place.text(), editor.establishment_notice.text()))
        editor.reject()

    _answer(look)
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    ((kind, name, commune, place, notice),) = seen
    assert (kind, name, commune, place) == ("inspection", SHOP.name, "30385", "Ấp Phú Lợi")
    assert "BP-TB" in notice, notice  # the duplicate-inspection warning, before anything is typed


def test_an_inspection_started_here_is_saved_against_the_establishment(qtbot: QtBot, post: Post) -> None:
    EstablishmentService(post.ctx).add(post.officer, [SHOP])
    main = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(main)
    saved: list[int] = []

    def inspect(editor: QWidget) -> None:
        assert isinstance(editor, ActivityEditor) and editor.establishment_notice.isHidden()
        editor.result_text.setPlainText("Lập biên bản 1 vụ")
        editor.save_button.click()

    def use(window: QWidget) -> None:
        assert isinstance(window, EstablishmentsWindow)
        _answer(inspect)
        window.inspect_button.click()
        saved.append(window.history_model.rowCount())
        window.grab().save(str(post.data_dir / "establishments.png"))
        window.reject()

    _answer(use)
    main.establishments_action.trigger()
    assert saved == [1]
    (activity,) = post.ctx.activities.find(post.officer, ActivityFilter())
    assert (activity.data.kind, activity.data.result) == ("inspection", "Lập biên bản 1 vụ")
    (shop,) = EstablishmentService(post.ctx).list(post.officer)  # matched, not registered again
    history = EstablishmentHistory(post.ctx).history(post.officer, shop.id)
    assert [(e.activity_id, e.from_hq) for e in history] == [(activity.id, False)]
