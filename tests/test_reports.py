"""The 389 summary report: figures against totals computed here from the cases as entered, and the
PDF, Excel and JSON forms of the same report agreeing with them."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app import periods
from app.domain import CaseInput, GoodsInput, HandlingInput
from app.errors import AppError, ValidationError
from app.report_pdf import report_pdf
from app.report_xlsx import report_xlsx
from app.reports import Scope, as_json, build_report, parse_period
from tests.helpers.cases import ICT, sample_case
from tests.helpers.pdf import flat, pdf_fonts, pdf_text
from tests.helpers.registers import PASSWORD, Post, open_sqlite

NOVEMBER = periods.month(2026, 11)  # statistical: 15/10/2026 – 14/11/2026


@dataclass(frozen=True)
class Made:
    data: CaseInput
    status: str  # what the test leaves it as


def _case(
    day: datetime,
    group: str,
    lead: str,
    handling: HandlingInput,
    goods: tuple[GoodsInput, ...],
    cooperating: tuple[str, ...] = (),
) -> CaseInput:
    return sample_case(
        occurred_at=day,
        violation_group=group,
        lead_force=lead,
        handling=handling,
        goods=goods,
        cooperating_forces=cooperating,
    )


CIGARETTES = GoodsInput("cigarettes", Decimal("150"), "cây", "Thuốc lá Hero", value_vnd=22_500_000)
BIG_LOAD = GoodsInput("cigarettes", Decimal("1100"), "cây", "Thuốc lá Jet", value_vnd=165_000_000)
SUGAR = GoodsInput("sugar", Decimal("2.5"), "tấn", "Đường cát Thái Lan", value_vnd=37_500_000)
FAKES = GoodsInput("textiles", Decimal("400"), "đôi", "Giày giả nhãn hiệu", value_vnd=48_000_000)

CASES = [
    # In the period: a joint case (police cooperating) counts once, under the border guard.
    Made(
        _case(
            datetime(2026, 10, 15, 0, 5, tzinfo=ICT),
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("admin_fine", fine_vnd=15_000_000, proceeds_vnd=5_000_000),
            (CIGARETTES,),
            ("police",),
        ),
        "approved",
    ),
    Made(
        _case(
            datetime(2026, 11, 2, 9, 0, tzinfo=ICT),
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("criminal_transfer", defendants=2),
            (BIG_LOAD, SUGAR),
        ),
        "closed",
    ),
    Made(
        _case(
            datetime(2026, 11, 14, 23, 59, tzinfo=ICT),
            "trade_fraud",
            "police",
            HandlingInput("admin_fine", fine_vnd=30_000_000, tax_vnd=12_345_678),
            (SUGAR,),
        ),
        "approved",
    ),
    Made(
        _case(
            datetime(2026, 11, 10, 8, 0, tzinfo=ICT),
            "counterfeit_ip",
            "market_surveillance",
            HandlingInput("confiscation", proceeds_vnd=1_000_000),
            (FAKES,),
        ),
        "approved",
    ),
    Made(
        _case(
            datetime(2026, 11, 11, 8, 0, tzinfo=ICT),
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("handover"),
            (CIGARETTES,),
        ),
        "approved",
    ),
    # Not counted: a draft, a case awaiting approval, a voided one, and one just outside each end.
    Made(
        _case(
            datetime(2026, 11, 3, 8, 0, tzinfo=ICT),
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("admin_fine", fine_vnd=1),
            (BIG_LOAD,),
        ),
        "draft",
    ),
    Made(
        _case(
            datetime(2026, 11, 4, 8, 0, tzinfo=ICT),
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("admin_fine", fine_vnd=1),
            (BIG_LOAD,),
        ),
        "submitted",
    ),
    Made(
        _case(
            datetime(2026, 11, 5, 8, 0, tzinfo=ICT),
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("admin_fine", fine_vnd=1),
            (BIG_LOAD,),
        ),
        "voided",
    ),
    Made(
        _case(
            datetime(2026, 10, 14, 23, 59, tzinfo=ICT),
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("admin_fine", fine_vnd=1),
            (CIGARETTES,),
        ),
        "approved",
    ),
    Made(
        _case(
            datetime(2026, 11, 15, 0, 0, tzinfo=ICT),
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("admin_fine", fine_vnd=1),
            (CIGARETTES,),
        ),
        "approved",
    ),
    # The same period last year (15/10/2025 – 14/11/2025): the comparison.
    Made(
        _case(
            datetime(2025, 11, 1, 8, 0, tzinfo=ICT),
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("admin_fine", fine_vnd=10_000_000),
            (CIGARETTES,),
        ),
        "approved",
    ),
    Made(
        _case(
            datetime(2025, 10, 20, 8, 0, tzinfo=ICT),
            "prohibited_smuggled",
            "police",
            HandlingInput("admin_fine", fine_vnd=2_000_000),
            (CIGARETTES,),
        ),
        "approved",
    ),
]


def _counted(made: Made, period: periods.Period) -> bool:
    day = made.data.occurred_at.date()
    return made.status in ("approved", "closed") and period.start <= day <= period.end


@pytest.fixture
def register(post: Post) -> Post:
    for made in CASES:
        result = post.ctx.cases.create(post.officer, made.data)
        if made.status == "draft":
            continue
        post.ctx.cases.submit(post.officer, result.id)
        if made.status in ("approved", "closed", "voided"):
            post.ctx.cases.approve(post.chief, result.id)
        if made.status == "closed":
            post.ctx.cases.close(post.chief, result.id)
        if made.status == "voided":
            post.ctx.cases.void(post.chief, result.id, "Nhập trùng")
    return post


def _approved(post: Post, *items: CaseInput) -> None:
    for data in items:
        made = post.ctx.cases.create(post.officer, data)
        post.ctx.cases.submit(post.officer, made.id)
        post.ctx.cases.approve(post.chief, made.id)


def _big_seizure(day: datetime) -> CaseInput:
    return _case(
        day, "prohibited_smuggled", "border_guard", HandlingInput("admin_fine", fine_vnd=1), (BIG_LOAD,)
    )


def expected_totals(period: periods.Period) -> dict[str, int]:
    """The figures of the whole period, computed from the inputs above, not from the register."""
    counted = [c.data for c in CASES if _counted(c, period)]
    handled = [c.handling for c in counted]
    return {
        "cases": len(counted),
        "admin_cases": sum(h.outcome in ("admin_fine", "confiscation", "destroyed") for h in handled),
        "criminal_cases": sum(h.outcome == "criminal_transfer" for h in handled),
        "defendants": sum(h.defendants or 0 for h in handled if h.outcome == "criminal_transfer"),
        "handover_cases": sum(h.outcome == "handover" for h in handled),
        "collections": sum((h.fine_vnd or 0) + (h.proceeds_vnd or 0) + (h.tax_vnd or 0) for h in handled),
        "goods_value": sum(g.value_vnd or 0 for c in counted for g in c.goods),
    }


def test_the_summary_counts_what_the_register_holds(register: Post) -> None:
    report = build_report(register.ctx, register.chief, "monthly", NOVEMBER)
    data = as_json(report)
    expected = expected_totals(NOVEMBER)
    assert expected == {
        "cases": 5,
        "admin_cases": 3,
        "criminal_cases": 1,
        "defendants": 2,
        "handover_cases": 1,
        "collections": 15_000_000 + 5_000_000 + 30_000_000 + 12_345_678 + 1_000_000,
        "goods_value": 22_500_000 * 2 + 165_000_000 + 37_500_000 * 2 + 48_000_000,
    }
    total = data["total"]
    assert {key: total[key] for key in expected} == expected
    assert total["previous"]["cases"] == 2
    assert total["cases_change_percent"] == "150.0"
    groups = {row["code"]: row for row in data["by_violation_group"]}
    assert [
        groups[g]["cases"] for g in ("prohibited_smuggled", "trade_fraud", "counterfeit_ip", "other")
    ] == [3, 1, 1, 0]
    assert sum(row["cases"] for row in data["by_violation_group"]) == total["cases"]
    forces = {row["code"]: row for row in data["by_force"]}
    # The joint case counts once, under the lead force: never under the cooperating police.
    assert forces["border_guard"]["cases"] == 3 and forces["police"]["cases"] == 1
    assert forces["market_surveillance"]["cases"] == 1
    assert sum(row["cases"] for row in data["by_force"]) == total["cases"]
    assert forces["police"]["previous"]["cases"] == 1
    assert data["not_counted"] == {"draft": 1, "submitted": 1}
    commodities = {row["code"]: row for row in data["commodities"]}
    # 150 cây ×2 and 1 100 cây in bao (×10); 2,5 tấn ×2 in kg (exact decimals).
    assert commodities["cigarettes"]["quantity"] == "14000" and commodities["cigarettes"]["unit"] == "bao"
    assert commodities["cigarettes"]["cases"] == 3
    assert commodities["sugar"]["quantity"] == "5000" and commodities["sugar"]["unit"] == "kg"
    assert commodities["cigarettes"]["previous_quantity"] == "3000"
    rewards = data["reward_candidates"]
    single = [r for r in rewards if r["rule"] == "cigarettes_case"]
    assert [(r["amount"], r["unit"]) for r in single] == [("11000", "bao")]
    assert [r["rule"] for r in rewards if r["rule"] == "counterfeit_value"] == ["counterfeit_value"]
    # The statistical month's cigarette total (14 000 bao) is below the 20 000-bao monthly rule.
    assert not [r for r in rewards if r["rule"] == "cigarettes_month"]


def test_pdf_excel_and_json_agree(register: Post, tmp_path: Path) -> None:
    report = build_report(register.ctx, register.chief, "monthly", NOVEMBER)
    data = as_json(report)
    pdf, pages = report_pdf(
        report, ["BỘ CHỈ HUY BĐBP TỈNH AN GIANG", "ĐỒN BIÊN PHÒNG VĨNH XƯƠNG"], "An Giang"
    )
    text = flat(pdf_text(pdf, tmp_path))
    assert pages >= 1
    fonts = pdf_fonts(pdf, tmp_path)  # every one embedded, none of ReportLab's unembedded Helvetica
    assert fonts and all(fonts.values()), fonts
    for expected in (
        "BÁO CÁO THÁNG",
        "Tháng 11/2026 (từ ngày 15/10/2026 đến ngày 14/11/2026)",
        "I. KẾT QUẢ THEO NHÓM HÀNH VI VI PHẠM",
        "II. KẾT QUẢ THEO LỰC LƯỢNG CHỦ TRÌ",
        "Buôn bán, vận chuyển trái phép hàng cấm, hàng nhập lậu",
        "Quản lý thị trường",
        "Chưa tính 2 vụ chưa được phê duyệt",
        "Nơi nhận:",
        "CHỈ HUY TRƯỞNG",
        "Bắt giữ từ 10.000 bao thuốc lá trở lên trong một vụ",
    ):
        assert expected in text, expected
    layout = pdf_text(pdf, tmp_path, layout=True)
    total_line = next(line for line in layout.splitlines() if line.strip().startswith("Tổng cộng"))
    numbers = total_line.split()[2:]
    expected = expected_totals(NOVEMBER)
    assert numbers == ["5", "+150,0", "3", "1", "2", "63.345.678", "333.000.000"]
    assert data["total"]["collections"] == expected["collections"] == 63_345_678
    assert data["total"]["goods_value"] == expected["goods_value"] == 333_000_000
    cigarettes = next(line for line in layout.splitlines() if "Thuốc lá điếu" in line)
    assert "14.000" in cigarettes and "bao" in cigarettes and "3.000" in cigarettes
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    sheet = book["Theo nhóm hành vi"]
    assert sheet.freeze_panes == "A6"
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    rows = rows[: next(i for i, r in enumerate(rows) if r[1] == "Tổng cộng") + 1]  # the notes follow
    total = rows[-1]
    assert total[1] == "Tổng cộng"
    assert total[2:] == (5, 150.0, 3, 1, 2, 63_345_678, 333_000_000)
    assert all(isinstance(v, int) for v in (total[2], total[4], total[7], total[8]))
    last = 6 + len(rows) - 1
    assert sheet.cell(row=last, column=8).number_format == "#,##0"
    assert sheet.cell(row=last, column=2).font.bold and not sheet.cell(row=last - 1, column=2).font.bold
    assert (
        sheet.cell(row=7, column=3).border.left.style == "thin"
        and sheet.cell(row=7, column=3).number_format == "#,##0"
    )
    commodities = book["Tang vật"]
    row = next(
        r
        for r in commodities.iter_rows(min_row=6, values_only=True)
        if r[1] == "Thuốc lá điếu ngoại nhập lậu"
    )
    assert row[2:7] == ("bao", 14000, 3, 210_000_000, 3000)
    quantity = next(
        r[3] for r in commodities.iter_rows(min_row=6) if r[1].value == "Thuốc lá điếu ngoại nhập lậu"
    )
    assert quantity.number_format == "#,##0"  # a whole quantity shows no trailing decimal point
    notes = [
        v for r in sheet.iter_rows(values_only=True) for v in r if isinstance(v, str) and "Chưa tính" in v
    ]
    assert notes == [data["notes"][0]] and notes[0].startswith("Chưa tính 2 vụ")
    rewards = [row[4] for row in book["Khen thưởng"].iter_rows(min_row=6, values_only=True)]
    assert rewards == [48_000_000, 11000]  # counterfeit value, then the single seizure (monthly ones first)


def test_reports_of_every_kind_and_scope(register: Post) -> None:
    year = build_report(register.ctx, register.chief, "annual", periods.year(2026))
    assert as_json(year)["total"]["cases"] == expected_totals(periods.year(2026))["cases"]
    calendar = periods.month(2026, 11, periods.CALENDAR)  # 1/11 – 30/11: other cases
    report = as_json(build_report(register.ctx, register.chief, "monthly", calendar, mode=periods.CALENDAR))
    assert report["total"]["cases"] == expected_totals(calendar)["cases"] == 5  # 15/11 in, 15/10 out
    assert report["period"]["mode"] == "calendar"
    week = periods.parse("weekly", "2026-11-12", date(2026, 11, 23))
    assert (week.start, week.end) == (date(2026, 11, 11), date(2026, 11, 17))
    assert (
        as_json(build_report(register.ctx, register.analyst, "weekly", week))["total"]["cases"]
        == (expected_totals(week)["cases"])
    )
    with pytest.raises(ValidationError, match="--period"):
        parse_period(register.ctx, "monthly", "2026-13", Scope())
    with pytest.raises(ValidationError, match="campaign"):
        parse_period(register.ctx, "campaign", None, Scope())


def test_the_command_line_writes_all_three(register: Post, tmp_path: Path) -> None:
    register.ctx.close()
    env = {**os.environ, "OUTPOST_PASSWORD": PASSWORD}
    base = [sys.executable, "-m", "cli", "--data-dir", str(register.data_dir), "--user", "chief"]
    pdf, xlsx = tmp_path / "thang.pdf", tmp_path / "thang.xlsx"
    done = subprocess.run(
        [*base, "--json", "report", "monthly", "--period", "2026-11", "--pdf", str(pdf), "--xlsx", str(xlsx)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["total"]["collections"] == expected_totals(NOVEMBER)["collections"]
    assert "63.345.678" in pdf_text(pdf.read_bytes(), tmp_path)
    assert load_workbook(xlsx)["Theo nhóm hành vi"]["C6"].value == 3
    rewards = subprocess.run(
        [*base, "report", "rewards", "--period", "2026-11"], env=env, capture_output=True, text=True
    )
    assert rewards.returncode == 0 and "11000 bao" in rewards.stdout
    bad = subprocess.run(
        [*base, "report", "annual", "--period", "20x6", "--pdf", str(tmp_path / "no.pdf")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "20x6" in bad.stderr and not (tmp_path / "no.pdf").exists()


def test_the_pdf_lists_the_first_reward_candidates_and_says_how_many_more(
    register: Post, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import report_pdf as module

    report = build_report(register.ctx, register.chief, "monthly", NOVEMBER)
    assert len(report.rewards) == 2
    monkeypatch.setattr(module, "MAX_REWARD_ROWS", 1)
    pdf, _pages = module.report_pdf(report, ["ĐỒN BIÊN PHÒNG VĨNH XƯƠNG"], "An Giang")
    assert "… và 1 trường hợp khác" in flat(pdf_text(pdf, tmp_path))
    assert len(load_workbook(io.BytesIO(report_xlsx(report)))["Khen thưởng"]["A"]) == 7  # 5 heading rows + 2


def test_the_signature_block_never_stands_alone_on_the_last_page(register: Post, tmp_path: Path) -> None:
    """However many reward rows push the end of the report down, the last page also holds the last
    rows of the table (the signature block takes them along), and no page ends with a heading."""

    report = build_report(register.ctx, register.chief, "monthly", NOVEMBER)
    model = report.rewards[0]
    longest = 0
    for count in range(1, 61):
        report.rewards = [replace(model, case_number=f"BP-VX/2026/9{i:04d}") for i in range(1, count + 1)]
        pdf, pages = report_pdf(report, ["ĐỒN BIÊN PHÒNG VĨNH XƯƠNG"], "An Giang")
        last = flat(pdf_text(pdf, tmp_path, page=pages))
        assert "Nơi nhận" in last, count
        assert f"BP-VX/2026/9{count:04d}" in last, count
        for page in range(1, pages):  # nor does a section heading end a page
            lines = [line for line in pdf_text(pdf, tmp_path, page=page).splitlines() if line.strip()]
            assert not re.match(r"[IVX]+\. ", lines[-1]), (count, page, lines[-1])
        longest = max(longest, pages)
    assert longest >= 3  # the rows carried the end over more than one page break


def test_sums_are_exact_and_a_case_counts_once_however_many_lines_it_has(post: Post) -> None:
    """Quantities are summed exactly in the database (whole part and up to 18 decimals apart); a
    case with several lines of a commodity counts once for it, and a case without goods still counts."""
    day = datetime(2026, 11, 5, 10, 0, tzinfo=ICT)
    tiny = GoodsInput("gold", Decimal("0.000001"), "lượng", "Vàng vụn")  # 0.0000375 g
    odd = GoodsInput("gold", Decimal("1.123457"), "lượng", "Vàng miếng", value_vnd=7)  # 42.1296375 g
    huge = GoodsInput("gold", Decimal("999999999999.999999"), "lượng", "Vàng")
    made = [
        _case(
            day,
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("admin_fine", fine_vnd=5),
            (tiny, odd, CIGARETTES),
        ),
        _case(day, "prohibited_smuggled", "border_guard", HandlingInput("admin_fine", fine_vnd=1_000), ()),
        _case(day, "trade_fraud", "police", HandlingInput("handover"), (huge, odd)),
    ]
    _approved(post, *made)
    data = as_json(build_report(post.ctx, post.chief, "monthly", NOVEMBER))
    gold = {row["code"]: row for row in data["commodities"]}["gold"]
    exact = sum((g.quantity * Decimal("37.5") for g in (tiny, odd, huge, odd)), Decimal(0))
    assert gold["quantity"] == "37500000000084.259275" and Decimal(gold["quantity"]) == exact
    assert gold["cases"] == 2 and gold["value_vnd"] == 14
    assert data["total"]["cases"] == 3 and data["total"]["collections"] == 1_005
    assert data["total"]["admin_cases"] == 2 and data["total"]["handover_cases"] == 1
    assert data["total"]["goods_value"] == 14 + CIGARETTES.value_vnd
    # Up to 18 decimals are summed exactly (as two 9-digit integers); more are refused, not rounded.
    conn = open_sqlite(post.data_dir / "register.sqlite")
    with conn:
        conn.execute("UPDATE goods_lines SET base_quantity = '1.000000000000000001' WHERE commodity = 'gold'")
    data = as_json(build_report(post.ctx, post.chief, "monthly", NOVEMBER))
    assert {row["code"]: row for row in data["commodities"]}["gold"]["quantity"] == "4.000000000000000004"
    with conn:
        conn.execute("UPDATE goods_lines SET base_quantity = '0.0000000000000000001' WHERE position = 0")
    conn.close()
    with pytest.raises(AppError, match="more than 18 decimal places"):
        build_report(post.ctx, post.chief, "monthly", NOVEMBER)


def test_a_long_amount_is_set_smaller_never_broken(post: Post, tmp_path: Path) -> None:
    """A province's yearly money figures run to 17 digits: each stays on one line of its cell."""
    day = datetime(2026, 11, 5, 10, 0, tzinfo=ICT)
    goods = (GoodsInput("cigarettes", Decimal("150"), "cây", "Thuốc lá", value_vnd=32_147_409_012_000),)
    _approved(
        post,
        _case(
            day,
            "prohibited_smuggled",
            "border_guard",
            HandlingInput("admin_fine", fine_vnd=13_156_802_627_000),
            goods,
        ),
    )
    report = build_report(post.ctx, post.chief, "monthly", NOVEMBER)
    pdf, _pages = report_pdf(report, ["ĐỒN BIÊN PHÒNG VĨNH XƯƠNG"], "An Giang")
    layout = pdf_text(pdf, tmp_path, layout=True)
    rows = [line for line in layout.splitlines() if "13.156.802.627" in line]
    assert rows and all("13.156.802.627.000" in line and "32.147.409.012.000" in line for line in rows)


def test_reward_rules_count_only_what_was_seized_while_they_are_in_force(post: Post) -> None:
    """The 2026 rules start on 1 January 2026; the statistical year 2026 starts on 15 December 2025."""
    _approved(
        post,
        _big_seizure(datetime(2025, 12, 20, 9, 0, tzinfo=ICT)),
        _big_seizure(datetime(2026, 1, 5, 9, 0, tzinfo=ICT)),
    )
    data = as_json(build_report(post.ctx, post.chief, "annual", periods.year(2026)))
    assert data["total"]["cases"] == 2  # both are counted in the year's figures
    rewards = data["reward_candidates"]
    # Only the January case is a single-case candidate, and the statistical month 15/12–14/01 holds
    # 11 000 bao under the rules (22 000 with the December case), below the 20 000-bao monthly rule.
    assert [(r["rule"], r["case"]) for r in rewards] == [("cigarettes_case", "BP-VX/2026/00001")]


def test_monthly_totals_come_first_among_the_reward_candidates(post: Post) -> None:
    """A printed report lists only the first candidates: the few monthly totals must not be cut."""
    _approved(post, *(_big_seizure(datetime(2026, 11, day, 9, 0, tzinfo=ICT)) for day in (3, 4)))
    rewards = as_json(build_report(post.ctx, post.chief, "monthly", NOVEMBER))["reward_candidates"]
    assert [r["rule"] for r in rewards] == ["cigarettes_month", "cigarettes_case", "cigarettes_case"]
    assert rewards[0]["amount"] == "22000" and rewards[0]["month"] == "15/10/2026 – 14/11/2026"


def test_a_folder_given_as_the_file_is_refused_before_anything_is_written(
    register: Post, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "--data-dir",
            str(register.data_dir),
            "report",
            "monthly",
            "--period",
            "2026-11",
            "--pdf",
            str(folder),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "OUTPOST_PASSWORD": PASSWORD, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 2, done.stderr
    assert f"{folder} is a folder: give the name of the file to write" in done.stderr
    assert list(tmp_path.glob("*.partial")) == [] and list(folder.iterdir()) == []


@pytest.mark.any_day
def test_this_weeks_month_and_year_report_count_a_case_of_today_whatever_the_day(
    post: Post, now: datetime
) -> None:
    """Reports for 'this' period, made on any day, count an approved case of ten minutes ago — at 00:30
    on New Year's Day too, when UTC is still in the old year — and the report is dated the post's today."""
    _approved(post, sample_case(occurred_at=now - timedelta(minutes=10)))
    today = now.astimezone(ICT).date()
    for kind in ("monthly", "annual"):
        period = parse_period(post.ctx, kind, "this", Scope())
        assert period.start <= today <= period.end
        report = build_report(post.ctx, post.chief, kind, period)
        assert as_json(report)["total"]["cases"] == 1, kind
        assert report.generated_at.date() == today


def test_at_a_post_the_periods_cases_are_read_through_the_status_index(post: Post) -> None:
    """Every case at a post is its own: the origin condition is marked likely true, so that SQLite,
    which keeps no statistics, does not read every case of the month through the origin index to
    count a few statuses (0.13 s cold at 1 M cases, issue 20). Same answers either way."""
    from sqlalchemy import func, select

    from app import reports
    from db import models as m

    month = periods.month(2026, 11)
    plans = {}
    for at_post in (False, True):
        conditions = reports._conditions(month, Scope(), [post.ctx.station_id], ICT, at_post=at_post)
        statement = select(m.Case.status, func.count()).where(
            *conditions, m.Case.status.in_(("draft", "submitted"))
        ).group_by(m.Case.status)
        with post.ctx.sessions.reads() as session:
            compiled = statement.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
            parameters = tuple(compiled.params[k] for k in compiled.positiontup or ())
            explained = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters)
            plans[at_post] = " ".join(str(row[-1]) for row in explained)
    assert "ix_cases_origin_occurred" in plans[False]
    assert "ix_cases_origin_occurred" not in plans[True] and "ix_cases_report" in plans[True]
