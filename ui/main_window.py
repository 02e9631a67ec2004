"""The main window: the case list with search. (The case editor, reports and sync come later.)"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.domain import Actor
from ui.case_model import COLUMNS, CaseTableModel

SEARCH_DELAY_MS = 250  # search after a pause in typing, not on every key


class MainWindow(QMainWindow):
    def __init__(self, ctx: Context, actor: Actor) -> None:
        super().__init__()
        self._ctx = ctx
        self._actor = actor
        self.model = CaseTableModel(ctx, actor)
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(f"Outpost — {self._ctx.station_code}")
        self.resize(1200, 720)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Tìm vụ việc, người, biển số, hàng hóa (gõ không dấu cũng được)…")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        # Fixed row heights: the view never measures rows, so scrolling stays fast on long lists.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        char = self.fontMetrics().averageCharWidth()
        for section, column in enumerate(COLUMNS):
            header.resizeSection(section, column.width * char)
            if column.stretch:
                header.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        self.setCentralWidget(central)
        role = self._ctx.reference.label("roles", self._actor.role)
        self.user_label = QLabel(f"{self._actor.full_name} — {role}")
        self.count_label = QLabel()
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.count_label)
        file_menu = self.menuBar().addMenu("&Tệp")
        self.quit_action = QAction("&Thoát", self)
        # Spelled out: Windows has no standard Quit shortcut, so StandardKey.Quit would be empty there.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        file_menu.addAction(self.quit_action)

    def _connect_signals(self) -> None:
        self.quit_action.triggered.connect(self._on_quit_action_triggered)
        self.search.textChanged.connect(self._on_search_text_changed)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.model.modelReset.connect(self._on_model_rows_changed)
        self.model.rowsInserted.connect(self._on_model_rows_changed)

    def _load(self) -> None:
        self._on_model_rows_changed()
        self.search.setFocus()

    def _on_quit_action_triggered(self) -> None:
        self.close()

    def _on_search_text_changed(self) -> None:
        self._search_timer.start()  # restarts: only the text after the last key press is searched

    def _on_search_timer_timeout(self) -> None:
        self.model.set_query(self.search.text())

    def _on_model_rows_changed(self) -> None:
        shown = self.model.rowCount()
        more = "+" if self.model.canFetchMore() else ""
        self.count_label.setText(f"{shown}{more} vụ việc")
