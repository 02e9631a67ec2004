"""The register's time zone: an IANA name chosen at set-up, in which every time shown to a person is told.

A register keeps one zone for its whole life (docs/domain.md, "Time"): the half-month report tallies
(``db.halves``, the triggers of migration 0009) cut days at a fixed UTC offset, so only a zone whose
offset never changes over the years a register covers is accepted, and the zone cannot be changed once
the register exists. The zone's data comes from the system or from the ``tzdata`` package (Windows has
no system zone database; the frozen app ships ``tzdata``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import ValidationError
from app.i18n import _

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
# The years whose offsets must all agree: any case, tip or report a register will hold falls in them.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _samples() -> list[datetime]:
    """The first of every month, 2000-2100: catches daylight saving time in either hemisphere and a
    zone that moved its standard offset in some year."""
    return [datetime(year, month, 1, 12, tzinfo=UTC)
            for year in range(FIRST_YEAR, LAST_YEAR + 1) for month in range(1, 13)]


def zone_problem(name: str) -> str | None:
    """Why ``name`` cannot be a register's zone, in words; None when it can."""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return _("'{zone}' is not a known time zone; give an IANA name such as {example}").format(
            zone=name, example=DEFAULT_ZONE
        )
    offsets = {moment.astimezone(zone).utcoffset() for moment in _samples()}
    if len(offsets) > 1:
        return _(
            "the time zone '{zone}' changes its offset from UTC (daylight saving time) between {first} "
            "and {last}; a register needs a zone with one fixed offset, such as {example}"
        ).format(zone=name, first=FIRST_YEAR, last=LAST_YEAR, example=DEFAULT_ZONE)
    (offset,) = offsets
    if offset is None or offset % timedelta(minutes=1):
        return _("the time zone '{zone}' has no offset in whole minutes").format(zone=name)
    return None


def load_zone(name: str) -> ZoneInfo:
    """The zone named ``name``, checked to be fit for a register; ValidationError naming it if not."""
    problem = zone_problem(name)
    if problem is not None:
        raise ValidationError([f"time_zone: {problem}"])
    return ZoneInfo(name)


def offset_minutes(zone: ZoneInfo) -> int:
    """The zone's one offset from UTC in minutes (420 for Asia/Ho_Chi_Minh)."""
    offset = datetime(2026, 1, 1, tzinfo=UTC).astimezone(zone).utcoffset()
    assert offset is not None
    return offset // timedelta(minutes=1)
