"""Records a tip-off (tin báo): when and how it came in, what it says, and its informant, sealed on saving.

The informant is sealed by the core (``app.tips``) to keys it checks first (``app.tip_keys``); when
they were changed outside Outpost the saving is refused and the dialog stays open with what was
typed, so nothing is lost and nothing is sealed to a stranger's key."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.i18n import _
from app.tips import TipView
from ui.editor.pages import DateTimeField
from ui.errors import show_error


class TipDialog(QDialog):
    """Save stays disabled until the tip says something; ``saved`` carries the stored tip."""

    saved = Signal(object)  # TipView

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.tip: TipView | None = None
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("New tip-off"))
        self.setMinimumWidth(520)
        self.received = DateTimeField(self._ctx.zone)
        self.channel = QLineEdit()
        self.channel.setMaxLength(40)
        self.channel.setPlaceholderText(_("phone, in person, letter…"))
        self.content = QPlainTextEdit()
        self.content.setTabChangesFocus(True)
        self.informant = QLineEdit()
        note = QLabel(
            _("The informant is sealed as soon as it is saved: only a chief or an admin can read it, with "
              "their password.")
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Received at"), self.received)
        form.addRow(_("Channel"), self.channel)
        form.addRow(_("What the tip says"), self.content)
        form.addRow(_("Informant"), self.informant)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.content.textChanged.connect(self._on_content_text_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        self.received.set_value(self._ctx.local(self._ctx.clock()))
        self._on_content_text_changed()

    def _on_content_text_changed(self) -> None:
        self.save_button.setEnabled(bool(self.content.toPlainText().strip()))

    def _on_buttons_accepted(self) -> None:
        try:
            tip = self._ctx.tips.add(
                self._actor,
                received_at=self.received.value() or self._ctx.clock(),
                channel=self.channel.text(),
                content=self.content.toPlainText(),
                informant=self.informant.text() or None,
            )
        except AppError as exc:
            show_error(self, exc.message, _("The tip-off was not saved"))
            return
        self.tip = tip
        self.saved.emit(tip)
        self.accept()
