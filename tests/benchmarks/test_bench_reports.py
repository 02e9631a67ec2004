"""Benchmarks of the annual 389 report and of single forms (issue targets: annual report over a
1 M-case register to PDF < 2 s; any single form < 200 ms). Run at full size on demand:

    OUTPOST_BENCH_REGISTER=<copy of a register folder> make bench
    OUTPOST_BENCH_SIZE=full pytest -q -s tests/benchmarks/test_bench_reports.py

Without ``OUTPOST_BENCH_REGISTER`` a demo register of ``OUTPOST_BENCH_CASES`` (default 1 000 000 at
full size) cases is generated first (the ``register_dir`` fixture in ``conftest.py``). Figures go to
docs/performance.md by hand."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, update

from app import periods
from app.domain import CaseFilter
from app.forms import FORM_CODES, print_form
from app.printing import register_fonts
from app.report_pdf import report_pdf
from app.report_xlsx import report_xlsx
from app.reports import agency_lines, build_report
from db import models as m
from tests.benchmarks.sizes import sized

RUNS = sized(3, 1)


def _times(action: Callable[[], Any], runs: int = RUNS) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times), result


def test_annual_report_and_forms(opened: tuple[Any, Any]) -> None:
    ctx, actor = opened
    register_fonts()
    newest = ctx.cases.list(actor, limit=1)[0]
    year = periods.year_of(newest.occurred_at.date())
    agency = agency_lines(ctx, actor)

    def annual() -> Any:
        report = build_report(ctx, actor, "annual", year)
        return report, report_pdf(report, agency, ctx.settings.place_name)

    # As on a register's first report: no half-month stored yet (app.tallies).
    with ctx.sessions.writes.begin() as session:
        session.execute(delete(m.ReportHalf))
    first, _slowest, _result = _times(annual, runs=1)
    median, slowest, (report, (pdf, pages)) = _times(annual)
    total = report.totals.now["cases"]
    print(
        f"\n== annual report {periods.label(year)}: {total:,} cases counted "
        f"(+ {report.totals.before['cases']:,} the year before), {len(report.commodities)} commodities, "
        f"{len(report.rewards)} reward candidates"
    )
    print(f"  to PDF, first report (counts and stores every half-month of both years): {first:.2f} s")
    print(f"  to PDF ({pages} pages, {len(pdf):,} bytes): {median:.2f} s median, slowest {slowest:.2f} s")
    with ctx.sessions.writes.begin() as session:  # one case of the period changes
        session.execute(update(m.Case).where(m.Case.id == newest.id).values(version=m.Case.version))
    changed, _slowest, _result = _times(annual, runs=1)
    print(f"  to PDF after one case of the period changed (its half-month counted again): {changed:.2f} s")
    start = time.perf_counter()
    data = report_xlsx(report)
    print(f"  to Excel ({len(data):,} bytes): {time.perf_counter() - start:.2f} s")
    assert total > 0
    # A draft prints without the station's key (an approved case prints only signed, and a benchmark
    # register has no keys): the layout work measured is the same, plus the mark across each page.
    drafts = ctx.cases.list(actor, CaseFilter(statuses=("draft", "submitted")), limit=1)
    sample = drafts[0].number if drafts else newest.number
    for code in FORM_CODES:
        median, slowest, printed = _times(lambda code=code: print_form(ctx, actor, code, sample))
        print(
            f"  form {code}: {median * 1000:.0f} ms median, slowest {slowest * 1000:.0f} ms "
            f"({printed.pages} page(s))"
        )
