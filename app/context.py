"""Wires the register together in one place: paths, engine, reference data, settings, services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy import select

from app.auth import authenticate, make_hasher
from app.domain import Actor
from app.errors import AuthError
from app.i18n import _
from app.keyslots import SLOTS_FILE, KeySlots
from app.reference import Reference, load_reference
from app.settings import Settings, load_settings
from app.zones import offset_minutes
from db import models as m
from db.engine import Sessions

if TYPE_CHECKING:
    # The services are imported when first used, not here: a command pays only for the ones it calls
    # (``outpost case list`` never loads the tip, activity or attachment code, nor their cryptography
    # and schema modules; docs/performance.md, start-up).
    from app.activities import ActivityService
    from app.attachments import AttachmentStore
    from app.cases import CaseService
    from app.tips import TipService
    from app.users import UserService

REGISTER_FILE = "register.sqlite"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def register(self) -> Path:
        return self.data_dir / REGISTER_FILE

    @property
    def database(self) -> Path:
        """Where HQ on PostgreSQL keeps its database's URL, without the password (``init hq --db-url``)."""
        return self.data_dir / "database.url"

    @property
    def attachments(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def backups(self) -> Path:
        return self.data_dir / "backups"

    @property
    def settings(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"

    @property
    def keys(self) -> Path:
        """The register key's slots (app/keyslots.py), beside the register."""
        return self.data_dir / SLOTS_FILE


@dataclass
class Context:
    """Everything a front end needs, built by ``app.register.open_register``."""

    paths: Paths
    sessions: Sessions
    reference: Reference
    settings: Settings
    hasher: PasswordHasher
    kind: str
    station_id: str
    station_code: str
    zone: ZoneInfo  # the register's time zone (``app.zones``): every time told to a person is in it
    clock: Callable[[], datetime] = utc_now
    # The register key; None for a plain register (PostgreSQL, or one not yet encrypted).
    key: bytes | None = field(default=None, repr=False)
    # Set only just after set-up or encryption made a recovery key, for the front end to show once.
    recovery_key: str | None = field(default=None, repr=False)
    _services: dict[str, object] = field(default_factory=dict)

    @property
    def cases(self) -> CaseService:
        from app.cases import CaseService

        return self._service("cases", CaseService)

    @property
    def users(self) -> UserService:
        from app.users import UserService

        return self._service("users", UserService)

    @property
    def tips(self) -> TipService:
        from app.tips import TipService

        return self._service("tips", TipService)

    @property
    def activities(self) -> ActivityService:
        from app.activities import ActivityService

        return self._service("activities", ActivityService)

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the register's time zone, as people there read it (never the computer's zone)."""
        return moment.astimezone(self.zone)

    @property
    def utc_offset(self) -> timedelta:
        """The zone's one offset from UTC (``app.zones``), at which the report tallies cut days."""
        return timedelta(minutes=offset_minutes(self.zone))

    def today(self) -> date:
        """Today at the border post (the register's own day, whatever the computer's time zone)."""
        return self.local(self.clock()).date()

    def _service[S](self, name: str, factory: Callable[[Context], S]) -> S:
        """One instance of each service per register, made on first use."""
        if name not in self._services:
            self._services[name] = factory(self)
        return cast(S, self._services[name])

    @property
    def attachments(self) -> AttachmentStore:
        """Photos and files, encrypted under the register key when the register is."""
        from app.attachments import AttachmentStore

        return AttachmentStore(self.paths.attachments, self.key)

    @property
    def keyslots(self) -> KeySlots:
        return KeySlots(self.paths.keys)

    def login(self, username: str, password: str) -> Actor:
        """Check the password; failed attempts are recorded even though the log-in is refused.

        On an encrypted register the password must open the user's key slot first (where the
        failures are counted: app/keyslots.py), then the register's own account check follows."""
        if self.key is not None:
            key = self.keyslots.unlock(
                username, password, now=self.clock(), threshold=self.settings.lockout_threshold,
                lockout=timedelta(minutes=self.settings.lockout_minutes),
            )
            if key != self.key:
                raise AuthError(_("the key file does not belong to this register"))
        return self.check_account(username, password)

    def check_account(self, username: str, password: str) -> Actor:
        """The register's own account check (active, not locked, password hash), once the key is known."""
        with self.sessions.writes() as session:
            try:
                actor = authenticate(
                    session, self.hasher, username, password, now=self.clock(),
                    threshold=self.settings.lockout_threshold,
                    lockout=timedelta(minutes=self.settings.lockout_minutes), zone=self.zone,
                )
            except AuthError:
                session.commit()
                raise
            session.commit()
            return actor

    def only_admin(self) -> str | None:
        """The username of the only active admin, the CLI's default acting user."""
        with self.sessions.reads() as session:
            names = session.execute(
                select(m.User.username).where(m.User.role == "admin", m.User.active.is_(True))
            ).scalars().all()
        return names[0] if len(names) == 1 else None

    def close(self) -> None:
        self.sessions.engine.dispose()


def base_context_parts(data_dir: Path) -> tuple[Paths, Reference, Settings, PasswordHasher]:
    paths = Paths(data_dir)
    return paths, load_reference(), load_settings(paths.settings), make_hasher()
