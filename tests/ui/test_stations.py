"""HQ's list of posts (who is late) and revoking a post from it, against real registers.

Three posts: BP-CD overdue (its November bundle came before the month ended), BP-TB with a part
withheld, BP-VX up to date. The registers' clock starts on 10/11/2026 and moves to 25/11."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.sync.hq_import import import_bundles
from tests.helpers.cases import ICT
from tests.helpers.clock import Clock
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import PASSWORD, Post
from tests.helpers.sync import PASSPHRASE, late_province
from ui.main_window import MainWindow
from ui.reason_dialog import ReasonDialog
from ui.stations import OVERDUE_COLUMN, StationsDialog

SHOTS = Path("/tmp")


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 10, 9, 0, tzinfo=ICT)


def _cells(dialog: StationsDialog, column: int) -> list[str]:
    model = dialog.model
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_the_late_post_stands_out_and_a_chief_revokes_a_post_with_a_reason(
    qtbot: QtBot, qtmodeltester: object, post: Post, hq: Post, tmp_path: Path, clock: Clock
) -> None:
    parts = late_province(post, hq, tmp_path, clock.advance)
    dialog = StationsDialog(hq.ctx, hq.chief)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    dialog.show()
    assert [row.split(" — ")[0] for row in _cells(dialog, 0)] == ["BP-CD", "BP-TB", "BP-VX"]
    assert _cells(dialog, OVERDUE_COLUMN) == [
        "QUÁ HẠN: báo cáo tuần hạn 18/11/2026\nbáo cáo tháng hạn 20/11/2026", "", ""
    ]
    assert dialog.summary.text() == "Ngày 25/11/2026: 1 trong 3 đồn chậm báo cáo (tô đỏ)."
    dialog.resize(700, 420)  # a narrow window scrolls; no column is cut, the overdue reports neither
    qtbot.wait(10)
    table = dialog.table
    assert all(table.columnWidth(c) >= table.sizeHintForColumn(c) for c in range(dialog.model.columnCount()))
    late = dialog.model.index(0, 0)
    assert dialog.model.data(late, Qt.ItemDataRole.BackgroundRole) is not None
    assert dialog.model.data(dialog.model.index(2, 0), Qt.ItemDataRole.BackgroundRole) is None
    first, last = (int(n) for n in parts[1].name.split("-")[2:4])
    assert _cells(dialog, 3)[1] == f"{first}–{last}"
    assert _cells(dialog, 4)[1] == f"phần 2 trong {len(parts)}"
    assert _cells(dialog, 5) == ["còn hiệu lực"] * 3
    dialog.grab().save(str(SHOTS / "outpost-stations.png"))

    assert dialog.revoke_button.isVisible() and not dialog.revoke_button.isEnabled()  # nothing chosen
    dialog.select_code("BP-TB")
    assert dialog.revoke_button.isEnabled()

    def give_reason(shown: QWidget) -> None:
        assert isinstance(shown, ReasonDialog)
        assert "BP-TB — Đồn Tịnh Biên" in shown.prompt.text()
        assert not shown.ok_button.isEnabled()  # a reason is required
        assert shown.ok_button.text() == "Thu hồi BP-TB"
        shown.edit.setPlainText("Máy tính bị mất cắp")
        shown.ok_button.click()

    seen = answer_next_dialog(give_reason)
    dialog.revoke_button.click()
    assert seen == ["Thu hồi đồn BP-TB"]
    assert _cells(dialog, 5)[1].startswith("đã thu hồi 25/11/2026")
    assert _cells(dialog, 5)[1].endswith(" bởi admin: Máy tính bị mất cắp")  # who and why, at a glance
    tip = dialog.model.index(1, 5).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "Thu hồi vì: Máy tính bị mất cắp"  # the whole reason on hover (the cell shows 30 letters)
    assert dialog.selected() is not None and not dialog.revoke_button.isEnabled()  # revoked already
    assert dialog.summary.text() == "Ngày 25/11/2026: 1 trong 2 đồn chậm báo cáo (tô đỏ)."  # BP-TB owes none
    withheld = import_bundles(hq.ctx, hq.admin, PASSPHRASE, [parts[1]])
    assert withheld.applied == [] and "BP-TB đã bị thu hồi" in withheld.rejected[0]["reason"]

    def cancel(shown: QWidget) -> None:
        assert isinstance(shown, ReasonDialog)
        shown.reject()

    dialog.select_code("BP-VX")
    answer_next_dialog(cancel)
    dialog.revoke_button.click()
    assert _cells(dialog, 5)[2] == "còn hiệu lực"  # cancelled: nothing changed


def test_an_analyst_sees_the_posts_but_cannot_revoke(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path, clock: Clock
) -> None:
    late_province(post, hq, tmp_path, clock.advance)
    hq.ctx.users.add(
        hq.admin, "analyst", role="analyst", full_name="Lê Phân Tích", password=PASSWORD,
        actor_password=PASSWORD,
    )
    analyst = hq.ctx.login("analyst", PASSWORD)
    window = MainWindow(hq.ctx, analyst)
    qtbot.addWidget(window)
    window.show()
    assert window.stations_action.isVisible()
    dialog = StationsDialog(hq.ctx, analyst, window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.rowCount() == 3 and not dialog.revoke_button.isVisible()
    dialog.select_code("BP-VX")
    assert not dialog.revoke_button.isEnabled()
    # HQ's dashboard keeps HQ's own drafts apart from the posts' (their chiefs approve them): every case
    # HQ holds here is a post's draft (BP-TB's withheld part holds some of its nine).
    received = hq.ctx.cases.count(analyst)
    assert 4 < received < 13
    board = window.dashboard
    qtbot.waitUntil(lambda: board.dashboard is not None, timeout=5000)
    assert board.posts_figure.text() == f"Các đồn: {received} nháp, 0 chờ đồn duyệt"
    assert board.drafts_figure.text() == "Bản nháp của BCH: 0"
    assert board.posts_figure.isVisible()
    qtbot.wait(50)  # the figures' new texts laid out before the picture
    window.grab().save(str(SHOTS / "outpost-hq-dashboard.png"))


def test_a_post_has_no_list_of_posts(qtbot: QtBot, post: Post) -> None:
    window = MainWindow(post.ctx, post.chief)
    qtbot.addWidget(window)
    assert not window.stations_action.isVisible() and not window.dashboard.posts_figure.isVisible()
