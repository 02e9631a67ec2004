"""Small input widgets of the case editor: reference-list combos, money, optional dates, error labels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from PySide6.QtCore import QDate, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QLineEdit, QWidget

from app.errors import ValidationError
from app.formatting import format_money, parse_money
from app.text import fold
from ui.colours import problem_style

DATE_FORMAT = "dd/MM/yyyy"
DATE_TIME_FORMAT = "dd/MM/yyyy HH:mm"
NO_DATE = QDate(1900, 1, 1)


class ErrorLabel(QLabel):
    """The message under a field that says what is wrong with it; hidden while there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(problem_style(self))
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def set_message(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))


class CodeCombo(QComboBox):
    """Choice of a reference code, shown by its label; optionally with an empty choice first.

    Typing jumps to a matching label without accents ("tau" finds "Tàu")."""

    def __init__(
        self, choices: Iterable[tuple[str, str]], *, empty: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        if empty is not None:
            self.addItem(empty, None)
        for code, label in choices:
            self.addItem(label, code)
        self.setMaxVisibleItems(20)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(16)

    def code(self) -> str | None:
        value = self.currentData()
        return str(value) if value is not None else None

    def set_code(self, code: str | None) -> None:
        index = self.findData(code)
        if index < 0 and code is not None:  # a code no longer in the list stays visible and kept
            self.addItem(code, code)
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))

    def keyboardSearch(self, text: str) -> None:  # noqa: N802 - Qt's name
        wanted = fold(text)
        for row in range(self.count()):
            if fold(self.itemText(row)).startswith(wanted):
                self.setCurrentIndex(row)
                return


class SearchCombo(QComboBox):
    """An editable combo for long lists (communes): what is typed filters the list, accents or not."""

    def __init__(
        self, choices: Iterable[tuple[str, str]], *, empty: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._choices = [(code, label, fold(label)) for code, label in choices]
        self._empty = empty
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        completer = self.completer()
        assert completer is not None  # an editable combo has one
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(completer.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._fill("")
        line_edit = self.lineEdit()
        assert line_edit is not None
        line_edit.textEdited.connect(self._on_line_edit_text_edited)

    def _fill(self, typed: str) -> None:
        wanted = fold(typed)
        with QSignalBlocker(self):
            current = self.currentData()
            self.clear()
            self.addItem(self._empty, None)
            for code, label, folded in self._choices:
                if wanted in folded or not wanted:
                    self.addItem(label, code)
            index = self.findData(current)
            self.setCurrentIndex(index if index >= 0 else 0)

    def _on_line_edit_text_edited(self, typed: str) -> None:
        if not typed:
            self._fill("")
            return
        wanted = fold(typed)
        for row in range(self.count()):
            if self.itemData(row) is not None and fold(self.itemText(row)) == wanted:
                self.setCurrentIndex(row)
                return

    def code(self) -> str | None:
        """The chosen code; text that names no choice exactly means no choice."""
        typed = fold(self.currentText())
        for code, _label, folded in self._choices:
            if folded == typed:
                return code
        return None

    def typed_text(self) -> str:
        return self.currentText().strip()

    def set_code(self, code: str | None) -> None:
        self._fill("")
        index = self.findData(code) if code is not None else 0
        self.setCurrentIndex(max(index, 0))
        if index <= 0:
            self.setEditText("" if code is None else code)


class MoneyEdit(QLineEdit):
    """Whole đồng, shown with dot thousands separators (``22.500.000``) once the user leaves it."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setPlaceholderText("0")
        self.editingFinished.connect(self._on_editing_finished)
        self.textChanged.connect(self.changed)

    def value(self) -> int | None:
        """The amount, None when empty. Raises ``ValidationError`` for text that is not an amount."""
        text = self.text().strip()
        return parse_money(text) if text else None

    def set_value(self, value: int | None) -> None:
        self.setText(format_money(value) if value is not None else "")

    def _on_editing_finished(self) -> None:
        try:
            value = self.value()
        except ValidationError:
            return  # left as typed; the editor names the problem next to the field
        self.set_value(value)


class OptionalDateEdit(QDateEdit):
    """A date that may be left empty: the blank entry is the lowest date, shown as nothing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DATE_FORMAT)
        self.setCalendarPopup(True)
        self.setMinimumDate(NO_DATE)
        self.setSpecialValueText(" ")
        self.setDate(NO_DATE)

    def value(self) -> date | None:
        current = self.date()
        return None if current == NO_DATE else date(current.year(), current.month(), current.day())

    def set_value(self, value: date | None) -> None:
        self.setDate(QDate(value.year, value.month, value.day) if value is not None else NO_DATE)
