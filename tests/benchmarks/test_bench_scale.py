"""HQ at a province's scale (issue 18): P posts × N demo cases each, exported and imported through
real bundles into an HQ on SQLite and on PostgreSQL; then HQ's case list and searches, and the
consolidated annual report to PDF. It prints figures and checks results, never timings.

Why: HQ is where every post's data meets, on either engine, and the figures that matter there (import
throughput against a raw insert of the same rows on the same engine, a first page at a million
cases, the province's annual report) were only measured at one post's size. Sizes from the
environment: ``OUTPOST_BENCH_SCALE_POSTS`` × ``OUTPOST_BENCH_SCALE_CASES`` (50 × 20 000 at full size, 2 × 30
in ``make test``). The raw baseline writes the rows the import wrote (cases, lines, the import's
audit events, the search index), read back from HQ afterwards, into a copy of HQ as it was before the
imports: ``executemany`` on SQLite, ``COPY`` on PostgreSQL (the test server: fsync off, as for the
import); once in one transaction, once in a transaction per import with the rows that import wrote,
as the imports commit them (each commit rewrites pages all over HQ's indexes: the like-for-like
baseline). On SQLite both write through a page cache of ``hq_import.IMPORT_CACHE_KIB``, so the baseline
is not slowed by a smaller cache than the import has (and it is run a second time with foreign keys
checked, as the import's connection checks them). CPU seconds are printed beside the times (this
process, its helper, the PostgreSQL server's processes): a loaded machine disturbs them less.
``OUTPOST_BENCH_SCALE_AT_ONCE=1`` gives every post's bundles to one import (one transaction) instead of
one import a post. ``OUTPOST_BENCH_SCALE_IMPORT_ONLY=1`` stops after the import and the raw insert (the
lists, the report and the window are skipped), for a run that only compares the two. Results:
docs/performance.md."""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app import case_query, periods
from app.demo import generate_demo
from app.domain import CaseFilter
from app.printing import register_fonts
from app.register import init_register
from app.report_pdf import report_pdf
from app.reports import agency_lines, build_report
from app.sync.enrol import accept_request, install_reply, make_request
from app.sync.export import export_changes
from app.sync.hq_import import IMPORT_CACHE_KIB, import_bundles
from app.unlock import log_in
from tests.benchmarks.sizes import sized
from tests.helpers.postgres import PostgresServer
from tests.helpers.registers import PASSWORD, make_hq, open_sqlite

POSTS = sized(50, 2, "OUTPOST_BENCH_SCALE_POSTS")
PER_POST = sized(20_000, 30, "OUTPOST_BENCH_SCALE_CASES")
RUNS = sized(7, 2)
PASSPHRASE = "mat-khau-khoa-1"
# Every table the imports write rows into (HQ has none of them before), the audit chain apart.
TABLES = (
    "cases", "goods_lines", "parties", "vehicles", "attachments", "documents",
    "activities", "activity_cases", "handovers", "tips", "establishments", "received_bundles",
    "audit_anchors",  # the posts' audit events HQ keeps to check their chains (app/sync/anchor.py)
)  # fmt: skip
STARTS = sized(3, 1)
IMPORT_ONLY = os.environ.get("OUTPOST_BENCH_SCALE_IMPORT_ONLY") == "1"
# Every post's bundles given to one import (one transaction, as ``outpost import`` of a stick holding
# them all), instead of one import a post.
AT_ONCE = os.environ.get("OUTPOST_BENCH_SCALE_AT_ONCE") == "1"

pytestmark = pytest.mark.both_engines


@pytest.fixture(scope="module")
def made_posts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The posts' registers with their demo cases, not enrolled yet (each test enrols copies); those of
    an earlier run when ``OUTPOST_BENCH_SCALE_MADE`` names their folder (generating them is the
    longest step)."""
    given = os.environ.get("OUTPOST_BENCH_SCALE_MADE")
    if given:
        return sorted(Path(given).glob("post-*"))[:POSTS]
    root = tmp_path_factory.mktemp("scale-posts")
    folders = []
    start = time.perf_counter()
    for number in range(POSTS):
        folder = root / f"post-{number:02}"
        ctx = init_register(
            folder,
            kind="post",
            code=f"BP-{number:02}",
            name=f"Đồn Biên phòng số {number}",
            admin_username="admin",
            admin_password=PASSWORD,
            commune_code="30385",
        )
        generate_demo(ctx, ctx.login("admin", PASSWORD), cases=PER_POST, seed=number + 1)
        ctx.close()
        folders.append(folder)
    print(f"\n== {POSTS} posts × {PER_POST:,} demo cases generated in {time.perf_counter() - start:.0f} s")
    return folders


def test_province_at_hq(
    made_posts: list[Path],
    tmp_path: Path,
    engine: str,
    hq_db_url: str | None,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    total = POSTS * PER_POST
    hq = make_hq(tmp_path / "hq", db_url=hq_db_url)
    bundles: list[list[Path]] = []
    export_s = 0.0
    for number, made in enumerate(made_posts):
        folder = tmp_path / made.name
        shutil.copytree(made, folder)
        post, admin = log_in(folder, "admin", PASSWORD)
        make_request(post, admin, PASSPHRASE, tmp_path / f"request-{number}.json")
        accept_request(
            hq.ctx, hq.admin, PASSPHRASE, tmp_path / f"request-{number}.json", tmp_path / "reply.json"
        )
        install_reply(post, admin, PASSPHRASE, tmp_path / "reply.json")
        start = time.perf_counter()
        exported = export_changes(post, admin, PASSPHRASE, tmp_path / f"usb-{number}")
        export_s += time.perf_counter() - start
        assert exported.records >= PER_POST  # and the demo's field work, hand-overs, tips and shops
        bundles.append(list(exported.files))
        post.close()
    hq.ctx.close()
    before = _copy_before(tmp_path, hq_db_url, request, "before")
    hq_ctx, hq_admin = log_in(tmp_path / "hq", "admin", PASSWORD)

    print(f"\n== HQ on {engine}: {POSTS} posts × {PER_POST:,} cases = {total:,}")
    print(f"  export: {export_s:.1f} s in all, {total / export_s:,.0f} cases/s")
    import_times = []
    server = request.getfixturevalue("postgres_server") if hq_db_url else None
    marks = [_mark(hq_ctx)]  # where each import's rows begin and end
    cpu_before = _cpu(server)
    for files in [[f for post_files in bundles for f in post_files]] if AT_ONCE else bundles:
        start = time.perf_counter()
        summary = import_bundles(hq_ctx, hq_admin, PASSPHRASE, files)
        import_times.append(time.perf_counter() - start)
        assert summary.rejected == [] and summary.new == (total if AT_ONCE else PER_POST)
        marks.append(_mark(hq_ctx))
    import_cpu = [after - was for after, was in zip(_cpu(server), cpu_before, strict=True)]
    import_s = sum(import_times)
    each = total / len(import_times)
    print(
        f"  import, {'every post in one import' if AT_ONCE else 'one post at a time'}: {import_s:.1f} s = "
        f"{total / import_s:,.0f} cases/s (first import {each / import_times[0]:,.0f} cases/s, last "
        f"{each / import_times[-1]:,.0f}); "
        f"CPU {sum(import_cpu):.1f} s (this process {import_cpu[0]:.1f}, its helper processes "
        f"{import_cpu[1]:.1f}, the database server {import_cpu[2]:.1f})"
    )
    # How each import slows down as HQ grows: the first, the last and about every fifth of the way.
    every = max(1, len(import_times) // 5)
    shown = [i for i in range(len(import_times)) if i % every == 0 or i == len(import_times) - 1]
    print("  import by import (s): " + ", ".join(f"#{i + 1} {import_times[i]:.2f}" for i in shown))
    hq_ctx.close()
    per_import_before = _copy_before(tmp_path, hq_db_url, request, "each")  # the first is written next
    if hq_db_url is None:  # and one for the raw insert with foreign-key checks on
        shutil.copytree(before, tmp_path / "hq-before-fk")
    raw_s, rows, raw_cpu, _cases = _raw_insert(tmp_path / "hq", before, engine, hq_db_url, server)
    raw = "executemany" if engine == "sqlite" else "COPY"
    print(
        f"  raw {raw} of the same {rows:,} rows in one transaction: {raw_s:.1f} s; "
        f"the import takes {import_s / raw_s:.2f}× that; CPU {raw_cpu:.1f} s, the import's "
        f"{sum(import_cpu) / max(raw_cpu, 0.01):.2f}× that"
    )
    each_s, each_rows, each_cpu, cases = _raw_insert(
        tmp_path / "hq", per_import_before, engine, hq_db_url, server, marks
    )
    # Each transaction holds the cases of its import, and all of them together every row.
    assert cases == [total // len(import_times)] * len(import_times) and each_rows == rows
    print(
        f"  raw {raw} of the same rows in a transaction per import, as the imports wrote them (goal: "
        f"the import within 2× this): {each_s:.1f} s; the import takes {import_s / each_s:.2f}× that; "
        f"CPU {each_cpu:.1f} s, the import's {sum(import_cpu) / max(each_cpu, 0.01):.2f}× that"
    )
    if hq_db_url is None:
        checked_s, _rows, _cpu_s, _cases = _raw_sqlite(
            tmp_path / "hq" / "register.sqlite", tmp_path / "hq-before-fk" / "register.sqlite", True
        )
        print(
            f"  … the same with foreign keys checked (PRAGMA foreign_keys = ON, as the import's connection "
            f"has): {checked_s:.1f} s; the import takes {import_s / checked_s:.2f}× that"
        )
    if IMPORT_ONLY:
        return

    hq_ctx, hq_admin = log_in(tmp_path / "hq", "admin", PASSWORD)
    station = hq_ctx.cases.list(hq_admin, limit=1)[0]
    origin = _origin_of(hq_ctx, station.id)
    queries = {
        "first page, no query": CaseFilter(),
        "search 'thuoc la hero'": CaseFilter(query="thuoc la hero"),
        "search 'duong'": CaseFilter(query="duong"),
        "'thuoc la hero' + trade fraud": CaseFilter(query="thuoc la hero", violation_group="trade_fraud"),
        "'duong' + voided": CaseFilter(query="duong", statuses=("voided",)),
        "'duong' + trade fraud + voided": CaseFilter(
            query="duong", violation_group="trade_fraud", statuses=("voided",)
        ),
        "'thuoc la hero' + one post": CaseFilter(query="thuoc la hero", origin=origin),
        "one post": CaseFilter(origin=origin),
        "'nguyen van' + ownerless": CaseFilter(query="nguyen van", ownerless=True),
        "'nguyen van' + police": CaseFilter(query="nguyen van", lead_force="police"),
    }
    print(
        "  first page of 50 (median of the runs; 'before': the same code with the filter's time index "
        "not chosen and, on PostgreSQL, no search marks; 'cold': a new process's first call with the file "
        "out of the OS cache)"
    )
    for label, case_filter in queries.items():
        shown: list[Any] = []

        def page(f: CaseFilter = case_filter, ctx: Any = hq_ctx, admin: Any = hq_admin) -> list[Any]:
            return ctx.cases.list(admin, f, limit=50)

        figures = []
        for _round in range(2):  # before, after, before, after: the load moves on this machine
            for before_change in (True, False):
                with monkeypatch.context() as patch:
                    if before_change:
                        patch.setattr(case_query._Conditions, "driver", lambda *_args: None)
                        patch.setattr(case_query._Conditions, "_marked_few", lambda *_args: None)
                    _first, median, _slowest, result = _list_times(page)
                if not before_change:
                    shown = result
                figures.append(median * 1000)
        cold = ""
        if hq_db_url is None:
            hq_ctx.close()
            _evict(tmp_path / "hq")
            hq_ctx, hq_admin = log_in(tmp_path / "hq", "admin", PASSWORD)
            start = time.perf_counter()
            hq_ctx.cases.list(hq_admin, case_filter, limit=50)
            cold = f", cold {(time.perf_counter() - start) * 1000:7.1f} ms"
        print(
            f"  {label:32} before {figures[0]:6.1f} / {figures[2]:6.1f} ms, "
            f"after {figures[1]:6.1f} / {figures[3]:6.1f} ms{cold}; {len(shown)} on the page"
        )
    register_fonts()
    year = periods.year_of(station.occurred_at.date())
    agency = agency_lines(hq_ctx, hq_admin)

    def annual() -> tuple[Any, tuple[bytes, int]]:
        report = build_report(hq_ctx, hq_admin, "annual", year)
        return report, report_pdf(report, agency, hq_ctx.settings.place_name)

    first, median, slowest, (report, (pdf, pages)) = _list_times(annual, runs=max(2, RUNS // 2))
    print(
        f"  consolidated annual report {periods.label(year)} to PDF ({report.totals.now['cases']:,} cases, "
        f"{pages} pages): first {first:.2f} s, then median {median:.2f} s (slowest {slowest:.2f})"
    )
    assert report.totals.now["cases"] > 0 and pdf.startswith(b"%PDF")
    hq_ctx.close()
    starts = [_window_start(tmp_path / "hq") for _ in range(STARTS)]
    assert all(run["rows"] > 0 for run in starts)
    print(
        f"  HQ window, a new process to its first page shown: median "
        f"{statistics.median(r['usable_s'] for r in starts):.2f} s of {STARTS} "
        f"(with the log-in, {statistics.median(r['login_s'] for r in starts):.2f} s of it), the live count "
        f"{statistics.median(r['counted_s'] for r in starts):.2f} s, the dashboard with its charts "
        f"{statistics.median(r['dashboard_s'] for r in starts):.2f} s, peak memory "
        f"{statistics.median(r['rss_mb'] for r in starts):.0f} MB; {starts[-1]['count']}"
    )


WINDOW = """
import json, sys, time
from tests.benchmarks.memory import peak_mb
start = time.perf_counter()
from pathlib import Path
from PySide6.QtWidgets import QApplication
from app.unlock import log_in
from ui.i18n import apply_language
from ui.main_window import MainWindow
app = QApplication([])
apply_language("vi")
before = time.perf_counter()
ctx, actor = log_in(Path(sys.argv[1]), "admin", sys.argv[2])
login = time.perf_counter() - before
window = MainWindow(ctx, actor)
board = []
window.dashboard.refreshed.connect(lambda: board.append(time.perf_counter() - start))
window.show()
app.processEvents()
rows = window.model.rowCount()
usable = time.perf_counter() - start
window.model.wait_for_count()
app.processEvents()
counted = time.perf_counter() - start
while not board:
    app.processEvents()
    time.sleep(0.01)
print(json.dumps({"usable_s": usable, "login_s": login, "counted_s": counted, "rows": rows,
                  "dashboard_s": board[0],
                  "rss_mb": peak_mb(),
                  "count": window.count_label.text()}))
window.close()
ctx.close()
"""


def _cpu(server: PostgresServer | None) -> tuple[float, float, float]:
    """CPU seconds so far of this process, of its ended (waited-for) children, and of the test server's
    processes (its postmaster's children: the backends still connected, the writers), for figures that
    a loaded machine disturbs less than the wall-clock times."""
    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    served = 0.0
    if server is not None:
        master = (server.root / "data" / "postmaster.pid").read_text().split()[0]
        tick = os.sysconf("SC_CLK_TCK")
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                fields = (Path("/proc") / pid / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            if fields[1] == master:
                served += (int(fields[11]) + int(fields[12])) / tick
    return own, children.ru_utime + children.ru_stime, served


def _window_start(folder: Path) -> dict[str, Any]:
    """HQ's main window in a new process (offscreen): interpreter, Qt, log-in, the first page."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", WINDOW, str(folder), PASSWORD],
        env=env, cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _list_times(action: Callable[[], Any], runs: int = RUNS) -> tuple[float, float, float, Any]:
    """The first call's time (the first of its kind in this process), then the median and slowest of
    ``runs`` more."""
    start = time.perf_counter()
    result = action()
    first = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times), max(times), result


def _evict(folder: Path) -> None:
    """Drop the register's files from the OS page cache (this file only; nothing else is touched)."""
    for path in folder.glob("register.sqlite*"):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _origin_of(ctx: Any, case_id: str) -> str:
    from db import models as m

    with ctx.sessions.reads() as session:
        case = session.get(m.Case, case_id)
        assert case is not None
        return case.origin


def _copy_before(tmp_path: Path, hq_db_url: str | None, request: pytest.FixtureRequest, suffix: str) -> Any:
    """A copy of HQ before the imports (made before them: its folder, or a copy of its database), for
    a raw insert."""
    if hq_db_url is None:
        source = tmp_path / ("hq" if suffix == "before" else "hq-before")
        shutil.copytree(source, tmp_path / f"hq-{suffix}")
        return tmp_path / f"hq-{suffix}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = hq_db_url.rsplit("/", 1)[1]
    source, copy = (name if suffix == "before" else f"{name}_before"), f"{name}_{suffix}"
    server.sql(f"CREATE DATABASE {copy} TEMPLATE {source}")
    request.addfinalizer(lambda: server.sql(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)"))
    return server.url(copy)


# Where the rows written so far end: on SQLite the last rowid of each table (and the audit chain's last
# sequence); on PostgreSQL the id of a transaction of its own (each import is one transaction: its rows
# are those whose ``xmin`` lies between the marks taken before and after it). ``txid_current()`` counts
# wraparounds and ``xmin`` does not: they compare alike while the server has not wrapped around, as a
# test server never has (if one had, every slice would be empty and the benchmark's count would fail).
Mark = dict[str, int]


def _mark(ctx: Any) -> Mark:
    with ctx.sessions.writes() as session:
        if session.get_bind().dialect.name == "postgresql":
            return {"xid": int(session.execute(text("SELECT txid_current()")).scalar_one())}
        last = {
            t: int(session.execute(text(f"SELECT coalesce(max(rowid), 0) FROM {t}")).scalar_one())
            for t in (*TABLES, "case_search")
        }
        last["audit_events"] = int(
            session.execute(text("SELECT coalesce(max(seq), 0) FROM audit_events")).scalar_one()
        )
        return last


def _raw_insert(
    hq_dir: Path,
    before: Any,
    engine: str,
    hq_db_url: str | None,
    server: PostgresServer | None,
    marks: list[Mark] | None = None,
) -> tuple[float, int, float, list[int]]:
    """Seconds, rows, and CPU seconds of the writing (this process's, and the server's), and the cases
    each transaction wrote: in one transaction, or with ``marks`` one per import, each the rows it
    wrote."""
    if hq_db_url is None:
        return _raw_sqlite(hq_dir / "register.sqlite", before / "register.sqlite", marks=marks)
    assert server is not None
    return _raw_copy(hq_db_url, str(before), server, marks)


def _raw_sqlite(
    source: Path, target: Path, foreign_keys: bool = False, marks: list[Mark] | None = None
) -> tuple[float, int, float, list[int]]:
    """``executemany`` of every row the imports wrote into the copy of HQ before them; with
    ``foreign_keys``, checking them as the register's own connections do (``db.engine``); with
    ``marks``, a transaction for the rows of each import in turn. Seconds, rows, CPU seconds, and the
    cases each transaction wrote."""
    read = open_sqlite(source)
    columns = [c[1] for c in read.execute("PRAGMA table_info(audit_events)")][1:]  # not its sequence
    last = _last_seq(target)
    slices = list(zip(marks, marks[1:], strict=False)) if marks else [None]
    batches = []
    for span in slices:
        data = {t: read.execute(f"SELECT * FROM {t} WHERE 1{_within(span, t)}").fetchall() for t in TABLES}
        of_import = _within(span, "audit_events", "seq")
        data["audit_events"] = read.execute(
            f"SELECT {', '.join(columns)} FROM audit_events WHERE seq > ?{of_import} ORDER BY seq", (last,)
        ).fetchall()
        data["case_search"] = read.execute(
            f"SELECT rowid, body FROM case_search WHERE 1{_within(span, 'case_search')}"
        ).fetchall()
        batches.append(data)
    read.close()
    write = open_sqlite(target)
    write.execute("PRAGMA journal_mode = WAL")
    write.execute("PRAGMA synchronous = FULL")
    write.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")  # as the import's connection has
    write.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    start, cpu = time.perf_counter(), time.process_time()
    for data in batches:
        with write:
            for table, rows in data.items():
                if not rows:
                    continue
                names = f" ({', '.join(columns)})" if table == "audit_events" else ""
                names = " (rowid, body)" if table == "case_search" else names
                write.executemany(
                    f"INSERT INTO {table}{names} VALUES ({', '.join('?' * len(rows[0]))})", rows
                )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    write.close()
    rows = sum(len(rows) for data in batches for rows in data.values())
    return elapsed, rows, cpu, [len(data["cases"]) for data in batches]


def _within(span: tuple[Mark, Mark] | None, table: str, key: str = "rowid") -> str:
    """The condition that keeps a table's rows of one import (SQLite), or nothing for all of them."""
    return "" if span is None else f" AND {key} > {span[0][table]} AND {key} <= {span[1][table]}"


def _last_seq(before: Path) -> int:
    """The audit chain's last event before the imports (everything after it, the imports wrote)."""
    conn = open_sqlite(before)
    try:
        return int(conn.execute("SELECT coalesce(max(seq), 0) FROM audit_events").fetchone()[0])
    finally:
        conn.close()


def _raw_copy(
    source_url: str, target_url: str, server: PostgresServer, marks: list[Mark] | None = None
) -> tuple[float, int, float, list[int]]:
    """``COPY`` (binary) of every row the imports wrote into the copy of HQ's database before them; with
    ``marks``, a transaction for the rows of each import in turn (by the transaction that wrote them).
    Seconds, rows, CPU seconds, and the cases each transaction wrote."""
    import psycopg

    def conninfo(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://")

    with psycopg.connect(conninfo(target_url)) as before:
        last = int(before.execute("SELECT coalesce(max(seq), 0) FROM audit_events").fetchone()[0])  # type: ignore[index]
    slices = list(zip(marks, marks[1:], strict=False)) if marks else [None]
    batches: list[dict[str, bytes]] = []
    rows = 0
    cases: list[int] = []
    with psycopg.connect(conninfo(source_url)) as read:
        columns = [
            r[0]
            for r in read.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_events' "
                "ORDER BY ordinal_position"
            )
        ]
        for span in slices:
            within = (
                ""
                if span is None
                else f" AND xmin::text::bigint BETWEEN {span[0]['xid']} AND {span[1]['xid']}"
            )
            selects = {t: f"SELECT * FROM {t} WHERE true{within}" for t in (*TABLES, "case_search")}
            selects["audit_events"] = (
                f"SELECT {', '.join(columns)} FROM audit_events WHERE seq > {last}{within} ORDER BY seq"
            )
            data: dict[str, bytes] = {}
            for table, query in selects.items():
                cursor = read.cursor()
                with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as copy:  # type: ignore[arg-type]
                    data[table] = b"".join(bytes(chunk) for chunk in copy)
                rows += cursor.rowcount  # the rows the COPY sent
                if table == "cases":
                    cases.append(cursor.rowcount)
            batches.append(data)
    with psycopg.connect(conninfo(target_url)) as write:
        cpu_before = _cpu(server)
        start = time.perf_counter()
        for data in batches:
            with write.transaction():
                for table, payload in data.items():
                    names = f" ({', '.join(columns)})" if table == "audit_events" else ""
                    with write.cursor().copy(f"COPY {table}{names} FROM STDIN (FORMAT BINARY)") as copy:  # type: ignore[arg-type]
                        copy.write(payload)
        elapsed = time.perf_counter() - start
        cpu = sum(after - was for after, was in zip(_cpu(server), cpu_before, strict=True))
    return elapsed, rows, cpu, cases
