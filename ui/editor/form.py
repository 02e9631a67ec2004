"""A form page of the case editor: labelled fields, each with its own error line under it."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from ui.editor.fields import ErrorLabel


class FormPage(QWidget):
    """Fields are added with a key; ``show_errors({key: message})`` puts each message under its field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        outer = QVBoxLayout(self)
        outer.addLayout(self.form)
        outer.addStretch(1)
        self._fields: dict[str, QWidget] = {}
        self._errors: dict[str, ErrorLabel] = {}

    def add_field(self, key: str, label: str, widget: QWidget) -> QWidget:
        """Add a labelled field; the label's ``&`` letter jumps to it (Alt+letter)."""
        caption = QLabel(label)
        caption.setBuddy(widget)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        error = ErrorLabel()
        column.addWidget(error)
        self.form.addRow(caption, holder)
        self._fields[key] = widget
        self._errors[key] = error
        return widget

    def field(self, key: str) -> QWidget:
        return self._fields[key]

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors.items():
            label.set_message(errors.get(key))

    def error_text(self, key: str) -> str:
        label = self._errors[key]
        return label.text() if label.isVisible() or label.text() else ""

    def focus_field(self, key: str) -> None:
        self._fields[key].setFocus()

    def set_read_only(self, read_only: bool) -> None:
        for widget in self._fields.values():
            setter = getattr(widget, "setReadOnly", None)
            if setter is not None:
                setter(read_only)
            else:
                widget.setEnabled(not read_only)
