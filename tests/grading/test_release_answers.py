"""The student release gives no answer away, and a hand-written exercise refuses the kit's answer.

Three searches of every exercise's release (``kit release``), each computed from the exercise's
own ``solution.py`` and ``starter.py`` (the functions the starter leaves as TODOs are the answer):

- **formulas**: no distinctive expression of the solution's answer functions (normalised: every
  name but an imported module's is ``_``; plumbing such as ``np.asarray(x)`` is not distinctive)
  and no constant ``key: value`` pair of a dict they return is in the release's ``checks.py``;
- **callables**: no function of the release's ``checks.py`` (module level, nested in a dict or
  list, lambdas included) called as the answer (``f(*args)``, or ``f("name", *args)`` as a table
  of references would be) gives the solution's result on fresh inputs;
- the release's expected values (``expected.npz``) are data, loaded without pickle, and equal
  what the repository's checks compute from the reference (one source of truth), and the
  release's visible checks give the solution and a typical mistake the same scores and messages
  (its diagnosis included) as the repository's.

Then the forbidden imports, through the real sandbox: in exercise 04 the kit's activations and
``keras.ops`` (at the top of the file or inside a function) score 0 with one message, while NumPy
and ``math`` only (the reference), or with ``import kit`` for a notebook's ``kit.check``, score
full marks; in 02, 08 and 09 ``kit.diagnostics`` scores 0.
"""

from __future__ import annotations

import ast
import copy
import functools
import sys
from pathlib import Path

import numpy as np
import pytest

from kit.grading.authoring.checks import EXPECTED_FILE, ExpectedValues
from kit.grading.authoring.exercises import all_exercises

from tests.grading.conftest import TEST_LIMITS
from tests.grading.test_release import _load

REPO = Path(__file__).resolve().parents[2]
EXERCISES = all_exercises()
IDS = [e.id for e in EXERCISES]
# Calls that only convert or shape data: an expression made of these alone says nothing about the answer.
PLUMBING = {"asarray", "array", "astype", "zeros", "ones", "zeros_like", "ones_like", "reshape", "float", "int",
            "len", "list", "tuple", "dict", "range", "enumerate", "zip", "isinstance", "copy", "str", "sorted",
            # ordering and differencing data (is it sorted?): a formula built on them has an operator and counts
            "argsort", "sort", "diff"}
MIN_NODES = 4  # np.tanh(_) is 4 expression nodes: the smallest formula worth finding
NUMERIC = {"np", "numpy", "math", "tf", "ops", "scipy", "special"}  # how the files name numeric libraries
# What an exercise states as its problem, which its checks must compute to judge any answer: the
# affine layer x @ W + b of exercise 02 (its network), not the fold that answers it.
STATEMENT = {"02": ("x @ W + b",)}


def answer_functions(exercise) -> dict[str, ast.FunctionDef]:
    """The solution's definitions of the functions the starter leaves to the student."""
    starter = ast.parse((exercise.path / "starter.py").read_text(encoding="utf-8"))
    todo = {node.name for node in starter.body if isinstance(node, ast.FunctionDef)
            and any(isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n) for n in ast.walk(node))}
    solution = ast.parse((exercise.path / "solution.py").read_text(encoding="utf-8"))
    return {node.name: node for node in solution.body if isinstance(node, ast.FunctionDef) and node.name in todo}


def _modules(tree) -> set[str]:
    return {(a.asname or a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
            for a in n.names}


def _normalised(node, modules) -> str:
    class Rename(ast.NodeTransformer):
        def visit_Name(self, name):
            return ast.Name(name.id if name.id in modules else "_", ast.Load())

    return ast.dump(Rename().visit(copy.deepcopy(node)), annotate_fields=False)


def _distinctive(node) -> bool:
    """Enough of a formula to be the answer's: an operator, or a call of a numeric library's
    function (np.tanh), in at least MIN_NODES nodes; data plumbing and the kit's tools
    (datasets.playground) are not."""
    nodes = [n for n in ast.walk(node) if isinstance(n, ast.expr)]
    if len(nodes) < MIN_NODES:
        return False
    numeric = {n.func.attr for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and isinstance(n.func.value, ast.Name) and n.func.value.id in NUMERIC}
    operators = [n for n in nodes if isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp))
                 and not (isinstance(n, ast.UnaryOp) and isinstance(n.operand, ast.Constant))]  # -1 is a number
    return bool(operators) or bool(numeric - PLUMBING)


def formulas(tree, modules, within=None) -> set[str]:
    """Every distinctive expression of ``tree`` (or of the functions ``within``), normalised."""
    roots = within if within is not None else [tree]
    return {_normalised(n, modules) for root in roots for n in ast.walk(root)
            if isinstance(n, ast.expr) and not isinstance(n, ast.Lambda) and _distinctive(n)}


def constant_pairs(roots) -> set[tuple]:
    """The ``key: value`` pairs of dict displays whose key and value are both constants (multiple-choice answers)."""
    return {(k.value, v.value) for root in roots for n in ast.walk(root) if isinstance(n, ast.Dict)
            for k, v in zip(n.keys, n.values) if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)}


def leaked_formulas(exercise, checks_text: str) -> list[str]:
    answers = list(answer_functions(exercise).values())
    solution = ast.parse((exercise.path / "solution.py").read_text(encoding="utf-8"))
    released = ast.parse(checks_text)
    modules = _modules(solution) | _modules(released)
    found = formulas(solution, modules, answers) & formulas(released, modules)
    found -= {_normalised(ast.parse(e, mode="eval").body, modules) for e in STATEMENT.get(exercise.id, ())}
    pairs = constant_pairs(answers) & constant_pairs([released])
    return sorted(found) + sorted(map(repr, pairs))


def test_every_exercise_has_answer_functions():
    """The search has something to look for: each exercise's TODOs are found in its solution."""
    for exercise in EXERCISES:
        assert answer_functions(exercise), exercise.id
    assert set(answer_functions(EXERCISES[IDS.index("04")])) == {
        f + suffix for f in ("sigmoid", "tanh", "relu", "leaky_relu", "elu") for suffix in ("", "_grad")}


def test_the_formula_search_finds_a_reference():
    """It can fail: a module holding exercise 04's old float64 reference table and exercise 13's
    answers is caught, while plumbing is not. (Exercise 02's fold is a loop of the layer's own
    x @ W + b, which its checks must evaluate: the callable search below finds it.)"""
    leaky = ("import numpy as np\n"
             "def reference(x, alpha):\n"
             "    s = np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))\n"
             "    return {'tanh': lambda: np.tanh(x), 'elu': lambda: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))}\n"
             "def fold(weights):\n"
             "    W, b = weights[0], weights[1]\n"
             "    for kernel, bias in zip(weights[2::2], weights[3::2]):\n"
             "        W, b = W @ kernel, b @ kernel + bias\n"
             "    return W, b\n"
             "ANSWERS = {'why': 'collapse'}\n")
    assert "np.exp(-np.abs" not in "".join(leaked_formulas(EXERCISES[IDS.index("04")], "import numpy as np\nx = np.asarray(1)\n"))
    found = leaked_formulas(EXERCISES[IDS.index("04")], leaky)
    assert any("tanh" in f for f in found) and any("expm1" in f for f in found), found
    assert "('why', 'collapse')" in leaked_formulas(EXERCISES[IDS.index("13")], leaky)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_the_release_holds_no_formula_of_the_answer(release, exercise):
    text = (release / "exercises" / exercise.path.name / "checks.py").read_text(encoding="utf-8")
    leaked = leaked_formulas(exercise, text)
    assert not leaked, f"{exercise.id}: the release's checks.py holds the answer's {leaked}"


# ---------------------------------------------------------------------------------------------
# Every callable of the release, tried as the answer


def _callables(module, path: Path) -> list[tuple[str, object]]:
    """The release module's own callables: its functions and the lambdas kept in its tables."""
    found, seen = [], set()

    def visit(name, value, depth=0):
        if id(value) in seen or depth > 3:
            return
        seen.add(id(value))
        code = getattr(value, "__code__", None)
        if isinstance(value, functools.partial):
            code = getattr(value.func, "__code__", None)
        if callable(value) and code is not None and Path(code.co_filename).resolve() == path.resolve():
            found.append((name, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(f"{name}[{key!r}]", item, depth + 1)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                visit(f"{name}[{index}]", item, depth + 1)

    for name, value in vars(module).items():
        visit(name, value)
    return found


def _inputs_04(rng):
    x = rng.normal(0.0, 4.0, 257)
    return {f: [((x,), {}), ((x, 0.3), {})] if f.startswith(("leaky", "elu")) else [((x,), {})]
            for f in answer_functions(EXERCISES[IDS.index("04")])}


def _inputs_02(rng):
    widths = (3, 5, 4, 2)
    weights = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        weights += [rng.normal(0.0, 1.0, (fan_in, fan_out)), rng.normal(0.0, 1.0, fan_out)]
    return {"collapse": [((weights,), {})]}


def _inputs_10(rng):
    x = np.sort(rng.uniform(-3.0, 3.0, 9))
    return {"relu_interpolant": [((x, np.cos(x) + rng.normal(0.0, 0.1, 9)), {})]}


# The exercises whose answer is a function of arrays: the inputs to try each release callable on.
# (01, 03, 06, 07, 12 answer with a model or a recipe, 05 and 13 with constants (the formula
# search covers those), 08 and 09 with the kit's own diagnostics, which their forbidden
# imports cover, 11 with a registered Keras function.)
ARRAY_ANSWERS = {"02": _inputs_02, "04": _inputs_04, "10": _inputs_10}


def _same(got, expected) -> bool:
    try:
        if isinstance(expected, dict):
            return isinstance(got, dict) and set(got) == set(expected) and all(_same(got[k], expected[k]) for k in expected)
        if isinstance(expected, (tuple, list)):
            return isinstance(got, (tuple, list)) and len(got) == len(expected) and all(map(_same, got, expected))
        got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
        return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=1e-6, atol=1e-9))
    except (TypeError, ValueError):
        return False


def reproducing_callables(exercise, checks_path: Path) -> list[str]:
    """The release callables that, called as one of the exercise's answer functions, give the solution's result."""
    solution = _load(exercise.path / "solution.py", f"solution_{exercise.id}")
    module = _load(checks_path, f"released_{exercise.id}_{abs(hash(str(checks_path)))}")
    candidates = _callables(module, checks_path)
    found = []
    for function, calls in ARRAY_ANSWERS[exercise.id](np.random.default_rng(23)).items():
        for args, keywords in calls:
            expected = getattr(solution, function)(*args, **keywords)
            for name, candidate in candidates:
                for attempt in (args, (function, *args)):
                    try:
                        with np.errstate(all="ignore"):
                            got = candidate(*attempt, **keywords)
                    except Exception:  # noqa: BLE001 - most candidates do not take these arguments
                        continue
                    if _same(got, expected):
                        found.append(f"{name} as {function}")
    return sorted(set(found))


def test_the_callable_search_finds_a_reference(tmp_path):
    """It can fail: exercise 04's checks as they were (a float64 reference table keyed by the
    function's name) and exercise 02's fold are found."""
    leaky = tmp_path / "checks.py"
    leaky.write_text("import numpy as np\n"
                     "def reference(function, x, alpha=None):\n"
                     "    alpha = {'leaky_relu': 0.01, 'elu': 1.0}.get(function.removesuffix('_grad')) if alpha is None else alpha\n"
                     "    return {'relu': lambda: np.maximum(x, 0.0), 'elu': lambda: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))}.get(function, lambda: None)()\n"
                     "MISTAKES = {'relu_grad': [lambda x: np.maximum(x, 0)]}\n"
                     "def _folded(weights):\n"
                     "    W, b = weights[0], weights[1]\n"
                     "    for kernel, bias in zip(weights[2::2], weights[3::2]):\n"
                     "        W, b = W @ kernel, b @ kernel + bias\n"
                     "    return W, b\n")
    found = reproducing_callables(EXERCISES[IDS.index("04")], leaky)
    assert {"reference as relu", "reference as elu", "MISTAKES['relu_grad'][0] as relu"} <= set(found), found
    assert reproducing_callables(EXERCISES[IDS.index("02")], leaky) == ["_folded as collapse"]


@pytest.mark.parametrize("exercise", sorted(ARRAY_ANSWERS))
def test_no_release_callable_computes_the_answer(release, exercise):
    found = EXERCISES[IDS.index(exercise)]
    path = release / "exercises" / found.path.name / "checks.py"
    assert not reproducing_callables(found, path), f"{exercise}: {reproducing_callables(found, path)}"


# ---------------------------------------------------------------------------------------------
# The expected values: data, from the reference


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_expected_values_are_the_references_data(release, exercise):
    full = _load(exercise.checks_path, f"full_expected_{exercise.id}")
    holders = [v for v in vars(full).values() if isinstance(v, ExpectedValues)]
    stored = release / "exercises" / exercise.path.name / EXPECTED_FILE
    assert stored.is_file() == bool(holders), exercise.id
    if not holders:
        return
    public = _load(stored.with_name("checks.py"), f"public_expected_{exercise.id}")
    (released,) = [v for v in vars(public).values() if isinstance(v, ExpectedValues)]
    assert released.compute is None  # the release reads the file: it has no code to compute them
    with np.load(stored, allow_pickle=False) as data:
        assert sorted(data.files) == sorted(holders[0])
    assert sorted(released) == sorted(holders[0])
    for name in holders[0]:
        assert released[name].dtype == holders[0][name].dtype and np.array_equal(released[name], holders[0][name]), name


# ---------------------------------------------------------------------------------------------
# Forbidden imports (exercise 04), through the sandbox

SOLUTION_04 = (REPO / "exercises" / "04-derivatives" / "solution.py").read_text(encoding="utf-8")
KIT_ACTIVATIONS = """\
import numpy as np
from kit.activations import derivative, evaluate


def _same(x, y):
    return np.asarray(y, dtype=np.asarray(x).dtype)


def sigmoid(x):
    return _same(x, evaluate("sigmoid", x))


def sigmoid_grad(x):
    return _same(x, derivative("sigmoid", x))


def tanh(x):
    return _same(x, evaluate("tanh", x))


def tanh_grad(x):
    return _same(x, derivative("tanh", x))


def relu(x):
    return _same(x, evaluate("relu", x))


def relu_grad(x):
    return _same(x, derivative("relu", x))
"""


@pytest.fixture(scope="module")
def graded04(zygote, tmp_path_factory):
    """Exercise 04's visible checks (what `kit check` runs) on each submission, graded once."""
    from kit.grading.runners.engine import grade_submission

    folder = tmp_path_factory.mktemp("imports04")
    # The rest of the answers from the reference, so that only the import can cost points.
    rest = SOLUTION_04[SOLUTION_04.index("def leaky_relu("):SOLUTION_04.index("# %%\nif __name__")]
    sources = {
        "kit_activations": KIT_ACTIVATIONS + "\n\n" + rest,
        "keras_ops": "from keras import ops\n" + SOLUTION_04,
        "keras_ops_in_a_function": SOLUTION_04.replace(
            "    return np.tanh(x)\n", "    from keras import ops\n\n    return np.asarray(ops.tanh(x))\n"),
        "numpy_and_math": "import math\n\nimport numpy as np\n\nE = math.e\n" + SOLUTION_04,
        # A notebook may end with kit.check (it does nothing in the sandbox): `import kit` alone is allowed.
        "kit_check_at_the_end": SOLUTION_04 + '\nimport kit\n\nkit.check("04")\n',
    }
    results = {}
    for name, source in sources.items():
        path = folder / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        results[name] = grade_submission("04", path, visibility=("visible",), zygote=zygote, limits=TEST_LIMITS)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("name, module", [("kit_activations", "kit.activations"), ("keras_ops", "keras.ops"),
                                          ("keras_ops_in_a_function", "keras.ops")])
def test_a_forbidden_import_scores_zero_with_one_message(graded04, name, module):
    from kit.commands.grading import exit_status
    from kit.grading.runners import report

    result = graded04[name]
    message = f"this exercise asks you to write it in NumPy: your file imports {module} (remove that import)."
    assert result.score == 0 and result.max_score == 90 and result.forbidden_imports == (module,)
    assert result.problem == message and all(c.message == message for c in result.checks)
    text = report.text(result)
    assert text.count("this exercise asks you to write it in NumPy") == 1, text  # once, not once per check
    assert "Your file imports what this exercise asks you to write yourself, so all 32 checks score 0:" in text
    assert "Total: 0/90" in text and exit_status(result) == 1
    assert result.as_dict()["forbidden_imports"] == [module]
    assert type(result).from_dict(result.as_dict()).as_dict(timings=False) == result.as_dict(timings=False)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["numpy_and_math", "kit_check_at_the_end"])
def test_numpy_and_math_only_score_full_marks(graded04, name):
    result = graded04[name]
    assert result.score == result.max_score == 90 and not result.problem and result.forbidden_imports == ()


RULES = {"02": "kit.diagnostics", "04": "kit", "08": "kit.diagnostics", "09": "kit.diagnostics"}


def test_the_rule_is_stated_where_students_read_it():
    """Each exercise that forbids imports names every forbidden module in its README, and the
    release ships the rule, so that `kit check` enforces it from a student release too."""
    from kit.grading.authoring.exercises import forbidden_imports
    from kit.grading.release.public import public_checks

    assert {e.id for e in EXERCISES if forbidden_imports(e)} == set(RULES)
    for exercise in EXERCISES:
        rule = forbidden_imports(exercise)
        if rule is None:
            continue
        assert RULES[exercise.id] in rule.modules
        readme = (exercise.path / "README.md").read_text(encoding="utf-8")
        for module in rule.modules:
            assert f"`{module}`" in readme, (exercise.id, module)
        assert "FORBIDDEN_IMPORTS = ImportRule(" in public_checks(exercise)[0]
    assert forbidden_imports("04").modules == ("kit", "keras", "tensorflow", "scipy.special", "torch", "jax")


@pytest.mark.slow
@pytest.mark.parametrize("exercise", ["02", "08", "09"])
def test_the_kits_diagnostics_score_zero_where_they_are_the_answer(exercise, zygote, tmp_path):
    """A solution that also imports kit.diagnostics at the top scores 0 at once (no check runs),
    with the exercise's message. Its other imports of the kit (kit.builders, kit.tensorboard in
    08) are allowed: the solutions score full marks in their exercises' tests."""
    from kit.grading.runners.engine import grade_submission
    from kit.grading.authoring.exercises import find

    found = find(exercise)
    path = tmp_path / "answer.py"
    path.write_text("from kit import diagnostics\n" + (found.path / "solution.py").read_text(encoding="utf-8"))
    result = grade_submission(exercise, path, visibility=("visible",), zygote=zygote, limits=TEST_LIMITS)
    assert result.score == 0 and result.forbidden_imports == ("kit.diagnostics",)
    assert all(c.message == result.problem for c in result.checks)
    assert result.problem.startswith("this exercise asks you to ") and \
        result.problem.endswith("yourself, not to call kit.diagnostics." + {"02": "collapse_linear", "08": "gradient_norms",
                                                                           "09": "dead_fraction"}[exercise]
                                + ": your file imports kit.diagnostics (remove that import).")


def test_imports_are_recorded_from_the_submission_only(tmp_path):
    """The child's recorder: the submission's imports (at the top, in a function, through
    importlib.import_module) and not those of the modules it uses."""
    import builtins
    import importlib

    from kit.grading.sandbox.child import load_submission

    source = ("import numpy as np\nfrom kit import activations\nimport json as j\n"
              "def late():\n    import importlib\n    return importlib.import_module('keras.ops')\n")
    imported = []
    saved = builtins.__import__, importlib.import_module
    try:
        module = load_submission(source, str(tmp_path / "submission.py"), imported)
        module.late()
        json_dumps = __import__("json").dumps  # the test's own import: not the submission's
    finally:
        builtins.__import__, importlib.import_module = saved
        sys.modules.pop("submission", None)
    assert json_dumps and imported == ["numpy", "kit", "kit.activations", "json", "importlib", "keras.ops"]


# ---------------------------------------------------------------------------------------------
# The release's visible checks judge as the repository's do

MISTAKES = {  # exercise → (the solution's text, what a typical mistake replaces it with, its diagnosis)
    "02": ("        b = b @ kernel + bias\n", "        b = bias\n", "b is the last layer's bias only"),
    "04": ("    s = sigmoid(x)\n    return s * (1 - s)\n", "    return sigmoid(x)\n", "this is σ(x) itself"),
    "10": ("changes = np.diff(slopes, prepend=0.0)", "changes = slopes", "W2 holds the slopes of the segments"),
}


@pytest.mark.slow
@pytest.mark.parametrize("exercise", sorted(MISTAKES))
def test_the_release_checks_give_the_same_grade_and_messages(exercise, release, zygote, tmp_path):
    """The solution and a typical mistake (whose diagnosis reads the stored values), graded by the
    repository's visible checks and by the release's: the same scores and the same messages."""
    from kit.grading.runners.engine import grade_submission
    from kit.grading.authoring.exercises import find, load_checks

    found = find(exercise)
    solution = (found.path / "solution.py").read_text(encoding="utf-8")
    old, new, diagnosis = MISTAKES[exercise]
    assert old in solution
    full = [c for c in load_checks(found) if c.visibility == "visible"]
    public = _load(release / "exercises" / found.path.name / "checks.py", f"public_same_{exercise}").CHECKS
    for name, source in (("solution", solution), ("mistake", solution.replace(old, new))):
        path = tmp_path / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        grades = [grade_submission(exercise, path, visibility=("visible",), zygote=zygote, limits=TEST_LIMITS,
                                   checks=checks) for checks in (full, public)]
        got = [[(c.name, c.score, c.max_score, c.message) for c in g.checks] for g in grades]
        assert got[0] == got[1], (exercise, name)
        assert (grades[0].score == grades[0].max_score) == (name == "solution"), (exercise, name, grades[0].score)
        assert (name == "mistake") == any(diagnosis in c.message for c in grades[1].checks), (exercise, name)
