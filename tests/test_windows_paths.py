"""What differs on the posts' Windows laptops, tested here on Linux (packaging/windows/README.md §5):
the data folder and the portable mode, removable drives, folder fsync, open files and path lengths."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from app import files
from app.backup import write_backup
from app.data_folder import PORTABLE_MARKER, default_data_dir
from app.drives import DRIVE_REMOVABLE, looks_removable
from db import files as db_files
from tests.helpers.cases import sample_case
from tests.helpers.registers import Post

# Windows' MAX_PATH (without the long-path setting) holds 259 characters and the terminating NUL.
MAX_PATH = 259
# The data folder the limit leaves room for, promised in packaging/windows/README.md §5; a typical
# %LOCALAPPDATA%\Outpost is about 50 characters.
DATA_FOLDER_ROOM = 120


def test_a_frozen_build_with_the_marker_keeps_its_data_beside_the_executable(tmp_path: Path) -> None:
    exe = tmp_path / "stick" / "Outpost" / "Outpost.exe"
    exe.parent.mkdir(parents=True)
    exe.write_bytes(b"MZ")
    user_folder = default_data_dir({}, exe, frozen=True)
    assert user_folder.name == "Outpost" and exe.parent not in user_folder.parents  # no marker: the user's

    (exe.parent / PORTABLE_MARKER).write_text("", encoding="utf-8")
    assert default_data_dir({}, exe, frozen=True) == exe.parent.resolve() / "data"
    # The environment still wins (support staff pointing at another copy), and a source checkout's
    # interpreter with a stray marker beside it is not a portable install.
    assert default_data_dir({"OUTPOST_DATA_DIR": str(tmp_path / "x")}, exe, frozen=True) == tmp_path / "x"
    assert default_data_dir({}, exe, frozen=False) == user_folder


def test_the_command_line_finds_the_portable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.common import default_data_dir as cli_default

    exe = tmp_path / "Outpost" / "outpost-console"
    exe.parent.mkdir()
    (exe.parent / PORTABLE_MARKER).touch()
    monkeypatch.delenv("OUTPOST_DATA_DIR", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    assert cli_default() == exe.parent.resolve() / "data"


@pytest.mark.parametrize(("root", "kind", "removable"), [
    ("E:/", DRIVE_REMOVABLE, True),     # a USB stick
    ("D:\\", 3, False),                  # DRIVE_FIXED: a second disk, not a stick
    ("Z:", 4, False),                    # DRIVE_REMOTE: a network share
    ("C:\\", 3, False),
])
def test_windows_asks_the_drive_whether_it_is_removable(root: str, kind: int, removable: bool) -> None:
    asked: list[str] = []

    def drive_type(drive: str) -> int:
        asked.append(drive)
        return kind

    assert looks_removable(root, platform="win32", drive_type=drive_type) is removable
    assert asked == [root.replace("/", "\\").rstrip("\\") + "\\"]  # the root form GetDriveTypeW wants


def test_linux_and_macos_go_by_the_mount_point() -> None:
    assert looks_removable("/media/officer/KINGSTON", platform="linux")
    assert looks_removable("/Volumes/USB", platform="darwin")
    assert not looks_removable("/home", platform="linux")


def test_windows_flushes_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr(db_files.os, "name", "nt")
    monkeypatch.setattr(db_files.os, "open", lambda *args, **kwargs: opened.append(args))
    db_files.fsync_folder(tmp_path)  # Windows cannot open a folder: nothing is tried
    assert opened == []


def _open_files() -> set[str]:
    fds = Path("/proc/self/fd")
    return {os.path.realpath(fds / fd) for fd in os.listdir(fds)}


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
def test_an_atomic_write_renames_a_closed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows refuses to rename a file still open; Linux does not, so the test looks at open files."""
    real_replace = os.replace
    checked: list[str] = []

    def replace_like_windows(source: str, target: Path) -> None:
        if os.path.realpath(source) in _open_files() or str(Path(target).resolve()) in _open_files():
            raise PermissionError(32, "The process cannot access the file because it is being used")
        checked.append(source)
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", replace_like_windows)
    target = tmp_path / "settings.json"
    files.write_atomically(target, b"{}")
    files.write_atomically(target, b"{\"x\": 1}")  # over an existing file
    assert target.read_bytes() == b"{\"x\": 1}" and len(checked) == 2


def test_the_deepest_path_leaves_room_for_the_data_folder(post: Post, tmp_path: Path) -> None:
    photo = tmp_path / "bien-ban-tang-vat.jpg"
    photo.write_bytes(b"\xff\xd8 photo")
    stored = post.ctx.attachments.store_file(photo)
    post.ctx.cases.create(post.officer, sample_case(attachments=(stored,)))
    write_backup(post.ctx)
    deepest = max((p.relative_to(post.data_dir) for p in post.data_dir.rglob("*")), key=lambda p: len(str(p)))
    # Windows joins with one separator; the temporary names (".incoming-…", ".<name>.…partial") are
    # shorter than the sealed names they become.
    room = MAX_PATH - len(str(deepest)) - 1
    assert room >= DATA_FOLDER_ROOM, f"{deepest} leaves {room} characters for the data folder"
