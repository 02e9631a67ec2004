"""A PDF shown inside the app (QPdfView) with page navigation, zoom, printing and saving."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError
from app.i18n import _
from ui.errors import show_error

ZOOM_STEP = 1.25
PRINT_DPI = 300


class PdfPreview(QWidget):
    """The pages of one PDF, with a toolbar: page n of m, zoom out / fit width / zoom in, print, save."""

    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data = b""
        self._suggested = "outpost.pdf"
        self._buffer = QBuffer(self)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.page = QSpinBox()
        self.page.setMinimum(1)
        self.page.setAccessibleName(_("Page"))
        self.pages = QLabel()
        self.zoom_out = self._button(_("Zoom out"), "-", QKeySequence.StandardKey.ZoomOut)
        self.fit = self._button(_("Fit width"), _("Fit width"), None)
        self.zoom_in = self._button(_("Zoom in"), "+", QKeySequence.StandardKey.ZoomIn)
        self.print_button = self._button(_("Print…"), _("Print…"), QKeySequence.StandardKey.Print)
        self.save_button = self._button(_("Save PDF…"), _("Save PDF…"), QKeySequence.StandardKey.Save)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Page")))
        bar.addWidget(self.page)
        bar.addWidget(self.pages)
        bar.addStretch(1)
        for button in (self.zoom_out, self.fit, self.zoom_in, self.print_button, self.save_button):
            bar.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(bar)
        # Until a document is loaded, a line saying where it will be rather than an empty grey area.
        self.empty = QLabel(_("The document appears here once it is made."))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        column.addWidget(self.stack, 1)
        self.page.valueChanged.connect(self._jump)
        self.view.pageNavigator().currentPageChanged.connect(self._page_shown)
        self.zoom_out.clicked.connect(lambda: self._zoom(1 / ZOOM_STEP))
        self.zoom_in.clicked.connect(lambda: self._zoom(ZOOM_STEP))
        self.fit.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        self.print_button.clicked.connect(self.print_dialog)
        self.save_button.clicked.connect(self.save_dialog)
        self._set_enabled(False)

    def _button(self, tip: str, text: str, key: QKeySequence.StandardKey | None) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        if key is not None:
            button.setShortcut(QKeySequence(key))
        return button

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.page, self.zoom_out, self.fit, self.zoom_in, self.print_button, self.save_button):
            widget.setEnabled(enabled)

    def load(self, data: bytes, suggested_name: str) -> None:
        """Show ``data`` (a whole PDF); ``suggested_name`` is offered when saving."""
        self.document.close()
        self._buffer.close()
        self._data = data
        self._suggested = suggested_name
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        count = self.document.pageCount()
        self.page.setMaximum(max(count, 1))
        self.page.setValue(1)
        self.pages.setText(_("of {count}").format(count=count))
        self._set_enabled(count > 0)
        self.stack.setCurrentWidget(self.view if count > 0 else self.empty)

    @property
    def page_count(self) -> int:
        return int(self.document.pageCount())

    @property
    def suggested_name(self) -> str:
        return self._suggested

    @property
    def data(self) -> bytes:
        return self._data

    def _jump(self, number: int) -> None:
        if self.page_count and self.view.pageNavigator().currentPage() != number - 1:
            self.view.pageNavigator().jump(number - 1, QPointF(), self.view.zoomFactor())

    def _page_shown(self, index: int) -> None:
        self.page.blockSignals(True)
        self.page.setValue(index + 1)
        self.page.blockSignals(False)

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.25, min(4.0, self.view.zoomFactor() * factor)))

    def print_to(self, printer: QPrinter) -> int:
        """Draw every page on ``printer`` at its resolution; returns the number of pages sent."""
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError(_("the printer could not be opened"))
        try:
            area = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
            for index in range(self.page_count):
                if index:
                    printer.newPage()
                points = self.document.pagePointSize(index)
                scale = PRINT_DPI / 72
                image = self.document.render(
                    index, QSize(int(points.width() * scale), int(points.height() * scale))
                )
                target = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(
                    area.x(),
                    area.y(),
                    image.scaled(
                        target, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                    ),
                )
        finally:
            painter.end()
        return self.page_count

    def print_dialog(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Print"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.print_to(printer)
        except OSError as exc:
            show_error(self, str(exc), _("Could not print"))

    def save_dialog(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save PDF"), str(Path.home() / self._suggested), _("PDF documents (*.pdf)")
        )
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> bool:
        """Write the PDF whole or not at all; a failure is shown, not raised."""
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        from app.printing import save  # ReportLab comes with it: not loaded before the first page is shown

        try:
            save(path, self._data)
        except AppError as exc:  # a folder chosen as the file
            show_error(self, exc.message, _("Could not save the PDF"))
            return False
        except OSError as exc:
            show_error(
                self,
                _("{path}: {reason}").format(path=path, reason=exc.strerror or exc),
                _("Could not save the PDF"),
            )
            return False
        self.saved.emit(str(path))
        return True


class PdfPreviewDialog(QDialog):
    """A printed form, previewed before it is printed or saved."""

    def __init__(self, data: bytes, title: str, suggested_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(820, 960)
        self.preview = PdfPreview(self)
        self.preview.load(data, suggested_name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.preview, 1)
        column.addWidget(buttons)
