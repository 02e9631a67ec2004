"""UI tests run in the app's default language, Vietnamese, with Qt's own strings routed to the catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app import i18n
from ui.i18n import apply_language


@pytest.fixture(autouse=True)
def vietnamese(qtbot: QtBot) -> Iterator[None]:
    apply_language("vi")
    yield
    i18n.reset()
