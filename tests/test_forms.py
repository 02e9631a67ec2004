"""Printed forms: read back with pdftotext, checked against the case; QR print codes; layout."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app.domain import DocumentInput, GoodsInput, PartyInput
from app.errors import NotFound, ValidationError
from app.forms import FORM_CODES, form_code, print_form, verify_print
from app.printing import place_date
from tests.helpers.cases import ICT, sample_case
from tests.helpers.cli import outpost
from tests.helpers.pdf import flat, pdf_fonts, pdf_text
from tests.helpers.registers import PASSWORD, Post


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
    assert printed.payload in text  # the QR code's text is printed beside it


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


def test_a_print_code_is_checked_against_the_register(post: Post, case: str) -> None:
    printed = print_form(post.ctx, post.officer, "MBB15", case)
    check = verify_print(post.ctx, post.analyst, printed.payload)
    assert (check.status, check.number, check.printed_version) == ("current", case, 1)
    # The case changes after printing: the paper is still genuine, but out of date.
    case_id = post.ctx.cases.resolve(case)
    current = post.ctx.cases.get(post.officer, case_id)
    post.ctx.cases.update(
        post.officer, case_id, replace(sample_case(), place="Bến đò Vĩnh Xương"), current.version
    )
    later = verify_print(post.ctx, post.analyst, printed.payload)
    assert (later.status, later.printed_version, later.current_version) == ("earlier", 1, 2)
    # A paper whose content was altered (another hash) or that claims a version that never existed.
    forged = printed.payload[:-6] + ("000000" if not printed.payload.endswith("000000") else "111111")
    assert verify_print(post.ctx, post.analyst, forged).status == "mismatch"
    prefix, _format, case_uuid, _version, sealed = printed.payload.split(":")
    future = ":".join((prefix, _format, case_uuid, "7", sealed))
    assert verify_print(post.ctx, post.analyst, future).status == "mismatch"
    with pytest.raises(ValidationError):
        verify_print(post.ctx, post.analyst, "https://example.org/not-ours")
    with pytest.raises(NotFound):
        verify_print(post.ctx, post.analyst, printed.payload.replace(case_id, "0" * 8 + case_id[8:]))


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
    import os
    import sys

    env = {**os.environ, "OUTPOST_PASSWORD": PASSWORD}
    base = [sys.executable, "-m", "cli", "--data-dir", str(post.data_dir), "--user", "chief"]
    post.ctx.close()
    out = tmp_path / "bb.pdf"
    done = subprocess.run(
        [*base, "--json", "form", "mqd14", case, "--pdf", str(out)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["form"] == "MQĐ14" and out.read_bytes().startswith(b"%PDF")
    assert "QUYẾT ĐỊNH" in pdf_text(out.read_bytes(), tmp_path)
    verified = subprocess.run(
        [*base, "verify-print", result["code"]], env=env, capture_output=True, text=True
    )
    assert verified.returncode == 0 and "genuine" in verified.stdout
    bad = subprocess.run(
        [*base, "verify-print", result["code"][:-4] + "ffff"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 9 and "does not match" in bad.stdout
    missing = subprocess.run(
        [*base, "form", "MBB01", "BP-VX/2026/09999"], env=env, capture_output=True, text=True
    )
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
        printed = print_form(post.ctx, post.officer, code, number)
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


def test_verify_print_says_what_the_case_is_now(post: Post, case: str) -> None:
    """A genuine paper is not a final form unless its case is approved or closed: the check says which."""
    case_id = post.ctx.cases.resolve(case)
    draft = print_form(post.ctx, post.officer, "MBB01", case).payload
    post.ctx.cases.submit(post.officer, case_id)
    submitted = print_form(post.ctx, post.officer, "MBB01", case).payload
    post.ctx.cases.approve(post.chief, case_id)
    approved = print_form(post.ctx, post.officer, "MBB01", case).payload
    post.ctx.close()

    def check(payload: str) -> tuple[str, dict[str, object]]:
        said = outpost(post.data_dir, "--user", "chief", "verify-print", payload)
        shown = outpost(post.data_dir, "--user", "chief", "--json", "verify-print", payload)
        assert said.returncode == 0 == shown.returncode, said.stderr + shown.stderr
        return said.stdout, json.loads(shown.stdout)

    text, result = check(approved)
    assert "genuine:" in text and "the case is approved" in text
    assert (result["status"], result["case_status"], result["void_reason"]) == ("current", "approved", None)
    text, result = check(draft)  # printed as a draft, approved since
    assert "out of date" in text and "the case is approved" in text
    assert (result["status"], result["case_status"]) == ("earlier", "approved")

    assert outpost(post.data_dir, "--user", "chief", "case", "close", case).returncode == 0
    text, result = check(approved)
    assert "the case is closed" in text and result["case_status"] == "closed"
    reason = "Lập trùng với vụ BP-VX/2026/00002"
    voided = outpost(post.data_dir, "--user", "chief", "case", "void", case, "--reason", reason)
    assert voided.returncode == 0, voided.stderr
    for payload in (draft, submitted, approved):
        text, result = check(payload)
        assert "genuine but out of date" in text and f"the case is VOIDED (reason: {reason})" in text
        assert (result["case_status"], result["void_reason"]) == ("voided", reason)


def test_verify_print_of_a_draft_says_it_is_a_draft(post: Post, case: str) -> None:
    payload = print_form(post.ctx, post.officer, "MBB01", case).payload
    post.ctx.close()
    said = outpost(post.data_dir, "--user", "chief", "verify-print", payload)
    assert said.returncode == 0 and "genuine:" in said.stdout
    assert "the case is a draft, not approved" in said.stdout
    assert outpost(post.data_dir, "--user", "officer", "case", "submit", case).returncode == 0
    said = outpost(post.data_dir, "--user", "chief", "verify-print", payload)
    assert "genuine but out of date" in said.stdout
    assert "the case is submitted, not yet approved" in said.stdout
