"""The hand-over minutes (biên bản bàn giao) printed from a hand-over record (docs/domain.md §4).

Laid out as the case's forms are (``app.forms``: the letterhead, the title, dots where a field is
unknown, the closing sentence with the sheet count, the signature blocks), but drawn from what the
post handed to the police: the agency, the papers, the defendants, the receipt. Page 1 carries a print
code signed with the station's key over the hand-over's id, version and sealed state, so that the paper
proves what was handed over as a case's form proves the case (``app.print_codes.verify_print``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from app.auth import require
from app.domain import Actor
from app.errors import AuthError, NotFound
from app.formatting import format_decimal
from app.forms import qr_mark, status_mark
from app.handovers import HandoverView, sealed_hash, view
from app.i18n import _
from app.print_codes import SIGNED_ONLY, print_payload, signing_key
from app.printing import BLANK, Letterhead, Styles, blank, grid, header, markup, render, signatures, styles
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

TITLE = "BIÊN BẢN BÀN GIAO"
SUBTITLE = "Hồ sơ vụ việc có dấu hiệu tội phạm và đối tượng cho cơ quan điều tra"
USUAL_PAGES = 2  # a full record (papers, goods) spills the signatures onto a second page


@dataclass(frozen=True)
class PrintedHandover:
    case_number: str
    pdf: bytes
    pages: int
    payload: str

    @property
    def filename(self) -> str:
        return f"BBBG_{self.case_number.replace('/', '-')}.pdf"


@dataclass(frozen=True)
class _Sources:
    handover: HandoverView
    case: m.Case
    goods: list[tuple[str, str, str]]  # description, unit, quantity
    agency: list[str]
    station_name: str
    place_name: str


def print_handover(
    ctx: Context, actor: Actor, handover_id: str, passphrase: str | None = None
) -> PrintedHandover:
    """The hand-over minutes as PDF bytes. As a case's form: signed with the station's key when the
    case is approved or closed (required then), a draft or submitted case's minutes marked so."""
    require(actor, "case.read")
    key = signing_key(ctx, passphrase) if passphrase is not None else None
    with ctx.sessions.reads() as session:
        row = session.get(m.Handover, handover_id)
        if row is None:
            raise NotFound(_("no hand-over with id {id}").format(id=handover_id))
        case = session.get(m.Case, row.case_id)
        station = session.get(m.Station, row.origin)
        assert case is not None and station is not None
        if key is None and case.status in SIGNED_ONLY:
            raise AuthError(
                _(
                    "a form of an approved or closed case is printed only signed with this station's "
                    "key: give the key passphrase"
                )
            )
        payload = print_payload(station.code, row.id, row.version, case.status, sealed_hash(row), key)
        sources = _Sources(
            handover=view(row, case.number, station.code),
            case=case,
            goods=[
                (
                    line.description or ctx.reference.label("commodities", line.commodity, "vi"),
                    line.unit,
                    format_decimal(line.quantity),
                )
                for line in case.goods
            ],
            agency=list(station.header_lines)
            or [ctx.reference.label("forces", station.force, "vi"), station.name],
            station_name=station.name,
            place_name=ctx.settings.place_name,
        )
        occurred = ctx.local(case.occurred_at)
    st = styles()
    pages = guess = USUAL_PAGES
    for _attempt in range(3):  # the sheet count is printed in the text: drawn again if the guess was wrong
        pdf, pages = render(
            _minutes(sources, occurred.strftime("%H giờ %M phút, ngày %d/%m/%Y"), st, f"{guess:02d}"),
            title=TITLE,
            subject=sources.handover.case_number,
            first_page=qr_mark(payload),
            mark=status_mark(case.status),
        )
        if pages == guess:
            break
        guess = pages
    return PrintedHandover(sources.handover.case_number, pdf, pages, payload)


def _p(text: str, st: Styles) -> Paragraph:
    return Paragraph(text, st.body)


def _minutes(sources: _Sources, occurred: str, st: Styles, sheets: str) -> list[Flowable]:
    handover, case = sources.handover, sources.case
    day: date = handover.handed_on
    flow: list[Flowable] = [
        header(Letterhead(sources.agency, "Số: ……/BB-BG", sources.place_name, day), st),
        Paragraph(markup(TITLE), st.title),
        Paragraph(f"<b>{markup(SUBTITLE)}</b>", st.subtitle),
        _p("Căn cứ Điều 62 Luật Xử lý vi phạm hành chính; Bộ luật Tố tụng hình sự năm 2015;", st),
        _p(
            f"Hôm nay, hồi …… giờ …… phút, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}, "
            f"tại {markup(sources.station_name)}, chúng tôi gồm:",
            st,
        ),
        _p(f"<b>I. BÊN GIAO:</b> {markup(sources.station_name)}", st),
        _p(f"Ông (bà): {markup(blank(handover.handed_by))}; Chức vụ: {BLANK}.", st),
        _p(f"<b>II. BÊN NHẬN:</b> {markup(handover.receiving_agency)}", st),
        _p(f"Ông (bà): {markup(blank(handover.received_by))}; Chức vụ: {BLANK}.", st),
        _p("<b>III. NỘI DUNG BÀN GIAO</b>", st),
        _p(
            f"Bên giao bàn giao cho Bên nhận hồ sơ vụ việc số <b>{markup(handover.case_number)}</b>, "
            f"xảy ra hồi {occurred} tại {markup(blank(case.place))}, có dấu hiệu tội phạm. "
            f"Hành vi: {markup(blank(case.violation))}.",
            st,
        ),
        _p(f"<b>1. Đối tượng bàn giao</b> ({len(handover.defendants):02d} người):", st),
        grid(
            ("STT", "Họ và tên", "Số định danh cá nhân / CMND / hộ chiếu", "Ghi chú"),
            [[str(i), d.full_name, d.id_number or "", ""] for i, d in enumerate(handover.defendants, start=1)]
            or [["1", BLANK, "", ""]],
            (8, 42, 32, 18),
            st,
            align=("c", "l", "l", "l"),
        ),
        Spacer(1, 4),
        _p("<b>2. Hồ sơ, tài liệu bàn giao:</b>", st),
        grid(
            ("STT", "Tên hồ sơ, tài liệu", "Số tờ", "Ghi chú"),
            [[str(i), text, "", ""] for i, text in enumerate(handover.documents, start=1)]
            or [["1", BLANK, "", ""]],
            (8, 62, 12, 18),
            st,
            align=("c", "l", "c", "l"),
        ),
        Spacer(1, 4),
        _p("<b>3. Tang vật, phương tiện kèm theo:</b>", st),
        grid(
            ("STT", "Tên tang vật, phương tiện", "Đơn vị tính", "Số lượng"),
            [
                [str(i), name, unit, quantity]
                for i, (name, unit, quantity) in enumerate(sources.goods, start=1)
            ]
            or [["1", BLANK, "", ""]],
            (8, 58, 16, 18),
            st,
            align=("c", "l", "c", "r"),
        ),
        Spacer(1, 4),
        _p(f"Số biên nhận của Bên nhận: {markup(blank(handover.receipt_no))}.", st),
    ]
    if handover.note:
        flow.append(_p(f"Ghi chú: {markup(handover.note)}", st))
    closing = _p(
        "Biên bản kết thúc hồi …… giờ …… phút cùng ngày, gồm "
        f"{sheets} tờ, được lập thành 02 bản có nội dung và giá trị như nhau, mỗi bên giữ 01 bản; đã đọc "
        "lại cho các bên cùng nghe, công nhận là đúng và cùng ký tên dưới đây.",
        st,
    )
    # The closing sentence stays with the signatures, never alone on the last page.
    flow.append(
        KeepTogether(
            [
                closing,
                Spacer(1, 6),
                signatures(
                    [
                        ("ĐẠI DIỆN BÊN NHẬN", "(Ký, ghi rõ chức vụ, họ tên)", handover.received_by or ""),
                        ("ĐẠI DIỆN BÊN GIAO", "(Ký, ghi rõ chức vụ, họ tên)", handover.handed_by),
                    ],
                    st,
                ),
            ]
        )
    )
    return flow
