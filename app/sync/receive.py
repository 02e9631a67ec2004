"""Receiving bundle files, at HQ or at a post, as the command line and the receive dialog both do it:
import them, then tidy HQ's inbox folder.

Why one function: the import and the filing away of the inbox copies were written twice (in the
``import`` command and in the dialog) and had begun to differ. HQ imports the posts' bundles
(``hq_import``), a post imports HQ's return bundles (``returns``): the register's kind chooses, so a
file given to the wrong side gets the refusal that says what it is."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.context import Context
from app.domain import Actor
from app.sync.hq_import import import_bundles
from app.sync.inbox import file_away, inbox_folder, refuse
from app.sync.returns import import_returns
from app.sync.summary import ImportSummary


@dataclass(frozen=True)
class Received:
    summary: ImportSummary
    filed: tuple[str, ...] = ()  # names of the inbox files done with, now in imported/
    refused: tuple[Path, ...] = ()  # inbox files refused, now in refused/ with their reasons


def from_inbox(ctx: Context, paths: Sequence[Path]) -> list[str]:
    """The names of those of ``paths`` that lie in HQ's inbox folder (a post has none)."""
    if ctx.kind != "hq":
        return []
    inbox = inbox_folder(ctx).resolve()
    return [path.name for path in paths if path.parent.resolve() == inbox]


def receive(
    ctx: Context,
    actor: Actor,
    passphrase: str,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    inbox: Collection[str] | None = None,
    file_seen_on_check: bool = False,
    move_refused: bool = False,
) -> Received:
    """Import ``paths`` (checked in full first; nothing is applied if one is refused), then file away
    the inbox copies that are done with: after an import that refused nothing, those applied or
    imported before. ``inbox`` names the files taken from HQ's inbox (by default, those of ``paths``
    lying in it). With ``file_seen_on_check``, a check that found only files imported before files
    those away too (nothing else can be done with them).

    With ``move_refused``, inbox files a real import refused go to ``refused/`` with their reasons;
    when every refusal was of such a file, the rest is imported again at once without them, so one
    unreadable or hostile file in the inbox never holds back the good bundles beside it (each run is
    still all or nothing for the files it is given). The summary then lists the moved files' refusals
    beside what the second run did."""
    run = import_returns if ctx.kind == "post" else import_bundles
    summary = run(ctx, actor, passphrase, list(paths), dry_run)
    taken = list(from_inbox(ctx, paths) if inbox is None else inbox)
    moved: list[Path] = []
    if move_refused and summary.rejected and not dry_run:
        refused_names = {item["file"] for item in summary.rejected}
        moved = refuse(ctx, [item for item in summary.rejected if item["file"] in taken])
        rest = [path for path in paths if path.name not in refused_names]
        if refused_names <= set(taken) and rest:  # a refusal outside the inbox still holds back the rest
            again = run(ctx, actor, passphrase, rest, dry_run)
            filed = _file_done(ctx, taken, again, file_seen_on_check)  # before the refusals are merged
            if again.rejected:  # refused only together with the others (e.g. a bundle id given twice)
                moved += refuse(ctx, [item for item in again.rejected if item["file"] in taken])
            again.rejected = [*summary.rejected, *again.rejected]
            return Received(again, tuple(filed), tuple(moved))
    return Received(summary, tuple(_file_done(ctx, taken, summary, file_seen_on_check)), tuple(moved))


def _file_done(
    ctx: Context, taken: Collection[str], summary: ImportSummary, file_seen_on_check: bool
) -> list[str]:
    """File away the inbox files (``taken``) that ``summary`` is done with; returns their names."""
    seen = {item["file"] for item in summary.skipped}
    done: set[str] = set()
    if not summary.rejected and not summary.dry_run:
        done = {*summary.applied, *seen}
    elif not summary.rejected and not summary.applied and file_seen_on_check:
        done = seen
    filed = [name for name in taken if name in done]
    file_away(ctx, filed)
    return filed
