"""Checks of exercise 11 (custom-activation): 100 points, 3 visible checks and 1 hidden one.

- quadratic: values: ``quadratic(x)`` equals x² (rtol 1e-6) on a grid −3…3 and on a 2-D array,
  shape kept (15 points, visible);
- model: save → load round trip: ``build_model()`` maps 1 input to 1 output, a layer uses the
  submission's own ``quadratic`` (correct values required), the output layer is linear (the
  README's rule), and the model saved to ``.keras`` and loaded back without ``custom_objects``
  gives the same predictions (25, visible);
- fit, public data: ``fit(build_model(), x, y)`` on y = 1.5·x² − 0.5 (256 points, x in [−2, 2])
  reaches MSE ≤ 0.001·Var(y) on 101 test points (30, visible);
- fit, other data: the same on unseen a·x² + c data and test points (30, hidden).

A model that uses a custom activation cannot cross the sandbox as an allow-listed description
(the parent never loads the child's code or Keras files), so everything that needs the model as
code runs in the child through the kit's ``keras_round_trip`` driver: build (Keras's global seed
fixed, so a grade is deterministic), fit on the data the check sends, predict on the probe
points, save to ``model.keras`` in the call's scratch folder, load it back, predict again. Only
numbers come back (predictions before and after, each layer's registered activation name and
whether it is the submission's own ``quadratic``); the parent computes the errors. The hidden
data set and its test points are sent only when hidden checks run.

Every model check needs ``quadratic`` to compute x² (asked first, so that a wrong quadratic spends
no fit), a layer to use it and a linear output: a model with relu (or any other activation) where
quadratic is asked scores 0 on them, even when it fits well.

Thresholds (measured in-process with the grader's data, Keras seeds 0, 1, 2; the grader uses 0):
- 1e-3·Var(y) is the contract's. Input(1) → Dense(4, quadratic) → Dense(1) computes
  Σ vᵢ(wᵢx + bᵢ)² + b, so a·x² + c is exactly representable; the reference fit (Adam 0.05, 30
  epochs, batch 16) ends at MSE/Var(y) ≤ 3e-14 on the public data and ≤ 8e-11 on the hidden one:
  seven orders of magnitude below the target. 2x (the derivative) makes the network linear:
  MSE/Var(y) = 1.01-1.04 (a line through a parabola). 3 epochs of the reference's fit reach
  2.7e-3-1.6e-2 (public) and 1.6e-2-9.9e-2 (hidden); 5 epochs already pass on the public data
  (3e-5-1.3e-3), 10 epochs everywhere (≤ 3e-6).
- x·|x| instead of x² reaches 8e-3-7e-2 with the reference's fit, but with biases a sum of shifted
  x·|x| units can approach a parabola (300 epochs: 6e-4-8e-3). That is why every model check
  asks for quadratic's values too, instead of counting on the fit to fail.
- Round trip: predictions equal within rtol 1e-5 (the same float32 weights and operations; a
  loaded model recomputes the same numbers up to rounding).
- Time: a call may run 10 s (the grader's default limit, which caps the timeouts below). In the
  sandbox on the shared 2-core machine the reference takes 0.2 s for the values, 0.6 s for the
  round trip and 3.6-4.0 s per fit (build, fit, save, load); 8.5 s for the four checks.
"""

from __future__ import annotations

import numpy as np

from kit.grading.authoring import CallFailed, check, expect, fail, raised

TIMEOUT = 10.0  # build, save and load one small Keras model in the child (0.6 s measured)
FIT_TIMEOUT = 10.0  # build, fit, save and load in the child: the reference takes 3.6-4.0 s
TARGET = 1e-3  # contract: MSE ≤ 1e-3·Var(y) on the test points
ROUND_TRIP_RTOL = 1e-5

GRID = np.linspace(-3.0, 3.0, 13).astype(np.float32)
MATRIX = np.random.default_rng(0).normal(0.0, 2.0, size=(4, 5))  # float64: the function must keep shapes


def _data(a, c, seed, n_train=256, n_test=101, grid=False):
    rng = np.random.default_rng(seed)
    x_train = rng.uniform(-2.0, 2.0, size=(n_train, 1)).astype(np.float32)
    x_test = (np.linspace(-2.0, 2.0, n_test) if grid else rng.uniform(-2.0, 2.0, n_test))
    x_test = x_test.reshape(-1, 1).astype(np.float32)
    return {"x_train": x_train, "y_train": (a * x_train**2 + c).astype(np.float32), "x_test": x_test,
            "y_test": (a * x_test.astype(np.float64) ** 2 + c)}


PUBLIC = _data(1.5, -0.5, seed=0, grid=True)  # the student can rebuild these (README)
HIDDEN = _data(-0.8, 2.3, seed=4242)  # never named in any message or document


def _values_problem(session) -> str:
    """'' when quadratic computes x² on the public inputs, else what is wrong (naming the mistake)."""
    answers = session.evaluate("quadratic", {"grid": GRID, "matrix": MATRIX}, timeout=TIMEOUT)
    for name, x in (("grid", GRID), ("matrix", MATRIX)):
        answer = answers[name]
        expected = x.astype(np.float64) ** 2
        problem = answer.mismatch(expected, rtol=1e-6, atol=1e-6, x=x)
        if not problem:
            continue
        got = answer.value
        if got is not None and got.shape == x.shape:
            for wrong, hint in ((x * np.abs(x), "you return x·|x|, which is negative for x < 0: x² is never "
                                               "negative (x * x, or keras.ops.square(x))"),
                                (2 * x, "you return 2x, the derivative of x²; the activation is x² itself"),
                                (x, "you return x unchanged (the identity)")):
                if np.allclose(got.astype(np.float64), wrong, rtol=1e-5, atol=1e-6):
                    return f"On {'−3…3' if name == 'grid' else 'a 4×5 array'}: {hint}."
        where = "On the grid −3…3" if name == "grid" else "On a 4×5 array"
        return f"{where}: {problem}."
    return ""


@check("quadratic: values", points=15, timeout=TIMEOUT, feedback="quadratic(x) must return x², elementwise, any shape.")
def quadratic_values(session):
    problem = _values_problem(session)
    expect(not problem, problem)


def _round_trip(session, data=None) -> dict:
    """The keras_round_trip driver's report (build only, or build and fit on ``data``)."""
    arguments = {"x_probe": GRID.reshape(-1, 1) if data is None else data["x_test"], "activation": "quadratic"}
    if data is not None:
        arguments.update(fit="fit", x_train=data["x_train"], y_train=data["y_train"])
    try:
        report = session.run("keras_round_trip", arguments, timeout=TIMEOUT if data is None else FIT_TIMEOUT)
    except CallFailed as failure:
        raise CallFailed(f"{'build_model' if data is None else 'fit'} {failure}") from None
    if type(report) is not dict:
        fail("the grader got no readable answer from your model.")
    error = report.get("error")
    if type(error) is dict:
        stage = {"build": "build_model()", "fit": "fit(model, x, y)", "predict": "the model, called on inputs of "
                 "shape (n, 1),"}.get(error.get("stage"), "your code")
        named = "activation function identifier" in str(error.get("message"))  # Keras found no function of that name
        fail(raised(stage, error, limit=600) + (". Pass the function itself, activation=quadratic, not the string "
                                                "\"quadratic\": Keras looks a string up among the names it knows."
                                                if named else ""))
    return report


def _predictions(report, key, n) -> np.ndarray:
    info = report.get(key)
    value = info.get("value") if type(info) is dict else None
    expect(type(value) is np.ndarray and value.dtype.kind == "f" and value.size == n,
           f"the model's output on {n} inputs of shape (n, 1) is not {n} numbers (got "
           f"{'shape ' + str(value.shape) if type(value) is np.ndarray else 'no array'}): build it with "
           "keras.Input(shape=(1,)) and a last Dense(1).")
    value = value.reshape(-1).astype(np.float64)
    expect(np.isfinite(value).all(), "the model's predictions hold NaN or infinite values.")
    return value


def _expect_quadratic_right(session):
    """Fail unless quadratic computes x² (asked before any model is built or fitted: no fit is spent on
    a wrong activation)."""
    problem = _values_problem(session)
    expect(not problem, f"the model's activation must compute x² first. {problem}")


def _expect_uses_quadratic(report):
    """Fail unless one of the model's layers uses the submission's own quadratic and its output layer
    is linear (both the README's rules)."""
    layers = report.get("layers") if type(report.get("layers")) is list else []
    used = [layer for layer in layers if type(layer) is dict and layer.get("uses") is True]
    names = sorted({str(layer.get("activation"))[:60] for layer in layers if type(layer) is dict})
    if not used:
        fail(f"no layer of build_model()'s model uses your quadratic (the activations are {', '.join(names)}): "
             "pass the function itself, keras.layers.Dense(units, activation=quadratic).")
    expect(any(layer.get("defined_here") is True for layer in used),
           "the model uses a quadratic imported from elsewhere; write and register your own in this file.")
    output = [layer for layer in layers if type(layer) is dict][-1]
    expect(output.get("activation") == "linear" and output.get("uses") is not True,
           f"build_model()'s output layer uses {str(output.get('activation'))[:60]}; the README asks for a linear "
           "output, keras.layers.Dense(1) with no activation: it adds up the hidden units' squares with weights of "
           "either sign, so that the model can draw a·x² + c for any a and c.")


@check("model: uses quadratic; save → load reproduces its predictions", points=25, timeout=TIMEOUT,
       feedback="Register quadratic with @keras.saving.register_keras_serializable(package=\"course\") above its def, "
                "so that keras.models.load_model finds it by name.")
def round_trip(session):
    _expect_quadratic_right(session)
    report = _round_trip(session)
    _expect_uses_quadratic(report)
    before = _predictions(report, "predictions", GRID.size)
    save_error, load_error = report.get("save_error"), report.get("load_error")
    if type(save_error) is dict:
        fail(f"model.save('model.keras') raised {str(save_error.get('type'))[:100]}: "
             f"{str(save_error.get('message'))[:400]}")
    if type(load_error) is dict:
        message = str(load_error.get("message"))
        if "register_keras_serializable" in message or "Could not locate" in message or "Unknown" in message:
            fail("the model saves, but keras.models.load_model cannot load it: Keras stored the activation's name "
                 "and finds no function registered under it. Decorate quadratic with "
                 "@keras.saving.register_keras_serializable(package=\"course\").")
        fail(f"keras.models.load_model raised {str(load_error.get('type'))[:100]}: {message[:400]}")
    after = _predictions(report, "reloaded", GRID.size)
    reloaded = report.get("reloaded_layers") if type(report.get("reloaded_layers")) is list else []
    expect(any(type(layer) is dict and layer.get("uses") is True for layer in reloaded),
           "the model loads back, but not with your quadratic: Keras stored only the name 'quadratic' and found "
           "another function under it. Decorate yours with @keras.saving.register_keras_serializable(package="
           "\"course\") so that the saved model names it and load_model finds it.")
    worst = float(np.max(np.abs(after - before) / np.maximum(np.abs(before), 1e-6)))
    expect(worst <= ROUND_TRIP_RTOL, f"the loaded model's predictions differ from the saved model's (relative "
                                     f"difference up to {worst:.2g}): the activation does not survive saving.")


def _judge_fit(session, data, reveal: bool):
    _expect_quadratic_right(session)
    report = _round_trip(session, data)
    _expect_uses_quadratic(report)
    predictions = _predictions(report, "predictions", len(data["x_test"]))
    y = data["y_test"].reshape(-1)
    ratio = float(np.mean((predictions - y) ** 2) / np.var(y))
    if ratio <= TARGET:
        return
    where = "on the public test points (y = 1.5·x² − 0.5)" if reveal else "on unseen a·x² + c data"
    hint = ("train longer or with a larger learning rate: the model can fit a·x² + c exactly, so the loss can go "
            "far below the target" if ratio < 0.1 else
            "the model barely follows the parabola: check that quadratic is x² and that fit trains (compile with "
            "loss='mse', enough epochs)")
    fail(f"MSE / Var(y) = {ratio:.2g} {where}; at most {TARGET:g} is asked: {hint}.")


@check("fit, public data: MSE ≤ 0.001·Var(y)", points=30, timeout=FIT_TIMEOUT,
       feedback="python starter.py fits the public data once and prints the MSE against the target.")
def fit_public(session):
    _judge_fit(session, PUBLIC, reveal=True)


@check("fit, other data: MSE ≤ 0.001·Var(y)", points=30, visibility="hidden", timeout=FIT_TIMEOUT,
       feedback="A fit that only just passes on the public data may not on other a and c: train to a small loss.",
       description="fit: the same target on other a·x² + c data and test points, which you never see")
def fit_hidden(session):
    _judge_fit(session, HIDDEN, reveal=False)


CHECKS = [quadratic_values, round_trip, fit_public, fit_hidden]
