"""UI tests run in the app's default language, Vietnamese, with Qt's own strings routed to the catalog."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import i18n
from tests.helpers.clock import Clock
from tests.helpers.dialogs import stop_answering
from tests.helpers.registers import Post, make_hq
from tests.helpers.sync import enrol_post
from ui.i18n import apply_language


@pytest.fixture(autouse=True)
def collect_on_the_main_thread() -> Iterator[None]:
    """Cycles are collected on the main thread only while widgets and worker threads are about, as the
    app does (``ui.jobs.MainThreadCollector``): a collection started by a reader thread could delete a
    widget left from an earlier test off the GUI thread, which crashes."""
    gc.collect()
    gc.disable()
    yield
    stop_answering()  # a dialog poller left over from this test must not answer the next test's dialogs
    gc.collect()
    gc.enable()


@pytest.fixture(autouse=True)
def vietnamese(qtbot: QtBot) -> Iterator[None]:
    apply_language("vi")
    yield
    i18n.reset()


@pytest.fixture
def hq(post: Post, tmp_path: Path, clock: Clock, hq_db_url: str | None) -> Iterator[Post]:
    """An HQ register the ``post`` is enrolled with, on the same clock (on PostgreSQL too for the tests
    marked ``both_engines``)."""
    hq = make_hq(tmp_path / "hq", clock=clock, db_url=hq_db_url)
    enrol_post(post, hq, tmp_path)
    yield hq
    hq.ctx.close()
