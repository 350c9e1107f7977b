"""Exercise 12: the solution earns everything, the starter nothing, typical mistakes what we intend.

Each submission is graded once per module (``graded``). Those with a valid structure train 3
runs in the parent (the public split, 2 hidden ones: ~0.3 s each once compiled, one compilation
per architecture and optimizer); the structural mistakes are refused before any training.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from kit.grading.runners import report
from kit.grading.authoring.exercises import find, load_checks
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import assert_gradescope_schema, assert_loses_only, assert_scores_zero, failing, module_grader, spy_zygote

EXERCISE = find("12").path
STRUCTURE = "model: 10 softmax outputs (a distribution), within the limits, and it learns"
PUBLIC = "digits, public split: test accuracy ≥ 0.95"
HIDDEN = "digits, other splits: test accuracy ≥ 0.95 on each"
ALL = {STRUCTURE, PUBLIC, HIDDEN}
# The child builds a Keras model (≈ 0.3 s alone, seconds on a loaded 2-core machine).
LIMITS = dataclasses.replace(TEST_LIMITS, timeout=15)


def submission(hidden=(64,), activation="relu", output="Dense(n_classes, activation='softmax')", recipe=None,
               inputs="n_inputs") -> str:
    """A file with both functions; each argument changes one thing of the reference."""
    recipe = recipe or {"optimizer": "adam", "learning_rate": 0.003, "epochs": 60, "batch_size": 32}
    layers = "".join(f"        keras.layers.Dense({w}, activation={activation!r}),\n" for w in hidden)
    return (f"import keras\n\n\ndef build_model(n_inputs=64, n_classes=10):\n    return keras.Sequential([\n"
            f"        keras.Input(shape=({inputs},)),\n{layers}        keras.layers.{output},\n    ])\n\n\n"
            f"def recipe():\n    return {recipe!r}\n")


def _recipe(optimizer="adam", learning_rate=0.003, epochs=60, batch_size=32):
    return {"optimizer": optimizer, "learning_rate": learning_rate, "epochs": epochs, "batch_size": batch_size}


# Each typical mistake, exactly the checks it must lose, and a word of the feedback on each.
# Accuracies (public split; hidden splits) measured with the grader's own training.
MISTAKES = {
    # One-vs-all sigmoids: ten scores that need not sum to 1. Refused before any training.
    "sigmoid_output": (submission(output="Dense(n_classes, activation='sigmoid')"), ALL, "one-vs-all"),
    # One output unit (a softmax over one unit is always 1), or the logits without an activation.
    "one_output": (submission(output="Dense(1, activation='softmax')"), ALL, "one per digit"),
    "no_output_activation": (submission(output="Dense(n_classes)"), ALL, "logits"),
    "softmax_layer_apart": (submission(output="Dense(n_classes), keras.layers.Softmax()"), ALL,
                            'Dense(n_classes, activation="softmax")'),
    "input_size_ignored": (submission(inputs="32"), ALL, "keras.Input(shape=(n_inputs,))"),
    "too_wide": (submission(hidden=(512,)), ALL, "at most 256 units"),
    "over_the_step_budget": (submission(recipe=_recipe(epochs=100, batch_size=1)), ALL, "the budget is 100000"),
    # Adam 0.003 stopped after 3 epochs (129 steps): 0.911 public, 0.922 and 0.931 hidden. It learns
    # (structure points) but reaches 0.95 nowhere.
    "too_few_epochs": (submission(recipe=_recipe(epochs=3)), {PUBLIC, HIDDEN}, "train for more epochs"),
    # SGD at 0.001 for 20 epochs: 0.493 public; hardly learns, so nothing counts.
    "learning_rate_too_low": (submission(recipe=_recipe("sgd", 0.001, 20)), ALL, "is low for sgd"),
}

TRIVIAL = {
    # A softmax model that is never really trained (one epoch at 1e-6): chance.
    "untrained": submission(recipe=_recipe("sgd", 1e-6, 1)),
    "returns_none": "def build_model(n_inputs=64, n_classes=10):\n    return None\n\n\n"
                    "def recipe():\n    return {'optimizer': 'adam', 'learning_rate': 0.003, 'epochs': 60, 'batch_size': 32}\n",
}

# Another architecture and recipe: a sigmoid hidden layer, written with the functional API and
# keyword arguments, Adam 0.01 for 50 epochs. Measured: 0.976 public; 0.982 and 0.976 hidden
# ([0.967, 0.976] over 14 splits).
ALTERNATIVE = '''
import keras


def build_model(n_inputs=64, n_classes=10):
    pixels = keras.Input(shape=(n_inputs,))
    hidden = keras.layers.Dense(units=64, activation="sigmoid")(pixels)
    return keras.Model(pixels, keras.layers.Dense(units=n_classes, activation="softmax")(hidden))


def recipe():
    return dict(optimizer="adam", learning_rate=0.01, epochs=50, batch_size=32)
'''


@pytest.fixture(scope="module")
def spy(zygote):
    return spy_zygote(zygote)


@pytest.fixture(scope="module")
def graded(spy, tmp_path_factory):
    """grade(name, source) → GradeResult, each submission graded once per module (through the spy)."""
    return module_grader("12", spy, tmp_path_factory.mktemp("ex12"), LIMITS)


@pytest.mark.slow
def test_solution_scores_full_marks_and_the_child_never_sees_data(graded, spy):
    spy.sent.clear()
    result = graded("solution", path=EXERCISE / "solution.py")
    assert result.max_score == 100 and {c.name for c in result.checks} == ALL
    assert result.score == 100, failing(result)
    # Training happens in the parent: the child is asked for build_model(64, 10) and recipe() once
    # each, and receives no array at all (no image, public or hidden).
    asked = sorted(arguments.get("function", "") for driver, arguments in spy.sent if driver != "names")
    assert asked == ["build_model", "recipe"], spy.sent
    assert "ndarray" not in repr(spy.sent) and "array(" not in repr(spy.sent)


@pytest.mark.slow
def test_untouched_starter_scores_zero_with_todo_feedback(graded):
    result = graded("starter", path=EXERCISE / "starter.py")
    assert result.score == 0
    assert all("NotImplementedError" in c.message for c in result.checks)


@pytest.mark.slow
@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_typical_mistake_loses_only_its_checks(mistake, graded):
    source, lost, word = MISTAKES[mistake]
    result = graded(mistake, source)
    assert_loses_only(result, lost, word)


@pytest.mark.slow
@pytest.mark.parametrize("answer", sorted(TRIVIAL))
def test_trivial_answers_score_zero(answer, graded):
    result = graded(answer, TRIVIAL[answer])
    assert_scores_zero(result)


@pytest.mark.slow
def test_alternative_solution_scores_full_marks(graded):
    result = graded("alternative", ALTERNATIVE)
    assert result.score == 100, failing(result)


@pytest.mark.slow
def test_hidden_check_names_no_split_seed(graded):
    seeds = load_checks("12")[0].function.__globals__["HIDDEN_SEEDS"]
    message = failing(graded("too_few_epochs", MISTAKES["too_few_epochs"][0]))[HIDDEN]
    assert not any(re.search(rf"(?<![\d.]){seed}(?![\d.])", message) for seed in seeds), message
    assert "seed" not in message, message


@pytest.mark.slow
def test_gradescope_results_follow_the_documented_schema(graded):
    data = report.gradescope(graded("too_few_epochs", MISTAKES["too_few_epochs"][0]))
    assert_gradescope_schema(data)
    assert any(t["visibility"] == "hidden" for t in data["tests"]) and data["score"] == 20


def test_hidden_splits_differ_from_the_public_one():
    checks = load_checks("12")[0].function.__globals__
    assert checks["PUBLIC_SEED"] not in checks["HIDDEN_SEEDS"] and len(set(checks["HIDDEN_SEEDS"])) == 2
