"""Stored report tallies: the same facts as counting the cases themselves, whatever the period, and
kept current by the register's triggers whichever way a case changes (service, bulk or plain SQL)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import tallies
from app.demo import generate_demo
from db import models as m
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import Post, open_sqlite

WATCH_RULES = {
    "single_case": [
        {"code": "a", "commodity": "cigarettes", "unit": "bao", "min_base_quantity": "10000"},
        {"code": "b", "commodity": "cigarettes", "unit": "bao", "min_base_quantity": "2000"},
        {"code": "c", "commodity": "sugar", "unit": "kg", "min_base_quantity": "500"},
    ],
    "counterfeit": [{"code": "d", "violation_group": "counterfeit_ip", "min_value_vnd": 1_000_000}],
}
WATCH = tallies.Watch.of(WATCH_RULES)


def test_half_months_and_the_pieces_of_a_period() -> None:
    assert tallies.half_of(date(2026, 2, 14)) == date(2026, 2, 1)
    assert tallies.half_of(date(2026, 2, 15)) == date(2026, 2, 15)
    assert tallies.next_half(date(2026, 12, 15)) == date(2027, 1, 1)
    # A statistical year (15/12 → 14/12) is 24 whole halves; February of a leap year ends on the 29th.
    halves = tallies.whole_halves(date(2027, 12, 15), date(2028, 12, 14))
    assert len(halves) == 24 and halves[0] == date(2027, 12, 15) and halves[-1] == date(2028, 12, 1)
    assert list(tallies.pieces(date(2028, 2, 10), date(2028, 3, 2))) == [
        (date(2028, 2, 10), date(2028, 2, 14), None),
        (date(2028, 2, 15), date(2028, 2, 29), date(2028, 2, 15)),
        (date(2028, 3, 1), date(2028, 3, 2), None),
    ]
    assert tallies.whole_halves(date(2026, 11, 17), date(2026, 11, 23)) == []
    assert WATCH.least == {("cigarettes", "bao"): Decimal(2000), ("sugar", "kg"): Decimal(500)}
    assert WATCH.least_value == 1_000_000
    assert tallies.Watch.of({**WATCH_RULES, "counterfeit": []}).fingerprint != WATCH.fingerprint


def _agree(direct: tallies.Facts, stored: tallies.Facts) -> None:
    """Stored facts equal counted ones; per-case totals agree from the smallest threshold up (the store
    keeps no others)."""
    assert dict(stored.cells) == dict(direct.cells)
    assert dict(stored.goods) == dict(direct.goods)

    def large(facts: tallies.Facts) -> dict[tuple[str, ...], Decimal]:
        return {
            k: v
            for k, v in facts.per_case.items()
            if (k[2], k[3]) in WATCH.least and v >= WATCH.least[k[2], k[3]]
        }

    assert large(stored) == large(direct)
    least = WATCH.least_value or 0
    assert {k: v for k, v in stored.counterfeit.items() if v >= least} == {
        k: v for k, v in direct.counterfeit.items() if v >= least
    }


def _ranges(seed: int, today: date) -> list[tuple[date, date]]:
    rng = random.Random(seed)
    spans = [
        (date(today.year - 1, 12, 15), date(today.year, 12, 14)),  # the statistical year
        (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),  # a calendar year
        (today - timedelta(days=1_200), today),  # every case of the demo
    ]
    for _ in range(12):
        first = today - timedelta(days=rng.randrange(1_100))
        spans.append((first, first + timedelta(days=rng.choice((0, 6, 13, 14, 30, 45, 91, 200)))))
    return spans


def _both(post: Post, spans: list[tuple[date, date]]) -> tuple[list[tallies.Facts], list[tallies.Facts]]:
    with post.ctx.sessions.reads() as session:
        direct = tallies.tally(session, spans, None, None, WATCH, zone=post.ctx.zone)
        stored = tallies.tally(session, spans, None, None, WATCH, zone=post.ctx.zone, rules=WATCH)
    return direct, stored


def _fill(post: Post, spans: list[tuple[date, date]], rules: tallies.Watch = WATCH) -> int:
    with post.ctx.sessions.reads() as session:
        origins = list(session.execute(select(m.Station.id)).scalars())
    halves = {h for first, last in spans for h in tallies.whole_halves(first, last)}
    return tallies.refresh(post.ctx.sessions, halves, origins, rules, zone=post.ctx.zone)


def _built(post: Post) -> set[tuple[str, date]]:
    with post.ctx.sessions.reads() as session:
        return {(o, h) for o, h in session.execute(select(m.ReportHalf.origin, m.ReportHalf.half))}


@pytest.fixture
def demo(post: Post) -> Post:
    generate_demo(post.ctx, post.admin, cases=700, seed=5)
    # A second post's cases, as HQ holds them: a third of the demo moved to it with plain SQL.
    with post.ctx.sessions.writes.begin() as session:
        session.add(
            m.Station(
                id="other-post",
                code="BP-KB",
                name="Đồn Khánh Bình",
                kind="post",
                created_at=post.ctx.clock(),
            )
        )
    conn = open_sqlite(post.data_dir / "register.sqlite")
    with conn:
        conn.execute("UPDATE cases SET origin = 'other-post' WHERE rowid % 3 = 0")
    conn.close()
    return post


@pytest.mark.any_day
def test_stored_tallies_equal_counting_the_cases_for_any_period(demo: Post, now: datetime) -> None:
    spans = _ranges(1, demo.ctx.today())
    counted = _fill(demo, spans)
    assert counted > 40
    direct, stored = _both(demo, spans)
    assert sum(f.cells[k][0] for f in direct for k in f.cells) > 300  # the test counts real cases
    assert any(f.per_case for f in direct) and any(f.counterfeit for f in direct)
    for d, s in zip(direct, stored, strict=True):
        _agree(d, s)
    # Stored now: a second fill counts nothing, and the figures are read from the store.
    assert _fill(demo, spans) == 0
    with demo.ctx.sessions.reads() as session:
        assert session.execute(select(m.ReportCell)).first() is not None
    # A store left with wrong figures shows in the reports: proof that they are read from it.
    conn = open_sqlite(demo.data_dir / "register.sqlite")
    with conn:
        conn.execute("UPDATE report_cells SET cases = cases + 1000")
    conn.close()
    _direct, corrupted = _both(demo, spans[:1])
    assert sum(v[0] for v in corrupted[0].cells.values()) > sum(v[0] for v in direct[0].cells.values()) + 999


def _case_halves(post: Post, case_id: str) -> set[tuple[str, date]]:
    with post.ctx.sessions.reads() as session:
        case = session.get(m.Case, case_id)
        assert case is not None
        return {(case.origin, tallies.half_of(case.occurred_at.astimezone(ICT).date()))}


def test_every_change_to_a_counted_case_drops_only_its_half_months(demo: Post) -> None:
    spans = _ranges(2, demo.ctx.today())
    _fill(demo, spans)
    ctx, home = demo.ctx, demo.officer.station_id
    year = demo.ctx.today().year - 1
    first_half, second_half = (home, date(year, 3, 1)), (home, date(year, 3, 15))
    kept = _built(demo)
    assert {first_half, second_half} <= kept
    # A case entered at the service on the 14th at 23:59 (16:59 UTC) belongs to the first half...
    edge = datetime(year, 3, 14, 23, 59, tzinfo=ICT)
    made = ctx.cases.create(demo.officer, sample_case(occurred_at=edge))
    assert _built(demo) == kept - {first_half}
    _fill(demo, spans)
    ctx.cases.submit(demo.officer, made.id)
    assert _built(demo) == kept - {first_half}
    _fill(demo, spans)
    # ...and moved two minutes later, to the 15th at 00:01 (17:01 UTC), to the second: both go.
    ctx.cases.return_to_draft(demo.chief, made.id, "Sửa giờ")
    assert _built(demo) == kept - {first_half}
    _fill(demo, spans)
    current = ctx.cases.get(demo.officer, made.id)
    ctx.cases.update(
        demo.officer, made.id, sample_case(occurred_at=edge + timedelta(minutes=2)), current.version
    )
    assert _case_halves(demo, made.id) == {second_half}
    assert _built(demo) == kept - {first_half, second_half}
    ctx.cases.submit(demo.officer, made.id)
    ctx.cases.approve(demo.chief, made.id)
    for direct, stored in zip(*_both(demo, spans), strict=True):
        _agree(direct, stored)
    assert _fill(demo, spans) == 2
    # Plain SQL on one goods line (the case row untouched) drops its case's half-month too; so does
    # removing the line, and voiding a case.
    conn = open_sqlite(demo.data_dir / "register.sqlite")
    case_id, line = conn.execute(
        "SELECT c.id, g.id FROM cases c JOIN goods_lines g ON g.case_id = c.id "
        "WHERE c.status = 'approved' AND c.origin = 'other-post' ORDER BY c.occurred_at DESC LIMIT 1"
    ).fetchone()
    halves = _case_halves(demo, case_id)
    assert halves <= _built(demo)
    with conn:
        conn.execute("UPDATE goods_lines SET base_quantity = '123456.5' WHERE id = ?", (line,))
    assert _built(demo) == kept - halves
    _fill(demo, spans)
    with conn:
        conn.execute("DELETE FROM goods_lines WHERE id = ?", (line,))
    conn.close()
    assert _built(demo) == kept - halves
    _fill(demo, spans)
    for direct, stored in zip(*_both(demo, spans), strict=True):
        _agree(direct, stored)
    ctx.cases.void(demo.chief, made.id, "Nhập trùng")
    assert _built(demo) == kept - {second_half}
    for direct, stored in zip(*_both(demo, spans), strict=True):
        _agree(direct, stored)


@pytest.mark.any_day
def test_cases_added_in_bulk_drop_their_half_months(demo: Post, now: datetime) -> None:
    """The demo generator writes rows in bulk (as HQ's import does), then stores its half-months again:
    only those it added cases to are counted again."""
    from collections import Counter

    from db.halves import half_of_instant

    rules = tallies.Watch.of(demo.ctx.reference.rewards)  # the rules the demo uses
    _fill(demo, _ranges(3, demo.ctx.today()), rules)
    conn = open_sqlite(demo.data_dir / "register.sqlite")
    (last,) = conn.execute("SELECT max(rowid) FROM cases").fetchone()
    with conn:  # marks every stored tally: a half-month counted again loses the mark
        conn.execute("UPDATE report_cells SET cases = cases + 1000")
    generate_demo(demo.ctx, demo.admin, cases=40, seed=9)
    added = {
        (origin, half_of_instant(when, demo.ctx.utc_offset))
        for origin, when in conn.execute("SELECT origin, occurred_at FROM cases WHERE rowid > ?", (last,))
    }
    counted = Counter(
        (origin, half_of_instant(when, demo.ctx.utc_offset))
        for origin, when in conn.execute(
            "SELECT origin, occurred_at FROM cases WHERE status IN ('approved', 'closed')"
        )
    )
    stored = {
        (origin, date.fromisoformat(half)): cases
        for origin, half, cases in conn.execute(
            "SELECT h.origin, h.half, sum(c.cases) FROM report_halves h "
            "JOIN report_cells c ON c.origin = h.origin AND c.half = h.half GROUP BY h.origin, h.half"
        )
    }
    conn.close()
    home = demo.admin.station_id
    assert len(added) > 10 and all(origin == home for origin, _half in added)
    for pair, cases in stored.items():
        if pair in added:
            assert cases == counted[pair], pair
        else:
            assert cases >= 1000 + counted[pair], pair
    assert added <= set(stored)


def test_while_another_program_writes_a_report_counts_from_the_cases(demo: Post) -> None:
    from app import periods
    from app.reports import as_json, build_report

    year = periods.year_of(demo.ctx.today())
    stored = _built(demo)
    other = open_sqlite(demo.data_dir / "register.sqlite")
    other.execute("BEGIN IMMEDIATE")  # an import, say, holding the write lock
    try:
        assert _fill(demo, _ranges(4, demo.ctx.today())) == 0
        locked = as_json(build_report(demo.ctx, demo.admin, "annual", year))
    finally:
        other.rollback()
        other.close()
    assert _built(demo) == stored  # nothing was stored meanwhile
    free = as_json(build_report(demo.ctx, demo.admin, "annual", year))
    assert _built(demo) > stored
    assert locked["total"] == free["total"] and locked["commodities"] == free["commodities"]
    assert locked["total"]["cases"] > 50
