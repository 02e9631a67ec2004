"""The registers' clock in tests: a fixed "now" for every test, and the "todays" a sample of the suite
also runs at, so that no test depends on the calendar of the machine that runs it."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from tests.helpers.cases import ICT

# "Now" for every test: no test may depend on the calendar of the machine that runs it. A Wednesday
# (the day the weekly report is due), in the second half of a month.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=ICT)

# The "todays" a sample of the suite also runs at (``@pytest.mark.any_day``): the last day of a half-month
# and the first of the next, a month's last day, New Year's Day just after midnight at the post (still
# 31 December in UTC), a leap day, and a Tuesday and a Wednesday (the weekly window's last and first).
ANY_DAY = {
    "14th": datetime(2026, 12, 14, 16, 0, tzinfo=ICT),
    "15th": datetime(2026, 12, 15, 8, 0, tzinfo=ICT),
    "month-end": datetime(2027, 4, 30, 22, 0, tzinfo=ICT),
    "new-year": datetime(2027, 1, 1, 0, 30, tzinfo=ICT),
    "leap-day": datetime(2028, 2, 29, 12, 0, tzinfo=ICT),
    "wednesday": datetime(2026, 12, 2, 10, 0, tzinfo=ICT),
    "tuesday": datetime(2026, 12, 1, 23, 50, tzinfo=ICT),
}


class Clock:
    """A register's clock in tests: it starts at a fixed instant and runs on with real time (so events
    keep their order), and a test can move it on (``advance``) to see what happens later."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.moved = timedelta()
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        elapsed = timedelta(seconds=time.monotonic() - self._started)
        return (self.start + self.moved + elapsed).astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.moved += delta

    def today(self) -> date:
        return self().astimezone(ICT).date()
