"""Every rule a README or starter states has a visible check, and every typical beginner mistake
a README names fails a visible check whose feedback is about the function at fault.

docs/grading.md ("Every stated rule has a visible check") holds the table, one row per rule or
mistake with the visible check that catches it; the tests below keep it true:
- every check the table names exists and is visible (``kit check`` runs it);
- every mistake row names a submission of ``MISTAKES`` and the other way round;
- each of those submissions (the solution with one textual change) fails its check in a
  visible-only grading (what ``kit check`` shows), and the message names the function (or the
  check's name does) and holds the hint word of the mistake.

Each mistake is graded once, with its one check only: a mistake in ``circle_features`` trains no
model of ``build_linear_model``. The session's zygote serves them all.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from kit.grading import Limits, grade_submission
from kit.grading.authoring.exercises import find, load_checks

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "grading.md"
SECTION = "### Every stated rule has a visible check"
# Keras builds and the training of the grader's runs need more than the corpus's 3 s and 64
# processes (as tests/grading/test_exercise01.py grants); each check caps the time of its calls.
LIMITS = Limits(timeout=60, memory_mb=2048, output_kb=256)


@dataclasses.dataclass(frozen=True)
class Mistake:
    """A typical mistake: ``solution.py`` with each ``old`` text (found exactly once) replaced by
    its ``new``; the visible ``check`` it fails; the ``function`` at fault, which the failing
    check's name or message names; and ``hint``, a phrase of the message that names the mistake."""

    exercise: str
    changes: tuple
    check: str
    function: str
    hint: str


def _mistakes() -> dict:
    def m(exercise, changes, check, function, hint):
        return Mistake(exercise, tuple(changes), check, function, hint)

    model01 = "build_linear_model: no hidden layer, one tanh unit, learns gauss"
    features01 = "circle_features: a linear model separates circle"
    build02 = "build_deep_linear: the asked widths, linear hidden layers, tanh output"
    xor02 = "deep linear network on xor: no better than a half-plane"
    collapse02 = "collapse: x·W + b equals the network (depths 1 to 5)"
    keras02 = "collapse of a trained Keras network"
    structure03 = "sigmoid hidden layers within the Playground's limits"
    public03 = "learns the circle (public seeds 0, 1, 2)"
    step05, relu05 = "step network: XOR truth table", "ReLU network: classifies Playground xor"
    structure06 = "ReLU hidden layers within the Playground's limits"
    public06 = "reaches test loss ≤ 0.177 in 4 of 5 runs (public seeds 0-4)"
    bonus06 = "bonus: at most 8 hidden neurons, reaching the target on the public runs"
    model07 = "model: ReLU hidden layers within the Playground's limits, and it learns"
    spiral07 = "spiral, noise 0: median test accuracy over 3 seeds ≥ 0.9"
    norms08 = "gradient_norms: sigmoid, tanh and ReLU networks"
    planted09, mixed09 = "dead_fraction: a planted ReLU network", "dead_fraction: mixed activations, ReLU layers only"
    revive09 = "revive, public runs: ≤ 10% dead units and accuracy ≥ 0.9 on each"
    exact10, units10 = "exact at the knots", "at most one hidden unit per knot (public knots)"
    values11, model11 = "quadratic: values", "model: uses quadratic; save → load reproduces its predictions"
    model12 = "model: 10 softmax outputs (a distribution), within the limits, and it learns"
    runs13 = "shoot-out: 12 runs, one per activation and data set, with their HParams"
    lesson13 = "conclusions: what fails everywhere, why, and what bounds it"
    recipe03 = '{"optimizer": "adam", "learning_rate": 0.03, "epochs": 150, "batch_size": 10}'
    return {
        "01/hidden_layer": m("01", [('keras.layers.Dense(1, activation="tanh")(features)',
                                     'keras.layers.Dense(1, activation="tanh")(keras.layers.Dense(4, activation="relu")'
                                     '(features))')], model01, "build_linear_model", "hidden layer"),
        "01/fixed_input_width": m("01", [("features = keras.Input(shape=(n_inputs,))", "features = keras.Input(shape=(2,))")], model01,
                                  "build_linear_model", "keras.Input(shape=(n_inputs,))"),
        "01/the_default_inputs": m("01", [('return ["x1_sq", "x2_sq"]', 'return ["x1", "x2"]')], features01,
                                   "circle_features", "square"),
        "02/relu_hidden": m("02", [('Dense(width, activation="linear")', 'Dense(width, activation="relu")')],
                            build02, "build_deep_linear", "uses relu"),
        "02/assumes_a_hidden_layer": m("02", [("    x = inputs\n    for width in hidden:",
                                               '    x = keras.layers.Dense(hidden[0], activation="linear")(inputs)\n'
                                               "    for width in hidden[1:]:")], build02, "build_deep_linear",
                                       "hidden may be empty"),
        "02/saturated_start": m("02", [(f'Dense({units}, activation="{act}")',
                                        f'Dense({units}, activation="{act}", '
                                        'kernel_initializer=keras.initializers.RandomNormal(stddev=1.0))')
                                       for units, act in (("width", "linear"), ("1", "tanh"))],
                                xor02, "build_deep_linear", "initial weights"),
        "02/bias_not_folded": m("02", [("b = b @ kernel + bias", "b = bias")], collapse02, "collapse",
                                "the last layer's bias only"),
        "02/float64_result": m("02", [("W, b = weights[0], weights[1]",
                                       "W, b = weights[0].astype(float), weights[1].astype(float)")], keras02,
                               "collapse", "float32"),
        "03/linear_hidden": m("03", [('activation="sigmoid")(inputs)', 'activation="linear")(inputs)')],
                              structure03, "build_model", "uses linear"),
        "03/sgd_at_the_playground_rate": m("03", [(recipe03, recipe03.replace('"adam"', '"sgd"').replace("150", "50"))],
                                           public03, "recipe", "learning rate"),
        "04/naive_sigmoid": m("04", [("    z = np.exp(-np.abs(x))  # in (0, 1]: no overflow for any x\n"
                                      "    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)",
                                      "    return (1 / (1 + np.exp(-x))).astype(x.dtype)")],
                              "sigmoid: stable for extreme inputs", "sigmoid", "e^−|x|"),
        "04/elu_where_overflows": m("04", [("np.expm1(np.minimum(x, 0))", "np.expm1(x)")],
                                    "elu: stable for extreme inputs", "elu", "np.expm1(np.minimum(x, 0))"),
        "04/relu_grad_one_at_zero": m("04", [("return (x > 0).astype(x.dtype)", "return (x >= 0).astype(x.dtype)")],
                                      "relu_grad(0) is 0", "relu_grad", "x > 0"),
        "04/float64_constant": m("04", [("    x = np.asarray(x)\n    z = np.exp", "    x = np.asarray(x, dtype=float)\n"
                                                                              "    z = np.exp")],
                                 "sigmoid: keeps shape and dtype", "sigmoid", "float64"),
        "05/threshold_at_the_sum": m("05", [('"b1": np.array([-0.5, 1.5])', '"b1": np.array([-1.0, 1.0])'),
                                            ('"b2": np.array([-1.5])', '"b2": np.array([-2.0])')], step05,
                                     "step", "H(0) = 0"),
        "05/two_half_planes": m("05", [("[-1.0]]),\n        \"b2\": np.array([-0.15])",
                                        "[0.0]]),\n        \"b2\": np.array([-0.15])")], relu05, "ReLU", "half-planes"),
        "05/labels_the_other_way_round": m("05", [("[[1.0],\n                        [1.0],\n                        [-1.0]]"
                                                   "),\n        \"b2\": np.array([-0.15])",
                                                   "[[-1.0],\n                        [-1.0],\n                        "
                                                   "[1.0]]),\n        \"b2\": np.array([0.15])")], relu05, "ReLU",
                                                  "Negate W2 and b2"),
        "06/sigmoid_hidden": m("06", [('Dense(6, activation="relu")', 'Dense(6, activation="sigmoid")')], structure06,
                               "build_model", "uses sigmoid"),
        "06/two_units": m("06", [('Dense(6, activation="relu")', 'Dense(2, activation="relu")')], public06,
                          "build_model", "two half-planes"),
        "06/three_units": m("06", [('Dense(6, activation="relu")', 'Dense(3, activation="relu")')], public06,
                            "build_model", "Not every run converges"),
        "06/more_than_eight_neurons": m("06", [('Dense(6, activation="relu")(inputs)',
                                                'Dense(6, activation="relu")(keras.layers.Dense(6, activation="relu")'
                                                '(inputs))')], bonus06, "build_model", "12 hidden neurons"),
        "07/over_the_step_budget": m("07", [('"epochs": 150, "batch_size": 10', '"epochs": 500, "batch_size": 1')],
                                     model07, "recipe", "100,000"),
        "07/learning_rate_too_high": m("07", [('"optimizer": "adam", "learning_rate": 0.01, "epochs": 150',
                                               '"optimizer": "sgd", "learning_rate": 10.0, "epochs": 20')], spiral07,
                                       "recipe", "learning rate of 10 is high"),
        "08/loss_without_the_half": m("08", [("tf.reduce_mean(0.5 * tf.square(", "tf.reduce_mean(1.0 * tf.square(")],
                                      norms08, "gradient_norms", "twice"),
        "08/sum_over_rows": m("08", [("tf.reduce_mean(0.5 * tf.square(", "tf.reduce_sum(0.5 * tf.square(")], norms08,
                              "gradient_norms", "n times"),
        "08/bias_gradients": m("08", [("[layer.kernel for layer in dense]", "[layer.bias for layer in dense]")],
                               norms08, "gradient_norms", "bias"),
        "08/norms_of_the_weights": m("08", [("float(tf.norm(gradient))", "float(tf.norm(layer.kernel))")], norms08,
                                     "gradient_norms", "kernels themselves"),
        "08/one_number_for_all_layers": m("08", [("float(tf.norm(gradient)) for layer, gradient",
                                                  "float(tf.linalg.global_norm(gradients)) for layer, gradient")],
                                          norms08, "gradient_norms", "same number"),
        "09/share_of_entries": m("09", [("float(np.mean(np.all(h == 0, axis=0)))", "float(np.mean(h == 0))")],
                                 planted09, "dead_fraction", "per example"),
        "09/inactive_counted_as_dead": m("09", [("        if layer.activation is keras.activations.relu:\n"
                                                 "            fractions[layer.name] = float(np.mean(np.all(h == 0, axis=0)))",
                                                 "        fractions[layer.name] = float(np.mean(np.all(h <= 0, axis=0)))")],
                                         mixed09, "dead_fraction", "inactive, not dead"),
        "09/he_initialisation_alone": m("09", [('{"activation": "leaky_relu", "kernel_initializer": "he", '
                                                '"learning_rate": 0.01}',
                                                '{"activation": "relu", "kernel_initializer": "he", '
                                                '"learning_rate": 0.1}')], revive09, "revive",
                                        "a lower rate is the fix that works alone"),
        "09/leaky_relu_at_the_high_rate": m("09", [('"kernel_initializer": "he", "learning_rate": 0.01}',
                                                    '"kernel_initializer": "playground", "learning_rate": 0.1}')],
                                            revive09, "revive", "steps too large"),
        "10/slopes_not_changes": m("10", [('"W2": changes.reshape(-1, 1)', '"W2": slopes.reshape(-1, 1)')], exact10,
                                   "relu_interpolant", "change"),
        "10/offset_missing": m("10", [('"b2": y[:1].copy()', '"b2": np.zeros(1)')], exact10, "relu_interpolant",
                               "b2"),
        "10/assumes_sorted_knots": m("10", [("order = np.argsort(knots_x)", "order = np.arange(len(knots_x))")],
                                     exact10, "relu_interpolant", "increasing order"),
        "10/spare_units": m("10", [('"W1": np.ones((1, len(changes)))', '"W1": np.ones((1, 2 * len(changes)))'),
                                   ('"b1": -x[:-1]', '"b1": np.concatenate([-x[:-1], -x[:-1]])'),
                                   ('"W2": changes.reshape(-1, 1)',
                                    '"W2": np.concatenate([changes, 0 * changes]).reshape(-1, 1)')],
                            units10, "relu_interpolant", "at most one per knot"),
        "11/the_derivative": m("11", [("return keras.ops.square(x)", "return 2 * x")], values11, "quadratic",
                               "derivative"),
        "11/not_registered": m("11", [('@keras.saving.register_keras_serializable(package="course")\n', "")], model11,
                               "quadratic", "register_keras_serializable"),
        "11/activation_named_by_a_string": m("11", [("layers.Dense(4, activation=quadratic)", 'layers.Dense(4, activation="quadratic")')],
                                             model11, "quadratic", "the function itself"),
        "11/quadratic_output": m("11", [("keras.layers.Dense(1),", "keras.layers.Dense(1, activation=quadratic),")],
                                 model11, "build_model", "linear"),
        "12/one_vs_all_sigmoids": m("12", [('layers.Dense(n_classes, activation="softmax")',
                                            'layers.Dense(n_classes, activation="sigmoid")')], model12, "build_model",
                                    "one-vs-all"),
        "12/softmax_layer_apart": m("12", [('keras.layers.Dense(n_classes, activation="softmax"),',
                                            "keras.layers.Dense(n_classes), keras.layers.Softmax(),")], model12,
                                    "build_model", 'Dense(n_classes, activation="softmax")'),
        "13/dataset_not_recorded": m("13", [("probe=data[name], every=epochs)",
                                            "probe=(data[name].x_test, data[name].y_test), every=epochs)")],
                                     runs13, "data set", "not recorded"),
        "13/more_epochs_would_help": m("13", [('"linear_limit": "half_plane", "spiral', '"linear_limit": "epochs", "spiral')], lesson13,
                                       "conclusions", "straight line"),
    }


MISTAKES = _mistakes()
# Mistakes whose check trains networks in the grader (a few seconds to half a minute each).
SLOW = {"01/the_default_inputs", "02/saturated_start", "03/sgd_at_the_playground_rate", "06/two_units", "06/three_units",
        "06/more_than_eight_neurons", "07/learning_rate_too_high", "09/he_initialisation_alone",
        "09/leaky_relu_at_the_high_rate",
        "13/dataset_not_recorded"}


def mistaken(mistake: Mistake) -> str:
    """``solution.py`` of the mistake's exercise with its changes made (each text found exactly once)."""
    source = (find(mistake.exercise).path / "solution.py").read_text(encoding="utf-8")
    for old, new in mistake.changes:
        assert source.count(old) == 1, f"{mistake.exercise}/solution.py holds {old!r} {source.count(old)} times"
        source = source.replace(old, new)
    return source


def table_rows() -> list[dict]:
    """The rows of docs/grading.md's table: exercise, what (rule or mistake), check names, mistake key."""
    text = TABLE.read_text(encoding="utf-8")
    assert SECTION in text, f"{TABLE} has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n#", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) != 4 or not re.fullmatch(r"\d\d", cells[0]):
            continue
        checks = re.findall(r"`([^`]+)`", cells[2])
        mistake = re.fullmatch(r"`([a-z0-9_]+)`|—", cells[3])
        assert checks and mistake, f"a row of the table does not read | NN | what | `check` | `mistake` or — |: {line}"
        rows.append({"exercise": cells[0], "what": cells[1], "checks": checks,
                     "mistake": f"{cells[0]}/{mistake.group(1)}" if mistake.group(1) else None})
    return rows


def test_the_table_covers_every_exercise_and_names_only_visible_checks():
    rows = table_rows()
    assert {row["exercise"] for row in rows} == {f"{n:02d}" for n in range(1, 14)}
    for exercise in sorted({row["exercise"] for row in rows}):
        visibility = {c.name: c.visibility for c in load_checks(exercise)}
        for row in (r for r in rows if r["exercise"] == exercise):
            for name in row["checks"]:
                assert name in visibility, f"{exercise}: the table names {name!r}, which is not a check"
                assert visibility[name] == "visible", f"{exercise}: {name!r} is {visibility[name]}, not visible"


def test_every_mistake_row_has_its_graded_submission_and_every_submission_its_row():
    rows = [row for row in table_rows() if row["mistake"]]
    named = [row["mistake"] for row in rows]
    assert len(named) == len(set(named)), "a mistake has two rows"
    assert set(named) == set(MISTAKES), (set(named) ^ set(MISTAKES))
    for row in rows:
        assert MISTAKES[row["mistake"]].check in row["checks"], row


@pytest.mark.parametrize("key", [pytest.param(key, marks=pytest.mark.slow) if key in SLOW else key
                                 for key in sorted(MISTAKES)])
def test_each_typical_mistake_fails_its_visible_check_with_a_hint_about_the_function(key, zygote, tmp_path):
    mistake = MISTAKES[key]
    (check,) = [c for c in load_checks(mistake.exercise) if c.name == mistake.check]
    assert check.visibility == "visible"
    path = tmp_path / "submission.py"
    path.write_text(mistaken(mistake), encoding="utf-8")
    result = grade_submission(mistake.exercise, path, visibility="visible", zygote=zygote, limits=LIMITS,
                              checks=[check])
    (graded,) = result.checks
    message = " ".join(graded.message.split())
    assert graded.score < graded.max_score, f"{key} passes {check.name!r}"
    assert mistake.function in f"{graded.name} {message}", message
    assert mistake.hint in message, message
