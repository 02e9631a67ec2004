"""Benchmarks at register scale (docs/architecture.md §9).

Demo generation against a raw ``executemany`` of the same rows, accent-insensitive search latency
and save-one-case latency on the demo register.

Run at full size with ``make bench`` (``OUTPOST_BENCH_SIZE=full pytest -q -s tests/benchmarks``); every
``make test`` runs them once at a tiny size (``tests/benchmarks/sizes.py``). They print figures and
check results for correctness, never timings. Settings (environment):

- ``OUTPOST_BENCH_CASES``: number of demo cases (default 1 000 000 at full size; 1 M takes ~14 minutes
  on 2 cores and ~8 GB of disk for the two register files).
- ``OUTPOST_BENCH_DIR``: where the registers are written (default: a pytest temporary folder).

Results and how they were measured: ``docs/performance.md``.
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app import demo, demo_cases
from app.context import Context
from app.demo import BATCH_SIZE, generate_demo
from app.domain import Actor, CaseFilter
from db import cipher
from tests.benchmarks.sizes import CASES, PLAIN, sized
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import PASSWORD, init_bench_register

RUNS = sized(15, 1)
SAVES = sized(50, 2)
# The rows the demo wrote for the cases with rowids in [?, ?], in insertion order, table by table.
# Cases are written with their rowid (the search index row shares it).
DEMO_ROWS: tuple[tuple[str, str], ...] = (
    ("cases", "SELECT rowid, * FROM cases WHERE rowid BETWEEN ? AND ? ORDER BY rowid"),
    *((table, f"SELECT t.* FROM {table} t JOIN cases c ON c.id = t.case_id "
              "WHERE c.rowid BETWEEN ? AND ? ORDER BY t.rowid")
      for table in ("goods_lines", "parties", "vehicles")),
    ("change_log", "SELECT l.* FROM change_log l JOIN cases c ON c.id = l.entity_id "
                   "WHERE c.rowid BETWEEN ? AND ? ORDER BY l.seq"),
    ("audit_events", "SELECT e.* FROM audit_events e JOIN cases c ON c.id = e.entity_id "
                     "WHERE c.rowid BETWEEN ? AND ? ORDER BY e.seq"),
    ("case_search", "SELECT rowid, body FROM case_search WHERE rowid BETWEEN ? AND ? ORDER BY rowid"),
)


@dataclass
class Register:
    ctx: Context
    admin: Actor
    folder: Path
    seconds: float


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        ram = f"{int(memory) / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        ram = "? RAM"
    return (f"{model}, {os.cpu_count()} cores, {ram}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def _file_size(path: Path, key: bytes | None) -> int:
    conn = cipher.connect(path, key)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return sum(Path(f"{path}{suffix}").stat().st_size for suffix in ("", "-wal")
               if Path(f"{path}{suffix}").exists())


def _median_ms(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and slowest wall time of ``runs`` calls, in milliseconds (after one warm-up call)."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    base = Path(os.environ["OUTPOST_BENCH_DIR"]) if os.environ.get("OUTPOST_BENCH_DIR") \
        else tmp_path_factory.mktemp("bench")
    folder = base / f"demo-{CASES}"
    shutil.rmtree(folder, ignore_errors=True)
    ctx = init_bench_register(folder, plain=PLAIN, kind="post", code="BP-VX",
                              name="Đồn Biên phòng Cửa khẩu quốc tế Vĩnh Xương", admin_username="admin",
                              admin_password=PASSWORD, commune_code="30385")
    admin = ctx.login("admin", PASSWORD)
    _say(f"\nmachine: {_machine()}; register {'plain' if PLAIN else 'encrypted (SQLCipher)'}")
    _say(f"generating {CASES:,} demo cases in {folder} ...")
    step = max(CASES // 10, 1)

    def progress(done: int, total: int) -> None:
        if done and (done % step < BATCH_SIZE or done == total):
            _say(f"  {done:>9,} / {total:,}  {time.perf_counter() - start:7.1f} s")

    start = time.perf_counter()
    with _phase_timer() as phases:
        assert generate_demo(ctx, admin, cases=CASES, seed=1, progress=progress) == CASES
    seconds = time.perf_counter() - start
    phases["writing and committing"] = seconds - phases["drawing"] - phases["sealing"]
    _say("  per case: " + ", ".join(f"{name} {value / CASES * 1e6:.0f} µs" for name, value in phases.items()))
    yield Register(ctx, admin, folder, seconds)
    ctx.close()


@contextmanager
def _phase_timer() -> Iterator[dict[str, float]]:
    """Time the demo spends drawing cases and sealing them (the rest is writing and committing)."""
    phases = {"drawing": 0.0, "sealing": 0.0}
    draw, seal = demo_cases.Generator._case, demo._Sealer.seal

    def timed(name: str, step: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            start = time.perf_counter()
            try:
                return step(*args)
            finally:
                phases[name] += time.perf_counter() - start
        return run

    demo_cases.Generator._case = timed("drawing", draw)  # type: ignore[method-assign]
    demo._Sealer.seal = timed("sealing", seal)  # type: ignore[method-assign]
    try:
        yield phases
    finally:
        demo_cases.Generator._case, demo._Sealer.seal = draw, seal  # type: ignore[method-assign]


def _copy_schema(source: Any, target: Any) -> None:
    """The same tables, indexes and search index, empty; FTS5 creates its own shadow tables."""
    for name, sql in source.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, rowid"
    ):
        if name.startswith("case_search_"):
            continue
        target.execute(sql)


def _rows(source: Any, table: str, select: str,
          bounds: tuple[int, int]) -> tuple[str, list[tuple[Any, ...]]]:
    cursor = source.execute(select, bounds)
    columns = [d[0] for d in cursor.description]
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            cursor.fetchall())


def _raw_insert(source_path: Path, target_path: Path, key: bytes | None) -> tuple[float, int]:
    """Insert the demo's rows, read back from its register, into an empty copy of the schema with
    plain ``sqlite3.executemany``: one write transaction per batch of cases as the demo did, with the
    register's settings (and its key: an encrypted register is compared with an encrypted raw file).
    Only the inserts and commits are timed."""
    source = cipher.connect(source_path, key)
    target = cipher.connect(target_path, key, isolation_level=None)
    try:
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
            target.execute(f"PRAGMA {pragma}")
        target.execute("BEGIN")
        _copy_schema(source, target)
        for table in ("alembic_version", "meta", "stations", "users"):  # what the demo's rows refer to
            rows = source.execute(f"SELECT * FROM {table}").fetchall()
            if rows:
                target.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        target.execute("COMMIT")
        counters = source.execute("SELECT * FROM case_counters").fetchall()
        first, last = source.execute("SELECT min(rowid), max(rowid) FROM cases").fetchone()
        seconds, rows_written = 0.0, 0
        for low in range(first, last + 1, BATCH_SIZE):
            bounds = (low, low + BATCH_SIZE - 1)
            chunks = [_rows(source, table, select, bounds) for table, select in DEMO_ROWS]
            if low == first:
                chunks.append(("INSERT INTO case_counters VALUES (?, ?, ?)", counters))
            start = time.perf_counter()
            target.execute("BEGIN IMMEDIATE")
            for sql, rows in chunks:
                target.executemany(sql, rows)
            target.execute("COMMIT")
            seconds += time.perf_counter() - start
            rows_written += sum(len(rows) for _, rows in chunks)
        return seconds, rows_written
    finally:
        source.close()
        target.close()


def test_demo_against_raw_executemany(register: Register, tmp_path: Path) -> None:
    path = register.ctx.paths.register
    raw_path = (Path(os.environ["OUTPOST_BENCH_DIR"]) if os.environ.get("OUTPOST_BENCH_DIR") else tmp_path) \
        / f"raw-{CASES}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{raw_path}{suffix}").unlink(missing_ok=True)
    key = register.ctx.key
    raw_seconds, rows = _raw_insert(path, raw_path, key)
    demo_size, raw_size = _file_size(path, key), _file_size(raw_path, key)
    ratio = register.seconds / raw_seconds
    _say(f"\n== demo --cases {CASES:,} (target: within 4x a raw executemany of the same rows)")
    _say(f"  generate_demo:        {register.seconds:9.1f} s  {CASES / register.seconds:9,.0f} cases/s  "
         f"{rows / register.seconds:10,.0f} rows/s  file {demo_size / 1e9:.2f} GB")
    _say(f"  raw executemany:      {raw_seconds:9.1f} s  {CASES / raw_seconds:9,.0f} cases/s  "
         f"{rows / raw_seconds:10,.0f} rows/s  file {raw_size / 1e9:.2f} GB")
    _say(f"  rows per run: {rows:,} ({rows / CASES:.2f} per case); ratio demo/raw: {ratio:.2f}x")
    raw = cipher.connect(raw_path, key)
    try:
        assert raw.execute("SELECT count(*) FROM cases").fetchone()[0] == CASES
    finally:
        raw.close()
    Path(raw_path).unlink()


def _sample(register: Register, sql: str) -> str:
    with register.ctx.sessions.reads() as session:
        return str(session.connection().exec_driver_sql(sql).scalar_one())


def test_search_latency(register: Register) -> None:
    ctx, admin = register.ctx, register.admin
    middle = CASES // 2
    plate = _sample(register, "SELECT v.plate FROM vehicles v JOIN cases c ON c.id = v.case_id "
                              f"WHERE v.kind = 'motorbike' AND v.plate != '' AND c.rowid > {middle} "
                              "ORDER BY c.rowid LIMIT 1")
    cccd = _sample(register, "SELECT p.id_number FROM parties p JOIN cases c ON c.id = p.case_id "
                             f"WHERE p.id_number IS NOT NULL AND c.rowid > {middle} ORDER BY c.rowid LIMIT 1")
    _say(f"\n== search, first page of 50 (target < 100 ms), median and slowest of {RUNS} runs")
    listing = _median_ms(lambda: ctx.cases.list(admin, limit=50), RUNS)
    _say(f"  {'case list, no query':28s} {listing[0]:8.1f} ms  (slowest {listing[1]:.1f} ms)")
    for query in ("thuoc la hero", "duong", plate, cccd):
        page: list[Any] = []

        def search(q: str = query, out: list[Any] = page) -> None:
            out[:] = ctx.cases.list(admin, CaseFilter(query=q), limit=50)

        median, slowest = _median_ms(search, RUNS)
        _say(f"  {query!r:28s} {median:8.1f} ms  (slowest {slowest:.1f} ms, {len(page)} on the page)")
        assert page, query


def test_save_one_case_latency(register: Register) -> None:
    ctx, admin = register.ctx, register.admin
    times = []
    for i in range(SAVES):
        case = sample_case(occurred_at=datetime.now(ICT), place=f"Mốc 2{i % 100:02d}, ấp Vĩnh Lợi")
        start = time.perf_counter()
        ctx.cases.create(admin, case)
        times.append((time.perf_counter() - start) * 1000)
    _say(f"\n== save one case through ctx.cases.create on {CASES:,} cases (target < 30 ms)")
    _say(f"  median {statistics.median(times):.1f} ms, slowest {max(times):.1f} ms over {SAVES} saves")
