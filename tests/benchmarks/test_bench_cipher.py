"""What encryption costs, measured as a pair: a plain and an encrypted register, interleaved.

The separate plain and encrypted runs of the other benchmarks (``OUTPOST_BENCH_PLAIN``) swing with the
load of this shared machine by more than the 15 % they are meant to show (docs/performance.md). Here
both registers live in one process and every measurement alternates between them (plain, encrypted,
encrypted, plain, …), so a load that comes and goes weighs on both alike and the ratio of their
medians is what encryption costs.

- ``OUTPOST_BENCH_CIPHER_CASES``: cases in each register (default 20 000 at full size), written in
  eight alternating rounds of the demo.

It prints figures and checks results, never timings (docs/architecture.md §9).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from app import keyslots, periods
from app.context import Context
from app.demo import generate_demo
from app.domain import Actor, CaseFilter
from app.register import init_register
from app.reports import build_report
from db import cipher
from tests.benchmarks.sizes import sized
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import PASSWORD

CASES = sized(20_000, 200, "OUTPOST_BENCH_CIPHER_CASES")
ROUNDS = sized(8, 2)
SAVES = sized(200, 4)
SEARCHES = sized(41, 1)
REPORTS = sized(15, 1)
QUERIES = ("thuoc la hero", "duong", "")

Pair = dict[str, tuple[Context, Actor]]


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    base = tmp_path_factory.mktemp("cipher")
    registers: Pair = {}
    for kind in ("plain", "encrypted"):
        folder = base / kind
        arguments: dict[str, Any] = dict(kind="post", code="BP-VX", name="Đồn Biên phòng Vĩnh Xương",
                                         admin_username="admin", admin_password=PASSWORD,
                                         commune_code="30385")
        if kind == "plain":  # as the version before encryption made it: no key, the plain engine
            with mock.patch.object(keyslots, "new_key", return_value=None):
                ctx = init_register(folder, **arguments)
        else:
            ctx = init_register(folder, **arguments)
        assert cipher.is_plain(folder / "register.sqlite") == (kind == "plain")
        registers[kind] = (ctx, ctx.login("admin", PASSWORD))
    yield registers
    for ctx, _actor in registers.values():
        ctx.close()


def _alternate(pair: Pair, runs: int,
               action: Callable[[Context, Actor, int], object]) -> dict[str, list[float]]:
    """Milliseconds of ``action`` on each register, in the order plain, encrypted, encrypted, plain, …:
    wall time under each kind, and the process's CPU time under ``<kind> cpu`` (what the machine's
    other work inflates least: it counts this process's own work, the encryption included)."""
    times: dict[str, list[float]] = {"plain": [], "encrypted": [], "plain cpu": [], "encrypted cpu": []}
    order = ("plain", "encrypted")
    for run in range(runs):
        for kind in order if run % 2 == 0 else order[::-1]:
            ctx, actor = pair[kind]
            start, start_cpu = time.perf_counter(), time.process_time()
            action(ctx, actor, run)
            times[f"{kind} cpu"].append((time.process_time() - start_cpu) * 1000)
            times[kind].append((time.perf_counter() - start) * 1000)
    return times


def _line(label: str, times: dict[str, list[float]], unit: str = "ms") -> float:
    scale = 1000 if unit == "s" else 1
    ratios = []
    for clock in ("", " cpu"):
        plain = statistics.median(times["plain" + clock])
        encrypted = statistics.median(times["encrypted" + clock])
        ratio = encrypted / plain if plain else float("nan")
        ratios.append(ratio)
        _say(f"  {label + (', CPU' if clock else ', wall'):40s} plain {plain / scale:8.2f} {unit}   "
             f"encrypted {encrypted / scale:8.2f} {unit}   encrypted/plain {ratio:5.2f}")
    return ratios[0]


def test_encryption_cost_interleaved(pair: Pair) -> None:
    _say(f"\n== encrypted against plain, interleaved, {CASES:,} cases each (load {_load()} at the start)")
    per_round = max(CASES // ROUNDS, 1)
    demo = _alternate(pair, ROUNDS,
                      lambda ctx, actor, run: generate_demo(ctx, actor, cases=per_round, seed=run + 1))
    _line(f"demo, {per_round:,} cases a round", demo, "s")

    base = datetime(2026, 11, 20, 8, 0, tzinfo=ICT)  # a fixed day: never the calendar's
    saves = _alternate(pair, SAVES, lambda ctx, actor, run: ctx.cases.create(
        actor, sample_case(occurred_at=base + timedelta(minutes=run), place=f"Mốc 2{run % 100:02d}")))
    _line("save one case", saves)

    found: dict[str, int] = {}
    for query in QUERIES:
        def search(ctx: Context, actor: Actor, _run: int, q: str = query) -> None:
            found[q] = len(ctx.cases.list(actor, CaseFilter(query=q), limit=50))

        _alternate(pair, 2, search)  # warm both
        label = f"first page, {query!r}" if query else "first page, no query"
        _line(label, _alternate(pair, SEARCHES, search))
        assert found[query], query

    newest = pair["plain"][0].cases.list(pair["plain"][1], limit=1)[0].occurred_at.date()
    year = periods.year_of(newest)
    totals: dict[int, int] = {}

    def report(ctx: Context, actor: Actor, run: int) -> None:
        totals[run] = build_report(ctx, actor, "annual", year).totals.now["cases"]

    _alternate(pair, 2, report)
    _line("annual report, built", _alternate(pair, REPORTS, report))
    assert all(totals.values())
    _say(f"  load at the end {_load()}; cpu count {os.cpu_count()}")
