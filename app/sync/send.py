"""A post's sending, as the command line and the send dialog both do it: write the bundle parts of
every change HQ has not acknowledged, then e-mail them when asked.

Why one function: the export and the mailing were written twice, and the dialog mailed on the GUI
thread (a slow mail server froze the window). Here both steps run wherever the caller runs this, and
the dialog runs it on a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.context import Context
from app.domain import Actor
from app.sync.export import DEFAULT_PART_SIZE, ExportResult, export_changes
from app.sync.mail import Delivery, deliver


@dataclass(frozen=True)
class Sent:
    export: ExportResult
    delivery: Delivery | None = None  # None: no e-mail was asked for, or there was nothing to send


def send_to_hq(
    ctx: Context,
    actor: Actor,
    passphrase: str,
    out_dir: Path,
    part_size: int = DEFAULT_PART_SIZE,
    *,
    email: bool = False,
    mail_password: Callable[[], str | None] = lambda: None,
) -> Sent:
    """Write the parts into ``out_dir``; with ``email``, mail each part to HQ (what cannot be sent
    waits in the outbox with instructions). ``mail_password`` is asked only when there is something
    to mail."""
    result = export_changes(ctx, actor, passphrase, out_dir, part_size)
    if not email or not result.files:
        return Sent(result)
    return Sent(result, deliver(ctx, result.files, mail_password()))
