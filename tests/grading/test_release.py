"""``kit release``: the student version holds no solution, no hidden check, none of their data,
and ``kit start`` / ``kit check`` work from it.

What counts as secret is computed here from each full ``checks.py``, independently of
``kit.grading.release.public``: the globals the hidden checks' code reaches at run time and the visible
checks' code does not, plus whatever the full module passes as hidden inputs
(``evaluate(hidden=…)``, ``if session.sends_hidden:`` blocks, ``hidden_data(…)``), and the
numbers that appear only there. A transform that leaks any of them fails these tests.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import tokenize
import types
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from kit.grading.authoring.checks import EXPECTED_FILE, Check
from kit.grading.authoring.exercises import MANIFEST, all_exercises

REPO = Path(__file__).resolve().parents[2]
EXERCISES = all_exercises()
IDS = [e.id for e in EXERCISES]


def _load(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------------------------
# What is secret in a full checks module


def _code_names(code, seen) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType) and constant not in seen:
            seen.add(constant)
            names |= _code_names(constant, seen)
    return names


def _reached(module, functions) -> set[str]:
    """Module globals that the functions' code reaches, transitively through module functions."""
    reached, todo, seen = set(), list(functions), set()
    while todo:
        function = todo.pop()
        while isinstance(function, functools.partial):
            function = function.func
        function = getattr(function, "__wrapped__", function)
        code = getattr(function, "__code__", None)
        if code is None:
            continue
        for name in _code_names(code, seen):
            if name in vars(module) and name not in reached:
                reached.add(name)
                value = vars(module)[name]
                if callable(value) and getattr(value, "__module__", None) == module.__name__:
                    todo.append(value)
                elif isinstance(value, (dict, list, tuple)):  # lambdas inside data (exercise 09's CASES)
                    todo += [v for v in _flatten(value) if isinstance(v, types.FunctionType)]
    return reached


def _flatten(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _flatten(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def _hidden_spots(tree) -> list[ast.AST]:
    """The full module's hidden inputs: evaluate(hidden=…) values, sends_hidden blocks, hidden_data(…)."""
    spots = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "hidden_data":
                spots.append(node)
            spots += [k.value for k in node.keywords if k.arg == "hidden" and name == "evaluate"]
        if isinstance(node, ast.If) and getattr(node.test, "attr", "") == "sends_hidden":
            spots += node.body
    return spots


def _names_and_numbers(nodes) -> tuple[set[str], set]:
    names, numbers = set(), set()
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and abs(node.value) > 1:
                numbers.add(node.value)
    return names, numbers


def secrets(exercise) -> tuple[set[str], set[str], set]:
    """(hidden check names, secret global names, secret numbers) of an exercise's full checks."""
    module = _load(exercise.checks_path, f"full_checks_{exercise.id}")
    hidden = [c for c in module.CHECKS if c.visibility != "visible"]
    visible = [c for c in module.CHECKS if c.visibility == "visible"]
    held = {n: v if isinstance(v, list) else [v] for n, v in vars(module).items() if n != "CHECKS" and
            (isinstance(v, Check) or isinstance(v, list) and v and all(isinstance(c, Check) for c in v))}
    hidden_holders = {n for n, checks in held.items() if all(c.visibility != "visible" for c in checks)}
    tree = ast.parse(exercise.checks_path.read_text(encoding="utf-8"))
    spots = _hidden_spots(tree)
    in_spots = {id(n) for s in spots for n in ast.walk(s)}
    # What the visible checks reach: at run time, then through the statements that compute the
    # data they read (VISIBLE = _visible_inputs()), hidden inputs left out.
    reached = _reached(module, [c.function for c in visible]) | set(held) - hidden_holders | {"CHECKS"}
    while True:
        more = {n.id for s in tree.body if _bound(s) & reached and not _bound(s) & hidden_holders
                for n in ast.walk(s) if isinstance(n, ast.Name) and id(n) not in in_spots} & set(vars(module))
        if more <= reached:
            break
        reached |= more
    secret = (_reached(module, [c.function for c in hidden]) - reached) | hidden_holders
    spot_names, spot_numbers = _names_and_numbers(spots)
    globals_ = {n for n, v in vars(module).items() if not isinstance(v, types.ModuleType)}
    while True:  # names used only by secret statements or inside hidden inputs are secret too
        secret_statements = [s for s in tree.body if _bound(s) and _bound(s) <= secret]
        unused = [s for s in tree.body if _bound(s) and not _bound(s) & reached]  # e.g. INPUTS = {**VISIBLE, **HIDDEN}
        elsewhere = [n for s in tree.body if s not in secret_statements + unused for n in ast.walk(s)
                     if id(n) not in in_spots]
        used_elsewhere = {n.id for n in elsewhere if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        candidates = (spot_names | _names_and_numbers(secret_statements)[0]) & globals_
        grown = secret | (candidates - used_elsewhere)
        if grown == secret:
            break
        secret = grown
    # Numbers written only in the secret statements and the hidden inputs (not anywhere else).
    secret_numbers = _names_and_numbers(secret_statements)[1] | spot_numbers
    public_numbers = {n.value for n in elsewhere if isinstance(n, ast.Constant) and type(n.value) in (int, float)}
    return {c.name for c in hidden}, secret, secret_numbers - public_numbers


def _bound(statement) -> set[str]:
    if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
        return {statement.name}
    return {n.id for t in getattr(statement, "targets", []) for n in ast.walk(t) if isinstance(n, ast.Name)}


# ---------------------------------------------------------------------------------------------
# The release's contents


def test_no_solution_and_only_listed_files(release):
    assert not [p for p in release.rglob("*") if "solution" in p.name.lower()]
    assert not [p for p in (release / "exercises").rglob("*.py") if "BEGIN SOLUTION" in p.read_text(encoding="utf-8")]
    assert sorted(p.name for p in release.iterdir()) == ["README.md", "exercises", "kit", "models", "pyproject.toml",
                                                          "requirements-runtime.txt", "requirements.txt"]
    with_expected = {"02", "04", "10", "13"}  # their visible checks compare with stored values (expected.npz)
    for exercise in EXERCISES:
        folder = release / "exercises" / exercise.path.name
        assert {p.name for p in folder.iterdir()} == {"README.md", "figures", "starter.py", "starter.ipynb",
                                                      "checks.py", MANIFEST} | \
            ({EXPECTED_FILE} if exercise.id in with_expected else set())
        assert (folder / "starter.py").read_text() == (exercise.path / "starter.py").read_text()
    assert not list(release.rglob("__pycache__")) and not list(release.rglob("tests"))


def test_the_secrets_are_found(release):
    """The secrets computed above are not empty where an exercise has hidden data, so the leak
    test below can fail (exercise 04: its hidden inputs, their seed and the extreme values)."""
    names, secret, numbers = secrets(EXERCISES[IDS.index("04")])
    assert {"HIDDEN", "robust"} <= secret and {40_404, 711.0, 997} <= numbers
    names, secret, numbers = secrets(EXERCISES[IDS.index("08")])
    assert 21 in numbers and "other_networks" in secret  # a hidden network's seed, inside hidden_data(…)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_no_hidden_check_name_or_data(release, exercise):
    folder = release / "exercises" / exercise.path.name
    text = (folder / "checks.py").read_text(encoding="utf-8")
    manifest = (folder / MANIFEST).read_text(encoding="utf-8")
    hidden_names, secret, numbers = secrets(exercise)
    tree = ast.parse(text)
    identifiers = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
        {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))} | \
        {a.asname or a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    assert not identifiers & secret, f"{exercise.id}: {sorted(identifiers & secret)}"
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) in (int, float)}
    assert not constants & numbers, f"{exercise.id}: {sorted(constants & numbers)}"
    for name in hidden_names:
        assert name not in text and name not in manifest
    # hidden inputs: no evaluate(hidden=…), no sends_hidden, no hidden_data
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            assert "hidden" not in [k.arg for k in node.keywords if getattr(node.func, "attr", "") == "evaluate"]
    assert "sends_hidden" not in text and "hidden_data" not in text
    # no docstring but the generated one, no comment
    comments = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT]
    assert not comments
    docstrings = [n for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))
                  and ast.get_docstring(n)]
    assert docstrings == [tree] and "generated by `kit release`" in ast.get_docstring(tree)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_visible_checks_and_manifest_match_the_full_module(release, exercise):
    full = _load(exercise.checks_path, f"full_{exercise.id}").CHECKS
    folder = release / "exercises" / exercise.path.name
    public = _load(folder / "checks.py", f"public_{exercise.id}").CHECKS
    assert [(c.name, c.points, c.visibility) for c in public] == \
        [(c.name, c.points, c.visibility) for c in full if c.visibility == "visible"]
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest == [{"points": c.points, "visibility": c.visibility, "description": c.description}
                        for c in full if c.visibility != "visible"]
    assert sum(c.points for c in public) + sum(m["points"] for m in manifest) == sum(c.points for c in full)


# ---------------------------------------------------------------------------------------------
# Refusals, and a transform that refuses what it cannot split


def _cli(*args) -> tuple[int, str]:
    from kit.cli import main

    errors = io.StringIO()
    with redirect_stderr(errors):
        status = main(list(args))
    return status, errors.getvalue()


def test_refuses_a_folder_that_is_not_empty_or_inside_the_repository(tmp_path):
    (tmp_path / "keep.txt").write_text("a student's work")
    for outdir, says in ((tmp_path, "is not empty"), (REPO / "release-out", "inside the repository"),
                         (REPO, "inside the repository"), (tmp_path / "missing" / "x", "does not exist")):
        status, error = _cli("release", str(outdir))
        assert status == 2 and says in error and error.count("\n") == 1, error
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"] and not (REPO / "release-out").exists()


def test_refuses_a_statement_that_mixes_visible_and_hidden_data():
    from kit.grading.release.public import PublicChecksError, public_checks_text

    source = ("from kit.grading.authoring.checks import check\n"
              "def _inputs():\n    return 1, 2\n"
              "SEEN, UNSEEN = _inputs()\n"
              "@check('a', points=1)\ndef a(session):\n    return None if SEEN else None\n"
              "@check('b', points=1, visibility='hidden', description='b.')\ndef b(session):\n"
              "    return None if UNSEEN else None\n"
              "CHECKS = [a, b]\n")
    with pytest.raises(PublicChecksError, match=r"checks.py:4: .*SEEN.*UNSEEN.*separate statements"):
        public_checks_text(source, "checks.py")


# ---------------------------------------------------------------------------------------------
# The student's loop, from the release


@pytest.mark.slow
def test_kit_start_and_check_work_from_the_release(release, tmp_path):
    environment = {"PYTHONPATH": str(release), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin",
                   "KIT_CHECK_SERVER": "0", "HOME": str(tmp_path)}

    def kit(*args):
        return subprocess.run([sys.executable, "-m", "kit.cli", *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=600, env=environment)

    started = kit("start", "04", "mine")
    assert started.returncode == 0, started.stderr
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["README.md", "figures", "starter.ipynb",
                                                                    "starter.py"]
    expected = (EXERCISES[IDS.index("04")].path / "starter.py").read_text()
    assert (tmp_path / "mine" / "starter.py").read_text() == expected
    shutil.copyfile(REPO / "exercises" / "04-derivatives" / "solution.py", tmp_path / "answer.py")
    checked = kit("check", "04", "answer.py")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Total: 90/90" in checked.stdout
    assert "10 more points are in hidden checks" in checked.stdout
    assert checked.stdout.count("correct on unseen random inputs. (1 points)") == 10
    for refused in (kit("release", str(tmp_path / "again")), kit("bundle", "04", "--out", "a.zip")):
        assert refused.returncode == 2 and "from a student release" in refused.stderr  # it lacks the hidden checks
    exercises = kit("exercises")
    assert exercises.returncode == 0 and len(exercises.stdout.splitlines()) == len(EXERCISES)
    where = subprocess.run([sys.executable, "-c", "import kit; print(kit.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, env=environment)
    assert where.stdout.strip() == str(release / "kit" / "__init__.py")  # the release's kit, not the repository's


def test_refusals_come_before_tensorflow(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    code = ("import sys\nfrom kit.cli import main\n"
            f"codes = [main(['release', {str(tmp_path)!r}]), main(['bundle', '99', '--out', 'a.zip']),\n"
            "         main(['bundle', '04', '--out', 'a.tar'])]\n"
            "print('CODES', codes, 'HEAVY', [m for m in ('tensorflow', 'keras') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert "CODES [2, 2, 2] HEAVY []" in done.stdout, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 3


def test_no_distinctive_hidden_number_anywhere_in_the_release(release):
    """Seeds and sizes that only hidden checks use (≥ 1000 and not round, so not a common number) appear in
    no file of the release, as 40404 or 40_404: not in the kit's docstrings either."""
    import re

    numbers = {int(n) for e in EXERCISES for n in secrets(e)[2] if float(n).is_integer() and abs(n) >= 1000 and n % 100}
    assert 40_404 in numbers and 20_202 in numbers
    pattern = re.compile(r"(?<![\d_.])(" + "|".join(sorted({f"{n:_}" for n in numbers} | {str(n) for n in numbers}))
                         + r")(?![\d_])")
    found = []
    for path in release.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".md", ".json", ".ipynb", ".txt", ".csv", ".toml"):
            found += [(str(path.relative_to(release)), m.group(1)) for m in pattern.finditer(path.read_text())]
    assert not found
