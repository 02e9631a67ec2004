"""Passwords (Argon2id), log-in with lock-out, and the role permissions every service checks."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, tzinfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Actor
from app.errors import AuthError, PermissionDenied
from app.i18n import N_, _, ngettext
from db import models as m

MIN_PASSWORD_LENGTH = 8

# Which roles may do what. The services check this; the GUI only mirrors it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "case.read": frozenset({"officer", "chief", "admin", "analyst"}),
    "case.create": frozenset({"officer", "chief", "admin"}),
    "case.edit": frozenset({"officer", "chief", "admin"}),
    "case.submit": frozenset({"officer", "chief", "admin"}),
    "case.approve": frozenset({"chief", "admin"}),
    "case.return": frozenset({"chief", "admin"}),
    "case.close": frozenset({"chief", "admin"}),
    "case.void": frozenset({"chief", "admin"}),
    "case.edit_approved": frozenset({"chief", "admin"}),
    "user.manage": frozenset({"admin"}),
    "station.enrol": frozenset({"admin"}),
    "reference.manage": frozenset({"admin"}),
    "campaign.manage": frozenset({"chief", "admin"}),
    "sync.export": frozenset({"chief", "admin"}),
    "sync.import": frozenset({"chief", "admin"}),
    # HQ's return bundle to a post (receipt, revocations, watch list): the roles that import its bundles.
    "sync.reply": frozenset({"chief", "admin"}),
    # Hands a post's bundle, readable, to someone outside the register (an auditor): as much as HQ's
    # import reads, so the same roles; a right of its own, so that it can be narrowed alone.
    "sync.disclose": frozenset({"chief", "admin"}),
    "audit.verify": frozenset({"officer", "chief", "admin", "analyst"}),
    "register.backup": frozenset({"chief", "admin"}),
    "register.restore": frozenset({"chief", "admin"}),
    "demo.generate": frozenset({"chief", "admin"}),
    "tip.create": frozenset({"officer", "chief", "admin"}),
    "tip.read_informant": frozenset({"chief", "admin"}),
    "handover.record": frozenset({"officer", "chief", "admin"}),
    "activity.record": frozenset({"officer", "chief", "admin"}),
    "tip.read": frozenset({"officer", "chief", "admin", "analyst"}),
    # The chief hands a tip to an officer to check; the officer then moves it on and links its case.
    "tip.assign": frozenset({"chief", "admin"}),
    "tip.update": frozenset({"officer", "chief", "admin"}),
    "establishment.create": frozenset({"officer", "chief", "admin"}),
    "watch.review": frozenset({"analyst", "chief", "admin"}),
    # HQ's list of posts (who is late) is read-only: the analysts watching the province see it too.
    "station.read": frozenset({"chief", "admin", "analyst"}),
    # A stolen laptop is the chief's call as much as the admin's (docs/operations.md).
    "station.revoke": frozenset({"chief", "admin"}),
}

ROLE_TEXT = {"officer": N_("officer"), "chief": N_("chief"), "admin": N_("admin"), "analyst": N_("analyst")}

# What each permission lets a person do, in words: a refusal names the missing right this way, never by
# its code (tests/test_auth.py checks that every permission has its phrase).
ACTION_TEXT = {
    "case.read": N_("read cases"),
    "case.create": N_("create cases"),
    "case.edit": N_("edit cases"),
    "case.submit": N_("submit cases"),
    "case.approve": N_("approve cases"),
    "case.return": N_("return cases"),
    "case.close": N_("close cases"),
    "case.void": N_("void cases"),
    "case.edit_approved": N_("edit approved cases"),
    "user.manage": N_("manage user accounts"),
    "register.backup": N_("back up the register"),
    "register.restore": N_("restore the register"),
    "demo.generate": N_("generate demo cases"),
    "campaign.manage": N_("declare campaigns"),
    "tip.create": N_("record tip-offs"),
    "tip.read_informant": N_("read informant identities"),
    "handover.record": N_("record hand-overs to the police"),
    "activity.record": N_("record patrols, checkpoints, inspections and outreach sessions"),
    "tip.read": N_("see tip-offs"),
    "tip.assign": N_("assign tip-offs"),
    "tip.update": N_("follow up tip-offs"),
    "establishment.create": N_("register establishments"),
    "station.enrol": N_("enrol a station"),
    "station.read": N_("see the list of posts"),
    "station.revoke": N_("revoke a station"),
    "reference.manage": N_("change the reference data"),
    "sync.export": N_("export bundles for HQ or the posts"),
    "sync.import": N_("import bundles"),
    "sync.reply": N_("write return bundles for the posts"),
    "sync.disclose": N_("disclose bundles to an auditor"),
    "audit.verify": N_("verify the audit trail"),
    "watch.review": N_("review HQ's watch list"),
}


def can(actor: Actor, permission: str) -> bool:
    return actor.role in PERMISSIONS[permission]


def require(actor: Actor, permission: str) -> None:
    if not can(actor, permission):
        allowed = ", ".join(_(ROLE_TEXT[role]) for role in sorted(PERMISSIONS[permission]))
        raise PermissionDenied(
            _("{user} ({role}) may not {action}; this needs the role {allowed}").format(
                user=actor.username, role=_(ROLE_TEXT.get(actor.role, actor.role)),
                action=_(ACTION_TEXT[permission]), allowed=allowed,
            )
        )


def make_hasher() -> PasswordHasher:
    """Argon2id with the library's defaults; OUTPOST_ARGON2_PROFILE=test selects cheap parameters."""
    if os.environ.get("OUTPOST_ARGON2_PROFILE") == "test":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(
            _("the password must have at least {count} characters").format(count=MIN_PASSWORD_LENGTH)
        )


def actor_for(session: Session, user: m.User) -> Actor:
    station = session.get(m.Station, user.station_id)
    assert station is not None
    return Actor(user.id, user.username, user.full_name, user.role, station.id, station.code)


def authenticate(
    session: Session,
    hasher: PasswordHasher,
    username: str,
    password: str,
    *,
    now: datetime,
    threshold: int,
    lockout: timedelta,
    zone: tzinfo,
) -> Actor:
    """Check a password. Failures are counted (and committed by the caller) even when refused; a
    lock-out is told in ``zone``, the register's."""
    user = session.execute(select(m.User).where(m.User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        raise AuthError(unknown_user_message(username))
    if user.locked_until is not None and user.locked_until > now:
        raise AuthError(locked_message(username, threshold, user.locked_until, zone))
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= threshold:
            user.locked_until = now + lockout
            user.failed_logins = 0
            raise AuthError(now_locked_message(username, lockout)) from None
        raise AuthError(wrong_password_message(username, threshold - user.failed_logins)) from None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return actor_for(session, user)


def locked_message(username: str, threshold: int, until: datetime, zone: tzinfo) -> str:
    return _("the account '{username}' is locked after {count} failed log-ins until {time}; "
             "try again later or ask an admin to unlock it").format(
        username=username,
        count=threshold,
        time=f"{until.astimezone(zone):%H:%M %d/%m/%Y}",  # the register's time
    )


def now_locked_message(username: str, lockout: timedelta) -> str:
    return _("wrong password for '{username}'; the account is now locked for {minutes} minutes").format(
        username=username, minutes=int(lockout.total_seconds() // 60)
    )


def wrong_password_message(username: str, left: int) -> str:
    return ngettext(
        "wrong password for '{username}' ({count} attempt left before lock-out)",
        "wrong password for '{username}' ({count} attempts left before lock-out)",
        left,
    ).format(username=username, count=left)


def unknown_user_message(username: str) -> str:
    return _("unknown or inactive user '{username}'").format(username=username)
