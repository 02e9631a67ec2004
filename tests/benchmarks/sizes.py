"""How big a benchmark run is: tiny in every ``make test``, full-size with ``make bench``.

Every benchmark runs in the normal test suite at a tiny size, so that a benchmark that no longer
fits the code fails there instead of rotting until someone measures again; at that size it checks
its results but its figures mean nothing. ``OUTPOST_BENCH_SIZE=full`` (what ``make bench`` sets)
gives the sizes that ``docs/performance.md`` reports; an explicit count in its own variable
(``OUTPOST_BENCH_CASES``, ``OUTPOST_BENCH_SYNC_CASES``) wins over either."""

from __future__ import annotations

import os

SIZES = ("tiny", "full")
SIZE = os.environ.get("OUTPOST_BENCH_SIZE", "tiny")
if SIZE not in SIZES:
    raise ValueError(f"OUTPOST_BENCH_SIZE={SIZE!r}: expected one of {', '.join(SIZES)}")
FULL = SIZE == "full"


def sized(full: int, tiny: int, variable: str | None = None) -> int:
    """``full`` or ``tiny`` by the run's size, unless ``variable`` is set in the environment."""
    if variable and os.environ.get(variable):
        return int(os.environ[variable])
    return full if FULL else tiny


# The demo register that the demo, search, save, desktop and report benchmarks measure.
CASES = sized(1_000_000, 1_000, "OUTPOST_BENCH_CASES")
# The cases a post exports and HQ imports in the sync benchmark.
SYNC_CASES = sized(10_000, 200, "OUTPOST_BENCH_SYNC_CASES")

# ``OUTPOST_BENCH_PLAIN=1`` measures a plain (unencrypted) register through the plain engine, for the
# encrypted-versus-plain figures of docs/performance.md; the default is the encrypted register.
PLAIN = os.environ.get("OUTPOST_BENCH_PLAIN") == "1"
