"""The case list model against a real register: Qt's model contract, lazy paging, search."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.conftest import ICT, Post, sample_case
from ui.case_model import COLUMNS, CaseTableModel
from ui.main_window import MainWindow


def _fill(post: Post, count: int) -> None:
    """Cigarette cases only, on different days."""
    for i in range(count):
        case = sample_case(occurred_at=datetime(2026, 1 + i % 12, 1 + i % 28, 23, i % 60, tzinfo=ICT))
        post.ctx.cases.create(post.officer, replace(case, goods=case.goods[:1], summary=""))


def test_model_contract(post: Post, qtmodeltester: ModelTester) -> None:
    _fill(post, 7)
    model = CaseTableModel(post.ctx, post.officer, page_size=3)
    qtmodeltester.check(model)
    assert model.columnCount() == len(COLUMNS)
    assert model.headerData(0, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal) == "Số vụ"


def test_rows_load_page_by_page(post: Post) -> None:
    _fill(post, 7)
    model = CaseTableModel(post.ctx, post.officer, page_size=3)
    counts = [model.rowCount()]
    while model.canFetchMore():
        model.fetchMore()
        counts.append(model.rowCount())
    assert counts == [3, 6, 7]
    numbers = [model.case_at(i).number for i in range(7)]
    assert len(set(numbers)) == 7
    shown = model.index(0, 5).data()
    assert shown == "Nháp"  # status label in Vietnamese


def test_search_box_filters_after_a_pause(post: Post, qtbot: QtBot) -> None:
    _fill(post, 3)
    from decimal import Decimal

    from app.domain import GoodsInput

    sugar = replace(sample_case(), goods=(GoodsInput("sugar", Decimal(3), "tấn", "Đường cát"),),
                    parties=(), vehicles=(), summary="")
    post.ctx.cases.create(post.officer, sugar)
    window = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    assert window.model.rowCount() == 4
    qtbot.keyClicks(window.search, "duong")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    assert "Đường" in window.model.index(0, 4).data()
    assert window.count_label.text() == "1 vụ việc"
    window.search.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=3000)
