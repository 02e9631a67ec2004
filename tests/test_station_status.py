"""What HQ has of a post: missing ranges and missing parts of the latest sending.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers.sync import (
    Pair,
    add_cases,
    export_parts,
    import_at_hq,
)

pytestmark = pytest.mark.both_engines


def test_a_missing_part_is_reported_as_a_sequence_range(pair: Pair) -> None:
    add_cases(pair, 9)
    files = export_parts(pair, "out", size=100_000)
    assert len(files) >= 3
    summary = import_at_hq(pair, [files[0], files[2]])
    assert summary.rejected == []
    assert [(b["file"], b["station"], b["part"], b["parts"]) for b in summary.bundles] == [
        (files[0].name, "BP-VX", 1, len(files)),
        (files[2].name, "BP-VX", 3, len(files)),
    ]
    first, last = files[1].name.split("-")[2:4]
    assert summary.missing == {"BP-VX": [[int(first), int(last)]]}
    # A missing last part leaves no gap in the ranges: the set's part count tells it.
    count = len(files)
    assert [s["missing"] for s in summary.missing_parts["BP-VX"]] == [[2, *range(4, count + 1)]]
    dry = import_at_hq(pair, files[1:-1], dry_run=True)  # what importing them would leave missing
    assert dry.missing == {"BP-VX": []} and dry.missing_parts["BP-VX"][0]["missing"] == [count]
    done = import_at_hq(pair, files[1:])
    assert (done.missing, done.missing_parts) == ({"BP-VX": []}, {"BP-VX": []})


def test_a_later_sending_replaces_an_earlier_one_that_never_arrived_whole(pair: Pair) -> None:
    add_cases(pair, 9)
    earlier = export_parts(pair, "monday", size=100_000)
    assert len(earlier) >= 3
    first = import_at_hq(pair, earlier[:1])
    assert first.missing_parts["BP-VX"][0]["missing"] == list(range(2, len(earlier) + 1))
    later = export_parts(pair, "tuesday", size=100_000)  # no receipt in between: it holds everything again
    done = import_at_hq(pair, later)
    assert (done.missing, done.missing_parts) == ({"BP-VX": []}, {"BP-VX": []})


def test_a_retired_keys_day_is_the_day_at_hq_not_in_utc() -> None:
    """A re-key at 20:30 UTC on 4 December is on 5 December at an HQ in Vietnam (UTC+7), as its clock
    and every other date it shows say (station list's retired keys, a refused bundle's message)."""
    from zoneinfo import ZoneInfo

    from app.sync.status import local_day

    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    assert local_day("2026-12-04T20:30:00.000000Z", hanoi) == date(2026, 12, 5)
    assert local_day("2026-12-04T20:30:00+07:00", hanoi) == date(2026, 12, 4)
    assert local_day("2026-12-04", hanoi) == date(2026, 12, 4)
    assert local_day("not a time", hanoi) is None
