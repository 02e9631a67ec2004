"""Commands on field activities: ``activity add FILE|-`` and ``activity list`` (issue 19).

An activity file is read like a case file: the bounded JSON reader, then every problem of every
activity printed with its path, and nothing written unless all are valid (``app.activity_json``).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from app.errors import ValidationError
from cli.common import group, out, read_source, session, warn

# How to save an inspection that repeats another within the window: printed under the refusal.
REASON_HINT = (
    "to save it anyway, give the reason for inspecting again: an \"overlap_reason\" field in the "
    "activity, or --reason TEXT (applied to every inspection of the file that needs one)"
)

KINDS = ("patrol", "checkpoint", "inspection", "outreach")


def cmd_activity_add(args: argparse.Namespace) -> int:
    from app.activity_json import MAX_OVERLAP_REASON, parse_activities
    from app.inspections import DuplicateInspection
    from app.json_input import load_json_text

    reason = (args.reason or "").strip() or None
    if args.reason is not None and reason is None:
        raise ValidationError(["--reason: give the reason in words"])
    if reason is not None and len(reason) > MAX_OVERLAP_REASON:
        raise ValidationError([f"--reason: at most {MAX_OVERLAP_REASON} characters"])
    source, raw = read_source(args.file)
    ctx, actor = session(args)
    items = parse_activities(load_json_text(raw, source), ctx.reference, now=ctx.clock())
    try:
        results = ctx.activities.add_many(actor, items, default_reason=reason)
    except DuplicateInspection as exc:  # the earlier inspections are named in each problem
        raise ValidationError([*exc.problems, REASON_HINT]) from None
    for result in results:
        for notice in result.notices:
            warn(f"{result.view.id}: {notice}")
    print(json.dumps([r.view.document() for r in results], ensure_ascii=False, indent=2))
    return 0


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError([f"{option}: '{value}' is not a date like 2026-11-20"]) from None


def _line(view: Any, ctx: Any, force_width: int) -> str:
    """One activity: when, kind, people, lead force (never cut), then its commune and where, each
    said once (``app.activities.where_text``)."""
    from app.activities import where_text

    data = view.data
    force = ctx.reference.label("forces", data.lead_force)
    where = " / ".join(
        part for part in (ctx.reference.label("communes", data.commune_code), where_text(data)) if part
    )
    people = "" if data.participants is None else f"{data.participants:>4}"
    started = f"{ctx.local(data.started_at):%d/%m/%Y %H:%M}"
    return f"{started}  {data.kind:<10} {people:>4}  {force:<{force_width}} {where}"


def cmd_activity_list(args: argparse.Namespace) -> int:
    from app.activities import LIST_LIMIT, ActivityFilter

    ctx, actor = session(args)
    first, last = _day("--from", args.date_from), _day("--to", args.date_to)
    if args.commune and args.commune not in ctx.reference.communes:
        raise ValidationError([f"--commune: '{args.commune}' is not an An Giang commune code"])
    views = ctx.activities.find(
        actor, ActivityFilter(kind=args.kind, first_day=first, last_day=last, commune_code=args.commune)
    )
    if len(views) == LIST_LIMIT:
        warn(f"only the newest {LIST_LIMIT} are listed; narrow the period")
    width = max((len(ctx.reference.label("forces", v.data.lead_force)) for v in views), default=0)
    lines = "\n".join(_line(v, ctx, width) for v in views)
    out(args, [v.document() for v in views], lines or "no activities")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds ``activity add`` and ``activity list`` to the top-level sub-parsers."""
    activity = group(
        sub,
        "activity",
        "patrols, checkpoints, inspections, outreach sessions",
        "Record and list field work: patrols (tuần tra), checkpoints (chốt chặn), inspections of "
        "establishments (kiểm tra cơ sở) and outreach sessions (tuyên truyền).",
    )
    p = activity.add_parser(
        "add",
        help="add activities from a JSON file (format v1) or - for stdin",
        description="Add one activity or a list of them from a JSON file in the activity format v1 "
        "(resources/schemas/activity-v1.schema.json), or from stdin with '-'. Nothing is written unless "
        "every activity is valid; each problem is printed with the path of its field. Prints the stored "
        "activities as JSON. An inspection of an establishment inspected (by any post or force) within the "
        "inspection window is refused, naming the earlier inspections, unless it carries an "
        "\"overlap_reason\" or --reason is given.",
        parents=[common],
    )
    p.add_argument("file")
    p.add_argument(
        "--reason",
        metavar="TEXT",
        help="why an establishment inspected within the window is inspected again; stored on every "
        "inspection of the file that needs a reason and has none of its own",
    )
    p.set_defaults(func=cmd_activity_add)
    p = activity.add_parser(
        "list",
        help="list activities, newest first",
        description="List activities, newest first, by kind, period (days in the register's time zone, "
        "both included) and commune.",
        parents=[common],
    )
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day")
    p.add_argument("--commune", metavar="CODE", help="commune code, e.g. 30325")
    p.set_defaults(func=cmd_activity_list)
