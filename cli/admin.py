"""Commands that look after the register itself: the desktop app, self-test, set-up, user accounts,
the audit chain, backup and restore.

Grouped as the administrator's side of the program, as opposed to the cases (``cli.cases``), the
exchange between posts and HQ (``cli.sync``) and the reports (``cli.reports``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.errors import RegisterError, ValidationError
from app.zones import DEFAULT_ZONE
from cli.common import (
    closed_at_the_end,
    group,
    logged_in,
    out,
    password,
    session,
    show_recovery_key,
    uncollected,
)


def cmd_gui(args: argparse.Namespace) -> int:
    with uncollected():  # Qt and every screen's module: ~45 ms of collections saved at start
        from ui.app import run_gui

    return int(run_gui(args.data_dir))


def cmd_self_test(args: argparse.Namespace) -> int:
    from app.selftest import run_self_test
    from ui.selftest import check_qt

    ok = True
    for name, passed, detail in run_self_test([("qt", check_qt)]):
        ok &= passed
        print(f"{'ok  ' if passed else 'FAIL'} {name}{': ' + detail if detail else ''}")
    return 0 if ok else 1


def _register_program(sub: Any) -> None:
    sub.add_parser(
        "gui",
        help="start the desktop app (the default)",
        description="Start the desktop app on the register (what 'outpost' alone does).",
    ).set_defaults(func=cmd_gui)
    sub.add_parser(
        "self-test",
        help="check that this installation works",
        description="Check that this installation has what it needs: every resource file against the "
        "build's manifest (each changed, missing or added file named), the resources themselves, SQLite "
        "with full-text search, the cryptography, a throw-away register with one case, and Qt "
        "(offscreen without a display). Exits 1 if any check fails.",
    ).set_defaults(func=cmd_self_test)


def cmd_init(args: argparse.Namespace) -> int:
    from app.register import init_register

    secret = password(f"Password for the new admin {args.admin}: ", confirm=True)
    ctx = closed_at_the_end(init_register(
        args.data_dir,
        kind=args.kind,
        code=args.code,
        name=args.name,
        admin_username=args.admin,
        admin_full_name=args.admin_name,
        admin_password=secret,
        force=getattr(args, "force", "border_guard"),
        commune_code=getattr(args, "commune", None),
        header_lines=getattr(args, "header_line", None) or [],
        time_zone=args.time_zone,
        db_url=args.db_url,
    ))
    summary = {
        "kind": ctx.kind,
        "station": ctx.station_code,
        "time_zone": ctx.zone.key,
        "data_dir": str(args.data_dir),
        "admin": args.admin,
    }
    out(args, summary, f"Set up {ctx.kind} {ctx.station_code} in {args.data_dir} (time zone {ctx.zone.key}); "
        f"admin: {args.admin}")
    if ctx.recovery_key:
        show_recovery_key(ctx.recovery_key, "The register is encrypted; each user's password opens it.")
    elif args.db_url:
        print(f"\n{ON_SERVER}.\n", file=sys.stderr)
    return 0


def _register_init(sub: Any, common: argparse.ArgumentParser) -> None:
    init = sub.add_parser(
        "init",
        help="set up a new register",
        description="Set up a new, empty register in the data folder, for a border post or for HQ, with "
        "its first admin (password: OUTPOST_PASSWORD or a prompt).",
    ).add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, text, description in (
        ("post", "set up this border post", "Set up the register of a border post."),
        (
            "hq",
            "set up headquarters",
            "Set up the register of headquarters, which receives the posts' cases.",
        ),
    ):
        p = init.add_parser(kind, help=text, description=description, parents=[common])
        example = "BP-VX" if kind == "post" else "BCH-AG"
        p.add_argument("--code", required=True, help=f"station code, e.g. {example}")
        p.add_argument("--name", required=True, help="station name as printed")
        p.add_argument("--admin", required=True, help="user name of the first admin")
        p.add_argument("--admin-name", default=None, help="full name of the first admin")
        p.add_argument(
            "--time-zone",
            default=DEFAULT_ZONE,
            metavar="NAME",
            help="the register's time zone, an IANA name with no daylight saving time "
            f"(default {DEFAULT_ZONE}); every time shown is in it, and it cannot be changed later",
        )
        if kind == "post":
            p.add_argument("--force", default="border_guard", help="force code (default border_guard)")
            p.add_argument("--commune", default=None, help="commune code, e.g. 30325")
            p.add_argument(
                "--header-line", action="append", help="agency header line for printed forms (repeat)"
            )
        p.set_defaults(func=cmd_init)


def cmd_user_add(args: argparse.Namespace) -> int:
    ctx, actor, acting_password = logged_in(args)
    new_password = password(f"Password for {args.username}: ", env="OUTPOST_NEW_PASSWORD", confirm=True)
    view = ctx.users.add(
        actor,
        args.username,
        role=args.role,
        full_name=args.full_name,
        password=new_password,
        rank=args.rank,
        position=args.position,
        actor_password=acting_password,
    )
    out(args, view.__dict__, f"Added {view.role} {view.username} ({view.full_name})")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    views = ctx.users.list(actor)
    now = ctx.clock()

    def locked(view: Any) -> bool:  # a lock-out that has run out no longer counts (app/auth.py)
        return view.locked_until is not None and view.locked_until > now

    def state(view: Any) -> str:
        if not view.active:
            return "inactive"
        if locked(view):  # in the register's time zone, as the log-in refusal says it
            return f"locked until {ctx.local(view.locked_until):%H:%M %d/%m/%Y}"
        return "active"

    lines = [f"{v.username:<16} {v.role:<8} {state(v):<8} {v.full_name}" for v in views]
    out(args, [{**v.__dict__, "locked": locked(v)} for v in views], "\n".join(lines))
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    view = ctx.users.unlock(actor, args.username)
    out(args, view.__dict__, f"Unlocked {view.username}")
    return 0


def cmd_user_password(args: argparse.Namespace) -> int:
    ctx, actor, current = logged_in(args)
    new_password = password("New password: ", env="OUTPOST_NEW_PASSWORD", confirm=True)
    ctx.users.change_password(actor, current, new_password)
    out(args, {"username": actor.username}, f"Changed the password of {actor.username}")
    return 0


def cmd_user_deactivate(args: argparse.Namespace) -> int:
    ctx, actor = session(args)
    view = ctx.users.deactivate(actor, args.username)
    out(args, view.__dict__, f"Deactivated {view.username}: the account can no longer open the register")
    return 0


# HQ on PostgreSQL: no register key, so no recovery key; its server protects it (docs/security.md).
ON_SERVER = (
    "HQ's register on PostgreSQL has no recovery key: its database server protects it, not a key on this "
    "computer. An admin sets another user's forgotten password with 'outpost --user ADMIN user "
    "reset-password NAME' (ADMIN's own password, as for every command)"
)


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    from app.context import Paths
    from app.register import recorded_database
    from app.unlock import reset_password_with_recovery_key

    if args.db_url or recorded_database(Paths(args.data_dir)):
        if args.recovery_key:
            raise RegisterError(ON_SERVER)
        return _reset_by_admin(args)
    if not args.recovery_key:
        raise ValidationError(["--recovery-key: say how to open the register (the key printed at set-up)"])
    recovery = password("Recovery key: ", env="OUTPOST_RECOVERY_KEY")
    new_password = password(f"New password for {args.username}: ", env="OUTPOST_NEW_PASSWORD", confirm=True)
    reset_password_with_recovery_key(args.data_dir, recovery, args.username, new_password)
    out(
        args,
        {"username": args.username},
        f"Set a new password for {args.username} with the recovery key; the account is unlocked.",
    )
    return 0


def _reset_by_admin(args: argparse.Namespace) -> int:
    """HQ on PostgreSQL: an admin, logged in, sets another user's password (the account is unlocked);
    the audit trail names the admin."""
    from app.auth import require

    ctx, actor = session(args)
    require(actor, "user.manage")
    new_password = password(f"New password for {args.username}: ", env="OUTPOST_NEW_PASSWORD", confirm=True)
    ctx.users.reset_password(args.username, new_password, by=actor.username)
    out(
        args,
        {"username": args.username, "by": actor.username},
        f"Set a new password for {args.username} (by {actor.username}); the account is unlocked.",
    )
    return 0


def cmd_recovery_key(args: argparse.Namespace) -> int:
    from app.auth import require

    ctx, actor = session(args)
    require(actor, "user.manage")
    if ctx.key is None and ctx.sessions.engine.dialect.name == "postgresql":
        raise RegisterError(ON_SERVER)
    if ctx.key is None:
        raise RegisterError("this register is not encrypted: it has no recovery key")
    recovery = ctx.keyslots.new_recovery(ctx.key)
    out(args, {"replaced": True}, "Made a new recovery key; the old one no longer opens the register.")
    show_recovery_key(recovery, "The register has a new recovery key.")
    return 0


def _register_user(sub: Any, common: argparse.ArgumentParser) -> None:
    user = group(
        sub, "user", "user accounts",
        "Add, list, unlock and deactivate the register's user accounts (admins); change one's own password; "
        "set a forgotten password with the recovery key.",
    )
    p = user.add_parser(
        "add",
        help="add a user (password: OUTPOST_NEW_PASSWORD or a prompt)",
        description="Add a user account. The acting admin's password is asked for first, then the new "
        "user's (OUTPOST_NEW_PASSWORD or a prompt).",
        parents=[common],
    )
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["officer", "chief", "admin", "analyst"])
    p.add_argument("--full-name", required=True)
    p.add_argument("--rank")
    p.add_argument("--position")
    p.set_defaults(func=cmd_user_add)
    user.add_parser(
        "list", help="list users", description="List the user accounts with their roles.", parents=[common]
    ).set_defaults(func=cmd_user_list)
    p = user.add_parser(
        "unlock",
        help="unlock a locked-out account",
        description="Unlock an account that five wrong passwords locked, before its 15 minutes are up.",
        parents=[common],
    )
    p.add_argument("username")
    p.set_defaults(func=cmd_user_unlock)
    user.add_parser(
        "password",
        help="change your own password (new one: OUTPOST_NEW_PASSWORD or a prompt)",
        description="Change the acting user's password; only that user's key slot is wrapped again.",
        parents=[common],
    ).set_defaults(func=cmd_user_password)
    p = user.add_parser(
        "deactivate",
        help="close an account (it can no longer open the register)",
        description="Deactivate an account: it can no longer log in and its key slot is removed. Its cases "
        "and their history stay.",
        parents=[common],
    )
    p.add_argument("username")
    p.set_defaults(func=cmd_user_deactivate)
    p = user.add_parser(
        "reset-password",
        help="set a forgotten password with the recovery key",
        description="Open the register with the recovery key printed at set-up (OUTPOST_RECOVERY_KEY or a "
        "prompt) and give NAME a new password (OUTPOST_NEW_PASSWORD or a prompt); the account is unlocked. "
        "No password is needed. A chief's or admin's copy of the tip key is not recovered: another chief "
        "or admin gives it again. HQ on PostgreSQL has no recovery key: there an admin, logged in as for "
        "any command (--user), gives NAME a new password without --recovery-key.",
        parents=[common],
    )
    p.add_argument("username")
    p.add_argument("--recovery-key", action="store_true",
                   help="open the register with the recovery key (asked for, or OUTPOST_RECOVERY_KEY)")
    p.set_defaults(func=cmd_user_reset_password)
    sub.add_parser(
        "recovery-key",
        help="make a new recovery key (the old one stops working)",
        description="Replace the register's recovery key (admins): the new one is printed once, to print "
        "and keep in the safe; the old one no longer opens the register. Backups made before keep the "
        "key slots saved with them, and so the old recovery key.",
        parents=[common],
    ).set_defaults(func=cmd_recovery_key)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from app.audit_check import check

    ctx, actor = session(args)
    result = check(ctx, actor)  # the chain, HQ's copies of the posts' chains, the informants' keys
    report, problems = result, list(result.problems)
    payload = {
        "ok": not problems,
        "events": report.events,
        "entities": report.entities,
        "problems": problems,
    }
    if not problems:
        out(args, payload, f"Audit chain intact: {report.events} events, {report.entities} records match.")
        return 0
    if args.json:
        out(args, payload)
    else:
        print(f"AUDIT FAILED: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    return 9


def _register_audit(sub: Any, common: argparse.ArgumentParser) -> None:
    audit = group(sub, "audit", "the audit chain", "Check the audit hash chain that every write appends to.")
    audit.add_parser(
        "verify",
        help="prove nothing was changed behind the app's back",
        description="Recompute the audit chain and every sealed state, and name any row edited, inserted "
        "or deleted outside the app; check the keys informants are sealed to against what proves them. "
        "Exits 9 when something does not match.",
        parents=[common],
    ).set_defaults(func=cmd_audit_verify)


def cmd_backup(args: argparse.Namespace) -> int:
    from app.auth import require
    from app.register import backup_register

    ctx, actor = session(args)
    require(actor, "register.backup")
    path = backup_register(ctx, Path(args.out) if args.out else None)
    if ctx.sessions.engine.dialect.name == "postgresql":
        from app.register import pg_backup_said

        said = pg_backup_said(ctx, path)
        out(args, {"backup": str(path), "holds": "database", "encrypted": False, "note": said}, said)
        return 0
    keys = ", HQ's keys (still locked by HQ's key passphrase)" if ctx.kind == "hq" else ""
    out(
        args,
        {"backup": str(path), "hq_keys": bool(keys)},
        f"Backed up the register, its key slots{keys} and its attachments to {path}",
    )
    return 0


def _keys_after_restore(done: Any, data_dir: Path) -> str:
    """What a new computer does about its station keys after a restore (docs/operations.md §2, §11)."""
    if done.kind == "hq" and done.hq_keys:
        return (
            "HQ's keys came with the backup (wrapped under HQ's key passphrase, as before): HQ imports "
            "the posts' bundles and sends return bundles as it did. The posts are as the backup holds "
            "them: revoke again any post revoked since it was made, and accept again any re-key made "
            "since (docs/operations.md §11)."
        )
    if done.kind == "hq":
        return (
            f"The backup holds no HQ keys (made before they were backed up, or {data_dir / 'keys'} exists "
            f"already): copy the keys folder of the old HQ computer (or of its copy in the safe) to "
            f"{data_dir / 'keys'}; without it HQ cannot read the posts' bundles (docs/operations.md §11)."
        )
    return (
        "This computer has no station keys yet: run 'outpost enroll rekey-request' and take the "
        "request to HQ (docs/operations.md)."
    )


def cmd_restore(args: argparse.Namespace) -> int:
    """Checked first (app/restore.py): a failed check names itself and nothing is replaced."""
    from app.auth import require
    from app.restore import Unlock, restore_into, restore_new

    recovery = password("Recovery key: ", env="OUTPOST_RECOVERY_KEY") if args.recovery_key else None
    source, accept = Path(args.file), args.without_missing_attachments
    if args.db_url is None and not (args.data_dir / "register.sqlite").exists():
        # A new laptop: no register to log in to; the backup's own slots open it.
        username = None if recovery else args.user
        if not recovery and not username:
            raise ValidationError(  # a usage mistake: exit 2, as argparse's own
                ["say how to open the backup: --recovery-key, or --user NAME (a chief or admin)"]
            )
        secret = None if recovery else password(f"Password for {username}: ")
        done = restore_new(args.data_dir, source, Unlock(recovery, username, secret), accept_missing=accept)
        out(
            args,
            {"restored": args.file, "station": done.station_code, "previous_saved_to": None,
             "attachments": done.attachments, "without": list(done.without)},
            f"Restored the register of station {done.station_code} from {args.file} into {args.data_dir}.\n"
            + _keys_after_restore(done, args.data_dir),
        )
        _warn_without(done.without)
        return 0
    ctx, actor, secret = logged_in(args)
    require(actor, "register.restore")
    done = restore_into(
        ctx,
        source,
        Unlock(recovery, actor.username, secret),
        accept_missing=accept,
        accept_station_changes=args.despite_station_changes,
    )
    out(
        args,
        {"restored": args.file, "station": done.station_code,
         "previous_saved_to": str(done.previous_saved_to), "attachments": done.attachments,
         "without": list(done.without), "station_changes": list(done.station_changes)},
        f"Restored {args.file}; the register as it was is saved in {done.previous_saved_to}"
        + "".join(f"\nDo again now: {change}" for change in done.station_changes),
    )
    _warn_without(done.without)
    return 0


def _warn_without(without: tuple[str, ...]) -> None:
    for line in without:
        print(f"warning: restored without {line}", file=sys.stderr)


def _register_backup(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "backup",
        help="back up the register (online, consistent)",
        description="Copy the register, its key slots, its settings and its sealed attachments to one backup "
        "folder while the register is in use; the copy is consistent and the folder appears only once "
        "it is complete.",
        parents=[common],
    )
    p.add_argument(
        "--out",
        help="where to write the backup: an existing folder (a USB stick's) gets a new backup inside it; "
        "any other path is the backup folder to make, or at HQ on PostgreSQL the pg_dump file, and must not "
        "exist yet (default: a new one in backups/ in the data dir)",
    )
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser(
        "restore",
        help="restore a backup, checked first (the current register is backed up first)",
        description="Replace the register with a backup once it passes every check: integrity, the "
        "station, the schema (no unknown table, index, trigger or view) and the full audit chain; a "
        "failed check is named and nothing is replaced. The register as it was is backed up first. In a "
        "data folder without a register (a new laptop) the backup is opened with its own key file, by "
        "the recovery key or a chief's or admin's password.",
        parents=[common],
    )
    p.add_argument("file", help="a backup folder (or an earlier version's backup file)")
    p.add_argument("--recovery-key", action="store_true",
                   help="open the backup with the recovery key (asked for, or OUTPOST_RECOVERY_KEY)")
    p.add_argument("--without-missing-attachments", action="store_true",
                   help="restore even though attachments named by the register are missing or damaged "
                   "(each is named; without this the restore is refused)")
    p.add_argument("--despite-station-changes", action="store_true",
                   help="HQ: restore a backup made before a post was revoked, re-keyed or enrolled (each is "
                   "named; without this the restore is refused; afterwards revoke and re-key them again)")
    p.set_defaults(func=cmd_restore)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds this module's commands to the top-level sub-parsers; ``common`` holds ``--json``."""
    _register_program(sub)
    _register_init(sub, common)
    _register_user(sub, common)
    _register_audit(sub, common)
    _register_backup(sub, common)
