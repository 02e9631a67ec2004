"""The ``outpost`` command line (DESIGN §7): every command goes through the same services as the GUI."""

from __future__ import annotations

import argparse
import faulthandler
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app import __version__
from app.errors import AppError, AuthError, Cancelled

EXIT_USAGE = 2


def default_data_dir() -> Path:
    env = os.environ.get("OUTPOST_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("Outpost", appauthor=False))


# ----- helpers ---------------------------------------------------------------------------------


def _out(args: argparse.Namespace, value: Any, text: str | None = None) -> None:
    if getattr(args, "json", False) or text is None:
        print(json.dumps(value, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)


def _warn(message: str) -> None:
    print(f"outpost: warning: {message}", file=sys.stderr)


def _password(prompt: str, env: str = "OUTPOST_PASSWORD", confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise AuthError(f"no password: set {env} or run the command in a terminal to be asked")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the password: ") != first:
        raise AuthError("the two passwords differ; nothing was changed")
    return first


def _open(args: argparse.Namespace) -> Any:
    from app.register import open_register

    return open_register(args.data_dir, db_url=args.db_url)


def _login(args: argparse.Namespace, ctx: Any) -> Any:
    username = args.user or ctx.only_admin()
    if not username:
        raise AuthError("several admins exist: say who is acting with --user NAME")
    return ctx.login(username, _password(f"Password for {username}: "))


def _session(args: argparse.Namespace) -> tuple[Any, Any]:
    ctx = _open(args)
    return ctx, _login(args, ctx)


# ----- commands --------------------------------------------------------------------------------


def cmd_gui(args: argparse.Namespace) -> int:
    from ui.app import run_gui

    return int(run_gui(args.data_dir))


def cmd_init(args: argparse.Namespace) -> int:
    from app.register import init_register

    password = _password(f"Password for the new admin {args.admin}: ", confirm=True)
    ctx = init_register(
        args.data_dir,
        kind=args.kind,
        code=args.code,
        name=args.name,
        admin_username=args.admin,
        admin_full_name=args.admin_name,
        admin_password=password,
        force=getattr(args, "force", "border_guard"),
        commune_code=getattr(args, "commune", None),
        header_lines=getattr(args, "header_line", None) or [],
        db_url=args.db_url,
    )
    summary = {
        "kind": ctx.kind,
        "station": ctx.station_code,
        "data_dir": str(args.data_dir),
        "admin": args.admin,
    }
    _out(args, summary, f"Set up {ctx.kind} {ctx.station_code} in {args.data_dir}; admin: {args.admin}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    ctx = _open(args)
    acting_password = _password("Your password: ")
    username = args.user or ctx.only_admin()
    if not username:
        raise AuthError("several admins exist: say who is acting with --user NAME")
    actor = ctx.login(username, acting_password)
    new_password = _password(f"Password for {args.username}: ", env="OUTPOST_NEW_PASSWORD", confirm=True)
    view = ctx.users.add(
        actor,
        args.username,
        role=args.role,
        full_name=args.full_name,
        password=new_password,
        rank=args.rank,
        position=args.position,
        actor_password=acting_password,
    )
    _out(args, view.__dict__, f"Added {view.role} {view.username} ({view.full_name})")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    ctx, actor = _session(args)
    views = ctx.users.list(actor)
    lines = [
        f"{v.username:<16} {v.role:<8} {'active' if v.active else 'inactive':<8} {v.full_name}" for v in views
    ]
    _out(args, [v.__dict__ for v in views], "\n".join(lines))
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    ctx, actor = _session(args)
    view = ctx.users.unlock(actor, args.username)
    _out(args, view.__dict__, f"Unlocked {view.username}")
    return 0


def cmd_case_add(args: argparse.Namespace) -> int:
    from app.interchange import load_json_text, parse_cases

    if args.file == "-":
        source, raw = "<stdin>", sys.stdin.read()
    else:
        path = Path(args.file)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise AppError(f"{path}: no such file") from None
        except UnicodeDecodeError as exc:
            raise AppError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        source = str(path)
    ctx = _open(args)
    items = parse_cases(load_json_text(raw, source), ctx.reference, now=ctx.clock())
    actor = _login(args, ctx)
    results = ctx.cases.create_many(actor, items)
    if args.submit:
        results = [ctx.cases.submit(actor, r.id) for r in results]
    for result in results:
        for warning in result.warnings:
            _warn(f"{result.number}: {warning}")
    print(json.dumps([r.document for r in results], ensure_ascii=False, indent=2))
    return 0


def _case_line(row: Any, ctx: Any) -> str:
    status = ctx.reference.label("case_statuses", row.status)
    group = ctx.reference.label("violation_groups", row.violation_group)
    return f"{row.number:<20} {row.occurred_at:%d/%m/%Y %H:%M}  {status:<12} {group[:40]:<40} {row.place}"


def cmd_case_list(args: argparse.Namespace) -> int:
    from app.domain import CaseFilter

    ctx, actor = _session(args)
    case_filter = CaseFilter(query=args.search or "", statuses=(args.status,) if args.status else ())
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
    _out(args, payload, "\n".join(_case_line(r, ctx) for r in rows) or "No cases.")
    if len(rows) == args.limit:  # there may be more: say so, on stderr so JSON stays clean
        total = ctx.cases.count(actor, case_filter)
        if total > len(rows):
            _warn(f"showing the newest {len(rows)} of {total} cases; --limit N shows more")
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    ctx, actor = _session(args)
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


def _transition(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        ctx, actor = _session(args)
        case_id = ctx.cases.resolve(args.number)
        service = ctx.cases
        if name == "return":
            result = service.return_to_draft(actor, case_id, args.remark)
        elif name == "void":
            result = service.void(actor, case_id, args.reason)
        else:
            result = getattr(service, name)(actor, case_id)
        _out(
            args,
            {"number": result.number, "status": result.status, "version": result.version},
            f"{result.number}: {result.status} (version {result.version})",
        )
        return 0

    return run


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import generate_demo
    from app.register import init_register

    if args.cases < 1:
        raise AppError("--cases must be at least 1")
    if args.db_url is None and not (args.data_dir / "register.sqlite").exists():
        password = _password("Password for the demo admin 'admin': ", confirm=True)
        ctx = init_register(
            args.data_dir,
            kind="post",
            code="BP-DEMO",
            name="Đồn Biên phòng (dữ liệu mẫu)",
            admin_username="admin",
            admin_full_name="Quản trị viên",
            admin_password=password,
            commune_code="30325",
        )
        actor = ctx.login("admin", password)
        print(f"Set up a demo post BP-DEMO in {args.data_dir}; admin: admin", file=sys.stderr)
    else:
        ctx, actor = _session(args)
    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != last[0] and sys.stderr.isatty():
            print(f"\r{percent}%", end="", file=sys.stderr, flush=True)
            last[0] = percent

    made = generate_demo(ctx, actor, cases=args.cases, seed=args.seed, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    _out(args, {"cases": made, "seed": args.seed}, f"Added {made} demo cases (seed {args.seed})")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from app import audit

    ctx, actor = _session(args)
    from app.auth import require

    require(actor, "audit.verify")
    with ctx.sessions.engine.connect() as conn:
        report = audit.verify(conn)
    payload = {
        "ok": report.ok,
        "events": report.events,
        "entities": report.entities,
        "problems": report.problems,
    }
    if report.ok:
        _out(args, payload, f"Audit chain intact: {report.events} events, {report.entities} records match.")
        return 0
    if args.json:
        _out(args, payload)
    else:
        print(f"AUDIT FAILED: {len(report.problems)} problem(s):", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
    return 9


def cmd_backup(args: argparse.Namespace) -> int:
    from app.auth import require
    from app.register import backup_register

    ctx, actor = _session(args)
    require(actor, "register.backup")
    path = backup_register(ctx, Path(args.out) if args.out else None)
    _out(args, {"backup": str(path)}, f"Backed up the register to {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.auth import require
    from app.register import restore_register

    ctx, actor = _session(args)
    require(actor, "register.restore")
    safety = restore_register(ctx, Path(args.file))
    _out(
        args,
        {"restored": args.file, "previous_saved_to": str(safety)},
        f"Restored {args.file}; the register as it was is saved in {safety}",
    )
    return 0


def _key_passphrase(ctx: Any) -> str:
    from app import keys

    new = not keys.has_signing_key(ctx.paths.data_dir)
    prompt = "New passphrase for this station's keys: " if new else "Passphrase of this station's keys: "
    return _password(prompt, env="OUTPOST_KEY_PASSPHRASE", confirm=new)


def _enrolment_text(done: Any, lines: list[str]) -> str:
    lines.append("Compare these fingerprints by phone with the other side before going on:")
    lines.append(f"  station {done.station_code:<12} {done.station_fingerprint}")
    if done.hq_code:
        lines.append(f"  HQ {done.hq_code:<17} {done.hq_fingerprint}  (signing)")
        lines.append(f"  {'':20} {done.hq_encryption_fingerprint}  (encryption)")
    return "\n".join(lines)


def cmd_enroll_request(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from app.enrol import make_request

    ctx, actor = _session(args)
    done = make_request(ctx, actor, _key_passphrase(ctx), Path(args.out))
    text = _enrolment_text(done, [f"Wrote the enrolment request {args.out}; take it to HQ."])
    _out(args, {"request": args.out, **asdict(done)}, text)
    return 0


def cmd_enroll_accept(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from app.enrol import accept_request

    ctx, actor = _session(args)
    done = accept_request(ctx, actor, _key_passphrase(ctx), Path(args.request), Path(args.out))
    text = _enrolment_text(
        done, [f"Enrolled station {done.station_code}; wrote {args.out} for the post to install."]
    )
    _out(args, {"reply": args.out, **asdict(done)}, text)
    return 0


def cmd_enroll_install(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from app.enrol import install_reply

    ctx, actor = _session(args)
    done = install_reply(ctx, actor, _key_passphrase(ctx), Path(args.reply))
    text = _enrolment_text(done, [f"Installed HQ {done.hq_code}'s keys and this station's certificate."])
    _out(args, {"installed": args.reply, **asdict(done)}, text)
    return 0


def cmd_station_list(args: argparse.Namespace) -> int:
    from app.domain import VIETNAM
    from app.sync import posts

    ctx, actor = _session(args)
    found = posts(ctx, actor)

    def when(moment: Any) -> str | None:
        return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") if moment else None

    rows = [
        {
            "code": p.code,
            "name": p.name,
            "revoked_at": when(p.revoked_at),
            "acknowledged_seq": p.acknowledged,
            "missing": p.missing,
            "last_received": when(p.last_received),
        }
        for p in found
    ]
    lines = [
        f"{p.code:<10} {p.name:<40} "
        + (f"revoked {when(p.revoked_at)}" if p.revoked_at else f"received up to {p.acknowledged}")
        + (f", missing {', '.join(f'{a}–{b}' for a, b in p.missing)}" if p.missing else "")
        + (f", last bundle {when(p.last_received)}" if p.last_received else ", no bundle yet")
        for p in found
    ]
    _out(args, rows, "\n".join(lines) or "No post is enrolled yet.")
    return 0


def cmd_station_revoke(args: argparse.Namespace) -> int:
    from app.domain import VIETNAM
    from app.enrol import revoke

    ctx, actor = _session(args)
    when = revoke(ctx, actor, args.code)
    _out(
        args,
        {"revoked": args.code, "at": when.isoformat()},
        f"Station {args.code} is revoked (since {when.astimezone(VIETNAM):%d/%m/%Y %H:%M}); "
        "its bundles are refused and HQ sends it no return bundle.",
    )
    return 0


def _size(text: str) -> int:
    """A size like 20M, 500K or 1048576 (bytes)."""
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = text.strip().upper().removesuffix("B")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 20M, 500K or 1048576") from None


def _existing_folder(folder: Path) -> None:
    """Bundles are written only into a folder that exists: a mistyped or unmounted USB path must not
    put them on the laptop's own disk."""
    from app.errors import NotFound

    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise NotFound(f"{folder} {what} (is the USB stick plugged in? create the folder first)")


def cmd_export(args: argparse.Namespace) -> int:
    from app.sync import export_changes

    ctx, actor = _session(args)
    _existing_folder(Path(args.out))
    result = export_changes(ctx, actor, _key_passphrase(ctx), Path(args.out), args.max_part_size)
    payload = {
        "files": [str(f) for f in result.files],
        "records": result.records,
        "attachments": result.attachments,
        "first_seq": result.first_seq,
        "last_seq": result.last_seq,
    }
    if not result.files:
        text = "Nothing to send: HQ has acknowledged every change."
    else:
        text = "\n".join(
            [
                f"Wrote {len(result.files)} bundle file(s) with {result.records} case(s) and "
                f"{result.attachments} file(s), changes {result.first_seq}–{result.last_seq}:",
                *(f"  {f}" for f in result.files),
            ]
        )
    if args.email and result.files:
        from app.mail import deliver

        password = None
        if ctx.settings.smtp_username:
            password = _password(
                f"Mail password for {ctx.settings.smtp_username}: ", env="OUTPOST_SMTP_PASSWORD"
            )
        delivery = deliver(ctx, result.files, password)
        payload["emailed"] = [str(f) for f in delivery.sent]
        payload["outbox"] = str(delivery.outbox) if delivery.outbox else None
        if delivery.sent:
            text += f"\nE-mailed {len(delivery.sent)} file(s) to {ctx.settings.mail_to}."
        if delivery.outbox:
            _warn(f"not e-mailed: {delivery.reason}")
            text += f"\nThe files to send by hand are in {delivery.outbox} (instructions inside)."
    _out(args, payload, text)
    return 0


def cmd_mail_setup(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from app.auth import require
    from app.mail import check_mail_settings
    from app.settings import save_settings

    ctx, actor = _session(args)
    require(actor, "station.enrol")
    check_mail_settings(args.host, args.port, args.security, args.sender, args.to)
    ctx.settings = replace(
        ctx.settings,
        smtp_host=args.host,
        smtp_port=args.port,
        smtp_security=args.security,
        smtp_username=args.username or "",
        mail_from=args.sender,
        mail_to=args.to,
    )
    save_settings(ctx.paths.settings, ctx.settings)
    _out(
        args,
        {"smtp_host": args.host, "smtp_port": args.port, "mail_to": args.to},
        f"Bundles will be e-mailed to {args.to} through {args.host}:{args.port} ({args.security}).",
    )
    return 0


def cmd_mail_setup_imap(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from app.auth import require
    from app.errors import RegisterError
    from app.inbox import check_imap_settings, inbox_folder
    from app.settings import save_settings

    ctx, actor = _session(args)
    require(actor, "station.enrol")
    if ctx.kind != "hq":
        raise RegisterError(
            "only HQ fetches bundles from a mailbox; a post sends them ('outpost mail setup')"
        )
    check_imap_settings(args.host, args.port, args.security, args.username)
    ctx.settings = replace(
        ctx.settings,
        imap_host=args.host,
        imap_port=args.port,
        imap_security=args.security,
        imap_username=args.username,
        inbox_folder=str(Path(args.inbox).expanduser().resolve())
        if args.inbox
        else ctx.settings.inbox_folder,
    )
    save_settings(ctx.paths.settings, ctx.settings)
    folder = inbox_folder(ctx)
    _out(
        args,
        {"imap_host": args.host, "imap_port": args.port, "inbox": str(folder)},
        f"Bundles mailed to {args.username} at {args.host}:{args.port} ({args.security}) will be fetched "
        f"into {folder}.",
    )
    return 0


def cmd_mail_fetch(args: argparse.Namespace) -> int:
    from app.auth import require
    from app.inbox import fetch_mail

    ctx, actor = _session(args)
    require(actor, "sync.import")
    password = _password(f"Mailbox password for {ctx.settings.imap_username}: ", env="OUTPOST_IMAP_PASSWORD")
    fetched = fetch_mail(ctx, password)
    for reason in fetched.ignored:
        _warn(f"not taken: {reason}")
    _out(
        args,
        {
            "saved": [str(p) for p in fetched.saved],
            "messages": fetched.messages,
            "ignored": list(fetched.ignored),
        },
        f"Saved {len(fetched.saved)} bundle file(s) from {fetched.messages} message(s) into the inbox"
        + "".join(f"\n  {p}" for p in fetched.saved),
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.inbox import file_away, refuse, waiting
    from app.sync import import_bundles

    if not args.files and not args.inbox:
        from app.errors import ValidationError

        raise ValidationError(["import: give the bundle files (.outpost), or --inbox"])
    ctx, actor = _session(args)
    inbox = waiting(ctx) if args.inbox else []
    from_inbox = [p.name for p in inbox]
    args.files = [*args.files, *(str(p) for p in inbox)]
    if not args.files:
        _out(args, {"new": 0, "applied": []}, "Nothing to import: the inbox is empty.")
        return 0
    summary = import_bundles(ctx, actor, _key_passphrase(ctx), [Path(f) for f in args.files], args.dry_run)
    if from_inbox and not args.dry_run and not summary.rejected:
        done = {*summary.applied, *(item["file"] for item in summary.skipped)}
        file_away(ctx, [name for name in from_inbox if name in done])
    if from_inbox and not args.dry_run and summary.rejected:
        moved = refuse(ctx, [item for item in summary.rejected if item["file"] in from_inbox])
        if moved:
            _warn(
                f"moved {len(moved)} refused file(s) to {moved[0].parent} with their reasons; "
                "'import --inbox' again takes the rest"
            )
    print(json.dumps({**summary.as_json(), "dry_run": args.dry_run}, ensure_ascii=False, indent=2))
    for skipped in summary.skipped:
        _warn(f"skipped: {skipped['reason']}")
    for rejected in summary.rejected:
        _warn(f"rejected: {rejected['reason']}")
    if summary.rejected:
        refused = {item["file"] for item in summary.rejected}
        held = [path.name for path in map(Path, args.files) if path.name not in refused]
        held = [name for name in held if name not in {item["file"] for item in summary.skipped}]
        if held:
            _warn(f"nothing was applied: import {', '.join(held)} again without the refused files")
    return 3 if summary.rejected else 0


def cmd_reply(args: argparse.Namespace) -> int:
    from app.sync import make_reply

    ctx, actor = _session(args)
    _existing_folder(Path(args.out))
    path = make_reply(ctx, actor, _key_passphrase(ctx), args.station, Path(args.out))
    _out(args, {"file": str(path)}, f"Wrote the return bundle for {args.station}: {path}")
    return 0


def cmd_reference_set(args: argparse.Namespace) -> int:
    from app.sync import set_reference_items

    ctx, actor = _session(args)
    count = set_reference_items(ctx, actor, Path(args.file))
    _out(
        args,
        {"stored": count},
        f"Stored {count} reference {'entry' if count == 1 else 'entries'}; "
        "posts receive them in their next return bundle.",
    )
    return 0


def _cli_day(text: str, option: str) -> Any:
    from datetime import date

    from app.errors import ValidationError
    from app.formatting import parse_date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        try:
            return parse_date(text)
        except ValidationError:
            raise ValidationError(
                [f"{option} {text!r}: not a real date (write 2026-01-20 or 20/01/2026)"]
            ) from None


def _campaign_out(args: argparse.Namespace, row: Any, verb: str) -> None:
    _out(
        args,
        {"id": row.id, "name": row.name, "starts_on": row.starts_on, "ends_on": row.ends_on},
        f"{verb} campaign {row.id[:8]} {row.label}; posts receive it in their next return bundle.",
    )


def cmd_campaign_add(args: argparse.Namespace) -> int:
    from app.campaigns import add_campaign

    start, end = _cli_day(args.start, "--from"), _cli_day(args.end, "--to")
    ctx, actor = _session(args)
    _campaign_out(args, add_campaign(ctx, actor, args.name, start, end), "Declared")
    return 0


def cmd_campaign_change(args: argparse.Namespace) -> int:
    from app.campaigns import change_campaign, find_campaign

    ctx, actor = _session(args)
    held = find_campaign(ctx, args.campaign)
    row = change_campaign(
        ctx,
        actor,
        held.id,
        args.name if args.name is not None else held.name,
        _cli_day(args.start, "--from") if args.start else held.starts_on,
        _cli_day(args.end, "--to") if args.end else held.ends_on,
    )
    _campaign_out(args, row, "Changed")
    return 0


def cmd_campaign_list(args: argparse.Namespace) -> int:
    from app.campaigns import list_campaigns

    ctx = _open(args)
    rows = list_campaigns(ctx)
    _out(
        args,
        [{"id": r.id, "name": r.name, "starts_on": r.starts_on, "ends_on": r.ends_on} for r in rows],
        "\n".join(f"{r.id[:8]}  {r.starts_on:%d/%m/%Y}–{r.ends_on:%d/%m/%Y}  {r.name}" for r in rows)
        or "No campaigns yet (HQ declares them with 'outpost campaign add').",
    )
    return 0


def cmd_form(args: argparse.Namespace) -> int:
    from app.forms import print_form
    from app.printing import save

    ctx, actor = _session(args)
    printed = print_form(ctx, actor, args.code, args.number)
    out = Path(args.pdf) if args.pdf else Path(printed.filename)
    save(out, printed.pdf)
    _out(
        args,
        {
            "form": printed.code,
            "case": printed.case_number,
            "pdf": str(out),
            "pages": printed.pages,
            "code": printed.payload,
        },
        f"{printed.code} for {printed.case_number}: {out} "
        f"({printed.pages} page{'s' if printed.pages > 1 else ''})",
    )
    return 0


def cmd_verify_print(args: argparse.Namespace) -> int:
    from app.forms import verify_print

    ctx, actor = _session(args)
    check = verify_print(ctx, actor, args.code)
    words = {
        "current": f"genuine: {check.number} as the register holds it now (version {check.current_version})",
        "earlier": f"genuine but out of date: printed from version {check.printed_version} of "
        f"{check.number}, "
        f"which the audit chain confirms; the case has changed since (now version {check.current_version})",
        "mismatch": f"does not match: no version of {check.number} had this content (version "
        f"{check.printed_version} claimed; the register holds version {check.current_version})",
    }
    _out(
        args,
        {
            "status": check.status,
            "case": check.number,
            "case_id": check.case_id,
            "printed_version": check.printed_version,
            "current_version": check.current_version,
        },
        words[check.status],
    )
    return 9 if check.status == "mismatch" else 0


def cmd_report(args: argparse.Namespace) -> int:
    from app import periods
    from app.campaigns import find_campaign
    from app.printing import save
    from app.report_pdf import report_pdf
    from app.report_xlsx import report_xlsx
    from app.reports import Scope, agency_lines, as_json, build_report, parse_period

    ctx, actor = _session(args)
    campaign = find_campaign(ctx, args.campaign).id if args.campaign else None  # id, its start or name
    scope = Scope(station_code=args.station, campaign_id=campaign)
    mode = periods.CALENDAR if args.calendar else None
    kind = args.kind
    period_kind = kind
    if kind == "rewards":
        period_kind = _period_kind(args.period)
    period = parse_period(ctx, period_kind, args.period, scope, mode=mode)
    report = build_report(ctx, actor, kind, period, scope, mode=mode)
    data = as_json(report)
    written = []
    if args.pdf:
        pdf, _pages = report_pdf(report, agency_lines(ctx, actor), ctx.settings.place_name)
        save(Path(args.pdf), pdf)
        written.append(args.pdf)
    if args.xlsx:
        save(Path(args.xlsx), report_xlsx(report))
        written.append(args.xlsx)
    if kind == "rewards":
        lines = [
            f"{r['station']}  {r['case'] or 'month ' + r['month']}: {r['amount']} {r['unit']} "
            f"(threshold {r['threshold']}) — {r['text']}"
            for r in data["reward_candidates"]
        ]
        _out(
            args,
            data["reward_candidates"],
            "\n".join(lines) or f"No reward candidates in {data['period']['label']}.",
        )
        return 0
    if args.json or not written:
        total = data["total"]
        _out(
            args,
            data,
            f"{data['title']} — {data['period']['label']}: {total['cases']} cases, "
            f"{total['collections']} đồng collected, {len(data['reward_candidates'])} reward candidates",
        )
    else:
        print("\n".join(f"wrote {path}" for path in written))
    return 0


def _period_kind(text: str | None) -> str:
    """Which kind of period a reward query names: 2026-W47, 2026-11, 2026-Q4, 2026 or a range."""
    import re

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


def cmd_self_test(args: argparse.Namespace) -> int:
    from app.selftest import run_self_test
    from ui.selftest import check_qt

    ok = True
    for name, passed, detail in run_self_test([("qt", check_qt)]):
        ok &= passed
        print(f"{'ok  ' if passed else 'FAIL'} {name}{': ' + detail if detail else ''}")
    return 0 if ok else 1


# ----- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text"
    )
    parser = argparse.ArgumentParser(
        prog="outpost", description="Outpost: the border post's case register.", parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"outpost {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="register folder (default: $OUTPOST_DATA_DIR or the user data folder)",
    )
    parser.add_argument("--db-url", default=None, help="database URL instead of the SQLite file")
    parser.add_argument("--user", default=None, help="acting user (default: the only admin)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("gui", help="start the desktop app (the default)").set_defaults(func=cmd_gui)
    sub.add_parser("self-test", help="check that this installation works").set_defaults(func=cmd_self_test)

    init = sub.add_parser("init", help="set up a new register").add_subparsers(
        dest="kind", metavar="KIND", required=True
    )
    for kind, text in (("post", "set up this border post"), ("hq", "set up headquarters")):
        p = init.add_parser(kind, help=text, parents=[common])
        p.add_argument("--code", required=True, help="station code, e.g. BP-VX")
        p.add_argument("--name", required=True, help="station name as printed")
        p.add_argument("--admin", required=True, help="user name of the first admin")
        p.add_argument("--admin-name", default=None, help="full name of the first admin")
        if kind == "post":
            p.add_argument("--force", default="border_guard", help="force code (default border_guard)")
            p.add_argument("--commune", default=None, help="commune code, e.g. 30325")
            p.add_argument(
                "--header-line", action="append", help="agency header line for printed forms (repeat)"
            )
        p.set_defaults(func=cmd_init)

    user = sub.add_parser("user", help="user accounts").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = user.add_parser(
        "add", help="add a user (password: OUTPOST_NEW_PASSWORD or a prompt)", parents=[common]
    )
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["officer", "chief", "admin", "analyst"])
    p.add_argument("--full-name", required=True)
    p.add_argument("--rank")
    p.add_argument("--position")
    p.set_defaults(func=cmd_user_add)
    user.add_parser("list", help="list users", parents=[common]).set_defaults(func=cmd_user_list)
    p = user.add_parser("unlock", help="unlock a locked-out account", parents=[common])
    p.add_argument("username")
    p.set_defaults(func=cmd_user_unlock)

    case = sub.add_parser("case", help="cases").add_subparsers(dest="action", metavar="ACTION", required=True)
    p = case.add_parser(
        "add", help="add cases from a JSON file (interchange format v1) or - for stdin", parents=[common]
    )
    p.add_argument("file")
    p.add_argument("--submit", action="store_true", help="submit the new cases for approval")
    p.set_defaults(func=cmd_case_add)
    p = case.add_parser("list", help="list cases, newest first", parents=[common])
    p.add_argument("--status", choices=["draft", "submitted", "approved", "closed", "voided"])
    p.add_argument("--search", help="accent-insensitive search, e.g. 'thuoc la hero'")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_case_list)
    p = case.add_parser("show", help="show one case as JSON", parents=[common])
    p.add_argument("number")
    p.add_argument("--history", action="store_true", help="include the audit history")
    p.set_defaults(func=cmd_case_show)
    for name, text in (
        ("submit", "submit for approval"),
        ("approve", "approve a submitted case"),
        ("close", "close an approved case"),
    ):
        p = case.add_parser(name, help=text, parents=[common])
        p.add_argument("number")
        p.set_defaults(func=_transition(name))
    p = case.add_parser("return", help="return a submitted case to its author", parents=[common])
    p.add_argument("number")
    p.add_argument("--remark", required=True)
    p.set_defaults(func=_transition("return"))
    p = case.add_parser("void", help="void a case (never deleted)", parents=[common])
    p.add_argument("number")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=_transition("void"))

    p = sub.add_parser("demo", help="add realistic synthetic cases", parents=[common])
    p.add_argument("--cases", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_demo)

    aud = sub.add_parser("audit", help="the audit chain").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    aud.add_parser(
        "verify", help="prove nothing was changed behind the app's back", parents=[common]
    ).set_defaults(func=cmd_audit_verify)

    enroll = sub.add_parser("enroll", help="enrol a post with HQ").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = enroll.add_parser("request", help="post: write an enrolment request for HQ", parents=[common])
    p.add_argument("--out", required=True, help="request file to write")
    p.set_defaults(func=cmd_enroll_request)
    p = enroll.add_parser("accept", help="HQ: issue a station certificate for a request", parents=[common])
    p.add_argument("request", help="the post's request file")
    p.add_argument("--out", required=True, help="reply file to write for the post")
    p.set_defaults(func=cmd_enroll_accept)
    p = enroll.add_parser("install", help="post: install HQ's reply", parents=[common])
    p.add_argument("reply", help="HQ's reply file")
    p.set_defaults(func=cmd_enroll_install)
    p = sub.add_parser(
        "export", help="post: write the changes HQ has not acknowledged as bundles", parents=[common]
    )
    p.add_argument("--out", required=True, help="folder to write the bundle files to (e.g. a USB stick)")
    p.add_argument(
        "--max-part-size", type=_size, default=20 * 1024**2, help="largest file, e.g. 20M (default)"
    )
    p.add_argument(
        "--email",
        action="store_true",
        help="also e-mail the files to HQ (or put them in the outbox without a connection)",
    )
    p.set_defaults(func=cmd_export)
    mail = sub.add_parser("mail", help="e-mail to HQ").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = mail.add_parser("setup", help="the mail server that sends bundles to HQ", parents=[common])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=587)
    p.add_argument("--security", default="starttls", help="starttls (default), ssl or none")
    p.add_argument("--username", help="log-in name at the mail server, if it asks for one")
    p.add_argument("--from", dest="sender", required=True, help="the post's address")
    p.add_argument("--to", required=True, help="HQ's address")
    p.set_defaults(func=cmd_mail_setup)
    p = mail.add_parser("setup-imap", help="HQ: the mailbox bundles are fetched from", parents=[common])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=993)
    p.add_argument("--security", default="ssl", help="ssl (default), starttls or none")
    p.add_argument("--username", required=True, help="the mailbox's log-in name")
    p.add_argument("--inbox", help="folder the bundles are saved to (default: inbox/ in the data folder)")
    p.set_defaults(func=cmd_mail_setup_imap)
    p = mail.add_parser(
        "fetch",
        help="HQ: save the bundles of unread messages into the inbox (password: OUTPOST_IMAP_PASSWORD)",
        parents=[common],
    )
    p.set_defaults(func=cmd_mail_fetch)
    p = sub.add_parser(
        "import",
        help="verify and import bundles (HQ: the posts'; a post: HQ's return bundles)",
        parents=[common],
    )
    p.add_argument("files", nargs="*", help="bundle files (.outpost), parts in any order")
    p.add_argument(
        "--inbox",
        action="store_true",
        help="also every file waiting in the inbox; imported ones are filed away",
    )
    p.add_argument("--dry-run", action="store_true", help="verify and count, change nothing")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser(
        "reply",
        help="HQ: write a post's return bundle (receipt, refusals, reference data, watch list, revocations)",
        parents=[common],
    )
    p.add_argument("--station", required=True, help="the post's code, e.g. BP-VX")
    p.add_argument("--out", required=True, help="folder to write the return bundle to")
    p.set_defaults(func=cmd_reply)
    station = sub.add_parser("station", help="enrolled stations (HQ)").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = station.add_parser("list", help="the posts enrolled here and what HQ has of each", parents=[common])
    p.set_defaults(func=cmd_station_list)
    p = station.add_parser("revoke", help="refuse a station's bundles from now on", parents=[common])
    p.add_argument("code", help="the station's code, e.g. BP-VX")
    p.set_defaults(func=cmd_station_revoke)
    reference = sub.add_parser("reference", help="reference data updates (HQ)").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = reference.add_parser(
        "set", help='add or replace entries from {"kind": ..., "items": [...]}', parents=[common]
    )
    p.add_argument("file", help="JSON file of reference entries")
    p.set_defaults(func=cmd_reference_set)
    campaign = sub.add_parser("campaign", help="campaign periods (declared at HQ)").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = campaign.add_parser("add", help="declare a campaign (HQ)", parents=[common])
    p.add_argument("name", help="e.g. 'Cao điểm Tết Nguyên đán Bính Ngọ 2026'")
    p.add_argument("--from", dest="start", required=True, metavar="DAY", help="first day, 2026-01-15")
    p.add_argument("--to", dest="end", required=True, metavar="DAY", help="last day, 2026-03-15")
    p.set_defaults(func=cmd_campaign_add)
    p = campaign.add_parser("change", help="correct or extend a campaign (HQ)", parents=[common])
    p.add_argument("campaign", help="its id (the first 8 characters will do) or its name")
    p.add_argument("--name", help="the new name")
    p.add_argument("--from", dest="start", metavar="DAY", help="the new first day")
    p.add_argument("--to", dest="end", metavar="DAY", help="the new last day")
    p.set_defaults(func=cmd_campaign_change)
    p = campaign.add_parser("list", help="the campaigns this register knows", parents=[common])
    p.set_defaults(func=cmd_campaign_list)

    p = sub.add_parser("form", help="print a legal form of a case as PDF", parents=[common])
    p.add_argument("code", metavar="CODE", help="MBB01, MBB02, MBB15, MBB28 or MQĐ14 (MQD14)")
    p.add_argument("number", metavar="NUMBER", help="the case number (or id)")
    p.add_argument("--pdf", metavar="OUT", help="PDF file to write (default: CODE_NUMBER.pdf here)")
    p.set_defaults(func=cmd_form)
    p = sub.add_parser(
        "verify-print", help="check a printed form's QR code text against the register", parents=[common]
    )
    p.add_argument("code", metavar="TEXT", help="the text of the QR code (OUTPOST-PRINT:1:…)")
    p.set_defaults(func=cmd_verify_print)
    p = sub.add_parser(
        "report", help="the 389 summary report (PDF, Excel, JSON) or reward candidates", parents=[common]
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
        "--campaign", metavar="ID", help="only the cases of this campaign (campaign reports: required)"
    )
    p.add_argument("--pdf", metavar="OUT", help="write the report as PDF")
    p.add_argument("--xlsx", metavar="OUT", help="write the report as an Excel workbook")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("backup", help="back up the register (online, consistent)", parents=[common])
    p.add_argument("--out", help="backup file (default: backups/ in the data dir)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser(
        "restore", help="restore a backup (the current register is backed up first)", parents=[common]
    )
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    faulthandler.enable()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "json"):
        args.json = False
    args.data_dir = (args.data_dir or default_data_dir()).expanduser()
    func: Callable[[argparse.Namespace], int] = getattr(args, "func", cmd_gui)
    try:
        return func(args)
    except Cancelled:
        print("outpost: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\noutpost: interrupted", file=sys.stderr)
        return 130
    except AppError as exc:
        print(f"outpost: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"outpost: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
