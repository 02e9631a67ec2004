"""*File → Tip-offs…*: the post's tip-offs with filters (status, assigned to me), the selected one's
detail and history beside them, and *New tip-off…* (``ui.tip_dialog``).

A post holds tens to hundreds of tips, not the case list's hundreds of thousands: one query of the
newest 500 fills a small table model, instead of the case list's keyset paging (STYLE.md §6)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QItemSelection, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.auth import can
from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.i18n import N_, _
from app.tips import STATUSES, TipView, status_label
from ui.errors import show_error
from ui.tip_dialog import TipDialog
from ui.tips_detail import TipDetail

LIMIT = 500
COLUMNS = (N_("Received"), N_("Status"), N_("Assigned to"), N_("What the tip says"), N_("Case"))


class TipTableModel(QAbstractTableModel):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.tips: list[TipView] = []

    def set_tips(self, tips: list[TipView]) -> None:
        self.beginResetModel()
        self.tips = tips
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.tips)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        tip = self.tips[index.row()]
        column = index.column()
        if column == 0:
            return f"{self._ctx.local(tip.received_at):%d/%m/%Y %H:%M}"
        if column == 1:
            return status_label(tip.status)
        if column == 2:
            return tip.assigned_to or ""
        if column == 3:
            return " ".join(tip.content.split())[:120]
        return tip.case_number or ""


class TipsDialog(QDialog):
    """``changed`` says a tip was recorded or changed (the main window passes it on as ``Changes``)."""

    changed = Signal()

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Tip-offs"))
        self.resize(1000, 620)
        self.status_filter = QComboBox()
        self.status_filter.addItem(_("every status"), "")
        for status in STATUSES:
            self.status_filter.addItem(status_label(status), status)
        self.mine = QCheckBox(_("Assigned to &me"))
        self.new_button = QPushButton(_("&New tip-off…"))
        self.new_button.setVisible(can(self._actor, "tip.create") and self._ctx.kind == "post")
        self.count = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Status")))
        bar.addWidget(self.status_filter)
        bar.addWidget(self.mine)
        bar.addStretch(1)
        bar.addWidget(self.count)
        bar.addWidget(self.new_button)
        self.model = TipTableModel(self._ctx, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.detail = TipDetail(self._ctx, self._actor)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([560, 440])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

    def _connect_signals(self) -> None:
        self.status_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.mine.toggled.connect(self._on_filter_changed)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.detail.changed.connect(self._on_detail_changed)

    def _load(self, select: str | None = None) -> None:
        try:
            tips = self._ctx.tips.find(
                self._actor,
                status=str(self.status_filter.currentData() or "") or None,
                assigned_to=self._actor.username if self.mine.isChecked() else None,
                limit=LIMIT,
            )
        except AppError as exc:
            show_error(self, exc.message)
            tips = []
        self.model.set_tips(tips)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.count.setText(_("{count} tip-offs").format(count=len(tips)))
        rows = [i for i, tip in enumerate(tips) if tip.id == select]
        if rows:
            self.table.selectRow(rows[0])
        else:
            self.detail.show_tip(None)

    def _on_filter_changed(self, *_args: object) -> None:
        self._load(self.detail.tip.id if self.detail.tip else None)

    def _on_new_button_clicked(self) -> None:
        dialog = TipDialog(self._ctx, self._actor, self)
        if dialog.exec() and dialog.tip is not None:
            self.changed.emit()
            self._load(dialog.tip.id)

    def _on_table_selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        self.detail.show_tip(self.model.tips[rows[0].row()] if rows else None)

    def _on_detail_changed(self, tip: TipView) -> None:
        self.changed.emit()
        self._load(tip.id)

    def select_tip(self, tip_id: str) -> None:
        self._load(tip_id)
