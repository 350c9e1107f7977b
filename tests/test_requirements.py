"""The two requirement sets: ``requirements-runtime.txt`` (what grading and a student need at run
time; the only one a Gradescope bundle installs) and ``requirements.txt`` (that set, then the tools
of the tests). tests/grading/test_bundle.py resolves the bundle's copy of the run-time set."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

from kit.grading.release.student import DEVELOPMENT_REQUIREMENTS, RUNTIME_REQUIREMENTS
from tests.requirements_sets import GRADESCOPE_PYTHON, TEST_TOOLS, canonical, requirement_names, resolve

REPO = Path(__file__).resolve().parents[1]
RUN_TIME_CODE = ("kit", "models")  # what grading and a student's `kit` commands import
# Modules imported only by `kit grade-batch --scheduler`: the development set's dask[distributed]
# brings them, the bundle does not.
CLUSTER_ONLY = {"dask", "distributed"}


def _imported_distributions() -> dict[str, set[str]]:
    """The distributions of the third-party modules the kit's code imports, with the files importing each."""
    provided = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in RUN_TIME_CODE:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in RUN_TIME_CODE:
                        continue
                    for distribution in provided.get(top, [top]):
                        found.setdefault(canonical(distribution), set()).add(str(path.relative_to(REPO)))
    return found


def test_the_run_time_set_holds_what_the_kit_imports_and_no_test_tool():
    runtime = requirement_names(REPO / RUNTIME_REQUIREMENTS)
    development = requirement_names(REPO / DEVELOPMENT_REQUIREMENTS)
    imported = _imported_distributions()
    assert {"tensorflow", "keras", "numpy", "pillow", "scikit-learn"} <= set(imported)  # the scan finds imports
    missing = {name: sorted(files) for name, files in imported.items() if name not in runtime | CLUSTER_ONLY}
    assert not missing, f"{RUNTIME_REQUIREMENTS} lacks what the kit imports: {missing}"
    assert CLUSTER_ONLY & set(imported)  # still imported, so still in the development set (TEST_TOOLS)
    assert f"-r {RUNTIME_REQUIREMENTS}" in (REPO / DEVELOPMENT_REQUIREMENTS).read_text(encoding="utf-8")
    assert runtime < development
    assert TEST_TOOLS <= development and not runtime & TEST_TOOLS


def _supported_pythons() -> tuple[str, str]:
    """The oldest and the newest Python of pyproject.toml's ``requires-python = ">=3.A,<3.B"``."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    oldest, beyond = re.search(r'^requires-python = ">=3\.(\d+),<3\.(\d+)"', text, re.MULTILINE).groups()
    return f"3.{oldest}", f"3.{int(beyond) - 1}"


def test_readme_names_the_pythons_of_pyproject():
    oldest, newest = _supported_pythons()
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"with Python {oldest} to {newest} " in readme
    assert tuple(map(int, oldest.split("."))) <= tuple(map(int, GRADESCOPE_PYTHON.split(".")))


@pytest.mark.slow
@pytest.mark.parametrize("python", _supported_pythons())
def test_the_development_set_installs_on_the_oldest_and_newest_python(python, tmp_path):
    resolved = resolve(REPO / DEVELOPMENT_REQUIREMENTS, python, tmp_path)
    assert requirement_names(REPO / DEVELOPMENT_REQUIREMENTS) <= set(resolved), resolved
