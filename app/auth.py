"""Passwords (Argon2id), log-in with lock-out, and the role permissions every service checks."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Actor
from app.errors import AuthError, PermissionDenied
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
    "audit.verify": frozenset({"officer", "chief", "admin", "analyst"}),
    "register.backup": frozenset({"chief", "admin"}),
    "register.restore": frozenset({"chief", "admin"}),
    "demo.generate": frozenset({"chief", "admin"}),
    "tip.create": frozenset({"officer", "chief", "admin"}),
    "tip.read_informant": frozenset({"chief", "admin"}),
}

ACTION_TEXT = {
    "case.create": "create cases",
    "case.edit": "edit cases",
    "case.submit": "submit cases",
    "case.approve": "approve cases",
    "case.return": "return cases",
    "case.close": "close cases",
    "case.void": "void cases",
    "case.edit_approved": "edit approved cases",
    "user.manage": "manage user accounts",
    "register.backup": "back up the register",
    "register.restore": "restore the register",
    "demo.generate": "generate demo cases",
    "tip.create": "record tip-offs",
    "tip.read_informant": "read informant identities",
}


def can(actor: Actor, permission: str) -> bool:
    return actor.role in PERMISSIONS[permission]


def require(actor: Actor, permission: str) -> None:
    if not can(actor, permission):
        allowed = ", ".join(sorted(PERMISSIONS[permission]))
        raise PermissionDenied(
            f"{actor.username} ({actor.role}) may not {ACTION_TEXT.get(permission, permission)}; "
            f"this needs the role {allowed}"
        )


def make_hasher() -> PasswordHasher:
    """Argon2id with the library's defaults; OUTPOST_ARGON2_PROFILE=test selects cheap parameters."""
    if os.environ.get("OUTPOST_ARGON2_PROFILE") == "test":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


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
) -> Actor:
    """Check a password. Failures are counted (and committed by the caller) even when refused."""
    user = session.execute(select(m.User).where(m.User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        raise AuthError(f"unknown or inactive user '{username}'")
    if user.locked_until is not None and user.locked_until > now:
        raise AuthError(
            f"the account '{username}' is locked after {threshold} failed log-ins until "
            f"{user.locked_until.astimezone():%H:%M %d/%m/%Y}; try again later or ask an admin to unlock it"
        )
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= threshold:
            user.locked_until = now + lockout
            user.failed_logins = 0
            raise AuthError(
                f"wrong password for '{username}'; the account is now locked for "
                f"{int(lockout.total_seconds() // 60)} minutes"
            ) from None
        left = threshold - user.failed_logins
        raise AuthError(
            f"wrong password for '{username}' ({left} attempt{'s' if left != 1 else ''} left before lock-out)"
        ) from None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return actor_for(session, user)
