"""First run: set up this post, headquarters, or a demo register to try Outpost."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.errors import AppError
from app.reference import load_reference
from app.register import init_register

DEMO_CODE = "BP-DEMO"


class FirstRunDialog(QDialog):
    """Emits ``register_created`` with the new context; ``mode`` tells which path was taken."""

    register_created = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data_dir = data_dir
        self._reference = load_reference()
        self.mode = ""
        self.context: Context | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.setWindowTitle("Outpost — Thiết lập lần đầu")
        self.setMinimumWidth(560)
        self.pages = QStackedWidget()
        choose = QWidget()
        column = QVBoxLayout(choose)
        column.addWidget(QLabel("Chưa có sổ vụ việc trên máy này. Bạn muốn làm gì?"))
        self.post_button = QPushButton("Thiết lập đồn (trạm) này")
        self.hq_button = QPushButton("Thiết lập Bộ Chỉ huy / cấp tỉnh (HQ)")
        self.demo_button = QPushButton("Dùng thử với dữ liệu mẫu")
        for button in (self.post_button, self.hq_button, self.demo_button):
            button.setMinimumHeight(44)
            column.addWidget(button)
        column.addStretch()
        self.pages.addWidget(choose)

        form_page = QWidget()
        self.form = QFormLayout(form_page)
        self.code = QLineEdit()
        self.code.setPlaceholderText("VD: BP-VX")
        self.name = QLineEdit()
        self.name.setPlaceholderText("VD: Đồn Biên phòng Cửa khẩu quốc tế Vĩnh Xương")
        self.force = QComboBox()
        for item in self._reference.lists["forces"].values():
            self.force.addItem(item.vi, item.code)
        self.commune = QComboBox()
        self.commune.addItem("—", None)
        for commune in sorted(self._reference.communes.values(), key=lambda c: c.name):
            self.commune.addItem(f"{commune.name} ({commune.code})", commune.code)
        self.header_1 = QLineEdit()
        self.header_1.setPlaceholderText("BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH AN GIANG")
        self.header_2 = QLineEdit()
        self.header_2.setPlaceholderText("ĐỒN BIÊN PHÒNG …")
        self.admin = QLineEdit("admin")
        self.admin_name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        for label, widget in (
            ("Mã đơn vị", self.code),
            ("Tên đơn vị", self.name),
            ("Lực lượng", self.force),
            ("Xã, phường", self.commune),
            ("Dòng tiêu đề 1", self.header_1),
            ("Dòng tiêu đề 2", self.header_2),
            ("Tài khoản quản trị", self.admin),
            ("Họ và tên", self.admin_name),
            ("Mật khẩu", self.password),
            ("Nhập lại mật khẩu", self.password_again),
        ):
            self.form.addRow(label, widget)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        self.form.addRow(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Thiết lập")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quay lại")
        self.form.addRow(self.buttons)
        self.pages.addWidget(form_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    def _connect_signals(self) -> None:
        self.post_button.clicked.connect(lambda: self._show_form("post"))
        self.hq_button.clicked.connect(lambda: self._show_form("hq"))
        self.demo_button.clicked.connect(lambda: self._show_form("demo"))
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(lambda: self.pages.setCurrentIndex(0))

    def _show_form(self, mode: str) -> None:
        self.mode = mode
        post_only = mode == "post"
        for widget in (self.force, self.commune, self.header_1, self.header_2):
            widget.setVisible(post_only)
            self.form.labelForField(widget).setVisible(post_only)
        for widget in (self.code, self.name, self.admin):
            widget.setEnabled(mode != "demo")
            self.form.labelForField(widget).setVisible(mode != "demo")
            widget.setVisible(mode != "demo")
        if mode == "demo":
            self.code.setText(DEMO_CODE)
            self.name.setText("Đồn Biên phòng (dữ liệu mẫu)")
            self.admin.setText("admin")
            self.admin_name.setText(self.admin_name.text() or "Quản trị viên")
        self.message.clear()
        self.pages.setCurrentIndex(1)
        (self.admin_name if mode == "demo" else self.code).setFocus()

    def _on_buttons_accepted(self) -> None:
        if self.password.text() != self.password_again.text():
            self.message.setText("Hai lần nhập mật khẩu không khớp.")
            return
        headers = [h.text().strip() for h in (self.header_1, self.header_2) if h.text().strip()]
        try:
            self.context = init_register(
                self._data_dir,
                kind="hq" if self.mode == "hq" else "post",
                code=self.code.text().strip(),
                name=self.name.text().strip(),
                admin_username=self.admin.text().strip(),
                admin_full_name=self.admin_name.text().strip() or None,
                admin_password=self.password.text(),
                force=self.force.currentData() if self.mode == "post" else "border_guard",
                commune_code=self.commune.currentData() if self.mode == "post" else None,
                header_lines=headers if self.mode == "post" else [],
            )
        except AppError as exc:
            self.message.setText(_vi_setup_message(exc.message))
            return
        self.register_created.emit(self.context)
        self.accept()


def _vi_setup_message(message: str) -> str:
    if "at least" in message and "password" in message:
        return f"Mật khẩu quá ngắn. ({message})"
    return f"Chưa thiết lập được: {message}"
