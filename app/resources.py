"""Finds the bundled resource files, from a source checkout or from the frozen app.

``OUTPOST_RESOURCES`` points the program at another copy of the folder: a test uses it to run the
program on a tampered copy, and a translator to try a catalog without rebuilding. It grants nothing
that editing the installed files would not, and the copy is checked against its manifest
(``app.resource_check``) like the installed one."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the packages in a checkout, under ``_MEIPASS`` when frozen."""
    override = os.environ.get("OUTPOST_RESOURCES")
    if override:
        return Path(override).expanduser()
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
