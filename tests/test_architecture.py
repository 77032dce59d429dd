"""The layout shows the architecture: imports point one way (core records <- readers and statistics <-
panel and tasks <- results <- workflows <- cli), nothing circles, and no file grows past 400 lines.

Every import is counted, including the ones inside functions (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "jury"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST):  # type: ignore[no-untyped-def]
    """Every node except those under `if TYPE_CHECKING:` (annotations only, never imported at run time)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                todo.extend(child.orelse)
                continue
            todo.append(child)


def _imports(path: Path) -> set[str]:
    """Every jury module this file imports at run time, anywhere in it (`from jury.x import y` counts
    jury.x and, when y is a module, jury.x.y)."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("jury")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("jury") and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if _exists(f"{node.module}.{a.name}")}
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


GRAPH = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _importers(prefix: str) -> dict[str, set[str]]:
    return {m: deps for m, deps in GRAPH.items() if m == prefix or m.startswith(prefix + ".")}


def _offending(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{m} imports {d}"
        for m, deps in _importers(prefix).items()
        for d in deps
        if any(d == f or d.startswith(f + ".") for f in forbidden)
    )


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        # renderers, statistics and readers never open a model client or reach the CLI or workflows
        ("jury.report", ("jury.workflows", "jury.cli", "jury.models.client", "jury.models.litellm_call")),
        ("jury.stats", ("jury.workflows", "jury.cli", "jury.models", "jury.io", "jury.panel", "jury.tasks")),
        ("jury.io", ("jury.workflows", "jury.cli", "jury.models", "jury.panel", "jury.tasks", "jury.results")),
        ("jury.results", ("jury.workflows", "jury.cli", "jury.models.client", "jury.models.litellm_call")),
        # the panel and the tasks do not know each other
        ("jury.panel", ("jury.tasks", "jury.workflows", "jury.cli", "jury.results", "jury.models.client")),
        ("jury.tasks", ("jury.panel", "jury.workflows", "jury.cli", "jury.results", "jury.models")),
        ("jury.models", ("jury.panel", "jury.tasks", "jury.workflows", "jury.cli", "jury.results", "jury.stats")),
        ("jury.workflows", ("jury.cli",)),
        ("jury.leaderboard", ("jury.cli",)),
    ],
)
def test_imports_point_one_way(package, forbidden):
    assert _offending(package, forbidden) == []


def test_statistics_import_nothing_from_jury_but_records():
    outside = sorted(
        f"{m} imports {d}"
        for m, deps in _importers("jury.stats").items()
        for d in deps
        if not (d.startswith("jury.stats") or d == "jury.records")
    )
    assert outside == []


def test_no_import_circles_between_modules():
    """Tarjan's strongly connected components over module-level and lazy imports alike."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in GRAPH.get(node, ()):
            if dep not in GRAPH or dep == node:
                continue
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    # a package's __init__ re-exporting its own modules is not a circle between jobs
    real = [c for c in circles if len({m.rsplit(".", 1)[0] if m not in _packages() else m for m in c}) > 1]
    assert real == []


def _packages() -> set[str]:
    return {_module_name(p) for p in PACKAGE.rglob("__init__.py")}


def test_the_checks_see_every_module_and_their_lazy_imports():
    """The graph is real: it holds every module, finds an import made inside a function and skips the
    ones made for type annotations only."""
    assert len(GRAPH) == len(list(PACKAGE.rglob("*.py")))
    assert "jury.workflows.pipeline" in GRAPH["jury.cli.run"]  # imported inside run's helpers only
    assert "jury.panel.spec" not in GRAPH["jury.panel.strategies.base"]  # under `if TYPE_CHECKING:`


def test_no_file_passes_400_lines():
    long = sorted(
        f"{p.relative_to(PACKAGE.parents[1])}: {n} lines"
        for p in [*PACKAGE.rglob("*.py"), *PACKAGE.parents[1].joinpath("tests").glob("*.py")]
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    )
    assert long == []
