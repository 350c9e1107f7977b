"""Checks of exercise 04 (derivatives): 100 points, 22 visible checks and 10 hidden ones.

Per function (sigmoid, tanh, relu, leaky_relu, elu and each ``*_grad``):
- values on a grid and random arrays match float64 references (4 points, visible);
- float32 and float64 inputs of several shapes come back with the same shape and dtype (2, visible);
- extreme inputs (|x| up to 1e4) give no overflow warning, NaN or Inf and still the right values,
  and hidden random inputs match (derivatives: TensorFlow's autodiff) (3, hidden);
plus ``relu_grad(0) == 0`` (5, visible) and ``max sigmoid_grad == 0.25`` at x = 0 (5, visible).

Each function is called once per submission with every input its checks need (one sandboxed
call), so a hostile or broken function costs its own checks and nothing else.
"""

from __future__ import annotations

import numpy as np

from kit.grading.checks import check, failed, passed

FUNCTIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
ALL = tuple(name for f in FUNCTIONS for name in (f, f + "_grad"))
ALPHA = {"leaky_relu": 0.2, "elu": 0.5}  # a non-default slope/scale, so that ignoring alpha shows
TIMEOUT = 10.0  # every call takes milliseconds on ~3,000 numbers; 10 s only catches hangs

# Tolerances. A correct float64 implementation agrees with the reference to ~1e-15; 1e-6
# relative admits every algebraically equivalent formula (1 − tanh² vs sech², expm1 vs exp − 1)
# and still rejects any wrong formula, whose errors on these grids are ≥ 1e-3.
RTOL64, ATOL64 = 1e-6, 1e-12
# float32 carries ~7 digits (eps 1.2e-7): 1e-5 relative allows a few rounding steps; 1e-6
# absolute forgives the cancellation of e^x − 1 near 0, which is not what this exercise grades.
RTOL32, ATOL32 = 1e-5, 1e-6

GRID = np.arange(-1000, 1001) / 100.0  # −10 … 10 in steps of 0.01, with an exact 0
FINE = np.arange(-10000, 10001) / 10000.0  # −1 … 1 in steps of 1e-4, to find the peak of σ'
EXTREME = np.array([-1e4, -5e3, -1e3, -800.0, -710.0, -100.0, -30.0, -1.0, -1e-8,
                    1e-8, 1.0, 30.0, 100.0, 710.0, 800.0, 1e3, 5e3, 1e4])  # exp overflows past ±709.8


def _inputs() -> dict:
    rng = np.random.default_rng(4)
    return {
        "grid64": GRID, "random64": rng.normal(0.0, 4.0, (40, 25)),
        "grid32": GRID.astype(np.float32), "random32": rng.normal(0.0, 4.0, (3, 5, 7)).astype(np.float32),
        "extreme64": EXTREME, "extreme32": EXTREME.astype(np.float32),
        "hidden64": np.random.default_rng(40_404).uniform(-50.0, 50.0, (997,)),
    }


INPUTS = _inputs()


def _cases(function: str) -> tuple[dict, dict]:
    cases = dict(INPUTS)
    keywords = {}
    base = function.removesuffix("_grad")
    if base in ALPHA:
        cases["alpha64"] = GRID
        keywords["alpha64"] = {"alpha": ALPHA[base]}
    if function == "relu_grad":
        cases["zeros"] = np.zeros(4)
    if function == "sigmoid_grad":
        cases["fine"] = FINE
    return cases, keywords


def _answers(session, function):
    cases, keywords = _cases(function)
    return session.evaluate(function, cases, case_keywords=keywords, timeout=TIMEOUT)


# ---------------------------------------------------------------------------------------------
# float64 references, and TensorFlow's autodiff for the hidden cross-check


def reference(function: str, x, alpha: float | None = None) -> np.ndarray:
    """The float64 value of ``function`` at x (``alpha`` defaults to the exercise's defaults)."""
    x = np.asarray(x, dtype=np.float64)
    base = function.removesuffix("_grad")
    if alpha is None:
        alpha = {"leaky_relu": 0.01, "elu": 1.0}.get(base)
    with np.errstate(over="ignore", under="ignore"):
        s = np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))
        table = {
            "sigmoid": lambda: s,
            "sigmoid_grad": lambda: s * (1 - s),
            "tanh": lambda: np.tanh(x),
            "tanh_grad": lambda: 1 - np.tanh(x) ** 2,
            "relu": lambda: np.maximum(x, 0.0),
            "relu_grad": lambda: (x > 0).astype(np.float64),
            "leaky_relu": lambda: np.where(x > 0, x, alpha * x),
            "leaky_relu_grad": lambda: np.where(x > 0, 1.0, alpha),
            "elu": lambda: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
            "elu_grad": lambda: np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))),
        }
        return table[function]()


def autodiff(function: str, x) -> np.ndarray:
    """TensorFlow's gradient of the activation (float64), for the ``*_grad`` functions."""
    import tensorflow as tf

    base = function.removesuffix("_grad")
    forward = {
        "sigmoid": tf.math.sigmoid, "tanh": tf.math.tanh, "relu": tf.nn.relu,
        # tf.nn.leaky_relu keeps alpha as a float32 attribute (0.00999999977…): build it in float64.
        "leaky_relu": lambda t: tf.where(t > 0, t, tf.constant(0.01, tf.float64) * t),
        "elu": lambda t: tf.where(t > 0, t, tf.math.expm1(tf.minimum(t, 0.0))),
    }[base]
    t = tf.constant(np.asarray(x, dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = forward(t)
    return tape.gradient(y, t).numpy()


# Wrong formulas students often write, and what to tell them (matched on the grid).
LIKELY_MISTAKES = {
    "sigmoid": [(lambda x: 1 / (1 + np.exp(x)), "the sign of the exponent is flipped: σ(x) = 1 / (1 + e^−x).")],
    "sigmoid_grad": [
        (lambda x: reference("sigmoid", x), "this is σ(x) itself; its derivative is σ(x)·(1 − σ(x))."),
        (lambda x: x * (1 - x), "you computed x·(1 − x): apply the sigmoid first, s = σ(x), then s·(1 − s)."),
    ],
    "tanh_grad": [
        (lambda x: 1 - x ** 2, "you computed 1 − x²: it is 1 − tanh(x)²."),
        (lambda x: 1 - np.tanh(x), "square tanh: the derivative is 1 − tanh(x)²."),
        (lambda x: np.tanh(x), "this is tanh itself; its derivative is 1 − tanh(x)²."),
    ],
    "relu_grad": [(lambda x: np.maximum(x, 0), "this is relu itself; its derivative is 1 for x > 0, else 0.")],
    "leaky_relu": [(lambda x: np.where(x > 0, x, 0.2 * x), "that is Keras's default slope 0.2; use alpha (0.01 by default).")],
    "leaky_relu_grad": [(lambda x: (x > 0).astype(float), "for x < 0 the slope is alpha, not 0 (that is relu's derivative).")],
    "elu_grad": [
        (lambda x: np.where(x > 0, 1.0, np.expm1(np.minimum(x, 0))), "for x < 0 you returned elu(x); the derivative is alpha·e^x."),
        (lambda x: np.where(x > 0, 1.0, 0.0), "for x < 0 the derivative is alpha·e^x, not 0."),
    ],
}


def _diagnosis(function: str, answer) -> str:
    if answer.value is None or answer.value.shape != GRID.shape:
        return ""
    with np.errstate(all="ignore"):
        for wrong, message in LIKELY_MISTAKES.get(function, []):
            expected = np.asarray(wrong(GRID), dtype=np.float64)
            mask = GRID != 0
            if np.allclose(answer.value.astype(np.float64)[mask], expected[mask], rtol=1e-6, atol=1e-9):
                return " It looks like " + message
    return ""


# ---------------------------------------------------------------------------------------------
# The checks, generated per function


def _values_check(function: str):
    kink = function in ("relu_grad", "leaky_relu_grad", "elu_grad")  # graded at 0 by its own check only
    base = function.removesuffix("_grad")

    @check(f"{function}: values (float64)", points=4, timeout=TIMEOUT,
           feedback=f"compare your {function} with its formula in the README, on a few values by hand.")
    def values(session):
        answers = _answers(session, function)
        mask = GRID != 0 if kink else np.ones(GRID.shape, bool)
        grid = answers["grid64"]
        if not grid.failure:
            grid = type(grid)(grid.value[mask] if grid.value.shape == GRID.shape else grid.value, grid.type_name)
        problem = grid.mismatch(reference(function, GRID)[mask], RTOL64, ATOL64, x=GRID[mask])
        if problem:
            return failed(f"On the grid −10…10: {problem}.{_diagnosis(function, answers['grid64'])}")
        problem = answers["random64"].mismatch(reference(function, INPUTS["random64"]), RTOL64, ATOL64,
                                               x=INPUTS["random64"])
        if problem:
            return failed(f"On a random 40×25 array: {problem}.")
        if "alpha64" in answers:
            alpha = ALPHA[base]
            answer = answers["alpha64"]
            if not answer.failure and answer.value.shape == GRID.shape:
                answer = type(answer)(answer.value[mask], answer.type_name)
            problem = answer.mismatch(reference(function, GRID, alpha)[mask], RTOL64, ATOL64, x=GRID[mask])
            if problem:
                return failed(f"With alpha={alpha}: {problem}. Use the alpha argument, do not hard-code the default.")
        return passed()

    return values


def _structure_check(function: str):
    @check(f"{function}: keeps shape and dtype", points=2, timeout=TIMEOUT,
           feedback="return np.ndarray of x's dtype: avoid np.asarray(x, dtype=float), Python float lists, "
                    "or float64 constants made with np.array(…); NumPy keeps float32 when you combine x with Python numbers.")
    def structure(session):
        answers = _answers(session, function)
        for name in ("grid32", "random32", "grid64", "random64"):
            x, answer = INPUTS[name], answers[name]
            if answer.failure:
                return failed(f"For a {x.dtype} input of shape {x.shape}: {answer.failure}.")
            if answer.type_name not in ("ndarray",) and answer.value.shape != ():
                return failed(f"returned a {answer.type_name}, expected a numpy.ndarray.")
            if answer.value.dtype != x.dtype or answer.value.shape != x.shape:
                return failed(f"For a {x.dtype} input of shape {x.shape} it returned {answer.value.dtype} of shape "
                              f"{answer.value.shape}.")
        return passed()

    return structure


OVERFLOW_HINT = ("np.exp overflows past |x| ≈ 709 (float64) and 88 (float32). For σ use e^−|x| only; np.where "
                 "evaluates both branches, so clip the argument first (np.exp(np.minimum(x, 0))).")


def _robust_check(function: str):
    @check(f"{function}: extreme and unseen inputs", points=3, visibility="hidden", timeout=TIMEOUT)
    def robust(session):
        answers = _answers(session, function)
        for name, rtol, atol in (("extreme64", RTOL64, ATOL64), ("extreme32", RTOL32, ATOL32)):
            answer = answers[name]
            if answer.failure:
                return failed(f"On inputs with |x| up to 1e4: {answer.failure}.")
            warned = answer.overflow_warnings()
            if warned:
                return failed(f"NumPy warned on inputs with |x| up to 1e4 ({INPUTS[name].dtype}): {warned[0]}. "
                              + OVERFLOW_HINT)
            problem = answer.mismatch(reference(function, INPUTS[name]), rtol, atol, reveal=False)
            if problem:
                hint = OVERFLOW_HINT if "NaN" in problem else "Make the visible values check pass first."
                return failed(f"On inputs with |x| up to 1e4 ({INPUTS[name].dtype}): {problem}. {hint}")
        expected = autodiff(function, INPUTS["hidden64"]) if function.endswith("_grad") else \
            reference(function, INPUTS["hidden64"])
        problem = answers["hidden64"].mismatch(expected, RTOL64, ATOL64, reveal=False)
        if problem:
            source = "TensorFlow's autodiff" if function.endswith("_grad") else "the float64 reference"
            return failed(f"On hidden random inputs, compared with {source}: {problem}.")
        return passed()

    return robust


@check("relu_grad(0) is 0", points=5, timeout=TIMEOUT,
       feedback="use x > 0, not x >= 0: TensorFlow and the Playground take relu'(0) = 0.")
def relu_grad_at_zero(session):
    answer = _answers(session, "relu_grad")["zeros"]
    if answer.failure:
        return failed(answer.failure)
    got = answer.value.astype(np.float64)
    if got.shape != (4,) or not np.all(got == 0.0):
        return failed(f"relu_grad(np.zeros(4)) returned {np.array2string(got, precision=4)}, expected [0. 0. 0. 0.].")
    return passed()


@check("sigmoid_grad peaks at 0.25", points=5, timeout=TIMEOUT,
       feedback="σ'(x) = σ(x)(1 − σ(x)) is largest at x = 0, where σ = 0.5: 0.5 · 0.5 = 0.25. This bound is why "
                "gradients vanish through many sigmoid layers.")
def sigmoid_grad_peak(session):
    answer = _answers(session, "sigmoid_grad")["fine"]
    if answer.failure:
        return failed(answer.failure)
    got = answer.value.astype(np.float64)
    if got.shape != FINE.shape or not np.isfinite(got).all():
        return failed(f"sigmoid_grad on 20,001 points in [−1, 1] returned shape {got.shape} or non-finite values.")
    peak, where = float(got.max()), float(FINE[int(np.argmax(got))])
    # 1e-12: σ(0) = 0.5 exactly in binary floating point, so a correct σ' gives 0.25 to the last bit.
    if abs(peak - 0.25) > 1e-12 or where != 0.0:
        return failed(f"the largest value on [−1, 1] is {peak:.6g} at x = {where:g}; expected 0.25 at x = 0."
                      f"{_diagnosis('sigmoid_grad', _answers(session, 'sigmoid_grad')['grid64'])}")
    return passed()


CHECKS = ([_values_check(f) for f in ALL] + [_structure_check(f) for f in ALL]
          + [relu_grad_at_zero, sigmoid_grad_peak] + [_robust_check(f) for f in ALL])
