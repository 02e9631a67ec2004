"""Commands on cases: adding, listing, showing and moving them through their workflow, demo data,
and the printed legal forms with the check of a print's QR code.

Everything an officer or a chief does to one case from the command line lives here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.errors import ValidationError
from cli import exports
from cli.common import (
    STDOUT,
    Handler,
    closed_at_the_end,
    group,
    out,
    output_file,
    password,
    read_source,
    session,
    show_recovery_key,
    warn,
    write_output,
)


def cmd_case_add(args: argparse.Namespace) -> int:
    from app.interchange import parse_cases
    from app.json_input import load_json_text

    source, raw = read_source(args.file)
    ctx, actor = session(args)
    items = parse_cases(load_json_text(raw, source), ctx.reference, now=ctx.clock())
    results = ctx.cases.create_many(actor, items)
    if args.submit:
        results = [ctx.cases.submit(actor, r.id) for r in results]
    for result in results:
        for warning in result.warnings:
            warn(f"{result.number}: {warning}")
    print(json.dumps([r.document for r in results], ensure_ascii=False, indent=2))
    return 0


def _case_line(row: Any, ctx: Any) -> str:
    status = ctx.reference.label("case_statuses", row.status)
    group = ctx.reference.label("violation_groups", row.violation_group)
    if len(group) > 40:  # cut where it shows, two spaces before the place so the two are told apart
        group = group[:39].rstrip(" ,") + "…"
    return f"{row.number:<20} {row.occurred_at:%d/%m/%Y %H:%M}  {status:<12} {group:<40}  {row.place}"


# How far `case list` counts the cases its page leaves out.
COUNT_AT_MOST = 10_000


def cmd_case_list(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    case_filter = exports.case_filter(ctx, args)
    rows = ctx.cases.list(actor, case_filter, limit=args.limit)
    payload = [
        {
            "id": r.id,
            "number": r.number,
            "status": r.status,
            "occurred_at": r.occurred_at.isoformat(),
            "place": r.place,
            "violation_group": r.violation_group,
            "commodities": r.commodities,
            "ownerless": r.ownerless,
            "version": r.version,
        }
        for r in rows
    ]
    out(args, payload, "\n".join(_case_line(r, ctx) for r in rows) or "No cases.")
    if len(rows) == args.limit:  # there may be more: say so, on stderr so JSON stays clean
        # Counted only so far: a million cases take 0.17 s to count in a new process, a third of a
        # command's start (issue 20); past the bound, "more than" says enough.
        total = ctx.cases.count(actor, case_filter, at_most=COUNT_AT_MOST)
        if total > COUNT_AT_MOST:
            warn(f"showing the newest {len(rows)} of more than {COUNT_AT_MOST:,} cases; --limit N shows more")
        elif total > len(rows):
            warn(f"showing the newest {len(rows)} of {total} cases; --limit N shows more")
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    case_id = ctx.cases.resolve(args.number)
    result = ctx.cases.get(actor, case_id)
    document = dict(result.document)
    if args.history:
        document["history"] = [
            {
                "at": h.at.isoformat(),
                "actor": h.actor,
                "action": h.action,
                "version": h.version,
                "changes": h.diff,
            }
            for h in ctx.cases.history(actor, case_id)
        ]
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0


def _transition(name: str) -> Handler:
    def run(args: argparse.Namespace) -> int:
        ctx, actor = session(args)
        case_id = ctx.cases.resolve(args.number)
        service = ctx.cases
        if name == "return":
            result = service.return_to_draft(actor, case_id, args.remark)
        elif name == "void":
            result = service.void(actor, case_id, args.reason)
        else:
            result = getattr(service, name)(actor, case_id)
        out(
            args,
            {"number": result.number, "status": result.status, "version": result.version},
            f"{result.number}: {result.status} (version {result.version})",
        )
        return 0

    return run


def _register_case(sub: Any, common: argparse.ArgumentParser) -> None:
    case = group(
        sub,
        "case",
        "cases",
        "Add, list and show cases, and move them through draft → submitted → approved → closed (or voided).",
    )
    p = case.add_parser(
        "add",
        help="add cases from a JSON file (interchange format v1) or - for stdin",
        description="Add one case or a list of cases from a JSON file in the interchange format v1 "
        "(resources/schemas/case-v1.schema.json), or from stdin with '-'. Nothing is written unless every "
        "case is valid; each problem is printed with the path of its field. Prints the stored cases as JSON.",
        parents=[common],
    )
    p.add_argument("file")
    p.add_argument("--submit", action="store_true", help="submit the new cases for approval")
    p.set_defaults(func=cmd_case_add)
    p = case.add_parser(
        "list",
        help="list cases, newest first",
        description="List cases, newest first; a note on stderr says when --limit left some out.",
        parents=[common],
    )
    exports.filter_options(p)  # the same filters as 'case export'
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_case_list)
    p = case.add_parser(
        "show",
        help="show one case as JSON",
        description="Print one case, by its number or id, in the interchange format with its id, number, "
        "status, version and base-unit quantities.",
        parents=[common],
    )
    p.add_argument("number")
    p.add_argument("--history", action="store_true", help="include the audit history")
    p.set_defaults(func=cmd_case_show)
    for name, text, description in (
        ("submit", "submit for approval", "Submit a draft case to the chief for approval."),
        ("approve", "approve a submitted case", "Approve a submitted case (chief or admin)."),
        ("close", "close an approved case", "Close an approved case once it is dealt with (chief or admin)."),
    ):
        p = case.add_parser(name, help=text, description=description, parents=[common])
        p.add_argument("number")
        p.set_defaults(func=_transition(name))
    p = case.add_parser(
        "return",
        help="return a submitted case to its author",
        description="Return a submitted case to its author as a draft, with a remark saying what to fix.",
        parents=[common],
    )
    p.add_argument("number")
    p.add_argument("--remark", required=True)
    p.set_defaults(func=_transition("return"))
    p = case.add_parser(
        "void",
        help="void a case (never deleted)",
        description="Void a case with a reason. A case is never deleted; a voided one stays on record.",
        parents=[common],
    )
    p.add_argument("number")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=_transition("void"))
    from cli.exports import register_case_export

    register_case_export(case, common)  # 'case export': its own module (cli/exports.py)


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import generate_demo
    from app.demo_words import DEMO_COMMUNE
    from app.register import init_register

    if args.cases < 1:
        raise ValidationError(["--cases: must be at least 1"])
    existing = any((args.data_dir / name).exists() for name in ("register.sqlite", "database.url"))
    if args.db_url is None and not existing:
        secret = password("Password for the demo admin 'admin': ", confirm=True)
        ctx = closed_at_the_end(init_register(
            args.data_dir,
            kind="post",
            code="BP-DEMO",
            name="Đồn Biên phòng (dữ liệu mẫu)",
            admin_username="admin",
            admin_full_name="Quản trị viên",
            admin_password=secret,
            commune_code=DEMO_COMMUNE,
        ))
        actor = ctx.login("admin", secret)
        print(f"Set up a demo post BP-DEMO in {args.data_dir}; admin: admin", file=sys.stderr)
        if ctx.recovery_key:
            show_recovery_key(ctx.recovery_key, "The demo register is encrypted.")
    else:
        ctx, actor = session(args)
    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != last[0] and sys.stderr.isatty():
            print(f"\r{percent}%", end="", file=sys.stderr, flush=True)
            last[0] = percent

    made = generate_demo(ctx, actor, cases=args.cases, seed=args.seed, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    from app.demo_tips import demo_tips  # issue 19: tip-offs, some acted on and linked to a case

    tips = demo_tips(ctx, actor, min(30, made // 100) if args.tips is None else args.tips, seed=args.seed)
    out(args, {"cases": made, "tips": tips, "seed": args.seed},
        f"Added {made} demo cases and {tips} tip-offs (seed {args.seed})")
    return 0


def _register_demo(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "demo",
        help="add realistic synthetic cases",
        description="Add realistic synthetic cases, the same for the same seed. Without a register in the "
        "data folder, first sets up a demo post BP-DEMO with the admin 'admin'.",
        parents=[common],
    )
    p.add_argument("--cases", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tips", type=int, default=None,
                   help="demo tip-offs to add (default: one per 100 cases, at most 30)")
    p.set_defaults(func=cmd_demo)


def cmd_form(args: argparse.Namespace) -> int:
    from app.errors import ValidationError
    from app.forms import print_form

    ctx, actor = session(args)
    if args.pdf == STDOUT and args.json:
        raise ValidationError(["--pdf - and --json cannot both go to standard output"])
    target = output_file(args.pdf) if args.pdf else None
    printed = print_form(ctx, actor, args.code, args.number, _print_passphrase(ctx, actor, args.number))
    pdf = target if args.pdf else Path(printed.filename)
    write_output(pdf, printed.pdf)
    if pdf is None:  # the PDF is on standard output; what was written goes to stderr
        print(f"{printed.code} for {printed.case_number}: {printed.pages} page(s) to standard output",
              file=sys.stderr)
        return 0
    out(
        args,
        {
            "form": printed.code,
            "case": printed.case_number,
            "pdf": str(pdf),
            "pages": printed.pages,
            "code": printed.payload,
        },
        f"{printed.code} for {printed.case_number}: {pdf} "
        f"({printed.pages} page{'s' if printed.pages > 1 else ''})",
    )
    return 0


def _print_passphrase(ctx: Any, actor: Any, number: str) -> str | None:
    """The key passphrase a print is signed with, asked for as 'export' asks (OUTPOST_KEY_PASSPHRASE or
    a prompt). An approved or closed case prints only signed; a draft, submitted or voided one prints
    unsigned when no key or no passphrase is at hand (an empty answer to the prompt), with a warning."""
    import os

    from app.errors import RegisterError
    from app.print_codes import SIGNED_ONLY, no_key_message
    from app.sync import keys

    status = ctx.cases.get(actor, ctx.cases.resolve(number)).status
    has_key = keys.has_signing_key(ctx.paths.data_dir)
    if status in SIGNED_ONLY:
        if not has_key:
            raise RegisterError(no_key_message(ctx.kind))
        return password("Passphrase of this station's keys: ", env="OUTPOST_KEY_PASSPHRASE")
    answer = None
    if has_key and os.environ.get("OUTPOST_KEY_PASSPHRASE") is not None:
        answer = os.environ["OUTPOST_KEY_PASSPHRASE"]
    elif has_key and sys.stdin is not None and sys.stdin.isatty():
        answer = password("Passphrase of this station's keys (empty: print unsigned): ",
                          env="OUTPOST_KEY_PASSPHRASE") or None
    if answer is None:
        warn(f"the case is {status}: its form is printed unsigned, and its QR code proves nothing"
             + ("" if has_key else f" ({no_key_message(ctx.kind)})"))
    return answer


def _print_words(check: Any, local: Any = None) -> str:
    """What a print check found, in one line; ``local`` puts an instant in the register's time zone."""
    number, printed, now = check.number, check.printed_version, check.current_version
    by = check.station
    if check.signature == "old":
        said = "unsigned, printed by an earlier version of Outpost: cannot be verified"
    elif check.signature == "unsigned":
        said = (f"UNSIGNED (printed as {check.printed_status} without the station's key): this paper "
                "proves nothing")
    elif check.signature == "invalid":
        said = (f"NOT GENUINE: the signature is not {by}'s (forged, or the text was altered); "
                "this paper proves nothing")
    else:
        said = {
            "current": f"genuine: {number} as the register holds it now (version {now}), signed by {by}",
            "earlier": f"genuine but out of date: printed from version {printed} of {number}, which the "
            f"audit chain confirms; the case has changed since (now version {now})",
            "mismatch": f"does not match: signed by {by}, but no version of {number} had this content "
            f"(version {printed} claimed; the register holds version {now})",
            "foreign": f"does not match: signed by {by}, but {number} is not {by}'s case",
            "same": f"genuine: signed by {by}; this register holds the same version {printed} of {number}",
            "newer": f"genuine but out of date: signed by {by} from version {printed} of {number}; this "
            f"register holds version {now} (the case has changed since)",
            "older": f"genuine: signed by {by} from version {printed} of {number}; this register holds only "
            f"version {now} (the newer one has not been received yet)",
            "absent": f"genuine: signed by {by}; this register holds no copy of case {check.case_id} yet",
        }[check.status]
        if check.key_retired_at is not None:
            day = local(check.key_retired_at) if local else check.key_retired_at
            said += (f" (signed with the station key retired on {day:%d/%m/%Y}, when {by} was re-keyed: a "
                     "paper printed with it after that day proves nothing)")
        if check.station_revoked_at is not None:
            day = local(check.station_revoked_at) if local else check.station_revoked_at
            said += (f" (station {by} was revoked on {day:%d/%m/%Y}: a paper printed after that day "
                     "proves nothing)")
    # What the case is now, whatever the paper shows: a genuine paper of a voided or unapproved case
    # is not a final form.
    standing = {
        "draft": "the case is a draft, not approved",
        "submitted": "the case is submitted, not yet approved",
        "approved": "the case is approved",
        "closed": "the case is closed",
        "voided": f"the case is VOIDED (reason: {check.void_reason or 'none given'})",
    }
    if check.case_status:
        said += f"; {standing.get(check.case_status, f'the case is {check.case_status}')}"
    return said


def cmd_verify_print(args: argparse.Namespace) -> int:
    from app.print_codes import verify_print, verify_with_certificate

    if args.certificate:
        check, about = verify_with_certificate(args.code, Path(args.certificate))
        said = _print_words(check) if check.signature != "valid" else (
            f"genuine: signed with the key of {about['station']} "
            f"(fingerprint {about['station_fingerprint']}) that the certificate names, issued by "
            f"{about['issuer']} (key fingerprint "
            f"{about['issuer_fingerprint']}: compare it with HQ's by phone); the paper shows version "
            f"{check.printed_version} of case {check.case_id}, printed as {check.printed_status}"
        )
        out(args, {"signature": check.signature, "genuine": check.genuine, "case_id": check.case_id,
                   "printed_version": check.printed_version, "printed_status": check.printed_status,
                   **about}, said)
        return 0 if check.genuine else 9
    ctx, actor = session(args)
    check = verify_print(ctx, actor, args.code)
    out(
        args,
        {
            "genuine": check.genuine,
            "signature": check.signature,
            "station": check.station,
            "station_revoked_at": check.station_revoked_at,
            "key": "retired" if check.key_retired_at is not None else "current" if check.genuine else None,
            "key_retired_at": check.key_retired_at,
            "status": check.status,
            "case": check.number,
            "case_id": check.case_id,
            "printed_version": check.printed_version,
            "printed_status": check.printed_status,
            "current_version": check.current_version,
            "case_status": check.case_status,
            "void_reason": check.void_reason,
        },
        _print_words(check, ctx.local),
    )
    return 0 if check.genuine else 9


def _register_forms(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "form",
        help="print a legal form of a case as PDF",
        description="Write one of a case's legal forms as a PDF, with a QR code signed with the station's "
        "key that 'verify-print' checks. An approved or closed case prints only signed: the key passphrase "
        "comes from OUTPOST_KEY_PASSPHRASE or a prompt. A draft, submitted or voided case (marked so on "
        "every page) prints unsigned when no passphrase is given.",
        parents=[common],
    )
    p.add_argument("code", metavar="CODE", help="MBB01, MBB02, MBB15, MBB28 or MQĐ14 (MQD14)")
    p.add_argument("number", metavar="NUMBER", help="the case number (or id)")
    p.add_argument(
        "--pdf", metavar="OUT", help="PDF file to write ('-': standard output; default: CODE_NUMBER.pdf here)"
    )
    p.set_defaults(func=cmd_form)
    p = sub.add_parser(
        "verify-print",
        help="check a printed form's QR code text against the register",
        description="Check a printed form's QR code text: the printing station's signature (its own key, "
        "HQ's at a post, the enrolled posts' at HQ, or a certificate file's), then the paper against the "
        "register: the case as it is now, an earlier version, or content the register never held; and what "
        "the case is now: draft, submitted, approved, closed or voided (with the reason). A paper signed "
        "with a station key that a re-key retired is genuine and says when the key was retired; one of a "
        "revoked station says when it was revoked. A forged, altered, "
        "unsigned or old (OUTPOST-PRINT:1) code proves nothing: exit 9.",
        parents=[common],
    )
    p.add_argument("code", metavar="TEXT", help="the text of the QR code (OUTPOST-PRINT:2:…)")
    p.add_argument(
        "--certificate",
        metavar="FILE",
        help="check the signature offline against this station certificate (the certificate.json of a "
        "bundle the post sent), without a register",
    )
    p.set_defaults(func=cmd_verify_print)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds this module's commands to the top-level sub-parsers; ``common`` holds ``--json``."""
    _register_case(sub, common)
    _register_demo(sub, common)
    _register_forms(sub, common)
    # tip-offs: cli/tips.py
