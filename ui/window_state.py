"""Window size and position, splitters and column widths, remembered between sessions.

Kept in ``<data dir>/window.ini`` through QSettings (the one thing STYLE.md lets QSettings hold):
beside the register rather than in the user's registry, so a portable install carries it and two
registers on one computer each open as they were left. A column layout saved by another version with
other columns is ignored (its ``columns`` key differs), never applied to the wrong columns.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter

STATE_FILE = "window.ini"


class WindowState:
    def __init__(self, data_dir: Path) -> None:
        self.settings = QSettings(str(data_dir / STATE_FILE), QSettings.Format.IniFormat)

    def save_window(self, name: str, window: QMainWindow) -> None:
        self.settings.setValue(f"{name}/geometry", window.saveGeometry())
        self.settings.setValue(f"{name}/state", window.saveState())

    def restore_window(self, name: str, window: QMainWindow) -> bool:
        geometry = self.settings.value(f"{name}/geometry")
        if not isinstance(geometry, QByteArray) or not window.restoreGeometry(geometry):
            return False
        state = self.settings.value(f"{name}/state")
        if isinstance(state, QByteArray):
            window.restoreState(state)
        return True

    def save_splitter(self, name: str, splitter: QSplitter) -> None:
        self.settings.setValue(f"{name}/splitter", splitter.saveState())

    def restore_splitter(self, name: str, splitter: QSplitter) -> bool:
        state = self.settings.value(f"{name}/splitter")
        return isinstance(state, QByteArray) and splitter.restoreState(state)

    def save_header(self, name: str, header: QHeaderView, columns: str) -> None:
        """``columns`` names the columns the layout is for (their ids joined)."""
        self.settings.setValue(f"{name}/columns", columns)
        self.settings.setValue(f"{name}/header", header.saveState())

    def restore_header(self, name: str, header: QHeaderView, columns: str) -> bool:
        state = self.settings.value(f"{name}/header")
        if self.settings.value(f"{name}/columns") != columns or not isinstance(state, QByteArray):
            return False
        return header.restoreState(state)

    def sync(self) -> None:
        self.settings.sync()
