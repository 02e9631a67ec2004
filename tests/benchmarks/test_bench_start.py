"""How long an ``outpost`` command takes from the process's start to its answer (issue 20: under 0.5 s for
a command that needs no Qt), on the benchmark's demo register. Prints figures; checks answers only.

Why: officers and HQ's scripts run one command at a time, and each pays Python's start and the imports
before any work; the figures tell which imports a command pays for. Each command runs ``RUNS`` times in
a new process; wall time and the child's CPU time (user + system, which the machine's other work
inflates least) are printed as medians. The code is compiled first (``compileall``), as an installed or
frozen Outpost is: this machine sets ``PYTHONDONTWRITEBYTECODE``. The register's key slots use the cheap
Argon2 profile of the tests, so the figures leave out the ~0.1 s a real password costs to check.

``OUTPOST_BENCH_EXECUTABLE=dist/Outpost/outpost-console`` measures the frozen build (``make package``)
instead of ``python -m cli``: what a post's laptop runs."""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

from tests.benchmarks.sizes import sized
from tests.helpers.cli import ROOT, outpost
from tests.helpers.registers import PASSWORD

RUNS = sized(7, 1)
EXECUTABLE = os.environ.get("OUTPOST_BENCH_EXECUTABLE") or None


def _command(register_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if EXECUTABLE is None:
        return outpost(register_dir, *args)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTPOST_")}
    environment.update({"OUTPOST_DATA_DIR": str(register_dir), "OUTPOST_ARGON2_PROFILE": "test",
                        "OUTPOST_PASSWORD": PASSWORD})
    return subprocess.run([EXECUTABLE, *args], env=environment, capture_output=True, text=True, timeout=120)


def _child_cpu() -> float:
    """The children's CPU seconds so far; 0 on Windows, which has no ``resource`` (wall time only)."""
    try:
        import resource
    except ImportError:
        return 0.0
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "load unknown"


def test_command_start_times(register_dir: Path, tmp_path: Path) -> None:
    for package in ("app", "cli", "db", "ui"):
        compileall.compile_dir(ROOT / package, quiet=1)
    first = json.loads(outpost(register_dir, "--json", "case", "list", "--limit", "1").stdout)[0]
    commands = {
        "--version": ("--version",),
        "--help": ("--help",),
        "case list (first 50)": ("--json", "case", "list"),
        "case list --search duong": ("--json", "case", "list", "--search", "duong"),
        "case show": ("--json", "case", "show", first["number"]),
        "report monthly (JSON)": ("--json", "report", "monthly", "--period", "2026-11"),
        "form MBB01 (PDF)": ("form", "MBB01", first["number"], "--pdf", str(tmp_path / "form.pdf")),
    }
    print(f"\n== command start to answer, median of {RUNS} ({_load()}, "
          f"{os.cpu_count()} cores; {EXECUTABLE or 'python -m cli'})")
    for label, args in commands.items():
        walls, cpus = [], []
        for _run in range(RUNS):
            cpu = _child_cpu()
            start = time.perf_counter()
            done = _command(register_dir, *args)
            walls.append(time.perf_counter() - start)
            cpus.append(_child_cpu() - cpu)
            assert done.returncode == 0, f"{label}: {done.stderr}"
        print(f"  {label:28} wall {statistics.median(walls):5.2f} s, CPU {statistics.median(cpus):5.2f} s")
