"""One Outpost per register: a second start on the same data folder brings the first window forward
and quits, instead of opening the register twice (two windows writing one register, two automatic
backups at exit, two idle locks).

A local socket (a named pipe on Windows, a socket file on Linux) named after the data folder and the
user: the first start listens on it; a later one connects, which asks the first to come forward. A
folder's name is hashed because the name must be short and plain. A socket file left by a crash has
no one listening: the next start removes it and listens itself."""

from __future__ import annotations

import getpass
import hashlib
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

CONNECT_MS = 1000


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

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        """True if this process is the register's first: it listens from now on. False if another
        already runs: it has been asked to come forward, and this one should quit."""
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(CONNECT_MS):
            probe.write(b"raise\n")
            probe.waitForBytesWritten(CONNECT_MS)
            probe.disconnectFromServer()
            return False
        QLocalServer.removeServer(self.name)  # a socket file a crashed start left behind
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)  # only this user may ask
        if not server.listen(self.name):
            return True  # cannot listen (an odd file system): run anyway rather than refuse to start
        server.newConnection.connect(self._on_server_new_connection)
        self.server = server
        return True

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _on_server_new_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            connection.disconnected.connect(connection.deleteLater)
            connection.disconnectFromServer()
        self.activation_requested.emit()
        bring_forward()


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
