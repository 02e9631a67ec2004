"""Benchmarks (docs/architecture.md §9): they print figures, never assert timings.

``make bench`` runs them at full size; every ``make test`` runs them once at a tiny size so that none
can rot (``sizes.py``)."""
