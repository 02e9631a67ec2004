"""Editable tables of the case editor (goods, people, vehicles, documents): one model for all four.

Each row is a plain dict of typed values (``str``, ``Decimal``, ``int``, ``date`` or None). What a
person types is parsed when it is committed; text that cannot be read stays visible in its cell,
marked, with the reason in the tooltip and under the table, and the case cannot be saved until it
is corrected. Warnings (an odd CCCD, a plate in no known format) mark a cell but never block."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.case_checks import bidi_problem
from app.errors import ValidationError
from app.formatting import format_date, format_decimal, format_money, parse_date, parse_decimal, parse_money
from app.i18n import _
from ui.colours import problem_background, warning_background, warning_style
from ui.editor.fields import CodeCombo, ErrorLabel

Index = QModelIndex | QPersistentModelIndex
Row = dict[str, Any]
Choices = Callable[[Row], Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Field:
    """One column. ``kind``: text, choice, decimal, money, int or date."""

    key: str
    title: str
    kind: str = "text"
    choices: Choices | None = None  # for kind "choice": (code, label) pairs, may depend on the row
    required: bool = False
    width: int = 14  # starting width in average characters
    default: Any = None


@dataclass(frozen=True)
class CellProblem:
    row: int
    key: str
    message: str


def _format(field: Field, value: Any, row: Row) -> str:
    if value is None:
        return ""
    if field.kind == "choice" and field.choices is not None:
        return dict(field.choices(row)).get(value, str(value))
    if field.kind == "decimal":
        return format_decimal(value)
    if field.kind == "money":
        return format_money(value)
    if field.kind == "date":
        return format_date(value)
    return str(value)


def _parse(field: Field, text: str) -> Any:
    """The typed value of what was typed; raises ``ValidationError`` with a message for the user."""
    text = text.strip()
    if not text:
        return None
    if field.kind == "decimal":
        value = parse_decimal(text)
        if value <= 0:
            raise ValidationError([_("must be more than zero")])
        return value
    if field.kind == "money":
        return parse_money(text)
    if field.kind == "int":
        if not text.isdigit():
            raise ValidationError([_("must be a whole number")])
        return int(text)
    if field.kind == "date":
        return parse_date(text)
    return text


class RowsModel(QAbstractTableModel):
    """The rows of one table of the case. ``changed`` fires after any edit, insert or removal."""

    changed = Signal()
    drafted = Signal()  # the text being typed in a cell changed (its warnings may have)

    def __init__(
        self,
        fields: Sequence[Field],
        *,
        check: Callable[[Row], list[tuple[str, str]]] | None = None,
        warn: Callable[[Row], list[tuple[str, str]]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.fields = tuple(fields)
        self._keys = [f.key for f in self.fields]
        self._rows: list[Row] = []
        self._typed: dict[tuple[int, str], tuple[str, str]] = {}  # unreadable text and its reason
        self._check = check
        self._warn = warn
        self._draft: tuple[int, str, str] | None = None  # (row, key, text) typed but not yet committed
        self.read_only = False

    # ----- the rows ------------------------------------------------------------------------------

    def rows(self) -> list[Row]:
        return [dict(row) for row in self._rows]

    def set_rows(self, rows: Iterable[Row]) -> None:
        self.beginResetModel()
        self._rows = [self._complete(row) for row in rows]
        self._typed.clear()
        self.endResetModel()
        self.changed.emit()

    def _complete(self, row: Row) -> Row:
        return {**{f.key: f.default for f in self.fields}, **row}

    def add_row(self, values: Row | None = None) -> int:
        position = len(self._rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.append(self._complete(values or {}))
        self.endInsertRows()
        self.changed.emit()
        return position

    def remove_rows(self, positions: Iterable[int]) -> None:
        for position in sorted(set(positions), reverse=True):
            if not 0 <= position < len(self._rows):
                continue
            self.beginRemoveRows(QModelIndex(), position, position)
            del self._rows[position]
            self._typed = {(r - (r > position), k): v for (r, k), v in self._typed.items() if r != position}
            self.endRemoveRows()
        self.changed.emit()

    def snapshot(self) -> list[tuple[tuple[str, Any], ...]]:
        """A comparable picture of the table, unreadable text included (for unsaved-changes checks)."""
        return [
            tuple((k, self._typed.get((i, k), (row[k],))[0]) for k in self._keys)
            for i, row in enumerate(self._rows)
        ]

    # ----- checks --------------------------------------------------------------------------------

    def problems(self) -> list[CellProblem]:
        """Everything that blocks a save: unreadable text, missing required values, row checks."""
        found: list[CellProblem] = []
        for i, row in enumerate(self._rows):
            for field in self.fields:
                if (i, field.key) in self._typed:
                    found.append(CellProblem(i, field.key, self._typed[(i, field.key)][1]))
                elif field.required and row[field.key] in (None, ""):
                    found.append(CellProblem(i, field.key, _("required")))
                elif isinstance(row[field.key], str) and (hidden := bidi_problem(row[field.key])):
                    found.append(CellProblem(i, field.key, hidden))  # marked in its cell, not only on save
            if self._check is not None:
                found += [CellProblem(i, key, message) for key, message in self._check(row)]
        return found

    def set_draft(self, position: int, key: str, text: str | None) -> None:
        """The text being typed in a text cell (None once the editor closes): its warnings show while
        typing, so a watched number or plate is flagged at once, before the cell is left."""
        draft = None if text is None else (position, key, text)
        if draft != self._draft:
            self._draft = draft
            self.drafted.emit()

    def warnings(self) -> list[CellProblem]:
        if self._warn is None:
            return []
        return [
            CellProblem(i, key, message)
            for i, row in enumerate(self._rows)
            for key, message in self._warn(self._drafted(i, row))
        ]

    def _drafted(self, position: int, row: Row) -> Row:
        if self._draft is None or self._draft[0] != position:
            return row
        return {**row, self._draft[1]: self._draft[2]}

    def column_of(self, key: str) -> int:
        return self._keys.index(key)

    def title_of(self, key: str) -> str:
        return self.fields[self._keys.index(key)].title

    # ----- Qt's model interface ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.fields)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base if self.read_only else base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, field = self._rows[index.row()], self.fields[index.column()]
        typed = self._typed.get((index.row(), field.key))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return typed[0] if typed else _format(field, row[field.key], row)
        if role == Qt.ItemDataRole.UserRole:
            return row[field.key]
        if role == Qt.ItemDataRole.TextAlignmentRole and field.kind in ("decimal", "money", "int"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.BackgroundRole):
            return self._mark(index.row(), field.key, role)
        return None

    def _mark(self, position: int, key: str, role: int) -> Any:
        errors = [p.message for p in self.problems() if p.row == position and p.key == key]
        warnings = [p.message for p in self.warnings() if p.row == position and p.key == key]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(errors + warnings) or None
        if errors:
            return QBrush(problem_background())
        return QBrush(warning_background()) if warnings else None

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.fields) - 1))
        self.changed.emit()

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or self.read_only:
            return False
        position, field = index.row(), self.fields[index.column()]
        self._typed.pop((position, field.key), None)
        if field.kind == "choice" or not isinstance(value, str):
            parsed = value
        else:
            try:
                parsed = _parse(field, value)
            except ValidationError as exc:
                self._typed[(position, field.key)] = (value, "; ".join(exc.problems))
                parsed = self._rows[position][field.key]
        if parsed == self._rows[position][field.key] and (position, field.key) not in self._typed:
            self._row_changed(position)
            return True
        self._rows[position][field.key] = parsed
        # A change may make other cells of the row wrong or right (a unit after a commodity).
        self._row_changed(position)
        return True

    def headerData(  # noqa: N802 - Qt's name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.fields):
                return None
            field = self.fields[section]
            return f"{field.title} *" if field.required else field.title
        return str(section + 1)


class RowsDelegate(QStyledItemDelegate):
    """Editors by kind: a list for choices (which may depend on the row), a line edit otherwise."""

    def __init__(self, model: RowsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:  # noqa: N802
        field = self._model.fields[index.column()]
        if field.kind == "choice" and field.choices is not None:
            row = self._model.rows()[index.row()]
            combo = CodeCombo(field.choices(row), empty="" if not field.required else None, parent=parent)
            combo.setFrame(False)
            return combo
        edit = QLineEdit(parent)
        edit.setFrame(False)
        if field.kind == "date":
            edit.setPlaceholderText("dd/mm/yyyy")
        elif field.kind == "text":
            position, key, model = index.row(), field.key, self._model
            edit.textEdited.connect(lambda text: model.set_draft(position, key, text))
        return edit

    def destroyEditor(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        self._model.set_draft(-1, "", None)  # committed or cancelled: the row's own values count again
        super().destroyEditor(editor, index)

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        if isinstance(editor, CodeCombo):
            editor.set_code(index.data(Qt.ItemDataRole.UserRole))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(  # noqa: N802
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        if isinstance(editor, CodeCombo):
            model.setData(index, editor.code(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class RowsPage(QWidget):
    """A table with Add and Remove, and the problems and warnings of its rows listed under it.

    Keyboard: Insert adds a row, Delete removes the selected rows (when no cell is being edited),
    F2 or typing edits a cell, Tab moves on."""

    def __init__(self, model: RowsModel, add_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._build_ui(add_text)
        self._connect_signals()
        self._update_buttons()

    def _build_ui(self, add_text: str) -> None:
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(RowsDelegate(self.model, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setTabKeyNavigation(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        unit = self.fontMetrics().averageCharWidth()
        for column in range(self.model.columnCount()):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            wanted = self.model.fields[column].width * unit + 16
            header.resizeSection(column, max(wanted, header.fontMetrics().horizontalAdvance(title) + 24))
        header.setStretchLastSection(True)
        self.add_button = QPushButton(add_text)
        self.remove_button = QPushButton(_("Remove selected"))
        self.problems_label = ErrorLabel()
        self.warnings_label = ErrorLabel()
        self.warnings_label.setStyleSheet(warning_style(self))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.warnings_label)
        layout.addLayout(buttons)
        self._insert_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Insert), self.table)
        self._delete_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        for shortcut in (self._insert_shortcut, self._delete_shortcut):
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self._insert_shortcut.activated.connect(self._on_add_button_clicked)
        self._delete_shortcut.activated.connect(self._on_remove_button_clicked)
        self.model.changed.connect(self._on_model_changed)
        self.model.drafted.connect(self._on_model_drafted)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

    def set_read_only(self, read_only: bool) -> None:
        self.model.read_only = read_only
        self.add_button.setVisible(not read_only)
        self.remove_button.setVisible(not read_only)
        self._insert_shortcut.setEnabled(not read_only)
        self._delete_shortcut.setEnabled(not read_only)

    def show_problems(self) -> None:
        """List the problems under the table (after a save attempt, or as they are fixed)."""
        self.problems_label.set_message(self._describe(self.model.problems()))

    def focus_first_problem(self) -> None:
        problems = self.model.problems()
        if problems:
            index = self.model.index(problems[0].row, self.model.column_of(problems[0].key))
            self.table.setCurrentIndex(index)
            self.table.setFocus()

    def _describe(self, problems: list[CellProblem]) -> str:
        return "\n".join(
            _("Row {row}, {column}: {message}").format(
                row=p.row + 1, column=self.model.title_of(p.key), message=p.message
            )
            for p in problems
        )

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.table.selectionModel().hasSelection())

    def _on_add_button_clicked(self) -> None:
        position = self.model.add_row()
        index = self.model.index(position, 0)
        self.table.setCurrentIndex(index)
        self.table.setFocus()
        self.table.edit(index)

    def _on_remove_button_clicked(self) -> None:
        rows = [index.row() for index in self.table.selectionModel().selectedRows()]
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        self.model.remove_rows(rows)
        self._update_buttons()

    def _on_model_changed(self) -> None:
        if self.problems_label.isVisible():
            self.show_problems()
        self.warnings_label.set_message(self._describe(self.model.warnings()))

    def _on_model_drafted(self) -> None:
        self.warnings_label.set_message(self._describe(self.model.warnings()))
