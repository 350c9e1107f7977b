"""The package's layers import downwards only (docs/architecture.md).

Every ``import`` in every module is read (function-level ones too), so a lazy import cannot hide
an upward dependency:

- nothing but the CLI (``kit/cli.py``, ``kit/commands/``) and the benchmarks behind ``kit bench``
  imports ``kit.cli`` or ``kit.commands``;
- in ``kit.grading``: ``sandbox`` imports no other grading layer; ``authoring`` only ``sandbox``;
  ``release`` only those two; the runners, the gradebook and the instructor's views sit above;
- no import circle between the kit's modules: an edge goes to the module an import names (a
  submodule when ``from package import submodule``, else the package), function-level imports
  included. None is allowed (``kit.check()`` delegates to the notebook runner, whose modules take
  TensorFlow's quiet import from ``kit.startup``, not from the root package);
- the picture layer (``kit.pictures``, ``kit.style``) is below both ``kit.plots`` and
  ``kit.tensorboard``: no TensorBoard module imports ``kit.plots`` (``kit.plots`` draws the
  network view with ``kit.tensorboard.views``).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from kit import paths

CLI_LEVEL = ("kit/cli.py", "kit/commands/", "kit/benchmarks/")
GRADING_ALLOWED = {
    "sandbox": {"sandbox"},
    "authoring": {"sandbox", "authoring"},
    "release": {"sandbox", "authoring", "release"},
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules():
    root = paths.repository_root()
    return sorted(str(p.relative_to(root)) for p in paths.PACKAGE.rglob("*.py"))


def test_the_walk_finds_the_layers():
    found = modules()
    assert "kit/grading/sandbox/zygote.py" in found and "kit/grading/runners/service.py" in found
    assert len(found) > 60, found
    # the reader sees function-level imports: the CLI's own modules import kit.commands lazily
    assert any(name.startswith("kit.commands") for name in imported_modules(paths.PACKAGE / "cli.py"))


@pytest.mark.parametrize("module", modules())
def test_imports_point_down(module):
    names = imported_modules(paths.repository_root() / module)
    if not module.startswith(CLI_LEVEL):
        upward = sorted(n for n in names if n == "kit.cli" or n.startswith(("kit.cli.", "kit.commands")))
        assert not upward, f"{module} imports the CLI ({upward}): the CLI calls the library, not the reverse"
    parts = module.split("/")
    if len(parts) > 3 and parts[1] == "grading" and parts[2] in GRADING_ALLOWED:
        allowed = GRADING_ALLOWED[parts[2]]
        layers = {n.split(".")[2] for n in names if n.startswith("kit.grading.") and len(n.split(".")) > 2}
        layers -= {"Limits"}  # `from kit.grading import Limits` is the package's own re-export
        assert layers <= allowed, (
            f"{module} (layer {parts[2]}) imports kit.grading.{sorted(layers - allowed)}; it may import only {sorted(allowed)}")


ALLOWED_CIRCLES = []  # none: kit.check() delegates to the runners, which take TensorFlow's quiet import from kit.startup


def import_graph() -> dict[str, set[str]]:
    """Each kit module → the kit modules its imports (module- and function-level) name."""
    root = paths.repository_root()
    files = {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): p
             for p in paths.PACKAGE.rglob("*.py")}
    graph = {}
    for module, path in files.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in files)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in files:
                for alias in node.names:
                    edges.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in files else node.module)
        graph[module] = edges - {module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph)))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(graph) == [{"a", "b", "c"}]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_between_kit_modules():
    graph = import_graph()
    assert "kit.tensorboard.views" in graph["kit.plots"]  # the walk sees function-level imports
    found = [sorted(c) for c in circles(graph) if c not in ALLOWED_CIRCLES]
    assert not found, f"import circles between kit modules (break them with a lower module both use): {found}"


def test_the_picture_layer_is_below_plots_and_tensorboard():
    graph = import_graph()
    upward = sorted(m for m, edges in graph.items() if m.startswith("kit.tensorboard") and "kit.plots" in edges)
    assert not upward, f"{upward} import kit.plots: share what both draw through kit.pictures or kit.style"
    for lower in ("kit.pictures", "kit.style"):
        assert not {e for e in graph[lower] if e.startswith(("kit.plots", "kit.tensorboard"))}, lower
