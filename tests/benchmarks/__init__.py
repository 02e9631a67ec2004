"""Benchmarks (DESIGN §9): run explicitly with ``make bench``; they print figures, never assert timings."""
