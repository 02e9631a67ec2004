"""Checking the whole audit trail, once, for the CLI's ``audit verify`` and the desktop's Tools menu: the
register's chain and sealed states, at HQ each post's chain as received, and the keys informants are
sealed to; with the first broken link explained in words a chief can pass on.

Why here and not in ``app.audit``: the check gathers three services (the chain, the anchors, the tip
keys) and the roles that may run it; ``app.audit`` stays the chain itself (docs/architecture.md §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app import audit, tip_keys
from app.auth import require
from app.i18n import _
from app.progress import CancelToken, Progress, no_progress

if TYPE_CHECKING:
    from app.context import Context
    from app.domain import Actor

# What each kind of problem means, by the words ``app.audit`` and ``app.sync.anchor`` name it with.
MEANINGS = (
    (r"chain broken before it", "chain"),
    (r"its contents were edited", "edited"),
    (r"its MAC does not match", "mac"),
    (r"has no audit event", "inserted"),
    (r"differs from its last audited state", "changed"),
    (r"removed from the register", "removed"),
    (r"inserted behind the app's back", "inserted"),
)


@dataclass(frozen=True)
class AuditCheck:
    events: int
    entities: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check(
    ctx: Context, actor: Actor, *, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> AuditCheck:
    """The whole check (admins and chiefs: the ``audit.verify`` permission); cancellable between
    batches of events, changing nothing."""
    require(actor, "audit.verify")
    with ctx.sessions.engine.connect() as conn:
        report = audit.verify(conn, progress, cancel, register_key=ctx.key)
        problems = list(report.problems)
        if ctx.kind == "hq":  # and each post's chain as HQ received it
            from app.sync.anchor import verify_anchors

            problems += verify_anchors(conn)
    with ctx.sessions.reads() as reads:
        # The keys informants are sealed to, against what proves them (as every tip's sealing checks).
        problems += tip_keys.problems(reads)
    return AuditCheck(report.events, report.entities, tuple(problems))


def explain(problem: str) -> str:
    """What a problem means and what to do, for a person who is not the register's engineer."""
    kind = next((name for pattern, name in MEANINGS if re.search(pattern, problem)), "")
    return {
        "chain": _("An audit event was removed, inserted or put out of order: the register's history was "
                   "changed outside Outpost."),
        "edited": _("An audit event was rewritten after it was sealed: the history of that record was "
                    "changed outside Outpost."),
        "mac": _("The chain was recomputed by someone without the register key: the history was rewritten "
                 "outside Outpost."),
        "inserted": _("A record is in the register that Outpost never wrote: it was added with another "
                      "program."),
        "changed": _("A record differs from what Outpost last saved: it was edited with another program."),
        "removed": _("A record Outpost saved is missing: it was deleted with another program."),
    }.get(kind, _("The register does not match what Outpost sealed."))
