"""The checks of a return bundle's records at the post, one record at a time, and of HQ's reference
data against what a post holds.

Apart from the import so that HQ's ``set_reference_items`` runs the same checks the post will."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns import campaign_problems
from app.establishments import document_problem
from app.i18n import N_, _
from app.inspections import check_notice
from app.reference import CODE_LISTS, load_reference
from app.sync.bundle import BundleRefused
from db import models as m


def _reference_overrides(session: Session) -> dict[str, list[dict[str, Any]]]:
    overrides: dict[str, list[dict[str, Any]]] = {}
    for item in session.execute(select(m.ReferenceItem).order_by(m.ReferenceItem.code)).scalars():
        overrides.setdefault(item.kind, []).append(item.payload)
    return overrides


def _check_reference_updates(session: Session, path: Path, records: list[dict[str, Any]]) -> None:
    """Reference data from HQ must load together with what the post has, or the bundle is refused."""
    incoming = [r for r in records if r.get("type") == "reference"]
    if not incoming:
        return
    overrides = _reference_overrides(session)
    for record in incoming:
        kept = [p for p in overrides.get(record["kind"], []) if p.get("code") != record["code"]]
        overrides[record["kind"]] = [*kept, record["payload"]]
    try:
        load_reference(overrides=overrides)
    except KeyError as exc:
        raise BundleRefused(
            path,
            _("HQ's reference data update cannot be used: {field} is missing").format(
                field=repr(exc.args[0])
            ),
        ) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise BundleRefused(
            path, _("HQ's reference data update cannot be used: {reason}").format(reason=exc)
        ) from None


def _text_field(record: dict[str, Any], key: str, limit: int) -> bool:
    value = record.get(key)
    return isinstance(value, str) and 0 < len(value) <= limit


def _check_rejection(record: dict[str, Any]) -> str | None:
    if not all(isinstance(record.get(k), str) for k in ("file", "record", "reason")):
        return N_("a rejection without its file, record and reason")
    return None


WATCH_FIELDS = frozenset(
    {"type", "kind", "key", "label", "stations", "cases", "last_seen", "posts", "case_numbers", "reason"}
)


def _texts(value: Any, most: int, limit: int) -> bool:
    """A list of at most ``most`` texts of 1 to ``limit`` characters."""
    return (
        isinstance(value, list)
        and len(value) <= most
        and all(isinstance(v, str) and 0 < len(v) <= limit for v in value)
    )


def _check_watch(record: dict[str, Any]) -> str | None:
    """An entry an analyst at HQ confirmed (app/watch.py). The posts, case numbers and reason behind it
    may be left out (an HQ older than the reviewed list), never of another type."""
    last_seen = record.get("last_seen")
    if (
        not set(record) <= WATCH_FIELDS
        or not _texts(record.get("posts", []), 1000, 16)
        or not _texts(record.get("case_numbers", []), 200, 40)
        or not isinstance(record.get("reason", ""), str)
        or len(record.get("reason", "")) > 500
        or record.get("kind") not in ("person", "vehicle", "vessel")
        or not _text_field(record, "key", 80)
        or not _text_field(record, "label", 200)
        or not all(
            isinstance(record.get(k), int) and not isinstance(record[k], bool) and 0 <= record[k] < 2**31
            for k in ("stations", "cases")
        )
        or not (last_seen is None or (isinstance(last_seen, str) and _is_iso_date(last_seen)))
    ):
        return N_("a watch-list entry that is not well formed")
    return None


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _check_reference(record: dict[str, Any]) -> str | None:
    if (
        record.get("kind") not in (*CODE_LISTS, "commodities", "communes")
        or not _text_field(record, "code", 40)
        or not isinstance(record.get("payload"), dict)
        or record["payload"].get("code") != record["code"]
        or not all(isinstance(record["payload"].get(k, ""), str) for k in ("vi", "en", "ten"))
    ):
        return N_("a reference data update that is not well formed")
    return None


def _check_campaign(record: dict[str, Any]) -> str | None:
    dates = [record.get(k) for k in ("starts_on", "ends_on")]
    version = record.get("version")
    if (
        not _text_field(record, "id", 36)
        or not all(isinstance(d, str) and _is_iso_date(d) for d in dates)
        or not isinstance(version, int)
        or isinstance(version, bool)
        or not 1 <= version < 2**31
        or set(record) != {"type", "id", "name", "starts_on", "ends_on", "version"}
        or campaign_problems(record.get("name"), *(date.fromisoformat(str(d)) for d in dates))
    ):
        return N_("a campaign that is not well formed")
    return None


def _check_establishment(record: dict[str, Any]) -> str | None:
    """Another station's establishment (app/establishments.py), with the station it came from."""
    origin, origin_id = record.get("origin"), record.get("origin_id")
    if (
        set(record) != {"type", "origin_id", "origin", "establishment"}
        or not isinstance(origin, str)
        or not 0 < len(origin) <= 16
        or not isinstance(origin_id, str)
        or not 0 < len(origin_id) <= 36
    ):
        return N_("an establishment record with unknown or missing fields")
    return document_problem(record["establishment"])


RETURN_CHECKS = {
    "rejection": _check_rejection,
    "watch": _check_watch,
    "reference": _check_reference,
    "campaign": _check_campaign,
    "establishment": _check_establishment,
    "inspection": check_notice,
}
