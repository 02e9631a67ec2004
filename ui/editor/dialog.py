"""The case editor: a new case, or an existing one, in tabs; saved only through the case service.

Nothing is written until Save (Ctrl+S). Every wrong value is named under its field (or under its
table row) and the first one gets the focus; closing with unsaved changes asks first. A case the
user may not change (another station's, voided, approved for an officer) opens read-only."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.auth import can
from app.campaigns import list_campaigns
from app.case_json import case_input_from_document
from app.context import Context
from app.domain import Actor, CaseInput, CaseResult, HandlingInput
from app.errors import AppError, AuthError, ValidationError
from app.forms import FORM_CODES, print_form
from app.i18n import _
from app.watch import watch_index
from ui.editor import tables
from ui.editor.attachments import AttachmentsPage
from ui.editor.fields import ErrorLabel
from ui.editor.pages import HandlingPage, OverviewPage
from ui.editor.rows import RowsPage
from ui.errors import show_error
from ui.pdf_preview import PdfPreviewDialog
from ui.print_key import KeyMemory
from ui.print_passphrase import print_passphrase

OVERVIEW, GOODS, PARTIES, VEHICLES, ATTACHMENTS, DOCUMENTS, HANDLING = range(7)


class CaseEditor(QDialog):
    """``saved`` carries the ``CaseResult`` after each successful save."""

    saved = Signal(object)

    def __init__(
        self,
        ctx: Context,
        actor: Actor,
        case_id: str | None = None,
        parent: QWidget | None = None,
        memory: KeyMemory | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._keys = memory or KeyMemory()  # the main window shares one for the session
        self._result: CaseResult | None = None
        self._baseline: tuple[Any, ...] = ()
        self._build_ui()
        self._connect_signals()
        if case_id is not None:
            self._result = ctx.cases.get(actor, case_id)
        self._load()

    # ----- building --------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        ctx = self._ctx
        self.setModal(False)
        self.setSizeGripEnabled(True)
        self.resize(1000, 720)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.problems = ErrorLabel()
        self.overview = OverviewPage(ctx.reference, [(c.id, c.label) for c in list_campaigns(ctx)], ctx.zone)
        self.goods = RowsPage(tables.goods_model(ctx.reference), _("Add a goods line"))
        watched = watch_index(ctx, self._actor)  # HQ's watch list, as the last return bundle brought it
        self.parties = RowsPage(
            tables.party_model(ctx.reference, ctx.today, watched), _("Add a person or organisation")
        )
        self.vehicles = RowsPage(tables.vehicle_model(ctx.reference, watched), _("Add a vehicle or vessel"))
        self.attachments = AttachmentsPage(ctx.attachments)
        self.documents = RowsPage(tables.document_model(ctx.reference), _("Add a document"))
        self.handling = HandlingPage(ctx.reference)
        self.tabs = QTabWidget()
        for page, title in (
            (self.overview, _("Overview")),
            (self.goods, _("Goods")),
            (self.parties, _("People")),
            (self.vehicles, _("Vehicles")),
            (self.attachments, _("Photos and files")),
            (self.documents, _("Documents")),
            (self.handling, _("Handling")),
        ):
            if isinstance(page, (OverviewPage, HandlingPage)):
                scroll = QScrollArea()
                scroll.setWidgetResizable(True)
                scroll.setWidget(page)
                self.tabs.addTab(scroll, title)
            else:
                self.tabs.addTab(page, title)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(_("&Save"))
        self.save_button.setToolTip(_("Save the case (Ctrl+S)"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        self.print_button = QPushButton(_("&Print"))
        self.print_menu = QMenu(self.print_button)
        for code in FORM_CODES:
            action = self.print_menu.addAction(f"{code} — {ctx.reference.label('form_codes', code, 'vi')}")
            action.setData(code)
        self.print_button.setMenu(self.print_menu)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self._next_tab = QShortcut(QKeySequence("Ctrl+PgDown"), self)
        self._previous_tab = QShortcut(QKeySequence("Ctrl+PgUp"), self)

    def _connect_signals(self) -> None:
        self.buttons.rejected.connect(self.reject)
        self.print_menu.triggered.connect(lambda action: self.print_form(str(action.data())))
        self.save_button.clicked.connect(self.save)
        self._save_shortcut.activated.connect(self.save)
        self._next_tab.activated.connect(self._on_next_tab_activated)
        self._previous_tab.activated.connect(self._on_previous_tab_activated)
        self.overview.changed.connect(self._on_content_changed)
        self.handling.changed.connect(self._on_content_changed)
        self.attachments.model.changed.connect(self._on_content_changed)
        for page in self._row_pages():
            page.model.changed.connect(self._on_content_changed)

    def _row_pages(self) -> tuple[RowsPage, ...]:
        return (self.goods, self.parties, self.vehicles, self.documents)

    # ----- state -------------------------------------------------------------------------------------

    @property
    def case_id(self) -> str | None:
        return self._result.id if self._result else None

    @property
    def case_result(self) -> CaseResult | None:
        """The case as last loaded or saved (``result()`` is QDialog's exit code)."""
        return self._result

    @property
    def read_only(self) -> bool:
        return self._read_only_reason() is not None

    @property
    def dirty(self) -> bool:
        return not self.read_only and self._snapshot() != self._baseline

    def _read_only_reason(self) -> str | None:
        if self._result is None:
            return None if can(self._actor, "case.create") else _("Your role cannot create cases.")
        document = self._result.document
        if document.get("station") != self._actor.station_code:
            return _("This case belongs to another station; only that station may change it.")
        if self._result.status == "voided":
            return _("This case is voided and cannot be changed.")
        permission = "case.edit" if self._result.status == "draft" else "case.edit_approved"
        if not can(self._actor, permission):
            return _("Your role cannot change a case that is {status}.").format(
                status=self._ctx.reference.label("case_statuses", self._result.status).lower()
            )
        return None

    def _snapshot(self) -> tuple[Any, ...]:
        return (
            self.overview.snapshot(),
            self.handling.snapshot(),
            self.attachments.model.items(),
            *(page.model.snapshot() for page in self._row_pages()),
        )

    def _load(self) -> None:
        case = None
        if self._result is not None:
            case = case_input_from_document(self._result.document, self._ctx.reference)
        # A new case starts at now, in the register's time zone.
        self.overview.load(case, self._ctx.local(self._ctx.clock()))
        self.handling.load(case.handling if case else HandlingInput())
        self.goods.model.set_rows(tables.goods_rows(case.goods) if case else [])
        self.parties.model.set_rows(tables.party_rows(case.parties) if case else [])
        self.vehicles.model.set_rows(tables.vehicle_rows(case.vehicles) if case else [])
        self.documents.model.set_rows(tables.document_rows(case.documents) if case else [])
        self.attachments.model.set_items(list(case.attachments) if case else [])
        reason = self._read_only_reason()
        pages: list[Any] = [self.overview, self.handling, self.attachments, *self._row_pages()]
        for page in pages:
            page.set_read_only(reason is not None)
        self.save_button.setVisible(reason is None)
        self._save_shortcut.setEnabled(reason is None)
        self._show_banner(reason)
        self._baseline = self._snapshot()
        self._on_content_changed()

    def _show_banner(self, read_only_reason: str | None) -> None:
        lines = []
        if self._result is not None:
            document = self._result.document
            lines.append(
                _("Case {number} · {status} · version {version}").format(
                    number=self._result.number,
                    status=self._ctx.reference.label("case_statuses", self._result.status),
                    version=self._result.version,
                )
            )
            if self._result.status == "draft" and document.get("remark"):
                lines.append(_("Returned by the chief: {remark}").format(remark=document["remark"]))
            if document.get("void_reason"):
                lines.append(_("Voided: {reason}").format(reason=document["void_reason"]))
        else:
            lines.append(_("New case: fill in at least the time and the violation group, then save."))
        if read_only_reason:
            lines.append(_("Read only. {reason}").format(reason=read_only_reason))
        self.banner.setText("\n".join(lines))

    def _update_title(self) -> None:
        name = self._result.number if self._result else _("New case")
        self.setWindowTitle(f"{name}{' *' if self.dirty else ''} — Outpost")
        # Forms print the case as saved: unsaved edits would not be on the paper.
        printable = self._result is not None and not self.dirty
        self.print_button.setEnabled(printable)
        self.print_button.setToolTip(
            _("Print a form of this case")
            if printable
            else _("Save the case first: forms print the saved case")
        )

    def print_form(self, code: str) -> PdfPreviewDialog | None:
        """Preview form ``code`` of the saved case, to print or save it, its QR code signed with the
        station's key (the passphrase asked for once a session)."""
        if self._result is None:
            return None
        try:
            status = self._ctx.cases.get(self._actor, self._result.id).status  # approved since it opened?
            passphrase = self._print_passphrase(status)
            if passphrase is None:
                return None
            signed_with = passphrase or None
            printed = print_form(self._ctx, self._actor, code, self._result.id, signed_with)
        except AuthError as exc:
            self._keys.forget()  # a wrong passphrase is not kept
            show_error(self, exc.message, _("Cannot print the form"))
            return None
        except AppError as exc:
            show_error(self, exc.message, _("Cannot print the form"))
            return None
        if signed_with:
            self._keys.passphrase = signed_with
        dialog = PdfPreviewDialog(
            printed.pdf, f"{printed.code} — {printed.case_number}", printed.filename, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _print_passphrase(self, status: str) -> str | None:
        return print_passphrase(self._ctx, self._keys, status, self)

    def _update_tab_titles(self) -> None:
        counted = (
            (GOODS, _("Goods"), self.goods.model.rowCount()),
            (PARTIES, _("People"), self.parties.model.rowCount()),
            (VEHICLES, _("Vehicles"), self.vehicles.model.rowCount()),
            (ATTACHMENTS, _("Photos and files"), self.attachments.model.rowCount()),
            (DOCUMENTS, _("Documents"), self.documents.model.rowCount()),
        )
        for index, title, count in counted:
            self.tabs.setTabText(index, f"{title} ({count})" if count else title)

    def _on_content_changed(self) -> None:
        self._update_title()
        self._update_tab_titles()

    def _on_next_tab_activated(self) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + 1) % self.tabs.count())

    def _on_previous_tab_activated(self) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() - 1) % self.tabs.count())

    # ----- saving ------------------------------------------------------------------------------------

    def collect(self) -> CaseInput | None:
        """The case as entered, or None after showing every problem next to its field."""
        overview, overview_errors = self.overview.collect(self._ctx.clock())
        handling, handling_errors = self.handling.collect()
        self.overview.show_errors(overview_errors)
        self.handling.show_errors(handling_errors)
        for page in self._row_pages():
            page.show_problems()
        bad_tabs = [OVERVIEW] if overview_errors else []
        bad_tabs += [
            tab
            for tab, page in zip((GOODS, PARTIES, VEHICLES, DOCUMENTS), self._row_pages(), strict=True)
            if page.model.problems()
        ]
        bad_tabs += [HANDLING] if handling_errors else []
        if bad_tabs or handling is None:
            self._focus_problem(bad_tabs[0], overview_errors, handling_errors)
            self.problems.set_message(_("The case was not saved: correct the fields marked in red."))
            return None
        self.problems.set_message(None)
        return CaseInput(
            **overview,
            goods=tables.goods_values(self.goods.model.rows()),
            parties=tables.party_values(self.parties.model.rows()),
            vehicles=tables.vehicle_values(self.vehicles.model.rows()),
            documents=tables.document_values(self.documents.model.rows()),
            attachments=tuple(self.attachments.model.items()),
            handling=handling,
        )

    def _focus_problem(self, tab: int, overview: dict[str, str], handling: dict[str, str]) -> None:
        self.tabs.setCurrentIndex(tab)
        if tab == OVERVIEW:
            self.overview.focus_field(next(iter(overview)))
        elif tab == HANDLING:
            self.handling.focus_field(next(iter(handling)))
        else:
            page = {
                GOODS: self.goods,
                PARTIES: self.parties,
                VEHICLES: self.vehicles,
                DOCUMENTS: self.documents,
            }[tab]
            page.focus_first_problem()

    def save(self) -> bool:
        """Save through the case service; True when saved (or nothing needed saving)."""
        if self.read_only:
            return False
        data = self.collect()
        if data is None:
            return False
        try:
            if self._result is None:
                result = self._ctx.cases.create(self._actor, data)
            else:
                result = self._ctx.cases.update(self._actor, self._result.id, data, self._result.version)
        except ValidationError as exc:
            self.problems.set_message(_("The case was not saved:") + "\n" + "\n".join(exc.problems))
            return False
        except AppError as exc:
            show_error(self, exc.message)
            return False
        self._result = result
        self._load()
        warnings = "\n".join(result.warnings)
        saved = _("Saved as {number}.").format(number=result.number)
        self.status.setText(saved + (("\n" + _("Please check:") + "\n" + warnings) if warnings else ""))
        self.saved.emit(result)
        return True

    # ----- closing -----------------------------------------------------------------------------------

    def confirm_close(self) -> bool:
        """True when the editor may close: nothing unsaved, or the user saved or chose to discard."""
        if not self.dirty:
            return True
        answer = QMessageBox.question(
            self,
            _("Unsaved changes"),
            _("This case has changes that are not saved. Save them before closing?"),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def reject(self) -> None:
        """Esc, Close and the window's close button (Qt routes it here) ask about unsaved changes."""
        if self.confirm_close():
            self._baseline = self._snapshot()  # already answered: closing must not ask again
            super().reject()
