"""Jobs on worker threads: every result arrives, and every Qt object is released on the GUI thread."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.errors import AppError
from app.progress import CancelToken, Progress
from ui import jobs
from ui.jobs import Job, ProgressRunner, reader_pool

ROUNDS = 300


def test_short_jobs_deliver_every_result_and_release_their_signals_on_the_gui_thread(qtbot: QtBot) -> None:
    gui_thread = threading.get_ident()
    results: list[int] = []
    released_on: list[int] = []

    def square(n: int) -> object:
        return lambda progress, cancel: n * n

    for n in range(ROUNDS):
        job = Job(square(n))
        job.signals.finished.connect(results.append)
        job.signals.destroyed.connect(
            lambda *_: released_on.append(threading.get_ident()), Qt.ConnectionType.DirectConnection
        )
        job.start(reader_pool())
        del job  # as the views do: only the job list keeps it
    qtbot.waitUntil(lambda: len(results) == ROUNDS and not jobs._RUNNING)
    gc.collect()
    assert sorted(results) == [n * n for n in range(ROUNDS)]
    assert len(released_on) == ROUNDS and set(released_on) == {gui_thread}


def test_progress_runners_run_one_after_another_without_leaking_or_crashing(qtbot: QtBot) -> None:
    outcomes = []

    def work(n: int):  # type: ignore[no-untyped-def]
        def run(progress: Progress, cancel: CancelToken) -> int:
            progress(1, 2)
            if n % 3 == 1:
                raise AppError(f"refused {n}")
            return n

        return run

    runs = range(ROUNDS // 3)
    for n in runs:
        runner = ProgressRunner("…", cancellable=n % 2 == 0)
        outcomes.append(runner.run(work(n), total=2))
        del runner
    assert [o.state for o in outcomes] == ["failed" if n % 3 == 1 else "finished" for n in runs]
    assert [o.result for o in outcomes if o.state == "finished"] == [n for n in runs if n % 3 != 1]
    assert outcomes[1].message == "refused 1"
    # The last job retires on its own queued call, which may arrive just after the runner returned.
    qtbot.waitUntil(lambda: not jobs._RUNNING)
