"""The home tab: this week's and this month's figures, the approval queue, cases over a threshold,
the month's reward goals and the weekly report reminder, and the charts of the last 12 months
(``ui/charts.py``; at HQ also per post). Computed on a reader thread."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.chart_data import ChartData, build_chart_data
from app.chart_data import Progress as ChartProgress
from app.context import Context
from app.coverage import lines as coverage_lines
from app.coverage import summary_line
from app.dashboard import Dashboard, build_dashboard
from app.domain import Actor
from app.formatting import format_date, format_datetime, format_decimal, format_int, format_money
from app.i18n import _
from app.periods import Period
from app.progress import CancelToken, Progress
from ui.charts import PostsChart, ProgressChart, SeizedChart, WeeklyCasesChart
from ui.colours import banner_style
from ui.deadline_reminders import DeadlineReminders
from ui.errors import report_unexpected, show_error
from ui.jobs import Job, reader_pool
from ui.list_model import ListTableModel


def _span(period: Period) -> str:
    return f"{period.start:%d/%m}–{format_date(period.end)}"


def _table(model: ListTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return view


class DashboardWidget(QWidget):
    case_activated = Signal(str)  # a case id to open
    queue_requested = Signal()  # show the approval queue
    refreshed = Signal()  # the figures on screen are up to date

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._jobs: set[Job] = set()
        self._generation = 0  # only the newest refresh is shown, whichever finishes first
        self.dashboard: Dashboard | None = None
        self.charts: ChartData | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.reminder = QLabel()
        self.reminder.setWordWrap(True)
        self.reminder.setStyleSheet(banner_style(self))
        self.reminder.hide()
        self.deadlines = DeadlineReminders(self._ctx)  # every reporting deadline, with the days left
        self.week_figure = QLabel()
        self.month_figure = QLabel()
        self.drafts_figure = QLabel()
        self.queue_button = QPushButton()
        self.queue_button.setToolTip(_("Open the approval queue"))
        # At HQ: the posts' cases not approved yet, apart from HQ's own (their chiefs approve them).
        self.posts_figure = QLabel()
        self.posts_figure.setVisible(self._ctx.kind == "hq")
        self.posts_figure.setToolTip(_("Cases from the posts that their chiefs have not approved yet"))
        figures = QHBoxLayout()
        for widget in (self.week_figure, self.month_figure, self.drafts_figure):
            widget.setStyleSheet("font-size: 13pt; padding-right: 24px;")
            figures.addWidget(widget)
        figures.addWidget(self.queue_button)
        self.posts_figure.setStyleSheet("font-size: 13pt; padding-left: 24px;")
        figures.addWidget(self.posts_figure)
        figures.addStretch(1)
        # No area left out (app/coverage.py): the month's communes and border markers nobody reached.
        self.coverage_label = QLabel()
        self.coverage_label.setWordWrap(True)
        self.coverage_label.setToolTip(
            _("Communes and border markers with no patrol, checkpoint or inspection this month")
        )

        self.groups_model = ListTableModel(
            [_("Violation group"), _("This week"), _("This month")], numeric=(1, 2)
        )
        self.goods_model = ListTableModel(
            [_("Commodity"), _("This week"), _("This month"), _("Quantity this month")], numeric=(1, 2, 3)
        )
        self.alerts_model = ListTableModel(
            [_("Case no."), _("Time"), _("Threshold"), _("Commodity"), _("Amount"), _("Rule")], numeric=(4,)
        )
        self.goals_model = ListTableModel(
            [_("Monthly reward rule"), _("This month"), _("Needed")], numeric=(1, 2)
        )
        self.groups_view = _table(self.groups_model)
        self.goods_view = _table(self.goods_model)
        self.alerts_view = _table(self.alerts_model)
        self.alerts_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.alerts_view.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.goals_view = _table(self.goals_model)
        rows = self.goals_view.verticalHeader().defaultSectionSize()
        self.goals_view.setMaximumHeight(rows * 4 + self.goals_view.horizontalHeader().sizeHint().height())

        self._build_charts()
        grid = QGridLayout()
        self.groups_box = self._box(_("Cases by violation group"), self.groups_view)
        self.goods_box = self._box(_("Cases by commodity"), self.goods_view)
        self.alerts_box = self._box(
            _("This month's cases over the criminal or a reward threshold (double-click to open)"),
            self.alerts_view,
        )
        self.goals_box = self._box(_("Monthly reward rules"), self.goals_view)
        grid.addWidget(self.groups_box, 0, 0)
        grid.addWidget(self.goods_box, 0, 1)
        grid.addWidget(self.charts_tabs, 1, 0, 1, 2)
        grid.addWidget(self.alerts_box, 2, 0, 1, 2)
        grid.addWidget(self.goals_box, 3, 0, 1, 2)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(2, 2)
        # Scrolled rather than squeezed: with the charts, a small laptop screen cannot hold it all.
        inner = QWidget()
        column = QVBoxLayout(inner)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        column.addWidget(self.title)
        column.addWidget(self.reminder)
        column.addWidget(self.deadlines)
        column.addLayout(figures)
        column.addWidget(self.coverage_label)
        column.addLayout(grid, 1)

    def _build_charts(self) -> None:
        """One tab per chart, so each gets the dashboard's width (52 weeks need it)."""
        ref = self._ctx.reference
        self.weekly_chart = WeeklyCasesChart(ref)
        self.seized_chart = SeizedChart(ref)
        self.commodity_box = QComboBox()
        self.commodity_box.setAccessibleName(_("Commodity"))
        self.commodity_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.rewards_chart = ProgressChart()
        seized = QWidget()
        seized_layout = QVBoxLayout(seized)
        seized_layout.setContentsMargins(0, 0, 0, 0)
        picker = QHBoxLayout()
        picker.addWidget(QLabel(_("Commodity:")))
        picker.addWidget(self.commodity_box)
        picker.addStretch(1)
        seized_layout.addLayout(picker)
        seized_layout.addWidget(self.seized_chart, 1)
        self.charts_tabs = QTabWidget()
        self.charts_tabs.addTab(self.weekly_chart, _("Cases per week (12 months)"))
        self.charts_tabs.addTab(seized, _("Seized per month, against last year"))
        self.charts_tabs.addTab(self.rewards_chart, _("Reward thresholds this month"))
        self.posts_chart = PostsChart(ref)
        self.posts_rewards_chart = ProgressChart()
        if self._ctx.kind == "hq":
            posts = QWidget()
            posts_layout = QVBoxLayout(posts)
            posts_layout.setContentsMargins(0, 0, 0, 0)
            posts_layout.addWidget(self.posts_chart, 1)
            self.charts_tabs.addTab(posts, _("Cases per post (12 months)"))
            self.charts_tabs.addTab(self.posts_rewards_chart, _("Monthly reward rules per post"))

    @staticmethod
    def _box(title: str, view: QTableView) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.addWidget(view)
        return box

    def _connect_signals(self) -> None:
        self.queue_button.clicked.connect(self.queue_requested)
        self.alerts_view.activated.connect(self._on_alerts_view_activated)
        self.commodity_box.currentIndexChanged.connect(self._on_commodity_box_changed)

    # ----- loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Compute the figures again on a reader thread; ``refreshed`` follows."""
        self.deadlines.refresh()
        self._generation += 1
        generation, ctx, actor = self._generation, self._ctx, self._actor

        def work(progress: Progress, cancel: CancelToken) -> tuple[Dashboard, ChartData]:
            board = build_dashboard(ctx, actor)
            return board, build_chart_data(ctx, actor, board.today)

        job = Job(work)
        self._jobs.add(job)
        job.signals.finished.connect(lambda board, job=job: self._on_job_done(job, generation, board))
        job.signals.failed.connect(lambda message, job=job: self._on_job_failed(job, generation, message))
        job.signals.crashed.connect(lambda exc, job=job: self._on_job_crashed(job, exc))
        job.start(reader_pool())

    def _on_job_done(self, job: Job, generation: int, result: tuple[Dashboard, ChartData]) -> None:
        self._jobs.discard(job)
        if generation == self._generation:  # an older result never replaces a newer one
            self.show_dashboard(result[0])
            self.show_charts(result[1])
            self.refreshed.emit()

    def _on_job_failed(self, job: Job, generation: int, message: str) -> None:
        self._jobs.discard(job)
        if generation == self._generation:
            show_error(self, message)

    def _on_job_crashed(self, job: Job, error: BaseException) -> None:
        self._jobs.discard(job)
        report_unexpected(type(error), error, error.__traceback__)

    def show_dashboard(self, board: Dashboard) -> None:
        ref = self._ctx.reference
        self.dashboard = board
        self.title.setText(
            _("Week {week} · month {month}").format(week=_span(board.week), month=_span(board.month))
        )
        if board.weekly_due is not None and board.weekly_window is not None:
            self.reminder.setText(
                _("The weekly report for {window} is due on Wednesday {due}.").format(
                    window=_span(board.weekly_window), due=format_date(board.weekly_due)
                )
            )
        self.reminder.setVisible(board.weekly_due is not None)
        self.week_figure.setText(_("This week: {count}").format(count=format_int(board.week_total)))
        self.month_figure.setText(_("This month: {count}").format(count=format_int(board.month_total)))
        if self._ctx.kind == "hq":
            self.drafts_figure.setText(_("HQ's drafts: {count}").format(count=format_int(board.drafts)))
            self.queue_button.setText(
                _("HQ's cases awaiting approval: {count}").format(count=format_int(board.awaiting))
            )
            self.posts_figure.setText(
                _("Posts: {drafts} drafts, {awaiting} awaiting their chief").format(
                    drafts=format_int(board.posts_drafts), awaiting=format_int(board.posts_awaiting)
                )
            )
        else:
            self.drafts_figure.setText(_("Drafts: {count}").format(count=format_int(board.drafts)))
            self.queue_button.setText(
                _("Awaiting approval: {count}").format(count=format_int(board.awaiting))
            )
        left = [item for item in board.coverage if not item.complete]
        self.coverage_label.setStyleSheet(banner_style(self) if left else "")
        self.coverage_label.setText(
            "\n".join(
                [summary_line(item) for item in left]  # HQ: a line per post, the CLI tells the rest
                if self._ctx.kind == "hq"
                else [line for item in left for line in coverage_lines(item, ref)]
            )
            if left
            else _("Every commune and border marker was reached this month.")
        )
        self.coverage_label.setVisible(bool(board.coverage))
        self.groups_model.set_rows(
            [
                (ref.label("violation_groups", t.code), format_int(t.week), format_int(t.month))
                for t in board.by_group
            ]
        )
        self.goods_model.set_rows(
            [
                (
                    ref.label("commodities", t.code),
                    format_int(t.week),
                    format_int(t.month),
                    "; ".join(
                        f"{format_decimal(amount)} {unit}"
                        for amount, unit in (
                            *([(t.month_quantity, t.unit)] if t.month_quantity is not None else []),
                            *t.other_quantities,
                        )
                    ),
                )
                for t in board.by_commodity
            ]
        )
        kinds = {"criminal": _("Criminal (hand over)"), "reward": _("Reward")}
        self.alerts_model.set_rows(
            [
                (
                    a.number,
                    format_datetime(a.occurred_at),
                    kinds[a.kind],
                    ref.label("commodities", a.commodity) if a.commodity else "",
                    _amount(a.amount, a.unit),
                    a.rule
                    or _("from {threshold} {unit}").format(
                        threshold=format_decimal(a.threshold), unit=a.unit
                    ),
                )
                for a in board.alerts
            ],
            [a.case_id for a in board.alerts],
        )
        self.goals_model.set_rows(
            [
                (g.rule, f"{format_decimal(g.total)} {g.unit}", f"{format_decimal(g.threshold)} {g.unit}")
                for g in board.goals
            ]
        )

    def show_charts(self, data: ChartData) -> None:
        ref = self._ctx.reference
        self.charts = data
        self.weekly_chart.set_data(data)
        chosen = self.commodity_box.currentData()
        self.commodity_box.blockSignals(True)  # refilled: the chart is set once, below
        self.commodity_box.clear()
        for series in data.seized:
            self.commodity_box.addItem(ref.label("commodities", series.commodity), series.commodity)
        codes = [s.commodity for s in data.seized]
        if chosen in codes:
            self.commodity_box.setCurrentIndex(codes.index(chosen))
        self.commodity_box.blockSignals(False)
        self.seized_chart.set_data(data, self.commodity_box.currentData())
        # A monthly rule is met by one post's month: at HQ it is shown per post, never summed.
        at_hq = bool(data.posts)
        self.rewards_chart.set_rows(
            [(_rule_caption(p), p) for p in data.rewards if not (at_hq and p.kind == "monthly")]
        )
        self.posts_chart.set_data(data)
        self.posts_rewards_chart.set_rows(
            [
                (f"{post.code}: {_rule_caption(p)}", p)
                for post in data.posts
                for p in post.rewards
                if p.kind == "monthly"
            ]
        )

    def _on_commodity_box_changed(self, _index: int) -> None:
        if self.charts is not None:
            self.seized_chart.set_data(self.charts, self.commodity_box.currentData())

    def wait(self) -> None:
        """Block until computations in flight are done (for shutting down and for tests)."""
        reader_pool().waitForDone()

    def _on_alerts_view_activated(self, index: QModelIndex) -> None:
        case_id = self.alerts_model.key(index.row())
        if case_id is not None:
            self.case_activated.emit(case_id)


def _rule_caption(progress: ChartProgress) -> str:
    kind = _("month's total") if progress.kind == "monthly" else _("largest case this month")
    return f"{progress.text} ({kind})"


def _amount(amount: Decimal, unit: str) -> str:
    if unit == "đồng":
        return f"{format_money(int(amount))} đồng"
    return f"{format_decimal(amount)} {unit}"
