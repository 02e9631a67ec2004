"""Printed PDFs read back as text with pdftotext (poppler-utils), as a person would read them.

Importing this module fails the run at once on a machine without pdftotext, rather than each test."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

if shutil.which("pdftotext") is None:  # .ci/run installs poppler-utils; a machine without it must say so
    pytest.fail("pdftotext (poppler-utils) is needed to read printed PDFs back", pytrace=False)


def pdf_text(
    data: bytes, tmp_path: Path, *, layout: bool = False, raw: bool = False, page: int | None = None
) -> str:
    """``raw``: in the order the page draws it (a diagonal word comes out whole, letter by letter,
    where the default reading order scatters its letters among the lines it crosses)."""
    path = tmp_path / "read.pdf"
    path.write_bytes(data)
    command = ["pdftotext", *(["-layout"] if layout else []), *(["-raw"] if raw else []), "-enc", "UTF-8"]
    if page is not None:
        command += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*command, str(path), "-"], check=True, capture_output=True, text=True).stdout


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces made single spaces (paragraphs wrap anywhere)."""
    return " ".join(unicodedata.normalize("NFC", text).split())
