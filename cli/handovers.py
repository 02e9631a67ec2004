"""Commands on hand-overs to the police: record one for a criminal case, follow it up, list them,
print the hand-over minutes (docs/domain.md §4, "Hand-overs to the police")."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from cli.common import STDOUT, group, out, output_file, read_source, session, write_output


def _document(handover: Any) -> dict[str, Any]:
    return {
        "id": handover.id,
        "case": handover.case_number,
        "station": handover.station,
        "receiving_agency": handover.receiving_agency,
        "handed_on": handover.handed_on.isoformat(),
        "documents": list(handover.documents),
        "receipt_no": handover.receipt_no,
        "defendants": [{"full_name": d.full_name, "id_number": d.id_number} for d in handover.defendants],
        "handed_by": handover.handed_by,
        "received_by": handover.received_by,
        "note": handover.note,
        "status": handover.status,
        "status_on": handover.status_on.isoformat(),
        "followups": [
            {"status": f.status, "on": f.on.isoformat(), "note": f.note, "by": f.by}
            for f in handover.followups
        ],
        "version": handover.version,
    }


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def cmd_handover_add(args: argparse.Namespace) -> int:
    from app.handover_json import parse_handover
    from app.handovers import HandoverService
    from app.json_input import load_json_text

    source, raw = read_source(args.file)
    ctx, actor = session(args)
    data = parse_handover(load_json_text(raw, source))  # every problem by its path, nothing written
    made = HandoverService(ctx).add(actor, ctx.cases.resolve(args.case), data).handover
    out(args, _document(made), f"Case {made.case_number} handed over to {made.receiving_agency} ({made.id})")
    return 0


def cmd_handover_status(args: argparse.Namespace) -> int:
    from app.handovers import HandoverService, status_text

    ctx, actor = session(args)
    service = HandoverService(ctx)
    made = service.follow_up(
        actor, service.resolve(args.case), args.status, args.on or ctx.today(), args.note or ""
    ).handover
    out(
        args,
        _document(made),
        f"Case {made.case_number}: {status_text(made.status)} on {made.status_on:%d/%m/%Y}",
    )
    return 0


def cmd_handover_list(args: argparse.Namespace) -> int:
    from app.handovers import HandoverService, status_text

    ctx, actor = session(args)
    found = HandoverService(ctx).find(actor, status=args.status, start=args.start, end=args.end)
    lines = [
        f"{h.case_number:<20} {h.handed_on:%d/%m/%Y}  {status_text(h.status):<38} {h.receiving_agency}"
        for h in found
    ]
    out(args, [_document(h) for h in found], "\n".join(lines) if lines else "No hand-overs.")
    return 0


def cmd_handover_show(args: argparse.Namespace) -> int:
    from app.handovers import HandoverService

    ctx, actor = session(args)
    service = HandoverService(ctx)
    found = service.get(actor, service.resolve(args.case))
    document = _document(found)
    document["history"] = [
        {"at": h.at.isoformat(), "actor": h.actor, "action": h.action, "version": h.version, "diff": h.diff}
        for h in service.history(actor, found.id)
    ]
    out(args, document)
    return 0


def cmd_handover_print(args: argparse.Namespace) -> int:
    from app.handover_form import print_handover
    from app.handovers import HandoverService
    from cli.cases import _print_passphrase

    ctx, actor = session(args)
    target = output_file(args.pdf) if args.pdf else None
    service = HandoverService(ctx)
    handover = service.get(actor, service.resolve(args.case))
    printed = print_handover(ctx, actor, handover.id, _print_passphrase(ctx, actor, handover.case_id))
    pdf = target if args.pdf else Path(printed.filename)
    write_output(pdf, printed.pdf)
    if pdf is None:
        print(
            f"hand-over minutes of {printed.case_number}: {printed.pages} page(s) to standard output",
            file=sys.stderr,
        )
        return 0
    out(
        args,
        {"case": printed.case_number, "pdf": str(pdf), "pages": printed.pages, "code": printed.payload},
        f"Hand-over minutes of {printed.case_number}: {pdf} ({printed.pages} page(s))",
    )
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds ``handover`` and its actions to the top-level sub-parsers; ``common`` holds ``--json``."""
    handover = group(
        sub,
        "handover",
        "hand-overs of criminal cases to the police (bàn giao)",
        "Record a criminal case's hand-over to an investigating agency, follow up what the police did "
        "with it, list the hand-overs and print the hand-over minutes (biên bản bàn giao).",
    )
    p = handover.add_parser(
        "add",
        help="record a case's hand-over from a JSON file",
        description="Record the hand-over of a case whose outcome is a criminal transfer, from a JSON "
        "object (resources/schemas/handover-v1.schema.json): receiving_agency, handed_on (YYYY-MM-DD), "
        "documents (list of texts), receipt_no, defendants (the case's parties by full name or identity "
        "number; default: every party but the witnesses), handed_by, received_by, note. Every problem is "
        "reported by its path (exit 2) and nothing is written unless all is valid.",
        parents=[common],
    )
    p.add_argument("case", metavar="CASE", help="the case number (or id)")
    p.add_argument("file", metavar="FILE", help="the JSON file ('-': standard input)")
    p.set_defaults(func=cmd_handover_add)
    p = handover.add_parser(
        "status",
        help="record the police's answer",
        description="Record the next step of a hand-over: received (by the police), then prosecuted or "
        "returned (for administrative handling), with its day and a note.",
        parents=[common],
    )
    p.add_argument("case", metavar="CASE", help="the case number (or id)")
    p.add_argument("status", choices=("received", "prosecuted", "returned"))
    p.add_argument("--on", type=_day, metavar="DATE", help="the day of the answer (default: today)")
    p.add_argument("--note", help="e.g. the number of the decision to prosecute")
    p.set_defaults(func=cmd_handover_status)
    p = handover.add_parser(
        "list", help="list the hand-overs", description="The hand-overs, newest first.", parents=[common]
    )
    p.add_argument("--status", choices=("handed_over", "received", "prosecuted", "returned"))
    p.add_argument("--from", dest="start", type=_day, metavar="DATE", help="handed over on or after")
    p.add_argument("--to", dest="end", type=_day, metavar="DATE", help="handed over on or before")
    p.set_defaults(func=cmd_handover_list)
    p = handover.add_parser(
        "show",
        help="a hand-over with its history (JSON)",
        description="A hand-over as JSON, with its audit history.",
        parents=[common],
    )
    p.add_argument("case", metavar="CASE", help="the case number (or id)")
    p.set_defaults(func=cmd_handover_show)
    p = handover.add_parser(
        "print",
        help="print the hand-over minutes as PDF",
        description="Write the hand-over minutes (biên bản bàn giao) as a PDF with a QR code signed with "
        "the station's key that 'verify-print' checks; signed as the case's forms are (an approved or "
        "closed case only signed: OUTPOST_KEY_PASSPHRASE or a prompt).",
        parents=[common],
    )
    p.add_argument("case", metavar="CASE", help="the case number (or id)")
    p.add_argument(
        "--pdf",
        metavar="OUT",
        help=f"PDF file to write ('{STDOUT}': standard output; default: BBBG_NUMBER.pdf here)",
    )
    p.set_defaults(func=cmd_handover_print)
