"""The keys informants' identities are sealed to, each checked against the signed material it came from.

Why (issue 17, item 4): the recipients were read from ``meta`` as they stood, so one SQL ``UPDATE``
putting someone's own age key in ``meta.tip_recipient`` made every later informant readable by them
(and not by the chief). Now, every time a tip is sealed, each recipient must agree with what proves it:

- the station's own tip key (``meta.tip_recipient``) with the wrapped tip key that each chief and
  admin holds (``users.tip_key_wrapped``): its header, authenticated with the key under the holder's
  password, names the key's public recipient (``app.sync.keywrap``), so it can be read without a
  password and cannot be changed without breaking the wrap;
- HQ's tip key at an enrolled post (``meta.hq_tip_recipient``) with HQ's signed enrolment reply,
  kept verbatim when it was installed (``meta.hq_enrolment_reply``): the reply's signature must
  verify with HQ's signing key, that key must be the issuer of this post's own certificate, and the
  recipient in meta must be the one HQ signed.

Sealing refuses with the problem named (``TipKeyChanged``), and ``outpost audit verify`` reports the
same problems. What is left to the audit chain (docs/architecture.md §6): someone who replaces every
holder's wrapped key *and* meta together passes this check, but the users rows are sealed into the
chain (and the wrapped keys no longer open with their holders' passwords). A tip key wrapped before
keys named their recipient is named again whenever its holder's password unwraps it."""

from __future__ import annotations

import json
from typing import Any

import pyrage
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import AppError, ValidationError
from app.i18n import _
from app.json_input import JsonRefused, parse_json
from app.sync import keys, keywrap
from app.sync.signing import unb64, verify
from db import models as m

OWN = "tip_recipient"
HQ = "hq_tip_recipient"
HQ_REPLY = "hq_enrolment_reply"  # HQ's signed enrolment reply, as installed
MAX_REPLY = 64 * 1024  # the size limit of an enrolment file (app.sync.enrol.MAX_FILE)


class TipKeyChanged(AppError):
    """A key informants would be sealed to no longer matches what proves it: nothing was saved."""

    exit_code = 9  # the audit's "found tampering"


def reply_text(reply: dict[str, Any]) -> str:
    """HQ's enrolment reply as kept in meta: its JSON, signature and all."""
    return json.dumps(reply, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _meta(session: Session, key: str) -> str | None:
    row = session.get(m.Meta, key)
    return row.value if row is not None else None


def _is_recipient(value: str) -> bool:
    try:
        pyrage.x25519.Recipient.from_str(value)
    except pyrage.RecipientError:
        return False
    return True


def _own_key_problems(session: Session) -> list[str]:
    own = _meta(session, OWN)
    if not own:
        return [_("the station's tip key is missing from the register")]
    if not _is_recipient(own):
        return [_("the station's tip key in the register is not an age key")]
    holders = session.execute(
        select(m.User.username, m.User.tip_key_wrapped)
        .where(m.User.tip_key_wrapped.is_not(None))
        .order_by(m.User.username)
    ).all()
    if not holders:
        return [_("no chief or admin holds the station's tip key")]
    # A holder whose key was wrapped before keys named their recipient has nothing to compare yet.
    return [
        _("the station's tip key in the register is not the key {username} holds").format(username=username)
        for username, blob in holders
        if blob is not None and keywrap.bound_recipient(blob) not in (None, own)
    ]


def _hq_key_problems(session: Session) -> list[str]:
    hq_recipient = _meta(session, HQ)
    stored = _meta(session, HQ_REPLY)
    if stored is None:
        if hq_recipient is None and _meta(session, "hq_station_id") is None:
            return []  # not enrolled: tips are sealed to the station's own key alone
        if hq_recipient is None:  # deleted: HQ could no longer read the informants the post sends
            return [_("HQ's tip key is missing from the register of this enrolled post; install HQ's reply "
                      "again with 'outpost enroll install'")]
        return [
            _("HQ's tip key in the register is not backed by HQ's signed enrolment reply; install the reply "
              "again with 'outpost enroll install'")
        ]
    try:
        reply = parse_json(stored.encode(), MAX_REPLY)
        if not isinstance(reply, dict):
            raise TypeError("not an object")
        hq = reply["hq"]
        certificate = reply["certificate"]
        signer = unb64(hq["signing_public_key"], _("HQ's public key"))
        hq_row = session.get(m.Station, _meta(session, "hq_station_id") or "")
        own_row = session.get(m.Station, _meta(session, "station_id") or "")
        if hq_row is None or hq_row.signing_public_key != signer:
            return [_("HQ's signing key in the register is not the one that signed its enrolment reply")]
        own_certificate = json.loads(own_row.certificate or b"null") if own_row is not None else None
        if (
            own_row is None
            or own_certificate != certificate
            or certificate["issuer"]["signing_public_key"] != hq["signing_public_key"]
            or certificate["station"]["id"] != own_row.id
            or unb64(certificate["signing_public_key"], _("the certificate's key"))
            != own_row.signing_public_key
        ):
            return [_("this post's certificate in the register is not the one in HQ's enrolment reply")]
        verify(reply, keys.public_from_raw(signer), _("enrolment reply"))
        verify(certificate, keys.public_from_raw(signer), _("station certificate"))
        signed_recipient = hq["tip_recipient"]
    except (JsonRefused, KeyError, TypeError, ValueError, ValidationError):
        return [_("HQ's enrolment reply kept in the register is damaged or does not match its signature")]
    if hq_recipient is None or hq_recipient != signed_recipient or not _is_recipient(hq_recipient):
        return [_("HQ's tip key in the register is not the one HQ signed in its enrolment reply")]
    return []


def problems(session: Session) -> list[str]:
    """Every way the tip keys differ from what proves them, in words (empty when all is in order)."""
    return _own_key_problems(session) + _hq_key_problems(session)


def sealing_recipients(session: Session) -> list[pyrage.x25519.Recipient]:
    """The keys to seal an informant to, once each is checked; refuses if any was changed."""
    found = problems(session)
    if found:
        raise TipKeyChanged(
            _("the tip-off was not saved: the keys informants are sealed to were changed outside "
              "Outpost ({problems}); tell your administrator").format(problems="; ".join(found))
        )
    keys_now = [_meta(session, OWN), _meta(session, HQ)]
    return [pyrage.x25519.Recipient.from_str(key) for key in keys_now if key]
