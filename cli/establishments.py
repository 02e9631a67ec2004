"""``outpost establishment`` and ``outpost coverage``: the establishments register (add, edit, list), who
inspected one lately, HQ's overlapping inspections per period, and the areas no activity reached
(app/establishments.py, app/inspections.py, app/coverage.py; docs/domain.md §2)."""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from app.errors import ValidationError
from cli.common import group, out, read_source, session


def _period(ctx: Any, text: str) -> Any:
    """A period as the reports take it: 2026-W47, 2026-11, 2026-Q4, 2026 or 2026-11-01..2026-11-20."""
    from app.reports import Scope, parse_period

    kind = "weekly"
    for name, pattern in (
        ("monthly", r"^\d{4}-\d{1,2}$"),
        ("quarterly", r"^\d{4}-Q[1-4]$"),
        ("annual", r"^\d{4}$"),
        ("custom", r"\.\."),
    ):
        if re.search(pattern, text.strip(), re.IGNORECASE):
            kind = name
            break
    return parse_period(ctx, kind, text, Scope())


def _view_json(v: Any, created: bool | None = None) -> dict[str, Any]:
    data = {
        "id": v.id,
        "name": v.name,
        "kind": v.kind,
        "address": v.address,
        "commune_code": v.commune_code,
        "tax_code": v.tax_code,
        "origin": v.origin_code,
        "version": v.version,
    }
    return data if created is None else {**data, "created": created}


def _view_line(v: Any, ctx: Any) -> str:
    commune = ctx.reference.label("communes", v.commune_code) if v.commune_code else "—"
    tax = f" MST {v.tax_code}" if v.tax_code else ""
    return f"{v.id[:8]}  {v.name} ({v.kind}) — {commune}{tax} [{v.origin_code}]"


def cmd_establishment_add(args: argparse.Namespace) -> int:
    from app.establishments import EstablishmentService, parse_establishments
    from app.json_input import load_json_text

    source, raw = read_source(args.file)
    ctx, actor = session(args)
    items = parse_establishments(load_json_text(raw, source), ctx.reference)
    done = EstablishmentService(ctx).add(actor, items)
    lines = [("added    " if d.created else "known    ") + _view_line(d.establishment, ctx) for d in done]
    out(args, [_view_json(d.establishment, d.created) for d in done], "\n".join(lines))
    return 0


def cmd_establishment_edit(args: argparse.Namespace) -> int:
    from app.errors import NotFound
    from app.establishments import EstablishmentService, parse_establishments
    from app.json_input import load_json_text

    source, raw = read_source(args.file)
    ctx, actor = session(args)
    document = load_json_text(raw, source)
    if not isinstance(document, dict):
        raise ValidationError([f"{source}: one establishment (a JSON object) corrects one establishment"])
    (item,) = parse_establishments(document, ctx.reference)
    service = EstablishmentService(ctx)
    found = [v for v in service.list(actor) if v.id.startswith(args.id)] if args.id else []
    if len(found) != 1:
        raise NotFound(
            f"no establishment {args.id}" if not found else f"{args.id} names several establishments"
        )
    done = service.update(actor, found[0].id, item, args.version or found[0].version)
    out(args, _view_json(done), "corrected " + _view_line(done, ctx))
    return 0


def cmd_establishment_list(args: argparse.Namespace) -> int:
    from app.establishments import EstablishmentService

    ctx, actor = session(args)
    found = EstablishmentService(ctx).list(actor, args.text, args.commune)
    out(
        args,
        [_view_json(v) for v in found],
        "\n".join(_view_line(v, ctx) for v in found) or "No establishment registered.",
    )
    return 0


def _communes_to_check(ctx: Any, actor: Any, name: str) -> list[str | None]:
    """Where to look for a name given without ``--commune``: with no commune (the inspections that typed
    it so) and, when the name is registered in one commune, there too; a name is one business only
    within its commune, so one registered in several is refused, naming them."""
    from app.establishments import EstablishmentService
    from app.text import fold

    named = [e for e in EstablishmentService(ctx).list(actor, name) if fold(e.name) == fold(name)]
    communes = sorted({e.commune_code for e in named if e.commune_code})
    if len(communes) > 1:
        where = ", ".join(f"{c} {ctx.reference.label('communes', c)}" for c in communes)
        raise ValidationError(
            [f"--commune: {name} is registered in {len(communes)} communes ({where}): say which"]
        )
    return [None, *communes]


def cmd_establishment_inspections(args: argparse.Namespace) -> int:
    from app.auth import require
    from app.inspections import check_inspection

    ctx, actor = session(args)
    require(actor, "case.read")
    day = date.fromisoformat(args.at) if args.at else ctx.today()
    given = args.commune or args.tax_code
    communes = [args.commune] if given else _communes_to_check(ctx, actor, args.name)
    checks = [
        check_inspection(ctx, at=datetime.combine(day, time(12), ctx.zone), name=args.name,
                         commune_code=commune, tax_code=args.tax_code)
        for commune in communes
    ]
    seen = sorted({i.activity_id: i for check in checks for i in check.seen}.values(),
                  key=lambda i: (i.started_at, i.activity_id))
    data = [
        {
            "post": i.station_code,
            "force": i.force,
            "officer": i.officer,
            "at": ctx.local(i.started_at).isoformat(),
            "establishment": i.establishment,
        }
        for i in seen
    ]
    days = ctx.settings.inspection_window_days
    said = "\n".join(check.message for check in checks if check.message)
    out(args, data, said or f"No inspection of {args.name} within {days} days of {day:%d/%m/%Y}.")
    return 0


def cmd_establishment_overlaps(args: argparse.Namespace) -> int:
    from app.auth import require
    from app.inspections import overlaps

    ctx, actor = session(args)
    require(actor, "case.read")
    period = _period(ctx, args.period)
    low = datetime.combine(period.start, time(), ctx.zone)
    high = datetime.combine(period.end + timedelta(days=1), time(), ctx.zone)
    days = ctx.settings.inspection_window_days
    with ctx.sessions.reads() as s:
        found = overlaps(s, low, high, days)
    data = {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "window_days": days,
        "overlaps": [
            {
                "establishment": o.establishment,
                "commune_code": o.commune_code,
                "across_forces": o.across_forces,
                "inspections": [
                    {
                        "post": i.station_code,
                        "force": i.force,
                        "officer": i.officer,
                        "at": ctx.local(i.started_at).isoformat(),
                        "reason": i.reason,
                    }
                    for i in o.inspections
                ],
            }
            for o in found
        ],
    }
    lines = [
        f"Overlapping inspections {period.start:%d/%m/%Y}–{period.end:%d/%m/%Y} (within {days} days): "
        f"{len(found)} establishments"
    ]
    for o in found:
        commune = ctx.reference.label("communes", o.commune_code) if o.commune_code else "—"
        lines.append(f"{o.establishment} — {commune}{'' if o.across_forces else ' (one unit)'}")
        for i in o.inspections:
            force = ctx.reference.label("forces", i.force)
            lines.append(f"  {ctx.local(i.started_at):%d/%m/%Y}  {i.station_code:<10} {force} ({i.officer})")
            if i.reason:
                lines.append(f"      reason: {i.reason}")
    out(args, data, "\n".join(lines))
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from app.auth import require
    from app.coverage import area_of, as_json, coverage, lines, load_areas, posts_coverage
    from app.errors import NotFound
    from db import models as m

    ctx, actor = session(args)
    require(actor, "case.read")
    period = _period(ctx, args.period)
    with ctx.sessions.reads() as s:
        if ctx.kind == "hq" and not args.station:
            found = posts_coverage(s, period.start, period.end, ctx.zone)
        else:
            code = args.station or ctx.station_code
            station = s.execute(select(m.Station).where(m.Station.code == code)).scalar_one_or_none()
            if station is None:
                raise NotFound(f"no station {code}")
            found = [coverage(s, station, area_of(station, load_areas()), period.start, period.end, ctx.zone)]
    text = "\n".join(line for item in found for line in lines(item, ctx.reference))
    out(args, [as_json(item, ctx.reference) for item in found], text or "No post.")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds this module's commands to the top-level sub-parsers; ``common`` holds ``--json``."""
    est = group(
        sub,
        "establishment",
        "the establishments register: add, list, who inspected one, overlaps",
        "Shops, warehouses and traders the forces inspect, matched by tax code or by name without "
        "accents within the commune, shared with HQ and back.",
    )
    p = est.add_parser(
        "add",
        help="add establishments from a JSON file or - for stdin",
        description="Add one establishment (a JSON object) or several (a list): name, kind (shop, warehouse, "
        "trader, market, other), address, commune_code, tax_code. One already registered (the same tax "
        "code, or the same name without accents in the same commune) is not added again: it is named. "
        "Every problem is printed with its path and nothing is written unless all are valid.",
        parents=[common],
    )
    p.add_argument("file", metavar="FILE", help="a JSON file, or - for stdin")
    p.set_defaults(func=cmd_establishment_add)
    p = est.add_parser(
        "edit",
        help="correct an establishment this station registered, from a JSON file or - for stdin",
        description="Replace the name, kind, address, commune_code and tax_code of an establishment this "
        "station registered (the same JSON object as add). A correction that would make it another "
        "registered establishment (its tax code, or its name without accents in its commune) is refused, "
        "naming that one. The new version travels to HQ with the next bundle.",
        parents=[common],
    )
    p.add_argument("id", metavar="ID", help="its id, or the first characters of it as list shows them")
    p.add_argument("file", metavar="FILE", help="a JSON file, or - for stdin")
    p.add_argument("--version", type=int, metavar="N", help="refuse if it is no longer at version N")
    p.set_defaults(func=cmd_establishment_edit)
    p = est.add_parser(
        "list",
        help="the registered establishments",
        description="Every establishment this register holds (its own and, through HQ, every post's), "
        "by name; with TEXT only those whose name holds it (accents and case do not matter) or whose "
        "tax code it is.",
        parents=[common],
    )
    p.add_argument("text", nargs="?", help="part of the name (accents and case do not matter) or a tax code")
    p.add_argument("--commune", metavar="CODE", help="only this commune")
    p.set_defaults(func=cmd_establishment_list)
    p = est.add_parser(
        "inspections",
        help="who inspected an establishment lately (the duplicate-inspection warning)",
        description="The inspections of an establishment by any post or force within the window "
        "(settings: inspection_window_days, 30 by default) of a day: this post's own, and the others' "
        "known through HQ's newest return bundle.",
        parents=[common],
    )
    p.add_argument("name", help="its name (accents and case do not matter)")
    p.add_argument("--commune", metavar="CODE", help="its commune")
    p.add_argument("--tax-code", metavar="MST", help="its tax code")
    p.add_argument("--at", metavar="DAY", help="the day of the inspection, 2026-11-20 (default: today)")
    p.set_defaults(func=cmd_establishment_inspections)
    p = est.add_parser(
        "overlaps",
        help="establishments inspected more than once within the window in a period",
        description="HQ (every post) or a post (its own and what it holds): each establishment "
        "inspected at least twice within the window during the period, by whom and when.",
        parents=[common],
    )
    p.add_argument("--period", required=True, metavar="P", help="2026-W47, 2026-11, 2026-Q4, 2026, or A..B")
    p.set_defaults(func=cmd_establishment_overlaps)
    p = sub.add_parser(
        "coverage",
        help="the communes and border markers no patrol, checkpoint or inspection reached",
        description="A post: the communes and border markers of its area "
        "(resources/reference/post_areas.json) with no patrol, checkpoint or inspection in the period. "
        "HQ: the same for every post, or for --station.",
        parents=[common],
    )
    p.add_argument("--period", required=True, metavar="P", help="2026-W47, 2026-11, 2026-Q4, 2026, or A..B")
    p.add_argument("--station", metavar="CODE", help="HQ: one post only")
    p.set_defaults(func=cmd_coverage)
