"""One Outpost per register: a second start on the same data folder brings the first window forward
and quits, instead of opening the register twice (two windows writing one register, two automatic
backups at exit, two idle locks).

A local socket (a named pipe on Windows, a socket file on Linux) named after the data folder and the
user: the first start listens on it; a later one connects, which asks the first to come forward. A
folder's name is hashed because the name must be short and plain.

Who is first is settled by a lock file of the same name in the temporary folder, not by the socket:
two starts a moment apart (a double-click clicked twice) both found no one listening, and the later
one removed the earlier one's socket file and listened too, so both ran (on Windows two servers may
even listen on one pipe name). The lock is taken atomically and belongs to a live process until it
exits; a crashed start's lock and socket file are stale, and the next start takes both over."""

from __future__ import annotations

import getpass
import hashlib
import sys
import time
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QDir, QLockFile, QObject, Qt, QThread, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from app.logs import log

CONNECT_MS = 1000
# How long a second start keeps asking a first that holds the lock: the first may be between taking
# the lock and listening, or busy; beyond this it is hung, and the person is told so.
ANSWER_MS = 10_000

Claim = Literal["first", "forwarded", "no_answer"]


def server_name(data_dir: Path) -> str:
    folder = str(data_dir.expanduser().resolve())
    if sys.platform == "win32":
        folder = folder.casefold()  # C:\Users\A and c:\users\a are the same folder there
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment: the folder alone
        user = ""
    digest = hashlib.sha256(f"{user}\0{folder}".encode()).hexdigest()[:24]
    return f"outpost-{digest}"


class SingleInstance(QObject):
    activation_requested = Signal()  # a second start asked this one to come forward

    def __init__(self, data_dir: Path, parent: QObject | None = None, answer_ms: int = ANSWER_MS) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self.server: QLocalServer | None = None
        self._answer_ms = answer_ms
        self._lock = QLockFile(str(Path(QDir.tempPath()) / f"{self.name}.lock"))
        # Only a dead owner makes the lock stale: Qt's default also calls a lock older than 30 s stale,
        # which would let a start steal it from a first that has simply been open for a while.
        self._lock.setStaleLockTime(0)

    def claim(self) -> Claim:
        """"first" if this process is the register's first: it listens from now on. "forwarded" if
        another already runs and has been asked to come forward: this one should quit. "no_answer" if
        another holds the register but did not take the request: this one should say so and quit."""
        if self._lock.tryLock(0):
            QLocalServer.removeServer(self.name)  # the lock is ours: a socket file here is a crash's
            self._listen()
            return "first"
        if self._lock.error() != QLockFile.LockError.LockFailedError:
            # The lock file cannot be written (a full or read-only temporary folder): the socket alone
            # decides, as a best effort rather than refusing to start.
            if self._ask_first(CONNECT_MS):
                return "forwarded"
            QLocalServer.removeServer(self.name)
            self._listen()
            return "first"
        return "forwarded" if self._ask_first(self._answer_ms) else "no_answer"

    def _listen(self) -> None:
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)  # only this user may ask
        if not server.listen(self.name):  # an odd file system: run anyway rather than refuse to start
            log.warning("single instance: cannot listen on %s: %s", self.name, server.errorString())
            return
        server.newConnection.connect(self._on_server_new_connection)
        self.server = server
        log.info("single instance: listening on %s", self.name)

    def _ask_first(self, within_ms: int) -> bool:
        """Ask the running start to come forward, trying again until ``within_ms`` has passed (it may
        not listen yet). Whether it was reached."""
        deadline = time.monotonic() + within_ms / 1000
        while True:
            probe = QLocalSocket()
            probe.connectToServer(self.name)
            if probe.waitForConnected(CONNECT_MS):
                probe.write(b"raise\n")
                probe.waitForBytesWritten(CONNECT_MS)
                probe.disconnectFromServer()
                log.info("single instance: another start has this register open; asked it to come forward")
                return True
            if time.monotonic() >= deadline:
                log.warning("single instance: another start holds %s but does not answer", self.name)
                return False
            QThread.msleep(100)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        if self._lock.isLocked():
            self._lock.unlock()

    def _on_server_new_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            connection.disconnected.connect(connection.deleteLater)
            connection.disconnectFromServer()
        self.activation_requested.emit()
        window = bring_forward()
        # The log line is also how the two-process test sees the window come forward.
        log.info("single instance: a second start asked; brought forward %s",
                 type(window).__name__ if window is not None else "no window")


def bring_forward() -> QWidget | None:
    """Raise the window the person is at: a dialog that waits for an answer (the log-in), else the main
    window, else any window shown. Returns it."""
    candidates: list[QWidget | None] = [QApplication.activeModalWidget()]
    tops = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    mains: list[QWidget | None] = [w for w in tops if isinstance(w, QMainWindow)]
    candidates += mains + list(tops)
    window = next((w for w in candidates if w is not None), None)
    if window is not None:
        if window.windowState() & Qt.WindowState.WindowMinimized:
            window.showNormal()
        window.raise_()
        window.activateWindow()
    return window
