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


def schema_problem(document: object, schema: str) -> str | None:
    """The first way ``document`` breaks the JSON Schema ``resources/schemas/<schema>``, as
    ``where: problem``, or None: for the data files a register reads (deadlines, posts' areas)."""
    import json

    from jsonschema import Draft202012Validator

    checker = Draft202012Validator(json.loads(resource_path("schemas", schema).read_text(encoding="utf-8")))
    problems = sorted(checker.iter_errors(document), key=lambda e: list(e.path))
    if not problems:
        return None
    where = "/".join(str(part) for part in problems[0].path) or "(top)"
    return f"{where}: {problems[0].message}"
