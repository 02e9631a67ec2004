"""The case list against a real register: Qt's model contract, keyset paging, search, the main window."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.domain import CaseFilter, GoodsInput
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import Post
from ui.case_model import COLUMNS, CaseTableModel
from ui.filter_bar import SEARCH_DELAY_MS
from ui.main_window import CASES_TAB, MainWindow


def add_cigarette_cases(post: Post, count: int, *, same_time: bool = False) -> None:
    for i in range(count):
        when = datetime(2026, 11, 20, 23, 40, tzinfo=ICT) if same_time else \
            datetime(2026, 1 + i % 12, 1 + i % 28, 23, i % 60, tzinfo=ICT)
        case = sample_case(occurred_at=when)
        post.ctx.cases.create(post.officer, replace(case, goods=case.goods[:1], summary=""))


def add_sugar_case(post: Post) -> None:
    sugar = replace(sample_case(), goods=(GoodsInput("sugar", Decimal(3), "tấn", "Đường cát"),),
                    parties=(), vehicles=(), summary="")
    post.ctx.cases.create(post.officer, sugar)


def fetch_all(model: CaseTableModel) -> list[int]:
    counts = [model.rowCount()]
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        counts.append(model.rowCount())
    return counts


def test_model_contract(post: Post, qtmodeltester: ModelTester) -> None:
    add_cigarette_cases(post, 7)
    model = CaseTableModel(post.ctx, post.officer, page_size=3)
    qtmodeltester.check(model)
    assert model.columnCount() == len(COLUMNS) == 6
    titles = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert titles == ["Số vụ", "Thời gian", "Địa điểm", "Nhóm vi phạm", "Mặt hàng", "Trạng thái"]


def test_an_empty_register_is_a_valid_empty_model(post: Post, qtmodeltester: ModelTester) -> None:
    model = CaseTableModel(post.ctx, post.officer, page_size=3)
    qtmodeltester.check(model)
    assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex())


def test_rows_load_page_by_page_newest_first(post: Post) -> None:
    add_cigarette_cases(post, 7)
    model = CaseTableModel(post.ctx, post.officer, page_size=3)
    assert fetch_all(model) == [3, 6, 7]
    times = [model.case_at(i).occurred_at for i in range(7)]
    assert times == sorted(times, reverse=True)
    assert len({model.case_at(i).number for i in range(7)}) == 7
    first = [model.index(0, c).data() for c in range(len(COLUMNS))]
    newest = model.case_at(0)
    assert first[0] == newest.number
    assert first[1] == newest.occurred_at.strftime("%d/%m/%Y %H:%M")  # dd/MM/yyyy HH:mm, case's zone
    assert first[3] == "Buôn bán, vận chuyển trái phép hàng cấm, hàng nhập lậu"
    assert first[4] == post.ctx.reference.label("commodities", "cigarettes")
    assert first[5] == "Nháp"


def test_paging_neither_skips_nor_repeats_cases_logged_at_the_same_minute(post: Post) -> None:
    add_cigarette_cases(post, 5, same_time=True)
    add_cigarette_cases(post, 2)
    model = CaseTableModel(post.ctx, post.officer, page_size=2)
    assert fetch_all(model) == [2, 4, 6, 7]
    ids = [model.case_at(i).id for i in range(7)]
    assert ids == [row.id for row in post.ctx.cases.list(post.officer, limit=100)]


def test_search_filters_and_pages_too(post: Post) -> None:
    add_cigarette_cases(post, 5)
    add_sugar_case(post)
    model = CaseTableModel(post.ctx, post.officer, page_size=2)
    model.set_filter(CaseFilter(query="duong"))  # accent-insensitive: "Đường cát"
    assert model.rowCount() == 1 and "Đường" in model.index(0, 4).data()
    model.set_filter(CaseFilter(query="thuoc la hero"))
    assert fetch_all(model) == [2, 4, 5]
    model.set_filter(CaseFilter(query="không có vụ nào như thế"))
    assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex())
    model.set_filter(CaseFilter(query=""))
    assert fetch_all(model) == [2, 4, 6]  # no empty last page: the model asks for one row more


def test_search_box_waits_for_a_pause_in_typing(post: Post, qtbot: QtBot) -> None:
    add_cigarette_cases(post, 3)
    add_sugar_case(post)
    window = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(CASES_TAB)
    assert window.model.rowCount() == 4 and window.count_label.text() == "4 vụ việc"
    qtbot.keyClicks(window.filter_bar.search, "duong")
    assert window.model.rowCount() == 4  # nothing is searched while the user is still typing
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=SEARCH_DELAY_MS * 8)
    assert window.count_label.text() == "1 vụ việc"
    window.filter_bar.search.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=SEARCH_DELAY_MS * 8)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # the offscreen platform's limit
def test_main_window_names_the_station_and_the_user(post: Post, qtbot: QtBot) -> None:
    window = MainWindow(post.ctx, post.chief)
    qtbot.addWidget(window)
    assert window.windowTitle() == "Outpost — BP-VX"
    assert window.user_label.text() == "Nguyễn Chief — Đồn trưởng"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    window.show()
    qtbot.waitExposed(window)
    window.quit_action.trigger()
    assert not window.isVisible()
