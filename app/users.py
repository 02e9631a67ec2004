"""User accounts: add, list, unlock, change password. Only admins manage accounts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app import audit
from app.auth import check_password_strength, require
from app.domain import ROLES, USERNAME, Actor
from app.errors import AuthError, NotFound, ValidationError
from app.i18n import _
from app.serialize import row_state
from app.sync import keywrap
from app.text import nfc
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

TIP_READERS = frozenset({"chief", "admin"})


@dataclass(frozen=True)
class UserView:
    id: str
    username: str
    full_name: str
    role: str
    rank: str | None
    position: str | None
    active: bool
    locked_until: datetime | None
    can_read_tips: bool


def _view(user: m.User) -> UserView:
    return UserView(
        user.id,
        user.username,
        user.full_name,
        user.role,
        user.rank,
        user.position,
        user.active,
        user.locked_until,
        user.tip_key_wrapped is not None,
    )


def _tip_key(user: m.User, password: str) -> bytes | None:
    """The user's copy of the station's tip key, or None: they hold none, or it is still sealed under
    a password forgotten and reset with the recovery key (it then stays as it is, see
    ``UserService.reset_password``)."""
    if user.tip_key_wrapped is None:
        return None
    try:
        return keywrap.unwrap(user.tip_key_wrapped, password)
    except AuthError:
        return None


class UserService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(
        self,
        actor: Actor,
        username: str,
        *,
        role: str,
        full_name: str,
        password: str,
        rank: str | None = None,
        position: str | None = None,
        actor_password: str | None = None,
    ) -> UserView:
        """Create an account. Chiefs and admins also get the station's tip key when the acting
        admin's password is given to unlock it."""
        require(actor, "user.manage")
        username = nfc(username)
        problems = []
        if not USERNAME.match(username):
            problems.append(
                _("username: '{username}' must be 2-32 lower-case letters, digits, '.', '_' or '-'").format(
                    username=username
                )
            )
        if role not in ROLES:
            roles = ", ".join(ROLES)
            problems.append(_("role: '{role}' is not one of {roles}").format(role=role, roles=roles))
        if not nfc(full_name):
            problems.append(_("full_name: required"))
        if problems:
            raise ValidationError(problems)
        check_password_strength(password)
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            if session.execute(select(m.User.id).where(m.User.username == username)).first():
                taken = _("username: '{username}' is already taken").format(username=username)
                raise ValidationError([taken])
            me = session.get(m.User, actor.user_id)
            if actor_password is not None and me is not None:
                # Checked, not just tried on the tip key: a mistyped password would otherwise leave a
                # new chief silently without the tip key.
                self._check_password(me, actor_password, _("your own password is wrong; nobody was added"))
            wrapped = None
            if role in TIP_READERS and actor_password is not None:
                secret = _tip_key(me, actor_password) if me is not None else None
                if secret is not None:
                    wrapped = keywrap.wrap(secret, password)
            user = m.User(
                station_id=actor.station_id,
                username=username,
                full_name=nfc(full_name),
                rank=nfc(rank) if rank else None,
                position=nfc(position) if position else None,
                role=role,
                password_hash=self.ctx.hasher.hash(password),
                active=True,
                failed_logins=0,
                tip_key_wrapped=wrapped,
                created_at=now,
                version=1,
            )
            session.add(user)
            session.flush()
            audit.record(
                session,
                at=now,
                station_id=actor.station_id,
                actor=actor.username,
                action="create",
                entity="user",
                entity_id=user.id,
                version=1,
                diff={"username": [None, username], "role": [None, role]},
                sealed_state=row_state(m.User.__table__, user),  # type: ignore[arg-type]
            )
            view = _view(user)
        # The slot follows the committed account: the admin adding it has the register key open.
        if self.ctx.key is not None:
            self.ctx.keyslots.set_password(username, self.ctx.key, role, password)
        return view

    def list(self, actor: Actor) -> list[UserView]:
        require(actor, "user.manage")
        with self.ctx.sessions.reads() as session:
            views = [_view(u) for u in session.execute(select(m.User).order_by(m.User.username)).scalars()]
        if self.ctx.key is None:
            return views
        # On an encrypted register wrong passwords are counted in the key slots (app/keyslots.py).
        slots = self.ctx.keyslots
        return [replace(v, locked_until=slots.locked_until(v.username) or v.locked_until) for v in views]

    def unlock(self, actor: Actor, username: str) -> UserView:
        require(actor, "user.manage")
        with self.ctx.sessions.writes.begin() as session:
            user = self._get(session, username)
            user.locked_until, user.failed_logins = None, 0
            if self.ctx.key is not None:
                self.ctx.keyslots.clear_lock(username)
            return _view(user)

    def deactivate(self, actor: Actor, username: str) -> UserView:
        """Close an account for good (its cases and history stay): it can no longer log in, and its key
        slot is removed, so its password no longer opens the register."""
        require(actor, "user.manage")
        if username == actor.username:
            raise ValidationError([_("an admin cannot deactivate their own account")])
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            user = self._get(session, username)
            if not user.active:
                inactive = _("the account '{username}' is inactive already").format(username=username)
                raise ValidationError([inactive])
            user.active = False
            user.tip_key_wrapped = None
            user.version += 1
            session.flush()
            audit.record(
                session, at=now, station_id=actor.station_id, actor=actor.username, action="deactivate",
                entity="user", entity_id=user.id, version=user.version, diff={"active": [True, False]},
                sealed_state=row_state(m.User.__table__, user),  # type: ignore[arg-type]
            )
            view = _view(user)
        if self.ctx.key is not None:
            self.ctx.keyslots.remove(username)
        return view

    def reset_password(self, username: str, new_password: str, *, by: str) -> UserView:
        """Set a new password without the old one: only after the recovery key opened the register
        (``app.unlock.reset_password_with_recovery_key``). The account is unlocked. Its copy of the tip
        key stays sealed under the forgotten password: this user can no longer read informants, but the
        copy still names the station's tip key, which keeps it pinned (``app.tip_keys``), so tip-offs
        can still be sealed at a post whose only chief or admin forgot the password."""
        check_password_strength(new_password)
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            user = self._get(session, username)
            if not user.active:
                raise AuthError(_("unknown or inactive user '{username}'").format(username=username))
            user.password_hash = self.ctx.hasher.hash(new_password)
            user.locked_until, user.failed_logins = None, 0
            user.version += 1
            session.flush()
            audit.record(
                session, at=now, station_id=user.station_id, actor=by, action="reset_password",
                entity="user", entity_id=user.id, version=user.version, diff={"password": ["***", "***"]},
                sealed_state=row_state(m.User.__table__, user),  # type: ignore[arg-type]
            )
            view = _view(user)
        if self.ctx.key is not None:
            self.ctx.keyslots.set_password(username, self.ctx.key, view.role, new_password)
        return view

    def change_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        """Change one's own password (re-wrapping the tip key for the new password)."""
        check_password_strength(new_password)
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            user = session.get(m.User, actor.user_id)
            if user is None:
                raise NotFound(_("no user '{username}'").format(username=actor.username))
            self._check_password(user, old_password, _("the current password is wrong; nothing was changed"))
            secret = _tip_key(user, old_password)
            if secret is not None:
                user.tip_key_wrapped = keywrap.wrap(secret, new_password)
            user.password_hash = self.ctx.hasher.hash(new_password)
            user.version += 1
            session.flush()
            role = user.role
            audit.record(
                session,
                at=now,
                station_id=actor.station_id,
                actor=actor.username,
                action="change_password",
                entity="user",
                entity_id=user.id,
                version=user.version,
                diff={"password": ["***", "***"]},
                sealed_state=row_state(m.User.__table__, user),  # type: ignore[arg-type]
            )
        if self.ctx.key is not None:  # only this user's slot is wrapped again
            self.ctx.keyslots.set_password(actor.username, self.ctx.key, role, new_password)

    def _check_password(self, user: m.User, password: str, refusal: str) -> None:
        try:
            self.ctx.hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise AuthError(refusal) from None

    @staticmethod
    def _get(session: object, username: str) -> m.User:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        user = session.execute(select(m.User).where(m.User.username == username)).scalar_one_or_none()
        if user is None:
            raise NotFound(_("no user '{username}'").format(username=username))
        return user
