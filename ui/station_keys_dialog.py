"""A post's station keys: enrol with HQ, replace this laptop, rotate the key — each a request written to
a USB stick, its fingerprint shown large to read out by phone, and later HQ's reply installed.

One dialog with both halves rather than a wizard: the request goes to HQ by hand and the reply comes back
days later, so the chief opens the dialog twice; the second time only the install is needed. The
services are the CLI's ``outpost enroll`` (``app.sync.key_requests``); the steps are in
docs/operations.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.domain import Actor
from app.i18n import _
from app.sync import key_requests
from app.sync.enrol import Enrolment
from app.sync.key_requests import ENROL, REKEY, ROTATE, KeyState
from app.sync.rekey import Rekey
from ui.jobs import Outcome, ProgressRunner
from ui.sync_dialogs import Destination


def fingerprint_label() -> QLabel:
    """A fingerprint in large monospaced letters: read out by phone, letter by letter."""
    label = QLabel()
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    font.setPointSize(max(22, QFont().pointSize() * 2))
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(_("Fingerprint"))
    return label


def passphrase_fields(state: KeyState) -> tuple[QLineEdit, QLineEdit]:
    """The key passphrase, and its repetition when this computer has no keys yet (the first use sets it,
    as the command line asks it twice)."""
    passphrase, again = QLineEdit(), QLineEdit()
    for field in (passphrase, again):
        field.setEchoMode(QLineEdit.EchoMode.Password)
    passphrase.setPlaceholderText(
        _("the passphrase of this station's keys")
        if state.has_key
        else _("a new passphrase for this station's keys (at least 10 characters)")
    )
    return passphrase, again


def run_step(parent: QWidget, label: str, step: Callable[[], object]) -> Outcome:
    """A step with Argon2 in it (a second or so per key) off the GUI thread, behind a wait cursor and a
    delayed progress dialog; refused steps come back as ``failed`` with their message."""
    runner = ProgressRunner(label, parent, cancellable=False)
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return runner.run(lambda progress, cancel: step())
    finally:
        QApplication.restoreOverrideCursor()


class StationKeysDialog(QDialog):
    """Post: write an enrolment, re-key or rotation request; install HQ's reply."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.written: Path | None = None
        self.installed: Enrolment | Rekey | None = None
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Station keys — {station}").format(station=self._ctx.station_code))
        self.resize(680, 640)  # the drive list gives up its spare height first
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)

        self.enrol_choice = QRadioButton(_("&Enrol this post with HQ"))
        self.rekey_choice = QRadioButton(
            _("Re&place this laptop (after restoring the post's backup onto it)")
        )
        self.rotate_choice = QRadioButton(_("R&otate the station key (this laptop stays)"))
        self.choices = QButtonGroup(self)
        for button in (self.enrol_choice, self.rekey_choice, self.rotate_choice):
            self.choices.addButton(button)
        self.destination = Destination(_("Write the request to:"))
        self.write_button = QPushButton(_("&Write the request"))
        self.request_result = QLabel()
        self.request_result.setWordWrap(True)
        self.fingerprint = fingerprint_label()
        self.fingerprint.setVisible(False)
        request_box = QGroupBox(_("1. A request for HQ"))
        column = QVBoxLayout(request_box)
        for button in (self.enrol_choice, self.rekey_choice, self.rotate_choice):
            column.addWidget(button)
        column.addWidget(self.destination, 1)
        column.addWidget(self.write_button)
        column.addWidget(self.request_result)
        column.addWidget(self.fingerprint)

        self.reply_path = QLineEdit()
        self.reply_path.setPlaceholderText(_("HQ's reply file (.json), from the USB stick"))
        self.choose_button = QPushButton(_("C&hoose…"))
        self.install_button = QPushButton(_("&Install HQ's reply"))
        self.install_result = QLabel()
        self.install_result.setWordWrap(True)
        reply_box = QGroupBox(_("2. HQ's reply"))
        reply_column = QVBoxLayout(reply_box)
        row = QHBoxLayout()
        row.addWidget(self.reply_path, 1)
        row.addWidget(self.choose_button)
        reply_column.addLayout(row)
        reply_column.addWidget(self.install_button)
        reply_column.addWidget(self.install_result)

        state = key_requests.key_state(self._ctx)
        self.passphrase, self.passphrase_again = passphrase_fields(state)
        form = QFormLayout()
        form.addRow(_("Key &passphrase:"), self.passphrase)
        self.again_label = QLabel(_("Repeat the &new passphrase:"))
        self.again_label.setBuddy(self.passphrase_again)
        form.addRow(self.again_label, self.passphrase_again)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addWidget(request_box, 1)
        layout.addWidget(reply_box)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.rejected.connect(self.reject)
        self.choices.buttonToggled.connect(self._update_buttons)
        self.destination.changed.connect(self._update_buttons)
        self.passphrase.textChanged.connect(self._update_buttons)
        self.passphrase_again.textChanged.connect(self._update_buttons)
        self.reply_path.textChanged.connect(self._update_buttons)
        self.write_button.clicked.connect(self.write_request)
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.install_button.clicked.connect(self.install_reply)

    def _load(self) -> None:
        """What the post can ask for follows where its keys stand: enrolment first; re-keying only for
        an enrolled post, replacing on a laptop without the station key, rotating on the one with it."""
        self.state = state = key_requests.key_state(self._ctx)
        if not state.enrolled:
            text = _("This post is not enrolled with HQ yet: write an enrolment request, take it to HQ, "
                     "then install HQ's reply here.")
        elif state.pending:
            text = _("A request of this laptop waits for HQ's reply: install it below.")
        elif not state.has_key:
            text = _("This laptop has no station key (a backup was restored onto it): write a request to "
                     "replace the laptop, take it to HQ, then install HQ's reply here.")
        else:
            text = _("This post is enrolled with HQ {hq}. Its station key: {fingerprint}").format(
                hq=state.hq_code, fingerprint=state.fingerprint
            )
        self.state_label.setText(text)
        self.enrol_choice.setEnabled(not state.enrolled)
        self.rekey_choice.setEnabled(state.enrolled and not state.has_key)
        self.rotate_choice.setEnabled(state.enrolled and state.has_key)
        # The step a post needs is chosen for it; a rotation never is (it is asked for on purpose).
        needed = self.enrol_choice if not state.enrolled else self.rekey_choice if not state.has_key else None
        checked = self.choices.checkedButton()
        if checked is None or not checked.isEnabled():
            self.choices.setExclusive(False)  # an exclusive group cannot be left with none checked
            for choice in (self.enrol_choice, self.rekey_choice, self.rotate_choice):
                choice.setChecked(choice is needed)
            self.choices.setExclusive(True)
        self._update_buttons()

    def _new_keys(self) -> bool:
        """Writing this request makes this computer's first keys: the passphrase is set, so asked twice."""
        chosen = self.choices.checkedButton()
        return not self.state.has_key and chosen in (self.enrol_choice, self.rekey_choice)

    def _update_buttons(self, *_args: object) -> None:
        new = self._new_keys()
        self.again_label.setVisible(new)
        self.passphrase_again.setVisible(new)
        passphrase = bool(self.passphrase.text())
        chosen = self.choices.checkedButton()
        self.write_button.setEnabled(
            chosen is not None and chosen.isEnabled() and self.destination.target() is not None and passphrase
        )
        self.install_button.setEnabled(bool(self.reply_path.text().strip()) and passphrase)

    def choice(self) -> str:
        button = self.choices.checkedButton()
        if button is self.enrol_choice:
            return ENROL
        return REKEY if button is self.rekey_choice else ROTATE

    def write_request(self) -> None:
        folder = self.destination.target()
        if folder is None:
            return
        self.fingerprint.setVisible(False)
        if self._new_keys() and self.passphrase.text() != self.passphrase_again.text():
            self.request_result.setText(_("The two passphrases differ; nothing was written."))
            return
        ctx, actor, passphrase, what = self._ctx, self._actor, self.passphrase.text(), self.choice()
        outcome = run_step(
            self, _("Making the station's keys and writing the request…"),
            lambda: key_requests.write_request(ctx, actor, passphrase, folder, what),
        )
        if outcome.state != "finished":
            self.request_result.setText(_("Refused: {problem}").format(problem=outcome.message))
            return
        written: key_requests.Written = outcome.result
        self.written = written.path
        self.request_result.setText(
            _("Wrote {file}. Take it to HQ, and read this fingerprint out to HQ by phone when asked:").format(
                file=written.path
            )
        )
        self.fingerprint.setText(written.done.station_fingerprint)
        self.fingerprint.setVisible(True)
        self._load()

    def _on_choose_button_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("HQ's reply"), str(self.destination.target() or ""), _("Replies (*.json);;All files (*)")
        )
        if path:
            self.reply_path.setText(path)

    def install_reply(self) -> None:
        path = Path(self.reply_path.text().strip())
        ctx, actor, passphrase = self._ctx, self._actor, self.passphrase.text()
        outcome = run_step(
            self, _("Checking and installing HQ's reply…"),
            lambda: key_requests.install_reply(ctx, actor, passphrase, path),
        )
        if outcome.state != "finished":
            self.install_result.setText(_("Refused: {problem}").format(problem=outcome.message))
            return
        self.installed = done = outcome.result
        if isinstance(done, Rekey):
            lines = [
                _("Installed HQ {hq}'s reply: this laptop's new key is the station's ({fingerprint}).")
                .format(hq=done.hq_code, fingerprint=done.station_fingerprint),
                _("HQ has this post's changes up to {seq}; the next change is number {next}.").format(
                    seq=done.received_up_to, next=done.next_seq
                ),
            ]
            if done.aligned:
                lines.append(
                    _("{count} case(s) were changed on the old laptop after the backup; HQ holds those "
                      "changes: {cases}").format(count=len(done.aligned), cases=", ".join(done.aligned[:20]))
                )
            if done.missing:
                lines.append(
                    _("{count} case(s) of this post are at HQ but not in the restored register.").format(
                        count=done.missing
                    )
                )
        else:
            lines = [
                _("Installed HQ {hq}'s keys and this station's certificate: the post is enrolled and can "
                  "send to HQ.").format(hq=done.hq_code),
                _("HQ's fingerprint, to compare by phone: {fingerprint}").format(
                    fingerprint=done.hq_fingerprint
                ),
            ]
        self.install_result.setText("\n".join(lines))
        self._load()
