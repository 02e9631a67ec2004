"""The case list with its filter bar: filters and sorting re-query the register, the count follows
off the GUI thread, and a 200 000-case register scrolls to its end a page at a time."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.domain import CaseFilter, CaseSort, GoodsInput
from db.types import utc_text
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import Post, open_sqlite
from ui.case_model import COLUMNS, PAGE_SIZE, CaseTableModel
from ui.filter_bar import CUSTOM, SEARCH_DELAY_MS, FilterBar
from ui.main_window import CASES_TAB, MainWindow


def _numbers(model: CaseTableModel) -> list[str]:
    return [model.case_at(row).number for row in range(model.rowCount())]


@pytest.fixture
def three(post: Post) -> dict[str, str]:
    """Three cases that differ in date, group, commodity and place; their numbers by a short name."""
    fuel = (GoodsInput("fuel", Decimal(900), "lít", "Dầu DO"),)
    made = {
        "old": sample_case(occurred_at=datetime(2026, 9, 2, 8, 0, tzinfo=ICT), place="Ấp Bắc Đai"),
        "fuel": sample_case(
            occurred_at=datetime(2026, 11, 16, 8, 0, tzinfo=ICT),
            place="Kênh Vĩnh Tế",
            goods=fuel,
            violation_group="trade_fraud",
            summary="",
            ownerless=True,
            parties=(),
        ),
        "new": sample_case(occurred_at=datetime(2026, 11, 20, 23, 40, tzinfo=ICT), place="Bến đò Châu Giang"),
    }
    return {name: post.ctx.cases.create(post.officer, data).number for name, data in made.items()}


def test_every_filter_in_the_bar_reaches_the_list(qtbot: QtBot, post: Post, three: dict[str, str]) -> None:
    post.ctx.clock = lambda: datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 23 November in Vietnam
    bar = FilterBar(post.ctx, post.officer)
    qtbot.addWidget(bar)
    model = CaseTableModel(post.ctx, post.officer)
    bar.filter_changed.connect(model.set_filter)
    assert _numbers(model) == [three["new"], three["fuel"], three["old"]]
    assert not bar.clear_button.isEnabled()

    bar.group.set_code("trade_fraud")
    assert _numbers(model) == [three["fuel"]] and bar.clear_button.isEnabled()
    bar.clear()
    bar.commodity.set_code("fuel")
    assert _numbers(model) == [three["fuel"]]
    bar.commodity.set_code(None)
    bar.ownerless.setCurrentIndex(bar.ownerless.findData(False))
    assert _numbers(model) == [three["new"], three["old"]]
    bar.clear()
    bar.status.set_code("submitted")
    assert _numbers(model) == []
    bar.clear()
    bar.lead_force.set_code("police")
    assert _numbers(model) == []
    bar.clear()
    assert not bar.campaign.isVisibleTo(bar)  # no campaigns in this register yet

    assert bar.period.itemText(bar.period.findData("this_month")) == "Tháng này (15/11–14/12/2026)"
    assert bar.period.itemText(bar.period.findData("this_week")) == "Tuần báo cáo này (18/11–24/11/2026)"
    # A statistical year starts the year before: both years are written (it read "15/12–14/12/2026").
    assert bar.period.itemText(bar.period.findData("this_year")) == "Năm nay (15/12/2025–14/12/2026)"
    bar.period.setCurrentIndex(bar.period.findData("this_month"))  # statistical: 15 Nov – 14 Dec
    assert _numbers(model) == [three["new"], three["fuel"]]
    bar.period.setCurrentIndex(bar.period.findData("this_week"))  # report window 18–24 Nov
    assert _numbers(model) == [three["new"]]
    bar.period.setCurrentIndex(bar.period.findData(CUSTOM))
    assert bar.date_from.isVisibleTo(bar) and bar.date_to.isVisibleTo(bar)
    bar.date_from.setDate(bar.date_from.date().fromString("01/09/2026", "dd/MM/yyyy"))
    bar.date_to.setDate(bar.date_to.date().fromString("30/09/2026", "dd/MM/yyyy"))
    assert _numbers(model) == [three["old"]]
    assert bar.current_filter() == CaseFilter(start=date(2026, 9, 1), end=date(2026, 9, 30))
    # Typed the wrong way round: shown the way the filter reads it once the typing is done.
    bar.date_from.setDate(bar.date_from.date().fromString("15/10/2026", "dd/MM/yyyy"))
    bar.date_from.editingFinished.emit()
    assert (bar.date_from.date().toString("dd/MM/yyyy"), bar.date_to.date().toString("dd/MM/yyyy")) == (
        "30/09/2026",
        "15/10/2026",
    )
    assert bar.current_filter() == CaseFilter(start=date(2026, 9, 30), end=date(2026, 10, 15))
    bar.clear()
    assert _numbers(model) == [three["new"], three["fuel"], three["old"]]
    assert not bar.date_from.isVisibleTo(bar)


def test_set_filter_shows_the_filter_it_is_given(qtbot: QtBot, post: Post) -> None:
    bar = FilterBar(post.ctx, post.officer)
    qtbot.addWidget(bar)
    wanted = CaseFilter(
        query="hero",
        start=date(2026, 1, 1),
        end=date(2026, 3, 31),
        statuses=("approved",),
        violation_group="trade_fraud",
        commodity="sugar",
        lead_force="customs",
        ownerless=True,
    )
    with qtbot.waitSignal(bar.filter_changed) as signal:
        bar.set_filter(wanted)
    assert signal.args == [wanted] and bar.current_filter() == wanted
    assert bar.search.text() == "hero" and bar.period.currentData() == CUSTOM


def test_typing_searches_after_a_pause_only(qtbot: QtBot, post: Post, three: dict[str, str]) -> None:
    bar = FilterBar(post.ctx, post.officer)
    qtbot.addWidget(bar)
    emitted: list[CaseFilter] = []
    bar.filter_changed.connect(emitted.append)
    qtbot.keyClicks(bar.search, "ben do")
    assert emitted == []  # nothing is searched while the user is still typing
    qtbot.waitUntil(lambda: emitted == [CaseFilter(query="ben do")], timeout=SEARCH_DELAY_MS * 10)


def test_sorting_by_a_column_queries_the_register_again(
    qtbot: QtBot, post: Post, three: dict[str, str]
) -> None:
    window = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(CASES_TAB)
    header = window.table.horizontalHeader()
    place = next(i for i, c in enumerate(COLUMNS) if c.sort_key == "place")
    header.setSortIndicator(place, Qt.SortOrder.AscendingOrder)
    # "Bến", "Kênh", "Ấp": the register orders by code point, so the accented capital Ấ comes last.
    assert _numbers(window.model) == [three["new"], three["fuel"], three["old"]]
    places = [window.model.case_at(r).place for r in range(3)]
    assert places == sorted(places)
    assert window.model.case_sort == CaseSort("place", descending=False)
    header.setSortIndicator(place, Qt.SortOrder.DescendingOrder)
    assert [window.model.case_at(r).place for r in range(3)] == sorted(places, reverse=True)
    commodity = next(i for i, c in enumerate(COLUMNS) if c.sort_key is None)
    header.setSortIndicator(commodity, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == place  # the indicator stays on the order shown
    assert window.model.case_sort == CaseSort("place", descending=True)


def test_the_count_comes_from_a_reader_thread_when_pages_remain(qtbot: QtBot, post: Post) -> None:
    for day in range(1, 6):
        post.ctx.cases.create(post.officer, sample_case(occurred_at=datetime(2026, 3, day, 8, 0, tzinfo=ICT)))
    model = CaseTableModel(post.ctx, post.officer, page_size=2)
    qtbot.waitUntil(lambda: model.total == 5, timeout=5000)
    with qtbot.waitSignal(model.count_changed, timeout=5000) as signal:
        model.set_filter(CaseFilter(start=date(2026, 3, 2)))
    assert signal.args == [4] and model.rowCount() == 2


def test_count_and_list_agree_in_the_status_bar(qtbot: QtBot, post: Post, three: dict[str, str]) -> None:
    window = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(CASES_TAB)
    assert window.count_label.text() == "3 vụ việc"
    window.filter_bar.group.set_code("trade_fraud")
    assert window.count_label.text() == "1 vụ việc"


def _bulk_cases(post: Post, count: int) -> None:
    """``count`` plain cases written straight into the register file (fast, for list tests only)."""
    conn = open_sqlite(post.ctx.paths.register)
    station = conn.execute("SELECT id FROM stations").fetchone()[0]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    now = utc_text(start)
    rows = [
        (
            str(uuid.UUID(int=i + 1)),
            station,
            f"BP-VX/BULK/{i:06d}",
            2020,
            i + 1,
            "approved",
            utc_text(start + timedelta(minutes=7 * i)),
            420,
            f"Địa điểm {i % 97}",
            "prohibited_smuggled",
            "",
            0,
            "border_guard",
            "[]",
            "",
            "admin",
            now,
            "admin",
            now,
            1,
            0,
        )
        for i in range(count)
    ]
    conn.executemany(
        "INSERT INTO cases (id, origin, number, year, seq, status, occurred_at, utc_offset_min, place, "
        "violation_group, violation, ownerless, lead_force, cooperating_forces, summary, created_by, "
        "created_at, updated_by, updated_at, version, change_seq) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()


@pytest.mark.slow
def test_scrolling_a_200_000_case_register_to_the_end_loads_page_by_page(qtbot: QtBot, post: Post) -> None:
    total = 200_000
    _bulk_cases(post, total)
    model = CaseTableModel(post.ctx, post.officer)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(800, 600)
    view.show()
    qtbot.waitUntil(lambda: model.total == total, timeout=30_000)
    counts = [model.rowCount()]
    while model.canFetchMore(QModelIndex()):
        view.scrollToBottom()  # the view asks the model for more when it reaches the end
        qtbot.wait(0)
        assert model.rowCount() > counts[-1], "scrolling to the end must load the next page"
        counts.append(model.rowCount())
    assert counts[0] == PAGE_SIZE
    assert all(b - a == PAGE_SIZE for a, b in zip(counts, counts[1:], strict=False))
    assert counts[-1] == total == len({model.case_at(r).id for r in range(total)})
    times = [model.case_at(r).occurred_at for r in (0, 1, total // 2, total - 1)]
    assert times == sorted(times, reverse=True)  # newest first all the way down
    assert model.case_at(total - 1).number == "BP-VX/BULK/000000"


def test_sorted_and_filtered_lists_pass_the_model_tester(
    qtmodeltester: ModelTester, post: Post, three: dict[str, str]
) -> None:
    # One model per state: Qt's tester reads the model while a reset is still being announced.
    plain = CaseTableModel(post.ctx, post.officer, page_size=1)
    qtmodeltester.check(plain)
    by_place = CaseTableModel(post.ctx, post.officer, page_size=1)
    by_place.sort(2, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(by_place)
    searched = CaseTableModel(post.ctx, post.officer, CaseFilter(query="ben do"), page_size=1)
    qtmodeltester.check(searched)
    assert [searched.case_at(0).number] == [three["new"]] and replace(searched.case_filter, query="").is_empty


def test_the_old_total_is_gone_before_the_new_list_is_announced(qtbot: QtBot, post: Post) -> None:
    for day in range(1, 6):
        post.ctx.cases.create(post.officer, sample_case(occurred_at=datetime(2026, 3, day, 8, 0, tzinfo=ICT)))
    model = CaseTableModel(post.ctx, post.officer, page_size=2)
    qtbot.waitUntil(lambda: model.total == 5, timeout=5000)
    seen: list[int | None] = []
    model.modelReset.connect(lambda: seen.append(model.total))
    with qtbot.waitSignal(model.count_changed, timeout=5000):
        model.set_filter(CaseFilter(start=date(2026, 3, 2)))
    assert seen == [None] and model.total == 4


def test_a_count_that_fails_says_so_in_the_status_bar(
    qtbot: QtBot, post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.errors import AppError

    for day in range(1, 4):
        post.ctx.cases.create(post.officer, sample_case(occurred_at=datetime(2026, 3, day, 8, 0, tzinfo=ICT)))

    def locked(*args: object, **kwargs: object) -> int:
        raise AppError("the register is locked by another program")

    monkeypatch.setattr(post.ctx.cases, "count", locked)
    monkeypatch.setattr(CaseTableModel.__init__, "__defaults__", (None, 2))  # pages of 2: the count is asked
    window = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.model.count_failed, timeout=5000):
        window.model.reload()
    failed = "Không đếm được số vụ việc: the register is locked by another program"
    assert window.count_label.text() == failed
    # Rows loaded after the failure (the view asks for more as it scrolls, which updates the status
    # bar) do not hide why there is no count.
    window._update_count()
    assert window.count_label.text() == failed


def test_a_preset_period_follows_the_calendar_when_the_bar_is_shown_again(qtbot: QtBot, post: Post) -> None:
    post.ctx.clock = lambda: datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    bar = FilterBar(post.ctx, post.officer)
    qtbot.addWidget(bar)
    bar.period.setCurrentIndex(bar.period.findData("this_week"))
    assert bar.current_filter().start == date(2026, 11, 18)
    post.ctx.clock = lambda: datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # the app stayed open into next week
    with qtbot.waitSignal(bar.filter_changed) as signal:
        bar.show()
    assert signal.args[0].start == date(2026, 11, 25)
