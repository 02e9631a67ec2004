"""The reporting deadlines a chief is reminded of on the home page: the next weekly (during a
campaign), monthly and year-end report, each with the days left (docs/domain.md §1, app/deadlines.py).

Kept apart from app/dashboard.py because it needs no case figures: it is the rules, the campaigns and
the register's day (``ctx.today()``, the register's clock, never the machine's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app import deadlines
from app.campaigns import list_campaigns
from app.context import Context
from app.deadlines import Deadline
from app.i18n import _, ngettext

# How many days before its due day a deadline is shown as close (the banner is then highlighted).
CLOSE_DAYS = {deadlines.WEEKLY: 1, deadlines.MONTHLY: 5, deadlines.ANNUAL: 14}


@dataclass(frozen=True)
class Reminder:
    deadline: Deadline
    days_left: int
    close: bool  # due within CLOSE_DAYS: worth the chief's attention today

    @property
    def text(self) -> str:
        d = self.deadline
        what = _(deadlines.KIND_TEXT[d.kind]).capitalize()
        span = f"{d.period.start:%d/%m/%Y}–{d.period.end:%d/%m/%Y}"
        if self.days_left == 0:
            when = _("due today")
        else:
            days = self.days_left
            when = ngettext("due in {days} day", "due in {days} days", days).format(days=days)
        return _("{report} ({span}): {due}, {when}").format(
            report=what, span=span, due=f"{d.due:%d/%m/%Y}", when=when)


def reminders(ctx: Context, today: date | None = None) -> list[Reminder]:
    """The next deadline of each kind, soonest first, as of ``today`` (the register's day when None)."""
    today = today or ctx.today()
    found = deadlines.upcoming(
        today,
        deadlines.load_rules(overrides=ctx.settings.deadlines),  # this install's days, if changed
        mode=ctx.settings.report_period_mode,
        window_offset=ctx.settings.weekly_window_end_offset_days,
        campaigns=[(c.starts_on, c.ends_on) for c in list_campaigns(ctx)],
    )
    return [Reminder(d, (d.due - today).days, (d.due - today).days <= CLOSE_DAYS[d.kind]) for d in found]
