"""Adding or correcting one establishment (cơ sở kinh doanh): name, kind, address, commune, tax code.

What is typed becomes the JSON object ``outpost establishment add`` reads and goes through the same
checks (``app.establishments.parse_establishments``), so the screen and the command line refuse the
same things in the same words. One already registered — the same tax code, or the same name without
accents in the same commune — is never added twice: the dialog names it and offers to show it instead;
a correction that would make an establishment another one is refused by the service."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.auth import can
from app.context import Context
from app.domain import Actor
from app.errors import AppError, ValidationError
from app.establishments import (
    ADDRESS_LIMIT,
    KINDS,
    NAME_LIMIT,
    EstablishmentService,
    EstablishmentView,
    parse_establishments,
)
from app.i18n import _
from ui.editor.fields import CodeCombo, ErrorLabel, SearchCombo
from ui.errors import show_error


class EstablishmentDialog(QDialog):
    """``saved`` carries the ``EstablishmentView`` added or corrected; ``matched`` the registered one the
    user chose instead of adding the same establishment again."""

    saved = Signal(object)
    matched = Signal(object)

    def __init__(
        self, ctx: Context, actor: Actor, view: EstablishmentView | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._view = view
        self._service = EstablishmentService(ctx)
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("New establishment") if self._view is None else _("Establishment"))
        self.setMinimumWidth(520)
        self.name = QLineEdit()
        self.name.setMaxLength(NAME_LIMIT)
        self.name.setPlaceholderText(_("e.g. Cửa hàng Tạp hóa Minh Châu"))
        self.kind = CodeCombo([(code, _(label)) for code, label in KINDS.items()])
        self.address = QLineEdit()
        self.address.setMaxLength(ADDRESS_LIMIT)
        communes = sorted(
            ((c.code, c.name) for c in self._ctx.reference.communes.values()), key=lambda item: item[1]
        )
        self.commune = SearchCombo(communes, empty="")
        self.tax_code = QLineEdit()
        self.tax_code.setMaxLength(20)
        self.tax_code.setPlaceholderText(_("10 digits, or 13 as 0101234567-001"))
        form = QFormLayout()
        form.addRow(_("&Name of the establishment"), self.name)
        form.addRow(_("&Kind of establishment"), self.kind)
        form.addRow(_("&Address"), self.address)
        form.addRow(_("Co&mmune"), self.commune)
        form.addRow(_("&Tax code"), self.tax_code)
        self.errors = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors)
        layout.addWidget(self.buttons)
        self.save_shortcut = QShortcut(QKeySequence("Ctrl+S"), self)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.save_shortcut.activated.connect(self._on_buttons_accepted)

    def _load(self) -> None:
        view = self._view
        if view is not None:
            self.name.setText(view.name)
            self.kind.set_code(view.kind)
            self.address.setText(view.address)
            self.commune.set_code(view.commune_code)
            self.tax_code.setText(view.tax_code or "")
        else:
            self.kind.set_code("shop")
        own = view is None or view.origin_code == self._ctx.station_code
        if not (own and can(self._actor, "establishment.create")):
            self.save_button.setEnabled(False)
            self.save_button.setToolTip(_("Only the station that registered it can change it."))

    def document(self) -> dict[str, Any]:
        """What is typed, as the JSON object ``establishment add`` reads (empty fields left out)."""
        data = {
            "name": self.name.text(),
            "kind": self.kind.code(),
            "address": self.address.text().strip(),
            "commune_code": self.commune.code() or (self.commune.typed_text() or None),
            "tax_code": self.tax_code.text().strip(),
        }
        return {key: value for key, value in data.items() if value not in (None, "")}

    def _on_buttons_accepted(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            (item,) = parse_establishments(self.document(), self._ctx.reference)
            exclude = self._view.id if self._view else None
            duplicate = self._service.duplicate(self._actor, item, exclude)
            if duplicate is not None:
                other, why = duplicate
                if self._view is not None:
                    self.errors.set_message(why)
                    return
                if self._offer(why):
                    self.matched.emit(other)
                    self.accept()
                return
            if self._view is None:
                (added,) = self._service.add(self._actor, [item])
                saved = added.establishment
            else:
                saved = self._service.update(self._actor, self._view.id, item, self._view.version)
        except ValidationError as exc:
            self.errors.set_message("\n".join(exc.problems))
            return
        except AppError as exc:
            show_error(self, exc.message)
            return
        self.errors.set_message(None)
        self._view = saved
        self.saved.emit(saved)
        self.accept()

    def _offer(self, why: str) -> bool:
        """Whether the user takes the registered establishment instead of adding it a second time."""
        self.errors.set_message(why)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _("Already registered"),
            _("{why}.\n\nIt is not added a second time. Show the registered one?").format(why=why),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        return box.exec() == QMessageBox.StandardButton.Yes
