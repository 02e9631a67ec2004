"""Printed PDFs read back with poppler-utils: their text as a person reads it, and their fonts.

Importing this module fails the run at once on a machine without pdftotext or pdffonts, rather than
each test."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
    # .ci/run installs poppler-utils; a machine without it must say so
    pytest.fail("pdftotext and pdffonts (poppler-utils) are needed to read printed PDFs back", pytrace=False)


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


def pdf_fonts(data: bytes, tmp_path: Path) -> dict[str, bool]:
    """Each font ``pdffonts`` lists in a PDF, and whether it is embedded."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    listing = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    header, rule, *rows = listing.splitlines()
    # The columns are as wide as the dashes under their names; a font's name may hold spaces.
    widths = [len(dashes) for dashes in rule.split(" ")]
    columns = header.split()
    assert columns[:4] == ["name", "type", "encoding", "emb"], listing
    emb_start = sum(widths[:3]) + 3
    return {row[: widths[0]].strip(): row[emb_start : emb_start + widths[3]].strip() == "yes" for row in rows}


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces made single spaces (paragraphs wrap anywhere)."""
    return " ".join(unicodedata.normalize("NFC", text).split())
