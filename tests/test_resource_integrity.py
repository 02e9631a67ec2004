"""The build's manifest of ``resources/``: it matches the committed files, and a changed, removed or
added resource file is named by ``self-test`` and at every start of the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.resource_check import COMPILED_MANIFEST, MANIFEST, check_resources, read_manifest
from app.resources import resources_dir
from tests.helpers.cli import ROOT, outpost
from tests.helpers.registers import Post

REWARDS = "rules/rewards-2026.json"


def test_the_committed_manifest_matches_the_resources() -> None:
    """A resource changed without its manifest fails here, saying how to bring the manifest up to date."""
    done = subprocess.run(
        [sys.executable, "scripts/resource_manifest.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    entries = read_manifest(ROOT / "resources" / MANIFEST)
    assert entries is not None
    # What decides rewards, reports and what a case may hold is covered; the .po sources are not
    # (the app reads only the compiled catalog, covered by the compiled manifest).
    assert {REWARDS, "reports/summary-389.json", "schemas/case-v1.schema.json",
            "reference/commodities.json", "reference/communes_an_giang_2025.csv"} <= set(entries)
    assert not [name for name in entries if name.endswith((".po", ".mo"))]


def test_a_stale_manifest_fails_the_check_naming_the_file_and_the_fix(tmp_path: Path) -> None:
    copy = _copy_resources(tmp_path)
    _set_reward_thresholds_to_one(copy)
    done = subprocess.run(
        [sys.executable, "scripts/resource_manifest.py", "--check", str(copy)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert done.returncode == 1
    assert f"changed: {REWARDS}" in done.stderr
    assert "scripts/resource_manifest.py" in done.stderr and "commit resources/MANIFEST.sha256" in done.stderr


def test_the_installed_resources_are_in_order() -> None:
    report = check_resources()
    assert report.ok, report.lines()
    assert report.checked >= 20


def test_every_kind_of_difference_is_named(tmp_path: Path) -> None:
    copy = _copy_resources(tmp_path)
    _set_reward_thresholds_to_one(copy)
    (copy / "reports" / "summary-389.json").unlink()
    (copy / "reference" / "extra.json").write_text("{}", encoding="utf-8")
    catalog = next(copy.glob("locale/vi/LC_MESSAGES/*.mo"))
    catalog.write_bytes(catalog.read_bytes() + b"\0")
    (copy / "locale" / "vi" / "core.po").write_text("# the app never reads this\n", encoding="utf-8")

    report = check_resources(copy)

    assert report.changed == ("locale/vi/LC_MESSAGES/outpost.mo", REWARDS)
    assert report.missing == ("reports/summary-389.json",)
    assert report.extra == ("reference/extra.json",)
    assert f"resource file changed since the build: {REWARDS}" in report.lines()


def test_a_frozen_build_needs_its_compiled_manifest(tmp_path: Path) -> None:
    """Deleting the catalogs' manifest must not switch their check off in the installed program."""
    copy = _copy_resources(tmp_path)
    (copy / COMPILED_MANIFEST).unlink()
    assert check_resources(copy, frozen=False).ok
    assert check_resources(copy, frozen=True).no_manifest == (COMPILED_MANIFEST,)
    (copy / MANIFEST).unlink()
    assert check_resources(copy, frozen=False).no_manifest == (MANIFEST,)


def test_self_test_names_the_changed_reward_rules(tmp_path: Path) -> None:
    copy = _copy_resources(tmp_path)
    _set_reward_thresholds_to_one(copy)
    done = outpost(tmp_path / "none", "self-test", env={"OUTPOST_RESOURCES": str(copy),
                                                         "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 1
    assert f"FAIL integrity: resource file changed since the build: {REWARDS}" in done.stdout
    assert "ok   register" in done.stdout  # the other checks still run and report


def test_every_command_warns_about_a_changed_file_and_still_runs(post: Post, tmp_path: Path) -> None:
    copy = _copy_resources(tmp_path)
    _set_reward_thresholds_to_one(copy)
    tampered = outpost(post.data_dir, "case", "list", "--json", env={"OUTPOST_RESOURCES": str(copy)})
    assert tampered.returncode == 0, tampered.stderr
    warning = f"outpost: warning: resource file changed since the build: {REWARDS}"
    assert warning in tampered.stderr.splitlines()
    untouched = outpost(post.data_dir, "case", "list", "--json")
    assert untouched.returncode == 0 and "warning" not in untouched.stderr


def _copy_resources(tmp_path: Path) -> Path:
    if not (resources_dir() / COMPILED_MANIFEST).is_file():
        pytest.fail("compile the catalogs first (python scripts/compile_catalogs.py)")
    return Path(shutil.copytree(resources_dir(), tmp_path / "resources"))


def _set_reward_thresholds_to_one(folder: Path) -> None:
    """The issue's example: every reward threshold of the rules set to 1, in the file's own layout."""
    path = folder / REWARDS
    rules = json.loads(path.read_text(encoding="utf-8"))
    for rule in [*rules["single_case"], *rules["monthly_total"]["rules"]]:
        rule["min_base_quantity"] = "1"
    path.write_text(json.dumps(rules, ensure_ascii=False, indent=2), encoding="utf-8")
