"""Printed forms: read back with pdftotext, checked against the case; QR print codes; layout."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app.domain import DocumentInput, GoodsInput, PartyInput
from app.errors import ValidationError
from app.forms import FORM_CODES, form_code, print_form
from app.printing import place_date
from tests.helpers.cases import ICT, sample_case
from tests.helpers.cli import outpost
from tests.helpers.pdf import flat, pdf_fonts, pdf_text
from tests.helpers.registers import Post
from tests.helpers.sync import PASSPHRASE, give_keys


def in_order(words: list[str], text: str) -> bool:
    position = 0
    for word in words:
        position = text.find(word, position)
        if position < 0:
            return False
        position += len(word)
    return True


@pytest.fixture
def case(post: Post) -> str:
    made = post.ctx.cases.create(
        post.officer,
        sample_case(
            occurred_at=datetime(2026, 2, 5, 1, 7, tzinfo=ICT),
            legal_basis="Điểm a khoản 1 Điều 10 Nghị định 98/2020/NĐ-CP",
            parties=(
                PartyInput(
                    "person",
                    "carrier",
                    "Nguyễn Văn An",
                    nationality="VN",
                    id_number="089090001234",
                    birth_date=date(1990, 5, 1),
                    gender="male",
                    address="Ấp Vĩnh Lợi, xã Vĩnh Xương",
                ),
                PartyInput("person", "witness", "Trần Thị Bình"),
            ),
            documents=(DocumentInput("MBB01", "07/BB-VPHC", date(2026, 2, 5)),),
        ),
    )
    return made.number


def test_mbb01_holds_the_case_as_the_register_has_it(post: Post, case: str, tmp_path: Path) -> None:
    printed = print_form(post.ctx, post.officer, "MBB01", case)
    text = flat(pdf_text(printed.pdf, tmp_path))
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 07/BB-VPHC",  # the number the case records for this form
        "An Giang, ngày 05 tháng 02 năm 2026",  # leading zeros for the day and for February
        "BIÊN BẢN VI PHẠM HÀNH CHÍNH",
        "hồi 01 giờ 07 phút, ngày 05/02/2026, tại Mốc 264, ấp Vĩnh Lợi",
        "Nguyễn Văn An",
        "089090001234",
        "01/05/1990",
        "Trần Thị Bình",  # the witness, under "Với sự chứng kiến của"
        "Vận chuyển thuốc lá điếu nhập lậu",
        "Thuốc lá Hero",
        "Đường cát Thái Lan",
        "Trị giá 22.500.000 đ",
        "67H1-204.13",
        "NGƯỜI LẬP BIÊN BẢN",
        "Nguyễn Officer",  # who logged the case
    ):
        assert expected in text, expected
    # The unit's name wraps in the narrow left column of the header, beside the right column's lines.
    assert in_order("ĐỒN BIÊN PHÒNG CỬA KHẨU QUỐC TẾ VĨNH XƯƠNG".split(), text)
    table = pdf_text(printed.pdf, tmp_path, layout=True)
    for header in ("STT", "Đơn vị", "Số lượng", "Chủng loại", "Ghi chú"):
        assert header in table
    # Quantities as entered, Vietnamese style: 150 cây and 2,5 tấn.
    assert any("cây" in line and "150" in line for line in table.splitlines())
    assert any("tấn" in line and "2,5" in line for line in table.splitlines())
    # The QR code's text is printed beside it, the signature (here: unsigned, a draft) on its own line.
    body, _colon, signature = printed.payload.rpartition(":")
    assert f"{body}: {signature}" in text and signature == "unsigned"


def test_every_font_of_a_form_is_embedded(post: Post, case: str, tmp_path: Path) -> None:
    """An "all fonts embedded" (PDF/A) check rejects a file listing even an unused, unembedded font."""
    fonts = pdf_fonts(print_form(post.ctx, post.officer, "MBB01", case).pdf, tmp_path)
    assert fonts and all(fonts.values()), fonts
    assert all("LiberationSerif" in name for name in fonts), fonts


@pytest.mark.parametrize("code", FORM_CODES)
def test_every_form_prints_with_blanks_for_what_is_unknown(
    post: Post, case: str, code: str, tmp_path: Path
) -> None:
    printed = print_form(post.ctx, post.chief, code, case)
    text = flat(pdf_text(printed.pdf, tmp_path))
    assert printed.pdf.startswith(b"%PDF")
    assert "Thuốc lá Hero" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "……" in text  # fields the register does not hold are left to fill in by hand
    titles = {
        "MBB01": "BIÊN BẢN VI PHẠM HÀNH CHÍNH",
        "MBB02": "BIÊN BẢN LÀM VIỆC",
        "MBB15": "Tạm giữ tang vật, phương tiện vi phạm hành chính",
        "MBB28": "Bàn giao hồ sơ vụ vi phạm có dấu hiệu tội phạm",
        "MQĐ14": "QUYẾT ĐỊNH",
    }
    assert titles[code] in text
    if code != "MBB01":  # no number recorded for these: "Số: ……/suffix"
        assert "Số: ……/" in text


def test_the_closing_sentence_counts_the_sheets(post: Post, case: str, tmp_path: Path) -> None:
    printed = print_form(post.ctx, post.officer, "MBB01", case)
    assert f"gồm {printed.pages:02d} tờ" in flat(pdf_text(printed.pdf, tmp_path))


def test_a_long_goods_table_spills_onto_the_next_page_with_its_header(post: Post, tmp_path: Path) -> None:
    goods = tuple(GoodsInput("cigarettes", Decimal(i), "cây", f"Thuốc lá mẫu số {i}") for i in range(1, 61))
    made = post.ctx.cases.create(post.officer, sample_case(goods=goods))
    short = print_form(
        post.ctx, post.officer, "MQĐ14", post.ctx.cases.create(post.officer, sample_case()).number
    )
    assert short.pages == 1  # a decision with a short table fits one page
    printed = print_form(post.ctx, post.officer, "MQĐ14", made.number)
    assert printed.pages >= 2
    first, second = pdf_text(printed.pdf, tmp_path, page=1), pdf_text(printed.pdf, tmp_path, page=2)
    assert "QUYẾT ĐỊNH" in first and "Thuốc lá mẫu số 1\n" in first
    assert "Thuốc lá mẫu số 60" not in first
    assert second.lstrip().startswith("2")  # the page number, top centre, from page 2
    assert "Tên tang vật" in second  # the table's header row repeats
    last = pdf_text(printed.pdf, tmp_path, page=printed.pages)
    assert "NGƯỜI RA QUYẾT ĐỊNH" in last
    everything = flat(pdf_text(printed.pdf, tmp_path))
    assert all(f"Thuốc lá mẫu số {i}" in everything for i in range(1, 61))


@pytest.mark.parametrize(
    ("code", "before", "signer"),
    [
        ("MBB01", "Biên bản lập xong hồi", "NGƯỜI LẬP BIÊN BẢN"),
        ("MBB15", "Biên bản lập xong hồi", "NGƯỜI CHỨNG KIẾN"),
        ("MQĐ14", "Điều 3.", "NGƯỜI RA QUYẾT ĐỊNH"),
    ],
)
def test_the_signatures_never_stand_alone_on_the_last_page(
    post: Post, tmp_path: Path, code: str, before: str, signer: str
) -> None:
    """However long the goods table, the closing sentence (the last article of a decision) goes to the
    last page with the signatures."""
    pages = set()
    for count in range(1, 31):
        goods = tuple(GoodsInput("sugar", Decimal(i), "kg", f"Đường mẫu số {i}") for i in range(1, count + 1))
        made = post.ctx.cases.create(post.officer, sample_case(goods=goods))
        printed = print_form(post.ctx, post.officer, code, made.number)
        last = flat(pdf_text(printed.pdf, tmp_path, page=printed.pages))
        assert before in last and signer in last, (count, last[:200])
        pages.add(printed.pages)
    assert pages >= {1, 2} or pages >= {2, 3}  # the end crossed a page break


def test_no_print_names_an_informant(post: Post, case: str, tmp_path: Path) -> None:
    case_id = post.ctx.cases.resolve(case)
    post.ctx.tips.add(
        post.officer,
        received_at=datetime(2026, 2, 4, 20, 0, tzinfo=ICT),
        channel="phone",
        content="Có xe chở thuốc lá qua mốc 264",
        informant="Lê Văn Mật Báo 0913000111",
        case_id=case_id,
    )
    for code in FORM_CODES:
        text = flat(pdf_text(print_form(post.ctx, post.chief, code, case).pdf, tmp_path))
        assert "Mật Báo" not in text and "0913000111" not in text, code


def test_form_codes_as_typed() -> None:
    assert form_code("mqd14") == "MQĐ14" and form_code(" mbb01 ") == "MBB01"
    with pytest.raises(ValidationError, match="unknown form"):
        form_code("MBB99")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 5), "An Giang, ngày 05 tháng 02 năm 2026"),
        (date(2026, 1, 31), "An Giang, ngày 31 tháng 01 năm 2026"),
        (date(2026, 3, 9), "An Giang, ngày 09 tháng 3 năm 2026"),
        (date(2026, 12, 14), "An Giang, ngày 14 tháng 12 năm 2026"),
        (None, "An Giang, ngày …… tháng …… năm ……"),
    ],
)
def test_the_place_date_line(day: date | None, expected: str) -> None:
    assert place_date("An Giang", day) == expected


def test_the_command_line_prints_and_verifies(post: Post, case: str, tmp_path: Path) -> None:
    give_keys(post, tmp_path)
    post.ctx.close()
    out = tmp_path / "bb.pdf"
    keyed = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
    done = outpost(
        post.data_dir, "--user", "chief", "--json", "form", "mqd14", case, "--pdf", str(out), env=keyed
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["form"] == "MQĐ14" and out.read_bytes().startswith(b"%PDF")
    assert "QUYẾT ĐỊNH" in pdf_text(out.read_bytes(), tmp_path)
    verified = outpost(post.data_dir, "--user", "chief", "verify-print", result["code"])
    assert verified.returncode == 0 and "genuine" in verified.stdout
    body, _colon, signature = result["code"].rpartition(":")
    bad = outpost(post.data_dir, "--user", "chief", "verify-print", f"{body[:-4]}ffff:{signature}")
    assert bad.returncode == 9 and "NOT GENUINE" in bad.stdout
    missing = outpost(post.data_dir, "--user", "chief", "form", "MBB01", "BP-VX/2026/09999", env=keyed)
    assert missing.returncode == 6 and "BP-VX/2026/09999" in missing.stderr


def _long_case(post: Post) -> str:
    """A case whose forms take two pages or more (a long goods table)."""
    goods = tuple(GoodsInput("cigarettes", Decimal(i), "cây", f"Thuốc lá mẫu số {i}") for i in range(1, 61))
    return post.ctx.cases.create(post.officer, sample_case(goods=goods)).number


def _page_texts(pdf: bytes, pages: int, tmp_path: Path, *, raw: bool = False) -> list[str]:
    return [flat(pdf_text(pdf, tmp_path, raw=raw, page=page)) for page in range(1, pages + 1)]


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(
    ("steps", "mark"),
    [
        ((), "DỰ THẢO"),
        (("submit",), "DỰ THẢO"),
        (("submit", "approve"), None),
        (("submit", "approve", "close"), None),
        (("void",), "ĐÃ HỦY"),
        (("submit", "approve", "void"), "ĐÃ HỦY"),
    ],
)
def test_every_page_is_marked_unless_the_case_is_approved_or_closed(
    post: Post, tmp_path: Path, steps: tuple[str, ...], mark: str | None
) -> None:
    give_keys(post, tmp_path)
    number = _long_case(post)
    case_id = post.ctx.cases.resolve(number)
    for step in steps:
        if step == "submit":
            post.ctx.cases.submit(post.officer, case_id)
        elif step == "void":
            post.ctx.cases.void(post.chief, case_id, "Lập trùng với vụ BP-VX/2026/00001")
        else:
            getattr(post.ctx.cases, step)(post.chief, case_id)
    for code in ("MQĐ14", "MBB01"):
        printed = print_form(post.ctx, post.officer, code, number, PASSPHRASE)
        assert printed.pages >= 2
        pages = _page_texts(printed.pdf, printed.pages, tmp_path)
        drawn = _page_texts(printed.pdf, printed.pages, tmp_path, raw=True)
        for word in ("DỰ THẢO", "ĐÃ HỦY"):
            # The diagonal word comes back letter by letter, in drawing order: compare without spaces.
            on = [_squeezed(word) in _squeezed(text) for text in drawn]
            assert on == [word == mark] * printed.pages, (code, word, on)
        reason = "Lý do hủy: Lập trùng với vụ BP-VX/2026/00001"
        assert (reason in pages[0]) == (mark == "ĐÃ HỦY")
        assert not any(reason in text for text in pages[1:])
        # The mark is under the text, not over it: the form reads as before.
        assert "Thuốc lá mẫu số 1 " in pages[0] and "Thuốc lá mẫu số 60" in pages[-1] + pages[-2]


def test_the_command_line_prints_a_voided_form_marked(post: Post, case: str, tmp_path: Path) -> None:
    post.ctx.cases.void(post.chief, post.ctx.cases.resolve(case), "Nhập nhầm")
    post.ctx.close()
    out = tmp_path / "void.pdf"
    done = outpost(post.data_dir, "--user", "chief", "form", "MBB01", case, "--pdf", str(out))
    assert done.returncode == 0, done.stderr
    text = flat(pdf_text(out.read_bytes(), tmp_path))
    assert "ĐÃHỦY" in _squeezed(pdf_text(out.read_bytes(), tmp_path, raw=True))
    assert "Lý do hủy: Nhập nhầm" in text


def test_the_letterhead_never_breaks_inside_a_short_bracketed_aside(tmp_path: Path) -> None:
    """The demo post's name "Đồn Biên phòng (dữ liệu mẫu)" wraps in the letterhead's narrow column:
    the aside moves to the next line whole, never "(DỮ LIỆU" / "MẪU)"."""
    from app.printing import Letterhead, header, render, styles

    agency = ["Bộ đội Biên phòng", "Đồn Biên phòng (dữ liệu mẫu)"]  # the demo's: its force, its name
    data, _pages = render([header(Letterhead(agency, "Số: 1/BB", "An Giang", None), styles())], title="t")
    lines = [line.strip() for line in pdf_text(data, tmp_path, raw=True).splitlines()]
    assert "(DỮ LIỆU MẪU)" in lines and "ĐỒN BIÊN PHÒNG" in lines, lines
