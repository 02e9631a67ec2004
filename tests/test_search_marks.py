"""A search with a filter at HQ, on both engines: the same cases in the same order whatever the search
and the filter have in common, through PostgreSQL's search marks (migration 0019) as through SQLite.

Why: on PostgreSQL a many-match search with a many-match filter that share few or no cases is read
through the ids the GIN index finds for both (``app.case_query._Conditions._marked_few``); the marks
it reads are kept by triggers when a case's status, group or force changes, and a stale mark would
hide a case. The thresholds are lowered so that a handful of cases takes the paths a million does."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app import case_query
from app.domain import CaseFilter, CaseSort, GoodsInput
from db import models as m
from db import search
from tests.helpers.cases import ICT, sample_case
from tests.helpers.clock import Clock
from tests.helpers.registers import Post, make_hq

pytestmark = pytest.mark.both_engines

NEWEST = CaseSort("occurred_at", descending=True)


def _walk(hq: Post, case_filter: CaseFilter, limit: int = 2) -> list[str]:
    """Every case the list shows, page by page through the keyset."""
    seen: list[str] = []
    page = hq.ctx.cases.list(hq.admin, case_filter, sort=NEWEST, limit=limit)
    while page:
        seen += [r.id for r in page]
        last = page[-1]
        page = hq.ctx.cases.list(hq.admin, case_filter, sort=NEWEST, limit=limit,
                                 after=(last.sort_value(NEWEST), last.id))
    return seen


def test_a_search_with_a_filter_shows_the_same_cases_whatever_they_have_in_common(
    tmp_path: Path, clock: Clock, engine: str, hq_db_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq = make_hq(tmp_path / "hq", clock=clock, db_url=hq_db_url)
    fuel = (GoodsInput("fuel", Decimal(900), "lít", "Dầu DO"),)
    items = {
        **{f"hero-{n}": sample_case(occurred_at=datetime(2026, 4, 1, 2, n, tzinfo=ICT)) for n in range(6)},
        **{
            f"fuel-{n}": sample_case(occurred_at=datetime(2026, 4, 1, 3, n, tzinfo=ICT), goods=fuel,
                                     violation_group="trade_fraud", summary="", parties=(), vehicles=(),
                                     ownerless=True)
            for n in range(4)
        },
        "police": sample_case(occurred_at=datetime(2026, 4, 1, 1, 0, tzinfo=ICT), lead_force="police"),
    }
    made = hq.ctx.cases.create_many(hq.admin, list(items.values()))
    ids = {name: result.id for name, result in zip(items, made, strict=True)}
    # Changed after they were indexed: the marks must follow (a trigger on cases, on PostgreSQL).
    hq.ctx.cases.void(hq.admin, ids["hero-1"], "nhập trùng")
    hq.ctx.cases.update(hq.admin, ids["hero-4"], sample_case(
        occurred_at=datetime(2026, 4, 1, 2, 4, tzinfo=ICT), violation_group="trade_fraud"), 1)
    names = {case_id: name for name, case_id in ids.items()}
    station = hq.ctx.station_id
    expected = {
        CaseFilter(query="thuoc la hero", violation_group="trade_fraud"): ["hero-4"],  # a few in common
        CaseFilter(query="nguyen van", ownerless=True): [],  # none in common
        CaseFilter(query="hero", violation_group="counterfeit_ip"): [],  # a group with no cases at all
        CaseFilter(query="hero", statuses=("voided",)): ["hero-1"],
        CaseFilter(query="hero", statuses=("draft", "voided")): [
            "hero-5", "hero-4", "hero-3", "hero-2", "hero-1", "hero-0", "police"],
        CaseFilter(query="nguyen van", lead_force="police"): ["police"],
        CaseFilter(query="hero", ownerless=False, lead_force="border_guard", statuses=("draft",)): [
            "hero-5", "hero-4", "hero-3", "hero-2", "hero-0"],
        CaseFilter(query="dau", origin=station, violation_group="trade_fraud"): [
            "fuel-3", "fuel-2", "fuel-1", "fuel-0"],
        CaseFilter(query="dau", commodity="fuel", ownerless=True): ["fuel-3", "fuel-2", "fuel-1", "fuel-0"],
    }  # fmt: skip
    for case_filter, shown in expected.items():  # the filters' own indexes (few cases: the usual path)
        assert [names[i] for i in _walk(hq, case_filter)] == shown, case_filter
    monkeypatch.setattr(case_query, "SELECTIVE", 1)  # every filter keeps "many" cases
    # The common cases read by id; only when ≤ 2; never (the walk); the walk because one hit among
    # the filter's first cases is taken for a dense search.
    for few, dense in ((2000, 4), (2, 4), (0, 4), (2000, 1)):
        monkeypatch.setattr(search, "FEW_MATCHES", few)
        monkeypatch.setattr(case_query, "DENSE_HITS", dense)
        for case_filter, shown in expected.items():
            assert [names[i] for i in _walk(hq, case_filter)] == shown, (few, dense, case_filter)

    monkeypatch.setattr(search, "FEW_MATCHES", 2000)
    monkeypatch.setattr(case_query, "DENSE_HITS", 4)
    if engine == "postgresql":
        _check_read_by_id(hq, list(expected)[:2], ids["hero-1"])
    hq.ctx.close()


def _check_read_by_id(hq: Post, filters: list[CaseFilter], voided: str) -> None:
    """PostgreSQL reads the few common cases by id, never the search walked along the time index; the
    voided case's entry holds its new status's mark only."""
    with hq.ctx.sessions.reads() as session:
        for case_filter in filters:
            found = case_query._Conditions.of(session, case_filter, ICT)
            assert found is not None
            statement = select(m.Case.id).where(*found.for_page(session, NEWEST))
            sql = str(statement.compile(session.get_bind()))
            assert "case_search" not in sql and "cases.id = ANY" in sql, sql
        marks = session.execute(
            text("SELECT words::text FROM case_search WHERE case_id = :id"), {"id": voided}
        ).scalar_one()
        assert "'=status=voided'" in marks and "'=status=draft'" not in marks
