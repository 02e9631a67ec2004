"""Python's cycle collector paused where it only costs time: while work makes many objects and no
cycles (an HQ import's records and rows, a command's imports at start-up).

Reference counting frees everything as before; only the collector's walks are saved. Collection
resumes as it was after (whoever had turned it off keeps it off)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """No cycle collection inside. ``freeze``: what exists when the block ends is moved out of the
    collector's sight for good (``gc.freeze``), for a process that keeps it to its end anyway (a
    command's modules): no later collection walks it again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
