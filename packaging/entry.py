"""Entry point of the frozen app: the same command line as ``outpost``."""

import multiprocessing
import os
import sys


def _qt_search_paths() -> None:
    """Where Qt finds its plugins in this folder, as PyInstaller's PySide6 run-time hook would say
    without importing Qt at every start (the spec leaves that hook out): the Qt folder is
    ``PySide6/Qt`` on Linux and ``PySide6`` on Windows, and Windows looks beside the executables'
    folder for the DLLs Qt loads late."""
    bundle = getattr(sys, "_MEIPASS", None)  # set by the frozen app's bootloader
    if bundle is None:  # run from a source checkout: Qt finds its plugins itself
        return
    windows = sys.platform.startswith("win")
    qt = os.path.join(bundle, "PySide6") if windows else os.path.join(bundle, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt, "qml")
    if windows and bundle not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(p for p in (bundle, os.environ.get("PATH", "")) if p)


_qt_search_paths()

# A helper process (a large sync import checks records in one) starts this same executable: it must
# run the helper and stop here, not the app.
multiprocessing.freeze_support()

from cli.main import run  # noqa: E402

run()
