"""Checks of exercise 08 (vanishing-gradients): 100 points, 4 visible checks and 1 hidden one.

- gradient_norms, three networks: ``gradient_norms(model, x, y)`` equals the kit's own
  ``kit.diagnostics.gradient_norms`` (rtol 1e-4) on a 2-layer sigmoid, a 4-layer tanh and a
  3-layer ReLU network (30 points, visible);
- gradient_norms, deep sigmoid: the same on a 10 × 8 sigmoid network, whose first/last ratio in
  the student's answer is ≤ 1e-2 (vanishing gradients; 15, visible);
- gradient_norms, other networks: the same on unseen networks and inputs (15, hidden);
- log_gradients, what is logged: the logdir holds, for every Dense layer, ``grad_norm/<layer>``
  scalars and ``kernel_gradient/<layer>`` histograms (as many values as the kernel has) at step 0
  and at step 20, and the model was trained (20, visible);
- log_gradients, the logged values: those scalars equal the grader's own norms of the network it
  sent (step 0) and of the trained weights that came back (step 20), rtol 1e-4 (20, visible).

The networks are built here (``kit.builders.build_mlp`` with the Playground's initialisation,
chosen seeds) and sent to the child as allow-listed descriptions with weights; the kit's
``call_on_models`` driver rebuilds them there, so the submission gets an ordinary Keras model
whose weights the grader knows. ``log_gradients`` runs through the ``call_with_logdir`` driver:
in the sandbox's scratch folder, the event files it wrote come back as bytes (size-capped) and
are parsed here with TensorBoard's own reader (``kit.grading.sandbox.logdirs``); nothing in them runs.

Thresholds (measured on this machine):
- rtol 1e-4 is the contract's. On the 7 networks here, the reference (a GradientTape over
  ½·mean (ŷ − y)², float32) differs from the kit's compiled probe by at most 2.1e-6 relative,
  and a float64 NumPy backpropagation (the tests' alternative solution) by at most 1.0e-6: a
  margin of about 50×. Every typical mistake is off by far more (a factor 2 without the ½, n for a sum over
  rows, other tensors altogether for biases or weights).
- first/last ≤ 1e-2 is the contract's: the kit's 10 × 8 sigmoid networks (Playground init,
  seeds 0-4, 100 circle points) give hidden_1/output between 1.6e-9 and 5.5e-8; the graded one
  4.9e-9.
- The logged values: Diagnostics computes the same norms with the kit's code, so step 0 agrees
  to float32 rounding (≤ 1e-6); step 20 is recomputed from the weights the driver sends back.
"""

from __future__ import annotations

import numpy as np

from kit.grading.authoring import CallFailed, ImportRule, check, expect, fail, hidden_data, raised

# kit.diagnostics.gradient_norms is the answer: the README says to write your own.
FORBIDDEN_IMPORTS = ImportRule(("kit.diagnostics",), why="this exercise asks you to write gradient_norms "
                               "yourself, not to call kit.diagnostics.gradient_norms")

TIMEOUT = 10.0  # the child rebuilds 3-4 small Keras models and differentiates once each (under 2 s)
LOG_TIMEOUT = 10.0  # the reference: 20 epochs of model.fit on 100 rows plus 5 probes, 1.5 s in the sandbox
RTOL = 1e-4  # contract; see the module docstring for the measured margin
MAX_RATIO = 1e-2  # contract: first/last of the deep sigmoid network
EPOCHS = 20  # contract: log_gradients trains 20 epochs


def _data(name, seed, rows, noise=0.0):
    from kit import datasets

    data = datasets.playground(name, noise=noise, seed=seed)
    return np.asarray(data.x_train[:rows], np.float32), np.asarray(data.y_train[:rows], np.float32)


CASES = {  # name → (hidden widths, activation(s), init seed, (data set, data seed, rows, noise))
    "visible": {
        "sigmoid": ([4, 4], "sigmoid", 1, ("circle", 0, 100, 0.0)),
        "tanh": ([6, 6, 6, 6], "tanh", 2, ("xor", 0, 100, 0.0)),
        "relu": ([8, 8, 8], "relu", 3, ("spiral", 0, 100, 0.0)),
        "deep sigmoid": ([8] * 10, "sigmoid", 4, ("circle", 1, 100, 0.0)),
    },
    "hidden": hidden_data({  # kit release writes None here: the student copy never holds these networks
        "mixed": ([7, 5, 3], ["relu", "tanh", "sigmoid"], 21, ("gauss", 5, 150, 0.3)),
        "narrow relu": ([3] * 6, "relu", 22, ("xor", 6, 80, 0.2)),
        "deep tanh": ([5] * 9, "tanh", 23, ("spiral", 7, 120, 0.1)),
    }),
}
LOGGED = ([6, 6, 6, 6], "sigmoid", 5, ("circle", 2, 100, 0.0))  # the network log_gradients trains


def _build(hidden, activation, seed):
    from kit import builders

    return builders.build_mlp(2, hidden, activation, seed=seed)


_built = {}


def _networks(group):
    """name → (model, x, y) of one group, built once per grading process."""
    if group not in _built:
        _built[group] = {name: (_build(hidden, activation, seed), *_data(*data))
                         for name, (hidden, activation, seed, data) in CASES[group].items()}
    return _built[group]


def _answers(session, group) -> dict:
    """The submission's gradient_norms on each network of ``group``: name → dict or a message."""
    from kit.grading.authoring import models

    networks = _networks(group)
    cases = {name: {"model": models.describe(model), "args": [x, y]} for name, (model, x, y) in networks.items()}
    try:
        plain = session.run("call_on_models", {"function": "gradient_norms", "cases": cases}, timeout=TIMEOUT)
    except CallFailed as failure:
        raise CallFailed(f"gradient_norms {failure}") from None
    if type(plain) is not dict:
        fail("gradient_norms gave the grader no answer it could read.")
    return {name: _read(plain.get(name)) for name in networks}


def _read(data):
    """The child's description of one returned dict → {str: float}, or a str saying what is wrong."""
    if type(data) is not dict:
        return "gradient_norms gave the grader no answer it could read"
    error = data.get("error")
    if type(error) is dict:
        return raised("gradient_norms", error, limit=500)
    if data.get("type") != "dict" or type(data.get("entries")) is not list:
        return (f"gradient_norms returned a {str(data.get('type'))[:100]}; expected a dict "
                "{layer name: gradient norm}")
    result = {}
    for entry in data["entries"]:
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str or type(entry[1]) is not dict:
            return "gradient_norms gave the grader no answer it could read"
        key, info = entry
        if info.get("key_problem"):
            return (f"gradient_norms's result has the key {key}: {info['key_problem']}; use the layer's name "
                    "(layer.name)")
        value = info.get("value")
        if type(value) in (int, float):
            value = np.asarray(value, dtype=np.float64)
        # One number: the protocol carries a 0-d array as shape (1,); the child's "shape" says which.
        if type(value) is not np.ndarray or value.size != 1 or info.get("shape") != [] or \
                not np.isfinite(value.astype(np.float64)).all():
            return (f"gradient_norms's value for {key!r} is a {str(info.get('type'))[:100]}, not one finite number; "
                    "return a float per layer")
        result[key] = float(value.reshape(-1)[0])
    return result


def _reference(model, x, y) -> dict:
    from kit import diagnostics

    return diagnostics.gradient_norms(model, x, y)


def _tape_norms(model, x, y, loss, of="kernel") -> dict:
    """Per Dense layer, the L2 norm of ``loss(ŷ, y)``'s gradient w.r.t. its ``of`` (kernel or bias)."""
    import keras
    import tensorflow as tf

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    labels = tf.reshape(tf.constant(y), (-1, 1))
    with tf.GradientTape() as tape:
        value = loss(model(tf.constant(x), training=False), labels)
    gradients = tape.gradient(value, [getattr(layer, of) for layer in dense])
    return {layer.name: float(np.linalg.norm(np.asarray(g, np.float64))) for layer, g in zip(dense, gradients)}


def _alternatives(model, x, y) -> dict:
    """What the typical mistakes return on this network (to name the mistake, never to score)."""
    import keras
    import tensorflow as tf

    expected = _reference(model, x, y)
    total = float(np.sqrt(sum(v ** 2 for v in expected.values())))

    def cross_entropy(prediction, labels):  # tanh output and ±1 labels mapped to probabilities
        return keras.losses.binary_crossentropy((labels + 1) / 2, (prediction + 1) / 2)

    return {
        "no ½": {k: 2 * v for k, v in expected.items()},
        "sum over rows": {k: len(x) * v for k, v in expected.items()},
        "squared": {k: v ** 2 for k, v in expected.items()},
        "biases": _tape_norms(model, x, y, lambda p, t: tf.reduce_mean(0.5 * tf.square(p - t)), of="bias"),
        "cross-entropy": _tape_norms(model, x, y, lambda p, t: tf.reduce_mean(cross_entropy(p, t))),
        "summed": {k: total for k in expected},
        "summed norms": {k: float(sum(expected.values())) for k in expected},
        "weights": {layer.name: float(np.linalg.norm(np.asarray(layer.kernel, np.float64)))
                    for layer in model.layers if isinstance(layer, keras.layers.Dense)},
    }


MISTAKES = {
    "no ½": "your norms are exactly twice the grader's: the Playground loss is ½·mean (ŷ − y)², with the ½.",
    "sum over rows": "your norms are n times the grader's: the loss is the mean over the rows, not the sum.",
    "squared": "your numbers are the squared norms: take the square root (np.linalg.norm, tf.norm).",
    "biases": "your norms are those of the bias gradients: differentiate with respect to each layer's kernel "
              "(layer.kernel), the weight matrix.",
    "cross-entropy": "your norms are those of a cross-entropy loss: this exercise uses the Playground loss "
                     "½·mean (ŷ − y)² on the tanh output and the ±1 labels.",
    "summed": "every layer has the same number, the norm over all layers together: give each layer the norm of its "
              "own kernel gradient.",
    "summed norms": "every layer has the same number, the sum over the layers: give each layer the norm of its own "
                    "kernel gradient.",
    "weights": "your numbers are the norms of the kernels themselves, not of the loss's gradient with respect to "
               "them: record the loss under a tf.GradientTape and ask it for the gradients.",
}


def _same(got: dict, expected: dict, rtol: float = RTOL) -> bool:
    return set(got) == set(expected) and all(
        np.isclose(got[k], expected[k], rtol=rtol, atol=0.0) for k in expected)


def _judge(session, group, names, reveal: bool):
    """Fail unless the submission's gradient_norms equals the kit's on the named networks of
    ``group`` (one sandboxed call per group serves all its checks), naming the likely mistake."""
    answers = _answers(session, group)
    for name in names:
        model, x, y = _networks(group)[name]
        got, expected = answers[name], _reference(model, x, y)
        label = f"on the {name} network" if reveal else "on an unseen network"
        if isinstance(got, str):
            fail(got + ".")
        extra, missing = sorted(set(got) - set(expected)), sorted(set(expected) - set(got))
        expect(not extra, f"{label}, your result has entries {', '.join(map(repr, extra))}, which are not Dense layers "
                          f"of the model (expected the keys {', '.join(expected)}: layer.name of each Dense layer).")
        expect(not missing, f"{label}, your result has no entry for {', '.join(map(repr, missing))}: every Dense "
                            "layer needs one, the output layer included.")
        if _same(got, expected):
            continue
        for mistake, values in _alternatives(model, x, y).items():
            if _same(got, values, rtol=1e-3) and not _same(values, expected):
                fail(f"{label}, {MISTAKES[mistake]}")
        wrong = [k for k in expected if not np.isclose(got[k], expected[k], rtol=RTOL, atol=0.0)]
        shown = "; ".join(f"{k}: got {got[k]:.6g}, expected {expected[k]:.6g}" for k in wrong) if reveal else \
            f"{len(wrong)} of {len(expected)} layers differ"
        fail(f"{label}, the gradient norms are wrong ({shown}). Differentiate ½·mean (ŷ − y)² (ŷ = model(x), "
             "shape (n, 1); reshape y to match) with respect to each Dense layer's kernel and take each "
             "gradient's L2 norm.")


@check("gradient_norms: sigmoid, tanh and ReLU networks", points=30, timeout=TIMEOUT,
       feedback="Under a tf.GradientTape compute loss = mean(0.5 * (model(x) - y)**2) with y reshaped to (n, 1); "
                "tape.gradient(loss, [layer.kernel for each Dense layer]); one norm per layer.")
def three_networks(session):
    _judge(session, "visible", ["sigmoid", "tanh", "relu"], reveal=True)


@check(f"gradient_norms: 10-layer sigmoid network, first/last ≤ {MAX_RATIO:g}", points=15, timeout=TIMEOUT,
       feedback="Run your file (python starter.py): its main block prints first/last for a deep sigmoid network.")
def deep_sigmoid(session):
    _judge(session, "visible", ["deep sigmoid"], reveal=True)
    got = _answers(session, "visible")["deep sigmoid"]
    ratio = got["hidden_1"] / got["output"] if got["output"] > 0 else float("inf")
    expect(ratio <= MAX_RATIO, f"on the deep sigmoid network your first/last ratio is {ratio:.3g}; a 10-layer "
                               f"sigmoid network's gradient should vanish towards the input (≤ {MAX_RATIO:g}).")


@check("gradient_norms: other networks and inputs", points=15, visibility="hidden", timeout=TIMEOUT,
       description="gradient_norms agrees with the grader's computation on networks and inputs you have not seen.",
       feedback="One norm per Dense layer, of the gradient of ½·mean (ŷ − y)² with respect to its kernel; check "
                "your function on a network that mixes activations.")
def other_networks(session):
    _judge(session, "hidden", list(CASES["hidden"]), reveal=False)


# ---------------------------------------------------------------------------------------------
# log_gradients: the TensorBoard logdir, read back as data


_logged = {}


def _logged_network():
    if "network" not in _logged:
        hidden, activation, seed, data = LOGGED
        _logged["network"] = (_build(hidden, activation, seed), *_data(*data))
    return _logged["network"]


def _run(session):
    """``(logdir, model before, weights after, x, y)`` of the submission's log_gradients run (one
    sandboxed call serves both checks: the session memoises it)."""
    from kit.grading.authoring import logdirs, models

    model, x, y = _logged_network()
    description = models.describe(model)
    try:
        plain = session.run("call_with_logdir", {"function": "log_gradients", "args": [x, y], "model": description},
                            timeout=LOG_TIMEOUT)
    except CallFailed as failure:
        raise CallFailed(f"log_gradients {failure}") from None
    expect(type(plain) is dict, "log_gradients gave the grader no answer it could read.")
    error = plain.get("error")
    if type(error) is dict:
        fail(raised("log_gradients", error, limit=500))
    logdir = logdirs.read_event_files(plain.get("files"))
    after = plain.get("model_after")
    weights = after.get("weights") if type(after) is dict else None
    shapes = [w.shape for w in description["weights"]]
    if type(weights) is not list or [getattr(w, "shape", None) for w in weights] != shapes or \
            any(type(w) is not np.ndarray or not np.isfinite(w).all() for w in weights):
        fail("after log_gradients the model could not be read back (its layers or weights changed, or became NaN); "
             "train the model you are given, as it is.")
    left_out = plain.get("left_out") if type(plain.get("left_out")) is list else []
    return logdir, model, weights, x, y, [str(item)[:200] for item in left_out if "not an event file" not in str(item)]


def _layers(model) -> list[str]:
    from kit import builders

    return [layer.name for layer in builders.dense_layers(model)]


@check("log_gradients: per-layer grad_norm scalars and kernel_gradient histograms over 20 epochs", points=20,
       timeout=LOG_TIMEOUT,
       feedback="Pass callbacks=[Diagnostics(logdir, probe=(x, y))] to the training of the model you are given, "
                "for 20 epochs; then open kit board on the folder and look for the grad_norm and kernel_gradient tags.")
def logged_tags(session):
    logdir, model, weights, _, _, left_out = _run(session)
    if logdir.files == 0:
        fail("log_gradients wrote no TensorBoard event file into logdir" + (
            f" the grader could read back ({'; '.join(left_out)})" if left_out else
            ": write into the folder you are given (Diagnostics(logdir, …))") + ".")
    layers = _layers(model)
    for family, kind in (("grad_norm", "scalars"), ("kernel_gradient", "histograms")):
        tags = [f"{family}/{name}" for name in layers]
        absent = [tag for tag in tags if not getattr(logdir, kind).get(tag)]
        hint = "Diagnostics needs probe=(x, y), labels included, to compute gradients" if family == "grad_norm" \
            else "the gradient histograms"
        expect(not absent, f"the logdir has no {kind[:-1]} {', '.join(absent)}: log_gradients must log, for every "
                           f"Dense layer, {family}/<layer> ({hint}).")
    steps = sorted({step for step, _ in logdir.scalars[f"grad_norm/{layers[0]}"]})
    expect(steps[0] == 0 and steps[-1] == EPOCHS,
           f"the grad_norm scalars run from step {steps[0]} to step {steps[-1]}; expected step 0 (the network as "
           f"given) to step {EPOCHS} (after {EPOCHS} epochs): train exactly {EPOCHS} epochs with the callback.")
    for step in (0, EPOCHS):
        for name, kernel in zip(layers, weights[::2]):
            histogram = logdir.at(f"kernel_gradient/{name}", step)
            expect(histogram is not None, f"the logdir has no kernel_gradient/{name} histogram at step {step}.")
            count = histogram[:, 2].sum()
            expect(count == kernel.size, f"the kernel_gradient/{name} histogram at step {step} counts {count:g} "
                                         f"values; the layer's kernel has {kernel.size}: log the kernel gradients.")
    before = [np.asarray(w) for w in model.get_weights()]
    expect(any(not np.array_equal(a, b) for a, b in zip(before, weights)),
           "the model the grader gave log_gradients came back untrained: train that model (in place), not a copy.")


@check("log_gradients: the logged norms agree with the grader's at the start and after training", points=20,
       timeout=LOG_TIMEOUT,
       feedback="Diagnostics(logdir, probe=(x, y)) with the whole x and y you are given as the probe logs exactly "
                "the norms gradient_norms computes.")
def logged_values(session):
    from kit import diagnostics
    from kit.grading.authoring import models

    logdir, model, weights, x, y, _ = _run(session)
    layers = _layers(model)
    expect(all(logdir.scalars.get(f"grad_norm/{name}") for name in layers),
           "the logdir has no grad_norm scalars for every Dense layer (see the check above).")
    trained = models.rebuild(models.describe(model), weights)
    for step, network, when in ((0, model, "at step 0 (the network as given)"),
                                (EPOCHS, trained, f"at step {EPOCHS} (the trained network)")):
        expected = diagnostics.gradient_norms(network, x, y)
        for name in layers:
            logged = logdir.at(f"grad_norm/{name}", step)
            expect(logged is not None, f"the logdir has no grad_norm/{name} scalar {when}.")
            expect(bool(np.isclose(logged, expected[name], rtol=RTOL, atol=0.0)),
                   f"{when}, grad_norm/{name} is {logged:.6g}; the grader computes {expected[name]:.6g} on the x and "
                   "y it gave log_gradients: use them, all of them, as the probe (Diagnostics(logdir, probe=(x, "
                   "y))) and the Playground loss.")


CHECKS = [three_networks, deep_sigmoid, other_networks, logged_tags, logged_values]
