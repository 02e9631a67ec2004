"""Moves a tip-off on: the next status, and what came of it (needed when it is acted on or closed).

Only the statuses after the current one are offered, as the service allows (``app.tips.STATUSES``)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.tips import NEEDS_RESULT, STATUSES, TipView, status_label


class TipStatusDialog(QDialog):
    """OK stays disabled while a status that needs a result has none; ``status()`` and ``result()``."""

    def __init__(self, tip: TipView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tip = tip
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Move the tip-off on"))
        self.setMinimumWidth(440)
        self.status_box = QComboBox()
        self.result_edit = QPlainTextEdit()
        self.result_edit.setTabChangesFocus(True)
        self.result_edit.setPlaceholderText(_("What came of it: seized goods, people, the case opened…"))
        form = QFormLayout()
        form.addRow(_("New status"), self.status_box)
        form.addRow(_("Result"), self.result_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.status_box.currentIndexChanged.connect(self._on_changed)
        self.result_edit.textChanged.connect(self._on_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        for status in STATUSES[STATUSES.index(self._tip.status) + 1:]:
            self.status_box.addItem(status_label(status), status)
        self.result_edit.setPlainText(self._tip.result)
        self._on_changed()

    def _on_changed(self) -> None:
        wanted = self.status()
        self.ok_button.setEnabled(bool(wanted) and (wanted not in NEEDS_RESULT or bool(self.result_text())))

    def status(self) -> str:
        return str(self.status_box.currentData() or "")

    def result_text(self) -> str:
        return self.result_edit.toPlainText().strip()
