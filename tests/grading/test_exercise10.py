"""Exercise 10: the solution earns everything, the starter nothing, typical mistakes what we intend.

Nothing trains: each submission is graded once per module (``graded``), one sandboxed call per
knot set (2 public, 6 hidden).
"""

from __future__ import annotations

import pytest

from kit.grading.runners import report
from kit.grading.authoring.exercises import find, load_checks
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import assert_gradescope_schema, assert_scores_zero, failing, module_grader

EXERCISE = find("10").path
EXACT = "exact at the knots"
SIN = "sin, 17 knots: max error ≤ 0.02 on [−π, π]"
OTHER = "other functions and knot sets: the interpolant"
ECONOMY = "at most one hidden unit per knot (public knots)"
ECONOMY_UNSEEN = "at most one hidden unit per knot (other knot sets)"
ECONOMIES = {ECONOMY, ECONOMY_UNSEEN}
ALL = {EXACT, SIN, OTHER, *ECONOMIES}


def submission(body: str) -> str:
    """A file whose relu_interpolant sorts the knots into x, y, computes the segments' slopes and
    changes of slope, then runs ``body`` (which returns the weights)."""
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return ("import numpy as np\n\n\ndef relu_interpolant(knots_x, knots_y):\n"
            "    order = np.argsort(knots_x)\n"
            "    x, y = np.asarray(knots_x, float)[order], np.asarray(knots_y, float)[order]\n"
            "    slopes = np.diff(y) / np.diff(x)\n"
            "    changes = np.diff(slopes, prepend=0.0)\n"
            f"{lines}\n")


REFERENCE = 'return {"W1": np.ones((1, len(changes))), "b1": -x[:-1], "W2": changes[:, None], "b2": y[:1]}'

# Each typical mistake, exactly the checks it must lose, and a word its feedback must contain.
MISTAKES = {
    # Kinks at the right end of each segment: the first segment stays flat, every bend lands one knot late.
    "kinks_one_knot_off": (submission(REFERENCE.replace('-x[:-1]', '-x[1:]')), ALL, "one knot too late"),
    # W2 = the slopes instead of the changes of slope: the earlier units stay active and add up.
    "slopes_not_changes": (submission(REFERENCE.replace('changes[:, None]', 'slopes[:, None]')), ALL, "change"),
    # Units only at the interior knots: nothing gives the first segment its slope.
    "first_slope_missing": (submission('return {"W1": np.ones((1, len(changes) - 1)), "b1": -x[1:-1], '
                                       '"W2": changes[1:, None], "b2": y[:1]}'), ALL, "first segment's slope"),
    # No offset: right on sin (whose first knot is sin(−π) ≈ 0), wrong on every set that starts elsewhere.
    "offset_missing": (submission(REFERENCE.replace('y[:1]', 'np.zeros(1)')), {EXACT, OTHER, *ECONOMIES}, "b2"),
    # Takes the knots in the order given: right on the sorted sets only (the visible check has one that is not).
    "assumes_sorted": (submission("x, y = np.asarray(knots_x, float), np.asarray(knots_y, float)\n"
                                  "slopes = np.diff(y) / np.diff(x)\nchanges = np.diff(slopes, prepend=0.0)\n"
                                  + REFERENCE), {EXACT, OTHER, *ECONOMIES}, "not given in increasing order"),
    # Two ReLUs per segment (a ramp s_k·(relu(x − x_k) − relu(x − x_{k+1})) each): the interpolant, but with
    # 2(n − 1) units, more than the one per knot this exercise allows.
    "two_relus_per_segment": (submission(
        'starts, ends = -x[:-1], -x[1:]\n'
        'return {"W1": np.ones((1, 2 * len(slopes))), "b1": np.concatenate([starts, ends]),\n'
        '        "W2": np.concatenate([slopes, -slopes])[:, None], "b2": y[:1]}'), ECONOMIES, "at most one per knot"),
    # Spare units that add nothing (W2 = 0): the interpolant with n + 3 units.
    "spare_units": (submission('extra = len(x) + 3 - len(changes)\n'
                               'return {"W1": np.ones((1, len(x) + 3)), "b1": np.concatenate([-x[:-1], np.zeros(extra)]),\n'
                               '        "W2": np.concatenate([changes, np.zeros(extra)])[:, None], "b2": y[:1]}'),
                    ECONOMIES, "at most one per knot"),
    "w1_transposed": (submission(REFERENCE.replace('np.ones((1, len(changes)))', 'np.ones((len(changes), 1))')),
                      ALL, "transposed"),
}

TRIVIAL = {
    "zeros": submission('return {"W1": np.zeros((1, 1)), "b1": np.zeros(1), "W2": np.zeros((1, 1)), "b2": np.zeros(1)}'),
    # f(x) = relu(x) − relu(−x) = x.
    "identity": submission('return {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros(2), "W2": np.array([[1.0], [-1.0]]), '
                           '"b2": np.zeros(1)}'),
    "the_mean": submission('return {"W1": np.zeros((1, 1)), "b1": np.zeros(1), "W2": np.zeros((1, 1)), '
                           '"b2": np.array([y.mean()])}'),
}

# Two other correct constructions, written differently from the reference.
ALTERNATIVES = {
    # Mirrored, from the right end, with a unit at every knot (the first one bends by 0): h = n.
    # relu(x_k − x) is active left of x_k; going left, each adds the change of slope at its knot.
    "mirrored_unit_per_knot": '''
def relu_interpolant(knots_x, knots_y):
    pairs = sorted(zip(map(float, knots_x), map(float, knots_y)))
    xs = [p[0] for p in pairs]
    ys = [p[1] for p in pairs]
    slope = [(ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k]) for k in range(len(xs) - 1)]
    weights = [0.0] + [slope[k] - slope[k - 1] for k in range(1, len(slope))] + [-slope[-1]]
    return {"W1": [[-1.0] * len(xs)], "b1": xs, "W2": [[w] for w in weights], "b2": [ys[-1]]}
''',
    # The kinks at the first n − 1 knots (scaled by 2), output weights and bias from a linear solve at the knots.
    "solved": '''
import numpy as np


def relu_interpolant(knots_x, knots_y):
    x = np.sort(np.asarray(knots_x, dtype=np.float64))
    y = np.asarray(knots_y, dtype=np.float64)[np.argsort(knots_x)]
    W1, b1 = np.full((1, len(x) - 1), 2.0), -2.0 * x[:-1]
    hidden = np.maximum(x[:, None] @ W1 + b1, 0.0)
    solution = np.linalg.solve(np.hstack([hidden, np.ones((len(x), 1))]), y)
    return {"W1": W1, "b1": b1, "W2": solution[:-1, None], "b2": solution[-1:]}
''',
}


@pytest.fixture(scope="module")
def graded(zygote, tmp_path_factory):
    """grade(name, source) → GradeResult, each submission graded once per module."""
    return module_grader("10", zygote, tmp_path_factory.mktemp("ex10"), TEST_LIMITS)


def test_solution_scores_full_marks(graded):
    result = graded("solution", path=EXERCISE / "solution.py")
    assert result.max_score == 100 and {c.name for c in result.checks} == ALL
    assert result.score == 100, failing(result)


def test_untouched_starter_scores_zero_with_todo_feedback(graded):
    result = graded("starter", path=EXERCISE / "starter.py")
    assert result.score == 0
    assert all("NotImplementedError" in c.message for c in result.checks)


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_typical_mistake_loses_only_its_checks(mistake, graded):
    source, lost, word = MISTAKES[mistake]
    result = graded(mistake, source)
    assert set(failing(result)) == lost, failing(result)
    assert result.score == 100 - sum(c.max_score for c in result.checks if c.name in lost)
    assert all(word in message for name, message in failing(result).items()
               if name not in ECONOMIES or lost == ECONOMIES), failing(result)


@pytest.mark.parametrize("answer", sorted(TRIVIAL))
def test_trivial_answers_score_zero(answer, graded):
    result = graded(answer, TRIVIAL[answer])
    assert_scores_zero(result)


@pytest.mark.parametrize("alternative", sorted(ALTERNATIVES))
def test_alternative_solutions_score_full_marks(alternative, graded):
    result = graded(alternative, ALTERNATIVES[alternative])
    assert result.score == 100, failing(result)


def test_hidden_checks_name_no_hidden_knot(graded):
    checks = load_checks("10")[0].function.__globals__
    for mistake in ("assumes_sorted", "kinks_one_knot_off", "offset_missing"):
        message = failing(graded(mistake, MISTAKES[mistake][0]))[OTHER]
        knots = [value for x, y in checks["HIDDEN"].values() for value in (*x, *y)]
        assert "x =" not in message, message
        assert not any(f"{value:.4g}" in message for value in knots if abs(value) > 0.01 and value != round(value)), \
            message


def test_public_messages_point_at_the_knot(graded):
    message = failing(graded("slopes_not_changes", MISTAKES["slopes_not_changes"][0]))[EXACT]
    assert "the README's 5 knots" in message or "17 knots of sin" in message, message


def test_gradescope_results_follow_the_documented_schema(graded):
    data = report.gradescope(graded("offset_missing", MISTAKES["offset_missing"][0]))
    assert_gradescope_schema(data)
    assert any(t["visibility"] == "hidden" for t in data["tests"]) and data["score"] == 30
