"""The core's modules import each other without a circle.

A circle (``cases → context → cases``) makes the import order matter, forces imports into functions
and lets a change in one service break another's start-up. The graph is read from the source with
``ast`` over whatever modules exist under ``app/`` and ``db/``, so a new module or package is
covered without editing this test. Imports under ``if TYPE_CHECKING:`` never run and are left out;
so are the Alembic scripts, which Alembic loads by file path."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "db")
SKIPPED = (ROOT / "db" / "migrations",)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if any(path.is_relative_to(skipped) for skipped in SKIPPED):
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(body: list[ast.stmt], *, in_functions: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is loaded (and, with ``in_functions``, those
    that run when one of its functions is called)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports(node.orelse, in_functions=in_functions)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if in_functions:
                yield from _imports(node.body, in_functions=in_functions)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, field, ()):
                    inner = child.body if isinstance(child, ast.ExceptHandler | ast.match_case) else [child]
                    yield from _imports(inner, in_functions=in_functions)


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool) -> Iterator[str]:
    """The modules an import statement names: ``from a import b`` names ``a.b`` if that is a module,
    else ``a`` itself."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        here = importer.split(".") if is_package else importer.split(".")[:-1]
        here = here[: len(here) - (node.level - 1)]
        base = ".".join(here + ([node.module] if node.module else []))
    yield base
    yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(*, in_functions: bool) -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        named: set[str] = set()
        for node in _imports(tree.body, in_functions=in_functions):
            targets = list(_targets(node, name, is_package))
            if isinstance(node, ast.Import):
                named.update(t for t in targets if t in modules)
            else:
                submodules = [t for t in targets[1:] if t in modules]
                named.update(submodules or [t for t in targets[:1] if t in modules])
        graph[name] = named - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle through each tangle of the graph (depth first; empty when the graph is acyclic)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 while on the path, 2 when done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                found.append(path[path.index(imported):] + [imported])
            elif imported not in state:
                visit(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def _described(found: list[list[str]]) -> str:
    return "import cycles:\n" + "\n".join("  " + " → ".join(cycle) for cycle in found)


def test_the_graph_sees_the_core_modules() -> None:
    graph = import_graph(in_functions=False)
    assert {"app.context", "app.cases", "db.models"} <= graph.keys()
    assert "app.domain" in graph["app.context"]


def test_core_modules_import_each_other_without_a_cycle() -> None:
    found = cycles(import_graph(in_functions=False))
    assert not found, _described(found)


def test_no_cycle_hides_in_an_import_inside_a_function() -> None:
    """An import moved into a function to dodge a circle still closes it at run time."""
    found = cycles(import_graph(in_functions=True))
    assert not found, _described(found)


def test_a_cycle_is_named() -> None:
    found = cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert found == [["a", "b", "c", "a"]]
    assert "a → b → c → a" in _described(found)
