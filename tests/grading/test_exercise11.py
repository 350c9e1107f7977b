"""Exercise 11: the solution earns everything, the starter nothing, typical mistakes what we intend.

Each submission is graded once per module (``graded``). The model checks run in the child
(``keras_round_trip``: build, fit, save, load), so each fitting submission pays two fits of
~2-4 s there; the submissions that fail the values check are refused before any fit.
"""

from __future__ import annotations

import dataclasses

import pytest

from kit.grading.runners import report
from kit.grading.authoring.exercises import find
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import assert_gradescope_schema, assert_loses_only, assert_scores_zero, failing, module_grader, spy_zygote

EXERCISE = find("11").path
VALUES = "quadratic: values"
ROUND_TRIP = "model: uses quadratic; save → load reproduces its predictions"
PUBLIC = "fit, public data: MSE ≤ 0.001·Var(y)"
HIDDEN = "fit, other data: MSE ≤ 0.001·Var(y)"
ALL = {VALUES, ROUND_TRIP, PUBLIC, HIDDEN}
MODEL = {ROUND_TRIP, PUBLIC, HIDDEN}
# The grader's own per-call limit: a fit in the child takes 3.6-4.0 s on the shared machine.
LIMITS = dataclasses.replace(TEST_LIMITS, timeout=10)

REGISTER = '@keras.saving.register_keras_serializable(package="course")\n'


def submission(register=REGISTER, body="keras.ops.square(x)", activation="quadratic", epochs=30) -> str:
    """The reference with one thing changed: the decorator, quadratic's body, the hidden
    layer's activation (an expression) or the number of epochs."""
    return (f"import keras\n\n\n{register}def quadratic(x):\n    return {body}\n\n\n"
            f"def build_model():\n    return keras.Sequential([keras.Input(shape=(1,)),\n"
            f"        keras.layers.Dense(4, activation={activation}), keras.layers.Dense(1)])\n\n\n"
            f"def fit(model, x, y):\n    model.compile(optimizer=keras.optimizers.Adam(0.05), loss='mse')\n"
            f"    model.fit(x, y, epochs={epochs}, batch_size=16, verbose=0)\n    return model\n")


# Each typical mistake, exactly the checks it must lose, and a word of the feedback on each.
MISTAKES = {
    # x·|x| is odd and negative for x < 0; every model check needs quadratic's values, since with
    # biases shifted x·|x| units can approach a parabola (checks.py's docstring).
    "x_abs_x": (submission(body="x * keras.ops.abs(x)"), ALL, "x·|x|"),
    "derivative": (submission(body="2 * x"), ALL, "derivative"),
    # Unregistered: the model works and fits, but load_model cannot find 'quadratic'.
    "not_registered": (submission(register=""), {ROUND_TRIP}, "register_keras_serializable"),
    # quadratic is right, but the model uses relu: it may fit about as well, and earns nothing.
    "relu_instead": (submission(activation="'relu'"), MODEL, "relu"),
    # 3 epochs of the reference fit: MSE/Var(y) 1.6e-2 public, 4.8e-2 hidden (seed 0).
    "too_few_epochs": (submission(epochs=3), {PUBLIC, HIDDEN}, "train longer"),
    # A correct quadratic and a model without a hidden layer (a line): only the values count.
    "no_hidden_layer": ("import keras\n\n\n" + REGISTER + "def quadratic(x):\n    return x * x\n\n\n"
                        "def build_model():\n    return keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])"
                        "\n\n\ndef fit(model, x, y):\n    model.compile(optimizer='adam', loss='mse')\n"
                        "    model.fit(x, y, epochs=30, verbose=0)\n    return model\n", MODEL, "uses your quadratic"),
}

TRIVIAL = {
    "identity": submission(body="x", activation="quadratic"),
    "zeros": submission(body="keras.ops.zeros_like(x)"),
    "nothing": "def quadratic(x):\n    return None\n\n\ndef build_model():\n    return None\n\n\n"
               "def fit(model, x, y):\n    return model\n",
}

# Written differently: x * x registered under another package and name, the functional API,
# 3 units, SGD with momentum (MSE/Var(y) ≤ 6e-13 over seeds 0-2, public and hidden, measured).
ALTERNATIVE = '''
import keras


@keras.saving.register_keras_serializable(package="mine", name="square")
def quadratic(x):
    return x * x


def build_model():
    inputs = keras.Input(shape=(1,))
    hidden = keras.layers.Dense(3, activation=quadratic, name="squares")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden))


def fit(model, x, y):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), loss="mean_squared_error")
    model.fit(x, y, epochs=40, batch_size=32, verbose=0, shuffle=True)
    return model
'''


@pytest.fixture(scope="module")
def spy(zygote):
    return spy_zygote(zygote)


@pytest.fixture(scope="module")
def graded(spy, tmp_path_factory):
    """grade(name, source) → GradeResult, each submission graded once per module (through the spy)."""
    return module_grader("11", spy, tmp_path_factory.mktemp("ex11"), LIMITS)


@pytest.mark.slow
def test_solution_scores_full_marks(graded, spy):
    spy.sent.clear()
    result = graded("solution", path=EXERCISE / "solution.py")
    assert result.max_score == 100 and {c.name for c in result.checks} == ALL
    assert result.score == 100, failing(result)
    trips = [arguments for driver, arguments in spy.sent if driver == "keras_round_trip"]
    # One build-only round trip, then one fit per data set; the fits carry their training data.
    assert [arguments.get("fit") for arguments in trips] == [None, "fit", "fit"]


@pytest.mark.slow
def test_untouched_starter_scores_zero_with_todo_feedback(graded):
    result = graded("starter", path=EXERCISE / "starter.py")
    assert result.score == 0
    assert all("NotImplementedError" in c.message for c in result.checks), failing(result)


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
def test_hidden_check_names_no_data(graded):
    message = failing(graded("too_few_epochs", MISTAKES["too_few_epochs"][0]))[HIDDEN]
    assert "unseen a·x² + c data" in message
    assert "-0.8" not in message and "2.3" not in message and "seed" not in message, message


@pytest.mark.slow
def test_gradescope_results_follow_the_documented_schema(graded):
    data = report.gradescope(graded("not_registered", MISTAKES["not_registered"][0]))
    assert_gradescope_schema(data)
    assert any(t["visibility"] == "hidden" for t in data["tests"]) and data["score"] == 75
