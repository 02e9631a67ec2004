"""The README's screenshots (issue 20, "Done when"): scripts/screenshots.py runs whole on a small demo
register, so the walkthrough it drives (set-up, enrolment, an officer, a backup on the stick restored,
mail with a test sent) cannot rot; every picture the README shows is one it takes, and is in the
repository."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import cast

from PIL import Image

from tests.helpers.clock import Clock

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


def _linked() -> list[str]:
    """The pictures README.md shows, in its order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"\]\(docs/screenshots/([^)]+)\)", text)


def test_the_readme_shows_every_picture_in_the_repository_and_no_other() -> None:
    linked = _linked()
    assert linked and len(linked) == len(set(linked))
    assert sorted(linked) == sorted(p.name for p in SHOTS.glob("*.png"))
    for name in linked:
        with Image.open(SHOTS / name) as picture:
            assert picture.format == "PNG" and picture.width >= 300, name
    assert sum((SHOTS / name).stat().st_size for name in linked) < 1_500_000  # kept small (256 colours)


def test_the_script_takes_every_picture_of_the_readme(tmp_path: Path, clock: Clock) -> None:
    taken = _script().take(tmp_path / "shots", cases=40, clock=clock)
    names = [path.name for path in taken]
    assert set(_linked()) <= set(names), set(_linked()) - set(names)
    walkthrough = ["first-run.png", "first-run-post.png", "recovery-key.png", "enrol-request.png",
                   "enrol-accept.png", "enrol-installed.png", "user-add.png", "users.png", "settings.png",
                   "restore-list.png", "restore-done.png", "mail-test.png"]
    assert names[: len(walkthrough)] == walkthrough  # the steps in a new user's order
    for path in taken:
        with Image.open(path) as picture:
            low, high = cast(tuple[int, int], picture.convert("L").getextrema())
            assert low < 80 and high > 200, path.name  # words on a background, not a blank grab
