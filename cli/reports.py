"""Commands that sum cases up: the 389 summary report and reward candidates, and the campaign
periods (declared at HQ) that reports and cases are counted against.

Campaigns sit here rather than with the sync commands because what a user does with one is report
on it; that HQ hands them down in return bundles is the sync commands' business.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from cli.common import STDOUT, group, out, output_file, session, write_output


def _amount(value: object) -> str:
    """An amount of đồng with its thousands grouped, as the command's English text writes numbers."""
    try:
        return f"{int(str(value)):,}"
    except ValueError:
        return str(value)


def _counted(count: object, noun: str) -> str:
    """"1 case", "2 cases", "1,250 cases": how the command's English text counts."""
    number = _amount(count)
    return f"{number} {noun}" if number == "1" else f"{number} {noun}s"


def cmd_report(args: argparse.Namespace) -> int:
    from app import periods
    from app.campaigns import find_campaign
    from app.errors import ValidationError
    from app.reports import Scope, agency_lines, as_json, build_report, parse_period

    ctx, actor = session(args)
    if [args.pdf, args.xlsx, STDOUT if args.json else None].count(STDOUT) > 1:
        raise ValidationError(["only one of --pdf, --xlsx and --json can go to standard output ('-')"])
    pdf_file = output_file(args.pdf) if args.pdf else None
    xlsx_file = output_file(args.xlsx) if args.xlsx else None
    campaign = find_campaign(ctx, args.campaign).id if args.campaign else None  # id, its start or name
    scope = Scope(station_code=args.station, campaign_id=campaign, province=args.province)
    mode = periods.CALENDAR if args.calendar else None
    kind = args.kind
    period_kind = kind
    if kind == "rewards":
        period_kind = _period_kind(args.period)
    period = parse_period(ctx, period_kind, args.period, scope, mode=mode)
    report = build_report(ctx, actor, kind, period, scope, mode=mode)
    data = as_json(report)
    written = []
    if args.pdf:  # ReportLab and openpyxl only for the file asked for: not for a JSON report
        from app.report_charts import report_chart_flowables
        from app.report_pdf import report_pdf

        annex = report_chart_flowables(ctx, actor, report, scope)  # the monthly and annual reports' charts
        pdf, _pages = report_pdf(report, agency_lines(ctx, actor), ctx.settings.place_name, annex)
        write_output(pdf_file, pdf)
        written.append(args.pdf)
    if args.xlsx:
        from app.report_xlsx import report_xlsx

        write_output(xlsx_file, report_xlsx(report))
        written.append(args.xlsx)
    if STDOUT in written:  # standard output holds the file: nothing else may go there
        return 0
    if kind == "rewards":
        lines = [
            f"{r['station']}  {r['case'] or 'month ' + r['month']}: {r['amount']} {r['unit']} "
            f"(threshold {r['threshold']}) — {r['text']}"
            for r in data["reward_candidates"]
        ]
        out(
            args,
            data["reward_candidates"],
            "\n".join(lines) or f"No reward candidates in {data['period']['label']}.",
        )
        return 0
    if args.json or not written:
        total = data["total"]
        lines = [
            f"{data['title']} — {data['period']['label']}: {_counted(total['cases'], 'case')}, "
            f"{_amount(total['collections'])} VND collected, "
            f"{_counted(len(data['reward_candidates']), 'reward candidate')}"
        ]
        # The province report: a line per post under the totals, adding up to them.
        lines += [
            f"  {row['label']}: {_counted(row['cases'], 'case')}, {_amount(row['collections'])} VND collected"
            for row in data.get("by_post", [])
        ]
        out(args, data, "\n".join(lines))
    else:
        print("\n".join(f"wrote {path}" for path in written))
    return 0


def _period_kind(text: str | None) -> str:
    """Which kind of period a reward query names: 2026-W47, 2026-11, 2026-Q4, 2026 or a range."""
    value = (text or "").strip()
    for kind, pattern in (
        ("weekly", r"^\d{4}-W\d{1,2}$"),
        ("monthly", r"^\d{4}-\d{1,2}$"),
        ("quarterly", r"^\d{4}-Q[1-4]$"),
        ("annual", r"^\d{4}$"),
        ("custom", r"\.\."),
    ):
        if re.search(pattern, value, re.IGNORECASE):
            return kind
    return "weekly"


def _register_report(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report",
        help="the 389 summary report (PDF, Excel, JSON) or reward candidates",
        description="Build the 389 summary report for a period, as text, JSON, PDF or an Excel workbook, or "
        "list the reward candidates. Months run from the 15th to the 14th unless --calendar.",
        parents=[common],
    )
    p.add_argument(
        "kind",
        metavar="KIND",
        choices=(
            "weekly",
            "monthly",
            "quarterly",
            "half",
            "nine-months",
            "annual",
            "campaign",
            "custom",
            "rewards",
        ),
        help="weekly, monthly, quarterly, half, nine-months, annual, campaign, custom or rewards",
    )
    p.add_argument(
        "--period",
        metavar="P",
        help="2026-W47 / this / last (weekly), 2026-11 (monthly), 2026-Q4, 2026 (half, nine-months, "
        "annual), 2026-11-01..2026-11-20 (custom)",
    )
    p.add_argument(
        "--calendar", action="store_true", help="calendar months instead of the 15th-to-14th cut-off"
    )
    p.add_argument("--station", metavar="CODE", help="HQ: one post only (default: every post)")
    p.add_argument(
        "--province",
        action="store_true",
        help="HQ: every post together, with a row per post beside the rows per force (not with --station)",
    )
    p.add_argument(
        "--campaign", metavar="ID", help="only the cases of this campaign (campaign reports: required)"
    )
    p.add_argument("--pdf", metavar="OUT", help="write the report as PDF ('-': to standard output)")
    p.add_argument(
        "--xlsx", metavar="OUT", help="write the report as an Excel workbook ('-': to standard output)"
    )
    p.set_defaults(func=cmd_report)


def _day(text: str, option: str) -> date:
    from app.errors import ValidationError
    from app.formatting import parse_date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        try:
            day: date = parse_date(text)
            return day
        except ValidationError:
            raise ValidationError(
                [f"{option} {text!r}: not a real date (write 2026-01-20 or 20/01/2026)"]
            ) from None


def _campaign_out(args: argparse.Namespace, row: Any, verb: str) -> None:
    out(
        args,
        {"id": row.id, "name": row.name, "starts_on": row.starts_on, "ends_on": row.ends_on},
        f"{verb} campaign {row.id[:8]} {row.label}; posts receive it in their next return bundle.",
    )


def cmd_campaign_add(args: argparse.Namespace) -> int:
    from app.campaigns import add_campaign

    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    ctx, actor = session(args)
    _campaign_out(args, add_campaign(ctx, actor, args.name, start, end), "Declared")
    return 0


def cmd_campaign_change(args: argparse.Namespace) -> int:
    from app.campaigns import change_campaign, find_campaign

    ctx, actor = session(args)
    held = find_campaign(ctx, args.campaign)
    row = change_campaign(
        ctx,
        actor,
        held.id,
        args.name if args.name is not None else held.name,
        _day(args.start, "--from") if args.start else held.starts_on,
        _day(args.end, "--to") if args.end else held.ends_on,
    )
    _campaign_out(args, row, "Changed")
    return 0


def cmd_campaign_list(args: argparse.Namespace) -> int:
    from app.campaigns import list_campaigns

    ctx, _actor = session(args)  # a log-in, as for every command that reads the register
    rows = list_campaigns(ctx)
    out(
        args,
        [{"id": r.id, "name": r.name, "starts_on": r.starts_on, "ends_on": r.ends_on} for r in rows],
        "\n".join(f"{r.id[:8]}  {r.starts_on:%d/%m/%Y}–{r.ends_on:%d/%m/%Y}  {r.name}" for r in rows)
        or "No campaigns yet (HQ declares them with 'outpost campaign add').",
    )
    return 0


def _register_campaign(sub: Any, common: argparse.ArgumentParser) -> None:
    campaign = group(
        sub,
        "campaign",
        "campaign periods (declared at HQ)",
        "Campaign periods: HQ declares and corrects them, posts receive them in their return bundles; "
        "cases and 'report campaign' refer to them.",
    )
    p = campaign.add_parser(
        "add",
        help="declare a campaign (HQ)",
        description="HQ: declare a campaign period with its name and first and last days.",
        parents=[common],
    )
    p.add_argument("name", help="e.g. 'Cao điểm Tết Nguyên đán Bính Ngọ 2026'")
    p.add_argument("--from", dest="start", required=True, metavar="DAY", help="first day, 2026-01-15")
    p.add_argument("--to", dest="end", required=True, metavar="DAY", help="last day, 2026-03-15")
    p.set_defaults(func=cmd_campaign_add)
    p = campaign.add_parser(
        "change",
        help="correct or extend a campaign (HQ)",
        description="HQ: correct a campaign's name or extend or shorten its days; what is not given stays.",
        parents=[common],
    )
    p.add_argument("campaign", help="its id (the first 8 characters will do) or its name")
    p.add_argument("--name", help="the new name")
    p.add_argument("--from", dest="start", metavar="DAY", help="the new first day")
    p.add_argument("--to", dest="end", metavar="DAY", help="the new last day")
    p.set_defaults(func=cmd_campaign_change)
    p = campaign.add_parser(
        "list",
        help="the campaigns this register knows",
        description="List the campaigns this register knows (no log-in needed).",
        parents=[common],
    )
    p.set_defaults(func=cmd_campaign_list)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds this module's commands to the top-level sub-parsers; ``common`` holds ``--json``."""
    _register_report(sub, common)
    _register_campaign(sub, common)
