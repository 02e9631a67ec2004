"""HQ's province report (issue 18, item 4): every post in one document, a row per post beside the rows
per force, adding up to the posts' own reports, on SQLite and on PostgreSQL; HQ's "Nơi nhận" never
names HQ; and the report PDF as a new reader saw it, read back with pdftotext: case numbers whole,
no heading alone at a page's foot, no title ending on a word of its own, one "so cùng kỳ" format."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app import periods
from app.chart_data import build_chart_data
from app.errors import RegisterError, ValidationError
from app.overlap_report import OverlapLine
from app.printing import render
from app.report_charts import chart_flowables
from app.report_pdf import percent, report_pdf, report_recipients
from app.report_xlsx import PERCENT, report_xlsx
from app.reports import METRICS, Scope, SummaryReport, agency_lines, as_json, build_report, load_template
from tests.helpers.cli import outpost
from tests.helpers.clock import Clock
from tests.helpers.pdf import flat, pdf_text
from tests.helpers.province import POSTS, province
from tests.helpers.registers import Post, make_hq

YEAR = periods.year(2026)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# A signed figure without its decimal ("-60") or with more than one ("-46,75").
STRAY_CHANGE = re.compile(r"(?<![\w.,/])[+-]\d{1,3}(?:\.\d{3})*(?:,\d{2,})?(?![\d,.])")


@pytest.fixture
def held(tmp_path: Path, clock: Clock, hq_db_url: str | None) -> Iterator[tuple[Post, list[Post]]]:
    hq, posts = province(tmp_path, clock, hq_db_url)
    yield hq, posts
    for one in (hq, *posts):
        one.ctx.close()


def _pdf(report: SummaryReport, who: Post) -> bytes:
    return report_pdf(report, agency_lines(who.ctx, who.admin), who.ctx.settings.place_name)[0]


@pytest.mark.both_engines
def test_the_province_report_adds_up_to_each_posts_own(held: tuple[Post, list[Post]], tmp_path: Path) -> None:
    hq, posts = held
    report = build_report(hq.ctx, hq.admin, "annual", YEAR, Scope(province=True))
    data = as_json(report)
    rows = {row["code"]: row for row in data["by_post"]}
    assert list(rows) == sorted(code for code, _name in POSTS)
    for post in posts:
        own = as_json(build_report(post.ctx, post.admin, "annual", YEAR))  # at the post itself
        (code,) = own["stations"]
        at_hq = as_json(build_report(hq.ctx, hq.admin, "annual", YEAR, Scope(station_code=code)))
        for metric in METRICS:
            assert rows[code][metric] == own["total"][metric] == at_hq["total"][metric], (code, metric)
            assert rows[code]["previous"][metric] == own["total"]["previous"][metric], (code, metric)
    for metric in METRICS:
        assert sum(row[metric] for row in rows.values()) == data["total"][metric], metric
        assert sum(row[metric] for row in data["by_force"]) == data["total"][metric], metric
    assert data["total"]["cases"] > 0 and all(row["cases"] for row in rows.values())
    # The report HQ made before, every post together, is the same but for the rows per post.
    plain = as_json(build_report(hq.ctx, hq.admin, "annual", YEAR))
    assert "by_post" not in plain and plain["total"] == data["total"]

    text = flat(pdf_text(_pdf(report, hq), tmp_path))
    # The sections in their order, numbered I, II, … without a gap: per post and per force, then the
    # issue 19 sections (hand-overs, field work, tip-offs), the reward candidates last.
    titles = ["KẾT QUẢ THEO ĐỒN", "KẾT QUẢ THEO LỰC LƯỢNG CHỦ TRÌ", "KẾT QUẢ BÀN GIAO CHO CƠ QUAN CÔNG AN",
              "KẾT QUẢ TUẦN TRA, CHỐT CHẶN", "TIN BÁO, TỐ GIÁC", "TRƯỜNG HỢP ĐỦ ĐIỀU KIỆN"]
    found = [re.search(rf"\b([IVX]+)\. {re.escape(title)}", text) for title in titles]
    assert all(found), [t for t, f in zip(titles, found, strict=True) if not f]
    numbers = [ROMAN.index(f.group(1)) + 1 for f in found if f]
    assert numbers[:2] == [2, 3] and numbers == sorted(numbers)
    assert all(re.search(rf"\b{ROMAN[n - 1]}\. [A-ZĐ]", text) for n in range(1, numbers[-1] + 1))
    assert "Toàn tỉnh (3 đồn)" in text
    for code, name in POSTS:
        assert f"{code} — {name}" in text
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    sheet = book["Theo đồn"]
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=6)][: len(rows) + 1]  # notes below
    assert [r[1] for r in values] == [row["label"] for row in data["by_post"]] + ["Tổng cộng"]
    assert [r[2] for r in values] == [row["cases"] for row in data["by_post"]] + [data["total"]["cases"]]

    # The same through the command line, at HQ's data folder (its database found from there).
    done = outpost(hq.data_dir, "--json", "report", "annual", "--period", "2026", "--province")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["by_post"] == data["by_post"] and printed["total"] == data["total"]
    done = outpost(hq.data_dir, "report", "annual", "--period", "2026", "--province")
    assert done.returncode == 0, done.stderr
    for row in data["by_post"]:
        assert f"  {row['label']}: {row['cases']} cases" in done.stdout
    pdf_file = tmp_path / "tinh.pdf"
    done = outpost(hq.data_dir, "report", "annual", "--period", "2026", "--province", "--pdf", str(pdf_file))
    assert done.returncode == 0, done.stderr
    assert "II. KẾT QUẢ THEO ĐỒN" in flat(pdf_text(pdf_file.read_bytes(), tmp_path))


def test_a_province_report_is_hqs_and_covers_every_post(post: Post, tmp_path: Path, clock: Clock) -> None:
    with pytest.raises(RegisterError, match="made at HQ"):  # not for this kind of register: exit 7
        build_report(post.ctx, post.chief, "annual", YEAR, Scope(province=True))
    refused = outpost(post.data_dir, "report", "annual", "--period", "2026", "--province")
    assert refused.returncode == 7 and "made at HQ" in refused.stderr
    hq = make_hq(tmp_path / "hq", clock=clock)
    try:
        with pytest.raises(ValidationError, match="leave out the post"):
            build_report(hq.ctx, hq.admin, "annual", YEAR, Scope(station_code="BP-VX", province=True))
        # A province with no post yet: the rows per post are none, the totals noughts.
        empty = build_report(hq.ctx, hq.admin, "annual", YEAR, Scope(province=True))
        assert empty.sections["station"] == [] and empty.totals.now["cases"] == 0
        assert "KẾT QUẢ THEO ĐỒN" in flat(pdf_text(_pdf(empty, hq), tmp_path))
    finally:
        hq.ctx.close()


def _recipients(text: str) -> str:
    return text[text.index("Nơi nhận:") :]


@pytest.mark.parametrize(
    "name",
    [
        "Bộ Chỉ huy Bộ đội Biên phòng tỉnh An Giang",
        "Bộ Chỉ huy BĐBP tỉnh An Giang",
        "Ban Chỉ đạo 389 tỉnh An Giang",
        "Bộ Chỉ huy BĐBP tỉnh",
    ],
)
def test_hqs_recipients_never_name_hq(name: str, tmp_path: Path, clock: Clock) -> None:
    hq = make_hq(tmp_path / "hq", clock=clock)
    try:
        report = build_report(hq.ctx, hq.admin, "monthly", periods.month(2026, 11))
        assert report.issued_at_hq
        agency = ["Bộ đội Biên phòng", name]  # the superior body, then HQ itself
        lines = report_recipients(report, agency, load_template())
        assert lines and lines[-1] == "Lưu: VT"
        assert [line for line in lines if line.casefold() in name.casefold()] == []
        pdf = report_pdf(report, agency, "An Giang")[0]
        # The letterhead's lines, upper case and wrapped in their column, never end on a lone word.
        top = [line.strip() for line in pdf_text(pdf, tmp_path).split("Số:")[0].splitlines()]
        assert [line for line in top if len(line.split()) == 1] == [], top
        foot = _recipients(flat(pdf_text(pdf, tmp_path)))
        assert name not in foot and "Bộ Chỉ huy BĐBP tỉnh" not in foot
        assert "Bộ Tư lệnh Bộ đội Biên phòng" in foot  # HQ reports upwards
    finally:
        hq.ctx.close()


def test_a_posts_recipients_still_name_its_command(post: Post, tmp_path: Path) -> None:
    report = build_report(post.ctx, post.chief, "monthly", periods.month(2026, 11))
    assert not report.issued_at_hq
    foot = _recipients(flat(pdf_text(_pdf(report, post), tmp_path)))
    assert "Ban Chỉ đạo 389 tỉnh An Giang" in foot and "Bộ Chỉ huy BĐBP tỉnh" in foot


def test_so_cung_ky_has_one_decimal_everywhere() -> None:
    from decimal import Decimal

    assert [percent(Decimal(v)) for v in ("-60", "-46.7", "0", "12.5", "1250", "-0.04")] == [
        "-60,0",
        "-46,7",
        "0,0",
        "+12,5",
        "+1.250,0",
        "0,0",
    ]
    assert percent(None) == "—"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Post, SummaryReport]]:
    """A province of three posts at one HQ (on SQLite) and its annual province report: a few pages,
    long post codes ("BP-DEMO") in the reward table, falls and rises beside the same period."""
    from tests.helpers.clock import NOW

    hq, posts = province(tmp_path_factory.mktemp("province"), Clock(NOW), cases=150)
    report = build_report(hq.ctx, hq.admin, "annual", YEAR, Scope(province=True))
    yield hq, report
    for one in (hq, *posts):
        one.ctx.close()


def test_the_reports_pdf_reads_as_a_person_expects(made: tuple[Post, SummaryReport], tmp_path: Path) -> None:
    hq, report = made
    pdf = _pdf(report, hq)
    text = pdf_text(pdf, tmp_path)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # Every case number of the reward table whole, on one line (a long code no longer cut "…/00" "135").
    numbers = [r.case_number for r in report.rewards if r.case_number]
    assert any(n.startswith("BP-DEMO/") for n in numbers)
    for number in numbers:
        assert any(number in line for line in lines), number
    # "So cùng kỳ": one decimal after a comma, in every row of every table; no "-60" beside "-46,7".
    rows = [*report.sections["violation_group"], *report.sections["station"], *report.sections["force"]]
    changes = {percent(row.change("cases")) for row in rows}
    changes |= {percent(c.change()) for c in report.commodities}
    assert any(re.fullmatch(r"[+-][\d.]+,\d", value) for value in changes)
    for value in changes:
        assert value in text, value
    assert STRAY_CHANGE.findall(text) == []
    # Titles: none ends on one word of its own line ("…thương mại và hàng" / "giả").
    titles = [report.title, load_template()["subject"], periods.label(report.period)]
    titles += [s["title"] for s in load_template()["sections"]]
    titles += [load_template()["commodities"]["title"], load_template()["rewards"]["title"]]
    for title in titles:
        *_words, before, last = title.split()
        alone = [i for i, line in enumerate(lines) if line == last and i and lines[i - 1].endswith(before)]
        assert alone == [], title
    # The Excel workbook's "So cùng kỳ" cells: numbers of one decimal, shown with one decimal.
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    for sheet in ("Theo nhóm hành vi", "Theo đồn", "Theo lực lượng"):
        cells = [row[3] for row in book[sheet].iter_rows(min_row=6) if row[3].value is not None]
        assert cells and all(c.number_format == PERCENT for c in cells), sheet
        assert all(round(c.value, 1) == c.value for c in cells), sheet


def test_no_heading_is_left_alone_at_the_foot_of_a_page(
    made: tuple[Post, SummaryReport], tmp_path: Path
) -> None:
    """The report's body pushed down a line at a time: wherever the page ends, a section heading has
    the first rows of its table (or its whole note and signature block) below it."""
    hq, report = made
    heading = re.compile(r"^[IVX]+\. [A-ZĐ]")
    seen_ends = set()
    for extra in range(0, 40, 2):
        notes = [f"Ghi chú thử số {i}." for i in range(extra)]
        for shown in (report, replace(report, rewards=report.rewards[:1]), replace(report, rewards=[])):
            pdf = _pdf(replace(shown, notes=notes), hq)
            pages = pdf_text(pdf, tmp_path).split("\f")
            for number, page in enumerate(pages, start=1):
                lines = [line.strip() for line in page.splitlines() if line.strip()]
                if lines:
                    seen_ends.add(lines[-1][:20])
                    assert not heading.match(lines[-1]), (extra, number, lines[-3:])
    assert len(seen_ends) > 5  # the pages did end in many different places


def test_no_heading_of_the_report_or_its_charts_ends_a_page(
    made: tuple[Post, SummaryReport], tmp_path: Path
) -> None:
    """Every heading of the province report and of its chart annex (I, II, … and 1 to 5), the body
    pushed down a few lines at a time and the annex given more and more commodities: no page ends
    with a heading (a new user saw "VIII. TIN BÁO, TỐ GIÁC…", "3. Tiến độ…" and "4. Số vụ… theo từng
    đồn" alone at a page's foot, their content on the next page)."""
    hq, report = made
    data = build_chart_data(hq.ctx, hq.admin, report.period.end, reports=True, mode=report.mode)
    assert report.tips is not None and report.overlaps is not None and report.field_work is not None
    assert data.posts and len(data.seized) > 5
    # The charts count what the tables count: per post (chart 4) and in all (chart 1).
    by_post = {row["code"]: row["cases"] for row in as_json(report)["by_post"]}
    assert {post.code: post.total for post in data.posts} == by_post
    assert sum(series.total for series in data.weekly) == report.totals.now["cases"]
    heading = re.compile(r"^(?:[IVX]+|\d)\. \w")
    ends: set[str] = set()

    def no_heading_ends_a_page(pdf: bytes, case: object) -> None:
        pages = pdf_text(pdf, tmp_path).split("\f")
        for number, page in enumerate(pages, start=1):
            lines = [line.strip() for line in page.splitlines() if line.strip()]
            if lines and number < len(pages):
                ends.add(lines[-1][:20])
                assert not heading.match(lines[-1]), (case, number, lines[-3:])

    agency = agency_lines(hq.ctx, hq.admin)
    for extra in range(1, 45, 4):  # the report's body
        notes = [f"Ghi chú thử số {i}." for i in range(extra)]
        no_heading_ends_a_page(report_pdf(replace(report, notes=notes), agency, "An Giang")[0], extra)
    # The annex starts a page of its own, so it is laid out alike after any body: alone here, 2. being
    # followed by a drawing a commodity (a flowable is laid out once: new ones each time).
    for count in range(len(data.seized) + 1):
        annex = chart_flowables(replace(data, seized=data.seized[:count]), hq.ctx.reference)
        no_heading_ends_a_page(render(annex, title=report.title)[0], count)
    # A province of 60 posts: the per-post charts (4. and 5.) run on over pages.
    posts = tuple(replace(post, code=f"BP-{n:02d}") for n, post in enumerate(data.posts * 20))
    annex = chart_flowables(replace(data, posts=posts), hq.ctx.reference)
    pdf = report_pdf(report, agency, "An Giang", annex)[0]
    no_heading_ends_a_page(pdf, "60 posts")
    assert all(f"BP-{n:02d}" in flat(pdf_text(pdf, tmp_path)) for n in range(60))
    for count in range(8, 90, 9):  # repeated inspections, up to a list longer than a page
        lines = tuple(
            OverlapLine(
                None if n % 2 else n // 2 + 1,
                "" if n % 2 else f"Cửa hàng tạp hóa số {n // 2 + 1} (phường Vĩnh Tế)",
                "BP-VX",
                "Bộ đội Biên phòng",
                date(2026, 3, 1) + timedelta(days=n),
                "Phúc tra việc khắc phục vi phạm lần kiểm tra trước." if n % 2 else "",
            )
            for n in range(count)
        )
        longer = replace(report, overlaps=replace(report.overlaps, establishments=count // 2, lines=lines))
        no_heading_ends_a_page(report_pdf(longer, agency, "An Giang")[0], count)
    assert len(ends) > 10  # the pages did end in many different places
