"""Commands of the exchange between the posts and HQ: enrolment, stations, export and import of
signed bundles, HQ's return bundles, e-mail, and the reference data HQ hands down.

Grouped by the flow they serve rather than by who runs them: a post and HQ each use some of them,
and each command's help says which side it is for.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from cli.common import existing_folder, group, key_passphrase, out, password, session, size, warn


def _enrolment_text(done: Any, lines: list[str]) -> str:
    lines.append("Compare these fingerprints by phone with the other side before going on:")
    lines.append(f"  station {done.station_code:<12} {done.station_fingerprint}")
    if done.hq_code:
        lines.append(f"  HQ {done.hq_code:<17} {done.hq_fingerprint}  (signing)")
        lines.append(f"  {'':20} {done.hq_encryption_fingerprint}  (encryption)")
    return "\n".join(lines)


def cmd_enroll_request(args: argparse.Namespace) -> int:
    from app.sync.enrol import make_request

    ctx, actor = session(args)
    done = make_request(ctx, actor, key_passphrase(ctx), Path(args.out))
    text = _enrolment_text(done, [f"Wrote the enrolment request {args.out}; take it to HQ."])
    out(args, {"request": args.out, **asdict(done)}, text)
    return 0


def cmd_enroll_accept(args: argparse.Namespace) -> int:
    from app.sync.enrol import accept_request

    ctx, actor = session(args)
    passphrase = key_passphrase(ctx)
    done = accept_request(ctx, actor, passphrase, Path(args.request), Path(args.out), args.fingerprint)
    if args.fingerprint:
        lines = [
            f"Enrolled station {done.station_code}: the fingerprint read out is its request's. Wrote "
            f"{args.out} for the post to install; the post compares HQ's fingerprints below by phone."
        ]
    else:
        lines = [
            f"Enrolled station {done.station_code} WITHOUT a fingerprint check (--fingerprint was not "
            f"given); wrote {args.out}. Have the post's chief read out the station's fingerprint now: if it "
            f"differs from the one below, do not send the reply and revoke the station ('outpost station "
            f"revoke {done.station_code}')."
        ]
    out(args, {"reply": args.out, "fingerprint_checked": bool(args.fingerprint), **asdict(done)},
        _enrolment_text(done, lines))
    return 0


def _rekey_text(done: Any, lines: list[str]) -> str:
    lines.append("Compare this fingerprint by phone with the other side before going on:")
    lines.append(f"  station {done.station_code:<12} {done.station_fingerprint}  (new signing key)")
    return "\n".join(lines)


def cmd_enroll_rekey_request(args: argparse.Namespace) -> int:
    from app.sync.rekey import make_request

    ctx, actor = session(args)
    done = make_request(ctx, actor, key_passphrase(ctx), Path(args.out), rotate=args.rotate)
    how = "signed by the old key too (rotation)" if done.rotation else "this computer has no old key"
    text = _rekey_text(done, [f"Wrote the re-key request {args.out} ({how}); take it to HQ."])
    out(args, {"request": args.out, **asdict(done)}, text)
    return 0


def cmd_enroll_rekey_accept(args: argparse.Namespace) -> int:
    from app.sync.rekey import accept_request

    ctx, actor = session(args)
    done = accept_request(
        ctx, actor, key_passphrase(ctx), Path(args.request), Path(args.out), args.fingerprint
    )
    text = (
        f"Certified the new key of {done.station_code} ({done.station_fingerprint}); its old key is refused "
        f"from now on. HQ has its changes up to {done.received_up_to} (highest {done.highest}). "
        f"Wrote {args.out} for the post to install."
    )
    out(args, {"reply": args.out, **asdict(done)}, text)
    return 0


def cmd_enroll_install(args: argparse.Namespace) -> int:
    from app.sync import rekey
    from app.sync.enrol import install_reply

    ctx, actor = session(args)
    if _format_of(Path(args.reply)) == rekey.REPLY_FORMAT:
        again = rekey.install_reply(ctx, actor, key_passphrase(ctx), Path(args.reply))
        lines = [
            f"Installed HQ {again.hq_code}'s re-key reply: this computer's new keys are the station's.",
            f"HQ has this post's changes up to {again.received_up_to}; the next change is number "
            f"{again.next_seq}.",
        ]
        if again.aligned:
            lines.append(
                f"{len(again.aligned)} case(s) were changed after the backup on the old laptop; HQ holds "
                f"those changes: {', '.join(again.aligned[:20])}"
            )
        if again.missing:
            lines.append(f"{again.missing} case(s) of this post are at HQ but not in the restored register.")
        out(args, {"installed": args.reply, **asdict(again)}, "\n".join(lines))
        return 0
    done = install_reply(ctx, actor, key_passphrase(ctx), Path(args.reply))
    text = _enrolment_text(done, [f"Installed HQ {done.hq_code}'s keys and this station's certificate."])
    out(args, {"installed": args.reply, **asdict(done)}, text)
    return 0


def _format_of(path: Path) -> str | None:
    """The ``format`` member of a small JSON file, or None (the reader of that format checks the rest)."""
    try:
        document = json.loads(path.read_bytes()[: 64 * 1024 * 1024])
    except (OSError, ValueError):
        return None
    return document.get("format") if isinstance(document, dict) else None


def _register_enroll(sub: Any, common: argparse.ArgumentParser) -> None:
    enroll = group(
        sub,
        "enroll",
        "enrol a post with HQ",
        "Enrol a post with HQ in three steps: the post writes a request, HQ accepts it and writes a reply, "
        "the post installs the reply. Compare the printed fingerprints by phone. The station's keys are "
        "protected by a passphrase (OUTPOST_KEY_PASSPHRASE or a prompt; the first use sets it).",
    )
    p = enroll.add_parser(
        "request",
        help="post: write an enrolment request for HQ",
        description="Post: make this station's keys if needed and write an enrolment request to take to HQ.",
        parents=[common],
    )
    p.add_argument("--out", required=True, help="request file to write")
    p.set_defaults(func=cmd_enroll_request)
    p = enroll.add_parser(
        "accept",
        help="HQ: issue a station certificate for a request",
        description="HQ: issue a station certificate for a post's request and write the reply it installs.",
        parents=[common],
    )
    p.add_argument("request", help="the post's request file")
    p.add_argument("--out", required=True, help="reply file to write for the post")
    p.add_argument(
        "--fingerprint",
        metavar="TEXT",
        help="the station's fingerprint as its chief read it out by phone: nothing is written unless it is "
        "the request's (spaces and case do not matter). Without it the reply is written and the "
        "fingerprint must be compared afterwards",
    )
    p.set_defaults(func=cmd_enroll_accept)
    p = enroll.add_parser(
        "install",
        help="post: install HQ's reply",
        description="Post: install HQ's keys and this station's certificate from HQ's reply.",
        parents=[common],
    )
    p.add_argument("reply", help="HQ's reply file (an enrolment or a re-key reply)")
    p.set_defaults(func=cmd_enroll_install)
    for name, rotate, text in (
        ("rekey-request", False, "post: new keys for this station (a replaced laptop), and a request for HQ"),
        ("rotate", True, "post: new keys for this station on demand, the request signed by the old key too"),
    ):
        p = enroll.add_parser(
            name,
            help=text,
            description=f"{text[:1].upper()}{text[1:]}. The new keys wait until HQ's reply is installed "
            "with 'outpost enroll install' (docs/operations.md).",
            parents=[common],
        )
        p.add_argument("--out", required=True, help="request file to write")
        p.set_defaults(func=cmd_enroll_rekey_request, rotate=rotate)
    p = enroll.add_parser(
        "rekey-accept",
        help="HQ: certify a post's new key (after comparing its fingerprint by phone)",
        description="HQ: certify the new key of a post's re-key request, refuse its old key from now on, "
        "and write the reply with what HQ holds of the post. --fingerprint is the one the post reads out.",
        parents=[common],
    )
    p.add_argument("request", help="the post's re-key request file")
    p.add_argument("--fingerprint", required=True, help="the new key's fingerprint, as read out by the post")
    p.add_argument("--out", required=True, help="reply file to write for the post")
    p.set_defaults(func=cmd_enroll_rekey_accept)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-25") from None


def cmd_station_list(args: argparse.Namespace) -> int:
    from app.deadlines import describe
    from app.sync.status import posts

    ctx, actor = session(args)
    found = posts(ctx, actor, args.on)

    def when(moment: Any) -> str | None:  # for a person
        return ctx.local(moment).strftime("%d/%m/%Y %H:%M") if moment else None

    def instant(moment: Any) -> str | None:  # for a program: ISO 8601 with the register's offset
        return ctx.local(moment).isoformat(timespec="seconds") if moment else None

    def parts(p: Any) -> str:  # "part 2 of 5" as the file names say it, and which sending
        return "; ".join(
            f"{', '.join(map(str, s['missing']))} of {s['parts']} (sending {s['set_id'][:8]})"
            for s in p.missing_parts
        )

    rows = [
        {
            "code": p.code,
            "name": p.name,
            "revoked_at": instant(p.revoked_at),
            "revoked_by": p.revocation[0] if p.revocation else None,
            "revocation_reason": p.revocation[1] if p.revocation else None,
            "acknowledged_seq": p.acknowledged,
            "missing": p.missing,
            "missing_parts": p.missing_parts,
            "last_received": instant(p.last_received),
            "certificate": p.certificate,
            "retired_keys": [day.isoformat() for day in p.retired_keys],
            "overdue": bool(p.overdue),
            "late": [
                {"report": d.kind, "due": d.due.isoformat(), "covers_to": d.covers_to.isoformat()}
                for d in p.overdue
            ],
        }
        for p in found
    ]
    lines = [
        f"{p.code:<10} {p.name:<40} "
        + (
            f"certificate revoked {when(p.revoked_at)}"
            + (f" by {p.revocation[0]} ({p.revocation[1]})" if p.revocation else "")
            if p.revoked_at
            else f"certificate {p.certificate}"
        )
        + f", received up to {p.acknowledged}"
        + (f", missing {', '.join(f'{a}–{b}' for a, b in p.missing)}" if p.missing else "")
        + (f", missing part(s) {parts(p)}" if p.missing_parts else "")
        + (f", last bundle {when(p.last_received)}" if p.last_received else ", no bundle yet")
        + (f", {len(p.retired_keys)} key(s) retired by a re-key" if p.retired_keys else "")
        + (f", OVERDUE: {'; '.join(describe(d) for d in p.overdue)}" if p.overdue else "")
        for p in found
    ]
    out(args, rows, "\n".join(lines) or "No post is enrolled yet.")
    return 0


def cmd_station_revoke(args: argparse.Namespace) -> int:
    from app.sync.enrol import revoke

    ctx, actor = session(args)
    when = revoke(ctx, actor, args.code, args.reason)
    out(
        args,
        {"revoked": args.code, "at": when.isoformat()},
        f"Station {args.code} is revoked (since {ctx.local(when):%d/%m/%Y %H:%M}); "
        "its bundles are refused and HQ sends it no return bundle.",
    )
    return 0


def _register_station(sub: Any, common: argparse.ArgumentParser) -> None:
    station = group(
        sub, "station", "enrolled stations (HQ)", "HQ: the posts enrolled here, and revoking one of them."
    )
    p = station.add_parser(
        "list",
        help="the posts enrolled here and what HQ has of each",
        description="HQ: list the enrolled posts with the changes received from each, the ranges and parts "
        "still missing, when the last bundle came, the certificate, and OVERDUE for a post whose report is "
        "late against the deadlines in resources/rules/deadlines.json (docs/operations.md).",
        parents=[common],
    )
    p.add_argument(
        "--on",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="judge the deadlines as on this day (default: today at HQ)",
    )
    p.set_defaults(func=cmd_station_list)
    p = station.add_parser(
        "revoke",
        help="refuse a station's bundles from now on",
        description="HQ: revoke a station: its bundles are refused from now on and it gets no return bundle.",
        parents=[common],
    )
    p.add_argument("code", help="the station's code, e.g. BP-VX")
    p.add_argument("--reason", required=True, help="why (kept in the audit trail), e.g. 'laptop stolen'")
    p.set_defaults(func=cmd_station_revoke)


def cmd_export(args: argparse.Namespace) -> int:
    from app.sync.export import records_said
    from app.sync.send import send_to_hq

    ctx, actor = session(args)
    existing_folder(Path(args.out))

    def mail_password() -> str | None:  # asked only when there is something to mail
        user = ctx.settings.smtp_username
        return password(f"Mail password for {user}: ", env="OUTPOST_SMTP_PASSWORD") if user else None

    passphrase, folder = key_passphrase(ctx), Path(args.out)
    sent = send_to_hq(
        ctx, actor, passphrase, folder, args.max_part_size, email=args.email, mail_password=mail_password
    )
    result, delivery = sent.export, sent.delivery
    payload = {
        "files": [str(f) for f in result.files],
        "records": result.records,
        "kinds": result.kinds,
        "attachments": result.attachments,
        "first_seq": result.first_seq,
        "last_seq": result.last_seq,
    }
    if not result.files:
        text = "Nothing to send: HQ has acknowledged every change."
    else:
        said = records_said(result.kinds, "{:,}".format)
        text = "\n".join(
            [
                f"Wrote {len(result.files)} bundle file(s) with {said} and "
                f"{result.attachments} file(s), changes {result.first_seq}–{result.last_seq}:",
                *(f"  {f}" for f in result.files),
            ]
        )
    if delivery is not None:
        payload["emailed"] = [str(f) for f in delivery.sent]
        payload["outbox"] = str(delivery.outbox) if delivery.outbox else None
        if delivery.sent:
            text += f"\nE-mailed {len(delivery.sent)} file(s) to {ctx.settings.mail_to}."
        if delivery.outbox:
            warn(f"not e-mailed: {delivery.reason}")
            text += f"\nThe files to send by hand are in {delivery.outbox} (instructions inside)."
    out(args, payload, text)
    return 0


def _register_export(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export",
        help="post: write the changes HQ has not acknowledged as bundles",
        description="Post: write every change HQ has not acknowledged as signed, encrypted bundle files "
        "(.outpost) into an existing folder, split into parts no larger than --max-part-size.",
        parents=[common],
    )
    p.add_argument("--out", required=True, help="folder to write the bundle files to (e.g. a USB stick)")
    p.add_argument(
        "--max-part-size", type=size, default=20 * 1024**2, help="largest file, e.g. 20M (default)"
    )
    p.add_argument(
        "--email",
        action="store_true",
        help="also e-mail the files to HQ (or put them in the outbox without a connection)",
    )
    p.set_defaults(func=cmd_export)


def cmd_mail_setup(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from app.auth import require
    from app.settings import save_settings
    from app.sync.mail import check_mail_settings

    ctx, actor = session(args)
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
    out(
        args,
        {"smtp_host": args.host, "smtp_port": args.port, "mail_to": args.to},
        f"Bundles will be e-mailed to {args.to} through {args.host}:{args.port} ({args.security}).",
    )
    return 0


def cmd_mail_setup_imap(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from app.auth import require
    from app.errors import RegisterError
    from app.settings import save_settings
    from app.sync.inbox import check_imap_settings, inbox_folder

    ctx, actor = session(args)
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
    out(
        args,
        {"imap_host": args.host, "imap_port": args.port, "inbox": str(folder)},
        f"Bundles mailed to {args.username} at {args.host}:{args.port} ({args.security}) will be fetched "
        f"into {folder}.",
    )
    return 0


def cmd_mail_fetch(args: argparse.Namespace) -> int:
    from app.auth import require
    from app.sync.inbox import fetch_mail

    ctx, actor = session(args)
    require(actor, "sync.import")
    secret = password(f"Mailbox password for {ctx.settings.imap_username}: ", env="OUTPOST_IMAP_PASSWORD")
    fetched = fetch_mail(ctx, secret)
    for reason in fetched.ignored:
        warn(f"not taken: {reason}")
    out(
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


def _register_mail(sub: Any, common: argparse.ArgumentParser) -> None:
    mail = group(
        sub,
        "mail",
        "e-mail to HQ",
        "E-mail between the posts and HQ: a post's mail server for sending bundles, HQ's mailbox for "
        "fetching them.",
    )
    p = mail.add_parser(
        "setup",
        help="the mail server that sends bundles to HQ",
        description="Post: set the mail server 'export --email' sends bundles through, and HQ's address.",
        parents=[common],
    )
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=587)
    p.add_argument("--security", default="starttls", help="starttls (default), ssl or none")
    p.add_argument("--username", help="log-in name at the mail server, if it asks for one")
    p.add_argument("--from", dest="sender", required=True, help="the post's address")
    p.add_argument("--to", required=True, help="HQ's address")
    p.set_defaults(func=cmd_mail_setup)
    p = mail.add_parser(
        "setup-imap",
        help="HQ: the mailbox bundles are fetched from",
        description="HQ: set the IMAP mailbox 'mail fetch' reads and the inbox folder it saves bundles into.",
        parents=[common],
    )
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=993)
    p.add_argument("--security", default="ssl", help="ssl (default), starttls or none")
    p.add_argument("--username", required=True, help="the mailbox's log-in name")
    p.add_argument("--inbox", help="folder the bundles are saved to (default: inbox/ in the data folder)")
    p.set_defaults(func=cmd_mail_setup_imap)
    p = mail.add_parser(
        "fetch",
        help="HQ: save the bundles of unread messages into the inbox (password: OUTPOST_IMAP_PASSWORD)",
        description="HQ: save the bundle files attached to unread messages into the inbox, for "
        "'import --inbox' (password: OUTPOST_IMAP_PASSWORD or a prompt).",
        parents=[common],
    )
    p.set_defaults(func=cmd_mail_fetch)


def cmd_import(args: argparse.Namespace) -> int:
    from app.sync.inbox import waiting
    from app.sync.receive import receive

    if not args.files and not args.inbox:
        from app.errors import ValidationError

        raise ValidationError(["import: give the bundle files (.outpost), or --inbox"])
    absent = [f for f in args.files if not Path(f).is_file()]
    if absent:  # a mistyped name is no refused bundle: said before the log-in, nothing read
        from app.errors import NotFound

        raise NotFound(
            "\n".join(f"{f}: " + ("a folder, not a bundle file" if Path(f).is_dir() else "no such file")
                      for f in absent)
        )
    ctx, actor = session(args)
    inbox = waiting(ctx) if args.inbox else []
    args.files = [*args.files, *(str(p) for p in inbox)]
    if not args.files:
        out(args, {"new": 0, "applied": []}, "Nothing to import: the inbox is empty.")
        return 0
    paths = [Path(f) for f in args.files]
    received = receive(  # only what --inbox took from the inbox is filed away or moved aside
        ctx, actor, key_passphrase(ctx), paths, dry_run=args.dry_run, inbox=[p.name for p in inbox],
        move_refused=True,
    )
    summary = received.summary
    if received.refused:
        rest = "the other files were imported" if summary.applied else "'import --inbox' again takes the rest"
        warn(
            f"moved {len(received.refused)} refused file(s) to {received.refused[0].parent} "
            f"with their reasons; {rest}"
        )
    print(json.dumps({**summary.as_json(), "dry_run": args.dry_run}, ensure_ascii=False, indent=2))
    for skipped in summary.skipped:
        warn(f"skipped: {skipped['reason']}")
    for rejected in summary.rejected:
        warn(f"rejected: {rejected['reason']}")
    if summary.rejected:
        refused = {item["file"] for item in summary.rejected}
        held = [path.name for path in map(Path, args.files) if path.name not in refused]
        held = [name for name in held if name not in {item["file"] for item in summary.skipped}]
        held = [name for name in held if name not in summary.applied]
        if held:
            warn(f"nothing was applied: import {', '.join(held)} again without the refused files")
    return 3 if summary.rejected else 0


def _register_import(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import",
        help="verify and import bundles (HQ: the posts'; a post: HQ's return bundles)",
        description="Verify and import bundle files: at HQ the posts' bundles, at a post HQ's return "
        "bundles. Prints a JSON summary. If any file is rejected nothing is applied and the exit code is 3; "
        "with --inbox, refused inbox files are moved to refused/ and the rest is imported (exit code 3).",
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


def cmd_reply(args: argparse.Namespace) -> int:
    from app.sync.replies import make_reply

    ctx, actor = session(args)
    existing_folder(Path(args.out))
    path = make_reply(ctx, actor, key_passphrase(ctx), args.station, Path(args.out))
    out(args, {"file": str(path)}, f"Wrote the return bundle for {args.station}: {path}")
    return 0


def _register_reply(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "reply",
        help="HQ: write a post's return bundle (receipt, refusals, reference data, watch list, revocations)",
        description="HQ: write a post's return bundle into an existing folder: the receipt of what HQ "
        "holds, the refusals with their reasons, reference data, campaigns, the watch list and revocations.",
        parents=[common],
    )
    p.add_argument("--station", required=True, help="the post's code, e.g. BP-VX")
    p.add_argument("--out", required=True, help="folder to write the return bundle to")
    p.set_defaults(func=cmd_reply)


def cmd_bundle_disclose(args: argparse.Namespace) -> int:
    from app.sync.disclose import disclose_bundle

    ctx, actor = session(args)
    existing_folder(Path(args.out))
    done = disclose_bundle(ctx, actor, key_passphrase(ctx), Path(args.file), args.to, Path(args.out))
    out(
        args,
        {
            "file": str(done.file),
            "bundle_id": done.bundle_id,
            "station": done.station,
            "members": done.members,
            "recipient": done.recipient,
            "fingerprint": done.fingerprint,
            "hq_signing_public_key": done.hq_signing_public_key,
            "hq_fingerprint": done.hq_fingerprint,
        },
        f"Wrote {done.file}: bundle {done.bundle_id} of {done.station}, {done.members} encrypted "
        f"member(s) opened for the auditor's key {done.fingerprint}.\n"
        f"Give the auditor this file, the original bundle and HQ's signing key {done.hq_signing_public_key}\n"
        f"(fingerprint {done.hq_fingerprint}); the steps to check them are in docs/bundle-format.md "
        "(Auditing a bundle).",
    )
    return 0


def _register_bundle(sub: Any, common: argparse.ArgumentParser) -> None:
    bundle = group(
        sub,
        "bundle",
        "HQ: bundles for an outside auditor",
        "HQ: hand a post's bundle to an outside auditor, who checks it with standard tools (age, openssl).",
    )
    p = bundle.add_parser(
        "disclose",
        help="HQ: a copy of a post's bundle that the auditor's age key opens",
        description="HQ: write FILE's copy (<name>.disclosed.zip, into an existing folder) in which each "
        "encrypted member opens with the auditor's age key instead of HQ's: the same file key is wrapped "
        "to the auditor and the encrypted content is kept byte for byte, so HQ's private key never leaves "
        "HQ. The auditor checks the post's signature on the original bundle, that the copy's content is "
        "the original's, and decrypts the copy with 'age -d -i KEY' (docs/bundle-format.md, Auditing a "
        "bundle). Needs the key passphrase; recorded in HQ's audit trail. Chief or admin.",
        parents=[common],
    )
    p.add_argument("file", metavar="FILE", help="the post's bundle file (.outpost)")
    p.add_argument(
        "--to", required=True, metavar="AGE1…", help="the auditor's age recipient (from age-keygen)"
    )
    p.add_argument("--out", required=True, metavar="FOLDER", help="existing folder to write the copy to")
    p.set_defaults(func=cmd_bundle_disclose)


def cmd_reference_set(args: argparse.Namespace) -> int:
    from app.sync.replies import set_reference_items

    ctx, actor = session(args)
    count = set_reference_items(ctx, actor, Path(args.file))
    out(
        args,
        {"stored": count},
        f"Stored {count} reference {'entry' if count == 1 else 'entries'}; "
        "posts receive them in their next return bundle.",
    )
    return 0


def _register_reference(sub: Any, common: argparse.ArgumentParser) -> None:
    reference = group(
        sub,
        "reference",
        "reference data updates (HQ)",
        "HQ: update the reference data (codes and labels) that posts receive in their return bundles.",
    )
    p = reference.add_parser(
        "set",
        help='add or replace entries from {"kind": ..., "items": [...]}',
        description='HQ: add or replace reference entries from a JSON file {"kind": ..., "items": [...]}.',
        parents=[common],
    )
    p.add_argument("file", help="JSON file of reference entries")
    p.set_defaults(func=cmd_reference_set)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds this module's commands to the top-level sub-parsers; ``common`` holds ``--json``."""
    _register_enroll(sub, common)
    _register_export(sub, common)
    _register_mail(sub, common)
    _register_import(sub, common)
    _register_reply(sub, common)
    _register_station(sub, common)
    _register_reference(sub, common)
    _register_bundle(sub, common)
