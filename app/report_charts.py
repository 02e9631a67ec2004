"""The charts of the monthly and annual report PDFs, drawn with ReportLab's graphics (no chart
library), from ``app.chart_data``.

Printed reports are often photocopied in black and white, so every series is told apart by a grey
level far from its neighbours and named in words beside it (a legend with its total, values over the
bars), never by colour alone. The charts follow the report's signature as an annex page: the 389
layout above them stays as the template sets it. Words are Vietnamese, as the rest of the report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from app.chart_data import ChartData, PostFigures, Progress, Seized, axis_top, build_chart_data
from app.formatting import format_decimal, format_int
from app.printing import FONT, FRAME_WIDTH, Styles, keep_with_next, styles
from app.reference import Reference

if TYPE_CHECKING:
    from app.context import Context
    from app.domain import Actor
    from app.reports import Scope, SummaryReport

# Grey levels (0 black, 1 white) for the series in order: far apart, so that a photocopy keeps them
# apart; the lightest is outlined so that it shows on white paper. The app uses the same levels.
GREYS = (0.12, 0.45, 0.72, 0.93)
THIS_YEAR, LAST_YEAR = 0.3, 0.8
WIDTH = FRAME_WIDTH
SMALL, TINY = 7.5, 6.0
CHART_KINDS = ("monthly", "annual")  # the reports that carry charts


def grey(index: int) -> colors.Color:
    level = GREYS[index % len(GREYS)]
    return colors.Color(level, level, level)


def _level(level: float) -> colors.Color:
    return colors.Color(level, level, level)


def _text(
    x: float, y: float, text: str, size: float = SMALL, anchor: str = "start", bold: bool = False
) -> String:
    return String(x, y, text, fontName=f"{FONT}-Bold" if bold else FONT, fontSize=size, textAnchor=anchor)


def _swatch(drawing: Drawing, x: float, y: float, fill: colors.Color) -> None:
    drawing.add(Rect(x, y, 9, 7, fillColor=fill, strokeColor=colors.black, strokeWidth=0.4))


def _axis(drawing: Drawing, left: float, bottom: float, width: float, height: float, top: float) -> None:
    """A value axis from 0 to ``top``, with faint lines at its quarters and their values."""
    for step in range(5):
        y = bottom + height * step / 4
        drawing.add(Line(left, y, left + width, y, strokeColor=_level(0.85), strokeWidth=0.3))
        value = top * step / 4
        label = (
            format_int(int(value)) if value == int(value) else format_decimal(Decimal(str(round(value, 1))))
        )
        drawing.add(_text(left - 3, y - 2, label, TINY, "end"))
    drawing.add(Line(left, bottom, left + width, bottom, strokeColor=colors.black, strokeWidth=0.6))


def weekly_drawing(data: ChartData, reference: Reference) -> Drawing:
    """Cases per report week by violation group, stacked, over the 52 weeks."""
    height, left, bottom, plot_h = 190, 34.0, 58.0, 118.0
    drawing = Drawing(WIDTH, height)
    plot_w = WIDTH - left - 6
    totals = [sum(s.values[i] for s in data.weekly) for i in range(len(data.weeks))]
    top = axis_top(max(totals, default=0))
    _axis(drawing, left, bottom, plot_w, plot_h, top)
    slot = plot_w / len(data.weeks)
    for i, week in enumerate(data.weeks):
        y = bottom
        for index, series in enumerate(data.weekly):
            h = plot_h * series.values[i] / top
            if h:
                drawing.add(
                    Rect(
                        left + i * slot + 0.6,
                        y,
                        slot - 1.2,
                        h,
                        fillColor=grey(index),
                        strokeColor=colors.black,
                        strokeWidth=0.25,
                    )
                )
            y += h
        if week.start.day <= 7:  # the first week of each month is named under the axis
            drawing.add(_text(left + i * slot, bottom - 9, f"{week.start:%d/%m/%y}", TINY))
    drawing.add(_text(left, bottom - 18, "Tuần báo cáo (ngày đầu tuần)", TINY))
    for index, series in enumerate(data.weekly):  # two columns, a row each: long names stay whole
        x, y = (index % 2) * WIDTH / 2, 22 - (index // 2) * 11
        label = f"{reference.label('violation_groups', series.code, 'vi')}: {format_int(series.total)} vụ"
        _swatch(drawing, x, y, grey(index))
        drawing.add(_text(x + 12, y + 0.5, label, TINY))
    if not data.weekly:
        drawing.add(_text(left + plot_w / 2, bottom + plot_h / 2, "Không có vụ việc", SMALL, "middle"))
    return drawing


def _month_label(index: int, data: ChartData) -> str:
    month = data.months[index]
    return f"T{month.number}/{month.year % 100:02d}"


def seized_drawing(series: Seized, data: ChartData, reference: Reference) -> Drawing:
    """One commodity: each month's quantity beside the same month a year before, values written."""
    height, left, bottom, plot_h = 150, 46.0, 30.0, 78.0  # room above the plot for upright figures
    drawing = Drawing(WIDTH, height)
    plot_w = WIDTH - left - 6
    top = axis_top(float(max((*series.values, *series.before), default=Decimal(0))))
    name = reference.label("commodities", series.commodity, "vi")
    drawing.add(
        _text(
            0,
            height - 10,
            f"{name} ({series.unit}): 12 tháng {format_decimal(sum(series.values))}, "
            f"cùng kỳ năm trước {format_decimal(sum(series.before))}",
            SMALL,
            bold=True,
        )
    )
    _axis(drawing, left, bottom, plot_w, plot_h, top)
    slot = plot_w / len(data.months)
    bar = slot * 0.36
    for i in range(len(data.months)):
        x = left + i * slot + slot * 0.12
        for offset, value, level in ((0.0, series.values[i], THIS_YEAR), (bar, series.before[i], LAST_YEAR)):
            h = plot_h * float(value) / top
            if h:
                drawing.add(
                    Rect(
                        x + offset,
                        bottom,
                        bar,
                        h,
                        fillColor=_level(level),
                        strokeColor=colors.black,
                        strokeWidth=0.3,
                    )
                )
        if series.values[i]:
            # Written upwards from the top of its own bar: level, the figure is wider than the bar and
            # crossed last year's bar beside it; raised above both, it read as last year's value.
            label = Group(_text(0, 0, format_decimal(series.values[i]), TINY))
            label.translate(x + bar / 2 + TINY * 0.35, bottom + plot_h * float(series.values[i]) / top + 2)
            label.rotate(90)
            drawing.add(label)
        drawing.add(_text(left + i * slot + slot / 2, bottom - 9, _month_label(i, data), TINY, "middle"))
    _swatch(drawing, left, 4, _level(THIS_YEAR))
    drawing.add(_text(left + 12, 4.5, "Năm nay", TINY))
    _swatch(drawing, left + 60, 4, _level(LAST_YEAR))
    drawing.add(_text(left + 72, 4.5, "Cùng kỳ năm trước", TINY))
    return drawing


def progress_drawing(rows: Sequence[tuple[str, Progress]]) -> Drawing:
    """Each reward rule: a bar to its threshold, filled as far as the month has come, the figures
    written beside it ("11.500 / 20.000 bao (58 %)")."""
    row_h = 27
    drawing = Drawing(WIDTH, row_h * len(rows) + 4)
    bar_w = WIDTH * 0.55
    for n, (caption, p) in enumerate(rows):
        y = drawing.height - (n + 1) * row_h
        drawing.add(_text(0, y + 15, caption, TINY))
        drawing.add(
            Rect(0, y + 2, bar_w, 10, fillColor=colors.white, strokeColor=colors.black, strokeWidth=0.5)
        )
        if p.share:
            drawing.add(Rect(0, y + 2, bar_w * p.share, 10, fillColor=_level(THIS_YEAR), strokeColor=None))
        mark = "  — đạt ngưỡng" if p.reached else ""  # (no check mark in the report font)
        drawing.add(
            _text(
                bar_w + 6,
                y + 4,
                f"{format_decimal(p.amount)} / {format_decimal(p.threshold)} {p.unit} "
                f"({format_int(p.percent)} %){mark}",  # floored: 99,9 % never reads as reached
                SMALL,
            )
        )
    return drawing


def _kind_words(p: Progress) -> str:
    return "tổng trong tháng" if p.kind == "monthly" else "vụ lớn nhất trong tháng"


POSTS_A_DRAWING = 10  # posts drawn together: a province of many posts runs on over pages


def posts_drawings(data: ChartData, reference: Reference) -> list[Drawing]:
    """HQ: each post's cases over the 12 months, stacked by violation group, its total written; in
    drawings of ``POSTS_A_DRAWING`` posts on one scale (the legend above the first), so that the
    page may end between any two of them rather than the chart being too tall for one."""
    top = axis_top(max((p.total for p in data.posts), default=0))
    chunks = [data.posts[i : i + POSTS_A_DRAWING] for i in range(0, len(data.posts), POSTS_A_DRAWING)]
    return [
        _posts_drawing(chunk, data.groups if n == 0 else (), top, reference) for n, chunk in enumerate(chunks)
    ]


def _posts_drawing(
    posts: Sequence[PostFigures], groups: Sequence[str], top: float, reference: Reference
) -> Drawing:
    row_h, left = 14, 70.0
    legend_rows = (len(groups) + 1) // 2
    legend_h = 11 * legend_rows + (6 if groups else 0)
    drawing = Drawing(WIDTH, row_h * len(posts) + legend_h + 2)
    plot_w = WIDTH - left - 50
    for index, code in enumerate(groups):  # two columns, a row each, as under the weekly chart
        x, y = (index % 2) * WIDTH / 2, drawing.height - 9 - (index // 2) * 11
        _swatch(drawing, x, y, grey(index))
        drawing.add(_text(x + 12, y + 0.5, reference.label("violation_groups", code, "vi"), TINY))
    for n, post in enumerate(posts):
        y = drawing.height - legend_h - (n + 1) * row_h
        drawing.add(_text(left - 4, y + 3, post.code, SMALL, "end"))
        x = left
        for index, count in enumerate(post.cases):
            w = plot_w * count / top
            if w:
                drawing.add(
                    Rect(x, y + 1, w, 10, fillColor=grey(index), strokeColor=colors.black, strokeWidth=0.25)
                )
            x += w
        drawing.add(_text(x + 4, y + 3, f"{format_int(post.total)} vụ", SMALL))
    return drawing


def _heading(text: str, st: Styles, following: Sequence[Flowable]) -> list[Flowable]:
    """A numbered chart heading kept on the page of its caption and first drawing (``keep_with_next``)."""
    return keep_with_next([Spacer(1, 6), Paragraph(f"<b>{text}</b>", st.body_left)], following)


def _progress_rows(rows: Sequence[tuple[str, Progress]]) -> list[Flowable]:
    """A drawing a rule: at HQ a post's rules run to pages, and a page may end between any two."""
    return [progress_drawing([row]) for row in rows]


def _span(first: date, last: date) -> str:
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"


def weeks_caption(data: ChartData) -> str:
    """What the weekly bars cover, stated exactly: their number, their days, and which of them hold
    less than a whole report week (a report's are cut at its 12 months' first and last day)."""
    first, last = data.weeks[0], data.weeks[-1]
    text = (
        f"{len(data.weeks)} cột, mỗi cột một tuần báo cáo, "
        f"từ {first.start:%d/%m/%Y} đến {last.end:%d/%m/%Y}"
    )
    part = [w for w in (first, last) if w.days < 7]
    if part:
        days = " và ".join(f"{w.start:%d/%m} – {w.end:%d/%m/%Y}" for w in part)
        text += f"; không trọn tuần: {days} (chỉ các ngày trong 12 tháng)"
    return text + "."


def chart_flowables(data: ChartData, reference: Reference, st: Styles | None = None) -> list[Flowable]:
    """The annex of charts: a heading and a caption over each drawing."""
    st = st or styles(12)
    small = styles(9.5)
    month = data.month
    months = _span(data.months[0].start, data.months[-1].end)
    flow: list[Flowable] = [
        PageBreak(),
        Paragraph("<b>PHỤ LỤC: BIỂU ĐỒ</b>", st.title),
        Paragraph(
            f"<i>12 tháng từ ngày {data.months[0].start:%d/%m/%Y} đến ngày {data.day:%d/%m/%Y}. Mỗi nhóm "
            "phân biệt bằng mức xám, tổng số vụ của nhóm ghi trong chú giải; số lượng hàng năm nay ghi "
            "trên từng cột; đọc được khi in đen trắng.</i>",
            small.body_left,
        ),
    ]
    flow += _heading(
        "1. Số vụ theo tuần, theo nhóm vi phạm",
        st,
        [Paragraph(f"<i>{weeks_caption(data)}</i>", small.body_left), weekly_drawing(data, reference)],
    )
    seized: list[Flowable] = (
        [seized_drawing(s, data, reference) for s in data.seized]
        if data.seized
        else [Paragraph("Không có tang vật trong 12 tháng.", st.body_left)]
    )
    flow += _heading(f"2. Tang vật thu giữ theo tháng, so với cùng kỳ năm trước ({months})", st, seized)
    # A monthly rule is met by one post's month (docs/domain.md): at HQ it is drawn per post (5.), and
    # the posts' months added together would mean nothing.
    shown = [p for p in data.rewards if not (data.posts and p.kind == "monthly")]
    progress: list[Flowable] = (
        _progress_rows([(f"{p.text} ({_kind_words(p)})", p) for p in shown])
        if shown
        else [Paragraph("Không có quy định khen thưởng áp dụng cho tháng này.", st.body_left)]
    )
    flow += _heading(
        f"3. Tiến độ so với ngưỡng khen thưởng, tháng {month.start:%d/%m/%Y} – {month.end:%d/%m/%Y}",
        st,
        progress,
    )
    if data.posts:
        per_post = [
            (f"{post.code}: {p.text}", p) for post in data.posts for p in post.rewards if p.kind == "monthly"
        ]
        flow += _heading(f"4. Số vụ theo từng đồn ({months})", st, posts_drawings(data, reference))
        flow += _heading(
            "5. Tiến độ ngưỡng khen thưởng theo tháng, từng đồn",
            st,
            _progress_rows(per_post)
            if per_post
            else [Paragraph("Không có quy định khen thưởng theo tháng áp dụng cho tháng này.", st.body_left)],
        )
    return flow


def report_chart_flowables(ctx: Context, actor: Actor, report: SummaryReport, scope: Scope) -> list[Flowable]:
    """The annex for a monthly or annual report (none for the others): its charts over the 12 months
    ending with the report's last day, counted as the report counts (approved and closed cases)."""
    if report.kind not in CHART_KINDS or scope.campaign_id:
        return []
    station_ids = None
    if scope.station_code:
        from sqlalchemy import select

        from db import models as m

        with ctx.sessions.reads() as session:
            station_ids = list(
                session.execute(select(m.Station.id).where(m.Station.code == scope.station_code)).scalars()
            )
    data = build_chart_data(
        ctx, actor, report.period.end, station_ids=station_ids, reports=True, mode=report.mode
    )
    return chart_flowables(data, ctx.reference)
