"""The case query engine: which cases pass a filter, and one page of them in a sort order, fast at a
million cases.

Pages are cut by keyset on (sort value, case id), never OFFSET; a filter's conditions take the
shape the SQLite planner reads fastest (its own indexes for few matches, a walk along the sort
index for many); a search with many matches listed by time is read window by window. It takes a
session and checks no permission: the case service (``app.cases``) opens the session and checks
who is asking, and reports and the dashboard reuse the period conditions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.orm import Session, selectinload

from app.domain import CaseFilter, CaseResult, CaseRow, CaseSort
from app.errors import NotFound
from app.i18n import _
from app.text import fold
from db import models as m
from db import search


def occurred_between(first: date | None, last: date | None, zone: tzinfo) -> list[Any]:
    """Conditions for cases whose offence falls on the days ``first`` to ``last`` in ``zone``, the
    register's (both included; either may be None for an open end)."""
    conditions: list[Any] = []
    if first is not None:
        conditions.append(m.Case.occurred_at >= datetime.combine(first, time(), zone))
    if last is not None:
        conditions.append(m.Case.occurred_at < datetime.combine(last + timedelta(days=1), time(), zone))
    return conditions


# A case with everything under it, loaded in one query per kind of child (the whole-case reads).
WITH_CHILDREN = (
    selectinload(m.Case.goods),
    selectinload(m.Case.parties),
    selectinload(m.Case.vehicles),
    selectinload(m.Case.attachments),
    selectinload(m.Case.documents),
)

NO_FILTER = CaseFilter()
NEWEST_FIRST = CaseSort()
_SORT_COLUMNS: dict[str, Any] = {
    "number": m.Case.number,
    "occurred_at": m.Case.occurred_at,
    "place": m.Case.place,
    "violation_group": m.Case.violation_group,
    "status": m.Case.status,
}


def load_case(session: Session, case_id: str) -> m.Case:
    """A case with everything under it; NotFound if there is none with that id."""
    case = session.execute(
        select(m.Case).where(m.Case.id == case_id).options(*WITH_CHILDREN)
    ).scalar_one_or_none()
    if case is None:
        raise NotFound(_("no case with id {id}").format(id=case_id))
    return case


def case_result(case: m.Case, document: dict[str, Any], warnings: list[str]) -> CaseResult:
    """What a read or a write of one case hands back: the case as a document, with any warnings."""
    return CaseResult(case.id, case.number, case.status, case.version, document, tuple(warnings))


def count_cases(
    session: Session, case_filter: CaseFilter = NO_FILTER, *, zone: tzinfo, at_most: int | None = None
) -> int:
    """How many cases pass the filter, its days in ``zone`` (a second query: lists page without
    counting). With ``at_most``, counting stops past that many: the answer is then ``at_most + 1``.

    A search alone is counted in the search index itself: every entry belongs to one case (written in
    the case's transaction, rebuilt from the cases by ``app.register``), and counting the entries
    there does not read the cases ("duong" at 1 M: 14 ms against 0.17-0.37 s, issue 20)."""
    if case_filter.query.strip() and _Conditions(case_filter, zone, None).alone():
        expression = search.match_expression(fold(case_filter.query))
        total = 0 if expression is None else search.count_matching(session.connection(), expression)
        return total if at_most is None else min(total, at_most + 1)
    found = _Conditions.of(session, case_filter, zone)
    if found is None:
        return 0
    if at_most is None:
        query = select(func.count()).select_from(m.Case).where(*found.selective())
    else:
        kept: Select[Any] = select(literal_column("1")).select_from(m.Case).where(*found.selective())
        kept = kept.limit(at_most + 1)
        query = select(func.count()).select_from(kept.subquery())
    return int(session.execute(query).scalar_one())


def list_cases(
    session: Session,
    case_filter: CaseFilter = NO_FILTER,
    *,
    sort: CaseSort = NEWEST_FIRST,
    limit: int = 50,
    after: tuple[Any, str] | None = None,
    zone: tzinfo,
) -> list[CaseRow]:
    """One page in ``sort`` order, the filter's days in ``zone``; for the next, pass the last row's sort
    value and id as ``after`` (``CaseRow.sort_value(sort)``): keyset paging stays as fast on the last
    page as on the first."""
    found = _Conditions.of(session, case_filter, zone)
    if found is None:
        return []
    if found.by_time_window(session, sort):
        page = _windowed_page(session, found, sort, limit, after)
        if page is not None:
            return page
    return _page(session, found.for_page(session, sort), sort, limit, after)


def _tz(offset_min: int) -> timezone:
    return timezone(timedelta(minutes=offset_min))


def _keyset(sort: CaseSort, after: tuple[Any, str] | None) -> list[Any]:
    if after is None:
        return []
    column = _SORT_COLUMNS[sort.key]
    key = tuple_(column, m.Case.id)
    bound = tuple_(literal(after[0], column.type), literal(after[1], m.Case.id.type))
    return [key < bound if sort.descending else key > bound]


def _order(sort: CaseSort) -> tuple[Any, Any]:
    column = _SORT_COLUMNS[sort.key]
    return (column.desc(), m.Case.id.desc()) if sort.descending else (column, m.Case.id)


def _page(
    session: Session, conditions: list[Any], sort: CaseSort, limit: int, after: tuple[Any, str] | None
) -> list[CaseRow]:
    distinct_commodities = m.GoodsLine.commodity.distinct()
    if session.get_bind().dialect.name == "sqlite":
        joined = func.group_concat(distinct_commodities)  # SQLite's: DISTINCT takes no separator argument
    else:
        joined = func.string_agg(distinct_commodities, literal_column("','"))
    commodities = select(joined).where(m.GoodsLine.case_id == m.Case.id).scalar_subquery()
    stmt = (
        select(
            m.Case.id,
            m.Case.number,
            m.Case.status,
            m.Case.occurred_at,
            m.Case.utc_offset_min,
            m.Case.place,
            m.Case.violation_group,
            commodities,
            m.Case.ownerless,
            m.Case.lead_force,
            m.Case.version,
        )
        .where(*conditions, *_keyset(sort, after))
        .order_by(*_order(sort))
        .limit(limit)
    )
    return [
        CaseRow(
            id=r[0],
            number=r[1],
            status=r[2],
            occurred_at=r[3].astimezone(_tz(r[4])),
            place=r[5],
            violation_group=r[6],
            commodities=", ".join(sorted(set((r[7] or "").split(",")) - {""})),
            ownerless=bool(r[8]),
            lead_force=r[9],
            version=r[10],
        )
        for r in session.execute(stmt)
    ]


# A search that matches many cases, listed by time, is answered window by window: the next
# WINDOW cases in list order are read from the time index, and only the index entries whose rowids
# lie in that window's rowid range are matched (cases are mostly entered in time order, so the range
# is narrow). Each round that leaves the page short takes a window four times as large; past
# WINDOW_LIMIT the whole match list is read instead.
WINDOW = 2000
WINDOW_LIMIT = 2000 * 4**3
# A window whose rowids span more than this many times its cases is scattered: windows do not pay.
SCATTERED = 4


def _windowed_page(
    session: Session, found: _Conditions, sort: CaseSort, limit: int, after: tuple[Any, str] | None
) -> list[CaseRow] | None:
    """The page of a many-match search in time order, or None when the windows grew too large.

    Exact whatever the rowids: every case strictly newer (older, ascending) than a window's last
    case is inside the window, so it is matched if it matches; the window's edge itself is left to
    the next, larger window unless the window reached the end of the list."""
    assert found.expression is not None
    window = WINDOW
    rowid: ColumnElement[int] = literal_column("cases.rowid")
    while window <= WINDOW_LIMIT:
        cases = (
            select(rowid.label("r"), m.Case.occurred_at.label("t"))
            .where(*_keyset(sort, after))
            .order_by(*_order(sort))
            .limit(window)
            .subquery()
        )
        edge = func.min(cases.c.t) if sort.descending else func.max(cases.c.t)
        low, high, last, seen = session.execute(
            select(func.min(cases.c.r), func.max(cases.c.r), edge, func.count())
        ).one()
        if not seen:
            return []
        if high - low + 1 > SCATTERED * seen:
            # Cases received from many posts (HQ) are stored post by post, not in time order: the
            # window's rowids span most of the register, so its stretch of the index holds most of
            # the matches, and each larger window would read them again. One reading of the whole
            # match list, checked along the time index, is cheaper ("duong" 2.2 s → 27 ms at 200 000,
            # issue 18).
            return None
        conditions = [search.matching_rowids(found.expression, low, high)]
        complete = seen < window
        if not complete:
            conditions.append(m.Case.occurred_at > last if sort.descending else m.Case.occurred_at < last)
        page = _page(session, conditions, sort, limit, after)
        if len(page) >= limit or complete:
            return page
        window *= 4
    return None


# A filter that keeps fewer cases than this is read through its own index and sorted; one that
# keeps more is checked along the sort order's index, which then fills a page after a short walk.
SELECTIVE = 5000

# The filters of one value whose column leads an index that goes on with ``occurred_at`` (issue 18).
# A search with many matches plus such a filter, listed by time, walks that index (the filter's
# cases only, already in time order) instead of the whole time index: the full-text condition is
# checked on the rowid the index holds, so a case is read only when it matches. When search and
# filter have (nearly) nothing in common, the walk along the time index read every case of the
# register (575 ms warm, 8-10 s cold at 1 M for "thuoc la hero" + trade fraud); along the filter's
# index it reads that filter's index entries, no table rows.
_TIME_LED: dict[str, Any] = {
    "violation_group": m.Case.violation_group,  # ix_cases_group_occurred
    "status": m.Case.status,  # ix_cases_report (status, occurred_at, …)
    "campaign_id": m.Case.campaign_id,  # ix_cases_campaign_occurred
    "lead_force": m.Case.lead_force,  # ix_cases_lead_force_occurred (0012)
    "origin": m.Case.origin,  # ix_cases_origin_occurred (0012): a post's cases at HQ
    "ownerless": m.Case.ownerless,  # ix_cases_ownerless_occurred (0012)
}
# Each candidate is counted up to this many to pick the smallest (an index-only count: ~1 ms).
DRIVER_PROBE = 20_000
# PostgreSQL: a many-match search with a many-match filter is first checked on the filter's first
# DENSE_PROBE cases in list order (a probe of the search table each, ~3 ms in all at 1 M); with
# DENSE_HITS matches or more among them (2 %), the walk along the sort order, 6-9 µs a case, fills a
# page within some 2 500 cases and is taken as it is; with fewer, the search index's marks find the
# cases both have in common (``_marked_few``, 10-40 ms at 1 M).
DENSE_PROBE = 100
DENSE_HITS = 2


@dataclass(frozen=True)
class _Conditions:
    """The SQL conditions of a filter, in the two shapes the planner needs (see ``for_page``)."""

    filter: CaseFilter
    zone: tzinfo  # the register's, whose days the filter's dates are
    search: Any  # the search condition, or None
    expression: str | None = None  # the full-text query behind it

    @classmethod
    def of(cls, session: Session, case_filter: CaseFilter, zone: tzinfo) -> _Conditions | None:
        """None when nothing can match (a search of punctuation only)."""
        search_condition = None
        if case_filter.query.strip():
            expression = search.match_expression(fold(case_filter.query))
            if expression is None:
                return None
            search_condition = search.matching(session.connection(), expression)
            return cls(case_filter, zone, search_condition, expression)
        return cls(case_filter, zone, search_condition)

    def alone(self) -> bool:
        """Whether the search is the filter's only condition."""
        return not self._plain() and not self.filter.commodity

    def _plain(self) -> list[Any]:
        f = self.filter
        conditions: list[Any] = []
        conditions += occurred_between(f.start, f.end, self.zone)
        if f.statuses:
            conditions.append(m.Case.status.in_(f.statuses))
        if f.violation_group:
            conditions.append(m.Case.violation_group == f.violation_group)
        if f.lead_force:
            conditions.append(m.Case.lead_force == f.lead_force)
        if f.ownerless is not None:
            conditions.append(m.Case.ownerless == f.ownerless)
        if f.campaign_id:
            conditions.append(m.Case.campaign_id == f.campaign_id)
        if f.origin:
            conditions.append(m.Case.origin == f.origin)
        return conditions

    def _time_led(self) -> list[tuple[Any, Any]]:
        """The filter's single values on a ``_TIME_LED`` column: (column, value)."""
        f = self.filter
        values = {
            "violation_group": f.violation_group,
            "status": f.statuses[0] if len(f.statuses) == 1 else None,  # several: no single walk
            "campaign_id": f.campaign_id,
            "lead_force": f.lead_force,
            "origin": f.origin,
            "ownerless": f.ownerless,
        }
        return [(_TIME_LED[name], value) for name, value in values.items() if value not in (None, "")]

    def driver(self, session: Session, sort: CaseSort) -> Any | None:
        """The condition whose index a many-match search walks, listed by time (``_TIME_LED``); of
        several, the one that keeps fewest cases. None when there is none or it would not help."""
        if self.search is None or sort.key != "occurred_at":
            return None
        if session.get_bind().dialect.name != "sqlite":
            return None  # PostgreSQL's planner weighs the indexes with its own statistics
        candidates = [column == value for column, value in self._time_led()]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None

        def kept(condition: Any) -> int:
            probe: Select[Any] = select(literal_column("1")).select_from(m.Case).where(condition)
            probe = probe.limit(DRIVER_PROBE)
            return int(session.execute(select(func.count()).select_from(probe.subquery())).scalar_one())

        return min(candidates, key=kept)

    def by_time_window(self, session: Session, sort: CaseSort) -> bool:
        """Whether a page is best read window by window: a search alone, with many matches, listed by
        time. (With other conditions too, their own indexes or the sort index read it faster.)"""
        return (
            self.search is not None
            and not search.is_short_list(self.search)
            and not self._plain()
            and not self.filter.commodity
            and sort.key == "occurred_at"
            and session.get_bind().dialect.name == "sqlite"
        )

    def selective(self) -> list[Any]:
        """Conditions that let the planner start from the filter's own indexes (few matches)."""
        conditions = self._plain()
        if self.filter.commodity:
            lines = select(m.GoodsLine.case_id).where(m.GoodsLine.commodity == self.filter.commodity)
            conditions.append(m.Case.id.in_(lines))
        if self.search is not None:
            conditions.append(self.search)
        return conditions

    def walking(self, dialect: str, driver: Any | None = None) -> list[Any]:
        """Conditions checked row by row along the sort order (many matches): each is marked as
        likely true, so SQLite prefers the sort index to reading every match and sorting them. A
        ``driver`` (``driver()``) is left unmarked, so that SQLite walks its index instead."""
        conditions = [c for c in self._plain() if driver is None or not _same(c, driver)]
        if self.filter.commodity:
            conditions.append(
                select(m.GoodsLine.id)
                .where(m.GoodsLine.case_id == m.Case.id, m.GoodsLine.commodity == self.filter.commodity)
                .exists()
            )
        if dialect == "sqlite":
            conditions = [func.likelihood(c, literal_column("0.9375")) for c in conditions]
        if driver is not None:
            conditions.insert(0, driver)
        if self.search is not None:
            conditions.append(self.search)
        return conditions

    def for_page(self, session: Session, sort: CaseSort = NEWEST_FIRST) -> list[Any]:
        """The shape that reads a page fastest. A search with few matches drives the page itself;
        otherwise the other conditions are counted up to ``SELECTIVE`` to decide, and a many-match
        search with many-match conditions listed by time walks the ``driver``'s index."""
        plain = self._plain()
        if self.search is None and not plain and not self.filter.commodity:
            return []
        if self.search is not None and search.is_short_list(self.search):
            return self.selective()
        if not plain and not self.filter.commodity:
            return [self.search]
        probe: Select[Any] = select(literal_column("1")).select_from(m.Case).where(*plain)
        if self.filter.commodity:  # joined, not IN: the probe stops early instead of listing every line
            probe = probe.join(m.GoodsLine, m.GoodsLine.case_id == m.Case.id).where(
                m.GoodsLine.commodity == self.filter.commodity
            )
        matches = session.execute(
            select(func.count()).select_from(probe.limit(SELECTIVE).subquery())
        ).scalar_one()
        if matches < SELECTIVE:
            return self.selective()
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            few = self._marked_few(session, sort)
            if few is not None:
                return few
        return self.walking(dialect, self.driver(session, sort))

    def _marks(self) -> list[list[str]]:
        """The filter's values as groups of search-index marks (``db.search.mark``; one group per
        column, any of its marks will do): on PostgreSQL the GIN index checks them with the search."""
        f = self.filter
        values: list[tuple[str, tuple[object, ...]]] = [
            ("status", f.statuses),
            ("violation_group", (f.violation_group,) if f.violation_group else ()),
            ("ownerless", (f.ownerless,) if f.ownerless is not None else ()),
            ("lead_force", (f.lead_force,) if f.lead_force else ()),
            ("origin", (f.origin,) if f.origin else ()),
            ("campaign_id", (f.campaign_id,) if f.campaign_id else ()),
        ]
        groups = []
        for column, chosen in values:
            group = [search.mark(column, value) for value in chosen]
            if group and None not in group:  # a value without a mark is left to the plain condition
                groups.append([term for term in group if term is not None])
        return groups

    def _sparse(self, session: Session, sort: CaseSort) -> bool:
        """Whether the search matches few of the filter's first ``DENSE_PROBE`` cases in list order: a
        walk along the sort order would then read far before it fills a page."""
        window = select(m.Case.id).where(*self._plain()).order_by(*_order(sort)).limit(DENSE_PROBE)
        window = window.correlate(None)  # its own reading of cases, not the count's
        hits = select(func.count()).select_from(m.Case).where(m.Case.id.in_(window), self.search)
        return int(session.execute(hits).scalar_one()) < DENSE_HITS

    def _marked_few(self, session: Session, sort: CaseSort) -> list[Any] | None:
        """PostgreSQL: a many-match search with a many-match filter that have few cases in common is
        read through those cases' ids, which the GIN index finds by itself (``search.marked_matches``);
        None when they have many in common (a walk along the time index then fills the page soon).

        Why: the planner takes the search and the filter for independent, expects their common cases
        all along the time index, and walks it; when they have none in common it read every case of
        the register (0.7 s and 3.9 s at 1 M, issue 18). The plain conditions stay: the ids only
        replace the search condition."""
        groups = self._marks()
        if self.expression is None or not groups or not self._sparse(session, sort):
            return None
        ids = search.marked_matches(session.connection(), self.expression, groups, search.FEW_MATCHES + 1)
        if len(ids) > search.FEW_MATCHES:
            return None
        # One array parameter, not one parameter per id: compiling 2 000 of them takes longer than
        # the query. (PostgreSQL's dialect is imported here, not at the top: a post never needs it and
        # it costs a command ~20 ms to import.)
        from sqlalchemy.dialects import postgresql

        common = m.Case.id == any_(bindparam("marked_ids", ids, type_=postgresql.ARRAY(m.Case.id.type)))
        return [c for c in self.selective() if c is not self.search] + [common]


def _same(condition: Any, other: Any) -> bool:
    """Whether two column conditions are the same comparison (SQLAlchemy's ``compare``)."""
    return bool(condition.compare(other))
