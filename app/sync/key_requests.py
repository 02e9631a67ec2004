"""The station keys as the app's dialogs see them: where this station's keys stand, which request a file
holds and whose fingerprint it carries, and each step of enrolment and re-keying by file and folder.

The command line names every file and reads a request only when it accepts it. A person in the app
picks a USB stick and a file, and at HQ must see the requesting station and its fingerprint, and
compare it by phone, before anything is written: so the request is read (and its signature checked)
first, and the reply is written only when the fingerprint read out is the request's. The services
are the CLI's (``app.sync.enrol``, ``app.sync.rekey``); docs/operations.md has the chief's steps."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.domain import Actor
from app.errors import RegisterError, ValidationError
from app.i18n import _
from app.sync import enrol, keys, rekey
from app.sync.signing import unb64, verify
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

ENROL, REKEY, ROTATE = "enrol", "rekey", "rotate"  # what a post asks HQ for


@dataclass(frozen=True)
class KeyState:
    """Where this station's keys stand, for the dialog to offer the steps that make sense."""

    kind: str  # "post" or "hq"
    station_code: str
    has_key: bool  # a station signing key is on this computer
    fingerprint: str  # of the key the register names ("" when none)
    enrolled: bool  # a post that installed HQ's reply (at HQ: always)
    hq_code: str  # the HQ a post is enrolled with
    pending: bool  # a re-key request of this computer waits for HQ's reply


def key_state(ctx: Context) -> KeyState:
    data_dir = ctx.paths.data_dir
    with ctx.sessions.reads() as session:
        station = session.get(m.Station, ctx.station_id)
        assert station is not None
        hq_id = enrol._meta(session, "hq_station_id")
        hq = session.get(m.Station, hq_id) if hq_id else None
        enrolled = ctx.kind == "hq" or bool(station.certificate and hq is not None)
        public = station.signing_public_key
        return KeyState(
            kind=ctx.kind,
            station_code=station.code,
            has_key=keys.has_signing_key(data_dir),
            fingerprint=keys.fingerprint(public) if public else "",
            enrolled=enrolled,
            hq_code=hq.code if hq is not None else "",
            pending=(keys.pending_dir(data_dir) / keys.SIGNING_FILE).exists(),
        )


@dataclass(frozen=True)
class Written:
    """A request or reply written, and what the step reported (``enrol.Enrolment`` or ``rekey.Rekey``)."""

    path: Path
    done: enrol.Enrolment | rekey.Rekey


def _file_code(code: str) -> str:
    """A station code as part of a file name: a hostile request must not choose where HQ writes."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", code)[:40] or "station"


# ----- post ---------------------------------------------------------------------------------------


def write_request(ctx: Context, actor: Actor, passphrase: str, folder: Path, what: str) -> Written:
    """This post's enrolment request, re-key request (a replaced laptop) or rotation request, written
    into ``folder`` (a USB stick) under a name that says which it is."""
    if not folder.is_dir():
        raise ValidationError([_("{folder} is not a folder (is the USB stick plugged in?)").format(
            folder=folder)])
    code = _file_code(ctx.station_code)
    if what == ENROL:
        path = folder / f"enrolment-request-{code}.json"
        return Written(path, enrol.make_request(ctx, actor, passphrase, path))
    path = folder / f"rekey-request-{code}.json"
    return Written(path, rekey.make_request(ctx, actor, passphrase, path, rotate=what == ROTATE))


def install_reply(ctx: Context, actor: Actor, passphrase: str, path: Path) -> enrol.Enrolment | rekey.Rekey:
    """HQ's reply, an enrolment or a re-key one (told apart by its format, as 'outpost enroll install')."""
    with enrol._naming(path):
        if _format_of(path) == rekey.REPLY_FORMAT:
            return rekey.install_reply(ctx, actor, passphrase, path)
        return enrol.install_reply(ctx, actor, passphrase, path)


# ----- HQ -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRequest:
    """A post's request as HQ's operator sees it before accepting: checked, nothing written yet."""

    what: str  # ENROL, REKEY (a replaced laptop) or ROTATE (signed by the old key too)
    station_code: str
    station_name: str
    fingerprint: str  # of the key HQ is asked to certify: compared by phone


def read_request(path: Path) -> KeyRequest:
    """The request in ``path`` with its signature checked (proof the post holds the key)."""
    with enrol._naming(path):
        if _format_of(path) == rekey.REQUEST_FORMAT:
            document = rekey._read(path, rekey.REQUEST_FORMAT, rekey.REQUEST_SHAPE, _("re-key request"))
            _require_members(path, document, _("re-key request"))
            public = unb64(document.get("signing_public_key", ""), _("the station's new public key"))
            signed = {k: v for k, v in document.items() if k != "previous_signature"}
            verify(signed, keys.public_from_raw(public), _("re-key request"))
            what = ROTATE if "previous_signature" in document else REKEY
        else:
            document = enrol.read_document(path, enrol.REQUEST_FORMAT, _("enrolment request"))
            _require_members(path, document, _("enrolment request"))
            public = unb64(document.get("signing_public_key", ""), _("the station's public key"))
            verify(document, keys.public_from_raw(public), _("enrolment request"))
            what = ENROL
        station = document.get("station") or {}
        code, name = station.get("code"), station.get("name")
        if not isinstance(code, str) or not isinstance(name, str):
            raise ValidationError([_("{file}: the station's code and name are missing").format(
                file=path.name)])
        return KeyRequest(what, code, name, keys.fingerprint(public))


def _require_members(path: Path, document: dict[str, Any], what: str) -> None:
    """The shape checks allow members to be absent; a request without these is not one at all."""
    for member in ("station", "signing_public_key", "encryption_recipient", "signature"):
        if member not in document:
            raise ValidationError([_("{file} is not a {what} (its {member} is missing)").format(
                file=path.name, what=what, member=member)])


def accept(
    ctx: Context, actor: Actor, passphrase: str, request_path: Path, folder: Path, fingerprint: str
) -> Written:
    """Accept a post's enrolment or re-key request once ``fingerprint``, read out by the post by phone,
    is the request's; the reply for the post is written into ``folder``."""
    if ctx.kind != "hq":
        raise RegisterError(_("only HQ accepts a station's request"))
    if not folder.is_dir():
        raise ValidationError([_("{folder} is not a folder (is the USB stick plugged in?)").format(
            folder=folder)])
    request = read_request(request_path)
    with enrol._naming(request_path):
        keys.check_read_out(fingerprint, request.fingerprint)  # before HQ's keys are even unlocked
        code = _file_code(request.station_code)
        if request.what == ENROL:
            path = folder / f"enrolment-reply-{code}.json"
            done: enrol.Enrolment | rekey.Rekey = enrol.accept_request(
                ctx, actor, passphrase, request_path, path, fingerprint
            )
        else:
            path = folder / f"rekey-reply-{code}.json"
            done = rekey.accept_request(ctx, actor, passphrase, request_path, path, fingerprint)
    return Written(path, done)


def _format_of(path: Path) -> str | None:
    """The ``format`` member of a JSON file, or None (the reader of that format says what is wrong)."""
    try:
        with path.open("rb") as handle:
            document = json.loads(handle.read(rekey.MAX_FILE + 1))
    except (OSError, ValueError):
        return None
    return document.get("format") if isinstance(document, dict) else None
