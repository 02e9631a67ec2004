"""Creating, opening and backing up a register (the SQLite file and its data dir); see app/restore.py."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyrage
from sqlalchemy import func, make_url, select, text
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import selectinload

from app import __version__, audit, audit_cover, audit_upgrade, keyslots
from app.auth import check_password_strength
from app.case_json import case_document
from app.context import Context, Paths, base_context_parts, utc_now
from app.domain import USERNAME
from app.errors import AppError, RegisterError, ValidationError
from app.i18n import _
from app.keyslots import KeySlots
from app.progress import CancelToken, Progress, no_progress
from app.reference import load_reference
from app.search import case_search_body
from app.serialize import row_state
from app.sync import keywrap
from app.text import nfc
from app.zones import DEFAULT_ZONE, offset_minutes, zone_problem
from db import cipher, migrate, pgdump, schema, search
from db import models as m
from db.engine import make_engine, make_sessions, sqlite_url

STATION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,15}$")


def _meta(session: Any) -> dict[str, str]:
    return {row.key: row.value for row in session.execute(select(m.Meta)).scalars()}


def open_register(
    data_dir: Path,
    *,
    key: bytes | None = None,
    db_url: str | None = None,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress = no_progress,
) -> Context:
    """Open an existing register, upgrading its schema first (after a backup) when it is older.

    ``db_url`` is HQ's PostgreSQL database; without it, the one recorded in the data folder when the
    register was set up, else the SQLite file. ``key`` is the register key from a user's slot
    (``app.unlock.log_in`` finds it); only a plain register (one from before encryption, or a
    PostgreSQL one) opens without it. ``progress`` hears of the search index being rebuilt, the one
    long step after some upgrades."""
    paths, reference, settings, hasher = base_context_parts(data_dir)
    db_url = chosen_database(paths, db_url)
    if db_url is None and not paths.register.exists():
        raise RegisterError(
            f"there is no register in {data_dir}; set one up with 'outpost init post' or 'outpost init hq'"
        )
    if db_url is not None and recorded_database(paths) is None:
        raise RegisterError(
            _(
                "there is no register in {folder}: HQ's data folder is the one 'init hq --db-url' made (it "
                "records the database and holds HQ's keys); a URL given (--db-url or OUTPOST_DB_URL) only "
                "reaches the database recorded there. Give HQ's data folder with --data-dir"
            ).format(folder=data_dir)
        )
    if db_url is not None:
        key = None  # a server database is protected by its server
    try:
        if db_url is None:
            if key is None and not cipher.is_plain(paths.register):
                raise RegisterError(_("the register is encrypted: log in to open it"))
            migrate.precheck_sqlite(paths.register, key)
    except migrate.SchemaError as exc:
        raise RegisterError(str(exc)) from None
    engine = _engine(paths, db_url, key)
    try:
        migrate.upgrade(engine, backup_to=lambda: _pre_migration_backup(paths, engine, clock(), key))
    except migrate.SchemaError as exc:
        engine.dispose()
        raise RegisterError(str(exc)) from None
    except DBAPIError as exc:
        engine.dispose()
        if db_url is None:
            raise
        raise _refused(exc) from None
    if engine.dialect.name == "sqlite":
        _check_schema(engine)
    sessions = make_sessions(engine)
    with sessions.reads() as session:
        meta = _meta(session)
        overrides: dict[str, list[dict[str, Any]]] = {}
        for item in session.execute(select(m.ReferenceItem)).scalars():
            overrides.setdefault(item.kind, []).append(item.payload)
    if "station_id" not in meta:
        engine.dispose()
        raise RegisterError(f"the register in {data_dir} was never set up (no station); set it up again")
    try:
        audit_upgrade.prepare(sessions, key, meta["station_id"], clock)
    except RegisterError:
        engine.dispose()
        raise
    if overrides:
        reference = load_reference(overrides=overrides)
    zone_name = meta.get("time_zone", DEFAULT_ZONE)  # registers set up before the setting kept Vietnam's
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        engine.dispose()
        raise RegisterError(
            f"the register's time zone {zone_name} is unknown to this computer; install the tzdata package"
        ) from None
    ctx = Context(
        paths=paths, sessions=sessions, reference=reference, settings=settings, hasher=hasher,
        kind=meta["kind"], station_id=meta["station_id"], station_code=meta["station_code"],
        zone=zone, clock=clock, key=key,
    )
    if meta.get("search_rebuild") == "1":
        rebuild_search_index(ctx, progress)
    return ctx


def schema_problems(found: list[schema.Difference]) -> list[str]:
    """What db/schema.py found, one line an object, in the one form open, ``audit verify`` and restore
    all say it: what changed, the object, and the table it is on."""
    kinds = {"table": _("table"), "index": _("index"), "trigger": _("trigger"), "view": _("view")}
    said = {
        "unknown": _("unknown {kind} {name}{on}: the migrations do not create it"),
        "missing": _("missing {kind} {name}{on}"),
        "changed": _("{kind} {name}{on} differs from what the migrations create"),
    }
    return [
        said[d.change].format(
            kind=kinds.get(d.kind, d.kind),
            name=d.name,
            # A view's table is itself, as a table's is.
            on="" if d.kind in ("table", "view") else _(" on table {table}").format(table=d.table),
        )
        for d in found
    ]


def _check_schema(engine: Any) -> None:
    """Refuse a register whose schema was changed behind the program's back (db/schema.py)."""
    with engine.connect() as conn:
        problems = schema_problems(schema.differences(conn))
    if problems:
        engine.dispose()
        raise RegisterError(
            _("the register's schema was changed outside the program, so it is not opened: {problems}. "
              "Restore a sound backup, or ask for help to remove what was added.").format(
                problems="; ".join(problems)
            )
        )


def recorded_database(paths: Paths) -> str | None:
    """The database URL that ``init hq --db-url`` recorded in the data folder (no password in it:
    that comes from ``OUTPOST_DB_URL``, ``PGPASSWORD`` or ``~/.pgpass``), or None for an SQLite register."""
    try:
        return paths.database.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _place(url: Any) -> tuple[str, int, str, str]:
    """Which database a URL names: host, port, database and user (never the password or driver)."""
    host = url.host or "localhost"
    host = "localhost" if host in ("127.0.0.1", "::1") else host  # one machine, however it is named
    return (host, url.port or 5432, url.database or "", url.username or "")


def chosen_database(paths: Paths, given: str | None) -> str | None:
    """The database to open: the one recorded in the data folder, reached with the URL given
    (``--db-url`` or ``OUTPOST_DB_URL``) only for its password. A given URL naming another database is
    refused: this folder's keys and inbox belong to the recorded one (docs/architecture.md §10)."""
    recorded = recorded_database(paths)
    if given is not None and recorded is None and paths.register.exists():
        # OUTPOST_DB_URL set for HQ's work, and a command run on a post's (or a SQLite HQ's) folder: the
        # URL would have opened HQ's database in its place, and written this folder's work there.
        raise RegisterError(
            _(
                "the data folder {folder} holds its own register (an SQLite file), but a database URL was "
                "given (--db-url or OUTPOST_DB_URL, {given}): it would open another register in its place. "
                "Unset OUTPOST_DB_URL for this folder, or use HQ's own data folder; nothing was changed"
            ).format(folder=paths.data_dir, given=_safe_url(given))
        )
    if given is None or recorded is None:
        return given or recorded
    try:
        same = _place(make_url(given)) == _place(make_url(recorded))
    except ArgumentError:
        same = False
    if not same:
        raise RegisterError(
            _("the data folder {folder} belongs to the database {recorded}, but the URL given "
              "(--db-url or OUTPOST_DB_URL) names {given}, not the same server, port, database and user; "
              "once 'init hq' has recorded the database, the URL only gives its password. Use the other "
              "HQ's own data folder, or unset OUTPOST_DB_URL; nothing was changed").format(
                folder=paths.data_dir, recorded=_safe_url(recorded), given=_safe_url(given))
        )
    return given


def _empty_database(engine: Any) -> None:
    """HQ's PostgreSQL database must be empty: its tables beside another program's would share names
    (``users``), backups and rights, and a later ``pg_restore --clean`` of one would touch the other."""
    from sqlalchemy import inspect

    tables = sorted(inspect(engine).get_table_names())
    if tables:
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        raise RegisterError(
            _(
                "the database {database} is not empty (it holds the tables {tables}): HQ's register needs an "
                "empty database of its own, e.g. 'createdb outpost_hq'; nothing was changed"
            ).format(database=engine.url.database, tables=shown)
        )


def postgres_only(db_url: str) -> None:
    """``--db-url`` names HQ's PostgreSQL database and nothing else: an SQLite register is the
    encrypted file in the data folder, which another URL would bypass (docs/security.md)."""
    try:
        backend = make_url(db_url).get_backend_name()
    except ArgumentError:
        raise RegisterError(_("'{url}' is not a database URL").format(url=_safe_url(db_url))) from None
    if backend != "postgresql":
        raise ValidationError([
            _("--db-url: only PostgreSQL is supported (postgresql://user@host/database), not {scheme}; "
              "without --db-url the register is the encrypted SQLite file in the data folder").format(
                scheme=backend)
        ])


def _engine(paths: Paths, db_url: str | None, key: bytes | None = None) -> Any:
    if db_url is None:
        return make_engine(sqlite_url(paths.register), key)
    postgres_only(db_url)
    try:
        return make_engine(db_url)
    except ModuleNotFoundError:
        raise RegisterError(
            _("the PostgreSQL driver is not installed: pip install 'outpost[hq]' (psycopg 3)")
        ) from None
    except ArgumentError:
        raise RegisterError(_("'{url}' is not a database URL").format(url=_safe_url(db_url))) from None


def _safe_url(db_url: str) -> str:
    """The URL as it may be printed: never with its password."""
    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL: shown, with whatever could be a password in it hidden
        hidden = re.sub(r"^([^@]*://)?[^@]*@", lambda found: (found[1] or "") + "***@", db_url)
        return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", hidden)


def _refused(exc: DBAPIError) -> RegisterError:
    """What the PostgreSQL server said, for a person to act on (no server, wrong password, no rights)."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else ""
    if isinstance(exc, OperationalError):
        return RegisterError(_("could not connect to the database: {detail}").format(detail=detail))
    return RegisterError(_("the database refused: {detail}").format(detail=detail))


def rebuild_search_index(
    ctx: Context, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> int:
    """Rebuild the whole search index (after a migration that asks for it)."""
    done = 0
    with ctx.sessions.writes.begin() as session:
        conn = session.connection()
        conn.execute(text("DELETE FROM case_search"))
        stations = {row[0]: row[1] for row in session.execute(select(m.Station.id, m.Station.code))}
        total = session.execute(select(func.count()).select_from(m.Case)).scalar_one()
        batch: list[tuple[int | str, str]] = []
        result = session.execute(
            select(m.Case, search.key_column(conn))
            .options(
                selectinload(m.Case.goods),
                selectinload(m.Case.parties),
                selectinload(m.Case.vehicles),
            )
            .execution_options(yield_per=2000)
        )
        for case, rowid in result:
            body = case_search_body(case_document(case, stations[case.origin]), ctx.reference)
            batch.append((rowid, body))
            done += 1
            if len(batch) >= 2000:
                search.insert_many(conn, batch)
                batch.clear()
                progress(done, total)
                if cancel:
                    cancel.check()
        search.insert_many(conn, batch)
        session.merge(m.Meta(key="search_rebuild", value="0"))
    return done


def _pre_migration_backup(paths: Paths, engine: Any, now: datetime, key: bytes | None) -> Path:
    private_folder(paths.backups)
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    revision = migrate.current_revision(engine) or "none"
    if engine.dialect.name == "postgresql":
        try:
            return _pg_dump(engine, paths.backups / f"before-upgrade-{revision}-{stamp}.dump")
        except RegisterError as exc:
            raise migrate.SchemaError(exc.message) from None
    out = migrate.backup_sqlite(
        paths.register, paths.backups / f"before-upgrade-{revision}-{stamp}.sqlite", key
    )
    if key is not None:
        KeySlots(paths.keys).copy_to(_slots_beside(out))
    return out


def private_folder(folder: Path) -> None:
    """A folder only its owner may enter (docs/security.md: on Windows the user profile's ACL does this)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def _slots_beside(backup: Path) -> Path:
    """Where a backup's own copy of the key slots goes: the backup opens with it, anywhere."""
    return backup.with_name(backup.name + ".keys")


def _pg_dump(engine: Any, out: Path) -> Path:
    """HQ's PostgreSQL register to ``out`` through ``pg_dump -Fc``, or why it could not be."""
    try:
        return pgdump.dump(engine, out)
    except pgdump.PgDumpMissing:
        raise RegisterError(
            _(
                "pg_dump is not installed, so the PostgreSQL register was not backed up: install the "
                "PostgreSQL client programs (Debian: apt-get install postgresql-client) and run backup "
                "again, or back it up with 'pg_dump -Fc' on the database server"
            )
        ) from None
    except pgdump.PgDumpFailed as exc:
        reason = _("pg_dump could not back up the register: {reason}").format(reason=exc)
        raise RegisterError(reason) from None


def init_register(
    data_dir: Path,
    *,
    kind: str,
    code: str,
    name: str,
    admin_username: str,
    admin_password: str,
    admin_full_name: str | None = None,
    force: str = "border_guard",
    commune_code: str | None = None,
    header_lines: list[str] | None = None,
    time_zone: str = DEFAULT_ZONE,
    db_url: str | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Context:
    """Set up a new register for a post or for HQ, with its first admin account.

    ``time_zone`` (an IANA name with one fixed offset, ``app.zones``) is the register's for good: its
    report tallies cut days at that offset, so no command changes it afterwards."""
    paths = Paths(data_dir)
    reference = load_reference()
    code, name = nfc(code).upper(), nfc(name)
    problems = []
    if kind not in ("post", "hq"):
        problems.append(f"kind: '{kind}' is neither post nor hq")
    if not STATION_CODE.match(code):
        problems.append(f"code: '{code}' must be 2-16 letters, digits or '-', e.g. BP-VX")
    if not name:
        problems.append("name: required")
    if force not in reference.lists["forces"]:
        problems.append(f"force: '{force}' is not a force code")
    if commune_code is not None and commune_code not in reference.communes:
        problems.append(f"commune: '{commune_code}' is not an An Giang commune code")
    if (zone_refused := zone_problem(time_zone)) is not None:
        problems.append(f"time_zone: {zone_refused}")
    if not USERNAME.match(admin_username):
        problems.append(f"admin: '{admin_username}' must be 2-32 lower-case letters, digits, '.', '_' or '-'")
    if problems:
        raise ValidationError(problems)
    check_password_strength(admin_password)
    if db_url is not None and kind != "hq":
        raise ValidationError(
            [_("--db-url: a PostgreSQL database is for HQ; a post keeps its register file")]
        )
    if db_url is not None:
        postgres_only(db_url)
    if paths.register.exists() or paths.database.exists():
        raise RegisterError(f"a register already exists in {data_dir}; nothing was changed")
    # A failed init leaves the folder as it found it: "nothing was changed" is then true of the folders too.
    made = [f for f in (data_dir, paths.attachments, paths.backups, paths.logs) if not f.exists()]
    private_folder(data_dir)
    for folder in (paths.attachments, paths.backups, paths.logs):
        private_folder(folder)
    register_key = None if db_url is not None else keyslots.new_key()
    if register_key is not None:
        paths.register.touch(mode=0o600)  # SQLite gives its log files the register's mode
    try:
        engine = _engine(paths, db_url, register_key)
    except BaseException:
        _remove_sqlite(paths)
        _remove_empty(made)
        raise
    try:
        if migrate.current_revision(engine) is not None:
            raise RegisterError("the database already holds a register; nothing was changed")
        if db_url is not None:
            _empty_database(engine)
        migrate.create(engine)
        sessions = make_sessions(engine, audit.mac_key(register_key))
        now = clock()
        hasher = base_context_parts(data_dir)[3]
        with sessions.writes.begin() as session:
            station = m.Station(
                code=code, name=name, force=force, commune_code=commune_code, kind=kind,
                header_lines=[nfc(h) for h in header_lines or []], created_at=now, version=1,
            )
            session.add(station)
            session.flush()
            # From here on the bookkeeping rows written are sealed as they are flushed (app/audit_cover.py).
            session.info[audit_cover.STATION_INFO] = station.id
            session.info[audit_cover.CLOCK_INFO] = clock
            tip_identity = pyrage.x25519.Identity.generate()
            admin = m.User(
                station_id=station.id, username=admin_username,
                full_name=nfc(admin_full_name or admin_username), role="admin",
                password_hash=hasher.hash(admin_password), active=True, failed_logins=0,
                tip_key_wrapped=keywrap.wrap(str(tip_identity).encode(), admin_password),
                created_at=now, version=1,
            )
            session.add(admin)
            for key, value in {
                "kind": kind,
                "station_id": station.id,
                "station_code": code,
                "created_with": __version__,
                "tip_recipient": str(tip_identity.to_public()),
                "search_rebuild": "0",
                "time_zone": time_zone,
                # The SQL triggers keeping the report tallies read the offset from here (migration 0009).
                "utc_offset_min": str(offset_minutes(ZoneInfo(time_zone))),
                audit_upgrade.CHAIN_KEY: audit.CHAIN_VERSION,
                **({audit_upgrade.MAC_KEY: "1"} if register_key is not None else {}),
            }.items():
                session.merge(m.Meta(key=key, value=value))
            session.flush()
            for entity, row, table, label in (
                ("station", station, m.Station.__table__, {"code": [None, code]}),
                ("user", admin, m.User.__table__, {"username": [None, admin_username]}),
            ):
                audit.record(
                    session, at=now, station_id=station.id, actor=admin_username, action="create",
                    entity=entity, entity_id=row.id, version=1, diff=label,
                    sealed_state=row_state(table, row),  # type: ignore[arg-type]
                )
            audit_upgrade.seal_unsealed(
                session.connection(), station.id, now, audit.mac_key(register_key)
            )
        engine.dispose()
        recovery = None
        if register_key is not None:
            station_label = keyslots.StationLabel(code, kind, time_zone)
            slots = KeySlots(paths.keys)
            recovery = slots.create(register_key, station_label, admin_username, "admin", admin_password)
    except AppError:
        engine.dispose()
        if db_url is None:
            _remove_sqlite(paths)
        _remove_empty(made)
        raise
    except DBAPIError as exc:
        engine.dispose()
        if db_url is None:
            _remove_sqlite(paths)
            _remove_empty(made)
            raise
        _remove_empty(made)
        raise _refused(exc) from None
    except Exception:
        engine.dispose()
        if db_url is None:
            _remove_sqlite(paths)
            paths.keys.unlink(missing_ok=True)
        _remove_empty(made)
        raise
    if db_url is not None:
        # Later commands and the desktop app find the database from the folder alone.
        # (URL.set leaves a field given as None as it was: the named tuple's _replace clears it.)
        safe = make_url(db_url)._replace(password=None).render_as_string(hide_password=False)
        paths.database.write_text(safe + "\n", encoding="utf-8")
    ctx = open_register(data_dir, key=register_key, db_url=db_url, clock=clock)
    ctx.recovery_key = recovery
    return ctx


def _remove_empty(folders: list[Path]) -> None:
    """The folders a failed ``init`` made, innermost first; one something was put in stays."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            pass


def _remove_sqlite(paths: Paths) -> None:
    """What a failed ``init`` left of a new register file."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{paths.register}{suffix}").unlink(missing_ok=True)


def backup_register(ctx: Context, out: Path | None = None) -> Path:
    """A consistent copy of the live register: for SQLite a backup folder with its key slots,
    settings and sealed attachments (app/backup.py), or for HQ on PostgreSQL a ``pg_dump`` archive in
    its custom format (restored with ``pg_restore``)."""
    from app.backup import new_backup_path, write_backup

    if ctx.sessions.engine.dialect.name != "postgresql":
        return write_backup(ctx, out)
    out = new_backup_path(ctx, out, "outpost", ".dump")
    if out.exists():
        raise RegisterError(f"{out} already exists; choose another file name")
    if not out.parent.is_dir():
        raise RegisterError(f"the folder {out.parent} does not exist")
    return _pg_dump(ctx.sessions.engine, out)


def pg_backup_said(ctx: Context, path: Path) -> str:
    """What a PostgreSQL backup holds and what it does not: ``pg_dump`` copies the database alone,
    in clear, while HQ's keys and attachments stay in the data folder (docs/security.md)."""
    return _(
        "Wrote a pg_dump archive of the PostgreSQL register (the database only) to {path}, readable by "
        "you only. Outpost does not encrypt it: the cases in it are in clear, so keep it as safe as the "
        "database itself. It does not hold the data folder {folder}: back up its keys/ (HQ's signing and "
        "encryption keys, without which no post's bundle opens), attachments/, settings.json and "
        "database.url yourself, e.g. with the folder copied to the same safe place. Restore the dump with "
        "pg_restore --clean."
    ).format(path=path, folder=ctx.paths.data_dir)


def register_summary(ctx: Context) -> dict[str, Any]:
    with ctx.sessions.reads() as session:
        cases = session.execute(text("SELECT count(*) FROM cases")).scalar_one()
        users = session.execute(text("SELECT count(*) FROM users")).scalar_one()
        meta = _meta(session)
    return {"kind": ctx.kind, "station": ctx.station_code, "time_zone": ctx.zone.key, "cases": cases,
            "users": users, "schema": migrate.HEAD, "created_with": meta.get("created_with")}


def dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)
