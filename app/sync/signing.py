"""Signing primitives: the canonical bytes of a JSON document, base64, Ed25519 signatures over them.

They sit below both the bundle container and the enrolment service, so that reading or writing a
bundle never reaches up into a service. The format is in ``docs/bundle-format.md``."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.errors import ValidationError
from app.i18n import _


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the document without ``signature``, keys sorted, compact."""
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: object, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        # ``what`` comes translated from the caller (a re-key refusal is read by a chief in the app).
        raise ValidationError([_("{what} is not valid base64").format(what=what)]) from None


def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    return {**document, "signature": b64(key.sign(canonical(document)))}


def verify(document: dict[str, Any], public: Ed25519PublicKey, what: str) -> None:
    try:
        signature = unb64(document.get("signature", ""), _("the {what}'s signature").format(what=what))
        public.verify(signature, canonical(document))
    except InvalidSignature:
        mismatch = _("the {what}'s signature does not match its contents").format(what=what)
        raise ValidationError([mismatch]) from None
