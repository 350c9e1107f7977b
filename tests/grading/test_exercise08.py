"""Exercise 08: the solution earns everything, the starter nothing, typical mistakes what we intend.

Each submission is graded once per module (``graded``). ``gradient_norms`` runs in the child on
networks the parent builds (one sandboxed call per visibility); ``log_gradients`` trains in the
child through ``call_with_logdir`` (one call serves both of its checks) and its event files are
read in the parent. A submission whose ``log_gradients`` trains costs ~2 s of sandbox time, so
mistakes in ``gradient_norms`` share the reference ``log_gradients`` and vice versa.
"""

from __future__ import annotations

import dataclasses

import pytest

from kit.grading.runners import report
from kit.grading.authoring.exercises import find
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import assert_gradescope_schema, assert_loses_only, assert_scores_zero, failing, module_grader, spy_zygote

EXERCISE = find("08").path
THREE = "gradient_norms: sigmoid, tanh and ReLU networks"
DEEP = "gradient_norms: 10-layer sigmoid network, first/last ≤ 0.01"
OTHER = "gradient_norms: other networks and inputs"
TAGS = "log_gradients: per-layer grad_norm scalars and kernel_gradient histograms over 20 epochs"
VALUES = "log_gradients: the logged norms agree with the grader's at the start and after training"
NORMS = {THREE, DEEP, OTHER}
LOGGED = {TAGS, VALUES}
ALL = NORMS | LOGGED
LIMITS = dataclasses.replace(TEST_LIMITS, timeout=10)  # the log_gradients call takes ~1.5 s in the sandbox

HEADER = "import keras\nimport numpy as np\nimport tensorflow as tf\n\nfrom kit import builders\n" \
         "from kit.tensorboard import Diagnostics\n"

GRADIENTS = '''

def gradient_norms(model, x, y):
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    inputs = tf.constant(np.asarray(x, dtype=np.float32))
    labels = tf.reshape(tf.constant(np.asarray(y, dtype=np.float32)), (-1, 1))
    with tf.GradientTape() as tape:
        prediction = model(inputs, training=False)
        loss = LOSS
    gradients = tape.gradient(loss, [layer.TENSOR for layer in dense])
    norms = {layer.name: float(tf.norm(g)) for layer, g in zip(dense, gradients)}
    return RESULT
'''

LOG = '''

def log_gradients(model, x, y, logdir):
    builders.compile_model(model, "sgd", 0.03)
    model.fit(x, y, epochs=EPOCHS, batch_size=10, verbose=0, callbacks=[Diagnostics(logdir, probe=PROBE, every=5)])
'''

PLAYGROUND_LOSS = "tf.reduce_mean(0.5 * tf.square(prediction - labels))"


def submission(loss=PLAYGROUND_LOSS, tensor="kernel", result="norms", epochs=20, probe="(x, y)", log=None) -> str:
    """A file with both functions, the reference's with one piece replaced."""
    gradients = GRADIENTS.replace("LOSS", loss).replace("TENSOR", tensor).replace("RESULT", result)
    log = log or LOG.replace("EPOCHS", str(epochs)).replace("PROBE", probe)
    return HEADER + gradients + log


# grad_norm scalars written with TensorFlow's own summary writer, and no histogram at all
SCALARS_ONLY = '''

def log_gradients(model, x, y, logdir):
    builders.compile_model(model, "sgd", 0.03)
    writer = tf.summary.create_file_writer(logdir)

    def log(step):
        with writer.as_default():
            for name, norm in gradient_norms(model, x, y).items():
                tf.summary.scalar(f"grad_norm/{name}", norm, step=step)
        writer.flush()

    log(0)
    model.fit(x, y, epochs=20, batch_size=10, verbose=0)
    log(20)
'''

# the callback on a copy: the model the grader gave comes back untrained
TRAINS_A_COPY = '''

def log_gradients(model, x, y, logdir):
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    builders.compile_model(copy, "sgd", 0.03)
    copy.fit(x, y, epochs=20, batch_size=10, verbose=0, callbacks=[Diagnostics(logdir, probe=(x, y), every=5)])
'''

# Each typical mistake, exactly the checks it must lose, and a word of the feedback on each
# (one word for all, or one per lost check).
MISTAKES = {
    "mse_without_half": (submission(loss="tf.reduce_mean(tf.square(prediction - labels))"), NORMS, "twice"),
    "sum_over_rows": (submission(loss="tf.reduce_sum(0.5 * tf.square(prediction - labels))"), NORMS, "n times"),
    "cross_entropy": (submission(loss="tf.reduce_mean(keras.losses.binary_crossentropy((labels + 1) / 2, "
                                      "(prediction + 1) / 2))"), NORMS, "cross-entropy"),
    "bias_gradients": (submission(tensor="bias"), NORMS, "bias"),
    "summed_over_layers": (submission(result="{name: float(np.sqrt(sum(v ** 2 for v in norms.values()))) "
                                             "for name in norms}"), NORMS, "same number"),
    "norms_of_the_weights": (submission(result="{layer.name: float(tf.norm(layer.kernel)) for layer in dense}"),
                             NORMS, "kernels themselves"),
    "no_histograms": (submission(log=SCALARS_ONLY), {TAGS}, "histogram"),
    "probe_subset": (submission(probe="(x[:50], y[:50])"), {VALUES}, "all of them"),
    "ten_epochs": (submission(epochs=10), LOGGED, "step 20"),
    "trains_a_copy": (submission(log=TRAINS_A_COPY), LOGGED, {TAGS: "not a copy", VALUES: "step 20"}),
}

TRIVIAL = {
    # zero for every Dense layer, and a log_gradients that does nothing
    "zeros": HEADER + "\n\ndef gradient_norms(model, x, y):\n    return {layer.name: 0.0 for layer in model.layers"
                      " if isinstance(layer, keras.layers.Dense)}\n\n\ndef log_gradients(model, x, y, logdir):\n"
                      "    return None\n",
    "nothing": "def gradient_norms(model, x, y):\n    return {}\n\n\ndef log_gradients(model, x, y, logdir):\n"
               "    pass\n",
}

# Another way: backpropagation by hand in float64 NumPy (the derivatives read off each layer's
# activation name), and training with the kit's compiled trainer (Adam, batch 20, a probe every 4
# epochs) on a Dataset made of (x, y).
ALTERNATIVE = '''
import numpy as np

from kit import datasets
from kit.tensorboard import Diagnostics
from kit.training import train

SLOPES = {  # f'(z) from a = f(z)
    "sigmoid": lambda a: a * (1 - a),
    "tanh": lambda a: 1 - a ** 2,
    "relu": lambda a: (a > 0).astype(np.float64),
}
FUNCTIONS = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}


def gradient_norms(model, x, y):
    layers = [layer for layer in model.layers if layer.weights]
    h = [np.asarray(x, np.float64)]
    for layer in layers:
        kernel, bias = (np.asarray(w, np.float64) for w in layer.get_weights())
        h.append(FUNCTIONS[layer.get_config()["activation"]](h[-1] @ kernel + bias))
    delta = (h[-1] - np.reshape(y, (-1, 1))) / len(x)
    norms = {}
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        delta = delta * SLOPES[layer.get_config()["activation"]](h[index + 1])
        norms[layer.name] = float(np.sqrt(np.sum((h[index].T @ delta) ** 2)))
        delta = delta @ np.asarray(layer.get_weights()[0], np.float64).T
    return dict(reversed(list(norms.items())))


def log_gradients(model, x, y, logdir):
    data = datasets.Dataset(x_train=x, y_train=y, x_test=x, y_test=y, feature_names=("x1", "x2"), labels="pm1",
                            task="binary", name="given")
    train(model, data, epochs=20, batch_size=20, optimizer="adam", learning_rate=0.01, verbose=0,
          callbacks=[Diagnostics(logdir, probe=(x, y), every=4)])
'''


@pytest.fixture(scope="module")
def spy(zygote):
    return spy_zygote(zygote)


@pytest.fixture(scope="module")
def graded(spy, tmp_path_factory):
    """grade(name, source) → GradeResult, each submission graded once per module (through the spy)."""
    return module_grader("08", spy, tmp_path_factory.mktemp("ex08"), LIMITS)


@pytest.mark.slow
def test_solution_scores_full_marks(graded, spy):
    spy.sent.clear()
    result = graded("solution", path=EXERCISE / "solution.py")
    assert result.max_score == 100 and {c.name for c in result.checks} == ALL
    assert result.score == 100, failing(result)
    # two gradient_norms calls (the visible networks, the hidden ones) and one log_gradients run
    asked = sorted((driver, arguments.get("function")) for driver, arguments in spy.sent if driver != "names")
    assert asked == [("call_on_models", "gradient_norms"), ("call_on_models", "gradient_norms"),
                     ("call_with_logdir", "log_gradients")]


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
def test_hidden_check_names_no_value(graded):
    message = failing(graded("sum_over_rows", MISTAKES["sum_over_rows"][0]))[OTHER]
    assert "unseen network" in message and "got" not in message and "expected" not in message, message


@pytest.mark.slow
def test_gradescope_results_follow_the_documented_schema(graded):
    data = report.gradescope(graded("no_histograms", MISTAKES["no_histograms"][0]))
    assert_gradescope_schema(data)
    assert any(t["visibility"] == "hidden" for t in data["tests"]) and data["score"] == 80
