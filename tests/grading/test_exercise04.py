"""Exercise 04: the solution earns everything, the starter nothing, typical mistakes what we intend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kit.grading import grade_submission
from kit.grading.runners import report
from kit.grading.authoring.exercises import find
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import arrays, assert_gradescope_schema, assert_scores_zero, spy_zygote

EXERCISE = find("04").path
BASE = (Path(__file__).parent / "submissions" / "_base.py").read_text()

# Each typical mistake, appended to a correct file, and exactly the checks it must lose, with a
# word the feedback must contain (the likely mistake named).
MISTAKES = {
    "naive_sigmoid": ("def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n",
                      {"sigmoid: stable for extreme inputs", "sigmoid: unseen inputs"}, "e^−|x| only"),
    "relu_grad_one_at_zero": ("def relu_grad(x):\n    return (x >= 0).astype(x.dtype)\n",
                              {"relu_grad(0) is 0"}, "x > 0"),
    "float64_for_float32": ("def sigmoid(x):\n    return _stable_sigmoid(np.asarray(x, dtype=float))\n",
                            {"sigmoid: keeps shape and dtype"}, "float64"),
    "sigmoid_grad_is_sigmoid": ("def sigmoid_grad(x):\n    return _stable_sigmoid(x)\n",
                                {"sigmoid_grad: values (float64)", "sigmoid_grad peaks at 0.25",
                                 "sigmoid_grad: keeps shape and dtype",  # structure counts only with values
                                 "sigmoid_grad: stable for extreme inputs", "sigmoid_grad: unseen inputs"}, "σ(x) itself"),
    "tanh_grad_of_x": ("def tanh_grad(x):\n    return 1 - x * x\n",
                       {"tanh_grad: values (float64)", "tanh_grad: keeps shape and dtype",
                        "tanh_grad: stable for extreme inputs", "tanh_grad: unseen inputs"}, "1 − x²"),
    "elu_where_overflows": ("def elu(x, alpha=1.0):\n    return np.where(x > 0, x, alpha * (np.exp(x) - 1)).astype(x.dtype)\n",
                            {"elu: stable for extreme inputs", "elu: unseen inputs"}, "np.expm1(np.minimum(x, 0))"),
    "leaky_ignores_alpha": ("def leaky_relu(x, alpha=0.01):\n    return np.where(x > 0, x, 0.01 * x)\n",
                            {"leaky_relu: values (float64)"}, "alpha"),
}


def _grade(tmp_path, source, zygote, checks, name="submission.py"):
    path = tmp_path / name
    path.write_text(source)
    return grade_submission("04", path, zygote=zygote, limits=TEST_LIMITS, checks=checks)


@pytest.mark.slow
def test_solution_scores_full_marks(zygote, checks04):
    result = grade_submission("04", EXERCISE / "solution.py", zygote=zygote, limits=TEST_LIMITS, checks=checks04)
    assert result.max_score == 100
    assert result.score == 100, [(c.name, c.message) for c in result.checks if not c.passed]


@pytest.mark.slow
def test_untouched_starter_scores_zero_with_todo_feedback(zygote, checks04):
    result = grade_submission("04", EXERCISE / "starter.py", zygote=zygote, limits=TEST_LIMITS, checks=checks04)
    assert result.score == 0
    assert all("NotImplementedError" in c.message for c in result.checks)


@pytest.mark.slow
@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_typical_mistake_loses_only_its_checks(mistake, zygote, checks04, tmp_path):
    snippet, lost, word = MISTAKES[mistake]
    result = _grade(tmp_path, BASE + "\n\n" + snippet, zygote, checks04)
    failed = {c.name for c in result.checks if not c.passed}
    assert failed == lost, {c.name: c.message for c in result.checks if not c.passed}
    assert result.score == 100 - sum(c.max_score for c in result.checks if c.name in lost)
    # The feedback a student sees in `kit check` (visible checks) names the mistake; when only a
    # hidden check fails, its own message must.
    named = [c for c in result.checks if c.name in lost and c.visibility == "visible"] or \
        [c for c in result.checks if c.name in lost]
    assert all(word in c.message for c in named), [c.message for c in named]


@pytest.mark.slow
def test_same_submission_graded_twice_gives_identical_results(zygote, checks04, tmp_path):
    source = BASE + "\n\n" + MISTAKES["naive_sigmoid"][0] + MISTAKES["tanh_grad_of_x"][0]
    first = _grade(tmp_path, source, zygote, checks04).as_dict(timings=False)
    second = _grade(tmp_path, source, zygote, checks04).as_dict(timings=False)
    assert first == second


def test_hidden_checks_reveal_no_hidden_values(zygote, checks04, tmp_path):
    # A wrong tanh fails the hidden check; its message gives error sizes, never an input or expected value.
    result = _grade(tmp_path, BASE + "\n\ndef tanh(x):\n    return np.tanh(x) * np.asarray(1.001, x.dtype)\n",
                    zygote, [c for c in checks04 if c.name == "tanh: unseen inputs"])
    (only,) = result.checks
    assert only.score == 0
    assert "expected" not in only.message and "x =" not in only.message, only.message


def autodiff(function: str, x) -> np.ndarray:
    """TensorFlow's gradient of the activation (float64), for the ``*_grad`` functions."""
    import tensorflow as tf

    base = function.removesuffix("_grad")
    forward = {
        "sigmoid": tf.math.sigmoid, "tanh": tf.math.tanh, "relu": tf.nn.relu,
        # tf.nn.leaky_relu keeps alpha as a float32 attribute (0.00999999977…): build it in float64.
        "leaky_relu": lambda t: tf.where(t > 0, t, tf.constant(0.01, tf.float64) * t),
        "elu": lambda t: tf.where(t > 0, t, tf.math.expm1(tf.minimum(t, 0.0))),
    }[base]
    t = tf.constant(np.asarray(x, dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = forward(t)
    return tape.gradient(y, t).numpy()


def test_references_agree_with_tensorflow_autodiff():
    import importlib.util

    spec = importlib.util.spec_from_file_location("checks04_refs", EXERCISE / "checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The grid and the hidden check's inputs (graded against the references, without TensorFlow).
    x = np.concatenate([module.GRID[module.GRID != 0], module.HIDDEN["hidden64"].ravel()])
    x = x[x != 0]  # the kinks' value at 0 is a convention, checked on its own
    for function in module.ALL:
        if function.endswith("_grad"):
            # Two independent float64 computations of one derivative agree to rounding, except that
            # 1 − tanh² cancels where tanh ≈ ±1 (relative error up to ~1e-10 on |x| ≤ 10); 1e-9 is
            # still 1000× tighter than the 1e-6 the checks grant students. Where the derivative is ~0
            # (tanh_grad at |x| ≈ 18-50) that cancellation leaves up to ~1e-14 absolute, 100× below ATOL64.
            np.testing.assert_allclose(module.reference(function, x), autodiff(function, x), rtol=1e-9,
                                       atol=1e-14, err_msg=function)


def test_gradescope_results_follow_the_documented_schema(zygote, checks04, tmp_path):
    result = _grade(tmp_path, BASE + "\n\n" + MISTAKES["relu_grad_one_at_zero"][0], zygote, checks04)
    data = report.gradescope(result)
    assert_gradescope_schema(data)
    assert any(t["visibility"] == "hidden" for t in data["tests"])
    assert data["score"] == sum(t["score"] for t in data["tests"]) == 95


TRIVIAL = {
    "zeros": "    return np.zeros_like(x)\n",
    "identity": "    return x\n",
    "ones": "    return np.ones_like(x)\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("answer", sorted(TRIVIAL))
def test_trivial_answers_score_zero(answer, zygote, checks04, tmp_path):
    # Structural points (shape, dtype, relu_grad(0) == 0, stability) count only with correct values.
    names = [f for base in ("sigmoid", "tanh", "relu", "leaky_relu", "elu") for f in (base, base + "_grad")]
    source = "import numpy as np\n\n" + "".join(f"def {name}(x, alpha=1.0):\n{TRIVIAL[answer]}\n\n" for name in names)
    result = _grade(tmp_path, source, zygote, checks04)
    assert_scores_zero(result)


@pytest.mark.slow
def test_kit_check_sends_no_hidden_input_to_the_child(zygote, checks04):
    hidden = list(checks04[0].function.func.__globals__["HIDDEN"].values())
    spy = spy_zygote(zygote)
    visible = grade_submission("04", EXERCISE / "solution.py", visibility="visible", zygote=spy,
                               limits=TEST_LIMITS, checks=checks04)
    assert visible.score == visible.max_score == 90
    sent = [array for _, arguments in spy.sent for array in arrays(arguments)]
    assert sent, "the spy saw no input"
    leaked = [a for a in sent for h in hidden if a.shape == h.shape and np.array_equal(a, h)]
    assert not leaked, f"{len(leaked)} hidden input(s) sent by a visible-only run"
    # The same spy sees them in a full grade, so the test can fail.
    spy.sent.clear()
    grade_submission("04", EXERCISE / "solution.py", zygote=spy, limits=TEST_LIMITS, checks=checks04)
    sent = [array for _, arguments in spy.sent for array in arrays(arguments)]
    assert all(any(a.shape == h.shape and np.array_equal(a, h) for a in sent) for h in hidden)
