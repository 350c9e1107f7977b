"""Exercise 06: the reference and an alternative earn everything; the starter, a trivial answer and
typical mistakes score what we intend, with feedback that names the mistake.

Every submission is graded once per module (the ``graded`` fixture), and the tests assert on
that result. Training happens in the parent: each trained submission costs its 10 runs (5000
steps each for the recipes here) plus one compilation per architecture and optimizer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kit.grading.runners import report
from kit.grading.authoring.exercises import find
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import assert_gradescope_schema, failing, module_grader, network

EXERCISE = find("06").path
ROOT = Path(__file__).resolve().parents[2]
STRUCTURE = "ReLU hidden layers within the Playground's limits"
PUBLIC = "reaches test loss ≤ 0.177 in 4 of 5 runs (public seeds 0-4)"
UNSEEN = "reaches test loss ≤ 0.177 in 4 of 5 runs on unseen data and seeds"
BONUS = "bonus: at most 8 hidden neurons, reaching the target on the public runs"
BONUS_UNSEEN = "bonus: at most 8 hidden neurons, reaching the target on unseen data and seeds"
ALL = {STRUCTURE, PUBLIC, UNSEEN, BONUS, BONUS_UNSEEN}
RECIPE = {"optimizer": "adam", "learning_rate": 0.01, "epochs": 200, "batch_size": 10}  # the reference's

# Written differently from the reference (one layer of 6, functional API, adam 0.01 × 200): a
# Sequential model of 8 units, trained with plain SGD at 0.1 for 200 epochs.
ALTERNATIVE = '''import keras


def build_model(n_inputs):
    model = keras.Sequential()
    model.add(keras.Input(shape=(n_inputs,)))
    model.add(keras.layers.Dense(8, activation="relu"))
    model.add(keras.layers.Dense(1, activation="tanh"))
    return model


def recipe():
    return {"optimizer": "sgd", "learning_rate": 0.1, "epochs": 200, "batch_size": 10}
'''

# Each typical mistake: its source, the checks it loses, and a phrase the feedback of every lost
# visible check must contain (of every lost check when only hidden ones are lost).
MISTAKES = {
    "two_units": (network([2], ["relu"], RECIPE), ALL,
                  "2 hidden ReLU units: two half-planes cannot separate XOR's four quadrants"),
    "sigmoid_not_relu": (network([6], ["sigmoid"], RECIPE), ALL,
                         "hidden layer 1 uses sigmoid; exercise 06 asks for relu"),
    "three_units": (network([3], ["relu"], RECIPE), ALL, "Not every run converges"),
    "over_budget": (network([6], ["relu"], {"optimizer": "sgd", "learning_rate": 0.03, "epochs": 1000,
                                           "batch_size": 1}), ALL, "the budget is 100000"),  # 250,000 steps
    "sixteen_neurons": (network([8, 8], ["relu", "relu"], RECIPE), {BONUS, BONUS_UNSEEN}, "16 hidden neurons"),
}
TRAINED = {"two_units", "three_units", "sixteen_neurons"}  # the others are refused before any training

TRIVIAL = {
    "no_hidden_layer": (network([], [], RECIPE), "at least 1 hidden layer"),
}


@pytest.fixture(scope="module")
def graded(zygote, tmp_path_factory):
    """grade(name, source or path): each submission graded once for the whole module."""
    return module_grader("06", zygote, tmp_path_factory.mktemp("exercise06"), TEST_LIMITS)


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
    assert all(phrase in message for message in failing(result).values()) and len(failing(result)) == 5


@pytest.mark.parametrize("mistake", [pytest.param(name, marks=pytest.mark.slow) if name in TRAINED else name
                                     for name in sorted(MISTAKES)])
def test_typical_mistake_loses_its_checks_and_names_the_mistake(mistake, graded):
    source, lost, phrase = MISTAKES[mistake]
    result = graded(mistake, source)
    failed = failing(result)
    assert set(failed) == lost, failed
    assert result.score == 100 - sum(c.max_score for c in result.checks if c.name in lost)
    named = [failed[c.name] for c in result.checks if c.name in lost and c.visibility == "visible"] or \
        list(failed.values())
    assert all(phrase in message for message in named), failed
    # The terminal table wraps the message and cuts nothing: every word of it is shown.
    table = " ".join(report.text(result).split())
    assert all(" ".join(c.message.split()) in table for c in result.checks), failed


@pytest.mark.slow
def test_three_units_feedback_shows_public_runs_only(graded):
    failed = failing(graded("three_units", MISTAKES["three_units"][0]))
    assert "Test loss per run" in failed[PUBLIC] and "Test loss per run" not in failed[UNSEEN]
    assert "seed 15" not in " ".join(failed.values())  # the hidden data seed is never shown


@pytest.mark.slow
def test_gradescope_report_follows_the_schema(graded):
    data = report.gradescope(graded("sixteen_neurons", MISTAKES["sixteen_neurons"][0]))
    assert_gradescope_schema(data)
    assert data["score"] == 90 and {t["visibility"] for t in data["tests"]} == {"visible", "hidden"}
