"""Sending the register to HQ and receiving bundles, in the app: the export dialog lists removable
drives (or any folder), the import dialog checks the files first and shows what they would change."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStorageInfo, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.auth import can
from app.context import Context
from app.domain import Actor
from app.drives import looks_removable
from app.formatting import format_int
from app.i18n import _
from app.progress import CancelToken, Progress
from app.sync.export import records_said
from app.sync.inbox import Fetched, fetch_mail, inbox_folder, refuse, waiting
from app.sync.key_requests import key_state
from app.sync.receive import Received, from_inbox, receive
from app.sync.replies import make_reply
from app.sync.send import Sent, send_to_hq
from app.sync.status import posts
from app.sync.summary import ImportSummary
from ui.errors import show_error
from ui.jobs import ProgressRunner

PATH_ROLE = Qt.ItemDataRole.UserRole


def removable_drives() -> list[QStorageInfo]:
    """Mounted, writable volumes that look removable: USB sticks and memory cards."""
    drives = []
    for volume in QStorageInfo.mountedVolumes():
        root = volume.rootPath()
        if not volume.isValid() or not volume.isReady() or volume.isReadOnly():
            continue
        if not looks_removable(root):  # on Windows asked of the drive, not guessed from its letter
            continue
        drives.append(volume)
    return drives


def _passphrase_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(_("the passphrase of this station's keys"))
    return field


class Destination(QWidget):
    """Where files are written: the USB sticks plugged in (refreshed on demand), or another folder."""

    changed = Signal()

    def __init__(self, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drives = QListWidget()
        self.other_button = QPushButton(_("Other &folder…"))
        self.refresh_button = QPushButton(_("&Refresh drives"))
        for button in (self.other_button, self.refresh_button):
            button.setAutoDefault(False)  # Enter in the dialog around it never refreshes nor browses
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.refresh_button)
        row.addWidget(self.other_button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel(heading))
        column.addWidget(self.drives, 1)
        column.addLayout(row)
        column.addWidget(self.hint)
        self.refresh_button.clicked.connect(self.refresh)
        self.other_button.clicked.connect(self._on_other_button_clicked)
        self.drives.currentRowChanged.connect(self._on_drives_current_row_changed)
        self.refresh()

    def refresh(self) -> None:
        self.drives.clear()
        for volume in removable_drives():
            free = format_int(volume.bytesAvailable() // (1024 * 1024))
            label = _("{name} ({path}), {free} MB free").format(
                name=volume.displayName() or volume.rootPath(), path=volume.rootPath(), free=free
            )
            item = QListWidgetItem(label)
            item.setData(PATH_ROLE, volume.rootPath())
            self.drives.addItem(item)
        if self.drives.count():
            self.drives.setCurrentRow(0)
            self.hint.setText("")
        else:
            self.hint.setText(
                _("No USB stick found. Plug one in and press Refresh, or choose another folder.")
            )
        self.changed.emit()

    def add_folder(self, folder: Path) -> None:
        item = QListWidgetItem(str(folder))
        item.setData(PATH_ROLE, str(folder))
        self.drives.addItem(item)
        self.drives.setCurrentItem(item)
        self.hint.setText("")

    def target(self) -> Path | None:
        item = self.drives.currentItem()
        return Path(item.data(PATH_ROLE)) if item is not None else None

    def _on_drives_current_row_changed(self, _row: int) -> None:
        self.changed.emit()

    def _on_other_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Where to write the files"))
        if folder:
            self.add_folder(Path(folder))


class ExportDialog(QDialog):
    """A post sends what HQ has not acknowledged: to a USB stick (or a folder), and by e-mail."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.result_files: tuple[Path, ...] = ()
        self.setWindowTitle(_("Send to HQ"))
        self.resize(620, 420)
        self.destination = Destination(_("Write the changes HQ has not received yet to:"))
        self.part_size = QSpinBox()
        self.part_size.setRange(1, 2000)
        self.part_size.setValue(20)
        self.part_size.setSuffix(" MB")
        mail_ready = bool(ctx.settings.smtp_host and ctx.settings.mail_to)
        self.email = QCheckBox(
            _("Also send by &e-mail to {address}").format(address=ctx.settings.mail_to)
            if mail_ready
            else _("Also send by &e-mail (no mail server is set up yet: Tools → Mail set-up…)")
        )
        self.email.setEnabled(mail_ready)
        self.email.setChecked(self.email.isEnabled())
        self.passphrase = _passphrase_field()
        self.mail_password = QLineEdit()
        self.mail_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.status = QLabel()
        self.status.setWordWrap(True)
        # An unenrolled post cannot send yet: the dialog says so and opens the station keys from here.
        self.enrol_notice = QLabel()
        self.enrol_notice.setWordWrap(True)
        self.enrol_button = QPushButton(_("&Enrol this post with HQ…"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = self.buttons.addButton(
            _("&Write the files"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        form = QFormLayout()
        form.addRow(_("Largest file:"), self.part_size)
        form.addRow(_("Key &passphrase:"), self.passphrase)
        if ctx.settings.smtp_username:
            form.addRow(
                _("Mail password for {user}:").format(user=ctx.settings.smtp_username), self.mail_password
            )
        column = QVBoxLayout(self)
        column.addWidget(self.enrol_notice)
        column.addWidget(self.enrol_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.destination, 1)
        column.addLayout(form)
        column.addWidget(self.email)
        column.addWidget(self.status)
        column.addWidget(self.buttons)
        self.enrol_button.clicked.connect(self._on_enrol_button_clicked)
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        self.destination.changed.connect(self._update_buttons)
        self.passphrase.textChanged.connect(self._update_buttons)
        self._show_enrolment()
        self._update_buttons()

    def _show_enrolment(self) -> None:
        enrolled = key_state(self._ctx).enrolled
        allowed = can(self._actor, "station.enrol")
        self.enrol_notice.setVisible(not enrolled)
        self.enrol_button.setVisible(not enrolled and allowed)
        self.enrol_notice.setText(
            _("This post is not enrolled with HQ yet, so nothing can be sent. Enrol it first: write a "
              "request, take it to HQ and install HQ's reply.")
            if allowed
            else _("This post is not enrolled with HQ yet, so nothing can be sent. An admin enrols it "
                   "(File → Station keys…).")
        )

    def _on_enrol_button_clicked(self) -> None:
        from ui.station_keys_dialog import StationKeysDialog  # it uses Destination from this module

        StationKeysDialog(self._ctx, self._actor, self).exec()
        self._show_enrolment()

    def add_folder(self, folder: Path) -> None:
        self.destination.add_folder(folder)

    def target(self) -> Path | None:
        return self.destination.target()

    def _update_buttons(self) -> None:
        self.send_button.setEnabled(self.target() is not None and bool(self.passphrase.text()))

    def send(self) -> None:
        target = self.target()
        if target is None:
            return
        ctx, actor, passphrase = self._ctx, self._actor, self.passphrase.text()
        part_size = self.part_size.value() * 1024 * 1024
        email, mail_password = self.email.isChecked(), self.mail_password.text() or None
        label = _("Writing the files for HQ and e-mailing them…") if email else _("Writing the files for HQ…")
        runner = ProgressRunner(label, self, cancellable=False)
        outcome = runner.run(  # the mail server is talked to off the GUI thread too
            lambda progress, cancel: send_to_hq(
                ctx, actor, passphrase, target, part_size, email=email, mail_password=lambda: mail_password
            )
        )
        if outcome.state == "failed":
            show_error(self, outcome.message)
            return
        if outcome.state != "finished":
            return
        sent: Sent = outcome.result
        result, delivery = sent.export, sent.delivery
        self.result_files = result.files
        if not result.files:
            self.status.setText(_("Nothing to send: HQ has received every change."))
            return
        lines = [
            _("Wrote {count} file(s) with {records} to {folder}.").format(
                count=len(result.files), records=records_said(result.kinds), folder=target
            )
        ]
        if delivery is not None:
            if delivery.sent:
                lines.append(
                    _("E-mailed {count} file(s) to {address}.").format(
                        count=len(delivery.sent), address=ctx.settings.mail_to
                    )
                )
            if delivery.outbox:
                lines.append(
                    _("Not e-mailed ({reason}); the files wait in {folder} with instructions.").format(
                        reason=delivery.reason, folder=delivery.outbox
                    )
                )
        self.status.setText("\n".join(lines))
        self.buttons.clear()
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.accept)


class _FileList(QListWidget):
    """A list of files that says when Delete is pressed on it."""

    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.matches(QKeySequence.StandardKey.Delete) or event.key() == Qt.Key.Key_Backspace:
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


class ImportDialog(QDialog):
    """Receive bundle files: check them all first (nothing changes), then apply them together."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.files: list[Path] = []
        self.preview: ImportSummary | None = None
        self.applied: ImportSummary | None = None
        self.setWindowTitle(_("Receive bundles"))
        self.resize(680, 480)
        self.file_list = _FileList()
        self.file_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_button = QPushButton(_("&Add files…"))
        self.remove_button = QPushButton(_("&Remove from the list"))
        self.remove_button.setToolTip(
            _("Takes the selected files off the list (Delete); the files stay where they are")
        )
        # At HQ: the inbox folder, filled by hand, a shared folder or HQ's mailbox (``app.sync.inbox``).
        self.inbox_button = QPushButton(_("From the &inbox"))
        self.inbox_button.setToolTip(
            _("Adds the bundle files waiting in {folder}").format(folder=inbox_folder(ctx))
        )
        self.fetch_button = QPushButton(_("&Fetch mail"))
        self.fetch_button.setToolTip(
            _("Saves the bundles of unread messages in HQ's mailbox into the inbox and adds them")
        )
        self.inbox_button.setVisible(ctx.kind == "hq")
        self.refuse_button = QPushButton(_("&Move the refused files out of the inbox"))
        self.refuse_button.setVisible(False)
        self.fetch_button.setVisible(ctx.kind == "hq" and bool(ctx.settings.imap_host))
        self.passphrase = _passphrase_field()
        self.report = QTextBrowser()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.check_button = self.buttons.addButton(_("&Check"), QDialogButtonBox.ButtonRole.ActionRole)
        self.apply_button = self.buttons.addButton(_("&Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        form = QFormLayout()
        form.addRow(_("Key &passphrase:"), self.passphrase)
        column = QVBoxLayout(self)
        column.addWidget(QLabel(_("Bundle files (.outpost), parts in any order:")))
        column.addWidget(self.file_list)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.inbox_button)
        row.addWidget(self.fetch_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        column.addLayout(row)
        column.addLayout(form)
        column.addWidget(self.report, 1)
        column.addWidget(self.refuse_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.buttons)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self.remove_selected)
        self.inbox_button.clicked.connect(self.add_inbox)
        self.fetch_button.clicked.connect(self.fetch)
        self.refuse_button.clicked.connect(self.move_refused)
        self.file_list.delete_pressed.connect(self.remove_selected)
        self.file_list.itemSelectionChanged.connect(self._update_buttons)
        self.check_button.clicked.connect(self.check)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        self.passphrase.textChanged.connect(self._forget_preview)
        self._update_buttons()

    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            if path not in self.files:
                self.files.append(path)
                self.file_list.addItem(path.name)
        self._forget_preview()

    def add_inbox(self) -> None:
        files = waiting(self._ctx)
        if not files:
            self.report.setPlainText(
                _("The inbox {folder} holds no bundle files.").format(folder=inbox_folder(self._ctx))
            )
        self.add_files(files)

    def fetch(self) -> None:
        """Fetch the bundles mailed to HQ into the inbox, then list everything waiting there."""
        settings = self._ctx.settings
        password, ok = QInputDialog.getText(
            self,
            _("Fetch mail"),
            _("Password of the mailbox {user} at {host}:").format(
                user=settings.imap_username, host=settings.imap_host
            ),
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return
        ctx = self._ctx
        runner = ProgressRunner(_("Fetching mail…"), self, cancellable=False)
        outcome = runner.run(lambda progress, cancel: fetch_mail(ctx, password))
        if outcome.state == "failed":
            show_error(self, outcome.message, _("Could not fetch the mail"))
            return
        if outcome.state != "finished":
            return
        fetched: Fetched = outcome.result
        self.add_files(waiting(ctx))
        lines = [
            _("{files} bundle files saved from {messages} messages.").format(
                files=format_int(len(fetched.saved)), messages=format_int(fetched.messages)
            )
        ]
        lines += [f"• {reason}" for reason in fetched.ignored]
        self.report.setPlainText("\n".join(lines))

    def remove_selected(self) -> None:
        rows = sorted((self.file_list.row(item) for item in self.file_list.selectedItems()), reverse=True)
        for row in rows:
            self.file_list.takeItem(row)
            del self.files[row]
        if rows:
            self._forget_preview()

    def _on_add_button_clicked(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, _("Bundle files"), "", _("Outpost bundles (*.outpost)")
        )
        self.add_files([Path(name) for name in names])

    def _forget_preview(self) -> None:
        self.preview = None
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = bool(self.files) and bool(self.passphrase.text())
        self.check_button.setEnabled(ready)
        self.remove_button.setEnabled(bool(self.file_list.selectedItems()))
        preview = self.preview
        self.apply_button.setEnabled(
            ready and preview is not None and not preview.rejected and bool(preview.applied)
        )

    def _run(self, dry_run: bool) -> Received | None:
        ctx, actor, passphrase, files = self._ctx, self._actor, self.passphrase.text(), list(self.files)
        label = _("Checking the files…") if dry_run else _("Importing…")
        runner = ProgressRunner(label, self, cancellable=False)
        outcome = runner.run(  # a check files away inbox files imported before: nothing else is left to do
            lambda progress, cancel: receive(
                ctx, actor, passphrase, files, dry_run=dry_run, file_seen_on_check=True
            )
        )
        if outcome.state == "failed":
            show_error(self, outcome.message)
            return None
        return outcome.result if outcome.state == "finished" else None

    def _from_inbox(self, names: set[str]) -> list[str]:
        """Those of ``names`` that are files of the list taken from HQ's inbox."""
        return [name for name in from_inbox(self._ctx, self.files) if name in names]

    def _drop(self, names: list[str]) -> None:
        for row in reversed(range(len(self.files))):
            if self.files[row].name in names:
                self.file_list.takeItem(row)
                del self.files[row]

    def check(self) -> None:
        """A dry run: every check, the counts, nothing changed (but files of the inbox that were all
        imported before are filed away: there is nothing else to do with them)."""
        received = self._run(dry_run=True)
        self.preview = received.summary if received is not None else None
        self.refuse_button.setVisible(False)
        if received is not None:
            preview = received.summary
            text = self._describe(preview, dry_run=True)
            if received.filed:
                self._drop(list(received.filed))
                text += "\n" + _("Filed away from the inbox: {count}").format(count=len(received.filed))
            self.refuse_button.setVisible(bool(self._from_inbox({item["file"] for item in preview.rejected})))
            self.report.setPlainText(text)
        self._update_buttons()

    def move_refused(self) -> None:
        """Move the refused files of the inbox to refused/ (with their reasons), then check the rest."""
        if self.preview is None:
            return
        names = set(self._from_inbox({item["file"] for item in self.preview.rejected}))
        moved = refuse(self._ctx, [item for item in self.preview.rejected if item["file"] in names])
        self._drop(list(names))
        self.refuse_button.setVisible(False)
        self.report.setPlainText(
            _("Moved {count} refused files to {folder}, each with its reasons.").format(
                count=len(moved), folder=moved[0].parent if moved else inbox_folder(self._ctx)
            )
        )
        self._forget_preview()

    def apply(self) -> None:
        if self.preview is None or self.preview.rejected or not self.preview.applied:
            return
        received = self._run(dry_run=False)  # what came from the inbox and is done with is filed away
        if received is None:
            return
        summary = self.applied = received.summary
        self.report.setPlainText(self._describe(summary, dry_run=False))
        self.buttons.clear()
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.accept)

    def _describe(self, summary: ImportSummary, dry_run: bool) -> str:
        before: list[str] = []
        if summary.skipped:
            before.append(_("Imported before, skipped (they change nothing):"))
            before += [f"• {item['reason']}" for item in summary.skipped]
        if summary.rejected:
            lines = [*before, _("Nothing can be imported; these files or records are refused:")]
            lines += [f"• {item['reason']}" for item in summary.rejected]
            refused = {item["file"] for item in summary.rejected} | {item["file"] for item in summary.skipped}
            held = _("The other files wait too: take the refused ones off the list to import the rest.")
            if any(path.name not in refused for path in self.files):
                lines.append(held)
            return "\n".join(lines)
        if not summary.applied:
            return "\n".join([*before, _("Nothing to import: every file was imported before.")])
        return "\n".join([*before, self._describe_applied(summary, dry_run)])

    def _describe_applied(self, summary: ImportSummary, dry_run: bool) -> str:
        if summary.acknowledged_seq is not None:
            lines = [
                _("HQ has received every change up to number {seq}.").format(seq=summary.acknowledged_seq)
            ]
            if summary.refused_at_hq:
                lines.append(_("HQ could not take these records; correct the cases and send again:"))
                lines += [
                    f"• {item['file']} {item['record']}: {item['reason']}" for item in summary.refused_at_hq
                ]
            if summary.reference_updates:
                lines.append(
                    _("Reference data updates: {count}").format(count=format_int(summary.reference_updates))
                )
            if summary.campaigns:
                lines.append(
                    _("Campaign periods new or changed: {count}").format(count=format_int(summary.campaigns))
                )
            lines.append(
                _("HQ's watch list: {count} people and vehicles").format(
                    count=format_int(summary.watch_entries)
                )
            )
            lines.append(_("Press Import to record it.") if dry_run else _("Imported."))
            return "\n".join(lines)
        lines = [
            _("{file}: {station}, part {part} of {parts}, changes {first}–{last}, {records} records").format(
                file=item["file"],
                station=item["station"],
                part=item["part"],
                parts=item["parts"],
                first=item["first_seq"],
                last=item["last_seq"],
                records=format_int(item["records"]),
            )
            for item in summary.bundles
        ]
        lines += [
            _("New cases: {count}").format(count=format_int(summary.new)),
            _("Updated cases: {count}").format(count=format_int(summary.updated)),
            _("Unchanged (already here): {count}").format(count=format_int(summary.unchanged)),
            _("Photos and files: {count}").format(count=format_int(summary.files)),
        ]
        for code, ranges in summary.missing.items():
            if ranges:
                spans = ", ".join(f"{first}–{last}" for first, last in ranges)
                lines.append(
                    _("Still missing from {station}: changes {ranges}").format(station=code, ranges=spans)
                )
        for code, sets in summary.missing_parts.items():
            for unfinished in sets:
                parts = ", ".join(str(index) for index in unfinished["missing"])
                lines.append(
                    _("Still missing from {station}: part {parts} of the {count} of one sending").format(
                        station=code, parts=parts, count=unfinished["parts"]
                    )
                )
        lines.append(_("Press Import to apply these changes.") if dry_run else _("Imported."))
        return "\n".join(lines)


class ReplyDialog(QDialog):
    """HQ writes return bundles for the posts it chooses: the receipt, what it refused, reference data,
    the watch list, campaigns and revocations, to a USB stick (or a folder) that goes back to them."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.written: list[Path] = []
        self.setWindowTitle(_("Write return bundles"))
        self.resize(640, 520)
        self.stations = QListWidget()
        for post in posts(ctx, actor):
            if post.revoked_at is not None:
                continue  # HQ sends a revoked station nothing
            received = (
                _("received up to change {seq}").format(seq=post.acknowledged)
                if post.last_received
                else _("nothing received yet")
            )
            item = QListWidgetItem(f"{post.code} — {post.name} ({received})")
            item.setData(PATH_ROLE, post.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if post.last_received else Qt.CheckState.Unchecked)
            self.stations.addItem(item)
        self.destination = Destination(_("Write them to:"))
        self.passphrase = _passphrase_field()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.write_button = self.buttons.addButton(
            _("&Write the return bundles"), QDialogButtonBox.ButtonRole.ActionRole
        )
        form = QFormLayout()
        form.addRow(_("Key &passphrase:"), self.passphrase)
        column = QVBoxLayout(self)
        column.addWidget(QLabel(_("Posts to answer (a revoked post gets nothing):")))
        column.addWidget(self.stations, 1)
        column.addWidget(self.destination, 1)
        column.addLayout(form)
        column.addWidget(self.status)
        column.addWidget(self.buttons)
        self.write_button.clicked.connect(self.write)
        self.buttons.rejected.connect(self.reject)
        self.stations.itemChanged.connect(self._update_buttons)
        self.destination.changed.connect(self._update_buttons)
        self.passphrase.textChanged.connect(self._update_buttons)
        if not self.stations.count():
            self.status.setText(_("No post to answer: none is enrolled, or every one is revoked."))
        self._update_buttons()

    def chosen(self) -> list[str]:
        items = (self.stations.item(row) for row in range(self.stations.count()))
        return [item.data(PATH_ROLE) for item in items if item.checkState() == Qt.CheckState.Checked]

    def _update_buttons(self) -> None:
        ready = bool(self.chosen()) and self.destination.target() is not None and bool(self.passphrase.text())
        self.write_button.setEnabled(ready)

    def write(self) -> None:
        target, codes = self.destination.target(), self.chosen()
        if target is None or not codes:
            return
        ctx, actor, passphrase = self._ctx, self._actor, self.passphrase.text()

        def work(progress: Progress, cancel: CancelToken) -> list[Path]:
            written = []
            for done, code in enumerate(codes):
                progress(done, len(codes))
                written.append(make_reply(ctx, actor, passphrase, code, target))
            return written

        runner = ProgressRunner(_("Writing the return bundles…"), self, cancellable=False)
        outcome = runner.run(work, total=len(codes))
        if outcome.state == "failed":
            show_error(self, outcome.message)
            return
        if outcome.state != "finished":
            return
        self.written = outcome.result
        lines = [
            _("Wrote {count} return bundle(s) to {folder}:").format(count=len(self.written), folder=target)
        ]
        lines += [f"• {path.name}" for path in self.written]
        self.status.setText("\n".join(lines))
