"""Printed documents in the layout of Nghị định 30/2020/NĐ-CP, drawn with ReportLab.

A4 portrait; margins 20 mm top and bottom, 30 mm left, 15 mm right; Liberation Serif 2.x (metric
twin of Times New Roman, with every Vietnamese letter) bundled under ``resources/fonts``. The header
has two columns: the agency lines and "Số: …" on the left; Quốc hiệu, Tiêu ngữ with its rule and the
italic place-date line on the right. Page numbers are centred in the top margin from page 2. Every
text is normalised to NFC before it is drawn; an unknown field prints as dots to be filled by hand.

No Qt here: forms and reports are built the same way from the command line and from the app."""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.errors import ValidationError
from app.files import write_atomically
from app.i18n import _
from app.resources import resource_path

FONT = "OutpostSerif"
# Every table's own font: a cell's default is ReportLab's Helvetica, which is never embedded, and a
# PDF listing it fails an "all fonts embedded" (PDF/A) check even when no text is set in it.
CELL_FONT = ("FONTNAME", (0, 0), (-1, -1), FONT)
PAGE = A4
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm
FRAME_WIDTH = PAGE[0] - MARGIN_LEFT - MARGIN_RIGHT
BLANK = "………………"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

_FACES = {
    FONT: "LiberationSerif-Regular.ttf",
    f"{FONT}-Bold": "LiberationSerif-Bold.ttf",
    f"{FONT}-Italic": "LiberationSerif-Italic.ttf",
    f"{FONT}-BoldItalic": "LiberationSerif-BoldItalic.ttf",
}


def register_fonts() -> None:
    """Register the bundled serif family once per process (ReportLab keeps a global registry)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in _FACES.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", filename))))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=f"{FONT}-Bold", italic=f"{FONT}-Italic", boldItalic=f"{FONT}-BoldItalic"
    )


def nfc(text: object) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def markup(text: object) -> str:
    """Plain text made safe for a Paragraph (NFC, escaped, line breaks kept)."""
    return escape(nfc(text)).replace("\n", "<br/>")


# A short aside in brackets ("(DỮ LIỆU MẪU)", "(CŨ)"): never wrapped inside.
_SHORT_ASIDE = re.compile(r"\([^()]{1,30}\)")


def whole_last_words(text: str) -> str:
    """``text`` with its last two words joined by a no-break space, and a short bracketed aside kept
    on one line: a wrapped title, heading or agency line never leaves one word alone on its last line
    ("…TỈNH AN" / "GIANG") nor breaks inside brackets ("(DỮ LIỆU" / "MẪU)")."""
    joined = _SHORT_ASIDE.sub(lambda aside: re.sub(r"\s+", "\u00a0", aside[0]), text.strip())
    return re.sub(r"\s+(\S+)\s*$", "\u00a0\\1", joined)


def blank(value: object, filler: str = BLANK) -> str:
    """The value as text, or dots to be filled in by hand when it is unknown."""
    text = nfc(value).strip() if value is not None else ""
    return text or filler


def place_date(place: str, day: date | None) -> str:
    """ "An Giang, ngày 05 tháng 02 năm 2026": days below 10 and months 1–2 take a leading zero."""
    if day is None:
        return f"{nfc(place)}, ngày …… tháng …… năm ……"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{nfc(place)}, ngày {day.day:02d} tháng {month} năm {day.year}"


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    body_left: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_centre: ParagraphStyle
    cell_head: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    header_left: ParagraphStyle
    header_right: ParagraphStyle
    italic_centre: ParagraphStyle
    sign_title: ParagraphStyle
    recipients_title: ParagraphStyle
    recipients: ParagraphStyle


def styles(body_size: float = 13) -> Styles:
    register_fonts()
    base = ParagraphStyle(
        "body",
        fontName=FONT,
        fontSize=body_size,
        leading=body_size * 1.3,
        alignment=TA_JUSTIFY,
        firstLineIndent=0,
        spaceAfter=2,
    )
    centre = ParagraphStyle("centre", parent=base, alignment=TA_CENTER, spaceAfter=0)
    cell_size = min(11.0, body_size)
    return Styles(
        body=base,
        body_left=ParagraphStyle("body_left", parent=base, alignment=TA_LEFT),
        small=ParagraphStyle("small", parent=base, fontSize=9, leading=11, alignment=TA_LEFT),
        cell=ParagraphStyle(
            "cell", parent=base, fontSize=cell_size, leading=cell_size * 1.2, alignment=TA_LEFT, spaceAfter=0
        ),
        cell_centre=ParagraphStyle("cell_c", parent=centre, fontSize=cell_size, leading=cell_size * 1.2),
        cell_head=ParagraphStyle(
            "cell_h", parent=centre, fontSize=cell_size, leading=cell_size * 1.2, fontName=f"{FONT}-Bold"
        ),
        title=ParagraphStyle(
            "title", parent=centre, fontSize=14, leading=18, fontName=f"{FONT}-Bold", spaceBefore=10
        ),
        subtitle=ParagraphStyle("subtitle", parent=centre, fontSize=13, leading=16, spaceAfter=8),
        header_left=ParagraphStyle("hl", parent=centre, fontSize=12.5, leading=15),
        header_right=ParagraphStyle("hr", parent=centre, fontSize=12.5, leading=15),
        italic_centre=ParagraphStyle("ic", parent=centre, fontName=f"{FONT}-Italic", fontSize=13, leading=16),
        sign_title=ParagraphStyle("st", parent=centre, fontName=f"{FONT}-Bold", fontSize=13, leading=16),
        recipients_title=ParagraphStyle(
            "rt", parent=base, fontName=f"{FONT}-BoldItalic", fontSize=12, leading=14, alignment=TA_LEFT
        ),
        recipients=ParagraphStyle("rl", parent=base, fontSize=11, leading=13, alignment=TA_LEFT),
    )


class _Rule(Flowable):  # type: ignore[misc]
    """A short horizontal rule centred under a header line (the line under Tiêu ngữ)."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.rule_width = width
        self.height = 4

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.available = available_width
        return available_width, self.height

    def draw(self) -> None:
        left = (self.available - self.rule_width) / 2
        self.canv.setLineWidth(0.6)
        self.canv.line(left, 0.5, left + self.rule_width, 0.5)


def text_width(text: str, font: str, size: float) -> float:
    register_fonts()
    return float(pdfmetrics.stringWidth(nfc(text), font, size))


@dataclass(frozen=True)
class Letterhead:
    """The two-column header. ``agency`` lines top to bottom: the superior body, then the issuing
    unit (printed bold); ``number`` is the whole "Số: …" text; ``day`` None prints blanks."""

    agency: Sequence[str]
    number: str
    place: str
    day: date | None


def header(letterhead: Letterhead, st: Styles) -> Table:
    left_width, right_width = FRAME_WIDTH * 0.42, FRAME_WIDTH * 0.58
    lines = [nfc(line).upper() for line in letterhead.agency if nfc(line).strip()]
    agency = [whole_last_words(line) for line in lines] or [BLANK]
    left: list[Flowable] = [Paragraph(markup(line), st.header_left) for line in agency[:-1]]
    left.append(Paragraph(f"<b>{markup(agency[-1])}</b>", st.header_left))
    left.append(_Rule(min(text_width(agency[-1], f"{FONT}-Bold", 12.5), left_width) * 0.4))
    left.append(Spacer(1, 4))
    left.append(Paragraph(markup(letterhead.number), st.header_left))
    right: list[Flowable] = [
        Paragraph(f"<b>{NATION}</b>", ParagraphStyle("n", parent=st.header_right, fontSize=12)),
        Paragraph(f"<b>{MOTTO}</b>", ParagraphStyle("m", parent=st.header_right, fontSize=13)),
        _Rule(text_width(MOTTO, f"{FONT}-Bold", 13)),
        Spacer(1, 6),
        Paragraph(f"<i>{markup(place_date(letterhead.place, letterhead.day))}</i>", st.header_right),
    ]
    table = Table([[left, right]], colWidths=[left_width, right_width])
    table.setStyle(
        TableStyle(
            [
                CELL_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def recipients(lines: Iterable[str], st: Styles) -> list[Flowable]:
    """ "Nơi nhận:" in bold italic 12, then one line per recipient in 11."""
    items = [nfc(line) for line in lines if nfc(line).strip()]
    flow: list[Flowable] = [Paragraph("Nơi nhận:", st.recipients_title)]
    for i, line in enumerate(items):
        end = "." if i == len(items) - 1 else ";"
        flow.append(Paragraph(f"- {markup(line)}{end}", st.recipients))
    return flow


def signing_table(lines: Iterable[str], title: str, hint: str, name: str, st: Styles) -> Table:
    """The foot of a decision or report: "Nơi nhận" on the left, the signer's block on the right, with
    room to sign and stamp; one table row, never split (keep it with what precedes it: ``KeepTogether``
    or a ``grid`` foot)."""
    right = [
        Paragraph(markup(title), st.sign_title),
        Paragraph(f"<i>{markup(hint)}</i>", st.italic_centre),
        Spacer(1, 24 * mm),
        Paragraph(f"<b>{markup(name)}</b>" if name else "", st.italic_centre),
    ]
    table = Table([[recipients(lines, st), right]], colWidths=[FRAME_WIDTH * 0.45, FRAME_WIDTH * 0.55])
    table.setStyle(
        TableStyle([CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return table


def signatures(blocks: Sequence[tuple[str, str, str]], st: Styles, *, space: float = 22 * mm) -> Table:
    """Signature blocks side by side: (title, hint, name). Rows of two when there are more than two."""
    cells = []
    for title, hint, name in blocks:
        cell = [Paragraph(markup(title), st.sign_title)]
        if hint:
            cell.append(Paragraph(f"<i>{markup(hint)}</i>", st.italic_centre))
        cell.append(Spacer(1, space))
        cell.append(Paragraph(f"<b>{markup(name)}</b>" if name else "", st.italic_centre))
        cells.append(cell)
    per_row = 2 if len(cells) > 2 else max(len(cells), 1)
    rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [[]] * (per_row - len(rows[-1]))
    table = Table(rows, colWidths=[FRAME_WIDTH / per_row] * per_row)
    table.setStyle(
        TableStyle([CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 10)])
    )
    return table


CELL_PADDING = 3
FOOT_KEEPS = 2  # rows of a table that go along with its foot to a new page
SMALLEST_NUMBER_SIZE = 6.5


def _fitting(style: ParagraphStyle, text: str, room: float, bold: bool) -> ParagraphStyle:
    """``style``, or a smaller copy of it in which ``text`` fits on one line of ``room`` points."""
    face = f"{FONT}-Bold" if bold else style.fontName
    wide = pdfmetrics.stringWidth(text, face, style.fontSize)
    if wide <= room:
        return style
    size = max(SMALLEST_NUMBER_SIZE, int(style.fontSize * room / wide * 10) / 10)
    return ParagraphStyle(f"{style.name}_{size}", parent=style, fontSize=size, leading=size * 1.2)


def grid(
    head: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    st: Styles,
    *,
    align: Sequence[str] | None = None,
    bold_rows: Iterable[int] = (),
    foot: Sequence[Flowable] = (),
    whole: Iterable[int] = (),
) -> Table:
    """A ruled table whose header row repeats on every page it spills onto. ``align`` per column:
    "l", "c" or "r"; ``bold_rows`` indexes (in ``rows``) printed bold, e.g. totals. ``foot``: what
    ends the document (notes, the signature block), printed below the table without rules and never
    on a page of its own: it takes the table's last ``FOOT_KEEPS`` rows along. ``whole``: columns
    whose one-word values (a case number, a post's code) are set smaller rather than broken, as
    numbers are; a value of several words still wraps between them. Split over pages, a table without
    a foot keeps at least two rows on each side of the break."""
    right = ParagraphStyle("cell_r", parent=st.cell, alignment=TA_RIGHT)
    by_align = {"l": st.cell, "c": st.cell_centre, "r": right}
    align = align or ["l"] * len(head)
    bold = set(bold_rows)
    unbroken = set(whole)
    total = sum(widths)
    points = [FRAME_WIDTH * w / total for w in widths]
    data: list[list[Any]] = [[Paragraph(markup(h), st.cell_head) for h in head]]
    for index, row in enumerate(rows):
        line = []
        for column, value in enumerate(row):
            text = markup(value)
            style = by_align[align[column]]
            # A number is never broken: a long one is set smaller instead; so is a one-word value of
            # a ``whole`` column (ReportLab cuts a word too long for its cell between two letters).
            if align[column] == "r" or (column in unbroken and len(nfc(value).split()) == 1):
                style = _fitting(style, nfc(value), points[column] - 2 * CELL_PADDING, index in bold)
            line.append(Paragraph(f"<b>{text}</b>" if index in bold else text, style))
        data.append(line)
    ruled = len(data)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, ruled - 1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, ruled - 1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, ruled - 1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, ruled - 1), CELL_PADDING),
    ]
    if not foot and ruled >= 4:
        # Never one row alone at the top of a page under the repeated header: the last two go together
        # (a six-row hand-over table once left its sixth on page 2). And never the header with a single
        # row at a page's foot: the first two rows go with it. Only rows of a few lines: rows kept
        # together must fit on a page, or ReportLab gives up on the document.
        if _rows_height(data[-2:], points) < SHORT_ROWS:
            commands.append(("NOSPLIT", (0, ruled - 2), (-1, ruled - 1)))
        if _rows_height(data[:3], points) < SHORT_ROWS:
            commands.append(("NOSPLIT", (0, 0), (-1, 2)))
    if foot:
        data.append([list(foot), *[""] * (len(head) - 1)])
        commands += [
            ("SPAN", (0, ruled), (-1, ruled)),
            ("VALIGN", (0, ruled), (-1, ruled), "TOP"),
            ("LEFTPADDING", (0, ruled), (-1, ruled), 0),
            ("RIGHTPADDING", (0, ruled), (-1, ruled), 0),
            ("NOSPLIT", (0, max(0, ruled - FOOT_KEEPS)), (-1, ruled)),
        ]
    table = Table(data, colWidths=points, repeatRows=1)
    table.setStyle(TableStyle([CELL_FONT, *commands]))
    return table


SHORT_ROWS = 150.0  # points: rows that may be kept together when a table splits (``grid``)


def _rows_height(rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> float:
    """How tall ``rows`` of ``grid``'s paragraphs are set in columns of ``widths`` (padding included)."""
    total = 0.0
    for row in rows:
        tallest = 0.0
        for cell, width in zip(row, widths, strict=False):
            if isinstance(cell, Flowable):
                tallest = max(tallest, cell.wrap(width - 2 * CELL_PADDING, 1e6)[1])
        total += tallest + 6  # ReportLab's top and bottom padding, 3 points each
    return total


class KeepOrFlow(KeepTogether):  # type: ignore[misc]
    """Kept on one page when it fits on one; longer, it flows on from where it stands. (ReportLab's
    ``KeepTogether`` first starts a new page for content longer than a page, which leaves the
    heading above it alone at the foot of the page before.)"""

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        frame = self._doctemplateAttr("frame")
        if getattr(self, "_wrapInfo", None) != (available_width, available_height):
            self.wrap(available_width, available_height)
        if frame is not None and self._H > frame._aH:
            return list(self._content)
        return list(super().split(available_width, available_height))


class _KeepWithNext(CondPageBreak):  # type: ignore[misc]
    """A new page unless ``heading`` and the least start of ``following`` fit below (``least_piece``):
    measured as the page is laid out, spaces before and after included, so that no fixed allowance
    leaves a heading alone at a page's foot."""

    def __init__(self, heading: Sequence[Flowable], following: Sequence[Flowable]) -> None:
        super().__init__(0)
        self._heading = list(heading)
        self._following = list(following)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        frame = self._doctemplateAttr("frame")
        if frame is not None and getattr(frame, "_atTop", False):
            self.height = 0  # at a page's top already: a new page would hold no more
        else:
            heading = sum(
                f.wrapOn(self.canv, available_width, available_height)[1]
                + f.getSpaceBefore()
                + f.getSpaceAfter()
                for f in self._heading
            )
            # (a point spare: ReportLab's own rounding)
            self.height = (
                1.0 + heading + least_piece(self._following, available_width, self.canv, _frame_height(frame))
            )
        width, height = super().wrap(available_width, available_height)
        return float(width), float(height)


def _frame_height(frame: Any) -> float:
    return float(frame._aH) if frame is not None else PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM


def least_piece(following: Sequence[Flowable], width: float, canvas: Any, page: float) -> float:
    """The height of what must stand under a heading on its page: spacers and lead-in paragraphs (a
    note, a caption) whole, then the first part of the next flowable that a page must hold whole (a
    table's header and first rows; a drawing; the whole of a ``KeepTogether`` that fits on a page,
    else its own least piece). ``page``: the height of a whole page's frame."""
    total = 0.0
    for index, flowable in enumerate(following):
        if index:
            total += flowable.getSpaceBefore()
        if isinstance(flowable, KeepTogether):
            height = float(_listWrapOn(flowable._content, width, canvas))
            if height <= page or not isinstance(flowable, KeepOrFlow):
                return total + height
            return total + least_piece(flowable._content, width, canvas, page)
        height = float(flowable.wrapOn(canvas, width, 0xFFFFFF)[1])
        if isinstance(flowable, Spacer | Paragraph):
            total += height + flowable.getSpaceAfter()
            continue
        if isinstance(flowable, Table):
            return total + _least_rows(flowable, width, canvas, height)
        return total + height
    return total


def _listWrapOn(content: Sequence[Flowable], width: float, canvas: Any) -> float:  # noqa: N802
    from reportlab.platypus.flowables import _listWrapOn as wrap_list

    return float(wrap_list(list(content), width, canvas)[1])


def _least_rows(table: Table, width: float, canvas: Any, full: float) -> float:
    """A table's height up to the first row foot it can be split at (usually its header and first
    row; rows held to the table's foot, as the reward table's, need a few more tries)."""
    reached = 0.0
    for height in table._rowHeights[:-1]:
        reached += height
        if table.splitOn(canvas, width, reached + 0.5):
            table.wrapOn(canvas, width, 0xFFFFFF)  # (as it was: the frame wraps it again anyway)
            return float(reached)
    return full


def keep_with_next(heading: Sequence[Flowable], following: Flowable | Sequence[Flowable]) -> list[Flowable]:
    """``heading`` then ``following``, the heading never alone at the foot of a page: it goes to the
    next page unless the start of ``following`` (``least_piece``) fits under it."""
    after = [following] if isinstance(following, Flowable) else list(following)
    return [_KeepWithNext(heading, after), *heading, *after]


PageDecoration = Callable[[Canvas, Any], None]


def _page_number(canvas: Canvas, document: Any) -> None:
    """From page 2: the page number centred in the top margin."""
    canvas.saveState()
    canvas.setFont(FONT, 13)
    canvas.drawCentredString(MARGIN_LEFT + FRAME_WIDTH / 2, PAGE[1] - MARGIN_TOP / 2 - 4, str(document.page))
    canvas.restoreState()


# The grey of a mark across the page: light enough that the black text drawn over it stays readable
# in a photocopy, dark enough that the word is seen at a glance. Solid grey, not transparency, which
# some archive (PDF/A-1) checks refuse.
MARK_GREY = colors.Color(0.80, 0.80, 0.80)


def _mark(canvas: Canvas, text: str) -> None:
    """``text`` in large grey capitals across the page from bottom left to top right, drawn before the
    page's content so that the content is printed over it and never hidden."""
    width, height = PAGE
    diagonal = (width**2 + height**2) ** 0.5
    size = min(130.0, 0.7 * diagonal / max(text_width(text, f"{FONT}-Bold", 1), 1e-6))
    canvas.saveState()
    canvas.setFillColor(MARK_GREY)
    canvas.setFont(f"{FONT}-Bold", size)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(math.degrees(math.atan2(height, width)))
    canvas.drawCentredString(0, -size * 0.35, nfc(text))
    canvas.restoreState()


def render(
    flowables: list[Flowable],
    *,
    title: str,
    subject: str = "",
    first_page: PageDecoration | None = None,
    mark: str | None = None,
) -> tuple[bytes, int]:
    """The PDF bytes and the page count. ``first_page`` draws extra marks on page 1 (a QR code);
    ``mark`` is a word printed across every page under the text ("ĐÃ HỦY", "DỰ THẢO")."""
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=nfc(title),
        subject=nfc(subject),
        author="Outpost",
        creator="Outpost",
        # The canvas would start each page in Helvetica, which ReportLab never embeds: unused, it is
        # still listed, and an "all fonts embedded" (PDF/A) check rejects the file (issue 16 item 9).
        initialFontName=FONT,
    )

    def on_first(canvas: Canvas, doc: Any) -> None:
        if mark:
            _mark(canvas, mark)
        if first_page is not None:
            first_page(canvas, doc)

    def on_later(canvas: Canvas, doc: Any) -> None:
        if mark:
            _mark(canvas, mark)
        _page_number(canvas, doc)

    document.build(flowables, onFirstPage=on_first, onLaterPages=on_later)
    return buffer.getvalue(), int(document.page)


def save(path: Path, data: bytes) -> None:
    """Write a finished PDF (or any file) whole or not at all: a full disk or a pulled stick leaves the
    previous file, if any, as it was. A folder given as the file is refused before anything is written."""
    path = Path(path)
    if path.is_dir():
        raise ValidationError([_("{path} is a folder: give the name of the file to write").format(path=path)])
    write_atomically(path, data)
