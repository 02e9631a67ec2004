"""Typed, versioned settings stored as JSON in the data dir, with upgrade steps between versions."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

SETTINGS_VERSION = 1


@dataclass
class Settings:
    version: int = SETTINGS_VERSION
    language: str = "vi"
    auto_lock_minutes: int = 10
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    # Days before the Wednesday due date that the weekly report window ends (1 = the Tuesday).
    weekly_window_end_offset_days: int = 1
    report_period_mode: str = "statistical"  # statistical (15th -> 14th) | calendar
    place_name: str = "An Giang"
    header_lines: list[str] = field(default_factory=list)
    # E-mail to HQ (bundle parts as attachments); empty host: parts go to the outbox folder instead.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | ssl | none
    smtp_username: str = ""
    mail_from: str = ""
    mail_to: str = ""
    # HQ: its mailbox (IMAP), from which bundle attachments are fetched into the inbox folder.
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"  # ssl | starttls | none
    imap_username: str = ""
    inbox_folder: str = ""  # empty: inbox/ in the register's folder
    # Automatic backups into backups/ (app/backup.py): the newest ``backup_keep`` are kept.
    backup_keep: int = 7
    backup_every_hours: int = 24  # 0: none on a schedule
    backup_at_exit: bool = True
    # Each automatic backup also copied to this folder on a USB stick when it is plugged in
    # (app/stick.py): its volume label finds it again under another drive letter; the folder is the
    # path below the stick's root; empty root: no stick chosen.
    backup_stick_label: str = ""
    backup_stick_root: str = ""
    backup_stick_folder: str = ""
    # This install's reporting deadlines, over resources/rules/deadlines.json (app/deadlines.py): the
    # file's sections and keys ({"monthly": {"due_day": 25}}); empty: the shipped ones.
    deadlines: dict[str, Any] = field(default_factory=dict)
    # An inspection warns when the same establishment was inspected this many days before or after
    # (app/inspections.py; the 2025 conclusions: no repeated inspections of one establishment).
    inspection_window_days: int = 30


# Upgrade steps: UPGRADES[n] turns a version-n dict into a version-(n+1) dict.
UPGRADES: dict[int, Any] = {}


def load_settings(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    raw = json.loads(path.read_text(encoding="utf-8"))
    version = int(raw.get("version", 1))
    while version < SETTINGS_VERSION:
        raw = UPGRADES[version](raw)
        version += 1
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in raw.items() if k in known})


def save_settings(path: Path, settings: Settings) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), ensure_ascii=False, indent=2), encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    tmp.replace(path)
