"""What an import did, at HQ or at a post: the one summary both imports return and the front ends show.

Kept apart so that HQ's import, its tip checks and the post's import of return bundles share it
without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.domain import NOTHING_CHANGED, Changes


@dataclass
class ImportSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    files: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)  # file, record, reason
    applied: list[str] = field(default_factory=list)  # bundle files applied (by a dry run: would be)
    skipped: list[dict[str, str]] = field(default_factory=list)  # file, reason: imported before
    bundles: list[dict[str, Any]] = field(default_factory=list)  # at HQ: each file that passed its checks
    missing: dict[str, list[list[int]]] = field(default_factory=dict)  # station code → missing ranges
    missing_parts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # ``unfinished_sets``
    acknowledged_seq: int | None = None  # at a post: the change HQ has everything up to
    revocations: int = 0  # at a post: stations newly known to be revoked
    refused_at_hq: list[dict[str, str]] = field(default_factory=list)  # at a post: what HQ could not take
    watch_entries: int = 0  # at a post: entries of HQ's watch list now held
    reference_updates: int = 0  # at a post: reference entries HQ sent
    tips: int = 0  # at HQ: tips new or newer than the ones held
    handovers: int = 0  # at HQ: hand-overs to the police new or newer than the ones held
    activities: int = 0  # at HQ: activities new or newer than the ones held
    campaigns: int = 0  # at a post: HQ's campaigns new or newer than the ones held
    establishments: int = 0  # establishments new or newer than the ones held (app/establishments.py)
    inspections: int = 0  # at a post: other posts' recent inspections now held (app/inspections.py)
    dry_run: bool = False  # only checked: the register is as it was

    @property
    def changes(self) -> Changes:
        """What this import changed in the register (nothing, for a dry run or a refusal)."""
        if self.dry_run or not self.applied:  # a refusal applies nothing (and lists nothing applied)
            return NOTHING_CHANGED
        return Changes(
            all_cases=bool(self.new or self.updated or self.handovers),
            activities=bool(self.activities),
            campaigns=bool(self.campaigns),
            reference=bool(self.reference_updates),
            stations=True,  # HQ: what it holds of each post; a post: HQ's receipt and revocations
            tips=bool(self.tips),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "files": self.files,
            "tips": self.tips,
            "handovers": self.handovers,
            "activities": self.activities,
            "establishments": self.establishments,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "bundles": self.bundles,
            # A dry run applies nothing: what it would apply is said as such.
            "applied": [] if self.dry_run else self.applied,
            **({"would_apply": self.applied} if self.dry_run else {}),
            "missing": self.missing,
            "missing_parts": self.missing_parts,
            **(
                {
                    "acknowledged_seq": self.acknowledged_seq,
                    "revocations": self.revocations,
                    "refused_at_hq": self.refused_at_hq,
                    "watch_entries": self.watch_entries,
                    "reference_updates": self.reference_updates,
                    "campaigns": self.campaigns,
                    "inspections": self.inspections,
                }
                if self.acknowledged_seq is not None
                else {}
            ),
        }
