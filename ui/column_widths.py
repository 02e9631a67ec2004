"""Columns wide enough for what they show: a case number or a date is never cut off.

The case list's starting widths are counted in average characters, but a case number is digits and
capitals (``BP-VX/2026/00123``), wider than the average, so the list was cut off on every screen. A
column is made at least as wide as the widest value it can show, measured in the view's own font.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QStyle

from app.context import Context

# A case time as the list shows it (ui/case_model.py), with the widest digits.
TIME_SAMPLE = "00/00/0000 00:00"


def content_width(view: QAbstractItemView, text: str, title: str = "") -> int:
    """Pixels a column needs for ``text`` in the view's font and ``title`` in the header's, with the
    cell margins and room for the header's sort arrow."""
    margin = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1) + 8
    cell = view.fontMetrics().horizontalAdvance(text) + margin if text else 0
    header = view.fontMetrics().horizontalAdvance(title) + margin + 16 if title else 0
    return max(cell, header)


def case_samples(ctx: Context) -> dict[int, str]:
    """The widest case number (the longest station code the register holds, a five-digit sequence)
    and time, by column of ui/case_model.py's COLUMNS."""
    codes = [ctx.station_code]
    if ctx.kind == "hq":
        from app.reports import posts

        codes += [code for code, _name in posts(ctx)]
    longest = max(codes, key=len)
    return {0: f"{longest}/0000/00000", 1: TIME_SAMPLE}
