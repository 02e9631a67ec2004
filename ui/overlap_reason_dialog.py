"""The question an inspection editor asks when the establishment was inspected within the window.

Issue 19 item 3: the warning names who inspected it and when (``app.inspections.warning_message``),
and the inspection is saved only with a reason, kept on the activity (``overlap_reason``). The
service refuses the save without one (``DuplicateInspection``), so this dialog only asks; an empty
reason is refused here, with a message, before the service is called again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.activity_json import MAX_OVERLAP_REASON
from app.i18n import _
from ui.colours import warning_style
from ui.editor.fields import ErrorLabel


class OverlapReasonDialog(QDialog):
    """Accepted only with a reason in words; ``reason()`` gives it, trimmed."""

    def __init__(self, warning: str, reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._warning = warning
        self._build_ui()
        self._connect_signals()
        self._load(reason)

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Inspected recently"))
        self.setMinimumWidth(520)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(warning_style(self))
        self.reason_text = QPlainTextEdit()
        self.reason_text.setTabChangesFocus(True)  # Tab reaches the buttons
        self.reason_text.setPlaceholderText(
            _("e.g. a tip-off about new stock; a follow-up of the earlier inspection's findings")
        )
        self.reason_text.setMaximumHeight(self.fontMetrics().height() * 6)
        label = QLabel(_("&Reason for inspecting it again (required to save):"))
        label.setBuddy(self.reason_text)
        self.errors = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(_("&Save with this reason"))
        hint = QLabel(_("Ctrl+Enter saves; Esc goes back to the inspection."))
        hint.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addWidget(label)
        layout.addWidget(self.reason_text)
        layout.addWidget(self.errors)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        # Ctrl+Enter in the text saves (Enter alone starts a new line there): watched on the text box
        # itself, so that it works whichever window the system thinks is active.
        self.reason_text.installEventFilter(self)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.reason_text.textChanged.connect(self._on_reason_text_text_changed)

    def _load(self, reason: str) -> None:
        self.warning.setText(self._warning)
        self.reason_text.setPlainText(reason)
        self.reason_text.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.reason_text
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self._on_buttons_accepted()
            return True
        return super().eventFilter(watched, event)

    def reason(self) -> str:
        return self.reason_text.toPlainText().strip()

    def _on_reason_text_text_changed(self) -> None:
        """A refusal shown for an empty reason goes once something is typed."""
        if self.reason():
            self.errors.set_message(None)

    def _on_buttons_accepted(self) -> None:
        text = self.reason()
        if not text:
            self.errors.set_message(
                _("Give the reason for inspecting it again, or press Cancel and change the inspection.")
            )
            self.reason_text.setFocus()
            return
        if len(text) > MAX_OVERLAP_REASON:
            self.errors.set_message(
                _("The reason is {length} characters long; keep it to {limit}.").format(
                    length=len(text), limit=MAX_OVERLAP_REASON
                )
            )
            self.reason_text.setFocus()
            return
        self.errors.set_message(None)
        self.accept()
