"""The home dashboard and the person/vehicle lookup as widgets over a real register."""

from __future__ import annotations

from datetime import UTC, datetime

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import Post
from ui.dashboard import DashboardWidget
from ui.lookup import TYPING_DELAY_MS, LookupDialog
from ui.main_window import QUEUE_TAB, MainWindow


def _column(model: object, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]  # type: ignore[attr-defined]


def test_dashboard_shows_the_week_the_month_the_queue_and_the_thresholds(
    qtbot: QtBot, post: Post, qtmodeltester: ModelTester
) -> None:
    post.ctx.clock = lambda: datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Tuesday: the report is due tomorrow
    made = post.ctx.cases.create(post.officer, sample_case())  # 150 cây = 1.500 bao: criminal threshold
    post.ctx.cases.submit(post.officer, made.id)
    widget = DashboardWidget(post.ctx, post.chief)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.refreshed, timeout=10_000):
        widget.refresh()
    assert widget.title.text() == "Tuần 18/11–24/11/2026 · tháng 15/11–14/12/2026"
    assert widget.reminder.text() == "Báo cáo tuần 18/11–24/11/2026 phải gửi vào thứ Tư 25/11/2026."
    assert widget.reminder.isVisibleTo(widget)
    assert widget.week_figure.text() == "Tuần này: 1 vụ"
    assert widget.queue_button.text() == "Chờ phê duyệt: 1"
    assert _column(widget.groups_model, 0) == ["Buôn bán, vận chuyển trái phép hàng cấm, hàng nhập lậu"]
    goods = dict(zip(_column(widget.goods_model, 0), _column(widget.goods_model, 3), strict=True))
    assert goods[post.ctx.reference.label("commodities", "cigarettes")] == "1.500 bao"
    assert goods[post.ctx.reference.label("commodities", "sugar")] == "2.500 kg"
    assert _column(widget.alerts_model, 0) == [made.number]
    assert _column(widget.alerts_model, 2) == ["Hình sự (chuyển cơ quan điều tra)"]
    assert _column(widget.alerts_model, 5) == ["từ 1.500 bao"]
    assert "20.000 bao" in _column(widget.goals_model, 2)
    for model in (widget.groups_model, widget.goods_model, widget.alerts_model, widget.goals_model):
        qtmodeltester.check(model)
    with qtbot.waitSignal(widget.case_activated) as opened:
        widget.alerts_view.activated.emit(widget.alerts_model.index(0, 0))
    assert opened.args == [made.id]


def test_dashboard_queue_button_opens_the_queue(qtbot: QtBot, post: Post) -> None:
    window = MainWindow(post.ctx, post.chief)
    qtbot.addWidget(window)
    window.dashboard.queue_button.click()
    assert window.tabs.currentIndex() == QUEUE_TAB


def test_lookup_finds_every_case_of_a_person_and_opens_one(
    qtbot: QtBot, post: Post, qtmodeltester: ModelTester
) -> None:
    first = post.ctx.cases.create(
        post.officer, sample_case(occurred_at=datetime(2026, 3, 1, 8, 0, tzinfo=ICT))
    )
    second = post.ctx.cases.create(post.officer, sample_case())
    dialog = LookupDialog(post.ctx, post.officer)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.query, "089 090 001 234")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=TYPING_DELAY_MS * 10)
    assert _column(dialog.model, 4) == [second.number, first.number]
    assert _column(dialog.model, 3) == ["Người vận chuyển"] * 2
    assert dialog.status.text() == "Có trong 2 vụ việc."
    qtmodeltester.check(dialog.model)
    dialog.query.setText("67H1-204.13")
    dialog.run()
    assert _column(dialog.model, 0) == ["67H1-204.13"] * 2 and _column(dialog.model, 3) == ["Xe mô tô"] * 2
    with qtbot.waitSignal(dialog.case_activated) as opened:
        dialog.table.activated.emit(dialog.model.index(1, 0))
    assert opened.args == [first.id]
    assert _column(dialog.model, 2) == ["", ""]
    # Once HQ's watch list names the motorbike, every line of it says so.
    from db import models as m

    with post.ctx.sessions.writes.begin() as session:
        session.add(m.WatchEntry(kind="vehicle", key="67H120413", label="67H1-204.13", stations=3, cases=7,
                                 last_seen=None, received_at=datetime(2026, 11, 23, tzinfo=ICT)))
    dialog.run()
    assert _column(dialog.model, 2) == ["3 đồn, 7 vụ"] * 2


def test_lookup_opens_from_the_main_window_and_opens_the_case(qtbot: QtBot, post: Post) -> None:
    made = post.ctx.cases.create(post.officer, sample_case())
    window = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    window.lookup_action.trigger()
    dialog = window.lookup_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.query.setText("nguyen van an")
    dialog.run()
    dialog.table.activated.emit(dialog.model.index(0, 0))
    assert list(window.editors) == [made.id]
    window.lookup_action.trigger()
    assert window.lookup_dialog is dialog  # one lookup window, brought forward again


def test_only_the_newest_refresh_is_shown(qtbot: QtBot, post: Post) -> None:
    post.ctx.clock = lambda: datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    widget = DashboardWidget(post.ctx, post.chief)
    qtbot.addWidget(widget)
    shown: list[int] = []
    widget.refreshed.connect(lambda: shown.append(widget.dashboard.week_total if widget.dashboard else -1))
    widget.refresh()
    post.ctx.cases.create(post.officer, sample_case())
    widget.refresh()
    widget.wait()
    qtbot.waitUntil(lambda: not widget._jobs, timeout=5000)
    assert shown == [1]  # the first refresh's figures (0 cases) never replace the second's
