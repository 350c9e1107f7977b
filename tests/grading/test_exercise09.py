"""Exercise 09: the solution earns everything, the starter nothing, typical mistakes what we intend.

Each submission is graded once per module (``graded``). ``dead_fraction`` runs in the child on
networks the parent plants (one sandboxed call per visibility); ``revive()`` is trained in the
parent, 6 runs per setting in one ``train_many`` call; the runs (and the baseline's, for the
one-cause-at-a-time feedback) are cached in the checks module, so each setting trains once.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from kit.grading.runners import report
from kit.grading.authoring.exercises import find, load_checks
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import assert_gradescope_schema, assert_loses_only, assert_scores_zero, failing, module_grader, spy_zygote

EXERCISE = find("09").path
PLANTED = "dead_fraction: a planted ReLU network"
MIXED = "dead_fraction: mixed activations, ReLU layers only"
OTHER = "dead_fraction: other networks and inputs"
PUBLIC = "revive, public runs: ≤ 10% dead units and accuracy ≥ 0.9 on each"
HIDDEN = "revive, other runs: ≤ 10% dead units and accuracy ≥ 0.9 on each"
DEAD = {PLANTED, MIXED, OTHER}
REVIVE = {PUBLIC, HIDDEN}
ALL = DEAD | REVIVE
LIMITS = dataclasses.replace(TEST_LIMITS, timeout=15)  # the child rebuilds small Keras models (≈1 s)

REFERENCE_COUNT = '''
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    fractions = {}
    h = np.asarray(x, dtype=np.float32)
    for layer in dense[:-1]:
        h = np.asarray(layer(h))
        if layer.activation is keras.activations.relu:
            fractions[layer.name] = COUNT
    return fractions
'''


def submission(count="float(np.mean(np.all(h == 0, axis=0)))", revive=None, body=None) -> str:
    """A file with both functions; ``count`` is the per-layer share, ``revive`` the settings."""
    revive = revive or {"activation": "leaky_relu", "kernel_initializer": "he", "learning_rate": 0.01}
    body = body or REFERENCE_COUNT.replace("COUNT", count)
    return (f"import keras\nimport numpy as np\n\n\ndef dead_fraction(model, x):{body}\n\n"
            f"def revive():\n    return {revive!r}\n")


PRE_ACTIVATION_EVERY_LAYER = '''
    fractions = {}
    h = np.asarray(x, dtype=np.float32)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for layer in dense[:-1]:
        z = h @ layer.kernel.numpy() + layer.bias.numpy()
        fractions[layer.name] = float(np.mean(np.all(z <= 0, axis=0)))
        h = np.asarray(layer.activation(z))
    return fractions
'''

STRICTLY_NEGATIVE = '''
    fractions = {}
    h = np.asarray(x, dtype=np.float32)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for layer in dense[:-1]:
        z = h @ layer.kernel.numpy() + layer.bias.numpy()
        h = np.asarray(layer.activation(z))
        if layer.activation is keras.activations.relu:
            fractions[layer.name] = float(np.mean(np.all(z < 0, axis=0)))
    return fractions
'''

WITH_OUTPUT = '''
    fractions = {}
    h = np.asarray(x, dtype=np.float32)
    for layer in model.layers[1:]:
        h = np.asarray(layer(h))
        if layer.activation is keras.activations.relu or layer.name == "output":
            fractions[layer.name] = float(np.mean(np.all(h == 0, axis=0)))
    return fractions
'''


def _revive(activation="leaky_relu", kernel_initializer="he", learning_rate=0.01):
    return {"activation": activation, "kernel_initializer": kernel_initializer, "learning_rate": learning_rate}


# Each typical mistake, exactly the checks it must lose, and a word of the feedback on each.
MISTAKES = {
    # Zero outputs counted per example (share of zero entries), not per unit.
    "per_example": (submission(count="float(np.mean(h == 0))"), DEAD, "per example"),
    # Units that are 0 on some row instead of every row.
    "any_row": (submission(count="float(np.mean(np.any(h == 0, axis=0)))"), DEAD, "every row"),
    # Pre-activation ≤ 0 on every hidden layer: leaky ReLU, tanh and ELU layers get entries.
    "inactive_on_every_layer": (submission(body=PRE_ACTIVATION_EVERY_LAYER), {MIXED}, "inactive, not dead"),
    # Pre-activation < 0: a unit stuck at exactly 0 is missed.
    "strictly_negative": (submission(body=STRICTLY_NEGATIVE), DEAD, "exactly 0"),
    "output_layer_counted": (submission(body=WITH_OUTPUT), DEAD, "'output'"),
    # Only the rate lowered, too little: Adam 0.05 still kills 20-40 % of the units.
    "rate_lowered_too_little": (submission(revive=_revive("relu", "playground", 0.05)), REVIVE,
                                "One cause at a time"),
    # Only the activation changed: nothing dies, but Adam 0.1 does not learn the circle.
    "leaky_at_the_high_rate": (submission(revive=_revive("leaky_relu", "playground", 0.1)), REVIVE,
                               "steps too large"),
    # Only He initialisation: units die as much as in the baseline.
    "he_alone": (submission(revive=_revive("relu", "he", 0.1)), REVIVE, "a lower rate is the fix that works alone"),
    "unknown_activation": (submission(revive=_revive("leaky")), REVIVE, "does not know"),
    "unknown_initializer": (submission(revive=_revive(kernel_initializer="kaiming")), REVIVE, "does not know"),
}

TRIVIAL = {
    # No unit is ever dead, and the baseline's settings handed back.
    "zeros_and_baseline": submission(count="0.0", revive=_revive("relu", "playground", 0.1)),
    "nothing": "def dead_fraction(model, x):\n    return {}\n\n\ndef revive():\n    return {}\n",
}

# Another way to count (one sub-model with every hidden output, the activation read from the
# layer's config) and other settings: ELU with Glorot's initialisation at Adam 0.003.
ALTERNATIVE = '''
import keras
import numpy as np


def dead_fraction(model, x):
    hidden = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)][:-1]
    probe = keras.Model(model.inputs, [layer.output for layer in hidden])
    outputs = [np.asarray(out) for out in probe(x, training=False)]
    return {layer.name: (np.abs(out).max(axis=0) == 0).sum() / layer.units
            for layer, out in zip(hidden, outputs) if layer.get_config()["activation"] == "relu"}


def revive():
    return dict(learning_rate=0.003, activation="elu", kernel_initializer="glorot")
'''


@pytest.fixture(scope="module")
def spy(zygote):
    return spy_zygote(zygote)


@pytest.fixture(scope="module")
def graded(spy, tmp_path_factory):
    """grade(name, source) → GradeResult, each submission graded once per module (through the spy)."""
    return module_grader("09", spy, tmp_path_factory.mktemp("ex09"), LIMITS)


@pytest.mark.slow
def test_solution_scores_full_marks(graded, spy):
    spy.sent.clear()
    result = graded("solution", path=EXERCISE / "solution.py")
    assert result.max_score == 100 and {c.name for c in result.checks} == ALL
    assert result.score == 100, failing(result)
    # Two dead_fraction calls (the visible networks, the hidden ones) and one revive(): no data
    # for revive reaches the child, it is trained in the parent.
    asked = sorted((driver, arguments.get("function")) for driver, arguments in spy.sent if driver != "names")
    assert asked == [("call", "revive"), ("call_on_models", "dead_fraction"), ("call_on_models", "dead_fraction")]


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
def test_revive_feedback_shows_each_cause_alone(graded):
    """Two changes at once (He and the rate, ReLU kept): the feedback lists the baseline and each
    change alone on the same runs, and says why ReLU stays at the 10 % line."""
    result = graded("he_and_rate", submission(revive=_revive("relu", "he", 0.01)))
    message = failing(result)[PUBLIC]
    assert "The baseline (relu, playground init, Adam 0.1)" in message
    assert "Only the kernel initializer changed (relu, he init, Adam 0.1)" in message
    assert "Only the learning rate changed (relu, playground init, Adam 0.01)" in message
    assert "cannot die" in message


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
def test_hidden_checks_name_no_seed_and_no_value(graded):
    checks = load_checks("09")[0].function.__globals__
    failed = failing(graded("per_example", MISTAKES["per_example"][0]))
    assert "got" not in failed[OTHER] and "expected 0" not in failed[OTHER], failed[OTHER]
    message = failing(graded("he_alone", MISTAKES["he_alone"][0]))[HIDDEN]
    assert not any(re.search(rf"(?<![\d.]){seed}(?![\d.])", message) for seed in checks["HIDDEN_SEEDS"]), message
    assert "seed" not in message, message


@pytest.mark.slow
def test_baseline_kills_at_least_forty_percent_on_every_run():
    """The contract's premise, on the grader's own runs: the baseline leaves ≥ 40 % of units dead."""
    checks = load_checks("09")[0].function.__globals__
    (results,) = checks["runs"]([checks["BASELINE"]], checks["PUBLIC_SEEDS"] + checks["HIDDEN_SEEDS"])
    assert all(dead >= 0.4 for dead, _ in results), results


@pytest.mark.slow
def test_gradescope_results_follow_the_documented_schema(graded):
    data = report.gradescope(graded("he_alone", MISTAKES["he_alone"][0]))
    assert_gradescope_schema(data)
    assert any(t["visibility"] == "hidden" for t in data["tests"]) and data["score"] == 50
