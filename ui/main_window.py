"""The main window: home dashboard, the case register with filters and a summary panel, the approval
queue, and the menus that reach every command (editor, workflow, lookup, lock, settings)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.auth import can
from app.context import Context
from app.domain import Actor, CaseFilter, CaseResult, Changes
from app.errors import AppError
from app.formatting import format_int
from app.i18n import _, ngettext
from ui.case_model import COLUMNS, CaseTableModel
from ui.case_panel import CasePanel
from ui.column_widths import case_samples, content_width
from ui.dashboard import DashboardWidget
from ui.errors import show_error
from ui.events import Events
from ui.filter_bar import FilterBar
from ui.lock import IdleWatcher, lock_windows
from ui.lookup import LookupDialog
from ui.print_key import KeyMemory
from ui.window_state import WindowState
from ui.workflow import CaseActions

if TYPE_CHECKING:
    from ui.editor import CaseEditor
    from ui.reports import ReportsPage

DASHBOARD_TAB, CASES_TAB, QUEUE_TAB, REPORTS_TAB = 0, 1, 2, 3
AWAITING = CaseFilter(statuses=("submitted",))
# The case tables' columns, to tell a saved column layout from one saved for other columns.
COLUMN_IDS = ",".join(column.title for column in COLUMNS)


def _case_table(
    model: CaseTableModel, row_height: int, char_width: int, samples: dict[int, str]
) -> QTableView:
    """``samples``: the widest value a column shows (a case number, a time), which it is never narrower
    than: digits and capitals are wider than the average character the starting widths count in."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setSortingEnabled(True)
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # newest first, as the model loads
    table.verticalHeader().setVisible(False)
    # Fixed row heights: the view never measures rows, so scrolling stays fast on long lists.
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(row_height)
    header = table.horizontalHeader()
    # The place stretches into what the other columns leave: on a narrow window (1024 px, the case panel
    # open) it was left "Địa điể" wide beside a violation group 30 characters wide. The group now starts
    # narrower (a user widens it, and the width is remembered) and no column goes below a few words;
    # past that the list scrolls sideways.
    header.setMinimumSectionSize(14 * char_width)
    for section, column in enumerate(COLUMNS):
        fitted = content_width(table, samples.get(section, ""), _(column.title))
        header.resizeSection(section, max(column.width * char_width, fitted))
        if column.stretch:
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
    return table


class MainWindow(QMainWindow):
    language_changed = Signal(str)
    lock_requested = Signal()

    def __init__(
        self, ctx: Context, actor: Actor, events: Events | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.events = events or Events(self)
        self.model = CaseTableModel(ctx, actor)
        self.queue_model = CaseTableModel(ctx, actor)
        # Only the station's own cases wait for its chief: at HQ, the posts' cases are theirs to approve
        # (a post holds only its own cases).
        awaiting = replace(AWAITING, origin=ctx.station_id) if ctx.kind == "hq" else AWAITING
        self.queue_model.set_filter(awaiting)
        self.editors: dict[str | None, CaseEditor] = {}
        self.keys = KeyMemory()  # the key passphrase for signing prints, for this session only
        self.lookup_dialog: LookupDialog | None = None
        self._build_ui()
        self._connect_signals()
        self._load()

    # ----- building ------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Outpost — {station}").format(station=self._ctx.station_code))
        self.resize(1280, 760)
        row_height = self.fontMetrics().height() + 8
        char = self.fontMetrics().averageCharWidth()
        self.case_actions = CaseActions(self._ctx, self._actor, self.events, self, self.keys)

        self.dashboard = DashboardWidget(self._ctx, self._actor)
        self.filter_bar = FilterBar(self._ctx, self._actor)
        samples = case_samples(self._ctx)
        self.table = _case_table(self.model, row_height, char, samples)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)  # Export…, added below
        self.panel = CasePanel(self._ctx)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        cases_page = QWidget()
        column = QVBoxLayout(cases_page)
        column.addWidget(self.filter_bar)
        column.addWidget(self.splitter, 1)

        self.queue_table = _case_table(self.queue_model, row_height, char, samples)
        queue_page = QWidget()
        queue_column = QVBoxLayout(queue_page)
        self.queue_label = QLabel()
        self.queue_label.setWordWrap(True)
        queue_column.addWidget(self.queue_label)
        queue_column.addWidget(self.queue_table, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.dashboard, _("H&ome"))
        self.tabs.addTab(cases_page, _("&Cases"))
        self.tabs.addTab(queue_page, _("A&waiting approval"))
        # The reports page is built when first shown (``reports``): it and the report modules it
        # imports were ~0.1 s of the window's start (issue 20, fast start).
        self._reports: ReportsPage | None = None
        self._reports_holder = QWidget()
        QVBoxLayout(self._reports_holder).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self._reports_holder, _("&Reports"))
        self.setCentralWidget(self.tabs)

        self.user_label = QLabel(
            _("{name} — {role}").format(
                name=self._actor.full_name, role=self._ctx.reference.label("roles", self._actor.role)
            )
        )
        self.count_label = QLabel()
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.count_label)
        # At HQ: the bundles waiting in the inbox folder, watched (copied in, fetched from the mailbox).
        self.inbox_label = QLabel()
        self.inbox_label.setTextFormat(Qt.TextFormat.RichText)
        self.inbox_label.setVisible(False)
        self.inbox_watcher = QFileSystemWatcher(self)
        if self._ctx.kind == "hq":
            from app.sync.inbox import inbox_folder  # HQ's alone: a post never loads the mail modules

            folder = inbox_folder(self._ctx)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self.inbox_watcher.addPath(str(folder))
            except OSError:
                pass  # a shared folder not mounted: the count is still read when the window opens
            self.statusBar().addPermanentWidget(self.inbox_label)
            self.update_inbox()
        self._build_menus()
        self.table.addAction(self.export_action)

    def _build_menus(self) -> None:
        self.lookup_action = QAction(_("&Look up a person or vehicle…"), self)
        self.lookup_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.find_action = QAction(_("&Find cases"), self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.refresh_action = QAction(_("&Refresh"), self)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.lock_action = QAction(_("&Lock"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.settings_action = QAction(_("&Settings…"), self)
        self.quit_action = QAction(_("&Quit"), self)
        # Spelled out: Windows has no standard Quit shortcut, so StandardKey.Quit would be empty there.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.about_action = QAction(_("&About Outpost"), self)
        self.diagnostics_action = QAction(_("Save &diagnostics…"), self)
        self.send_action = QAction(_("Send to &HQ…"), self)
        self.send_action.setVisible(self._ctx.kind == "post" and can(self._actor, "sync.export"))
        self.receive_action = QAction(_("&Receive bundles…"), self)
        self.receive_action.setVisible(can(self._actor, "sync.import"))
        self.reply_action = QAction(_("&Write return bundles…"), self)
        self.reply_action.setVisible(self._ctx.kind == "hq" and can(self._actor, "sync.reply"))
        self.campaigns_action = QAction(_("&Campaign periods…"), self)
        self.watch_action = QAction(_("&Watch list review…"), self)
        self.watch_action.setVisible(self._ctx.kind == "hq" and can(self._actor, "watch.review"))
        self.stations_action = QAction(_("&Posts and reporting deadlines…"), self)
        self.stations_action.setVisible(self._ctx.kind == "hq" and can(self._actor, "station.read"))
        self.field_work_action = QAction(_("Field &work…"), self)  # patrols, checkpoints, … (issue 19)
        self.field_work_action.setShortcut(QKeySequence("Ctrl+Shift+W"))
        self.establishments_action = QAction(_("E&stablishments…"), self)  # shops inspected (issue 19)
        self.establishments_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_action = QAction(_("&Export…"), self)
        self.export_action.setToolTip(
            _("The case list as shown, or its people or vehicles, to Excel, CSV or a map")
        )
        self.tip_action = QAction(_("New &tip-off…"), self)
        self.tip_action.setVisible(can(self._actor, "tip.create"))
        self.tips_action = QAction(_("Tip-&offs…"), self)  # the list, detail, history (ui/tips_list.py)
        self.tips_action.setVisible(can(self._actor, "tip.read"))
        self.restore_action = QAction(_("Restore a &backup…"), self)
        self.restore_action.setVisible(can(self._actor, "register.restore"))
        self.users_action = QAction(_("&Users…"), self)
        self.users_action.setVisible(can(self._actor, "user.manage"))  # the service checks it again
        self.password_action = QAction(_("Change my &password…"), self)
        # Enrolment and re-keying (app.sync.key_requests): a post's requests and installs, HQ's acceptance.
        self.keys_action = QAction(_("Station &keys…"), self)
        self.keys_action.setVisible(self._ctx.kind == "post" and can(self._actor, "station.enrol"))
        self.accept_request_action = QAction(_("&Accept a station's request…"), self)
        self.accept_request_action.setVisible(self._ctx.kind == "hq" and can(self._actor, "station.enrol"))
        # Tools (issue 20): the audit check, mail set-up and the reference lists, each its own dialog.
        self.audit_action = QAction(_("&Verify the audit trail…"), self)
        self.audit_action.setVisible(can(self._actor, "audit.verify"))
        self.mail_action = QAction(_("&Mail set-up…"), self)
        self.mail_action.setVisible(can(self._actor, "station.enrol"))  # as 'outpost mail setup'
        self.reference_action = QAction(_("&Reference data…"), self)
        a = self.case_actions

        file_menu = self.menuBar().addMenu(_("&File"))
        for action in (
            a.new_action,
            a.open_action,
            self.tip_action,
            self.tips_action,
            self.export_action,
            None,
            self.send_action,
            self.receive_action,
            self.reply_action,
            self.keys_action,
            self.accept_request_action,
            None,
            self.campaigns_action,
            self.watch_action,
            self.restore_action,
            self.users_action,
            None,
            self.password_action,
            self.lock_action,
            self.settings_action,
            None,
            self.quit_action,
        ):
            file_menu.addSeparator() if action is None else file_menu.addAction(action)
        case_menu = self.menuBar().addMenu(_("C&ase"))
        for action in (
            a.submit_action,
            a.approve_action,
            a.return_action,
            a.close_action,
            None,
            a.void_action,
            None,
            a.history_action,
            a.handover_action,
        ):
            case_menu.addSeparator() if action is None else case_menu.addAction(action)
        view_menu = self.menuBar().addMenu(_("&View"))
        for action in (
            self.find_action,
            self.lookup_action,
            self.refresh_action,
            self.stations_action,
            self.field_work_action,
            self.establishments_action,
        ):
            view_menu.addAction(action)
        tools_menu = self.menuBar().addMenu(_("&Tools"))
        for action in (self.audit_action, self.mail_action, self.reference_action):
            tools_menu.addAction(action)
        help_menu = self.menuBar().addMenu(_("&Help"))
        help_menu.addAction(self.diagnostics_action)
        help_menu.addAction(self.about_action)

        toolbar = QToolBar(_("Main toolbar"))
        toolbar.setObjectName("main_toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            a.new_action,
            a.open_action,
            None,
            a.submit_action,
            a.approve_action,
            a.return_action,
            a.void_action,
            None,
            a.history_action,
            self.lookup_action,
        ):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        self.addToolBar(toolbar)

    def _connect_signals(self) -> None:
        self.case_actions.open_requested.connect(self._on_actions_open_requested)
        self.events.changed.connect(self._on_events_changed)
        self.filter_bar.filter_changed.connect(self._on_filter_bar_filter_changed)
        self.model.count_changed.connect(self._on_model_count_changed)
        self.model.count_failed.connect(self._on_model_count_failed)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.queue_model.count_changed.connect(self._on_queue_model_count_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.queue_table.selectionModel().selectionChanged.connect(self._on_queue_table_selection_changed)
        self.table.activated.connect(self._on_table_activated)
        self.queue_table.activated.connect(self._on_queue_table_activated)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.dashboard.case_activated.connect(self._on_case_activated)
        self.dashboard.queue_requested.connect(self._on_dashboard_queue_requested)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_indicator_changed)
        self.queue_table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_indicator_changed)
        self.lookup_action.triggered.connect(self._on_lookup_action_triggered)
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.refresh_action.triggered.connect(self._on_refresh_action_triggered)
        self.lock_action.triggered.connect(self._on_lock_action_triggered)
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        self.quit_action.triggered.connect(self._on_quit_action_triggered)
        self.about_action.triggered.connect(self._on_about_action_triggered)
        self.diagnostics_action.triggered.connect(self._on_diagnostics_action_triggered)
        self.send_action.triggered.connect(self._on_send_action_triggered)
        self.receive_action.triggered.connect(self._on_receive_action_triggered)
        self.reply_action.triggered.connect(self._on_reply_action_triggered)
        self.watch_action.triggered.connect(self._on_watch_action_triggered)
        self.keys_action.triggered.connect(self._on_keys_action_triggered)
        self.accept_request_action.triggered.connect(self._on_accept_request_action_triggered)
        self.campaigns_action.triggered.connect(self._on_campaigns_action_triggered)
        self.stations_action.triggered.connect(self._on_stations_action_triggered)
        self.tip_action.triggered.connect(self._on_tip_action_triggered)
        self.field_work_action.triggered.connect(self._on_field_work_action_triggered)
        self.establishments_action.triggered.connect(self._on_establishments_action_triggered)
        self.tips_action.triggered.connect(self._on_tips_action_triggered)
        self.export_action.triggered.connect(self._on_export_action_triggered)
        self.restore_action.triggered.connect(self._on_restore_action_triggered)
        self.users_action.triggered.connect(self._on_users_action_triggered)
        self.password_action.triggered.connect(self._on_password_action_triggered)
        self.inbox_watcher.directoryChanged.connect(self._on_inbox_watcher_directory_changed)
        self.inbox_label.linkActivated.connect(self._on_inbox_label_link_activated)
        self.audit_action.triggered.connect(self._on_audit_action_triggered)
        self.mail_action.triggered.connect(self._on_mail_action_triggered)
        self.reference_action.triggered.connect(self._on_reference_action_triggered)

    def _load(self) -> None:
        self.idle = IdleWatcher(self._ctx.settings.auto_lock_minutes, self)
        self.idle.idled.connect(self._on_idle_idled)
        can_approve = can(self._actor, "case.approve")
        self.tabs.setTabVisible(QUEUE_TAB, can_approve)
        self.queue_label.setText(
            _(
                "Cases submitted by officers and waiting for your approval, newest first. "
                "Select one, then Approve or Return it."
            )
        )
        self._update_count()
        if self.queue_model.total is not None:  # counted before the signal was connected
            self._on_queue_model_count_changed(self.queue_model.total)
        self.tabs.setCurrentIndex(DASHBOARD_TAB)
        self.dashboard.refresh()
        self._restore_layout()

    @property
    def reports(self) -> ReportsPage:
        """The reports page, built on first use."""
        if self._reports is None:
            from ui.reports import ReportsPage

            self._reports = ReportsPage(self._ctx, self._actor)
            layout = self._reports_holder.layout()
            assert layout is not None
            layout.addWidget(self._reports)
            self._reports.show()  # added to a window already shown: Qt leaves it hidden otherwise
        return self._reports

    # ----- what the user sees --------------------------------------------------------------------

    def update_inbox(self) -> None:
        """Show how many bundle files wait in HQ's inbox (a link that opens Receive bundles)."""
        from app.sync.inbox import waiting

        count = len(waiting(self._ctx))
        self.inbox_label.setVisible(count > 0)
        self.inbox_label.setText(
            '<a href="receive">'
            + ngettext(
                "{count} bundle waiting in the inbox", "{count} bundles waiting in the inbox", count
            ).format(count=format_int(count))
            + "</a>"
        )

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        if total is None and self.model.count_error is not None:
            text = _("Could not count the cases: {reason}").format(reason=self.model.count_error)
        elif total is None:
            text = _("{shown} cases loaded, counting…").format(shown=format_int(shown))
        elif shown == total:
            text = ngettext("{total} case", "{total} cases", total).format(total=format_int(total))
        else:
            text = ngettext(
                "{shown} of {total} case loaded", "{shown} of {total} cases loaded", total
            ).format(shown=format_int(shown), total=format_int(total))
        self.count_label.setText(text)

    def _show_selected(self, table: QTableView, model: CaseTableModel) -> None:
        rows = table.selectionModel().selectedRows()
        case = None
        if rows:
            try:
                case = self._ctx.cases.get(self._actor, model.case_at(rows[0].row()).id)
            except AppError as exc:
                show_error(self, exc.message)
        self.panel.show_case(case)
        self.case_actions.set_case(case)

    def open_case(self, case_id: str | None) -> CaseEditor:
        """Open (or bring forward) the editor for a case; ``None`` starts a new one."""
        editor = self.editors.get(case_id) if case_id is not None else None
        if editor is None:
            from ui.editor import CaseEditor  # the editor's many pages: loaded when a case is first opened

            editor = CaseEditor(self._ctx, self._actor, case_id, self, memory=self.keys)
            editor.saved.connect(self._on_editor_saved)
            editor.finished.connect(lambda _result, e=editor: self._forget_editor(e))
            self.editors[case_id if case_id is not None else f"new-{id(editor)}"] = editor
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

    def _forget_editor(self, editor: CaseEditor) -> None:
        for key, value in list(self.editors.items()):
            if value is editor:
                del self.editors[key]

    # ----- slots ---------------------------------------------------------------------------------

    def _on_actions_open_requested(self, case_id: str | None) -> None:
        try:
            self.open_case(case_id)
        except AppError as exc:
            show_error(self, exc.message)

    def _on_editor_saved(self, result: object) -> None:
        if isinstance(result, CaseResult):
            self.events.changed.emit(result.changes)

    def _on_events_changed(self, changes: Changes) -> None:
        """The one place the window reacts to a write, from what the write's service said it changed."""
        if changes.campaigns:  # the choice lists name them
            self.filter_bar.reload_campaigns()
            if self._reports is not None:  # else it reads them when built
                self._reports.reload_campaigns()
        if changes.activities:  # the reports count them
            self.dashboard.refresh()
        if not changes.any_cases:
            return
        selected = self.case_actions.case.id if self.case_actions.case else None
        self.model.reload()
        self.queue_model.reload()
        self.dashboard.refresh()
        if selected is not None and changes.touches(selected):
            try:
                case = self._ctx.cases.get(self._actor, selected)
            except AppError:
                case = None
            self.panel.show_case(case)
            self.case_actions.set_case(case)

    def _on_filter_bar_filter_changed(self, case_filter: CaseFilter) -> None:
        self.model.set_filter(case_filter)

    def _on_model_count_failed(self, message: str) -> None:
        self._update_count()

    def _on_model_count_changed(self, total: int) -> None:
        self._update_count()

    def _on_queue_model_count_changed(self, total: int) -> None:
        title = _("A&waiting approval")
        self.tabs.setTabText(QUEUE_TAB, f"{title} ({format_int(total)})" if total else title)

    def _on_table_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._show_selected(self.table, self.model)

    def _on_queue_table_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._show_selected(self.queue_table, self.queue_model)

    def _on_table_activated(self, index: QModelIndex) -> None:
        self._on_case_activated(self.model.case_at(index.row()).id)

    def _on_queue_table_activated(self, index: QModelIndex) -> None:
        self._on_case_activated(self.queue_model.case_at(index.row()).id)

    def _on_case_activated(self, case_id: str) -> None:
        try:
            self.open_case(case_id)
        except AppError as exc:
            show_error(self, exc.message)

    def _on_tabs_current_changed(self, index: int) -> None:
        if index == CASES_TAB:
            self._show_selected(self.table, self.model)
        elif index == QUEUE_TAB:
            self._show_selected(self.queue_table, self.queue_model)
        else:
            if index == REPORTS_TAB:
                self.reports  # noqa: B018 - built on first sight
            self.case_actions.set_case(None)

    def _on_dashboard_queue_requested(self) -> None:
        self.tabs.setCurrentIndex(QUEUE_TAB if can(self._actor, "case.approve") else CASES_TAB)
        if not can(self._actor, "case.approve"):
            self.filter_bar.set_filter(AWAITING)

    def _on_sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        """A column the register cannot sort by keeps the indicator on the order actually shown."""
        for table, model in ((self.table, self.model), (self.queue_table, self.queue_model)):
            header = table.horizontalHeader()
            if header is self.sender() and COLUMNS[column].sort_key is None:
                current = model.case_sort
                wanted = Qt.SortOrder.DescendingOrder if current.descending else Qt.SortOrder.AscendingOrder
                header.setSortIndicator(model.sort_column(), wanted)

    def _on_lookup_action_triggered(self) -> None:
        if self.lookup_dialog is None:
            self.lookup_dialog = LookupDialog(self._ctx, self._actor, self)
            self.lookup_dialog.case_activated.connect(self._on_case_activated)
        self.lookup_dialog.show()
        self.lookup_dialog.raise_()
        self.lookup_dialog.activateWindow()
        self.lookup_dialog.query.setFocus()

    def _on_find_action_triggered(self) -> None:
        self.tabs.setCurrentIndex(CASES_TAB)
        self.filter_bar.focus_search()

    def _on_refresh_action_triggered(self) -> None:
        self.events.changed.emit(Changes(all_cases=True))  # whatever other programs wrote

    def _on_lock_action_triggered(self) -> None:
        self._lock(idle=False)

    def _on_idle_idled(self) -> None:
        self._lock(idle=True)

    def _lock(self, *, idle: bool) -> None:
        self.idle.pause()
        self.keys.forget()  # whoever unlocks gives the key passphrase again to sign a print
        if lock_windows(self._ctx, self._actor, idle=idle):
            self.idle.resume()
        else:
            self._close_editors_and_quit()

    def _on_settings_action_triggered(self) -> None:
        from ui.settings_dialog import SettingsDialog

        before = self._ctx.settings.language
        dialog = SettingsDialog(self._ctx, self, self._actor)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        self.idle.set_minutes(dialog.settings.auto_lock_minutes)
        if dialog.settings.language != before:
            self.language_changed.emit(dialog.settings.language)

    def _on_send_action_triggered(self) -> None:
        from ui.sync_dialogs import ExportDialog

        ExportDialog(self._ctx, self._actor, self).exec()

    def _on_receive_action_triggered(self) -> None:
        self.receive()

    def receive(self, *, from_inbox: bool = False) -> None:
        """The Receive dialog; ``from_inbox``: with the bundles waiting in the inbox already listed (the
        status bar's link), so the analyst only types the passphrase and checks."""
        from ui.sync_dialogs import ImportDialog

        dialog = ImportDialog(self._ctx, self._actor, self)
        if from_inbox:
            dialog.add_inbox()
        dialog.exec()
        if self._ctx.kind == "hq":
            self.update_inbox()
        if dialog.applied is not None and dialog.applied.changes:
            self.events.changed.emit(dialog.applied.changes)

    def _on_reply_action_triggered(self) -> None:
        from ui.sync_dialogs import ReplyDialog

        ReplyDialog(self._ctx, self._actor, self).exec()

    def _on_keys_action_triggered(self) -> None:
        from ui.station_keys_dialog import StationKeysDialog

        StationKeysDialog(self._ctx, self._actor, self).exec()

    def _on_accept_request_action_triggered(self) -> None:
        from ui.accept_request_dialog import AcceptRequestDialog

        AcceptRequestDialog(self._ctx, self._actor, self).exec()

    def _on_inbox_watcher_directory_changed(self, _path: str) -> None:
        self.update_inbox()

    def _on_audit_action_triggered(self) -> None:
        from ui.audit_dialog import AuditDialog

        dialog = AuditDialog(self._ctx, self._actor, self)
        dialog.start()
        dialog.exec()

    def _on_mail_action_triggered(self) -> None:
        from ui.mail_dialog import MailDialog

        MailDialog(self._ctx, self._actor, self).exec()

    def _on_reference_action_triggered(self) -> None:
        from ui.reference_dialog import ReferenceDialog

        dialog = ReferenceDialog(self._ctx, self._actor, self)
        dialog.changed.connect(self.events.changed.emit)
        dialog.exec()

    def _on_inbox_label_link_activated(self, _link: str) -> None:
        self.receive(from_inbox=True)

    def _on_restore_action_triggered(self) -> None:
        from ui.restore_dialog import RestoreDialog

        dialog = RestoreDialog(self._ctx, self._actor, self)
        if dialog.exec() != RestoreDialog.DialogCode.Accepted or dialog.restored is None:
            return
        # Every screen holds rows of the register that was replaced: Outpost closes, to be started again.
        said = _("The backup was checked and restored; the register as it was is saved in {path}. Outpost "
                 "closes now: start it again and log in.").format(path=dialog.restored.previous_saved_to)
        if dialog.restored.station_changes:  # HQ went back on these: they must be done again
            said += "\n\n" + _("Do these again as soon as Outpost is started again:") + "\n" + "\n".join(
                f"• {change}" for change in dialog.restored.station_changes
            )
        QMessageBox.information(self, _("Restore a backup"), said)
        self._close_editors_and_quit()

    def _on_users_action_triggered(self) -> None:
        from ui.users_dialog import UsersDialog  # imported when first used: a quicker start (issue 20)

        UsersDialog(self._ctx, self._actor, self).exec()

    def _on_password_action_triggered(self) -> None:
        from ui.password_dialog import ChangePasswordDialog

        dialog = ChangePasswordDialog(self._ctx, self._actor, self)
        if dialog.exec() == ChangePasswordDialog.DialogCode.Accepted:
            QMessageBox.information(
                self, _("Change my password"),
                _("Your password is changed: use the new one from now on, also on the lock screen."),
            )

    def _on_campaigns_action_triggered(self) -> None:
        from ui.campaigns_dialog import CampaignsDialog

        dialog = CampaignsDialog(self._ctx, self._actor, self)
        dialog.exec()
        if dialog.changed:
            self.events.changed.emit(Changes(campaigns=True))

    def _on_watch_action_triggered(self) -> None:
        from ui.watch_review import WatchReviewDialog

        WatchReviewDialog(self._ctx, self._actor, self).exec()

    def _on_stations_action_triggered(self) -> None:
        from ui.stations import StationsDialog

        StationsDialog(self._ctx, self._actor, self).exec()

    def _on_field_work_action_triggered(self) -> None:
        from ui.activities_list import ActivitiesWindow

        window = ActivitiesWindow(self._ctx, self._actor, self)
        window.saved.connect(lambda result: self.events.changed.emit(result.changes))
        window.exec()

    def _on_establishments_action_triggered(self) -> None:
        from ui.establishments_list import EstablishmentsWindow

        window = EstablishmentsWindow(self._ctx, self._actor, self)
        window.activity_saved.connect(lambda result: self.events.changed.emit(result.changes))
        window.exec()

    def _on_tip_action_triggered(self) -> None:
        from ui.tip_dialog import TipDialog

        TipDialog(self._ctx, self._actor, self).exec()

    def _on_tips_action_triggered(self) -> None:
        from ui.tips_list import TipsDialog

        dialog = TipsDialog(self._ctx, self._actor, self)
        dialog.changed.connect(lambda: self.events.changed.emit(Changes(tips=True)))
        dialog.exec()

    def _on_export_action_triggered(self) -> None:
        from ui.export_dialog import ExportDialog  # opened rarely: loaded when first asked for

        ExportDialog(self._ctx, self._actor, self.model.case_filter, self.model.case_sort, self).exec()

    def _on_quit_action_triggered(self) -> None:
        self.close()

    def _on_about_action_triggered(self) -> None:
        QMessageBox.about(
            self,
            _("About Outpost"),
            _("Outpost {version}\nThe case register of {station}.").format(
                version=__version__, station=self._ctx.station_code
            ),
        )

    def _on_diagnostics_action_triggered(self) -> None:
        from ui.diagnostics import save_diagnostics_dialog  # imported when first used

        save_diagnostics_dialog(self._ctx, self)

    # ----- the layout, as the user left it (ui/window_state.py) ------------------------------------

    def _restore_layout(self) -> None:
        state = WindowState(self._ctx.paths.data_dir)
        state.restore_window("main", self)
        state.restore_splitter("cases", self.splitter)
        for name, table in (("cases", self.table), ("queue", self.queue_table)):
            state.restore_header(name, table.horizontalHeader(), COLUMN_IDS)

    def save_layout(self) -> None:
        state = WindowState(self._ctx.paths.data_dir)
        state.save_window("main", self)
        state.save_splitter("cases", self.splitter)
        for name, table in (("cases", self.table), ("queue", self.queue_table)):
            state.save_header(name, table.horizontalHeader(), COLUMN_IDS)
        state.sync()

    def _close_editors_and_quit(self) -> None:
        for editor in list(self.editors.values()):
            editor.show()
            editor.close()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Each open editor asks about its unsaved changes; one left open keeps the window open."""
        for editor in list(self.editors.values()):
            editor.close()
            if editor.isVisible():
                event.ignore()
                return
        self.model.wait_for_count()  # no count or dashboard thread outlives the window's register
        self.save_layout()
        event.accept()
