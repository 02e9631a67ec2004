"""Sync benchmarks (issue targets: export 10 000 changed cases without photos in < 3 s and < 1.5 KB a
case; HQ import with full verification ≥ 20 000 cases/s). Run with ``make bench``; they print
figures and check results, never timings. ``OUTPOST_BENCH_SYNC_CASES`` sets the number of cases
(default 10 000 at full size, a few hundred in ``make test``). Results: ``docs/performance.md``."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

import pytest

from app.demo import generate_demo
from app.register import init_register
from app.sync import checks
from app.sync.enrol import accept_request, install_reply, make_request
from app.sync.export import export_changes
from app.sync.hq_import import import_bundles
from app.unlock import log_in
from tests.benchmarks.sizes import FULL, SYNC_CASES
from tests.helpers.registers import PASSWORD, open_sqlite

CASES = SYNC_CASES
PASSPHRASE = "mat-khau-khoa-1"


def test_export_and_import(tmp_path: Path) -> None:
    post = init_register(
        tmp_path / "post",
        kind="post",
        code="BP-VX",
        name="Đồn Vĩnh Xương",
        admin_username="admin",
        admin_password=PASSWORD,
        commune_code="30325",
    )
    hq = init_register(
        tmp_path / "hq",
        kind="hq",
        code="BCH-AG",
        name="Bộ Chỉ huy",
        admin_username="admin",
        admin_password=PASSWORD,
    )
    post_admin, hq_admin = post.login("admin", PASSWORD), hq.login("admin", PASSWORD)
    generate_demo(post, post_admin, cases=CASES, seed=1)  # first: an enrolled post refuses demo cases
    make_request(post, post_admin, PASSPHRASE, tmp_path / "request.json")
    accept_request(hq, hq_admin, PASSPHRASE, tmp_path / "request.json", tmp_path / "reply.json")
    install_reply(post, post_admin, PASSPHRASE, tmp_path / "reply.json")
    hq.close()
    shutil.copytree(tmp_path / "hq", tmp_path / "hq-empty")  # for the raw insert of the same rows
    hq, hq_admin = log_in(tmp_path / "hq", "admin", PASSWORD)

    start = time.perf_counter()
    exported = export_changes(post, post_admin, PASSPHRASE, tmp_path / "usb")
    export_s = time.perf_counter() - start
    size = sum(path.stat().st_size for path in exported.files)
    assert exported.records >= CASES  # and the demo's field work, hand-overs, tips and shops

    start = time.perf_counter()
    summary = import_bundles(hq, hq_admin, PASSPHRASE, list(exported.files))
    import_s = time.perf_counter() - start
    assert summary.rejected == [] and summary.new == CASES
    print(f"\n== sync of {CASES:,} demo cases without photos (test Argon2 profile: key unlocking is cheap)")
    print(
        f"  export:  {export_s:6.2f} s, {len(exported.files)} file(s), {size / CASES:,.0f} bytes a case "
        "(targets < 3 s at 10 000, < 1.5 KB)"
    )
    print(f"  import:  {import_s:6.2f} s = {CASES / import_s:,.0f} cases/s, fully verified (target ≥ 20 000)")
    post.close()
    hq.close()
    raw_s, rows = _raw_insert(tmp_path / "hq" / "register.sqlite", tmp_path / "hq-empty" / "register.sqlite")
    print(
        f"  raw sqlite3.executemany of the same {rows:,} rows (cases, lines, audit events, search index): "
        f"{raw_s:.2f} s; the import takes {import_s / raw_s:.1f}× that (target ≤ 4×)"
    )


def _raw_insert(source: Path, target: Path) -> tuple[float, int]:
    """Time a plain ``executemany`` of every row the import wrote into a copy of HQ before it."""
    read = open_sqlite(source)
    tables = ("cases", "goods_lines", "parties", "vehicles", "attachments", "documents", "audit_events")
    data = {t: read.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    data["audit_events"] = [row for row in data["audit_events"] if row[4] == "import"]
    search = read.execute("SELECT rowid, body FROM case_search").fetchall()
    read.close()
    write = open_sqlite(target)
    write.execute("PRAGMA journal_mode = WAL")
    write.execute("PRAGMA synchronous = FULL")
    write.execute("DELETE FROM audit_events WHERE action = 'import'")
    write.commit()
    start = time.perf_counter()
    with write:
        for table, rows in data.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                if table == "audit_events":  # its own sequence numbers
                    rows = [row[1:] for row in rows]
                    columns = [c[1] for c in write.execute("PRAGMA table_info(audit_events)")][1:]
                    write.executemany(
                        f"INSERT INTO audit_events ({', '.join(columns)}) VALUES ({marks[3:]})", rows
                    )
                else:
                    write.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        write.executemany("INSERT INTO case_search (rowid, body) VALUES (?, ?)", search)
    elapsed = time.perf_counter() - start
    write.close()
    return elapsed, sum(len(rows) for rows in data.values()) + len(search)


# The import sizes at which the helper process is measured (``checks.PARALLEL_FROM``).
HELPER_SIZES = [int(n) for n in os.environ.get("OUTPOST_BENCH_HELPER_SIZES", "").split(",") if n] or (
    [1_000, 2_000, 3_000, 4_000, 6_000, 10_000] if FULL else [20, 40]
)


def test_when_the_helper_process_pays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One bundle of each size imported into the same empty HQ with the helper process and without it,
    alternately (without, with, with, without), to place ``PARALLEL_FROM`` where the helper starts
    paying for its start-up."""
    hq = init_register(
        tmp_path / "hq",
        kind="hq",
        code="BCH-AG",
        name="Bộ Chỉ huy",
        admin_username="admin",
        admin_password=PASSWORD,
    )
    hq_admin = hq.login("admin", PASSWORD)
    bundles = {}
    for size in HELPER_SIZES:
        post = init_register(
            tmp_path / f"post-{size}",
            kind="post",
            code=f"BP-{size}",
            name=f"Đồn {size}",
            admin_username="admin",
            admin_password=PASSWORD,
            commune_code="30325",
        )
        admin = post.login("admin", PASSWORD)
        generate_demo(post, admin, cases=size, seed=size)
        make_request(post, admin, PASSPHRASE, tmp_path / "request.json")
        accept_request(hq, hq_admin, PASSPHRASE, tmp_path / "request.json", tmp_path / "reply.json")
        install_reply(post, admin, PASSPHRASE, tmp_path / "reply.json")
        bundles[size] = list(export_changes(post, admin, PASSPHRASE, tmp_path / f"usb-{size}").files)
        post.close()
    hq.close()
    print(
        f"\n== HQ import with and without the helper process ({os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f})"
    )
    for size, files in bundles.items():
        times: dict[bool, list[float]] = {True: [], False: []}
        for helper in (False, True, True, False):
            folder = tmp_path / f"hq-{size}-{len(times[helper])}-{helper}"
            shutil.copytree(tmp_path / "hq", folder)
            ctx, actor = log_in(folder, "admin", PASSWORD)
            monkeypatch.setattr(checks, "PARALLEL_FROM", 0 if helper else 10**12)
            start = time.perf_counter()
            summary = import_bundles(ctx, actor, PASSPHRASE, files)
            times[helper].append(time.perf_counter() - start)
            assert summary.rejected == [] and summary.new == size
            ctx.close()
            shutil.rmtree(folder)
        alone, shared = statistics.median(times[False]), statistics.median(times[True])
        print(
            f"  {size:6,} records: alone {' / '.join(f'{t:.2f}' for t in times[False])} s, "
            f"with the helper {' / '.join(f'{t:.2f}' for t in times[True])} s "
            f"(the helper saves {(alone - shared) / alone:+.0%})"
        )
