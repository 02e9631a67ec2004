"""HQ's list of posts, for the daily check of who is late: each post's last bundle, what is missing,
its certificate and the reporting deadlines it has missed; a chief or admin revokes a post from here.

Read-only for analysts (``station.read``); revoking needs ``station.revoke`` and goes through the
same service as ``outpost station revoke`` (``app.sync.enrol.revoke``), with a reason that the audit
trail keeps. The list is a few dozen posts read in one go: it is loaded on the GUI thread."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.auth import can
from app.context import Context
from app.deadlines import describe
from app.domain import Actor
from app.errors import AppError
from app.formatting import format_int
from app.i18n import _
from app.sync.enrol import revoke
from app.sync.status import REVOKED, PostStatus, posts
from ui.colours import problem_background
from ui.errors import show_error
from ui.list_model import Index, ListTableModel
from ui.reason_dialog import ReasonDialog

CERTIFICATE_COLUMN, OVERDUE_COLUMN = 5, 6
REASON_SHOWN = 30  # characters of a revocation's reason in the list; the whole of it on hover


class StationsModel(ListTableModel):
    """The posts, one a row; an overdue post's row is tinted so it stands out in a long list."""

    def __init__(self) -> None:
        super().__init__(
            [
                _("Post"),
                _("Last bundle"),
                _("Received up to"),
                _("Missing changes"),
                _("Missing parts"),
                _("Certificate"),
                _("Overdue"),
            ],
            numeric=(2,),
        )
        self._late: list[bool] = []
        self._reasons: list[str] = []

    def set_posts(self, found: list[PostStatus], when: Any) -> None:
        self._late = [bool(p.overdue) for p in found]
        self._reasons = [p.revocation[1] if p.revocation else "" for p in found]
        self.set_rows([_row(p, when) for p in found], [p.code for p in found])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid() and 0 <= index.row() < len(self._late):
            return QBrush(problem_background()) if self._late[index.row()] else None
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and index.isValid()
            and index.column() == CERTIFICATE_COLUMN
            and 0 <= index.row() < len(self._reasons)
            and self._reasons[index.row()]
        ):  # the whole reason: the list shows its beginning, so that the column stays in view
            return _("Revoked because: {reason}").format(reason=self._reasons[index.row()])
        return super().data(index, role)


def _row(p: PostStatus, when: Any) -> tuple[str, ...]:
    if p.certificate == REVOKED:
        certificate = _("revoked {when}").format(when=when(p.revoked_at))
        if p.revocation:
            by, reason = p.revocation
            reason = reason if len(reason) <= REASON_SHOWN else reason[: REASON_SHOWN - 1].rstrip() + "…"
            certificate += " " + _("by {user}: {reason}").format(user=by, reason=reason)
    else:
        certificate = _("active")
    if p.retired_keys:
        certificate += " · " + _("{count} key(s) retired ({day})").format(
            count=len(p.retired_keys), day=f"{p.retired_keys[-1]:%d/%m/%Y}"
        )
    parts = "; ".join(
        _("part {numbers} of {count}").format(numbers=", ".join(map(str, s["missing"])), count=s["parts"])
        for s in p.missing_parts
    )
    late = "\n".join(describe(d) for d in p.overdue)
    return (
        f"{p.code} — {p.name}",
        when(p.last_received) if p.last_received else _("no bundle yet"),
        format_int(p.acknowledged),
        ", ".join(f"{a}–{b}" for a, b in p.missing),
        parts,
        certificate,
        _("OVERDUE: {deadlines}").format(deadlines=late) if late else "",
    )


class StationsDialog(QDialog):
    """The posts as of ``today`` (the register's own day unless a test gives one)."""

    def __init__(
        self, ctx: Context, actor: Actor, parent: QWidget | None = None, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._today = today
        self.can_revoke = can(actor, "station.revoke")
        self.posts: list[PostStatus] = []
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Posts and reporting deadlines"))
        self.resize(1200, 420)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = StationsModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # a post late with two reports names each on its own line
        header = self.table.horizontalHeader()
        # Every column as wide as what it holds, the overdue reports too (a narrow window scrolls rather
        # than cut "QUÁ HẠN: báo cáo tháng hạn 20/12/2…"); the last column takes what room is left.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.revoke_button = QPushButton(_("&Revoke this post…"))
        self.revoke_button.setToolTip(_("A stolen or lost laptop: refuse the post's bundles from now on"))
        self.revoke_button.setVisible(self.can_revoke)
        self.refresh_button = QPushButton(_("R&efresh"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        row = QHBoxLayout()
        row.addWidget(self.revoke_button)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        column = QVBoxLayout(self)
        column.addWidget(self.summary)
        column.addWidget(self.table, 1)
        column.addLayout(row)

    def _connect_signals(self) -> None:
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.revoke_button.clicked.connect(self._on_revoke_button_clicked)
        self.refresh_button.clicked.connect(self._load)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        try:
            self.posts = posts(self._ctx, self._actor, self._today)
        except AppError as exc:
            show_error(self, exc.message)
            self.posts = []

        def when(moment: Any) -> str:
            return self._ctx.local(moment).strftime("%d/%m/%Y %H:%M")

        self.model.set_posts(self.posts, when)
        self.table.resizeRowsToContents()
        late = sum(1 for p in self.posts if p.overdue)
        active = sum(1 for p in self.posts if p.revoked_at is None)  # a revoked post owes no report
        today = self._today or self._ctx.today()
        if not self.posts:
            self.summary.setText(_("No post is enrolled yet."))
        elif late:
            self.summary.setText(
                _("On {day}: {late} of {count} posts are late with a report (tinted red).").format(
                    day=f"{today:%d/%m/%Y}", late=format_int(late), count=format_int(active)
                )
            )
        elif not active:
            self.summary.setText(_("Every enrolled post is revoked."))
        else:
            self.summary.setText(
                _("On {day}: no post is late with a report.").format(day=f"{today:%d/%m/%Y}")
            )
        self._update_buttons()

    def selected(self) -> PostStatus | None:
        rows = self.table.selectionModel().selectedRows()
        return self.posts[rows[0].row()] if rows else None

    def select_code(self, code: str) -> None:
        for row, post in enumerate(self.posts):
            if post.code == code:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        post = self.selected()
        self.revoke_button.setEnabled(self.can_revoke and post is not None and post.revoked_at is None)

    def _on_table_selection_changed(self, *_args: object) -> None:
        self._update_buttons()

    def _on_revoke_button_clicked(self) -> None:
        post = self.selected()
        if post is None or not self.can_revoke:
            return
        dialog = ReasonDialog(
            _("Revoke post {code}").format(code=post.code),
            _(
                "Revoke {code} — {name}? From now on every bundle of this post is refused and HQ "
                "writes it no return bundle; this cannot be undone here (the post is enrolled again "
                "with new keys). Say why (kept in the audit trail)."
            ).format(code=post.code, name=post.name),
            _("Revoke {code}").format(code=post.code),
            self,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            revoke(self._ctx, self._actor, post.code, dialog.text())
        except AppError as exc:
            show_error(self, exc.message)
        self._load()
        self.select_code(post.code)
