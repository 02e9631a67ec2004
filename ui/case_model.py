"""The case list model: keyset paging through the case service, never the whole register at once.

Rows arrive a page at a time as the view scrolls (``canFetchMore``/``fetchMore``); sorting by a
column and changing the filter query the register again from the first page. The number of
matching cases is counted on a reader thread and announced with ``count_changed``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.context import Context
from app.domain import Actor, CaseFilter, CaseRow, CaseSort
from app.i18n import N_, _
from app.progress import CancelToken, Progress
from app.reference import Reference
from ui.errors import report_unexpected
from ui.jobs import Job, reader_pool

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200


@dataclass(frozen=True)
class Column:
    title: str  # translated when shown
    value: Callable[[CaseRow, Reference], str]
    width: int  # in average characters, a starting width the user can change
    sort_key: str | None  # None: the column cannot be sorted
    stretch: bool = False


def _commodities(row: CaseRow, reference: Reference) -> str:
    codes = (code.strip() for code in row.commodities.split(","))
    return ", ".join(reference.label("commodities", code) for code in codes if code)


COLUMNS: tuple[Column, ...] = (
    Column(N_("Case no."), lambda r, ref: r.number, 21, "number"),
    Column(N_("Time"), lambda r, ref: r.occurred_at.strftime("%d/%m/%Y %H:%M"), 18, "occurred_at"),
    Column(N_("Place"), lambda r, ref: r.place, 36, "place", stretch=True),
    Column(
        N_("Violation group"),
        lambda r, ref: ref.label("violation_groups", r.violation_group),
        22,  # narrower than its longest label, so that the place keeps room on a 1024-pixel screen
        "violation_group",
    ),
    Column(N_("Commodity"), _commodities, 24, None),
    Column(N_("Status"), lambda r, ref: ref.label("case_statuses", r.status), 14, "status"),
)
TIME_COLUMN = 1


class CaseTableModel(QAbstractTableModel):
    count_changed = Signal(int)  # how many cases pass the filter; counted off the GUI thread
    count_failed = Signal(str)  # the count could not be made (the message says why)

    def __init__(
        self, ctx: Context, actor: Actor, case_filter: CaseFilter | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__()
        self._ctx = ctx
        self._actor = actor
        self._reference = ctx.reference
        self._page_size = page_size
        self._filter = case_filter or CaseFilter()
        self._sort = CaseSort()
        self._rows: list[CaseRow] = []
        self._exhausted = True
        self._total: int | None = None
        self.count_error: str | None = None  # why the current count failed, until the next reload
        self._generation = 0  # a count that comes back for an older filter is dropped
        self._count_jobs: set[Job] = set()
        self.reload()

    # ----- loading -------------------------------------------------------------------------------

    @property
    def case_filter(self) -> CaseFilter:
        return self._filter

    @property
    def case_sort(self) -> CaseSort:
        return self._sort

    @property
    def total(self) -> int | None:
        """How many cases pass the filter, once counted (None while the count runs)."""
        return self._total

    def set_filter(self, case_filter: CaseFilter) -> None:
        if case_filter != self._filter:
            self._filter = case_filter
            self.reload()

    def reload(self) -> None:
        """Back to the first page, e.g. after a case was saved; the count follows."""
        self.beginResetModel()
        self._rows, self._exhausted = self._page(None)
        self._generation += 1
        self._total = None  # before the reset is announced: views must not show the old total
        self.count_error = None
        self.endResetModel()
        self._start_count()

    def _page(self, after: tuple[object, str] | None) -> tuple[list[CaseRow], bool]:
        """One page, and whether it was the last (asking for one row more tells without a count)."""
        rows = self._ctx.cases.list(
            self._actor, self._filter, sort=self._sort, limit=self._page_size + 1, after=after
        )
        return rows[: self._page_size], len(rows) <= self._page_size

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if parent.isValid() or self._exhausted:
            return
        last = self._rows[-1]
        more, self._exhausted = self._page((last.sort_value(self._sort), last.id))
        if more:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def case_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def row_of(self, case_id: str) -> int | None:
        """The row of a loaded case, if it is loaded."""
        return next((row for row, case in enumerate(self._rows) if case.id == case_id), None)

    # ----- the count -----------------------------------------------------------------------------

    def _start_count(self) -> None:
        if self._exhausted:  # every matching case is loaded: no need to ask
            self._set_total(self._generation, len(self._rows))
            return
        generation, case_filter = self._generation, self._filter

        def work(progress: Progress, cancel: CancelToken) -> tuple[int, int]:
            return generation, self._ctx.cases.count(self._actor, case_filter)

        job = Job(work)
        self._count_jobs.add(job)
        job.signals.finished.connect(self._on_count_job_finished)
        job.signals.failed.connect(
            lambda message, job=job: self._on_count_job_failed(job, generation, message)
        )
        job.signals.crashed.connect(lambda exc, job=job: self._on_count_job_crashed(job, exc))
        job.start(reader_pool())

    def _on_count_job_finished(self, result: tuple[int, int]) -> None:
        self._count_jobs = {job for job in self._count_jobs if job.signals is not self.sender()}
        self._set_total(*result)

    def _on_count_job_failed(self, job: Job, generation: int, message: str) -> None:
        self._count_jobs.discard(job)
        if generation == self._generation:
            self.count_error = message  # more rows loaded later must not hide it
            self.count_failed.emit(message)

    def _on_count_job_crashed(self, job: Job, error: BaseException) -> None:
        self._count_jobs.discard(job)
        report_unexpected(type(error), error, error.__traceback__)

    def _set_total(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self._total = total
            self.count_changed.emit(total)

    def wait_for_count(self) -> None:
        """Block until counts in flight are done (for shutting down and for tests)."""
        reader_pool().waitForDone()

    # ----- Qt's model interface ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return COLUMNS[index.column()].value(self._rows[index.row()], self._reference)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section].title) if 0 <= section < len(COLUMNS) else None
        return None

    def sort_column(self) -> int:
        return next(i for i, column in enumerate(COLUMNS) if column.sort_key == self._sort.key)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting queries the register again in the new order (a column without a key is ignored)."""
        if not 0 <= column < len(COLUMNS) or COLUMNS[column].sort_key is None:
            return
        key = COLUMNS[column].sort_key
        assert key is not None
        sort = CaseSort(key, descending=order == Qt.SortOrder.DescendingOrder)
        if sort != self._sort:
            self._sort = sort
            self.beginResetModel()
            self._rows, self._exhausted = self._page(None)
            self.endResetModel()
