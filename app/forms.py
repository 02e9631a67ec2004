"""The legal forms a post prints from a case (docs/domain.md §4): MBB01, MBB02, MBB15, MBB28 and MQĐ14.

Each form is drawn from the case as the register holds it, with dots wherever a field is unknown so
that it can be completed by hand. Page 1 carries a QR code with the case id, its version, its status
and the hash of its whole state (the hash the audit chain seals for that version), signed with the
station's key, so that a paper copy can be proved at the post, at HQ or offline later
(``app.print_codes``). Tip-offs are never read here: no print names an informant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table
from sqlalchemy import select

from app.auth import require
from app.case_json import StoredCase, stored_case
from app.countries import country_name
from app.domain import Actor, CaseInput, DocumentInput, PartyInput
from app.errors import AuthError, NotFound, ValidationError
from app.formatting import format_decimal, format_money
from app.i18n import _
from app.print_codes import SIGNED_ONLY, print_payload, signing_key
from app.printing import (
    BLANK,
    FONT,
    MARGIN_RIGHT,
    PAGE,
    Letterhead,
    Styles,
    blank,
    grid,
    header,
    markup,
    nfc,
    render,
    signatures,
    signing_table,
    styles,
)
from app.serialize import orm_case_state, state_hash
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

FORM_CODES = ("MBB01", "MBB02", "MBB15", "MBB28", "MQĐ14")
# Typed without Vietnamese letters on a command line: MQD14 is MQĐ14.
_ALIASES = {code.replace("Đ", "D"): code for code in FORM_CODES}


def form_code(text: str) -> str:
    """The form code as the register writes it, from what a user typed (``mqd14`` → ``MQĐ14``)."""
    code = nfc(text).strip().upper()
    code = _ALIASES.get(code, code)
    if code not in FORM_CODES:
        raise ValidationError([f"form: unknown form {text!r}; expected one of {', '.join(FORM_CODES)}"])
    return code


@dataclass(frozen=True)
class PrintedForm:
    code: str
    case_number: str
    pdf: bytes
    pages: int
    payload: str  # what the QR code holds

    @property
    def filename(self) -> str:
        return f"{self.code}_{self.case_number.replace('/', '-')}.pdf"


@dataclass(frozen=True)
class _Sources:
    """What a form is drawn from."""

    case: StoredCase
    station: m.Station
    officer: str  # the full name of who logged the case
    payload: str
    place_name: str
    reference: Any

    def label(self, kind: str, code: str | None) -> str:
        return str(self.reference.label(kind, code, "vi")) if code else ""

    def paper(self, code: str) -> DocumentInput | None:
        """The case's record of this form (number, date, signer), if it lists one."""
        for entry in self.case.data.documents:
            if entry.form_code == code:
                return entry
        return None


def print_form(
    ctx: Context, actor: Actor, code: str, case_number_or_id: str, passphrase: str | None = None
) -> PrintedForm:
    """The form ``code`` for a case, as PDF bytes (not written anywhere), its QR code signed with the
    station's key (unlocked by ``passphrase``). An approved or closed case prints only signed; a draft,
    submitted or voided one, marked as such on every page, may print unsigned (``passphrase`` None)."""
    require(actor, "case.read")
    code = form_code(code)
    case_id = ctx.cases.resolve(case_number_or_id)
    # The key is unlocked (Argon2, a second or so) outside the read of the case; the case's status is
    # checked again in that read, in case it was approved in between.
    key = signing_key(ctx, passphrase) if passphrase is not None else None
    with ctx.sessions.reads() as session:
        case = session.get(m.Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_number_or_id}")
        if key is None and case.status in SIGNED_ONLY:
            raise AuthError(
                _(
                    "a form of an approved or closed case is printed only signed with this station's "
                    "key: give the key passphrase"
                )
            )
        station = session.get(m.Station, case.origin)
        assert station is not None
        author = session.execute(
            select(m.User.full_name).where(m.User.username == case.created_by)
        ).scalar_one_or_none()
        sources = _Sources(
            case=stored_case(case, station.code),
            station=station,
            officer=author or "",
            payload=print_payload(
                ctx.station_code, case.id, case.version, case.status, state_hash(orm_case_state(case)), key
            ),
            place_name=ctx.settings.place_name,
            reference=ctx.reference,
        )
        session.expunge(station)
    builder = _BUILDERS[code]
    st = styles()
    # The closing sentence states how many sheets the record has. The count is printed with two
    # digits, so it never changes the layout: a guess (the form's usual length) is drawn again only if
    # it was wrong.
    pages = guess = _USUAL_PAGES.get(code, 1)
    for _attempt in range(3):  # a 100-page table would widen the count: stop after the third drawing
        pdf, pages = render(
            builder(sources, st, f"{guess:02d}"),
            title=_TITLES[code][0],
            subject=sources.case.number,
            first_page=qr_mark(sources.payload),
            mark=status_mark(sources.case.status),
        )
        if pages == guess:
            break
        guess = pages
    return PrintedForm(code, sources.case.number, pdf, pages, sources.payload)


# What every page of a form says across it, by the case's status (docs/domain.md §2, Accountability):
# an officer must never hand out an unapproved form, or a voided one, as final. Approved and closed
# cases print unmarked.
_MARKS = {"draft": "DỰ THẢO", "submitted": "DỰ THẢO", "voided": "ĐÃ HỦY"}


def status_mark(status: str) -> str | None:
    """The word printed across every page of a form of a case in ``status``, or None."""
    return _MARKS.get(status)


# ----- drawing -------------------------------------------------------------------------------


def qr_mark(payload: str) -> Callable[[Canvas, Any], None]:
    """Page 1, bottom right, inside the bottom margin: the QR code and its text in small print, on two
    lines (the signature under the rest) so that it stays right of the left margin."""
    size = 18 * mm

    def draw(canvas: Canvas, _document: Any) -> None:
        widget = QrCodeWidget(payload, barLevel="M")
        left, bottom, right, top = widget.getBounds()
        scale = [size / (right - left), 0, 0, size / (top - bottom), 0, 0]
        # A drawing starts in ReportLab's Helvetica, never embedded; the QR code writes no text, so the
        # bundled font costs nothing and every font of the form stays embedded.
        drawing = Drawing(size, size, transform=scale, initialFontName=FONT)
        drawing.add(widget)
        x = PAGE[0] - MARGIN_RIGHT - size
        renderPDF.draw(drawing, canvas, x, 1.5 * mm)
        body, _colon, signature = payload.rpartition(":")
        canvas.saveState()
        canvas.setFont(FONT, 5.5)
        canvas.drawRightString(x - 1 * mm, 3 * mm + 6.5, f"{body}:")
        canvas.drawRightString(x - 1 * mm, 3 * mm, signature)
        canvas.restoreState()

    return draw


# Pages a form usually takes with a few goods lines and people: the first guess of the sheet count.
_USUAL_PAGES = {"MBB01": 2, "MBB02": 1, "MBB15": 2, "MBB28": 1, "MQĐ14": 1}

_TITLES: dict[str, tuple[str, str]] = {
    "MBB01": ("BIÊN BẢN VI PHẠM HÀNH CHÍNH", ""),
    "MBB02": ("BIÊN BẢN LÀM VIỆC", ""),
    "MBB15": ("BIÊN BẢN", "Tạm giữ tang vật, phương tiện vi phạm hành chính, giấy phép, chứng chỉ hành nghề"),
    "MBB28": ("BIÊN BẢN", "Bàn giao hồ sơ vụ vi phạm có dấu hiệu tội phạm để truy cứu trách nhiệm hình sự"),
    "MQĐ14": ("QUYẾT ĐỊNH", "Tịch thu tang vật, phương tiện vi phạm hành chính"),
}


def _paper_date(sources: _Sources, code: str, *, fallback: bool) -> date | None:
    paper = sources.paper(code)
    if paper and paper.issued_on:
        return paper.issued_on
    return sources.case.data.occurred_at.date() if fallback else None


def _top(sources: _Sources, code: str, st: Styles, *, dated: bool) -> list[Flowable]:
    listed = sources.reference.lists["form_codes"].get(code)
    suffix = listed.extra.get("suffix", "") if listed is not None else ""
    paper = sources.paper(code)
    number = (paper.number if paper else "") or f"……/{suffix}"
    agency = list(sources.station.header_lines) or [
        sources.label("forces", sources.station.force),
        sources.station.name,
    ]
    title, subtitle = _TITLES[code]
    flow: list[Flowable] = [
        header(
            Letterhead(
                agency, f"Số: {number}", sources.place_name, _paper_date(sources, code, fallback=dated)
            ),
            st,
        ),
        Paragraph(markup(title), st.title),
    ]
    if subtitle:
        flow.append(Paragraph(f"<b>{markup(subtitle)}</b>", st.subtitle))
    else:
        flow.append(Spacer(1, 8))
    if sources.case.status == "voided":
        # The mark says the form is void; the reason says why, where a reader looks first.
        reason = f"<b>Lý do hủy:</b> {markup(blank(sources.case.void_reason))}"
        flow.append(Paragraph(reason, st.subtitle))
    return flow


def _p(text: str, st: Styles) -> Paragraph:
    return Paragraph(text, st.body)


def _time_place(case: CaseInput) -> str:
    moment = case.occurred_at
    return (
        f"Hôm nay, hồi {moment.hour:02d} giờ {moment.minute:02d} phút, ngày {moment:%d/%m/%Y}, "
        f"tại {markup(blank(case.place))}."
    )


def _people(sources: _Sources, roles: Sequence[str] | None = None) -> list[PartyInput]:
    return [
        p
        for p in sources.case.data.parties
        if (roles is None and p.role != "witness") or (roles is not None and p.role in roles)
    ]


# Where a case names no offender: every line of the block left to be filled in by hand.
_NOBODY = PartyInput(kind="person", role="", full_name="")


def _party_block(party: PartyInput, sources: _Sources, st: Styles, index: int) -> list[Flowable]:
    label = sources.label("party_roles", party.role)
    if party.kind == "organisation":
        lines = [
            f"<b>{index}. Tên tổ chức:</b> {markup(blank(party.full_name))}"
            + (f" ({markup(label)})" if label else ""),
            f"Địa chỉ trụ sở chính: {markup(blank(party.address))}",
            f"Mã số doanh nghiệp / mã số thuế: {markup(blank(party.tax_code))}",
            f"Người đại diện theo pháp luật: {markup(blank(party.representative))}",
        ]
    else:
        born, issued, nationality = party.birth_date, party.id_issued_on, party.nationality
        lines = [
            f"<b>{index}. Họ và tên:</b> {markup(blank(party.full_name))}"
            + (f" ({markup(label)})" if label else "")
            + f"; Giới tính: {markup(blank(_GENDER.get(party.gender or '', party.gender)))}",
            f"Ngày, tháng, năm sinh: {born:%d/%m/%Y}" if born else f"Ngày, tháng, năm sinh: {BLANK}",
            f"Quốc tịch: {markup(blank(country_name(nationality, 'vi') or None))}; "
            f"Nghề nghiệp: {markup(blank(party.occupation))}",
            f"Nơi ở hiện tại: {markup(blank(party.address))}",
            f"Số định danh cá nhân / CMND / hộ chiếu: {markup(blank(party.id_number))}; "
            f"ngày cấp: {issued:%d/%m/%Y}"
            if issued
            else f"Số định danh cá nhân / CMND / hộ chiếu: {markup(blank(party.id_number))}; "
            f"ngày cấp: {BLANK}",
            f"Nơi cấp: {markup(blank(party.id_issued_by))}",
        ]
    return [Paragraph(line, st.body_left) for line in lines]


_GENDER = {"male": "Nam", "female": "Nữ", "M": "Nam", "F": "Nữ"}


def _offenders(sources: _Sources, st: Styles) -> list[Flowable]:
    people = _people(sources)
    if not people:
        if sources.case.data.ownerless:
            return [_p("Không xác định được người vi phạm: tang vật vô chủ.", st)]
        return _party_block(_NOBODY, sources, st, 1)
    flow: list[Flowable] = []
    for index, party in enumerate(people, start=1):
        flow += _party_block(party, sources, st, index)
    return flow


def _witnesses(sources: _Sources, st: Styles) -> list[Flowable]:
    witnesses = _people(sources, ("witness",))
    if not witnesses:
        return [_p(f"Họ và tên: {BLANK}; Nghề nghiệp: {BLANK}; Nơi ở: {BLANK}", st)]
    return [
        _p(f"{i}. Họ và tên: {markup(w.full_name)}; Nơi ở: {markup(blank(w.address))}", st)
        for i, w in enumerate(witnesses, start=1)
    ]


def _us(sources: _Sources, st: Styles) -> list[Flowable]:
    return [
        _p(
            f"1. Họ và tên: {markup(blank(sources.officer))}; Chức vụ: {BLANK}; "
            f"Đơn vị: {markup(sources.station.name)}.",
            st,
        ),
        _p(f"2. Họ và tên: {BLANK}; Chức vụ: {BLANK}; Đơn vị: {BLANK}.", st),
    ]


GOODS_HEAD = (
    "STT",
    "Tên tang vật, phương tiện",
    "Đơn vị tính",
    "Số lượng",
    "Chủng loại",
    "Tình trạng, đặc điểm",
    "Ghi chú",
)


def goods_rows(sources: _Sources) -> list[list[str]]:
    """One row per goods line, then one per vehicle or vessel held with them."""
    rows: list[list[str]] = []
    for line in sources.case.data.goods:
        kind = sources.label("commodities", line.commodity)
        origin = country_name(line.origin_country, "vi")  # the forms are in Vietnamese
        notes = [n for n in (line.note,) if n]
        if line.value_vnd:
            notes.append(f"Trị giá {format_money(line.value_vnd)} đ")
        rows.append(
            [
                str(len(rows) + 1),
                line.description or kind,
                line.unit,
                format_decimal(line.quantity),
                kind + (f", xuất xứ {origin}" if origin else ""),
                line.condition or "",
                "; ".join(notes),
            ]
        )
    for vehicle in sources.case.data.vehicles:
        kind = sources.label("vehicle_kinds", vehicle.kind)
        plate = vehicle.plate
        rows.append(
            [
                str(len(rows) + 1),
                kind + (f" biển số {plate}" if plate else ""),
                "chiếc",
                "1",
                kind,
                vehicle.description or "",
                "",
            ]
        )
    return rows


def _goods_table(sources: _Sources, st: Styles) -> Table:
    rows = goods_rows(sources) or [["1", BLANK, "", "", "", "", ""]]
    return grid(
        GOODS_HEAD, rows, (6.5, 26, 9, 10.5, 16, 17, 15), st, align=("c", "l", "c", "r", "l", "l", "l")
    )


def _closing(st: Styles, sheets: str, *then: Flowable) -> Flowable:
    """The closing sentence, kept on one page with what follows it (the signatures), so that these
    never stand alone on the last page."""
    sentence = _p(
        f"Biên bản lập xong hồi …… giờ …… phút, ngày {BLANK}, gồm {sheets} tờ, được lập thành 02 bản có "
        "nội dung và giá trị như nhau; đã đọc lại cho những người có tên nêu trên cùng nghe, công nhận là "
        "đúng và cùng ký tên dưới đây.",
        st,
    )
    return KeepTogether([sentence, *then])


def _mbb01(sources: _Sources, st: Styles, sheets: str) -> list[Flowable]:
    case = sources.case.data
    basis = case.legal_basis
    flow = _top(sources, "MBB01", st, dated=True)
    flow += [
        _p(_time_place(case), st),
        _p(f"Căn cứ: {markup(blank(basis))}.", st),
        _p("<b>Chúng tôi gồm:</b>", st),
        *_us(sources, st),
        _p("<b>Với sự chứng kiến của:</b>", st),
        *_witnesses(sources, st),
        _p("<b>Tiến hành lập biên bản vi phạm hành chính đối với:</b>", st),
        *_offenders(sources, st),
        _p(f"<b>1. Đã có hành vi vi phạm hành chính:</b> {markup(blank(case.violation))}", st),
        _p(f"<b>2. Quy định tại:</b> {markup(blank(basis))}", st),
        _p(f"<b>3. Sự việc:</b> {markup(blank(case.summary))}", st),
        _p("<b>4. Tang vật, phương tiện, giấy phép, chứng chỉ hành nghề bị tạm giữ:</b>", st),
        _goods_table(sources, st),
        Spacer(1, 4),
        _p(f"<b>5. Ý kiến trình bày của người vi phạm hoặc đại diện tổ chức vi phạm:</b> {BLANK}", st),
        _p(f"<b>6. Ý kiến của người chứng kiến, người bị thiệt hại:</b> {BLANK}", st),
        _p(f"<b>7. Biện pháp ngăn chặn và bảo đảm xử lý vi phạm hành chính được áp dụng:</b> {BLANK}", st),
        _p(
            "<b>8.</b> Trong thời hạn 02 ngày làm việc kể từ ngày lập biên bản này, người vi phạm hoặc đại "
            "diện tổ chức vi phạm có quyền gửi văn bản yêu cầu được giải trình trực tiếp, hoặc trong thời "
            "hạn 05 ngày làm việc gửi văn bản giải trình đến người có thẩm quyền xử phạt.",
            st,
        ),
        _closing(
            st,
            sheets,
            _p(f"Lý do người vi phạm không ký biên bản: {BLANK}", st),
            Spacer(1, 6),
            signatures(
                [
                    ("NGƯỜI VI PHẠM", "(Ký, ghi rõ họ tên)", ""),
                    ("NGƯỜI LẬP BIÊN BẢN", "(Ký, ghi rõ chức vụ, họ tên)", sources.officer),
                    ("NGƯỜI CHỨNG KIẾN", "(Ký, ghi rõ họ tên)", ""),
                    ("NGƯỜI PHIÊN DỊCH", "(Ký, ghi rõ họ tên)", ""),
                ],
                st,
            ),
        ),
    ]
    return flow


def _mbb02(sources: _Sources, st: Styles, sheets: str) -> list[Flowable]:
    case = sources.case.data
    flow = _top(sources, "MBB02", st, dated=True)
    flow += [
        _p(_time_place(case), st),
        _p(f"Căn cứ: {markup(blank(case.legal_basis))}.", st),
        _p("<b>I. Thành phần làm việc gồm:</b>", st),
        *_us(sources, st),
        _p("<b>Làm việc với:</b>", st),
        *_offenders(sources, st),
        _p("<b>II. Nội dung làm việc:</b>", st),
        _p(markup(blank(case.summary)), st),
        _p("Tang vật, phương tiện liên quan:", st),
        _goods_table(sources, st),
        Spacer(1, 4),
        _p(f"<b>III. Kết quả làm việc:</b> {BLANK}", st),
        _closing(
            st,
            sheets,
            Spacer(1, 6),
            signatures(
                [
                    ("ĐẠI DIỆN BÊN LÀM VIỆC", "(Ký, ghi rõ họ tên)", ""),
                    ("NGƯỜI LẬP BIÊN BẢN", "(Ký, ghi rõ chức vụ, họ tên)", sources.officer),
                ],
                st,
            ),
        ),
    ]
    return flow


def _mbb15(sources: _Sources, st: Styles, sheets: str) -> list[Flowable]:
    case = sources.case.data
    decision = sources.paper("MQĐ20")
    flow = _top(sources, "MBB15", st, dated=True)
    flow += [
        _p(
            f"Căn cứ Quyết định tạm giữ tang vật, phương tiện vi phạm hành chính số "
            f"{markup(blank(decision.number if decision else None))}.",
            st,
        ),
        _p(_time_place(case), st),
        _p("<b>Chúng tôi gồm:</b>", st),
        *_us(sources, st),
        _p("<b>Với sự chứng kiến của:</b>", st),
        *_witnesses(sources, st),
        _p("<b>Tiến hành tạm giữ tang vật, phương tiện vi phạm hành chính của:</b>", st),
        *_offenders(sources, st),
        _p(f"Hành vi vi phạm: {markup(blank(case.violation))}", st),
        _p("<b>Tang vật, phương tiện bị tạm giữ gồm:</b>", st),
        _goods_table(sources, st),
        Spacer(1, 4),
        _p("Ngoài những tang vật, phương tiện nêu trên, chúng tôi không tạm giữ thêm thứ gì khác.", st),
        _closing(
            st,
            sheets,
            Spacer(1, 6),
            signatures(
                [
                    ("NGƯỜI VI PHẠM", "(Ký, ghi rõ họ tên)", ""),
                    ("NGƯỜI LẬP BIÊN BẢN", "(Ký, ghi rõ chức vụ, họ tên)", sources.officer),
                    ("NGƯỜI CHỨNG KIẾN", "(Ký, ghi rõ họ tên)", ""),
                ],
                st,
            ),
        ),
    ]
    return flow


def _mbb28(sources: _Sources, st: Styles, sheets: str) -> list[Flowable]:
    case = sources.case.data
    handling = case.handling
    defendants = handling.defendants
    papers = [d for d in case.documents if d.form_code != "MBB28"]
    flow = _top(sources, "MBB28", st, dated=False)
    flow += [
        _p("Căn cứ Điều 62 Luật Xử lý vi phạm hành chính;", st),
        _p(f"Hôm nay, hồi …… giờ …… phút, ngày {BLANK}, tại {markup(sources.station.name)}.", st),
        _p("<b>I. Bên giao:</b> " + markup(sources.station.name), st),
        _p(f"Họ và tên: {markup(blank(sources.officer))}; Chức vụ: {BLANK}.", st),
        _p("<b>II. Bên nhận:</b> " + markup(blank(handling.receiving_agency)), st),
        _p(f"Họ và tên: {BLANK}; Chức vụ: {BLANK}.", st),
        _p(
            f"<b>III. Bàn giao hồ sơ vụ vi phạm số {markup(sources.case.number)}</b>, xảy ra ngày "
            f"{case.occurred_at:%d/%m/%Y} tại {markup(blank(case.place))}, có dấu hiệu tội "
            "phạm để truy cứu trách nhiệm hình sự.",
            st,
        ),
        _p(f"Hành vi: {markup(blank(case.violation))}", st),
        _p(f"Số đối tượng: {defendants if defendants is not None else BLANK}.", st),
        _p("<b>Đối tượng:</b>", st),
        *_offenders(sources, st),
        _p("<b>Tang vật, phương tiện bàn giao kèm theo:</b>", st),
        _goods_table(sources, st),
        Spacer(1, 4),
        _p("<b>Hồ sơ, tài liệu bàn giao:</b>", st),
    ]
    if papers:
        flow += [
            _p(
                f"- {markup(sources.label('form_codes', d.form_code) or d.form_code)} số "
                f"{markup(d.number)}"
                + (f" ngày {d.issued_on:%d/%m/%Y}" if d.issued_on else "")
                + ";",
                st,
            )
            for d in papers
        ]
    else:
        flow.append(_p(f"- {BLANK}", st))
    flow += [
        _closing(
            st,
            sheets,
            Spacer(1, 6),
            signatures(
                [
                    ("ĐẠI DIỆN BÊN NHẬN", "(Ký, ghi rõ chức vụ, họ tên)", ""),
                    ("ĐẠI DIỆN BÊN GIAO", "(Ký, ghi rõ chức vụ, họ tên)", sources.officer),
                ],
                st,
            ),
        ),
    ]
    return flow


def _mqd14(sources: _Sources, st: Styles, sheets: str) -> list[Flowable]:
    case = sources.case.data
    record = sources.paper("MBB01") or sources.paper("MBB15")
    paper = sources.paper("MQĐ14")
    signer = paper.signer if paper else None
    flow = _top(sources, "MQĐ14", st, dated=False)
    # No field of a case holds why goods of a known offender are confiscated: written by hand.
    reason = (
        "không xác định được người vi phạm (tang vật vô chủ), hết thời hạn thông báo mà không có người "
        "đến nhận"
        if case.ownerless
        else BLANK
    )
    flow += [
        _p("Căn cứ Điều 65 và Điều 126 Luật Xử lý vi phạm hành chính;", st),
        _p(
            f"Căn cứ Biên bản số {markup(blank(record.number if record else None))} lập ngày "
            + (f"{record.issued_on:%d/%m/%Y}" if record and record.issued_on else BLANK)
            + ";",
            st,
        ),
        _p(
            f"Tôi: {markup(blank(signer))}; Chức vụ: {BLANK}; "
            f"Đơn vị: {markup(sources.station.name)}.",
            st,
        ),
        Paragraph("<b>QUYẾT ĐỊNH:</b>", st.title),
        _p(
            f"<b>Điều 1.</b> Tịch thu tang vật, phương tiện trong vụ việc số {markup(sources.case.number)}, "
            f"phát hiện ngày {case.occurred_at:%d/%m/%Y} tại {markup(blank(case.place))}, "
            "gồm:",
            st,
        ),
        _goods_table(sources, st),
        Spacer(1, 4),
        _p(f"Lý do tịch thu: {markup(reason)}.", st),
        _p(
            "<b>Điều 2.</b> Giao cho bộ phận quản lý tang vật, phương tiện của đơn vị tổ chức thực hiện "
            "Quyết định này theo quy định của pháp luật.",
            st,
        ),
    ]
    # The last article, kept on one page with the signer.
    flow.append(
        KeepTogether(
            [
                _p("<b>Điều 3.</b> Quyết định này có hiệu lực kể từ ngày ký.", st),
                Spacer(1, 8),
                signing_table(
                    ["Như Điều 2", "Lưu: hồ sơ vụ việc"],
                    "NGƯỜI RA QUYẾT ĐỊNH",
                    "(Ký, ghi rõ chức vụ, họ tên, đóng dấu)",
                    signer or "",
                    st,
                ),
            ]
        )
    )
    return flow


_BUILDERS: dict[str, Callable[[_Sources, Styles, str], list[Flowable]]] = {
    "MBB01": _mbb01,
    "MBB02": _mbb02,
    "MBB15": _mbb15,
    "MBB28": _mbb28,
    "MQĐ14": _mqd14,
}
