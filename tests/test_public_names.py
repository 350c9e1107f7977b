"""Every public module of the kit says which of its names are public (``__all__``), each listed
name exists, and every name the exercises and the docs import from a module is among them.

Read from the source (no module is imported: most load TensorFlow). Not covered: private modules
(``_name``), the CLI's (``kit/cli.py``, ``kit/commands/``, the benchmarks behind ``kit bench``) and,
for now, the modules whose source fingerprints the zoo's results (``kit.zoo.CODE_MODULES``: any
edit there marks ``models/RESULTS.*`` stale); they take an ``__all__`` with the next regeneration
of those results, and the last test here fails once they do, as a reminder to drop the exception.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kit import paths

ROOT = paths.repository_root()


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _fingerprinted() -> tuple:
    for node in ast.parse((paths.PACKAGE / "zoo.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CODE_MODULES":
            return ast.literal_eval(node.value)
    raise AssertionError("kit/zoo.py no longer defines CODE_MODULES as a tuple of names")


FINGERPRINTED = _fingerprinted()


def _public(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    name = _module(path)
    return not (any(part.startswith("_") and part != "__init__.py" for part in relative.parts)
                or name == "kit.cli" or name.startswith(("kit.commands", "kit.benchmarks")))


MODULES = {_module(p): p for p in sorted(paths.PACKAGE.rglob("*.py")) if _public(p)}


def _defined(tree: ast.Module) -> set[str]:
    """The names a module binds at its top level (in ``if``/``try`` blocks too)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    for node in tree.body:  # a module's lazy names: those its __getattr__ compares the name with
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            names.update(c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str))
    return names  # a superset (nested bindings too): enough to catch a listed name that is gone


def _all(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
            return ast.literal_eval(node.value)
    return None


def _fingerprinted_module(name: str) -> bool:
    return any(name == module or name.startswith(module + ".") for module in FINGERPRINTED)


def test_the_walk_sees_the_public_modules_and_skips_the_cli():
    assert "kit.plots" in MODULES and "kit.grading.sandbox.zygote" in MODULES and "kit" in MODULES
    assert not any(name.startswith(("kit.commands", "kit.benchmarks")) or name == "kit.cli" for name in MODULES)
    assert len(MODULES) > 50, len(MODULES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_public_module_lists_its_public_names_and_each_exists(name):
    tree = ast.parse(MODULES[name].read_text(), str(MODULES[name]))
    listed = _all(tree)
    if listed is None:
        assert _fingerprinted_module(name), f"{name} defines no __all__: list the names users and exercises use"
        return
    assert isinstance(listed, list) and len(set(listed)) == len(listed), f"{name}.__all__ must be a list without repeats"
    missing = sorted(set(listed) - _defined(tree))
    assert not missing, f"{name}.__all__ lists names it does not define: {missing}"


def _imports_in(text: str, where: str):
    """``(module, name, where)`` for each ``from kit… import name`` in Python source or Markdown code."""
    for match in re.finditer(r"^\s*(?:>>> )?from (kit(?:\.\w+)*) import \(?([\w, \n]+?)\)?\s*(?:#.*)?$", text, re.M):
        for name in match.group(2).replace("\n", " ").split(","):
            name = name.strip().split(" as ")[0].strip()
            if name:
                yield match.group(1), name, where


def _uses():
    sources = sorted(ROOT.glob("exercises/*/solution.py")) + sorted(ROOT.glob("exercises/*/checks.py")) \
        + sorted(ROOT.glob("docs/*.md")) + [ROOT / "README.md"]
    return [use for path in sources for use in _imports_in(path.read_text(), str(path.relative_to(ROOT)))]


def test_the_names_the_exercises_and_docs_import_are_public():
    uses = _uses()
    assert len(uses) > 30 and ("kit.grading.authoring", "check") in {(m, n) for m, n, _ in uses}
    wrong = []
    for module, name, where in uses:
        if module not in MODULES or f"{module}.{name}" in MODULES:  # a submodule, or a module not covered
            continue
        listed = _all(ast.parse(MODULES[module].read_text()))
        if listed is not None and name not in listed:
            wrong.append(f"{where}: from {module} import {name}")
    assert not wrong, f"imported but not in the module's __all__: {wrong}"


def test_the_fingerprinted_modules_are_the_only_ones_without():
    without = sorted(name for name, path in MODULES.items() if _all(ast.parse(path.read_text())) is None)
    assert without and all(_fingerprinted_module(name) for name in without), without
