"""Exercise 02: the solution earns everything, the starter nothing, typical mistakes what we intend.

Each submission is graded once per module (the ``graded`` fixture caches results).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from kit.grading import Limits, grade_submission
from kit.grading.runners import report
from kit.grading.authoring.exercises import find, load_checks
from tests.grading.shared import arrays, assert_gradescope_schema, assert_loses_only, assert_scores_zero, failing, module_grader, spy_zygote

EXERCISE = find("02").path
# As in test_exercise01: Keras builds in the sandbox need more than the corpus's 3 s and 64 processes.
LIMITS = Limits(timeout=60, memory_mb=2048, output_kb=256)

BUILD = "build_deep_linear: the asked widths, linear hidden layers, tanh output"
BUILD_UNSEEN = "build_deep_linear: other depths and widths"
XOR = "deep linear network on xor: no better than a half-plane"
COLLAPSE = "collapse: x·W + b equals the network (depths 1 to 5)"
COLLAPSE_UNSEEN = "collapse: unseen depths and widths"
COLLAPSE_KERAS = "collapse of a trained Keras network"
BUILD_CHECKS = {BUILD, BUILD_UNSEEN, XOR}
COLLAPSE_CHECKS = {COLLAPSE, COLLAPSE_UNSEEN, COLLAPSE_KERAS}

BUILDER = """import keras
import numpy as np


def build_deep_linear(n_inputs, hidden):
    x = inputs = keras.Input(shape=(n_inputs,))
    for width in hidden:
        x = keras.layers.Dense(width, activation={activation!r})(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation={output!r})(x))
"""
COLLAPSE_SOURCE = """

def collapse(weights):
    W, b = weights[0], weights[1]
    for kernel, bias in zip(weights[2::2], weights[3::2]):
        {fold}
    return {returned}
"""
RIGHT_FOLD = "W, b = W @ kernel, b @ kernel + bias"


def _submission(activation="linear", output="tanh", fold=RIGHT_FOLD, returned="W, b") -> str:
    return BUILDER.format(activation=activation, output=output) + COLLAPSE_SOURCE.format(fold=fold, returned=returned)


SUBMISSIONS = {
    # Alternatives written differently from the reference: the kit's builder and a collapse of
    # augmented matrices [[W, 0], [b, 1]] multiplied with functools.reduce; a Sequential model and
    # a recursive collapse.
    "augmented": """import functools

import numpy as np
from kit.builders import build_mlp


def build_deep_linear(n_inputs, hidden):
    return build_mlp(n_inputs, hidden=hidden, activation="linear", head="playground")


def collapse(weights):
    def augmented(kernel, bias):
        top = np.hstack([kernel, np.zeros((kernel.shape[0], 1), kernel.dtype)])
        return np.vstack([top, np.append(bias, 1.0)[None, :].astype(kernel.dtype)])

    product = functools.reduce(np.matmul, [augmented(k, b) for k, b in zip(weights[0::2], weights[1::2])])
    return product[:-1, :-1], product[-1, :-1]
""",
    "sequential_recursive": """import keras


def build_deep_linear(n_inputs, hidden):
    layers = [keras.Input(shape=(n_inputs,))] + [keras.layers.Dense(w) for w in hidden]
    return keras.Sequential(layers + [keras.layers.Dense(1, activation="tanh")])


def collapse(weights):
    if len(weights) == 2:
        return weights[0], weights[1]
    W, b = collapse(weights[:-2])
    return W @ weights[-2], b @ weights[-2] + weights[-1]
""",
    # Typical mistakes.
    "bias_ignored": _submission(fold="W = W @ kernel", returned="W, np.zeros(W.shape[1])"),
    "wrong_order": _submission(fold="W, b = kernel @ W, b @ kernel + bias"),
    "transposed": _submission(returned="W.T, b"),
    "last_layer_only": _submission(fold="pass", returned="weights[-2], weights[-1]"),
    "relu_hidden": _submission(activation="relu"),
    "linear_output": _submission(output="linear"),
    "ignores_hidden": _submission().replace("    for width in hidden:\n", "    for width in []:\n"),
    # The right layers, but kernels drawn N(0, 1) (a "standard normal" start): the tanh output starts
    # saturated and SGD 0.03 leaves it 0.21 above the best line's training loss.
    "saturated_start": _submission().replace(
        "activation='linear')", "activation='linear', kernel_initializer=INIT)").replace(
        "activation='tanh')", "activation='tanh', kernel_initializer=INIT)").replace(
        "\n\ndef build_deep_linear", "\nINIT = keras.initializers.RandomNormal(stddev=1.0)\n\n\ndef build_deep_linear"),
    # Trivial: a ReLU network and a collapse of zeros.
    "trivial": _submission(activation="relu", returned="np.zeros((weights[0].shape[0], weights[-1].shape[0])), "
                                                       "np.zeros(weights[-1].shape[0])"),
}

# Each typical mistake: the checks it must lose and a word every visible message of those must hold.
MISTAKES = {
    "bias_ignored": (COLLAPSE_CHECKS, "ignores the biases"),
    "wrong_order": (COLLAPSE_CHECKS, "order"),
    "transposed": (COLLAPSE_CHECKS, "transpose"),
    "last_layer_only": (COLLAPSE_CHECKS, "last layer"),
    "relu_hidden": (BUILD_CHECKS, "uses relu"),
    "linear_output": (BUILD_CHECKS, "1 linear unit"),
    "ignores_hidden": (BUILD_CHECKS, "hidden widths []"),
}


@pytest.fixture(scope="module")
def checks02():
    return load_checks("02")


@pytest.fixture(scope="module")
def graded(zygote, tmp_path_factory):
    """grade(name): each submission (solution, starter or one of SUBMISSIONS) graded once per module."""
    grade = module_grader("02", zygote, tmp_path_factory.mktemp("exercise02"), LIMITS)

    def by_name(name: str):
        if name in ("solution", "starter"):
            return grade(name, path=EXERCISE / f"{name}.py")
        return grade(name, SUBMISSIONS[name])

    return by_name


@pytest.mark.slow
def test_solution_scores_full_marks(graded):
    result = graded("solution")
    assert result.max_score == 100 and result.score == 100, failing(result)
    messages = {c.name: c.message for c in result.checks}
    assert "best half-plane" in messages[XOR] and "reproduces" in messages[COLLAPSE_KERAS]
    assert "learn all a straight line can" in messages[XOR], messages[XOR]  # its training reached the best line


@pytest.mark.slow
def test_untouched_starter_scores_zero_with_todo_feedback(graded):
    result = graded("starter")
    assert result.score == 0
    assert all("NotImplementedError" in c.message for c in result.checks), failing(result)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["augmented", "sequential_recursive"])
def test_alternative_solutions_score_full_marks(name, graded):
    result = graded(name)
    assert result.score == 100, failing(result)


@pytest.mark.slow
@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_typical_mistake_loses_only_its_checks(mistake, graded):
    lost, word = MISTAKES[mistake]
    result = graded(mistake)
    assert_loses_only(result, lost, word, visible_only=True)


@pytest.mark.slow
def test_a_relu_network_is_caught_by_what_it_does_too(graded):
    # The half-plane comparison itself fails a non-linear network: it beats the line on xor.
    message = failing(graded("relu_hidden"))[XOR]
    assert "beats every straight line" in message and "best half-plane" in message, message


@pytest.mark.slow
def test_an_under_trained_linear_network_fails_the_xor_check(graded):
    """The limit must be the model's, not the training's: a deep linear network whose own initial
    weights stall its training fails the xor check, on the line-loss test alone (it is linear and
    scores no better than a line); the solution passes (test_solution_scores_full_marks)."""
    assert "RandomNormal(stddev=1.0)" in SUBMISSIONS["saturated_start"].split("def collapse")[0].replace("\n", " ")
    result = graded("saturated_start")
    assert set(failing(result)) == {XOR}, failing(result)
    message = failing(result)[XOR]
    assert "did not learn all a line can" in message and "own initial weights" in message, message


@pytest.mark.slow
def test_trivial_answers_score_zero(graded):
    result = graded("trivial")
    assert_scores_zero(result)


@pytest.mark.slow
def test_hidden_messages_reveal_no_hidden_request_or_shape(graded):
    for name in ("relu_hidden", "ignores_hidden"):
        message = failing(graded(name))[BUILD_UNSEEN]
        assert "unseen request" in message and "build_deep_linear(" not in message and "[" not in message, message
    for name in ("bias_ignored", "transposed", "wrong_order"):
        message = failing(graded(name))[COLLAPSE_UNSEEN]
        assert "unseen weight lists" in message and "widths" not in message and "matmul" not in message, message
        assert not re.search(r"\(\d+,", message), message  # no shape of a hidden list


@pytest.mark.slow
def test_the_same_submission_graded_twice_gets_the_same_grade(graded, zygote, checks02, tmp_path):
    path = tmp_path / "again.py"
    path.write_text(SUBMISSIONS["bias_ignored"])
    again = grade_submission("02", path, zygote=zygote, limits=LIMITS, checks=checks02)
    first = graded("bias_ignored").as_dict(timings=False)
    assert {**again.as_dict(timings=False), "submission": first["submission"]} == first


@pytest.mark.slow
def test_gradescope_report_follows_the_schema(graded):
    data = report.gradescope(graded("bias_ignored"))
    assert_gradescope_schema(data)
    assert data["score"] == 45 and any(t["visibility"] == "hidden" for t in data["tests"])


@pytest.mark.slow
def test_kit_check_sends_no_hidden_weight_list_to_the_child(zygote, checks02):
    hidden = [w for weights in checks02[0].function.__globals__["HIDDEN_LISTS"].values() for w in weights]
    spy = spy_zygote(zygote)
    visible = grade_submission("02", EXERCISE / "solution.py", visibility="visible", zygote=spy, limits=LIMITS,
                               checks=checks02)
    assert visible.score == visible.max_score == 75
    sent = [array for _, arguments in spy.sent for array in arrays(arguments)]
    assert sent and not [a for a in sent for h in hidden if a.shape == h.shape and np.array_equal(a, h)]
    # The same spy sees them in a full grade, so the test can fail.
    spy.sent.clear()
    grade_submission("02", EXERCISE / "solution.py", zygote=spy, limits=LIMITS, checks=checks02)
    sent = [array for _, arguments in spy.sent for array in arrays(arguments)]
    assert all(any(a.shape == h.shape and np.array_equal(a, h) for a in sent) for h in hidden)


def test_the_diagnosis_names_each_mistake_on_a_square_chain(checks02):
    module = checks02[0].function.__globals__
    weights = module["VISIBLE_LISTS"]["depth 3, square"]
    kernels, biases = weights[0::2], weights[1::2]
    right_W, right_b = module["_folded"](weights)
    assert np.allclose(np.ones((1, 3)) @ right_W + right_b, module["forward"](weights, np.ones((1, 3))))
    cases = {
        "ignores the biases": (right_W, np.zeros(3)),
        "last layer's bias only": (right_W, biases[-1]),
        "added the biases": (right_W, sum(biases)),
        "last layer's (Wk, bk)": (kernels[-1], biases[-1]),
        "first layer's (W1, b1)": (kernels[0], biases[0]),
        "wrong order": (kernels[2] @ kernels[1] @ kernels[0], right_b),
        "transpose": (right_W.T, right_b),
    }
    for words, (W, b) in cases.items():
        assert words in module["_diagnosis"](W, b, weights, module["_solution"](weights)), words
        assert words in module["_diagnosis"](W, b, weights, module["_stored"]("depth 3, square")), words  # the release's
    assert module["_diagnosis"](right_W + 1.0, right_b, weights, module["_solution"](weights)) == ""


@pytest.mark.slow
def test_prepared_checks_hold_their_expected_values_and_grade_the_same(graded, zygote):
    # kit start has the check server load the checks with prepare=True: the expected values (a
    # trained network's weights here) are computed before the first check instead of during it.
    def expected(checks):
        function = checks[0].function
        return getattr(function, "func", function).__globals__["EXPECTED"]

    assert expected(load_checks("02"))._values is None  # computed on first use only
    prepared = load_checks("02", prepare=True)
    assert expected(prepared)._values is not None
    solution = find("02").path / "solution.py"
    again = grade_submission("02", solution, zygote=zygote, checks=prepared, limits=LIMITS)
    first = graded("solution").as_dict(timings=False)
    assert {**again.as_dict(timings=False), "submission": first["submission"]} == first
