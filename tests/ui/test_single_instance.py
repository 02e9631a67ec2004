"""One Outpost per register (issue 20 item 4) with real processes: a second start on the same register
quits and brings the first window forward; two starts at once leave exactly one; a start whose first
is alive but silent says so instead of opening the register twice; a crashed start's lock is taken over.

The processes are the real app (``python -m cli gui``, offscreen) on a real register; what the first one
did is read from the log file both write (ui/single_instance.py logs each step), waiting for the event
with a generous timeout, never for a length of time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.logs import LOG_FILE
from tests.helpers.registers import Post
from ui.single_instance import SingleInstance, server_name

ROOT = Path(__file__).resolve().parents[2]
EVENT_TIMEOUT = 90.0  # seconds: a busy shared machine may take long to start Python and Qt
LISTENING = "single instance: listening on"
ASKED = "single instance: another start has this register open; asked it to come forward"
BROUGHT_FORWARD = "single instance: a second start asked; brought forward LoginDialog"


def _environment(data_dir: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTPOST_")}
    environment.update({"OUTPOST_DATA_DIR": str(data_dir), "OUTPOST_ARGON2_PROFILE": "test",
                        "QT_QPA_PLATFORM": "offscreen"})
    return environment


def _start(data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cli", "gui"], cwd=ROOT, env=_environment(data_dir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _log(data_dir: Path) -> str:
    path = data_dir / "logs" / LOG_FILE
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _wait_for(data_dir: Path, line: str, count: int = 1, *watched: subprocess.Popen[str]) -> None:
    """Until the log holds ``line`` ``count`` times; fails at once if a watched process has died."""
    deadline = time.monotonic() + EVENT_TIMEOUT
    while _log(data_dir).count(line) < count:
        for process in watched:
            assert process.poll() is None, f"the app exited early: {process.communicate()[1]}"
        assert time.monotonic() < deadline, f"never logged {line!r}; the log:\n{_log(data_dir)}"
        time.sleep(0.1)


@pytest.fixture
def apps() -> Iterator[list[subprocess.Popen[str]]]:
    """The app processes a test starts, ended (by their own ids) whatever happens."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=EVENT_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_second_start_quits_and_the_first_window_comes_forward(
    post: Post, apps: list[subprocess.Popen[str]]
) -> None:
    apps.append(first := _start(post.data_dir))  # it waits at the log-in
    _wait_for(post.data_dir, LISTENING, 1, first)

    second = subprocess.run([sys.executable, "-m", "cli", "gui"], cwd=ROOT, env=_environment(post.data_dir),
                            capture_output=True, text=True, timeout=EVENT_TIMEOUT)

    assert second.returncode == 0, second.stderr
    _wait_for(post.data_dir, BROUGHT_FORWARD, 1, first)  # the log-in the person left came forward
    assert _log(post.data_dir).count(ASKED) == 1
    assert first.poll() is None  # the first runs on


def test_two_starts_at_once_leave_exactly_one(post: Post, apps: list[subprocess.Popen[str]]) -> None:
    """A double-click clicked twice: both used to find no one listening and both ran."""
    apps.extend([_start(post.data_dir), _start(post.data_dir)])
    deadline = time.monotonic() + EVENT_TIMEOUT
    while all(process.poll() is None for process in apps):
        assert time.monotonic() < deadline, f"neither start quit; the log:\n{_log(post.data_dir)}"
        time.sleep(0.1)
    quit_, stays = (apps[0], apps[1]) if apps[0].poll() is not None else (apps[1], apps[0])
    assert quit_.returncode == 0, quit_.communicate()[1]
    _wait_for(post.data_dir, BROUGHT_FORWARD, 1, stays)
    assert stays.poll() is None
    assert _log(post.data_dir).count(LISTENING) == 1


def test_a_first_that_holds_the_register_but_is_silent_is_reported(qtbot: QtBot, tmp_path: Path) -> None:
    holder = SingleInstance(tmp_path / "register")
    assert holder.claim() == "first"
    assert holder.server is not None
    holder.server.close()  # alive and holding the lock, but hung: nobody takes the request
    assert SingleInstance(tmp_path / "register", answer_ms=300).claim() == "no_answer"
    holder.close()


def test_a_crashed_start_leaves_nothing_in_the_way(qtbot: QtBot, tmp_path: Path) -> None:
    """A start killed without cleaning up leaves its lock file and socket file; the next one is first."""
    name = server_name(tmp_path / "register")
    crash = ("import os, sys\n"
             "from PySide6.QtCore import QCoreApplication, QDir, QLockFile\n"
             "from PySide6.QtNetwork import QLocalServer\n"
             "app = QCoreApplication(sys.argv)\n"
             f"lock = QLockFile(QDir.tempPath() + '/{name}.lock'); assert lock.tryLock(0)\n"
             f"server = QLocalServer(); assert server.listen('{name}')\n"
             "os._exit(9)\n")
    subprocess.run([sys.executable, "-c", crash], check=False, timeout=EVENT_TIMEOUT,
                   env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    start = SingleInstance(tmp_path / "register")
    assert start.claim() == "first"
    assert start.server is not None
    start.close()
