"""A demo register on screen (issue 19): the field-work list says each place once and cuts no force's
name, and the home page's coverage names the commune the post neglects, not its whole area."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.demo import generate_demo
from tests.helpers.registers import Post
from ui.activities_list import PLACE_COLUMN, ActivitiesWindow
from ui.column_widths import content_width
from ui.dashboard import DashboardWidget

LEAD_FORCE = 5


def test_a_demo_registers_field_work_list_and_coverage(qtbot: QtBot, post: Post) -> None:
    ctx = post.ctx
    generate_demo(ctx, post.admin, cases=200, seed=3)
    window = ActivitiesWindow(ctx, post.chief)
    qtbot.addWidget(window)
    window.resize(760, 400)  # narrower than the columns: the place gives way, nothing else
    window.show()
    model, table = window.model, window.table
    views = ctx.activities.find(post.chief)
    assert model.rowCount() == len(views) == 50
    places = [model.index(row, PLACE_COLUMN).data() for row in range(model.rowCount())]
    inspections = [(v.data, places[i]) for i, v in enumerate(views) if v.data.kind == "inspection"]
    assert inspections
    for data, text in inspections:
        assert text == f"{data.establishment} · {data.place}"  # the shop once, then where it is
    assert any(text.startswith("Đường tuần tra biên giới, khu vực mốc VX-") for text in places)
    assert not table.wordWrap()
    for column in range(model.columnCount()):
        if column == PLACE_COLUMN:
            continue
        values = {model.index(row, column).data() for row in range(model.rowCount())}
        widest = max(content_width(table, value) for value in values)
        assert table.columnWidth(column) >= widest, column
    forces = {model.index(row, LEAD_FORCE).data() for row in range(model.rowCount())}
    assert "Quản lý thị trường" in forces
    # Home page: the Post fixture's area is BP-VX's; it neglects Phường Tân Châu and marker VX-03.
    board = DashboardWidget(ctx, post.chief)
    qtbot.addWidget(board)
    with qtbot.waitSignal(board.refreshed, timeout=10_000):
        board.refresh()
    lines = board.coverage_label.text().splitlines()
    assert lines[1:] == [
        "  xã bị bỏ sót (1 trên 3): Phường Tân Châu",
        "  mốc giới bị bỏ sót (1 trên 3): Mốc VX-03 (Tân Châu)",
    ]
