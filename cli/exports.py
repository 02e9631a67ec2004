"""Export commands: ``case export`` (the case list with its filters, to Excel, CSV or GeoJSON),
``people export`` and ``vehicles export`` (``app/exports.py`` says how each format is written).

The filter options are the case list's filter bar, the same for the three commands: people and
vehicles are those of the cases that pass it. ``case export`` hangs under ``case`` (a hook in
``cli/cases.py``); the other two are command groups of their own."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from cli.common import existing_folder, group, out, session


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _delimiter(text: str) -> str:
    named = {"semicolon": ";", "comma": ","}.get(text.strip().lower(), text)
    if named not in (";", ","):
        raise argparse.ArgumentTypeError(f"{text!r} is not ';', ',', 'semicolon' or 'comma'")
    return named


def _filter_options(p: argparse.ArgumentParser) -> None:
    filter_options(p)
    p.add_argument(
        "--language",
        choices=["vi", "en"],
        help="language of the column titles and labels (default: the register's, as the app shows them)",
    )
    p.add_argument(
        "--delimiter",
        type=_delimiter,
        help="CSV only: ';' (or 'semicolon': Excel on a Vietnamese Windows, decimal comma) or ',' (or "
        "'comma': Excel on an English Windows, decimal point); default ';' when the file's language is "
        "Vietnamese, else ','",
    )
    p.add_argument("-o", "--output", required=True, type=Path, help="the file to write")


def filter_options(p: argparse.ArgumentParser) -> None:
    """The case list's filters, the same for ``case list`` and the exports (``case_filter`` reads them)."""
    p.add_argument("--search", default="", help="accent-insensitive search, as the list's search box")
    p.add_argument(
        "--status",
        action="append",
        choices=["draft", "submitted", "approved", "closed", "voided"],
        help="only cases in this status (repeat for several)",
    )
    p.add_argument("--from", dest="start", type=_day, help="first day of the offence, YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_day, help="last day of the offence, YYYY-MM-DD")
    p.add_argument("--group", help="violation group code, e.g. prohibited_smuggled")
    p.add_argument("--commodity", help="commodity code, e.g. cigarettes")
    p.add_argument("--force", help="lead force code")
    owner = p.add_mutually_exclusive_group()
    owner.add_argument("--ownerless", action="store_true", default=None, help="only goods without an owner")
    owner.add_argument(
        "--with-owner", dest="ownerless", action="store_false", help="only cases with an owner"
    )
    p.add_argument("--campaign", help="a campaign's id, first day or name")
    p.add_argument("--station", help="at HQ: only the cases of this post (its code)")


def case_filter(ctx: Any, args: argparse.Namespace) -> Any:
    from sqlalchemy import select

    from app.campaigns import find_campaign
    from app.domain import CaseFilter
    from app.errors import NotFound
    from db import models as m

    origin = None
    if args.station:
        with ctx.sessions.reads() as s:
            origin = s.execute(
                select(m.Station.id).where(m.Station.code == args.station)
            ).scalar_one_or_none()
        if origin is None:
            raise NotFound(f"no station {args.station} in this register")
    return CaseFilter(
        query=args.search,
        start=args.start,
        end=args.end,
        statuses=tuple(args.status or ()),
        violation_group=args.group,
        commodity=args.commodity,
        lead_force=args.force,
        ownerless=args.ownerless,
        campaign_id=find_campaign(ctx, args.campaign).id if args.campaign else None,
        origin=origin,
    )


def _in_language(ctx: Any, args: argparse.Namespace) -> None:
    """The file is for people, in the app's language: the register's unless --language says otherwise.
    Switched only once everything the command was given is checked, so that its own messages stay
    English, as every command's (a refusal after it would be said in the file's language)."""
    from app.i18n import set_language

    set_language(args.language or ctx.settings.language)


def _checked(args: argparse.Namespace, actor: Any, allowed: tuple[str, ...]) -> str:
    """The file's format (``--format`` or the output's suffix), checked with the user's right to read
    cases (argparse checks the rest)."""
    from app.auth import require
    from app.exports import check_format

    require(actor, "case.read")
    fmt = _format(args)
    check_format(fmt, allowed)
    return fmt


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = args.output.suffix.lower().lstrip(".")
    return str({"json": "geojson"}.get(suffix, suffix))


def _done(args: argparse.Namespace, what: str, result: Any) -> int:
    extra = ""
    if result.left_out and what == "located cases":
        extra = f" ({result.left_out} without coordinates left out)"
    elif result.left_out:
        extra = f" ({result.left_out} rows past Excel's last row left out)"
    if result.delimiter:
        extra += f" (separated by '{result.delimiter}')"
    out(
        args,
        {"file": str(result.path), "rows": result.rows, "left_out": result.left_out,
         "delimiter": result.delimiter},
        f"{result.rows} {what} written to {result.path}{extra}",
    )
    return 0


def cmd_case_export(args: argparse.Namespace) -> int:
    from app.domain import CaseSort
    from app.exports import FORMATS, export_cases

    existing_folder(args.output.parent)
    ctx, actor = session(args)
    fmt = _checked(args, actor, FORMATS)
    sort = CaseSort(args.sort, descending=not args.ascending)
    chosen = case_filter(ctx, args)
    _in_language(ctx, args)
    result = export_cases(ctx, actor, chosen, fmt, args.output, sort=sort, delimiter=args.delimiter)
    return _done(args, "located cases" if fmt == "geojson" else "cases", result)


def cmd_people_export(args: argparse.Namespace) -> int:
    from app.exports import LIST_FORMATS, export_people

    existing_folder(args.output.parent)
    ctx, actor = session(args)
    fmt = _checked(args, actor, LIST_FORMATS)
    chosen = case_filter(ctx, args)
    _in_language(ctx, args)
    result = export_people(ctx, actor, chosen, fmt, args.output, delimiter=args.delimiter)
    return _done(args, "people", result)


def cmd_vehicles_export(args: argparse.Namespace) -> int:
    from app.exports import LIST_FORMATS, export_vehicles

    existing_folder(args.output.parent)
    ctx, actor = session(args)
    fmt = _checked(args, actor, LIST_FORMATS)
    chosen = case_filter(ctx, args)
    _in_language(ctx, args)
    result = export_vehicles(ctx, actor, chosen, fmt, args.output, delimiter=args.delimiter)
    return _done(args, "vehicles", result)


def register_case_export(case: Any, common: argparse.ArgumentParser) -> None:
    """``case export``, added to the ``case`` group by ``cli/cases.py``."""
    p = case.add_parser(
        "export",
        help="export the case list to Excel, CSV or GeoJSON",
        description="Write the cases that pass the filters, in the list's order and columns, to an Excel "
        "workbook, a CSV file (UTF-8 with a byte-order mark, for Excel; separated by ';' or ',' as "
        "--delimiter says) or, with their coordinates, GeoJSON (RFC 7946: longitude then latitude) for "
        "QGIS. The format follows the file's extension unless --format says otherwise. Every export is "
        "recorded in the audit trail (who, what, how many rows, the filters, the file's name).",
        parents=[common],
    )
    p.add_argument("--format", choices=["xlsx", "csv", "geojson"])
    p.add_argument(
        "--sort",
        default="occurred_at",
        choices=["occurred_at", "number", "place", "violation_group", "status"],
    )
    p.add_argument("--ascending", action="store_true", help="oldest (or A) first; newest first by default")
    _filter_options(p)
    p.set_defaults(func=cmd_case_export)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """``people export`` and ``vehicles export``."""
    for name, noun, handler in (
        ("people", "people and organisations", cmd_people_export),
        ("vehicles", "vehicles and vessels", cmd_vehicles_export),
    ):
        actions = group(sub, name, f"export the {noun} named in cases", f"Export the {noun} named in cases.")
        p = actions.add_parser(
            "export",
            help=f"export the {noun} of the cases passing the filters to Excel or CSV",
            description=f"Write the {noun} of the cases that pass the filters, one row each with its case "
            "number, to an Excel workbook or a CSV file (UTF-8 with a byte-order mark). Informants are "
            "never exported: they are sealed in the tip-offs, which no export reads. Every export is "
            "recorded in the audit trail (who, what, how many rows, the filters, the file's name).",
            parents=[common],
        )
        p.add_argument("--format", choices=["xlsx", "csv"])
        _filter_options(p)
        p.set_defaults(func=handler)
