"""The helper process's end of the pipe (``received.helper_main``): batches sent before the answer to
the last are all checked and answered in the order sent, and None ends it.

Why: the importing process keeps two batches with the helper (``checks._Helper.IN_FLIGHT``) and the
helper reads and answers by threads of its own (issue 18); an answer out of order would put one
chunk's results on another's records."""

from __future__ import annotations

import gc
import json
import sys
import threading
from datetime import UTC, datetime
from multiprocessing import Pipe

from app.reference import load_reference
from app.sync import received


def test_batches_sent_ahead_are_answered_in_order() -> None:
    ours, theirs = Pipe()
    helper = threading.Thread(target=received.helper_main, args=(theirs,), daemon=True)
    helper.start()
    assert ours.recv() == received.READY
    ours.send(load_reference())
    origin = received.Origin("post-id", "BP-01", 1, 10)
    now = datetime(2026, 12, 4, tzinfo=UTC)
    # Large enough that a batch does not fit the pipe's buffer: the helper must read while it checks.
    filler = "x" * 2000
    batches = [
        [
            (
                origin,
                [
                    (n, json.dumps({"type": "case", "origin": "elsewhere", "pad": filler}).encode(), True)
                    for n in range(start, start + 40)
                ],
            )
        ]
        for start in range(1, 401, 40)
    ]
    for batch in batches:
        ours.send((now, batch))  # all of them before reading any answer
    for batch in batches:
        kind, answer = ours.recv()
        assert kind == "checked"
        numbers = [number for number, _line, _new in batch[0][1]]
        assert [reason for reason, _data in answer[0]] == [
            f"record {n}: claims to belong to another station than the sender BP-01" for n in numbers
        ]
    ours.send(None)
    helper.join(timeout=30)
    assert not helper.is_alive()


def setup_function() -> None:
    global _collecting, _interval
    _collecting, _interval = gc.isenabled(), sys.getswitchinterval()


def teardown_function() -> None:
    # ``helper_main`` turns the cycle collector off and shortens the switch interval: it runs in this
    # process here.
    sys.setswitchinterval(_interval)
    if _collecting:
        gc.enable()


_collecting, _interval = True, 0.005
