"""Exercise 05: the solution earns everything, the starter nothing, typical mistakes what we intend.

Every submission is graded once per module (``graded``); nothing trains, so a grade costs two
sandboxed calls.
"""

from __future__ import annotations

import numpy as np
import pytest

from kit.grading import grade_submission
from kit.grading.runners import report
from kit.grading.authoring.exercises import find, load_checks
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import assert_gradescope_schema, assert_loses_only, assert_scores_zero, failing

EXERCISE = find("05").path
STEP = "step network: XOR truth table"
RELU = "ReLU network: classifies Playground xor"
RELU_HIDDEN = "ReLU network: unseen xor points"

# The reference's weights, as Python literals (submissions below change one of them).
STEP_OK = {"W1": [[1.0, -1.0], [1.0, -1.0]], "b1": [-0.5, 1.5], "W2": [[1.0], [1.0]], "b2": [-1.5]}
RELU_OK = {"W1": [[0.0, -1.0, -1.0], [1.0, 0.0, 1.0]], "b1": [0.0, 0.0, 0.0], "W2": [[1.0], [1.0], [-1.0]],
           "b2": [-0.15]}


def _arrays(weights: dict) -> str:
    return "{" + ", ".join(f"{key!r}: np.array({value!r})" for key, value in weights.items()) + "}"


def submission(step=None, relu=None) -> str:
    """A file defining both functions; ``step``/``relu`` are weight dicts or a Python expression."""
    step, relu = step if step is not None else STEP_OK, relu if relu is not None else RELU_OK
    step, relu = (w if isinstance(w, str) else _arrays(w) for w in (step, relu))
    return (f"import numpy as np\n\n\ndef step_xor_weights():\n    return {step}\n\n\n"
            f"def relu_xor_weights():\n    return {relu}\n")


# Each typical mistake and exactly the checks it must lose, with a word its feedback must contain.
MISTAKES = {
    # Thresholds at the sums instead of halfway (the ">=" reading of H): H(0) = 0 kills (0, 1) and (1, 0).
    "step_threshold_off_by_one": (submission(step={**STEP_OK, "b1": [-1.0, 1.0], "b2": [-1.0]}), {STEP}, "H(0) = 0"),
    # A bias that lets the OR unit fire on (0, 0): the network is NAND, wrong at (0, 0).
    "step_bias_fires_on_00": (submission(step={**STEP_OK, "b1": [0.5, 1.5]}), {STEP}, "(0, 0)"),
    # Only the OR unit reaches the output.
    "step_is_or": (submission(step={**STEP_OK, "W2": [[1.0], [0.0]], "b2": [-0.5]}), {STEP}, "That is OR"),
    # One unit per row instead of per column.
    "step_w1_transposed": (submission(step={**STEP_OK, "W1": [[1.0, 1.0], [-1.0, -1.0]]}), {STEP}, "transposed"),
    "relu_w1_transposed": (submission(relu={**RELU_OK, "W1": np.array(RELU_OK["W1"]).T.tolist()}),
                           {RELU, RELU_HIDDEN}, "transposed"),
    # The diagonal unit's output weight left at 0: two half-planes.
    "relu_two_half_planes": (submission(relu={**RELU_OK, "W2": [[1.0], [1.0], [0.0]]}), {RELU, RELU_HIDDEN},
                             "2 half-planes cannot separate"),
    # XOR read as "signs differ → +1": the Playground's labels are the other way round.
    "relu_sign_flipped": (submission(relu={**RELU_OK, "W2": [[-1.0], [-1.0], [1.0]], "b2": [0.15]}),
                          {RELU, RELU_HIDDEN}, "Negate W2 and b2"),
    # A bias of −0.32, larger than the data's 0.3 gap around the axes: 2 of the 500 visible points are
    # wrong (0.996 passes) but 1.6 % of the grid near the axes is (0.983 fails the hidden check).
    "relu_margin_too_thin": (submission(relu={**RELU_OK, "b2": [-0.32]}), {RELU_HIDDEN}, "0.3 away from both axes"),
}

TRIVIAL = {
    "zeros": submission(step={k: np.zeros_like(np.array(v)).tolist() for k, v in STEP_OK.items()},
                        relu={k: np.zeros_like(np.array(v)).tolist() for k, v in RELU_OK.items()}),
    "identity_like": submission(step={"W1": [[1.0, 0.0], [0.0, 1.0]], "b1": [0.0, 0.0], "W2": [[1.0], [1.0]],
                                      "b2": [0.0]},
                                relu={"W1": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], "b1": [0.0, 0.0, 0.0],
                                      "W2": [[1.0], [1.0], [1.0]], "b2": [0.0]}),
    # One ReLU half-plane (x1 > 0.1) and one step unit passed through.
    "single_half_plane": submission(step={"W1": [[1.0, 0.0], [0.0, 0.0]], "b1": [-0.5, 0.0], "W2": [[1.0], [0.0]],
                                          "b2": [-0.5]},
                                    relu={"W1": [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], "b1": [0.0, 0.0, 0.0],
                                          "W2": [[1.0], [0.0], [0.0]], "b2": [-0.1]}),
}

# Written differently from the reference: the step network as (a AND NOT b) OR (b AND NOT a), every
# weight scaled by 10; the ReLU network as |x1 + x2| − |x1 − x2| = 2·relu(s) − 2·relu(d) − 2·x2
# (exact; the third unit's kink at x2 = −6 lies outside the data, so it passes x2 through), halved,
# its units in another order, returned as float32 arrays and plain lists.
ALTERNATIVE = '''
import numpy as np


def step_xor_weights():
    a_not_b, b_not_a = [10.0, -10.0], [-10.0, 10.0]
    return {"W1": np.array([a_not_b, b_not_a]).T, "b1": np.array([-5.0, -5.0]),
            "W2": np.array([[10.0], [10.0]]), "b2": np.array([-5.0])}


def relu_xor_weights():
    units = {"x2 + 6": ([0.0, 1.0], 6.0, -1.0), "x1 + x2": ([1.0, 1.0], 0.0, 1.0), "x1 - x2": ([1.0, -1.0], 0.0, -1.0)}
    W1 = np.array([weights for weights, _, _ in units.values()], dtype=np.float32).T
    return {"W1": W1, "b1": [bias for _, bias, _ in units.values()],
            "W2": [[out] for _, _, out in units.values()], "b2": [6.0]}
'''


@pytest.fixture(scope="module")
def checks05():
    return load_checks("05")


@pytest.fixture(scope="module")
def graded(zygote, checks05, tmp_path_factory):
    """grade(name, source) → GradeResult, each submission graded once per module."""
    folder, cache = tmp_path_factory.mktemp("ex05"), {}

    def grade(name, source=None, path=None):
        if name not in cache:
            if path is None:
                path = folder / f"{name}.py"
                path.write_text(source)
            cache[name] = grade_submission("05", path, zygote=zygote, limits=TEST_LIMITS, checks=checks05)
        return cache[name]

    return grade


def test_solution_scores_full_marks(graded):
    result = graded("solution", path=EXERCISE / "solution.py")
    assert result.max_score == 100
    assert result.score == 100, failing(result)


def test_untouched_starter_scores_zero_with_todo_feedback(graded):
    result = graded("starter", path=EXERCISE / "starter.py")
    assert result.score == 0
    assert all("NotImplementedError" in c.message for c in result.checks)


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_typical_mistake_loses_only_its_checks(mistake, graded):
    source, lost, word = MISTAKES[mistake]
    result = graded(mistake, source)
    assert_loses_only(result, lost, word)


@pytest.mark.parametrize("answer", sorted(TRIVIAL))
def test_trivial_answers_score_zero(answer, graded):
    result = graded(answer, TRIVIAL[answer])
    assert_scores_zero(result)


def test_alternative_solution_scores_full_marks(graded):
    result = graded("alternative", ALTERNATIVE)
    assert result.score == 100, failing(result)


def test_hidden_check_names_no_hidden_point(graded):
    message = failing(graded("relu_margin_too_thin", MISTAKES["relu_margin_too_thin"][0]))[RELU_HIDDEN]
    assert "x =" not in message and "seed" not in message, message


MALFORMED = {
    # what step_xor_weights returns → a word of the message
    "a list": ("[np.zeros((2, 2)), np.zeros(2), np.zeros((2, 1)), np.zeros(1)]", "expected a dict"),
    "a missing key": ("{'W1': np.eye(2), 'b1': np.zeros(2), 'W2': np.ones((2, 1))}", "without 'b2'"),
    "NaN": ("{'W1': np.eye(2), 'b1': np.zeros(2), 'W2': np.ones((2, 1)), 'b2': np.array([np.nan])}", "NaN"),
    "a flat W2": ("{'W1': np.eye(2), 'b1': np.zeros(2), 'W2': np.ones(2), 'b2': np.zeros(1)}", "np.reshape"),
    "text": ("{'W1': 'one', 'b1': np.zeros(2), 'W2': np.ones((2, 1)), 'b2': np.zeros(1)}", "not an array of numbers"),
    "an object": ("{'W1': np.eye(2).astype(object), 'b1': np.zeros(2), 'W2': np.ones((2, 1)), 'b2': np.zeros(1)}",
                  "np.asarray"),
}


def test_malformed_weights_get_a_clear_message(zygote, checks05, tmp_path):
    only = [c for c in checks05 if c.name == STEP]
    for name, (expression, word) in MALFORMED.items():
        path = tmp_path / "malformed.py"
        path.write_text(submission(step=expression))
        (result,) = grade_submission("05", path, zygote=zygote, limits=TEST_LIMITS, checks=only).checks
        assert result.score == 0 and word in result.message, (name, result.message)


def test_gradescope_results_follow_the_documented_schema(graded):
    data = report.gradescope(graded("step_is_or", MISTAKES["step_is_or"][0]))
    assert_gradescope_schema(data)
    assert any(t["visibility"] == "hidden" for t in data["tests"]) and data["score"] == 60
