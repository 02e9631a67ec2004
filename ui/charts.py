"""The dashboard's charts, painted with QPainter from ``app.chart_data`` (no chart add-on library):
cases per week by violation group, seized quantities per month against last year, reward-threshold
progress, and at HQ the posts side by side.

Each chart lays itself out once per size into marks (a rectangle, how it is filled, its words), and
both painting and the hover tooltips read those marks, so what a tooltip says is what is drawn there.
Series differ by grey level and hatching as well as by name (readable printed, by the colour-blind,
and on a dark theme: lines and words take the palette's text colour)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from app.chart_data import ChartData, Progress, axis_top
from app.formatting import format_date, format_decimal, format_int
from app.i18n import _
from app.reference import Reference

# (grey level 0–255, hatching) per series: the same order of greys as the printed charts
# (app/report_charts.py GREYS), hatched as well so that neighbours never look alike.
STYLES = (
    (30, Qt.BrushStyle.SolidPattern),
    (115, Qt.BrushStyle.BDiagPattern),
    (185, Qt.BrushStyle.SolidPattern),
    (240, Qt.BrushStyle.CrossPattern),
)
THIS_YEAR, LAST_YEAR = 75, 205


@dataclass(frozen=True)
class Mark:
    """One drawn bar (or a legend swatch): where, its series' style and what hovering it says."""

    rect: QRectF
    style: int  # index into STYLES, or -1 this year / -2 last year / -3 an empty track
    tip: str


def _brush(style: int) -> list[QBrush]:
    """The brushes that fill a mark: a grey, then its hatching over it."""
    if style == -1:
        return [QBrush(QColor(THIS_YEAR, THIS_YEAR, THIS_YEAR))]
    if style == -2:
        return [QBrush(QColor(LAST_YEAR, LAST_YEAR, LAST_YEAR))]
    if style == -3:
        return []
    level, pattern = STYLES[style % len(STYLES)]
    if pattern == Qt.BrushStyle.SolidPattern:
        return [QBrush(QColor(level, level, level))]
    return [QBrush(QColor(level, level, level)), QBrush(QColor(20, 20, 20), pattern)]


class ChartWidget(QWidget):
    """A chart: subclasses place their marks and words; this paints them and answers the hover."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumHeight(150)
        self._marks: list[Mark] = []
        self._words: list[tuple[QPointF, str, bool]] = []  # (where, text, right-aligned)
        self._lines: list[tuple[QPointF, QPointF, bool]] = []  # (from, to, faint)
        self._laid_out_for: QSize | None = None

    def sizeHint(self) -> QSize:
        return QSize(520, 220)

    # ----- what subclasses fill in ---------------------------------------------------------------

    def _layout(self, width: float, height: float) -> None:
        raise NotImplementedError

    def _word(self, x: float, y: float, text: str, right: bool = False) -> None:
        self._words.append((QPointF(x, y), text, right))

    def _line(self, x1: float, y1: float, x2: float, y2: float, faint: bool = False) -> None:
        self._lines.append((QPointF(x1, y1), QPointF(x2, y2), faint))

    def _mark(self, x: float, y: float, w: float, h: float, style: int, tip: str) -> None:
        self._marks.append(Mark(QRectF(x, y, w, h), style, tip))

    # ----- layout, painting, hover ---------------------------------------------------------------

    def invalidate(self) -> None:
        self._laid_out_for = None
        self.update()

    def marks(self) -> list[Mark]:
        """The marks at the widget's current size (laid out again when it changed)."""
        if self._laid_out_for != self.size():
            self._marks, self._words, self._lines = [], [], []
            self._layout(float(self.width()), float(self.height()))
            self._laid_out_for = self.size()
        return self._marks

    def words(self) -> list[str]:
        self.marks()
        return [text for _point, text, _right in self._words]

    def tooltip_at(self, point: QPointF) -> str:
        """What hovering ``point`` shows: the value of the bar under it, or nothing."""
        for mark in reversed(self.marks()):  # the last drawn is on top
            if mark.tip and mark.rect.adjusted(-1, -1, 1, 1).contains(point):
                return mark.tip
        return ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tooltip_at(QPointF(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        marks = self.marks()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        text = self.palette().color(self.foregroundRole())
        faint = QColor(text)
        faint.setAlpha(60)
        for start, end, is_faint in self._lines:
            painter.setPen(QPen(faint if is_faint else text, 1))
            painter.drawLine(start, end)
        for mark in marks:
            for brush in _brush(mark.style):
                painter.fillRect(mark.rect, brush)
            painter.setPen(QPen(text, 0.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(mark.rect)
        painter.setPen(text)
        metrics = painter.fontMetrics()
        for point, words, right in self._words:
            advance = metrics.horizontalAdvance(words)
            x = point.x() - advance if right else point.x()
            x = max(0.0, min(x, self.width() - advance))  # a month's label near the edge stays whole
            painter.drawText(QPointF(x, point.y()), words)
        painter.end()

    def resizeEvent(self, event: object) -> None:
        self._laid_out_for = None

    def _legend(self, labels: list[tuple[str, int]], y: float, width: float) -> float:
        """Swatches with their words, wrapped to ``width``; returns the height used."""
        metrics = self.fontMetrics()
        x, top = 4.0, y
        for text, style in labels:
            needed = 18 + metrics.horizontalAdvance(text) + 14
            if x > 4 and x + needed > width:
                x, y = 4.0, y + metrics.height() + 2
            self._mark(x, y + 2, 12, metrics.height() - 4, style, text)
            self._word(x + 16, y + metrics.ascent(), text)
            x += needed
        return y + metrics.height() + 2 - top


def _axis_value(value: float) -> str:
    return format_int(int(value)) if value == int(value) else format_decimal(Decimal(str(round(value, 1))))


class _Plot(ChartWidget):
    """A chart with a value axis on the left and a legend under the plot."""

    def _plot_area(self, width: float, height: float, legend: float, top_value: float) -> QRectF:
        metrics = self.fontMetrics()
        left = 8 + metrics.horizontalAdvance(_axis_value(top_value))
        area = QRectF(
            left, 6 + metrics.height() / 2, width - left - 6, height - legend - 2 * metrics.height() - 12
        )
        for step in range(5):
            y = area.bottom() - area.height() * step / 4
            self._line(area.left(), y, area.right(), y, faint=step > 0)
            self._word(
                area.left() - 4, y + metrics.ascent() / 2 - 1, _axis_value(top_value * step / 4), right=True
            )
        return area


class WeeklyCasesChart(_Plot):
    """Cases per report week, stacked by violation group, over 52 weeks."""

    def __init__(self, reference: Reference, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reference = reference
        self.data: ChartData | None = None
        self.setAccessibleName(_("Cases per week by violation group"))

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.invalidate()

    def _layout(self, width: float, height: float) -> None:
        data = self.data
        if data is None:
            return
        labels = [
            (
                _("{group}: {count} cases").format(
                    group=self._reference.label("violation_groups", s.code), count=format_int(s.total)
                ),
                index,
            )
            for index, s in enumerate(data.weekly)
        ]
        legend_height = (self.fontMetrics().height() + 2) * max(1, (len(labels) + 1) // 2)
        totals = [sum(s.values[i] for s in data.weekly) for i in range(len(data.weeks))]
        top = axis_top(max(totals, default=0))
        area = self._plot_area(width, height, legend_height, top)
        slot = area.width() / len(data.weeks)
        for i, week in enumerate(data.weeks):
            y = area.bottom()
            for index, series in enumerate(data.weekly):
                count = series.values[i]
                if not count:
                    continue
                h = area.height() * count / top
                self._mark(
                    area.left() + i * slot + 1,
                    y - h,
                    max(slot - 2, 1),
                    h,
                    index,
                    _("Week {start}–{end}\n{group}: {count} cases (week's total {total})").format(
                        start=f"{week.start:%d/%m}",
                        end=format_date(week.end),
                        group=self._reference.label("violation_groups", series.code),
                        count=format_int(count),
                        total=format_int(totals[i]),
                    ),
                )
                y -= h
            if week.start.day <= 7:
                self._word(
                    area.left() + i * slot,
                    area.bottom() + self.fontMetrics().ascent() + 2,
                    f"{week.start:%m/%y}",
                )
        self._legend(labels, area.bottom() + self.fontMetrics().height() + 6, width)
        if not data.weekly:
            self._word(area.center().x(), area.center().y(), _("No cases in these 12 months"))


class SeizedChart(_Plot):
    """One commodity's seized quantity per month, beside the same month a year before."""

    def __init__(self, reference: Reference, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reference = reference
        self.data: ChartData | None = None
        self.commodity: str | None = None
        self.setAccessibleName(_("Seized quantities per month against last year"))

    def set_data(self, data: ChartData, commodity: str | None = None) -> None:
        self.data = data
        codes = [s.commodity for s in data.seized]
        self.commodity = commodity if commodity in codes else (codes[0] if codes else None)
        self.invalidate()

    def _layout(self, width: float, height: float) -> None:
        data = self.data
        series = next((s for s in data.seized if s.commodity == self.commodity), None) if data else None
        if data is None or series is None:
            if data is not None:
                self._word(8, 20, _("Nothing seized in these 12 months"))
            return
        name = self._reference.label("commodities", series.commodity)
        labels = [
            (
                _("This year: {total} {unit}").format(
                    total=format_decimal(sum(series.values)), unit=series.unit
                ),
                -1,
            ),
            (
                _("Same months last year: {total} {unit}").format(
                    total=format_decimal(sum(series.before)), unit=series.unit
                ),
                -2,
            ),
        ]
        top = axis_top(float(max((*series.values, *series.before), default=Decimal(0))))
        area = self._plot_area(width, height, self.fontMetrics().height() + 2, top)
        slot = area.width() / len(data.months)
        bar = slot * 0.38
        for i, month in enumerate(data.months):
            x = area.left() + i * slot + slot * 0.1
            span = f"{month.start:%d/%m/%Y}–{month.end:%d/%m/%Y}"
            for offset, value, style, when in (
                (0.0, series.values[i], -1, span),
                (
                    bar,
                    series.before[i],
                    -2,
                    f"{month.shifted_years(-1).start:%d/%m/%Y}–{month.shifted_years(-1).end:%d/%m/%Y}",
                ),
            ):
                h = area.height() * float(value) / top
                self._mark(
                    x + offset,
                    area.bottom() - h,
                    bar,
                    h,
                    style,
                    _("{commodity}, {span}: {quantity} {unit}").format(
                        commodity=name, span=when, quantity=format_decimal(value), unit=series.unit
                    ),
                )
            self._word(
                x, area.bottom() + self.fontMetrics().ascent() + 2, f"{month.number}/{month.year % 100:02d}"
            )
        self._legend(labels, area.bottom() + self.fontMetrics().height() + 6, width)


class ProgressChart(ChartWidget):
    """Reward thresholds: a track to each threshold, filled as far as the month has come."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, Progress]] = []
        self.setAccessibleName(_("Progress towards the reward thresholds"))

    def set_rows(self, rows: list[tuple[str, Progress]]) -> None:
        self.rows = rows
        self.setMinimumHeight(max(150, len(rows) * (2 * self.fontMetrics().height() + 10)))
        self.invalidate()

    def _layout(self, width: float, height: float) -> None:
        metrics = self.fontMetrics()
        row_h = 2 * metrics.height() + 10
        track = width * 0.5
        for n, (caption, p) in enumerate(self.rows):
            y = 4 + n * row_h
            self._word(4, y + metrics.ascent(), caption)
            bar_y = y + metrics.height() + 2
            figures = _("{amount} of {threshold} {unit} ({percent} %)").format(
                amount=format_decimal(p.amount),
                threshold=format_decimal(p.threshold),
                unit=p.unit,
                percent=format_int(p.percent),
            )
            if p.reached:
                figures += " ✓ " + _("threshold reached")
            self._mark(4, bar_y, track, metrics.height() - 2, -3, caption + "\n" + figures)
            if p.share:
                self._mark(4, bar_y, track * p.share, metrics.height() - 2, -1, caption + "\n" + figures)
            self._word(track + 12, bar_y + metrics.ascent() - 1, figures)
        if not self.rows:
            self._word(8, 20, _("No reward rule applies to this month"))


class PostsChart(ChartWidget):
    """HQ: each post's cases over the 12 months, stacked by violation group, with its total."""

    def __init__(self, reference: Reference, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reference = reference
        self.data: ChartData | None = None
        self.setAccessibleName(_("Cases per post over 12 months"))

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.setMinimumHeight(max(150, (len(data.posts) + 2) * (self.fontMetrics().height() + 6)))
        self.invalidate()

    def _layout(self, width: float, height: float) -> None:
        data = self.data
        if data is None:
            return
        metrics = self.fontMetrics()
        row_h = metrics.height() + 6
        left = 8 + max((metrics.horizontalAdvance(p.code) for p in data.posts), default=0)
        plot_w = width - left - 16 - metrics.horizontalAdvance("000.000")
        top = axis_top(max((p.total for p in data.posts), default=0))
        for n, post in enumerate(data.posts):
            y = 4 + n * row_h
            self._word(left - 4, y + metrics.ascent(), post.code, right=True)
            x = float(left)
            for index, count in enumerate(post.cases):
                if not count:
                    continue
                w = plot_w * count / top
                self._mark(
                    x,
                    y + 1,
                    w,
                    row_h - 4,
                    index,
                    _("{post}: {group}, {count} cases").format(
                        post=post.name,
                        group=self._reference.label("violation_groups", data.groups[index]),
                        count=format_int(count),
                    ),
                )
                x += w
            self._word(x + 4, y + metrics.ascent(), format_int(post.total))
        labels = [(self._reference.label("violation_groups", code), i) for i, code in enumerate(data.groups)]
        self._legend(labels, 8 + len(data.posts) * row_h, width)
        if not data.posts:
            self._word(8, 20, _("No posts yet"))
