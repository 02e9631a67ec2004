"""The register's time zone (docs/domain.md, "Time"): chosen at set-up, fixed for good, and the one every
time told to a person is in, whatever the computer's zone.

The registers here are in Asia/Tokyo (UTC+9) on a computer set to New York; the clock stands at 16:30
UTC on 14/11/2026: 01:30 on the 15th in Tokyo, 23:30 on the 14th in Vietnam, 11:30 on the 14th in New
York. Every date below would be another in either of the other two zones."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app import periods
from app.domain import CaseFilter
from app.errors import AuthError, ValidationError
from app.register import init_register, open_register
from app.reports import build_report
from app.sync.replies import make_reply
from tests.helpers.cases import sample_case
from tests.helpers.cli import outpost
from tests.helpers.clock import Clock
from tests.helpers.registers import PASSWORD, Post, back_to_unkeyed_chain, make_hq, new_post, open_sqlite
from tests.helpers.sync import PASSPHRASE, Pair, enrol_post, export_parts, import_at_hq

TOKYO = "Asia/Tokyo"
MOMENT = datetime(2026, 11, 14, 16, 30, tzinfo=UTC)
COMPUTER = {"TZ": "America/New_York"}
OFFSET_FROM_META = "(coalesce((SELECT value FROM meta WHERE key = 'utc_offset_min'), '420') || ' minutes')"


@pytest.fixture
def now() -> datetime:
    return MOMENT


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's own time zone set to New York, as a laptop set to another zone would be."""
    monkeypatch.setenv("TZ", COMPUTER["TZ"])
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def tokyo(tmp_path: Path, clock: Clock, new_york: None) -> Iterator[Post]:
    made = new_post(tmp_path / "post", clock, time_zone=TOKYO)
    yield made
    made.ctx.close()


@pytest.fixture
def tokyo_pair(tokyo: Post, tmp_path: Path, clock: Clock) -> Iterator[Pair]:
    hq = make_hq(tmp_path / "hq", clock=clock, time_zone=TOKYO)
    enrol_post(tokyo, hq, tmp_path)
    yield Pair(tokyo, hq, tmp_path)
    hq.ctx.close()


def _meta(data_dir: Path) -> dict[str, str]:
    conn = open_sqlite(data_dir / "register.sqlite")
    try:
        return dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('time_zone', 'utc_offset_min')"))
    finally:
        conn.close()


def test_a_register_is_in_vietnams_time_unless_told_otherwise(post: Post) -> None:
    assert post.ctx.zone.key == "Asia/Ho_Chi_Minh"
    assert _meta(post.data_dir) == {"time_zone": "Asia/Ho_Chi_Minh", "utc_offset_min": "420"}
    assert post.ctx.today() == date(2026, 11, 14)  # 23:30 in Vietnam


def test_the_zone_chosen_at_set_up_is_kept_and_told_by_the_cli(tmp_path: Path) -> None:
    made = outpost(tmp_path / "hq", "init", "hq", "--code", "BCH-TK", "--name", "Tokyo", "--admin", "admin",
                   "--time-zone", TOKYO, env=COMPUTER)
    assert made.returncode == 0, made.stderr
    assert "time zone Asia/Tokyo" in made.stdout
    assert _meta(tmp_path / "hq") == {"time_zone": TOKYO, "utc_offset_min": "540"}
    again = outpost(tmp_path / "post", "init", "post", "--code", "BP-VX", "--name", "Vĩnh Xương", "--admin",
                    "admin", "--json", env=COMPUTER)
    assert '"time_zone": "Asia/Ho_Chi_Minh"' in again.stdout, again.stderr


@pytest.mark.parametrize(
    ("zone", "words"),
    [
        ("Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a known time zone"),
        ("../../etc/passwd", "is not a known time zone"),
        ("Europe/Paris", "the time zone 'Europe/Paris' changes its offset from UTC (daylight saving time)"),
        ("America/New_York", "the time zone 'America/New_York' changes its offset"),
    ],
)
def test_an_unknown_zone_or_one_with_daylight_saving_time_is_refused_at_set_up(
    tmp_path: Path, zone: str, words: str
) -> None:
    refused = outpost(tmp_path / "post", "init", "post", "--code", "BP-VX", "--name", "Vĩnh Xương",
                      "--admin", "admin", "--time-zone", zone)
    assert refused.returncode == 2, refused.stderr
    assert words in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "post" / "register.sqlite").exists()
    with pytest.raises(ValidationError) as problem:  # the service says the same, in the field's name
        init_register(tmp_path / "again", kind="post", code="BP-VX", name="Vĩnh Xương",
                      admin_username="admin", admin_password=PASSWORD, time_zone=zone)
    (said,) = problem.value.problems
    assert said.startswith("time_zone: ") and words in said


def test_a_register_made_before_the_setting_is_in_vietnams_time(post: Post) -> None:
    """A register from before migration 0009: no zone in meta, the tally triggers with +7 hours
    written in. Upgraded, it says Asia/Ho_Chi_Minh, and its triggers read the offset from meta."""
    post.ctx.close()
    conn = open_sqlite(post.ctx.paths.register)
    conn.execute("DELETE FROM meta WHERE key IN ('time_zone', 'utc_offset_min')")
    for (name, body) in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'report_%'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
        conn.execute(body.replace(OFFSET_FROM_META, "'+7 hours'"))
    back_to_unkeyed_chain(conn)  # and the audit trail as before migration 0010
    conn.execute("UPDATE alembic_version SET version_num = '0008'")
    conn.commit()
    triggers = "".join(sql for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"))
    conn.close()
    assert "+7 hours" in triggers and "utc_offset_min" not in triggers

    upgraded = open_register(post.data_dir, key=post.ctx.key)
    try:
        assert upgraded.zone.key == "Asia/Ho_Chi_Minh"
        assert list(post.ctx.paths.backups.glob("before-upgrade-0008-*.sqlite"))
    finally:
        upgraded.close()
    assert _meta(post.data_dir) == {"time_zone": "Asia/Ho_Chi_Minh", "utc_offset_min": "420"}
    conn = open_sqlite(post.ctx.paths.register)
    triggers = "".join(sql for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"))
    conn.close()
    assert "+7 hours" not in triggers and "utc_offset_min" in triggers


def test_a_lock_out_is_told_in_the_registers_zone(tokyo: Post) -> None:
    for _ in range(5):
        with pytest.raises(AuthError):
            tokyo.ctx.login("officer", "nope-nope")
    with pytest.raises(AuthError) as refused:
        tokyo.ctx.login("officer", PASSWORD)
    assert "until 01:4" in str(refused.value) and "15/11/2026" in str(refused.value)


def test_a_case_belongs_to_the_day_and_year_of_the_registers_zone(tmp_path: Path, new_york: None) -> None:
    """At 16:30 UTC on 31/12/2026 it is already 2027 in Tokyo: the case is numbered in 2027."""
    post = new_post(tmp_path / "post", Clock(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)), time_zone=TOKYO)
    try:
        made = post.ctx.cases.create(
            post.officer, sample_case(occurred_at=datetime(2026, 12, 31, 15, 30, tzinfo=UTC))
        )
        assert made.number == "BP-VX/2027/00001"
        assert post.ctx.today() == date(2027, 1, 1)
    finally:
        post.ctx.close()


def _tallied_halves(post: Post) -> set[str]:
    conn = open_sqlite(post.ctx.paths.register)
    try:
        return {half for (half,) in conn.execute("SELECT half FROM report_halves")}
    finally:
        conn.close()


def test_reports_count_and_keep_tallies_on_the_registers_days(tokyo: Post) -> None:
    """The case at 01:00 on 15/11 in Tokyo (23:00 on the 14th in Vietnam) is in the statistical month
    that starts on the 15th; the stored tallies of that half-month, not the one before, are dropped
    when it changes, by the triggers and by the program alike."""
    ctx = tokyo.ctx
    november, december = periods.month(2026, 11), periods.month(2026, 12)  # 15/10–14/11, 15/11–14/12
    for month in (november, december):  # stores their tallies
        assert build_report(ctx, tokyo.chief, "monthly", month).totals.now["cases"] == 0
    assert _tallied_halves(tokyo) >= {"2026-11-01", "2026-11-15"}
    made = ctx.cases.create(tokyo.officer, sample_case(occurred_at=MOMENT - timedelta(minutes=30)))
    halves = _tallied_halves(tokyo)  # dropped by the program (a new row)
    assert "2026-11-15" not in halves and "2026-11-01" in halves
    build_report(ctx, tokyo.chief, "monthly", december)
    ctx.cases.submit(tokyo.officer, made.id)
    halves = _tallied_halves(tokyo)  # dropped by a trigger (an update)
    assert "2026-11-15" not in halves and "2026-11-01" in halves
    ctx.cases.approve(tokyo.chief, made.id)
    report = build_report(ctx, tokyo.chief, "monthly", december)  # from stored tallies, counted afresh
    again = build_report(ctx, tokyo.chief, "monthly", december)  # from stored tallies
    assert report.totals.now["cases"] == again.totals.now["cases"] == 1
    assert build_report(ctx, tokyo.chief, "monthly", november).totals.now["cases"] == 0
    assert report.generated_at.utcoffset() == timedelta(hours=9)
    assert f"{report.generated_at:%d/%m/%Y %H}" == "15/11/2026 01"
    on_the_15th = ctx.cases.list(tokyo.officer, CaseFilter(start=date(2026, 11, 15), end=date(2026, 11, 15)))
    assert [row.number for row in on_the_15th] == [made.number]
    assert ctx.cases.list(tokyo.officer, CaseFilter(start=date(2026, 11, 14), end=date(2026, 11, 14))) == []


def test_imports_station_list_and_return_bundles_tell_the_registers_time(tokyo_pair: Pair) -> None:
    pair = tokyo_pair
    pair.post.ctx.cases.create(pair.post.officer, sample_case(occurred_at=MOMENT - timedelta(hours=1)))
    files = export_parts(pair, "out")
    import_at_hq(pair, files)
    again = import_at_hq(pair, files)
    (skipped,) = again.skipped
    assert "imported already on 15/11/2026 01:3" in skipped["reason"]

    listed = outpost(pair.hq.data_dir, "station", "list", env=COMPUTER)
    assert listed.returncode == 0, listed.stderr
    assert "last bundle 15/11/2026 01:3" in listed.stdout
    as_json = outpost(pair.hq.data_dir, "station", "list", "--json", env=COMPUTER)
    assert '"last_received": "2026-11-15T01:3' in as_json.stdout  # ISO 8601, the register's offset
    assert json.loads(as_json.stdout)[0]["last_received"].endswith("+09:00")  # Tokyo, not New York

    reply = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "replies")
    assert reply.name.startswith("BCH-AG-to-BP-VX-20261115-013")
