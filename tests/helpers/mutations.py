"""Hostile variations of real files for the property-based tests (issue 16), as hypothesis strategies:
bytes flipped or cut, zip members reordered, dropped, swapped or re-zipped, and a JSON value anywhere
in a document replaced by one of the wrong type, a huge number, deep nesting or a key named twice.

Each strategy draws a *plan* (plain data, so that hypothesis prints and shrinks it, and a test can
keep one as an ``@example``) and ``apply_*`` turns a plan into bytes. The documents changed are real
ones (a bundle from a real export, an enrolment request from a real post), so that the changes reach
past the first checks. Also here: a working register that starts from a pristine copy, and the
logical dump a refusal must leave as it was.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
import warnings
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.unlock import log_in
from tests.helpers.clock import NOW
from tests.helpers.registers import PASSWORD, open_sqlite

JsonPath = tuple[str | int, ...]
Plan = tuple[Any, ...]

# The words of ``app.sync.bundle.unexpected``: a refusal for an error no check foresaw is a bug found.
UNEXPECTED = "could not be read (unexpected"

# Raw JSON text put where a value was: what ``json.dumps`` cannot write, or what crashed readers before.
RAW_VALUES = [
    "9" * 5000,  # Python's int() refuses more than 4 300 digits with a ValueError
    "-" + "9" * 41,
    "1e999",  # a float that overflows to infinity
    "NaN",
    "-Infinity",
    "[" * 3000 + "]" * 3000,  # deeper than the stack allows json.loads
    "{" + '"a":{' * 70 + "}" * 71,
    '"\\ud800"',  # a lone surrogate: not encodable as UTF-8
    '"\\u0000"',
    '"\\u202e"',
    "1.5",
    "-0",
    "[]",
    "{}",
    '""',
]

# Values of every JSON type, small and absurd.
WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**39]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", " ", "x" * 300, "2026-13-45T99:99:99+07:00", "age1", "BP-TB/2023/00001"]),
    st.lists(st.one_of(st.integers(), st.text(max_size=4), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
)

MARK = "@@outpost-mutation@@"


def fixed_clock() -> datetime:
    """A clock that never moves, so that importing the same file twice writes the same rows."""
    return NOW.astimezone(UTC)


def json_paths(value: Any, prefix: JsonPath = ()) -> list[JsonPath]:
    """Every place in a JSON document, the document itself first."""
    paths = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += json_paths(item, (*prefix, index))
    return paths


# Which place of a document (an index into its ``json_paths``, wrapped around), or which byte of a
# file: the strategies know nothing of the file they will change, so they are built once, can be given
# ``@example``s, and draw the same way whatever file a test changes.
PLACE = st.integers(0, 4095)
POSITION = st.integers(0, 2**24)


def json_plans() -> st.SearchStrategy[Plan]:
    """A change to one place of a JSON document: a value of another type, raw text (huge number, deep
    nesting, NaN…), the field removed, or its key named twice. A place is a ``PLACE`` or, in an
    ``@example``, the path itself (``("station", "name")``)."""
    return st.one_of(
        st.tuples(st.just("value"), PLACE, WRONG_VALUES),
        st.tuples(st.just("raw"), PLACE, st.sampled_from(RAW_VALUES)),
        st.tuples(st.just("delete"), PLACE),
        st.tuples(
            st.just("twice"), PLACE, st.one_of(WRONG_VALUES.map(json.dumps), st.sampled_from(RAW_VALUES))
        ),
    )


def _place(document: Any, place: int | JsonPath) -> JsonPath:
    if isinstance(place, tuple):
        return place
    paths = json_paths(document)
    return paths[place % len(paths)]


def apply_json(document: Any, plan: Plan) -> bytes:
    """``document`` written as JSON with the change of ``plan`` (from ``json_plans``)."""
    action, path = plan[0], _place(document, plan[1])
    changed = copy.deepcopy(document)
    if action == "delete":
        if not path:
            return b""
        _parent(changed, path).pop(path[-1])
        return json.dumps(changed, ensure_ascii=False).encode()
    if action == "value":
        raw = json.dumps(plan[2])
    elif action == "raw":
        raw = plan[2]
    else:  # "twice": the key is written a second time with another value (an array index stays once)
        raw = json.dumps(_get(changed, path)) + (
            f", {json.dumps(path[-1])}: {plan[2]}" if path and isinstance(path[-1], str) else ""
        )
    if not path:
        return raw.encode("utf-8", "surrogatepass")
    _parent(changed, path)[path[-1]] = MARK
    text = json.dumps(changed, ensure_ascii=False).replace(json.dumps(MARK), raw, 1)
    return text.encode("utf-8", "surrogatepass")


def _get(value: Any, path: JsonPath) -> Any:
    for step in path:
        value = value[step]
    return value


def _parent(value: Any, path: JsonPath) -> Any:
    return _get(value, path[:-1])


def byte_plans() -> st.SearchStrategy[Plan]:
    """A change to the bytes of a file: some bytes flipped, the end cut off, bytes put in front or
    after. Positions are wrapped around the file's size."""
    return st.one_of(
        st.tuples(
            st.just("flip"), st.lists(st.tuples(POSITION, st.integers(1, 255)), min_size=1, max_size=4)
        ),
        st.tuples(st.just("cut"), POSITION),
        st.tuples(st.just("prefix"), st.binary(min_size=1, max_size=64)),
        st.tuples(st.just("suffix"), st.binary(min_size=1, max_size=64)),
    )


def apply_bytes(data: bytes, plan: Plan) -> bytes:
    if plan[0] == "flip":
        changed = bytearray(data)
        for position, mask in plan[1]:
            changed[position % len(data)] ^= mask
        return bytes(changed)
    if plan[0] == "cut":
        return data[: plan[1] % len(data)]
    if plan[0] == "prefix":
        return plan[1] + data
    return data + plan[1]


def file_plans() -> st.SearchStrategy[Plan]:
    """A change to a JSON file: to its bytes (``byte_plans``) or to one of its values (``json_plans``)."""
    return st.one_of(st.tuples(st.just("bytes"), byte_plans()), st.tuples(st.just("json"), json_plans()))


def apply_file(data: bytes, plan: Plan) -> bytes:
    if plan[0] == "bytes":
        return apply_bytes(data, plan[1])
    return apply_json(json.loads(data), plan[1])


def zip_members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


MEMBER = st.integers(0, 63)  # which member, wrapped around the number of members


def member_plans() -> st.SearchStrategy[Plan]:
    """A change to the members of a zip: reordered, one dropped, one written twice, two swapped, one
    renamed (to another's name or an odd one), compressed otherwise, or a JSON member's value changed
    (``json_plans``; the member is a ``MEMBER`` among the ``.json`` ones, or its name)."""
    odd_names = st.sampled_from(["../evil.json", "files/x.age", "/abs", "", "C:\\x", "manifest.json"])
    return st.one_of(
        st.tuples(st.just("order"), st.lists(st.integers(0, 15), min_size=1, max_size=8)),
        st.tuples(st.just("drop"), MEMBER),
        st.tuples(st.just("twice"), MEMBER),
        st.tuples(st.just("swap"), MEMBER, MEMBER),
        st.tuples(st.just("rename"), MEMBER, st.one_of(MEMBER, odd_names)),
        st.tuples(st.just("compress"), st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])),
        st.tuples(st.just("json"), MEMBER, json_plans()),
    )


def apply_members(members: list[tuple[str, bytes]], plan: Plan) -> bytes:
    """The zip of ``members`` with the change of ``plan`` (from ``member_plans``)."""
    count = len(members)
    names = [name for name, _data in members]
    changed = list(members)
    compression = zipfile.ZIP_DEFLATED
    action = plan[0]
    if action == "order":
        keys = plan[1]
        changed = [members[i] for i in sorted(range(count), key=lambda i: (keys[i % len(keys)], i))]
    elif action == "drop":
        del changed[plan[1] % count]
    elif action == "twice":
        changed.append(members[plan[1] % count])
    elif action == "swap":
        a, b = plan[1] % count, plan[2] % count
        changed[a], changed[b] = (names[a], members[b][1]), (names[b], members[a][1])
    elif action == "rename":
        target = plan[2] if isinstance(plan[2], str) else names[plan[2] % count]
        changed[plan[1] % count] = (target, members[plan[1] % count][1])
    elif action == "compress":
        compression = plan[1]
    else:  # "json"
        documents = [name for name in names if name.endswith(".json")]
        chosen = plan[1] if isinstance(plan[1], str) else documents[plan[1] % len(documents)]
        changed = [
            (name, apply_json(json.loads(data), plan[2]) if name == chosen else data)
            for name, data in members
        ]
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a name written twice: that is the point
        with zipfile.ZipFile(out, "w", compression) as archive:
            for name, data in changed:
                archive.writestr(name, data)
    return out.getvalue()


def register_dump(data_dir: Path, skip_tables: tuple[str, ...] = ()) -> list[str]:
    """The register's every row as SQL (read through SQLite, so the WAL is included), and the names
    of the files stored beside it; the rows of ``skip_tables`` are left out. A refusal leaves it
    equal."""
    conn = open_sqlite(data_dir)  # SQLCipher's connection has no iterdump: the schema, then every row
    try:
        rows = [
            sql
            for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        ]
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        for table in tables:
            if table not in skip_tables:
                rows += [f"{table}: {row!r}" for row in conn.execute(f'SELECT * FROM "{table}"')]
    finally:
        conn.close()
    stored = sorted(
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*")
        if p.is_file() and not p.name.startswith("register.sqlite") and "logs" not in p.parts
    )
    return rows + stored


class Working:
    """A register opened from a copy of a pristine one, put back to the pristine copy on request (after
    a file was accepted, so that the next example starts from the same state)."""

    def __init__(self, pristine: Path, folder: Path) -> None:
        self.pristine = pristine
        self.folder = folder
        self.ctx: Context | None = None
        self.admin: Actor
        self.reset()

    def reset(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.copytree(self.pristine, self.folder)
        # Logged in once per copy: a log-in writes to the register.
        self.ctx, self.admin = log_in(self.folder, "admin", PASSWORD, clock=fixed_clock)

    @property
    def context(self) -> Context:
        assert self.ctx is not None
        return self.ctx

    def close(self) -> None:
        if self.ctx is not None:
            self.ctx.close()
            self.ctx = None


def pristine_copy(ctx: Context, data_dir: Path, target: Path) -> Path:
    """A copy of a register whose engine is closed first, so that the copy holds everything written."""
    ctx.close()
    shutil.copytree(data_dir, target)
    return target


def refusal(call: Callable[[], Any]) -> tuple[Any, AppError | None]:
    """What ``call`` returned, or the ``AppError`` it raised; any other exception goes on (a bug)."""
    try:
        return call(), None
    except AppError as exc:
        return None, exc


def taken_or_refused(
    working: Working, path: Path, call: Callable[[], Any], before: list[str], expected: list[str] | None
) -> bool:
    """Run ``call`` on ``working``: a refusal by the app's own error, naming ``path``, with the register
    as ``before``; or a success, giving ``expected`` when that is known. Whether it succeeded. After a
    success, a crash or a failed check the register is put back to its pristine copy (so that
    hypothesis, replaying an example, sees it behave the same)."""
    try:
        _result, error = refusal(call)
        if error is None:
            if expected is not None:
                assert register_dump(working.folder) == expected
            working.reset()
            return True
        assert path.name in error.message, error.message
        assert register_dump(working.folder) == before
        return False
    except BaseException:
        working.reset()
        raise
