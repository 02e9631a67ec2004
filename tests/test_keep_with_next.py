"""A report heading at the very foot of a page (``app.printing.keep_with_next``), the page filled a
half point at a time up to it: wherever the page ends, the heading has the start of its content under
it, its own spaces counted (a heading 2 points short of its table's first row once stood alone: the
space after its paragraph was not measured)."""

from __future__ import annotations

from pathlib import Path

from reportlab.graphics.shapes import Drawing, Rect
from reportlab.platypus import Flowable, Paragraph, Spacer

from app.printing import MARGIN_BOTTOM, MARGIN_TOP, PAGE, grid, keep_with_next, render, styles
from tests.helpers.pdf import pdf_text

FRAME = PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM - 12  # a page's room (ReportLab pads a frame by 6 points)


def _heading_ends_no_page(following: list[Flowable] | None, need: float, tmp_path: Path) -> set[int]:
    """The pages the heading was set on, the page filled to ``need`` points (about heading and least
    content) before its foot, give or take 12."""
    st, small = styles(12), styles(9.5)
    pages = set()
    for step in range(48):
        filler = FRAME - need - 12 + step / 2
        heading = [Spacer(1, 6), Paragraph("<b>VIII. TIN BÁO, TỐ GIÁC CỦA NHÂN DÂN</b>", st.body_left)]
        content = following or [
            grid(["Tiếp nhận", "Đã xử lý", "Dẫn đến vụ việc"], [["15", "10", "5"]], (40, 40, 40), small)
        ]
        pdf, count = render([Spacer(1, filler), *keep_with_next(heading, content)], title="Thử")
        first = [line.strip() for line in pdf_text(pdf, tmp_path, page=1).splitlines() if line.strip()]
        assert not first or not first[-1].startswith("VIII."), (filler, first[-2:])
        pages.add(1 if first and first[0].startswith("VIII.") else count)
    return pages


def test_a_heading_with_a_table_never_ends_a_page(tmp_path: Path) -> None:
    assert _heading_ends_no_page(None, 6 + 16 + 2 + 35, tmp_path) == {1, 2}  # on page 1 until it cannot be


def test_a_heading_with_a_caption_and_a_chart_never_ends_a_page(tmp_path: Path) -> None:
    drawing = Drawing(400, 100)
    drawing.add(Rect(0, 0, 400, 100))
    caption = Paragraph("<i>53 cột, mỗi cột một tuần báo cáo.</i>", styles(9.5).body_left)
    assert _heading_ends_no_page([caption, drawing], 6 + 16 + 2 + 14 + 100, tmp_path) == {1, 2}


def test_a_table_split_over_two_pages_leaves_no_row_alone(tmp_path: Path) -> None:
    """Wherever the page ends in a table of six rows, each page holds at least two of its rows (or
    none): never the last row alone under the repeated header, nor the header with only the first."""
    small = styles(9.5)
    rows = [[f"HÀNG-{n}", "Tòa án nhân dân", "01/12/2026"] for n in range(1, 7)]
    splits = set()
    for step in range(0, 200, 4):
        filler = FRAME - 140 + step / 2
        table = grid(["Vụ", "Cơ quan nhận", "Ngày"], rows, (40, 60, 30), small)
        pdf, count = render([Spacer(1, filler), table], title="Thử")
        pages = [pdf_text(pdf, tmp_path, page=n) for n in range(1, count + 1)]
        held = [sum(f"HÀNG-{n}" in page for n in range(1, 7)) for page in pages]
        assert sum(held) == 6 and all(h == 0 or h >= 2 for h in held), (filler, held)
        splits.add(tuple(held))
    assert any(len([h for h in held if h]) == 2 for held in splits), splits  # it did split somewhere


def test_rows_too_tall_to_keep_together_still_split(tmp_path: Path) -> None:
    """Rows of a whole page's text each are not kept in pairs (two would not fit on a page, and
    ReportLab would give up on the document): the table splits as it can."""
    long = " ".join(["chữ"] * 900)
    table = grid(["a", "b", "c"], [[f"R{n}", long, "x"] for n in range(1, 6)], (10, 80, 10), styles(9.5))
    pdf, count = render([Spacer(1, 100), table], title="Thử")
    assert count >= 5 and "R5" in pdf_text(pdf, tmp_path, page=count)
