"""Photos and files of a case: dropped or chosen files go into the content-addressed store first.

The case itself keeps only each file's SHA-256, name, type, size and caption; the same photo added
twice is stored once. Thumbnails are read scaled, straight from the store, and kept per file."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QBuffer,
    QByteArray,
    QIODevice,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImageReader,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.attachments import AttachmentStore
from app.domain import AttachmentInput
from app.errors import AppError
from app.formatting import format_int
from app.i18n import _
from app.progress import CancelToken, Progress
from ui.errors import show_error
from ui.jobs import ProgressRunner

Index = QModelIndex | QPersistentModelIndex
THUMBNAIL = 128


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return _("{size} MB").format(size=f"{size / (1024 * 1024):.1f}".replace(".", ","))
    return _("{size} KB").format(size=format_int(max(1, round(size / 1024))))


class AttachmentsModel(QAbstractListModel):
    """The case's files in order; the caption is what shows and what can be edited (F2)."""

    changed = Signal()

    def __init__(self, store: AttachmentStore, file_icon: QIcon, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._file_icon = file_icon
        self._items: list[AttachmentInput] = []
        self._thumbnails: dict[str, QIcon] = {}
        self.read_only = False

    def items(self) -> list[AttachmentInput]:
        return list(self._items)

    def set_items(self, items: list[AttachmentInput]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()
        self.changed.emit()

    def add(self, items: list[AttachmentInput]) -> None:
        seen = {item.sha256 for item in self._items}
        fresh = []
        for item in items:  # the same content twice is one file, whatever its names
            if item.sha256 not in seen:
                seen.add(item.sha256)
                fresh.append(item)
        if not fresh:
            return
        start = len(self._items)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self._items.extend(fresh)
        self.endInsertRows()
        self.changed.emit()

    def remove(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._items):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._items[row]
                self.endRemoveRows()
        self.changed.emit()

    def _thumbnail(self, item: AttachmentInput) -> QIcon:
        if item.sha256 not in self._thumbnails:
            icon = self._file_icon
            if item.mime.startswith("image/"):
                # Stored files have no extension, and guessing from content can pick the wrong
                # reader (a PNG taken for TGA): name the format after the original file.
                suffix = Path(item.filename).suffix.lstrip(".").lower().encode()
                try:
                    data = QByteArray(self._store.read_bytes(item.sha256))
                except AppError:
                    data = QByteArray()
                buffer = QBuffer(data)  # decrypted in memory: no clear copy on disk
                buffer.open(QIODevice.OpenModeFlag.ReadOnly)
                reader = QImageReader(buffer, suffix)
                reader.setAutoTransform(True)
                size = reader.size()
                if size.isValid():
                    reader.setScaledSize(
                        size.scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio)
                    )
                image = reader.read()
                if not image.isNull():
                    icon = QIcon(QPixmap.fromImage(image))
            self._thumbnails[item.sha256] = icon
        return self._thumbnails[item.sha256]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base if self.read_only else base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.caption or item.filename
        if role == Qt.ItemDataRole.EditRole:
            return item.caption or ""
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.filename}\n{item.mime}, {_size_text(item.size)}\nSHA-256 {item.sha256[:16]}…"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or self.read_only:
            return False
        caption = str(value).strip() or None
        row = index.row()
        if caption != self._items[row].caption:
            self._items[row] = replace(self._items[row], caption=caption)
            self.dataChanged.emit(index, index)
            self.changed.emit()
        return True


class AttachmentsPage(QWidget):
    """Drop files here or press Add; Enter opens the selected file, Delete takes it off the case."""

    def __init__(self, store: AttachmentStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.model = AttachmentsModel(
            store, self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon), self
        )
        self._build_ui()
        self._connect_signals()
        self.setAcceptDrops(True)
        self._update_buttons()

    def _build_ui(self) -> None:
        self.hint = QLabel(_("Drag photos and files here, or press Add files. F2 edits a caption."))
        self.hint.setWordWrap(True)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.view.setGridSize(QSize(THUMBNAIL + 40, THUMBNAIL + 48))
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setWordWrap(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.add_button = QPushButton(_("&Add files…"))
        self.open_button = QPushButton(_("&Open"))
        self.remove_button = QPushButton(_("Remove from the case"))
        buttons = QHBoxLayout()
        for button in (self.add_button, self.open_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self._open_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Return), self.view)
        self._delete_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.view)
        for shortcut in (self._open_shortcut, self._delete_shortcut):
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.view.doubleClicked.connect(self._on_open_button_clicked)
        self._open_shortcut.activated.connect(self._on_open_button_clicked)
        self._delete_shortcut.activated.connect(self._on_remove_button_clicked)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)

    def set_read_only(self, read_only: bool) -> None:
        self.model.read_only = read_only
        self.add_button.setVisible(not read_only)
        self.remove_button.setVisible(not read_only)
        self._delete_shortcut.setEnabled(not read_only)
        self.setAcceptDrops(not read_only)
        self.hint.setVisible(not read_only)

    def add_files(self, paths: list[Path]) -> list[AttachmentInput]:
        """Store the files (behind a progress dialog if it takes a while) and add them to the case."""
        store = self._store

        def work(progress: Progress, cancel: CancelToken) -> list[AttachmentInput]:
            stored = []
            for done, path in enumerate(paths):
                cancel.check()
                stored.append(store.store_file(path))
                progress(done + 1, len(paths))
            return stored

        outcome = ProgressRunner(_("Adding files to the case…"), self).run(work, total=len(paths))
        if outcome.state == "failed":
            show_error(self, outcome.message)
        if outcome.state != "finished":
            return []
        self.model.add(outcome.result)
        return list(outcome.result)

    def _selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.view.selectionModel().selectedIndexes())

    def _update_buttons(self) -> None:
        selected = bool(self._selected_rows())
        self.open_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    def _on_add_button_clicked(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Add files to the case"),
            str(Path.home()),
            _("Photos and documents (*.jpg *.jpeg *.png *.heic *.pdf *.doc *.docx *.xlsx);;All files (*)"),
        )
        if names:
            self.add_files([Path(name) for name in names])

    def _on_open_button_clicked(self) -> None:
        """Open a copy under its own name (the store names files by content, without extension)."""
        folder = Path(tempfile.mkdtemp(prefix="outpost-view-"))
        for row in self._selected_rows():
            item = self.model.items()[row]
            try:
                copy = self._store.export_file(item.sha256, folder / Path(item.filename).name)
            except AppError as exc:
                show_error(self, exc.message)
                continue
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(copy)))

    def _on_remove_button_clicked(self) -> None:
        if not self.model.read_only:
            self.model.remove(self._selected_rows())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        files = [path for path in paths if path.is_file()]
        if files:
            event.acceptProposedAction()
            self.add_files(files)
        if len(files) < len(paths):
            show_error(self, _("Folders cannot be added; drop the files inside them."))
