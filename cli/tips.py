"""``outpost tip``: tip-offs (tin báo) recorded from a JSON file or flags, listed, assigned, moved on,
linked to the case they led to, and an informant read by a chief, an admin or HQ (app/tips.py).

The informant never sits on the command line: in a file or standard input when a tip is recorded, and
reading one takes the acting user's password the way every command does (``OUTPOST_PASSWORD`` or a
prompt), since it unwraps that user's tip key. Nothing here prints an informant except ``tip
informant``, whose reading is audited and shown in ``tip show --history``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.errors import ValidationError
from cli.common import group, logged_in, out, read_source, session

STATUSES = ("new", "checking", "acted_on", "closed")


def _tip_json(tip: Any, ctx: Any) -> dict[str, Any]:
    return {
        "id": tip.id,
        "station": tip.origin_code,
        "received_at": ctx.local(tip.received_at).isoformat(),
        "channel": tip.channel,
        "content": tip.content,
        "status": tip.status,
        "result": tip.result,
        "assigned_to": tip.assigned_to,
        "case": tip.case_number,
        "case_id": tip.case_id,
        "has_informant": tip.has_informant,
        "created_by": tip.created_by,
        "version": tip.version,
    }


def _tip_line(tip: Any, ctx: Any) -> str:
    from app.tips import status_label

    content = " ".join(tip.content.split())
    content = content if len(content) <= 50 else content[:49] + "…"
    case = f" → {tip.case_number}" if tip.case_number else ""
    who = tip.assigned_to or "-"
    return (
        f"{tip.id[:8]}  {ctx.local(tip.received_at):%d/%m/%Y %H:%M}  {status_label(tip.status):<10} "
        f"{who:<12} {content}{case}"
    )


def cmd_tip_add(args: argparse.Namespace) -> int:
    from datetime import datetime

    from app.json_input import load_json_text
    from app.tip_input import TipInput, parse_tips

    if args.file is not None:
        if args.content or args.informant_stdin:
            raise ValidationError(["a FILE and --content/--informant-stdin: give one or the other"])
        source, raw = read_source(args.file)
        items = parse_tips(load_json_text(raw, source))  # every problem by path, before logging in
        ctx, actor = session(args)
    else:
        if not args.content:
            raise ValidationError(["give a FILE (or - for standard input), or --content"])
        ctx, actor = session(args)
        received_at = ctx.clock()
        if args.received_at:
            try:
                received_at = datetime.fromisoformat(args.received_at)
            except ValueError:
                received_at = None
            if received_at is None or received_at.tzinfo is None:
                problem = f"--received-at: '{args.received_at}' is not a date and time with its offset"
                raise ValidationError([problem])
        # From standard input only: an informant's name must never sit in the shell's history or the
        # list of running processes.
        informant = sys.stdin.read().strip() if args.informant_stdin else None
        items = [TipInput(received_at, args.channel or "", args.content, informant, args.case, None)]
    tips = ctx.tips.add_many(actor, items)
    sealed = sum(1 for t in tips if t.has_informant)
    note = f" ({sealed} informant{'s' if sealed != 1 else ''} sealed)" if sealed else ""
    text = "\n".join(f"Saved tip-off {t.id}" for t in tips) + note
    out(args, [_tip_json(t, ctx) for t in tips] if args.file is not None else _tip_json(tips[0], ctx), text)
    return 0


def cmd_tip_list(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    assigned = actor.username if args.mine else args.assigned_to
    tips = ctx.tips.find(actor, status=args.status, assigned_to=assigned, limit=args.limit)
    out(args, [_tip_json(t, ctx) for t in tips], "\n".join(_tip_line(t, ctx) for t in tips) or "No tip-off.")
    return 0


def cmd_tip_show(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    tip = ctx.tips.get(actor, args.id)
    value = _tip_json(tip, ctx)
    lines = [_tip_line(tip, ctx), tip.content]
    if tip.result:
        lines.append(f"Result: {tip.result}")
    if args.history:
        events = ctx.tips.history(actor, tip.id)
        value["history"] = [
            {"at": ctx.local(e.at).isoformat(), "actor": e.actor, "action": e.action, "version": e.version,
             "diff": e.diff}
            for e in events
        ]
        lines += [f"  {ctx.local(e.at):%d/%m/%Y %H:%M}  {e.actor:<12} {e.action}" for e in events]
    out(args, value, "\n".join(lines))
    return 0


def cmd_tip_assign(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    tip = ctx.tips.assign(actor, args.id, None if args.officer == "-" else args.officer)
    out(args, _tip_json(tip, ctx), f"{tip.id[:8]}: assigned to {tip.assigned_to or 'nobody'}")
    return 0


def cmd_tip_status(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    tip = ctx.tips.set_status(actor, args.id, args.status, args.result)
    out(args, _tip_json(tip, ctx), f"{tip.id[:8]}: {tip.status}")
    return 0


def cmd_tip_link(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    tip = ctx.tips.link(actor, args.id, None if args.case == "-" else args.case)
    out(args, _tip_json(tip, ctx), f"{tip.id[:8]}: linked to {tip.case_number or 'no case'}")
    return 0


def cmd_tip_informant(args: argparse.Namespace) -> int:
    # The password that logged in is the one that unwraps the user's tip key: asked once, never in argv.
    ctx, actor, secret = logged_in(args)
    informant = ctx.tips.read_informant(actor, args.id, secret)
    out(args, {"id": args.id, "informant": informant}, informant or "No informant was recorded.")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds this module's commands to the top-level sub-parsers; ``common`` holds ``--json``."""
    tip = group(
        sub, "tip", "tip-offs (tin báo): record, list, assign, follow up, link, read an informant",
        "Tip-offs. The informant's identity is sealed to the station's tip key and HQ's, each checked "
        "first against what proves it (the saving is refused, exit 9, if either was changed outside "
        "Outpost); only a chief, an admin or HQ reads it, and each reading is in the tip's history.",
    )
    p = tip.add_parser(
        "add", help="record tip-offs from a JSON file, or one from flags",
        description="Record tip-offs from FILE (or - for standard input): one tip object or a list, in "
        "the format of resources/schemas/tip-v1.schema.json ({\"received_at\": "
        "\"2026-11-20T21:00:00+07:00\", \"channel\": \"phone\", \"content\": \"…\", \"informant\": \"…\", "
        "\"case\": \"BP-VX/2026/00001\", \"assigned_to\": \"an\"}). Every problem is printed as 'path: "
        "reason' and nothing is written unless every tip is valid. Or one tip from --content, its "
        "informant from standard input with --informant-stdin.",
        parents=[common],
    )
    p.add_argument("file", nargs="?", metavar="FILE|-", help="a tip file, or - for standard input")
    p.add_argument("--channel", help="how it came in (phone, in person, …)")
    p.add_argument("--content", help="what the tip says")
    p.add_argument("--received-at", metavar="WHEN", help="ISO date and time with offset (default: now)")
    p.add_argument("--case", help="the case it led to (number or id)")
    p.add_argument(
        "--informant-stdin", action="store_true",
        help="read the informant's identity from standard input (never on the command line)",
    )
    p.set_defaults(func=cmd_tip_add)
    p = tip.add_parser(
        "list", help="list tip-offs, newest first",
        description="Tip-offs, newest first: id (its first 8 characters name it in other commands), "
        "received, status, assigned officer, what it says, the case it led to. Never the informant.",
        parents=[common],
    )
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--mine", action="store_true", help="only those assigned to the acting user")
    p.add_argument("--assigned-to", metavar="USER")
    p.add_argument("--limit", type=int, default=200)
    p.set_defaults(func=cmd_tip_list)
    p = tip.add_parser("show", help="one tip-off", description="One tip-off; --history adds every change "
                       "and every reading of its informant.", parents=[common])
    p.add_argument("id")
    p.add_argument("--history", action="store_true")
    p.set_defaults(func=cmd_tip_show)
    p = tip.add_parser("assign", help="give a tip-off to an officer (chief, admin)",
                       description="Give the tip-off to an officer of this post to check; - for nobody.",
                       parents=[common])
    p.add_argument("id")
    p.add_argument("officer", metavar="USER|-")  # not "user": that is the acting --user
    p.set_defaults(func=cmd_tip_assign)
    p = tip.add_parser(
        "status", help="move a tip-off on: new → checking → acted_on → closed",
        description="Move the tip-off on (never back). acted_on and closed need --result, what came of "
        "it. An officer moves only the tips assigned to them.",
        parents=[common],
    )
    p.add_argument("id")
    p.add_argument("status", choices=STATUSES)
    p.add_argument("--result", help="what came of it")
    p.set_defaults(func=cmd_tip_status)
    p = tip.add_parser("link", help="link a tip-off to the case it led to",
                       description="Link the tip-off to a case of this post (number or id); - unlinks it.",
                       parents=[common])
    p.add_argument("id")
    p.add_argument("case", metavar="CASE|-")
    p.set_defaults(func=cmd_tip_link)
    p = tip.add_parser(
        "informant", help="read a tip-off's informant (chief, admin, HQ; audited)",
        description="Open the informant's identity with the acting user's tip key (unwrapped with their "
        "password: OUTPOST_PASSWORD or the prompt, never an argument). The reading is sealed in the audit "
        "trail and shown in 'tip show --history'.",
        parents=[common],
    )
    p.add_argument("id")
    p.set_defaults(func=cmd_tip_informant)
