"""The package's layers import downwards only (docs/architecture.md).

Every ``import`` in every module is read (function-level ones too), so a lazy import cannot hide
an upward dependency:

- nothing but the CLI (``kit/cli.py``, ``kit/commands/``) and the benchmarks behind ``kit bench``
  imports ``kit.cli`` or ``kit.commands``;
- in ``kit.grading``: ``sandbox`` imports no other grading layer; ``authoring`` only ``sandbox``;
  ``release`` only those two; the runners, the gradebook and the instructor's views sit above.
"""

from __future__ import annotations

import ast
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
