"""Exercise 03: the reference and an alternative earn everything; the starter, a trivial answer and
typical mistakes score what we intend, with feedback that names the mistake.

Every submission is graded once per module (the ``graded`` fixture), and the tests assert on
that result. Training happens in the parent, so each trained submission costs its runs (9 short
ones) plus one compilation per architecture and optimizer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kit.grading.runners import report
from kit.grading.authoring.exercises import find
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import assert_gradescope_schema, failing, module_grader, network

EXERCISE = find("03").path
ROOT = Path(__file__).resolve().parents[2]
STRUCTURE = "sigmoid hidden layers within the Playground's limits"
PUBLIC = "learns the circle (public seeds 0, 1, 2)"
UNSEEN = "learns the circle on unseen data and seeds"
NOISY = "learns a noisier circle"
ALL = {STRUCTURE, PUBLIC, UNSEEN, NOISY}
REFERENCE_RECIPE = {"optimizer": "adam", "learning_rate": 0.03, "epochs": 150, "batch_size": 10}


# Written differently from the reference (one layer of 4, functional API, adam 0.03 × 150): a
# Sequential model of 6 units trained with plain SGD at a large step (1.0 × 200 epochs), which
# sigmoid units need (their slope is at most 0.25).
ALTERNATIVE = '''import keras
from keras import layers


def build_model(n_inputs):
    return keras.Sequential([keras.Input((n_inputs,)), layers.Dense(6, activation="sigmoid"),
                             layers.Dense(1, activation="tanh")])


def recipe():
    return dict(optimizer="sgd", learning_rate=1.0, epochs=200, batch_size=10)
'''

# Each typical mistake: its source, and a phrase every check's feedback must contain (all four
# checks fail: structure counts only with a network that learns, and a network that is not the
# one asked for is not trained).
MISTAKES = {
    "second_layer_linear": (network([4, 4], ["sigmoid", None], REFERENCE_RECIPE),
                            "hidden layer 2 uses linear; exercise 03 asks for sigmoid"),
    "relu_not_sigmoid": (network([4], ["relu"], REFERENCE_RECIPE), "hidden layer 1 uses relu"),
    "too_few_steps": (network([4], ["sigmoid"], {"optimizer": "sgd", "learning_rate": 0.03, "epochs": 50,
                                                 "batch_size": 10}), "underfits"),
    "two_units": (network([2], ["sigmoid"], REFERENCE_RECIPE), "a closed boundary needs at least 3 sigmoid units"),
    "over_budget": (network([4], ["sigmoid"], {"optimizer": "sgd", "learning_rate": 0.03, "epochs": 500,
                                               "batch_size": 1}), "the budget is 100000"),  # 125,000 steps
    "seven_layers": (network([4] * 7, ["sigmoid"] * 7, REFERENCE_RECIPE), "at most 6"),
    "sixteen_units": (network([16], ["sigmoid"], REFERENCE_RECIPE), "at most 8 units"),
}
TRAINED = {"too_few_steps", "two_units"}  # the others are refused before any training

TRIVIAL = {
    "no_hidden_layer": (network([], [], REFERENCE_RECIPE), "at least 1 hidden layer"),
    "no_model": ("def build_model(n_inputs):\n    return None\n\n\ndef recipe():\n    return {}\n",
                 "expected a keras.Model"),
}


@pytest.fixture(scope="module")
def graded(zygote, tmp_path_factory):
    """grade(name, source or path): each submission graded once for the whole module."""
    return module_grader("03", zygote, tmp_path_factory.mktemp("exercise03"), TEST_LIMITS)


@pytest.mark.slow
def test_solution_scores_full_marks(graded):
    result = graded("solution", path=EXERCISE / "solution.py")
    assert result.max_score == 100
    assert result.score == 100, failing(result)


@pytest.mark.slow
def test_alternative_solution_scores_full_marks(graded):
    result = graded("alternative", ALTERNATIVE)
    assert result.score == 100, failing(result)


def test_untouched_starter_scores_zero_with_todo_feedback(graded):
    result = graded("starter", path=EXERCISE / "starter.py")
    assert result.score == 0
    assert all("NotImplementedError" in c.message for c in result.checks), failing(result)


@pytest.mark.parametrize("answer", sorted(TRIVIAL))
def test_trivial_answers_score_zero(answer, graded):
    source, phrase = TRIVIAL[answer]
    result = graded(answer, source)
    assert result.score == 0
    assert all(phrase in message for message in failing(result).values()) and len(failing(result)) == 4


@pytest.mark.parametrize("mistake", [pytest.param(name, marks=pytest.mark.slow) if name in TRAINED else name
                                     for name in sorted(MISTAKES)])
def test_typical_mistake_scores_zero_and_names_the_mistake(mistake, graded):
    source, phrase = MISTAKES[mistake]
    result = graded(mistake, source)
    failed = failing(result)
    assert set(failed) == ALL and result.score == 0, failed
    assert all(phrase in message for message in failed.values()), failed
    # The terminal table wraps the message and cuts nothing: every word of it is shown.
    table = " ".join(report.text(result).split())
    assert all(" ".join(c.message.split()) in table for c in result.checks), failed


@pytest.mark.slow
def test_feedback_lists_public_runs_but_not_hidden_ones(graded):
    failed = failing(graded("too_few_steps", MISTAKES["too_few_steps"][0]))
    assert "Test loss per run" in failed[PUBLIC]
    assert "Test loss per run" not in failed[UNSEEN] and "Test loss per run" not in failed[NOISY]
    assert "noise 15" not in " ".join(failed.values())  # the hidden noise level is never shown


@pytest.mark.slow
def test_gradescope_report_follows_the_schema(graded):
    data = report.gradescope(graded("solution", path=EXERCISE / "solution.py"))
    assert_gradescope_schema(data)
    assert data["score"] == 100 and {t["visibility"] for t in data["tests"]} == {"visible", "hidden"}
