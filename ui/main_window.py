"""The main window: the case list with search. (The full case editor and dashboard come later.)"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QMainWindow, QTableView, QVBoxLayout, QWidget

from app.context import Context
from app.domain import Actor
from ui.case_model import CaseTableModel

SEARCH_DELAY_MS = 250


class MainWindow(QMainWindow):
    def __init__(self, ctx: Context, actor: Actor) -> None:
        super().__init__()
        self._ctx = ctx
        self._actor = actor
        self.model = CaseTableModel(ctx, actor)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(f"Outpost — {self._ctx.station_code}")
        self.resize(1100, 700)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Tìm vụ việc, người, biển số, hàng hóa (không cần dấu)…")
        self.search.setClearButtonEnabled(True)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        self.setCentralWidget(central)
        role = self._ctx.reference.label("roles", self._actor.role)
        self.user_label = QLabel(f"{self._actor.full_name} — {role}")
        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.count_label)
        self.statusBar().addWidget(self.user_label)
        file_menu = self.menuBar().addMenu("&Tệp")
        self.quit_action = QAction("&Thoát", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        file_menu.addAction(self.quit_action)
        self.search.setFocus()

    def _connect_signals(self) -> None:
        self.quit_action.triggered.connect(self.close)
        self.search.textChanged.connect(self._search_timer.start)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)

    def _load(self) -> None:
        self.table.resizeColumnsToContents()
        self._update_count()

    def _on_search_timer_timeout(self) -> None:
        self.model.set_query(self.search.text())

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        more = "+" if self.model.canFetchMore() else ""
        self.count_label.setText(f"{shown}{more} vụ việc")
