"""``outpost watch``: HQ's watch list, reviewed — the candidates and entries, and an analyst's confirm or
dismiss with a reason (app/watch.py; docs/operations.md, "The watch list")."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import group, out, session


def _candidate_json(c: Any, ctx: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": c.kind,
        "key": c.key,
        "label": c.label,
        "weak": c.weak,
        "state": c.state,
        "posts": list(c.posts),
        "cases": c.cases,
        "case_numbers": list(c.case_numbers),
        "last_seen": c.last_seen.isoformat() if c.last_seen else None,
        "reason": c.reason,
        "decided_by": c.decided_by or None,
        "decided_by_name": c.decided_by_name or None,
        "decided_at": ctx.local(c.decided_at).isoformat() if c.decided_at else None,
        "new_cases": c.new_cases,
    }


def _candidate_line(c: Any) -> str:
    state = c.state + (f" ({c.new_cases} new since)" if c.state == "pending" and c.decided_by else "")
    weak = " [weaker: name and birth year]" if c.weak else ""
    numbers = ", ".join(c.case_numbers[:3]) + (" …" if len(c.case_numbers) > 3 else "")
    line = f"{state:<10} {c.id:<34} {c.label}{weak} — {c.cases} cases at {', '.join(c.posts)} ({numbers})"
    if c.reason:
        line += f"\n{'':<11}{c.decided_by}: {c.reason}"
    return line


def cmd_watch_list(args: argparse.Namespace) -> int:
    from app.watch import candidates

    ctx, actor = session(args)
    found = candidates(ctx, actor)
    out(
        args,
        [_candidate_json(c, ctx) for c in found],
        "\n".join(_candidate_line(c) for c in found) or "No candidate: no number or plate repeats yet.",
    )
    return 0


def cmd_watch_decide(args: argparse.Namespace) -> int:
    from app.watch import decide

    ctx, actor = session(args)
    decision = "confirmed" if args.action == "confirm" else "dismissed"
    done = decide(ctx, actor, args.id, decision, args.reason)
    after = (
        "it goes to the posts in their next return bundle"
        if decision == "confirmed"
        else "it reaches no post, unless new cases add to it"
    )
    out(args, _candidate_json(done, ctx), f"{done.id}: {decision} ({after}).")
    return 0


def _register_watch(sub: Any, common: argparse.ArgumentParser) -> None:
    watch = group(
        sub,
        "watch",
        "HQ's watch list: candidates, confirm, dismiss",
        "HQ: people, vehicles and vessels that repeat across posts or cases. An analyst confirms or "
        "dismisses each candidate with a reason; only confirmed entries go to the posts.",
    )
    p = watch.add_parser(
        "list",
        help="the candidates and the reviewed entries",
        description="HQ: every candidate (the same identity number, plate or vessel number at 2 posts or "
        "in 3 cases; the same name and birth year, weaker) and every confirmed or dismissed entry, with "
        "the posts and case numbers behind it. Those waiting for a decision come first.",
        parents=[common],
    )
    p.set_defaults(func=cmd_watch_list)
    for action, text in (
        ("confirm", "send it to the posts in their return bundles"),
        ("dismiss", "keep it from the posts until new cases add to it"),
    ):
        p = watch.add_parser(
            action,
            help=f"{action} a candidate: {text}",
            description=f"HQ (analyst, chief, admin): {action} a candidate with a reason; {text}. "
            "The decision is sealed in the audit trail.",
            parents=[common],
        )
        p.add_argument("id", help="the candidate, as 'watch list' names it: person:089090001234, "
                       "vehicle:67H120413, vessel:KG91234TS")
        p.add_argument("--reason", required=True, help="why (required; kept and audited)")
        p.set_defaults(func=cmd_watch_decide)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds this module's commands to the top-level sub-parsers; ``common`` holds ``--json``."""
    _register_watch(sub, common)
