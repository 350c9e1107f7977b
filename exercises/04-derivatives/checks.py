"""Checks of exercise 04 (derivatives): 100 points, 32 visible checks and 10 hidden ones.

Per function (sigmoid, tanh, relu, leaky_relu, elu and each ``*_grad``):
- values on a grid and random arrays match float64 references (4 points, visible);
- float32 and float64 inputs of several shapes come back with the same shape and dtype, and the
  right values (2, visible);
- the README's rule "stable for any input": extreme inputs (|x| up to 1e4, float32 and float64)
  give no overflow warning, NaN or Inf and still the right values (2, visible), so the classic
  ``1 / (1 + np.exp(-x))`` and an ELU through ``np.where`` fail in ``kit check``, with a hint
  about that function;
- generalisation: other extreme magnitudes and unseen random inputs (float64 references, which
  a test holds to TensorFlow's autodiff for every derivative) (1, hidden);
plus ``relu_grad(0) == 0`` (5, visible) and ``max sigmoid_grad == 0.25`` at x = 0 (5, visible).

Points count only for correct values: the shape/dtype, special-value and stability checks also
compare the function's values, so zeros, the identity or the untouched starter score 0.

Each function is called once per submission with every input its checks need (one sandboxed
call; the hidden inputs only when hidden checks run, never in ``kit check``), so a hostile or
broken function costs its own checks and nothing else.
"""

from __future__ import annotations

import numpy as np

from kit.grading.authoring import ImportRule, check, check_each, expect, expect_close, expected_values

# The lesson is writing these in NumPy: the kit's own activations, a framework's or SciPy's expit
# would answer it without that. The README states the rule; every grading enforces it. `import kit`
# alone stays allowed: a notebook may end with kit.check("04").
FORBIDDEN_IMPORTS = ImportRule(("kit", "keras", "tensorflow", "scipy.special", "torch", "jax"),
                               why="this exercise asks you to write it in NumPy", allowed=("kit",))
FUNCTIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
ALL = tuple(name for f in FUNCTIONS for name in (f, f + "_grad"))
ALPHA = {"leaky_relu": 0.2, "elu": 0.5}  # a non-default slope/scale, so that ignoring alpha shows
RUNTIME = "numpy"  # grading loads no TensorFlow: the checks and an honest submission need NumPy alone
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
EXTREMES = ("extreme64", "extreme32")


def _visible_inputs() -> dict:
    rng = np.random.default_rng(4)
    return {"grid64": GRID, "random64": rng.normal(0.0, 4.0, (40, 25)),
            "grid32": GRID.astype(np.float32), "random32": rng.normal(0.0, 4.0, (3, 5, 7)).astype(np.float32),
            "extreme64": EXTREME, "extreme32": EXTREME.astype(np.float32)}


# Two statements, so that the student release (kit release) can keep VISIBLE and leave HIDDEN out.
VISIBLE = _visible_inputs()
HIDDEN = {"unseen_extreme64": np.array([-3e4, -2500.0, -750.0, -711.0, -90.0, -89.0, 89.0, 90.0, 711.0, 750.0,
                                        2500.0, 3e4]),
          "unseen_extreme32": np.array([-3e4, -2500.0, -750.0, -90.0, -89.0, 89.0, 90.0, 750.0, 2500.0, 3e4],
                                       np.float32),  # float32's exp overflows past ±88.7
          "hidden64": np.random.default_rng(40_404).uniform(-50.0, 50.0, (997,))}
INPUTS = {**VISIBLE, **HIDDEN}


def _answers(session, function):
    """Every answer of ``function`` this grading needs, from one sandboxed call (hidden inputs
    only when hidden checks run)."""
    cases, keywords = dict(VISIBLE), {}
    base = function.removesuffix("_grad")
    if base in ALPHA:
        cases["alpha64"] = GRID
        keywords["alpha64"] = {"alpha": ALPHA[base]}
    if function == "relu_grad":
        cases["zeros"] = np.zeros(4)
    if function == "sigmoid_grad":
        cases["fine"] = FINE
    return session.evaluate(function, cases, case_keywords=keywords, hidden=HIDDEN, timeout=TIMEOUT)


# ---------------------------------------------------------------------------------------------
# float64 references (tests/grading/test_exercise04.py holds them to TensorFlow's autodiff)


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


# Wrong formulas students often write, and what to tell them (matched on the grid): the messages
# here, the formulas (same order) in MISTAKE_FORMULAS, which only the expected values use.
LIKELY_MISTAKES = {
    "sigmoid": ["the sign of the exponent is flipped: σ(x) = 1 / (1 + e^−x)."],
    "sigmoid_grad": ["this is σ(x) itself; its derivative is σ(x)·(1 − σ(x)).",
                     "you computed x·(1 − x): apply the sigmoid first, s = σ(x), then s·(1 − s)."],
    "tanh_grad": ["you computed 1 − x²: it is 1 − tanh(x)².", "square tanh: the derivative is 1 − tanh(x)².",
                  "this is tanh itself; its derivative is 1 − tanh(x)²."],
    "relu_grad": ["this is relu itself; its derivative is 1 for x > 0, else 0."],
    "leaky_relu": ["that is Keras's default slope 0.2; use alpha (0.01 by default)."],
    "leaky_relu_grad": ["for x < 0 the slope is alpha, not 0 (that is relu's derivative)."],
    "elu_grad": ["for x < 0 you returned elu(x); the derivative is alpha·e^x.", "for x < 0 the derivative is alpha·e^x, not 0."],
}
MISTAKE_FORMULAS = {
    "sigmoid": [lambda x: 1 / (1 + np.exp(x))],
    "sigmoid_grad": [lambda x: reference("sigmoid", x), lambda x: x * (1 - x)],
    "tanh_grad": [lambda x: 1 - x ** 2, lambda x: 1 - np.tanh(x), lambda x: np.tanh(x)],
    "relu_grad": [lambda x: np.maximum(x, 0)],
    "leaky_relu": [lambda x: np.where(x > 0, x, 0.2 * x)],
    "leaky_relu_grad": [lambda x: (x > 0).astype(float)],
    "elu_grad": [lambda x: np.where(x > 0, 1.0, np.expm1(np.minimum(x, 0))), lambda x: np.where(x > 0, 1.0, 0.0)],
}


def _expected() -> dict:
    """Every value a visible check compares with, from the float64 reference: the student
    release ships these (expected.npz) instead of the reference."""
    values = {}
    for function in ALL:
        for name, x in VISIBLE.items():
            values[f"{function}/{name}"] = reference(function, x)
        base = function.removesuffix("_grad")
        if base in ALPHA:
            values[f"{function}/alpha64"] = reference(function, GRID, ALPHA[base])
        formulas = MISTAKE_FORMULAS.get(function, [])
        assert len(formulas) == len(LIKELY_MISTAKES.get(function, [])), function
        with np.errstate(all="ignore"):
            for index, wrong in enumerate(formulas):
                values[f"{function}/mistake{index}"] = np.asarray(wrong(GRID), dtype=np.float64)
    return values


EXPECTED = expected_values(_expected)


def _diagnosis(function: str, answer) -> str:
    if answer.value is None or answer.value.shape != GRID.shape:
        return ""
    with np.errstate(all="ignore"):
        for index, message in enumerate(LIKELY_MISTAKES.get(function, [])):
            expected = EXPECTED[f"{function}/mistake{index}"]
            mask = GRID != 0
            if np.allclose(answer.value.astype(np.float64)[mask], expected[mask], rtol=1e-6, atol=1e-9):
                return " It looks like " + message
    return ""


# ---------------------------------------------------------------------------------------------
# The checks. Points count only for correct values: the shape/dtype, special-value and
# stability checks also compare the values they look at.

KINKS = ("relu_grad", "leaky_relu_grad", "elu_grad")  # their value at 0 is graded by its own check only


def _grid_mask(function: str) -> np.ndarray:
    return GRID != 0 if function in KINKS else np.ones(GRID.shape, bool)


def _expect_grid_values(answers, function: str, hint: str = "") -> None:
    expect_close(answers["grid64"], EXPECTED[f"{function}/grid64"], RTOL64, ATOL64, x=GRID, where=_grid_mask(function),
                 on="On the grid −10…10", hint=hint)


@check_each(ALL, "{}: values (float64)", points=4, timeout=TIMEOUT,
            feedback="compare your {} with its formula in the README, on a few values by hand.")
def values(session, parameter):
    function = parameter
    answers = _answers(session, function)
    _expect_grid_values(answers, function, _diagnosis(function, answers["grid64"]))
    expect_close(answers["random64"], EXPECTED[f"{function}/random64"], RTOL64, ATOL64,
                 x=VISIBLE["random64"], on="On a random 40×25 array")
    if "alpha64" in answers:
        alpha = ALPHA[function.removesuffix("_grad")]
        expect_close(answers["alpha64"], EXPECTED[f"{function}/alpha64"], RTOL64, ATOL64, x=GRID,
                     where=_grid_mask(function), on=f"With alpha={alpha}",
                     hint="Use the alpha argument, do not hard-code the default.")


@check_each(ALL, "{}: keeps shape and dtype", points=2, timeout=TIMEOUT,
            feedback="return np.ndarray of x's dtype: avoid np.asarray(x, dtype=float), Python float lists, "
                     "or float64 constants made with np.array(…); NumPy keeps float32 when you combine x with "
                     "Python numbers.")
def structure(session, parameter):
    function = parameter
    answers = _answers(session, function)
    _expect_grid_values(answers, function, _diagnosis(function, answers["grid64"])
                        + " Shape and dtype earn their points only with correct values.")
    for name in ("grid32", "random32", "grid64", "random64"):
        x, answer = VISIBLE[name], answers[name]
        expect(not answer.failure, f"For a {x.dtype} input of shape {x.shape}: {answer.failure}.")
        expect(answer.type_name == "ndarray" or answer.value.shape == (),
               f"returned a {answer.type_name}, expected a numpy.ndarray.")
        expect(answer.value.dtype == x.dtype and answer.value.shape == x.shape,
               f"For a {x.dtype} input of shape {x.shape} it returned {answer.value.dtype} of shape "
               f"{answer.value.shape}.")
        rtol, atol = (RTOL32, ATOL32) if x.dtype == np.float32 else (RTOL64, ATOL64)
        expect_close(answer, EXPECTED[f"{function}/{name}"], rtol, atol, x=x, where=x != 0 if function in KINKS else None,
                     on=f"For a {x.dtype} input of shape {x.shape}",
                     hint="Shape and dtype earn their points only with correct values.")


# What to tell a student whose function overflows, per function (the README's numerics).
OVERFLOW_HINTS = {
    "sigmoid": "1 / (1 + np.exp(-x)) overflows for x ≤ −710 (float64) or −89 (float32): use e^−|x| only "
               "(the README's stable σ).",
    "sigmoid_grad": "compute it from a stable σ (e^−|x| only): s = σ(x), then s·(1 − s).",
    "tanh": "(e^x − e^−x) / (e^x + e^−x) overflows past |x| ≈ 709 (float64) or 88 (float32): np.tanh is stable.",
    "tanh_grad": "1 − np.tanh(x)**2 is stable; a formula with e^x overflows past |x| ≈ 709.",
    "elu": "np.where(x > 0, x, α·(np.exp(x) − 1)) evaluates np.exp(x) on every element, so it overflows for "
           "x ≥ 710 even though that branch is not chosen: clip the argument first, α·np.expm1(np.minimum(x, 0)).",
    "elu_grad": "np.where evaluates both branches: use α·np.exp(np.minimum(x, 0)) for x ≤ 0.",
}
OVERFLOW_HINT = ("np.exp overflows past |x| ≈ 709 (float64) and 88 (float32); np.where evaluates both branches, so "
                 "clip the argument first (np.exp(np.minimum(x, 0))).")


def _expect_stable(answers, function: str, cases: dict, reveal: bool) -> None:
    """No overflow warning, NaN or Inf on each case's inputs, and the right values there
    (``cases``: name → (inputs, expected values); ``reveal``: name the input of the worst error)."""
    hint = OVERFLOW_HINTS.get(function, OVERFLOW_HINT)
    for name, (x, expected) in cases.items():
        answer, where = answers[name], f"|x| up to {max(-x.min(), x.max()):g} ({x.dtype})"
        expect(not answer.failure, f"On inputs with {where}: {answer.failure}.")
        warned = answer.overflow_warnings()
        expect(not warned, f"NumPy warned on inputs with {where}: {warned[0] if warned else ''}. {hint}")
        rtol, atol = (RTOL32, ATOL32) if x.dtype == np.float32 else (RTOL64, ATOL64)
        problem = answer.mismatch(expected, rtol, atol, x=x if reveal else None, reveal=reveal)
        expect(not problem, f"On inputs with {where}: {problem}. "
                            + (hint if "NaN" in problem else "Make the values check pass first."))


@check("relu_grad(0) is 0", points=5, timeout=TIMEOUT,
       feedback="use x > 0, not x >= 0: TensorFlow and the Playground take relu'(0) = 0.")
def relu_grad_at_zero(session):
    answers = _answers(session, "relu_grad")
    answer = answers["zeros"]
    expect(not answer.failure, answer.failure)
    got = answer.value.astype(np.float64)
    expect(got.shape == (4,) and np.all(got == 0.0),
           f"relu_grad(np.zeros(4)) returned {np.array2string(got, precision=4)}, expected [0. 0. 0. 0.].")
    _expect_grid_values(answers, "relu_grad", "The value at 0 earns its points only with correct values elsewhere.")


@check("sigmoid_grad peaks at 0.25", points=5, timeout=TIMEOUT,
       feedback="σ'(x) = σ(x)(1 − σ(x)) is largest at x = 0, where σ = 0.5: 0.5 · 0.5 = 0.25. This bound is why "
                "gradients vanish through many sigmoid layers.")
def sigmoid_grad_peak(session):
    answers = _answers(session, "sigmoid_grad")
    answer = answers["fine"]
    expect(not answer.failure, answer.failure)
    got = answer.value.astype(np.float64)
    expect(got.shape == FINE.shape and np.isfinite(got).all(),
           f"sigmoid_grad on 20,001 points in [−1, 1] returned shape {got.shape} or non-finite values.")
    peak, where = float(got.max()), float(FINE[int(np.argmax(got))])
    # 1e-12: σ(0) = 0.5 exactly in binary floating point, so a correct σ' gives 0.25 to the last bit.
    expect(abs(peak - 0.25) <= 1e-12 and where == 0.0,
           f"the largest value on [−1, 1] is {peak:.6g} at x = {where:g}; expected 0.25 at x = 0."
           f"{_diagnosis('sigmoid_grad', answers['grid64'])}")
    _expect_grid_values(answers, "sigmoid_grad", "The peak earns its points only with correct values elsewhere.")


@check_each(ALL, "{}: stable for extreme inputs", points=2, timeout=TIMEOUT,
            feedback="the README's stable formulas: e^−|x| only, and np.where evaluates both branches.")
def stable(session, parameter):
    function = parameter
    answers = _answers(session, function)
    _expect_grid_values(answers, function, _diagnosis(function, answers["grid64"])
                        + " Stability earns its points only with correct values.")
    _expect_stable(answers, function, {name: (VISIBLE[name], EXPECTED[f"{function}/{name}"]) for name in EXTREMES},
                   reveal=True)


@check_each(ALL, "{}: unseen inputs", points=1, visibility="hidden", timeout=TIMEOUT,
            description="{}: correct, finite and free of overflow warnings at other extreme magnitudes (float32 "
                        "and float64), and correct on unseen random inputs.")
def robust(session, parameter):
    function = parameter
    answers = _answers(session, function)
    _expect_stable(answers, function, {name: (HIDDEN[name], reference(function, HIDDEN[name]))
                                       for name in ("unseen_extreme64", "unseen_extreme32")}, reveal=False)
    # The float64 references, not TensorFlow at grading time (RUNTIME): for every *_grad they agree
    # with TensorFlow's autodiff to 1e-9 on these inputs (tests/grading/test_exercise04.py).
    expect_close(answers["hidden64"], reference(function, HIDDEN["hidden64"]), RTOL64, ATOL64, reveal=False,
                 on="On hidden random inputs, compared with the float64 reference")
    _expect_grid_values(answers, function, "Generalisation earns its points only with correct values.")


CHECKS = [*values, *structure, *stable, relu_grad_at_zero, sigmoid_grad_peak, *robust]
