"""Checks of exercise 10 (universal-approximation): 100 points, 3 visible checks and 2 hidden ones.

- exact at the knots: on the three public knot sets (17 knots of sin on [−π, π]; the README's
  five knots, in increasing order and in another order, since the README says the knots may come
  in any order) the network passes through every knot, |f(x_k) − y_k| ≤ 1e-6 · max|y| (30,
  visible);
- sin: with the 17 knots of sin, max |f(x) − sin x| ≤ 0.02 on a grid of 4001 points over
  [−π, π] (30, visible);
- other functions and knot sets (2 to 40 knots, uneven spacing, knots not in increasing order,
  values up to 1000 in size): f equals the piecewise-linear interpolant at the knots and between
  them, to 1e-6 · max|y| (30, hidden);
- at most one hidden unit per knot, a rule the README states: h ≤ n on the public knot sets (5,
  visible) and on the hidden ones (5, hidden), counted only when the network is also exact at the
  public knots.

Nothing is trained: the child only returns the weights (one sandboxed call per knot set; the
hidden sets are sent only when hidden checks run); the parent validates their shapes and
finiteness and evaluates the network itself in float64.

Thresholds.
- 1e-6 relative (the contract's): an exact construction in float64 is off by ~1e-15 (the
  reference: 6.7e-16 at the knots and 1.7e-15 between them on sin, at most ~1e-13 · max|y| on
  the hidden sets), so 1e-6 leaves nine orders of magnitude for other correct ways of computing
  (a least-squares solve, units mirrored from the right) and still fails any wrong kink or slope
  (the typical mistakes are off by 0.1 to 10 · max|y|). The reference's weights rounded to
  float32 stay within 1.5e-7 · max|y| on every set, so a student who goes through float32 (Keras
  weights, say) still passes.
- 0.02 on sin (the contract's): the interpolant with spacing d = 2π/16 is within
  d²/8 · max|sin''| = 0.0193 of sin; measured on the grid: 0.0188 (margin 0.0012). Every correct
  answer is the same curve there, so the margin is the same for all. Wrong answers miss it by
  far: kinks one knot off 0.39, slopes where changes of slope belong 3.1, the first segment's
  slope missing 0.38, zeros 1.0.
"""

from __future__ import annotations

import numpy as np

from kit.grading.authoring import CallFailed, CheckFailed, check, expect, expected_values, fail

RUNTIME = "numpy"  # grading loads no TensorFlow: the checks and an honest submission need NumPy alone
TIMEOUT = 10.0  # each call only builds a few small arrays; 10 s stops a hang
RTOL = 1e-6  # contract: exact to 1e-6 relative (to the largest |y| of the set); see the docstring
SIN_BOUND = 0.02  # contract: max error from sin with 17 knots on [−π, π]
SIN_GRID = np.linspace(-np.pi, np.pi, 4001)
PER_SEGMENT = 25  # grid points inside each segment when comparing with the interpolant
SIN = "17 knots of sin on [−π, π]"  # the public set the error bound is checked on
SHUFFLED = "the README's 5 knots, in another order"  # the README's rule: the knots may come in any order


def _public_sets() -> dict:
    sin_x = np.linspace(-np.pi, np.pi, 17)
    return {
        SIN: (sin_x, np.sin(sin_x)),
        "the README's 5 knots": (np.array([-2.0, -1.0, 0.0, 1.5, 3.0]), np.array([1.0, -1.0, 0.5, 2.0, 2.0])),
        SHUFFLED: (np.array([1.5, -2.0, 3.0, 0.0, -1.0]), np.array([2.0, 1.0, 2.0, 0.5, -1.0])),
    }


def _hidden_sets() -> dict:
    """Knot sets only hidden checks send (named by what they are like, never by their values)."""
    rng = np.random.default_rng(20_240_610)

    def uneven(n, low, high):  # n distinct knots, no two closer than a fifth of the even spacing, shuffled
        while True:
            x = np.sort(rng.uniform(low, high, n))
            if np.min(np.diff(x)) > 0.2 * (high - low) / n:
                return rng.permutation(x)

    x_square = uneven(9, -2.0, 2.0)
    x_exp = uneven(25, 0.0, 3.0)
    x_tanh = uneven(12, -1.5, 1.5)
    x_cos = uneven(40, -5.0, 5.0)
    x_flat = rng.permutation(np.array([-1.0, 0.0, 0.5, 2.0, 2.5, 4.0]))
    flat_values = {-1.0: 0.0, 0.0: 0.0, 0.5: 1.0, 2.0: 1.0, 2.5: 0.0, 4.0: 0.0}
    return {
        "two knots, the larger x first": (np.array([1.5, -0.5]), np.array([3.0, -1.0])),
        "x² on 9 uneven knots, not in increasing order": (x_square, x_square ** 2),
        "exp on 25 uneven knots, not in increasing order": (x_exp, np.exp(x_exp)),
        "a steep tanh of size 1000 on 12 uneven knots, not in increasing order": (x_tanh, 1000.0 * np.tanh(3 * x_tanh)),
        "cos on 40 uneven knots, not in increasing order": (x_cos, np.cos(x_cos) + 0.3 * x_cos),
        "a trapezoid with flat parts on 6 knots, not in increasing order": (x_flat, np.array([flat_values[v] for v in x_flat])),
    }


PUBLIC = _public_sets()
HIDDEN = _hidden_sets()


def relu(z):
    return np.maximum(z, 0.0)


def network(w: dict, x) -> np.ndarray:
    """relu(x @ W1 + b1) @ W2 + b2 at the points x (1-D), in float64."""
    return (relu(np.asarray(x, dtype=np.float64).reshape(-1, 1) @ w["W1"] + w["b1"]) @ w["W2"] + w["b2"])[:, 0]


def weights(session, knots_x: np.ndarray, knots_y: np.ndarray) -> dict:
    """The submission's weights for these knots as float64 arrays, or CheckFailed saying what is wrong."""
    layout = '"W1": (1, h), "b1": (h,), "W2": (h, 1), "b2": (1,)'
    try:
        returned = session.plain("relu_interpolant", knots_x, knots_y, timeout=TIMEOUT)
    except CallFailed as failure:
        if "expected plain data" in str(failure):
            fail(f"{failure}. Return a dict of NumPy arrays ({layout}); tensors and other objects cannot reach "
                 "the grader: convert them with np.asarray.")
        raise
    expect(type(returned) is dict, f"relu_interpolant returned a {type(returned).__name__}; expected a dict {{{layout}}}.")
    missing = [key for key in ("W1", "b1", "W2", "b2") if key not in returned]
    expect(not missing, f"relu_interpolant returned a dict without {', '.join(map(repr, missing))}; expected the keys "
                        "'W1', 'b1', 'W2', 'b2' (case matters).")
    arrays = {}
    for key in ("W1", "b1", "W2", "b2"):
        try:
            arrays[key] = np.asarray(returned[key], dtype=np.float64)
        except (TypeError, ValueError):
            fail(f"relu_interpolant(...)[{key!r}] is not an array of numbers; expected float arrays {layout}.")
        expect(np.isfinite(arrays[key]).all(),
               f"relu_interpolant(...)[{key!r}] holds NaN or infinite values (two knots with the same x? the "
               "knots are distinct, but sort them before dividing by their differences).")
    w1 = arrays["W1"]
    if w1.ndim == 2 and w1.shape[1] == 1 and w1.shape[0] > 1:
        fail(f"W1 has shape {w1.shape}; expected (1, h): it looks transposed. In Keras's layout x @ W1 + b1 has one "
             "row per input (here 1) and one column per hidden unit.")
    expect(w1.ndim == 2 and w1.shape[0] == 1, f"W1 has shape {w1.shape}; expected (1, h): one input, x, and h hidden units.")
    expect(w1.shape[1] >= 1, "W1 has shape (1, 0): no hidden unit, so the output is the constant b2. At least one unit "
                             "is needed, to give the first segment's slope.")
    h = w1.shape[1]
    for key, shape in (("b1", (h,)), ("W2", (h, 1)), ("b2", (1,))):
        got = arrays[key].shape
        if got != shape:
            hint = f" Reshape it: np.reshape(…, {shape})." if arrays[key].size == int(np.prod(shape)) else ""
            fail(f"{key} has shape {got}; with W1 of shape (1, {h}) it must be {shape}.{hint}")
    return arrays


def _scale(knots_y) -> float:
    return max(float(np.max(np.abs(knots_y))), 1e-12)


def between_points(knots_x) -> np.ndarray:
    """The knots and PER_SEGMENT points inside each segment between neighbouring knots."""
    x = np.sort(knots_x)
    inside = [np.linspace(a, b, PER_SEGMENT + 2)[1:-1] for a, b in zip(x[:-1], x[1:])]
    return np.concatenate([x, *inside])


def _kinks(w: dict) -> tuple[np.ndarray, np.ndarray]:
    """(positions, slope changes) of the units that bend the output: W1 and W2 not 0."""
    w1, w2 = w["W1"][0], w["W2"][:, 0]
    live = (w1 != 0) & (w2 != 0)
    return -w["b1"][live] / w1[live], (w2 * np.abs(w1))[live]


def _segments(knots_x, knots_y) -> dict:
    """The interpolant's segments, left to right: their slopes, and the inner knots where the slope
    changes (where a unit must bend). For the diagnosis; the release ships them for the public sets."""
    order = np.argsort(knots_x)
    x, y = np.asarray(knots_x, dtype=np.float64)[order], np.asarray(knots_y, dtype=np.float64)[order]
    slopes = np.diff(y) / np.diff(x)
    changes = np.abs(np.diff(slopes)) > RTOL * _scale(y) / max(np.ptp(x), 1e-12)
    return {"slopes": slopes, "kinks": x[1:-1][changes]}


def _expected() -> dict:
    """What the visible checks' diagnosis compares with, per public set (the release's expected.npz)."""
    return {f"set{index}/{key}": value for index, (knots_x, knots_y) in enumerate(PUBLIC.values())
            for key, value in _segments(knots_x, knots_y).items()}


EXPECTED = expected_values(_expected)


def _stored_segments(what: str) -> dict:
    index = list(PUBLIC).index(what)
    return {key: EXPECTED[f"set{index}/{key}"] for key in ("slopes", "kinks")}


def diagnosis(w: dict, knots_x, knots_y, reveal: bool, segments: dict) -> str:
    """The likely mistake behind a network that misses the knots (names no knot unless ``reveal``);
    ``segments`` are the interpolant's (:func:`_segments`)."""
    order = np.argsort(knots_x)
    x, y = np.asarray(knots_x, dtype=np.float64)[order], np.asarray(knots_y, dtype=np.float64)[order]
    error = network(w, x) - y
    tolerance = RTOL * _scale(y)
    slopes = segments["slopes"]
    if not np.any(w["W1"]) or not np.any(w["W2"]):
        return (" No hidden unit reaches the output (W1 or W2 is all zeros), so the output is the constant b2 "
                "everywhere: each unit must bend at a knot and add its change of slope.")
    if np.all(np.abs(error - error[0]) <= tolerance):
        return (f" Your output is off by the same {error[0]:+.4g} at every knot: the offset b2 is missing or wrong "
                "(b2 is what the network outputs where no unit is active yet, e.g. at the first knot).")
    w1 = w["W1"][0]
    every = np.sort(-w["b1"][w1 != 0] / w1[w1 != 0])  # where each unit bends, whatever its output weight
    if len(every) == len(x) - 1 and np.allclose(every, x[1:], rtol=1e-9, atol=1e-12):
        return (" Your units bend one knot too late: each sits at the right end of its segment instead of the left "
                "(unit j must start bending at x_j, the first knot of segment j), so the first segment stays flat "
                "and every kink lands on the wrong segment.")
    line = np.polyfit(x - x[0], error, 1)
    if np.all(np.abs(np.polyval(line, x - x[0]) - error) <= tolerance):
        return (f" Your error grows along a straight line of slope {line[0]:+.4g}: the first segment's slope is "
                "missing or wrong. Left of the second knot only the units that bend at or before the first knot "
                "are active: one of them must give the slope (y_1 − y_0)/(x_1 − x_0).")
    positions, changes = _kinks(w)
    inner = segments["kinks"]
    bent = [any(np.isclose(p, knot, rtol=1e-9, atol=1e-12 * max(np.ptp(x), 1.0)) for p in positions) for knot in inner]
    if not all(bent):
        missing = inner[~np.array(bent)]
        where = f" (the first at x = {missing[0]:.6g})" if reveal else ""
        return (f" At {len(missing)} knot{'s' * (len(missing) != 1)} where the slope changes no hidden unit bends"
                f"{where}: each unit relu(W1[0, j]·x + b1[j]) bends at x = −b1[j]/W1[0, j], and the kinks must sit "
                "exactly at the knots (one knot off moves every kink onto the wrong segment).")
    if len(slopes) > 1 and len(changes) and np.allclose(np.sort(changes), np.sort(slopes[: len(changes)]), rtol=1e-6):
        return (" W2 holds the slopes of the segments: each unit must add the *change* of slope at its kink "
                "(slope right of the knot minus slope left of it), since the units before it stay active.")
    first = int(np.argmax(np.abs(error) > tolerance))
    where = f" (the first at x = {x[first]:.6g}: got {y[first] + error[first]:.8g}, expected {y[first]:.8g})" if reveal else ""
    return (f" The values at the knots are wrong{where}. Left to right, each kink must change the slope by (slope "
            "right of the knot − slope left of it), with b2 the value at the first knot.")


def _miss_message(what: str, w: dict, knots_x, knots_y, points, reveal: bool, segments: dict,
                  sort_hint: bool = False) -> str:
    error = np.abs(network(w, points) - np.interp(points, np.sort(knots_x), np.asarray(knots_y)[np.argsort(knots_x)]))
    scale = _scale(knots_y)
    wrong = int(np.sum(error > RTOL * scale))
    text = (f"on {what} the network of relu_interpolant is off the interpolant at {wrong} of {len(points)} points "
            f"(largest error {error.max():.3g}, {error.max() / scale:.2g} of the largest |y|; allowed {RTOL:g}).")
    if sort_hint and not np.all(np.diff(knots_x) > 0):
        return text + (" The knots of this set are not given in increasing order (your network is right on the "
                       "sets whose knots are): sort them (np.argsort) before taking differences, and keep each y "
                       "with its x.")
    return text + diagnosis(w, knots_x, knots_y, reveal, segments)


def _sorted_first(sets: dict) -> list:
    """The names of ``sets``, those whose knots come in increasing order first."""
    return sorted(sets, key=lambda what: not np.all(np.diff(sets[what][0]) > 0))


def _exact_on_public(session, sets) -> None:
    """Fail unless the network passes through every knot of the named public sets; on a set not in
    increasing order, after the sorted ones passed, the message names the order as the likely mistake."""
    passed_sorted = False  # the network passes through a set whose knots come in increasing order
    for what in _sorted_first({what: PUBLIC[what] for what in sets}):
        knots_x, knots_y = PUBLIC[what]
        w = weights(session, knots_x, knots_y)
        error = np.abs(network(w, knots_x) - knots_y)
        if np.any(error > RTOL * _scale(knots_y)):
            fail(_miss_message(what, w, knots_x, knots_y, knots_x, True, _stored_segments(what),
                               sort_hint=passed_sorted))
        passed_sorted = passed_sorted or bool(np.all(np.diff(knots_x) > 0))


@check("exact at the knots", points=30, timeout=TIMEOUT,
       feedback="relu(x @ W1 + b1) @ W2 + b2 must pass through every knot (x_k, y_k), given in any order; see the "
                "README.")
def exact_at_knots(session):
    _exact_on_public(session, PUBLIC)


@check(f"sin, 17 knots: max error ≤ {SIN_BOUND} on [−π, π]", points=30, timeout=TIMEOUT,
       feedback="Between the knots the network must follow the straight segments that join them.")
def sin_error(session):
    knots_x, knots_y = PUBLIC[SIN]
    w = weights(session, knots_x, knots_y)
    error = np.abs(network(w, SIN_GRID) - np.sin(SIN_GRID))
    worst = int(np.argmax(error))
    expect(error[worst] <= SIN_BOUND,
           f"with the 17 knots of sin your network is {error[worst]:.3g} away from sin at x = {SIN_GRID[worst]:.4f} "
           f"(allowed {SIN_BOUND}; the interpolant itself is within 0.019).{diagnosis(w, knots_x, knots_y, True, _stored_segments(SIN))}")


@check("other functions and knot sets: the interpolant", points=30, visibility="hidden", timeout=TIMEOUT,
       description="relu_interpolant equals the piecewise-linear interpolant for other functions and knot sets, "
                   "sorted or not.",
       feedback="Any n ≥ 2 distinct knots, in any order: sort them, keep each y with its x.")
def other_knot_sets(session):
    try:  # right on the sorted public sets: the likely mistake on unsorted ones is the order
        _exact_on_public(session, [what for what in PUBLIC if np.all(np.diff(PUBLIC[what][0]) > 0)])
        public_right = True
    except CheckFailed:
        public_right = False
    for what, (knots_x, knots_y) in HIDDEN.items():
        w = weights(session, knots_x, knots_y)
        points = between_points(knots_x)
        expected = np.interp(points, np.sort(knots_x), knots_y[np.argsort(knots_x)])
        if np.any(np.abs(network(w, points) - expected) > RTOL * _scale(knots_y)):
            fail(_miss_message(what, w, knots_x, knots_y, points, False, _segments(knots_x, knots_y),
                               sort_hint=public_right))


def _expect_one_unit_per_knot(session, sets: dict, reveal: bool) -> None:
    try:  # the limit earns its points only on a correct interpolant
        exact_at_knots.function(session)
    except CheckFailed as failure:
        fail(f"this check counts only for a network that passes through the knots, and {failure}")
    for what, (knots_x, knots_y) in sets.items():
        h = weights(session, knots_x, knots_y)["W1"].shape[1]
        where = f"on {what}" if reveal else "on an unseen knot set"
        expect(h <= len(knots_x),
               f"{where} the network of relu_interpolant has h = {h} hidden units for {len(knots_x)} knots; this "
               "exercise allows at most one per knot. One unit per segment is enough: each bends the curve once, "
               "at its left knot, and the first one also gives the first segment's slope (two units per segment, "
               "or spare units, are more than the lesson needs).")


@check("at most one hidden unit per knot (public knots)", points=5, timeout=TIMEOUT,
       feedback="n − 1 units suffice for n knots: one per segment, bending at its left knot.")
def one_unit_per_knot(session):
    _expect_one_unit_per_knot(session, PUBLIC, reveal=True)


@check("at most one hidden unit per knot (other knot sets)", points=5, visibility="hidden", timeout=TIMEOUT,
       description="a correct interpolant uses no more hidden units than there are knots on knot sets you have "
                   "not seen too.",
       feedback="n − 1 units suffice for n knots: one per segment, bending at its left knot.")
def one_unit_per_knot_unseen(session):
    _expect_one_unit_per_knot(session, HIDDEN, reveal=False)


CHECKS = [exact_at_knots, sin_error, one_unit_per_knot, other_knot_sets, one_unit_per_knot_unseen]
