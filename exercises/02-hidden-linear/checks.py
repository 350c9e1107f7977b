"""Checks of exercise 02 (hidden-linear): 100 points, 4 visible checks (75) and 2 hidden ones (25).

- ``build_deep_linear`` (visible, 15): for four ``(n_inputs, hidden)`` requests, one of them with
  no hidden layer (the starter says ``hidden`` may be empty), the model has exactly the asked
  hidden widths, every hidden activation linear, one tanh output unit and ``n_inputs`` inputs.
  Hidden (5): three more requests (deeper, wider, none).
- the deep linear network on xor (visible, 25): ``build_deep_linear(2, [8, 8])``, as the
  submission built it (its own initial weights; the child seeds Keras first, so they are the same
  at every grading), trained by the grader on xor (``XOR_RECIPE``: SGD 0.03, the Playground's
  settings) reaches the lowest training loss a straight line can
  (:func:`kit.grading.authoring.baselines.best_line_loss`, within ``LINE_LOSS_MARGIN``: training
  worked) and scores test accuracy below 0.8 (the contract's bar) and no higher than the best
  half-plane on the same test points
  (:func:`kit.grading.authoring.baselines.best_half_plane_accuracy`): the lesson, checked so that
  it could fail. A network with a non-linear hidden layer earns nothing here, whatever it scores.
  The grader trains the submission's own weights, not the Playground's initialisation: with the
  architecture fixed ([8, 8], linear, tanh output, biases) and the recipe the grader's, that is the
  one thing a submission decides that can keep it from the best line (initial weights that start
  the tanh output saturated); from the Playground's initialisation every submission that passes
  the structure check would reach it, and the line-loss test could not fail.
- ``collapse`` (visible, 25): on five weight lists of depths 1 to 5 (float64, Keras layout),
  ``x @ W + b`` equals the network's output on random x (relative 1e-6); W has shape
  (n_inputs, n_outputs) and b (n_outputs,), both in the weights' dtype (the starter's rule).
  Hidden (20): ten unseen lists of random depths 1-5 and widths 1-8.
- ``collapse`` of a trained Keras network (visible, 10): the weights of a [8, 8] linear network
  the grader trained on xor (float32, from ``model.get_weights()``); tanh(x @ W + b) must
  reproduce the network's output, and W and b must be float32 (a float64 constant in the fold
  is the usual way to lose the dtype).

For ``build_deep_linear`` the structure is the whole of the task (the parent rebuilds the
network from it, weights and all), so its checks ask for several requests, and the behaviour
it leads to (one straight boundary, whatever the depth) is measured in the xor check. A failed
``collapse`` is diagnosed against the usual mistakes (biases ignored or not carried through the
later kernels, the last layer only, the kernels multiplied in the wrong order, W transposed).

Thresholds, measured with ``RECIPE``:
- collapse, float64: 1e-6 relative to the output's scale (the contract's). On the 15 lists a
  correct fold agrees with the layer-by-layer output to 7e-16, and the same fold in float32 to
  1.6e-7; each wrong formula above is off by 0.04 or more on every list of depth ≥ 2 (biases
  ignored ≥ 0.04, the last bias only ≥ 0.12, summed biases 0.13, the reversed product 1.15
  where it can be computed; elsewhere it raises).
- collapse, float32 weights: 1e-5 relative. The student's W and b are float32 (the weights'
  dtype); float32 carries ~7 digits, and a product of three kernels loses a few roundings.
- xor: the network's training loss within ``LINE_LOSS_MARGIN`` of the best line's (it learned all a
  line can), and its test accuracy < 0.8 and ≤ best half-plane + ``HALF_PLANE_SLACK``: over xor
  seeds 0-9 (noise 0 and 15) the best half-plane scores 0.716 to 0.780 (0.728 on the visible seed
  0); a linear classifier cannot beat it (rounding aside: the slack). Measured with
  ``XOR_RECIPE`` on the visible seed, from Keras-built weights (seeded 0): [8, 8] linear with
  Keras's default initialisation ends 0.0000 above the best line's loss (0.4979), test accuracy
  0.520; initialised all zeros, 0.0000 (the flat output is the best line); the same [8, 8] with
  relu reaches 1.000, 0.27 above the line; kernels drawn N(0, 1), N(0, 3²) or U(−3, 3), or all
  ones, start the tanh output saturated and end 0.21 to 0.55 above the best line's loss.
"""

from __future__ import annotations

import functools

import numpy as np

from kit.grading.authoring import (Answer, CallFailed, ImportRule, best_half_plane_accuracy, best_line_loss, check,
                                   expect, expected_values, fail, models, passed, raised, trials,
                                   paragraphs as _paragraphs)

# kit.diagnostics.collapse_linear folds a model's layers: the README says to fold them yourself.
FORBIDDEN_IMPORTS = ImportRule(("kit.diagnostics",), why="this exercise asks you to fold the layers "
                               "yourself, not to call kit.diagnostics.collapse_linear")

RECIPE = {"optimizer": "adam", "learning_rate": 0.03, "epochs": 50, "batch_size": 10}  # the collapse check's network
XOR_RECIPE = {"optimizer": "sgd", "learning_rate": 0.03, "epochs": 100, "batch_size": 10}
# The xor check trains at the Playground's settings, as the zoo's linear entries (models/linear.py):
# Adam 0.03 left [8, 8] linear networks up to 0.44 above the best line's loss; SGD 0.03 reaches it.
LINE_LOSS_MARGIN = 0.01
# The trained network's training loss may exceed the lowest loss any straight line reaches on the
# same points (:func:`kit.grading.authoring.baselines.best_line_loss`) by at most this: the network
# learned all a line can, so its failure on xor is the model's limit, not its training's. Measured
# (XOR_RECIPE, visible seed 0): the solution's network (Keras's default initialisation) ends < 1e-4
# above it; a network whose initial kernels start the tanh output saturated (N(0, 1): 0.21 above;
# all ones: 0.52) does not reach it; the zoo's [8, 8] linear networks ≤ 2e-4 over seeds 0-15,
# under-trained ones (1 epoch at 1e-5, 5 at 1e-3) 0.02-0.31 above (models/linear.py's LINE_LOSS_MARGIN).
TIMEOUT = 30.0  # a Keras model builds in about a second in the sandbox; 30 s only stops a hang
XOR_BAR = 0.8
# 2 test points of 250: the float32 model may label a point on the line differently from the
# float64 search; a non-linear [8, 8] network beats the line by 0.2 or more on xor.
HALF_PLANE_SLACK = 0.008
RTOL64 = 1e-6
RTOL32 = 1e-5
VISIBLE_SEED = 0

BUILD_VISIBLE = ((2, [8, 8]), (3, [4]), (2, [5, 1, 3]), (2, []))  # the starter: hidden "may be empty"
BUILD_HIDDEN = ((4, [2, 7, 3, 6]), (2, [8, 8, 8, 8, 8, 8]), (1, []))

# Layer widths (n_0, n_1, …, n_k) of the visible weight lists: depths 1 to 5, several outputs (so
# that a transposed W shows), a square chain (so that the reversed product can be computed and
# named), and a bottleneck of one unit.
VISIBLE_SHAPES = {"depth 1": (3, 2), "depth 2": (2, 8, 1), "depth 3, square": (3, 3, 3, 3),
                  "depth 4, bottleneck": (4, 5, 1, 6, 2), "depth 5": (2, 8, 8, 8, 8, 1)}
N_HIDDEN_LISTS = 10


def _chain(rng, widths) -> list[np.ndarray]:
    """[W1, b1, …, Wk, bk] (float64) for layer widths (n_0, …, n_k); outputs of order 1."""
    weights = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        weights += [rng.normal(0.0, 1.0 / np.sqrt(fan_in), (fan_in, fan_out)), rng.normal(0.0, 1.0, fan_out)]
    return weights


def _visible_lists() -> dict:
    rng = np.random.default_rng(2)
    return {name: _chain(rng, widths) for name, widths in VISIBLE_SHAPES.items()}


def _hidden_lists() -> dict:
    rng = np.random.default_rng(20_202)
    hidden = {}
    for index in range(N_HIDDEN_LISTS):
        depth = int(rng.integers(1, 6))
        widths = [int(rng.integers(1, 7))] + [int(w) for w in rng.integers(1, 9, depth)]
        hidden[f"unseen {index + 1}"] = _chain(rng, widths)
    return hidden


# Two statements, so that the student release (kit release) can keep one and leave the other out.
VISIBLE_LISTS = _visible_lists()
HIDDEN_LISTS = _hidden_lists()


def forward(weights, x) -> np.ndarray:
    """The stack's output, layer by layer in float64: (…(x·W1 + b1)·W2 + b2…)·Wk + bk."""
    h = np.asarray(x, dtype=np.float64)
    for kernel, bias in zip(weights[0::2], weights[1::2]):
        h = h @ np.asarray(kernel, dtype=np.float64) + np.asarray(bias, dtype=np.float64)
    return h


def _inputs(weights, seed: int) -> np.ndarray:
    """Random points on which x @ W + b is compared with the stack (never sent to the child)."""
    return np.random.default_rng(seed).normal(0.0, 3.0, (64, weights[0].shape[0]))


# ---------------------------------------------------------------------------------------------
# build_deep_linear: built in the sandbox, judged as a rebuilt model here.


def _description(session, n_inputs: int, hidden: list) -> dict:
    """The allow-listed description of ``build_deep_linear(n_inputs, hidden)`` (validated)."""
    session.build_model("build_deep_linear", n_inputs, list(hidden), timeout=TIMEOUT)
    return session.run("build_model", {"function": "build_deep_linear", "args": [n_inputs, list(hidden)],
                                       "keywords": {}}, timeout=TIMEOUT)


def _dense(description: dict) -> list[dict]:
    return [layer for layer in models.check_description(description) if layer["kind"] == "Dense"]


def _structure_problem(description: dict, n_inputs: int, hidden: list, reveal: bool = True) -> str:
    """Why the model is not the deep linear network asked for ('' when it is); without ``reveal``
    (hidden requests) the message does not quote the request."""
    dense = _dense(description)
    layers, output = dense[:-1], dense[-1]
    call = f"build_deep_linear({n_inputs}, {list(hidden)})" if reveal else "For an unseen request, build_deep_linear"
    for index, layer in enumerate(layers, 1):
        if layer["activation"] != "linear":
            return (f"{call}: hidden layer {index} uses {layer['activation']}; this exercise asks for linear (no "
                    f"activation) in every hidden layer ({layer['activation']} bends the boundary: that is the "
                    "next lesson).")
    widths = [layer["units"] for layer in layers]
    if widths != list(hidden):
        return ((f"{call} has hidden widths {widths}; expected {list(hidden)}" if reveal else
                 f"{call} does not have the asked hidden widths") +
                ": one Dense layer per entry of hidden, in order, with that many units.")
    if output["activation"] != "tanh" or output["units"] != 1:
        return (f"{call}: the output layer is {output['units']} {output['activation']} "
                f"unit{'s' * (output['units'] != 1)}; the Playground's classifier ends in 1 tanh unit.")
    if description["n_inputs"] != n_inputs:
        return (f"{call} takes {description['n_inputs'] if reveal else 'another number of'} input features; use "
                "keras.Input(shape=(n_inputs,)).")
    return ""


def _expect_built(session, requests, reveal: bool) -> None:
    for n_inputs, hidden in requests:
        try:
            description = _description(session, n_inputs, hidden)
        except CallFailed as failure:
            if hidden or not reveal:
                raise
            raise CallFailed(_paragraphs(f"For build_deep_linear({n_inputs}, []): {failure}",
                                         "hidden may be empty ([]): then the input goes straight into the one tanh "
                                         "output unit.")) from None
        problem = _structure_problem(description, n_inputs, hidden, reveal)
        expect(not problem, _paragraphs(problem))


def _train(model, data, seed: int) -> None:
    """Train the grader's own network with RECIPE (the kit's trainer)."""
    from kit.training import train

    train(model, data, epochs=RECIPE["epochs"], batch_size=RECIPE["batch_size"], optimizer=RECIPE["optimizer"],
          learning_rate=RECIPE["learning_rate"], seed=seed, verbose=0)


def _xor(seed: int):
    from kit import datasets

    return datasets.playground("xor", noise=0, seed=seed)


# ---------------------------------------------------------------------------------------------
# collapse: every weight list in one sandboxed call; the diagnosis of the usual mistakes.


def _new_network():
    from kit import builders

    return builders.build_mlp(2, hidden=[8, 8], activation="linear", head="playground", seed=VISIBLE_SEED)


def _train_network() -> list[np.ndarray]:
    """A [8, 8] linear network (tanh output) trained on xor by the grader: its float32 weights."""
    model = _new_network()
    _train(model, _xor(VISIBLE_SEED), VISIBLE_SEED)
    return [np.asarray(w, dtype=np.float32) for w in model.get_weights()]


@functools.lru_cache(maxsize=1)
def _trained_network():
    """That trained network (its weights are among the expected values, so the release ships them
    and trains nothing): its model and float32 weights."""
    model = _new_network()
    weights = [EXPECTED[f"keras/weight{i}"] for i in range(len(model.get_weights()))]
    model.set_weights(weights)
    return model, weights


def _collapse_answers(session) -> dict:
    """collapse(weights) for every list, in one sandboxed call (hidden lists only when hidden checks run)."""
    lists = dict(VISIBLE_LISTS, keras=_trained_network()[1])
    if session.sends_hidden:
        lists.update(HIDDEN_LISTS)
    try:
        plain = session.run("call_cases", {"function": "collapse", "cases": {n: [w] for n, w in lists.items()}},
                            timeout=TIMEOUT)
    except CallFailed as failure:
        raise CallFailed(f"collapse {failure}") from None
    expect(type(plain) is dict, "collapse gave the grader no answer it could read.")
    return plain


def _close(got, expected, rtol: float) -> bool:
    return got.shape == expected.shape and np.allclose(got, expected, rtol=rtol,
                                                       atol=rtol * max(1.0, float(np.abs(expected).max(initial=0))))


def _folded(weights) -> tuple[np.ndarray, np.ndarray]:
    """The right (W, b), computed by the grader (float64)."""
    kernels = [np.asarray(w, dtype=np.float64) for w in weights[0::2]]
    biases = [np.asarray(b, dtype=np.float64) for b in weights[1::2]]
    W, b = kernels[0], biases[0]
    for kernel, bias in zip(kernels[1:], biases[1:]):
        W, b = W @ kernel, b @ kernel + bias
    return W, b


def _solution(weights) -> dict:
    """The right (W, b) of a weight list, and the kernels' product in the wrong order (for the
    diagnosis; None where the shapes do not allow it)."""
    W, b = _folded(weights)
    try:
        backwards = functools.reduce(np.matmul, [np.asarray(w, dtype=np.float64) for w in weights[0::2]][::-1])
    except ValueError:
        backwards = None
    return {"W": W, "b": b, "backwards": backwards}


def _expected() -> dict:
    """What the visible checks compare with: the solution of every visible weight list and of the
    trained network, and that network's weights. The student release ships these (expected.npz)."""
    lists = dict(VISIBLE_LISTS, keras=_train_network())
    values = {f"keras/weight{i}": w for i, w in enumerate(lists["keras"])}
    for name, weights in lists.items():
        for key, value in _solution(weights).items():
            if value is not None:
                values[f"{name}/{key}"] = value
    return values


EXPECTED = expected_values(_expected)


def _stored(name: str) -> dict:
    return {key: EXPECTED.get(f"{name}/{key}") for key in ("W", "b", "backwards")}


def _diagnosis(W, b, weights, solution: dict) -> str:
    """The likely mistake behind a wrong (W, b) of the right shapes, or ''."""
    kernels = [np.asarray(w, dtype=np.float64) for w in weights[0::2]]
    biases = [np.asarray(v, dtype=np.float64) for v in weights[1::2]]
    right_W, right_b = solution["W"], solution["b"]
    near = functools.partial(_close, rtol=1e-6)
    if len(kernels) > 1 and near(W, kernels[-1]) and near(b, biases[-1]):
        return "You returned the last layer's (Wk, bk) only: every layer contributes, W = W1·W2···Wk."
    if len(kernels) > 1 and near(W, kernels[0]) and near(b, biases[0]):
        return "You returned the first layer's (W1, b1) only: every layer contributes, W = W1·W2···Wk."
    if near(W, right_W):
        if near(b, np.zeros_like(right_b)):
            return ("W is right but your collapse ignores the biases: each layer's bias reaches the output through "
                    "the kernels after it, b = (…(b1·W2 + b2)·W3 + …)·Wk + bk.")
        if len(biases) > 1 and near(b, biases[-1]):
            return ("W is right but b is the last layer's bias only: the earlier biases reach the output through "
                    "the kernels after them, b = (…(b1·W2 + b2)·W3 + …)·Wk + bk.")
        if len({v.shape for v in biases}) == 1 and near(b, np.sum(biases, axis=0)):
            return ("W is right but you added the biases as they are: each must first pass through the kernels "
                    "after it, b = (…(b1·W2 + b2)·W3 + …)·Wk + bk.")
        return "W is right but b is not: fold each bias through the later kernels, b ← b·Wi + bi."
    backwards = solution["backwards"]
    if backwards is not None and len(kernels) > 1 and near(W, backwards):
        return ("You multiplied the kernels in the wrong order (Wk···W1): x meets W1 first, so W = W1·W2···Wk "
                "(Keras kernels have shape (inputs, units)).")
    if near(W.T, right_W):
        return ("W is the transpose of the right one: Keras kernels have shape (inputs, units), so x @ W needs "
                "W1·W2···Wk.")
    return ""


def _case_problem(answer, weights, x, rtol: float, reveal: bool, solution: dict) -> tuple[str, bool]:
    """What is wrong with collapse's answer for one weight list ('' when right), and whether that
    names a likely mistake (a transpose, the wrong order, the biases …)."""
    if type(answer) is not dict:
        return "collapse gave the grader no answer it could read", False
    if type(answer.get("error")) is dict:
        error = answer["error"]  # the message may quote hidden shapes: only visible checks show it
        text = raised("collapse", error, reveal=reveal)
        if error.get("type") == "ValueError":
            text += (" (Keras kernels have shape (inputs, units): fold them in order, W1·W2···Wk; a size mismatch "
                     "usually means the order or a transpose is wrong)")
        return text, False
    items = answer.get("items")
    if answer.get("type") not in ("tuple", "list") or type(items) is not list or len(items) != 2:
        return f"collapse returned a {answer.get('type', '?')}; return the pair (W, b) of NumPy arrays", False
    W, b = (Answer.from_plain(item, "collapse") for item in items)
    for name, part in (("W", W), ("b", b)):
        if part.failure:
            return part.failure.replace("collapse returned", f"collapse returned as {name}"), False
    dtypes = (W.value.dtype, b.value.dtype)
    W, b = W.value.astype(np.float64), b.value.astype(np.float64)
    right_W, right_b = solution["W"], solution["b"]
    n_in, n_out = right_W.shape
    if W.shape != right_W.shape:
        last = np.asarray(weights[-2], dtype=np.float64)
        if len(weights) > 2 and W.shape == last.shape and np.allclose(W, last):
            return "W is the last layer's kernel: every layer contributes, W = W1·W2···Wk", True
        if W.shape == (n_out, n_in):
            shape = f" = ({n_in}, {n_out})" if reveal else ""
            return ("W has the shape of its transpose (outputs, inputs): Keras kernels have shape (inputs, units), "
                    f"so x @ W needs W of shape (n_inputs, n_outputs){shape}"), True
        return (f"W has shape {W.shape}; expected (n_inputs, n_outputs) = ({n_in}, {n_out})" if reveal else
                "W does not have the shape (n_inputs, n_outputs)"), False
    if b.shape != right_b.shape:
        return (f"b has shape {b.shape}; expected ({n_out},), one value per output like a Keras bias" if reveal else
                "b does not have the shape (n_outputs,) of a Keras bias"), False
    if not (np.isfinite(W).all() and np.isfinite(b).all()):
        return "W or b holds NaN or infinite values", False
    got, expected = x @ W + b, forward(weights, x)
    if _close(got, expected, rtol):
        asked = np.asarray(weights[0]).dtype
        if any(dtype != asked for dtype in dtypes):
            return (f"W and b are right but of dtype {dtypes[0]} and {dtypes[1]}, while the weights are {asked}: "
                    "return them in the weights' dtype (a float64 array such as np.eye(n), np.zeros(n) or "
                    ".astype(float) turns float32 products into float64)"), True
        return "", False
    error = float(np.abs(got - expected).max()) / max(1.0, float(np.abs(expected).max()))
    diagnosis = _diagnosis(W, b, weights, solution)
    return (f"x @ W + b differs from the network's output by up to {error:.2g} (relative to its scale)"
            + (f". {diagnosis}" if diagnosis else "")), bool(diagnosis)


def _expect_collapses(session, lists: dict, rtol: float, reveal: bool, solutions: dict) -> None:
    answers = _collapse_answers(session)
    problems = {}
    for index, (name, weights) in enumerate(lists.items()):
        problem, named = _case_problem(answers.get(name), weights, _inputs(weights, 100 + index), rtol, reveal,
                                       solutions[name])
        if problem:
            problems[name] = (problem.rstrip(". "), named)
    if problems:
        # Show a list whose failure names the likely mistake, when one does: it says the most.
        name = next((n for n, (_, named) in problems.items() if named), next(iter(problems)))
        problem = problems[name][0]
        if reveal:
            count = f" ({len(problems)} of {len(lists)} lists fail.)" if len(problems) > 1 else ""
            fail(_paragraphs(f"For the weight list '{name}' (layer widths {VISIBLE_SHAPES[name]}): {problem}.{count}"))
        fail(_paragraphs(f"On {len(problems)} of {len(lists)} unseen weight lists: {problem}."))


# ---------------------------------------------------------------------------------------------
# The checks


@check("build_deep_linear: the asked widths, linear hidden layers, tanh output", points=15, timeout=TIMEOUT,
       feedback="a Dense(width, activation='linear') per entry of hidden, then Dense(1, activation='tanh').")
def deep_linear_structure(session):
    _expect_built(session, BUILD_VISIBLE, reveal=True)


@check("build_deep_linear: other depths and widths", points=5, visibility="hidden", timeout=TIMEOUT,
       description="build_deep_linear builds the asked layers for depths and widths other than the visible ones.")
def deep_linear_structure_unseen(session):
    _expect_built(session, BUILD_HIDDEN, reveal=False)


@check("deep linear network on xor: no better than a half-plane", points=25, timeout=TIMEOUT,
       feedback="this check passes once build_deep_linear builds what the first check asks for.")
def xor_half_plane(session):
    description = _description(session, 2, [8, 8])
    problem = _structure_problem(description, 2, [8, 8])
    output = _dense(description)[-1]
    if problem and (output["activation"], output["units"], description["n_inputs"]) != ("tanh", 1, 2):
        fail(_paragraphs(problem))  # another output or input width: nothing to train on xor's x1, x2
    data = _xor(VISIBLE_SEED)
    run = trials.train_from_weights(description, data, XOR_RECIPE, VISIBLE_SEED)  # its own initial weights
    if run.diverged:
        raise CallFailed("the grader's training of this network diverged (its loss became NaN or infinite).")
    accuracy = run.accuracy
    line = best_half_plane_accuracy(data.x_test, data.y_test)
    scores = f"test accuracy {accuracy:.3f}; the best half-plane on the same points scores {line:.3f}"
    if problem:
        beaten = (" It beats every straight line, so it is not one affine map."
                  if accuracy > line + HALF_PLANE_SLACK else "")
        fail(_paragraphs(f"Trained on xor, build_deep_linear(2, [8, 8]) reaches {scores}.{beaten}",
                         f"But {problem}"))
    expect(accuracy <= line + HALF_PLANE_SLACK and accuracy < XOR_BAR,
           _paragraphs(f"Your deep linear network reaches {scores}; no straight line should do better. Please "
                       "report this."))
    best = best_line_loss(data.x_train, data.y_train)
    expect(run.train_loss <= best + LINE_LOSS_MARGIN,
           _paragraphs(f"Trained on xor, your network ends at training loss {run.train_loss:.4f}, "
                       f"{run.train_loss - best:.3f} above the lowest loss a straight line reaches on the same points "
                       f"({best:.4f}): it did not learn all a line can, so its failure would be its training's, not "
                       "the model's.", "The grader trains the network as build_deep_linear builds it, from its own initial "
                       "weights. Do they start the tanh output saturated (large kernels, e.g. drawn N(0, 1) or "
                       "all ones)? Build the layers with Keras's default initialisation."))
    return passed(f"{scores[0].upper()}{scores[1:]}; training loss {run.train_loss:.4f}, the best line's "
                  f"{best:.4f}: 16 hidden units learn all a straight line can, and no more.")


@check("collapse: x·W + b equals the network (depths 1 to 5)", points=25, timeout=TIMEOUT,
       feedback="fold layer by layer: (x·W + b)·Wi + bi = x·(W·Wi) + (b·Wi + bi).")
def collapse_values(session):
    _expect_collapses(session, VISIBLE_LISTS, RTOL64, True, {name: _stored(name) for name in VISIBLE_LISTS})


@check("collapse: unseen depths and widths", points=20, visibility="hidden", timeout=TIMEOUT,
       description="collapse gives the equivalent x·W + b for networks of depths and widths not in the visible "
                   "check.")
def collapse_values_unseen(session):
    _expect_collapses(session, HIDDEN_LISTS, RTOL64, False, {n: _solution(w) for n, w in HIDDEN_LISTS.items()})


@check("collapse of a trained Keras network", points=10, timeout=TIMEOUT,
       feedback="model.get_weights() is [W1, b1, …, Wk, bk], kernels of shape (inputs, units).")
def collapse_keras(session):
    model, weights = _trained_network()
    answers = _collapse_answers(session)
    x = _inputs(weights, 7).astype(np.float32)
    problem, _ = _case_problem(answers.get("keras"), weights, x, RTOL32, True, _stored("keras"))
    expect(not problem, _paragraphs(f"For the weights of a [8, 8] linear network trained on xor: "
                                    f"{problem.rstrip('. ')}."))
    W, b = (Answer.from_plain(item, "collapse").value.astype(np.float64) for item in answers["keras"]["items"])
    gap = float(np.abs(np.tanh(x @ W + b) - np.asarray(model(x), dtype=np.float64)).max())
    return passed(f"tanh(x·W + b) with your {W.size + b.size} numbers reproduces the {model.count_params()}-weight "
                  f"network to {gap:.1e}.")


CHECKS = [deep_linear_structure, deep_linear_structure_unseen, xor_half_plane, collapse_values,
          collapse_values_unseen, collapse_keras]
