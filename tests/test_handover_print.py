"""The hand-over minutes: read back with pdftotext, checked against the record; the QR code proves the
hand-over as it was printed; the command line end to end (add with every problem by path, status,
list, print)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from app.domain import HandlingInput, PartyInput
from app.handover_form import print_handover
from app.handovers import HandoverInput, HandoverService
from app.print_codes import verify_print
from tests.helpers.cases import sample_case
from tests.helpers.cli import outpost
from tests.helpers.pdf import flat, pdf_fonts, pdf_text
from tests.helpers.registers import Post
from tests.helpers.sync import PASSPHRASE, give_keys

AGENCY = "Cơ quan Cảnh sát điều tra Công an thị xã Tân Châu"


def criminal_case(post: Post) -> str:
    return post.ctx.cases.create(
        post.officer,
        sample_case(
            parties=(
                PartyInput("person", "carrier", "Nguyễn Văn An", id_number="089090001234"),
                PartyInput("person", "witness", "Lê Văn Chứng"),
            ),
            handling=HandlingInput(outcome="criminal_transfer", receiving_agency=AGENCY, defendants=1),
        ),
    ).number


def test_the_minutes_hold_the_hand_over_and_their_code_proves_it(post: Post, tmp_path: Path) -> None:
    number = criminal_case(post)
    service = HandoverService(post.ctx)
    made = service.add(
        post.officer,
        post.ctx.cases.resolve(number),
        HandoverInput(
            AGENCY,
            date(2026, 11, 23),
            ("Biên bản vi phạm hành chính số 07/BB-VPHC",),
            receipt_no="15/BN-CSĐT",
            received_by="Đại úy Phạm Văn Nhận",
        ),
    ).handover
    give_keys(post, tmp_path)
    printed = print_handover(post.ctx, post.officer, made.id, PASSPHRASE)
    text = flat(pdf_text(printed.pdf, tmp_path))
    for expected in (
        "BIÊN BẢN BÀN GIAO",
        "ngày 23 tháng 11 năm 2026",
        f"BÊN NHẬN: {AGENCY}",
        number,
        "Nguyễn Văn An",
        "089090001234",
        "07/BB-VPHC",
        "15/BN-CSĐT",
        "Thuốc lá Hero",
        "ĐẠI DIỆN BÊN GIAO",
        "Nguyễn Officer",
        "Đại úy Phạm Văn Nhận",
    ):
        assert expected in text, expected
    assert f"gồm {printed.pages:02d} tờ" in text
    assert ":draft:" in printed.payload  # the case is still a draft: marked so on every page
    assert "Lê Văn Chứng" not in text  # a witness is not handed over
    assert all(pdf_fonts(printed.pdf, tmp_path).values())  # every font embedded
    check = verify_print(post.ctx, post.chief, printed.payload)
    assert (check.signature, check.status, check.number, check.genuine) == ("valid", "current", number, True)
    service.follow_up(post.officer, made.id, "received", date(2026, 11, 24))
    later = verify_print(post.ctx, post.chief, printed.payload)
    assert (later.status, later.current_version, later.genuine) == ("earlier", 2, True)
    body, _colon, signature = printed.payload.rpartition(":")
    forged = verify_print(post.ctx, post.chief, f"{body[:-4]}ffff:{signature}")
    assert not forged.genuine


def test_the_command_line_records_follows_up_lists_and_prints(post: Post, tmp_path: Path) -> None:
    number = criminal_case(post)
    give_keys(post, tmp_path)
    post.ctx.close()
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"receiving_agency": "", "handed_on": "23/11/2026", "defendants": ["Ai Đó"], "extra": 1}),
        encoding="utf-8",
    )
    refused = outpost(post.data_dir, "--user", "officer", "handover", "add", number, str(bad))
    assert refused.returncode == 2
    assert (
        "extra: unknown field" in refused.stderr and "receiving_agency: must not be empty" in refused.stderr
    )
    assert "handed_on:" in refused.stderr
    good = {
        "receiving_agency": AGENCY,
        "handed_on": "2026-11-23",
        "documents": ["Biên bản vi phạm"],
        "receipt_no": "15/BN",
        "defendants": ["nguyen van an"],
    }
    done = outpost(
        post.data_dir,
        "--user",
        "officer",
        "--json",
        "handover",
        "add",
        number,
        "-",
        stdin=json.dumps(good, ensure_ascii=False),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["defendants"] == [
        {"full_name": "Nguyễn Văn An", "id_number": "089090001234"}
    ]
    moved = outpost(
        post.data_dir,
        "--user",
        "officer",
        "handover",
        "status",
        number,
        "received",
        "--on",
        "2026-11-24",
        "--note",
        "Đủ hồ sơ",
    )
    assert moved.returncode == 0, moved.stderr
    listed = json.loads(outpost(post.data_dir, "--json", "handover", "list", "--status", "received").stdout)
    assert [h["case"] for h in listed] == [number]
    out = tmp_path / "bbbg.pdf"
    printed = outpost(
        post.data_dir,
        "--user",
        "officer",
        "--json",
        "handover",
        "print",
        number,
        "--pdf",
        str(out),
        env={"OUTPOST_KEY_PASSPHRASE": PASSPHRASE},
    )
    assert printed.returncode == 0, printed.stderr
    assert "BIÊN BẢN BÀN GIAO" in pdf_text(out.read_bytes(), tmp_path)
    code = json.loads(printed.stdout)["code"]  # checked in-process above; here only that it names the record
    assert code.startswith("OUTPOST-PRINT:2:BP-VX:") and json.loads(done.stdout)["id"] in code
