"""The instant column type (``db.types.UtcDateTime``) reads back what it stored, on both engines.

Why: it reads instants with ``datetime.fromisoformat`` instead of ``strptime(value, UTC_FORMAT)`` (issue 18:
~40 times cheaper, on every ORM read); these tests hold the two to the same result on every form an
instant comes back in: SQLite's stored text and PostgreSQL's ``timestamptz`` as the driver gives it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from db.types import UTC_FORMAT, UtcDateTime, utc_text

ZONES = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
INSTANTS = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(9998, 12, 30), timezones=ZONES)


def _by_strptime(text: str) -> datetime:
    """How the type read SQLite's text before."""
    return datetime.strptime(text, UTC_FORMAT).replace(tzinfo=UTC)


@given(INSTANTS)
def test_the_stored_text_reads_back_as_strptime_read_it(moment: datetime) -> None:
    column = UtcDateTime()
    dialect = sqlite.dialect()
    stored = column.process_bind_param(moment, dialect)
    assert stored == utc_text(moment)
    read = column.process_result_value(stored, dialect)
    assert read == _by_strptime(stored) == moment
    assert read is not None and read.tzinfo is UTC and read.utcoffset() == timedelta(0)
    assert str(read) == str(_by_strptime(stored))  # the same fields, not only the same instant


@given(INSTANTS)
def test_a_timestamptz_from_the_driver_reads_back_in_utc(moment: datetime) -> None:
    # psycopg gives an aware datetime in the session's time zone, whatever it is.
    read = UtcDateTime().process_result_value(moment, postgresql.dialect())
    assert read == moment and read is not None and read.tzinfo is UTC
    assert str(read) == str(_by_strptime(utc_text(moment)))


@pytest.mark.both_engines
def test_instants_round_trip_through_each_engine(engine: str, hq_db_url: str | None, tmp_path: Path) -> None:
    url = hq_db_url or f"sqlite:///{tmp_path}/instants.sqlite"
    table = Table("instants", MetaData(), Column("n", Integer, primary_key=True), Column("at", UtcDateTime()))
    moments = [
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 6, 15, 7, 0, 0, 123_456, tzinfo=timezone(timedelta(hours=7))),
        datetime(1999, 3, 1, 0, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ]
    db = create_engine(url)
    try:
        with db.begin() as conn:
            table.create(conn)
            conn.execute(insert(table), [{"n": i, "at": m} for i, m in enumerate(moments)])
        with db.connect() as conn:
            read = [r.at for r in conn.execute(select(table).order_by(table.c.n))]
    finally:
        db.dispose()
    assert read == moments
    assert all(r.tzinfo is UTC for r in read)
    assert [str(r) for r in read] == [str(_by_strptime(utc_text(m))) for m in moments]


@given(st.datetimes(timezones=st.one_of(ZONES, st.just(UTC))))
def test_utc_text_is_the_text_strftime_writes(moment: datetime) -> None:
    # ``utc_text`` writes by ``isoformat`` (cheaper): the stored and sealed text must not change.
    try:
        expected = moment.astimezone(UTC).strftime(UTC_FORMAT)
    except OverflowError:  # beyond year 1 or 9999 in UTC: neither writes it
        return
    assert utc_text(moment) == expected
