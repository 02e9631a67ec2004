"""The checks of case records at HQ, shared with a helper process on a second core for a large import.

The checks themselves are pure functions in ``received``; this module cuts the records into chunks,
drives the helper between its own chunks and gathers what both found."""

from __future__ import annotations

import collections
import enum
import logging
import multiprocessing
import os
from collections.abc import Callable
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, NamedTuple

from app.context import Context
from app.reference import Reference
from app.sync import received
from app.sync.verify import _origin, _Verified

# Case records: from this many, a helper process checks part of them. Its start-up (~0.5 s: a spawned
# interpreter importing SQLAlchemy and the app) must be paid back by the records it checks (~120 µs of
# this process's time each, when the second core is free). Measured (issue 18, docs/performance.md): at
# 1 000 and 2 000 records the import was no faster with it (quiet machine: slower at 2 000; a busy one:
# 18 % slower at 1 000, even at 2 000), at 10 000 it saves about a third (4.0 → 2.65 s, quiet machine).
# 5 000 lies between; 3 000–8 000 were not measured one by one (test_when_the_helper_process_pays).
PARALLEL_FROM = 5000


CHUNK = 10  # case records checked in one go (this process looks at the helper between chunks)


HELPER_CHUNKS = 16  # chunks the helper is sent at once, at most


class Writes(enum.Enum):
    """What the writes fed by the checks (``_check_cases``'s ``checked_in_order``) still have to do,
    which tells the importing thread whether to check the next chunk itself."""

    DONE = "done"  # nothing in hand, here or elsewhere: this thread checks chunks too
    # Cases wait for this thread to write them (SQLite): while the helper is supplied, it writes before
    # it checks more.
    HERE = "here"
    # Another thread writes them (PostgreSQL): while the helper is supplied, this one leaves the checks to
    # it and waits for its answers (with no helper, it checks beside that thread). Checking here, it held
    # the interpreter whenever that thread came back from the server with the next rows to send (up to
    # ``sys.getswitchinterval()`` each time, a few times a table and a batch), and at a million cases the
    # server waited for rows while the checks went on: one post's 20 000 cases took 7.9–9.5 s (median 9.0
    # of 6) against 7.2–8.4 s (median 7.5) with this; into an empty HQ, where the server keeps up,
    # 5.8–6.1 s either way (issue 18, docs/performance.md).
    ELSEWHERE = "elsewhere"


def _check_cases(
    ctx: Context,
    verified: list[_Verified],
    now: datetime,
    new: Callable[[str], bool],
    helper: _Helper,
    checked_in_order: Callable[[list[_Chunk], list[list[received.Checked]]], Writes] | None = None,
) -> dict[int, received.Checked]:
    """``received.check_cases`` of every case record of ``verified`` (by ``id`` of the record), with the
    rows of each case for which ``new(case id)``. From ``PARALLEL_FROM`` records on, the helper process
    is kept supplied with batches of chunks (``_Helper.IN_FLIGHT`` at a time, so that it never waits
    for this process), and this one checks the next chunk after them only when it has nothing of its
    own to do: it also writes the checked cases, reads the files and chains the audit, so the helper
    is given the larger share of the checks (issue 18). A helper slow to start, or failing, only leaves
    more to this process. ``checked_in_order`` is handed the chunks checked so far from the first on,
    as they come (each once; called between two looks at the helper, even when none came), while the
    rest is checked, and the last ones once every chunk is; it answers what its writes still have to do
    (``Writes``): while another thread writes, this one leaves the checks to a supplied helper and
    waits for its answers rather than compete with that thread for the interpreter."""
    chunks: list[_Chunk] = []
    for one in verified:
        indices = [index for index, record in enumerate(one.records) if record.get("type") == "case"]
        for start in range(0, len(indices), CHUNK):
            part = indices[start : start + CHUNK]
            items = [(i + 1, one.records[i], _is_new(one.records[i], new)) for i in part]
            chunks.append(_Chunk(_origin(one), items, [one.texts[i] for i in part], one))
        # Each line is needed once more at most, to be sent to the helper; a chunk lets go of its lines
        # once sent or checked here, so that an import does not hold every line to its end (issue 18).
        one.texts.clear()
    results: list[list[received.Checked] | None] = [None] * len(chunks)
    helper.want(sum(len(chunk.items) for chunk in chunks))
    front, back = 0, len(chunks)  # the chunks nobody has taken yet; the helper takes from the front
    handed = 0  # chunks given to ``checked_in_order``
    writes = Writes.DONE  # what ``checked_in_order`` still has to do
    while front < back or helper.busy:
        leave = writes is Writes.ELSEWHERE and helper.supplied  # to the helper and the writing thread
        wait = leave or (front == back and writes is not Writes.HERE)
        front = helper.step(chunks, results, front, back, now, wait=wait)
        if checked_in_order is not None:
            done = handed
            while done < len(chunks) and results[done] is not None:
                done += 1
            writes = checked_in_order(chunks[handed:done], results[handed:done])  # type: ignore[arg-type]
            handed = done
        if front < back and not (writes is not Writes.DONE and helper.supplied):
            # The next chunk; the helper's are before it, so the checked ones stay in order.
            index = front
            front += 1
            results[index] = received.check_cases(
                ctx.reference, chunks[index].origin, now, chunks[index].items
            )
            chunks[index] = chunks[index]._replace(texts=[])
    helper.finish()
    for index, chunk in enumerate(chunks):
        if results[index] is None:  # sent to a helper that failed
            results[index] = received.check_cases(ctx.reference, chunk.origin, now, chunk.items)
    if checked_in_order is not None and handed < len(chunks):
        checked_in_order(chunks[handed:], results[handed:])  # type: ignore[arg-type]
    checked: dict[int, received.Checked] = {}
    for chunk, result in zip(chunks, results, strict=True):
        assert result is not None
        for (_number, record, _new), outcome in zip(chunk.items, result, strict=True):
            checked[id(record)] = outcome
    return checked


class _Chunk(NamedTuple):
    """Case records of one bundle, checked in one go."""

    origin: received.Origin
    items: list[tuple[int, dict[str, Any], bool]]  # number, record, whether HQ lacks its case
    texts: list[bytes]  # the line each record was read from
    source: _Verified  # the file they are from

    def lines(self) -> list[tuple[int, bytes, bool]]:
        return [
            (number, text, new) for (number, _record, new), text in zip(self.items, self.texts, strict=True)
        ]


class _Helper:
    """A helper process checking chunks of records (``received.helper_main``), started once an import
    has enough records to share (``PARALLEL_FROM``) on a machine with a second core, and driven from
    this thread between its own chunks. No thread of this process reads or writes the pipe: one would
    compete with the checks for the interpreter lock and could wait on it for seconds. It is started the
    same way on every system (spawn; the frozen app's entry point runs ``freeze_support``), as soon as
    the manifests announce the records, so that it is ready when the checks begin; it is sent the
    records' lines as they came, which costs this process less than sending the records."""

    def __init__(self, reference: Reference) -> None:
        self._reference = reference
        self._announced = 0
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._ready = False
        self._sent: collections.deque[list[int]] = collections.deque()  # batches of chunks it was sent
        self._gone = False

    def announce(self, manifest: dict[str, Any]) -> None:
        """Count the records a verified manifest announces (``_verify``)."""
        count = (manifest.get("counts") or {}).get("records")
        self._announced += count if isinstance(count, int) else 0
        self.want(self._announced)

    def want(self, records: int) -> None:
        """Start the helper if ``records`` are worth sharing and it is not started yet."""
        cores = getattr(os, "process_cpu_count", os.cpu_count)() or 1
        if self._process is not None or self._gone or records < PARALLEL_FROM or cores < 2:
            return
        ends: list[Connection] = []
        try:
            context = multiprocessing.get_context("spawn")
            ends = list(context.Pipe())
            process = context.Process(target=received.helper_main, args=(ends[1],), daemon=True)
            process.start()
        except Exception:  # the helper only saves time: this process checks everything
            # Not only OSError: multiprocessing raises RuntimeError when the program that imports was
            # started from a script that runs it again on being imported (no ``if __name__ ==
            # "__main__"``). A process that never started is not waited for or ended (``finish``).
            # Logged, so that an import a third slower for this reason does not go unexplained.
            logging.getLogger(__name__).warning("the helper process could not be started", exc_info=True)
            for end in ends:
                end.close()
            self._gone = True
            return
        ends[1].close()
        self._conn, self._process = ends[0], process

    @property
    def active(self) -> bool:
        """Whether the helper was started and has not failed."""
        return self._process is not None and not self._gone

    # Batches the helper is sent before it answers the first: it reads the next while it checks one and
    # sends its answers by threads of its own (``received.helper_main``), so it never waits for this
    # process, which looks at it only between its own writes and checks.
    IN_FLIGHT = 2

    @property
    def busy(self) -> bool:
        return bool(self._sent)

    @property
    def supplied(self) -> bool:
        """Whether the helper checks on without this process: started, ready, and sent all it may
        hold."""
        return self._ready and not self._gone and len(self._sent) >= self.IN_FLIGHT

    def step(
        self,
        chunks: list[_Chunk],
        results: list[list[received.Checked] | None],
        front: int,
        back: int,
        now: datetime,
        wait: bool,
    ) -> int:
        """Take the helper's answers that have come (waiting for one if ``wait``), and send it batches of
        chunks from ``front`` on until it holds ``IN_FLIGHT``. Returns the new front."""
        conn = self._conn
        if conn is None or self._gone:
            return front
        try:
            if not self._ready:
                if not conn.poll():
                    return front
                if conn.recv() != received.READY:
                    raise OSError("the helper process did not start")
                conn.send(self._reference)
                self._ready = True
            while self._sent and (wait or conn.poll()):
                kind, answer = conn.recv()  # the answers come in the order the batches were sent
                if kind == "checked":
                    for index, result in zip(self._sent[0], answer, strict=True):
                        results[index] = result
                self._sent.popleft()
                wait = False
            while len(self._sent) < self.IN_FLIGHT and front < back:
                # Fewer chunks at a time near the end, so that neither process waits long for the other.
                count = max(1, min(HELPER_CHUNKS, (back - front) // 3))
                origin = chunks[front].origin
                batch: list[int] = []
                while front < back and len(batch) < count and chunks[front].origin == origin:
                    batch.append(front)
                    front += 1
                self._sent.append(batch)
                conn.send((now, [(chunks[i].origin, chunks[i].lines()) for i in batch]))
                for i in batch:
                    chunks[i] = chunks[i]._replace(texts=[])  # sent: not needed here again
        except (EOFError, OSError):
            self._gone = True  # this process checks what it had
            self._sent.clear()
        return front

    def finish(self) -> None:
        """Let the helper go once the checks are done: it is told to stop (and exits while this process
        writes), or ended at once if it has not said it is ready."""
        if self._process is None or self._conn is None or self._conn.closed:
            return
        if self._ready and not self._gone:
            try:
                self._conn.send(None)
            except OSError:
                pass
        else:
            self._process.terminate()  # still starting: it has done nothing yet
        self._conn.close()
        self._gone = True

    def stop(self) -> None:
        """``finish``, and wait for the helper process to be gone."""
        self.finish()
        if self._process is not None:
            self._process.join(timeout=10)


def _case_id(record: dict[str, Any]) -> str | None:
    """The id a record's case document gives, if it gives one (checked or not)."""
    document = record.get("document")
    return document["id"] if isinstance(document, dict) and isinstance(document.get("id"), str) else None


def _case_ids(records: list[dict[str, Any]]) -> list[str]:
    return [case_id for record in records if (case_id := _case_id(record)) is not None]


def _is_new(record: dict[str, Any], new: Callable[[str], bool]) -> bool:
    case_id = _case_id(record)
    return case_id is not None and new(case_id)
