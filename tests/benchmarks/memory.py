"""The peak memory of a benchmark's child process, for the start-up scripts it runs with ``-c``.

Why: ``ru_maxrss`` keeps, across ``exec``, the peak of the forked parent's pages from before it, which
made a 345 MB window read as 8 GB after an import of 1 M cases (docs/performance.md); the kernel's
``VmHWM`` is the new process's own."""

from __future__ import annotations

import resource


def peak_mb() -> float:
    """This process's own peak resident memory, in MB (``ru_maxrss`` where there is no /proc)."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
