"""Checks of exercise 09 (dying-relu): 100 points, 3 visible checks and 2 hidden ones.

- dead_fraction, planted ReLU network: ``dead_fraction(model, x)`` equals the kit's own measure
  (``kit.diagnostics.dead_fraction``) on a 3-layer ReLU network with units planted dead (20
  points, visible);
- dead_fraction, mixed activations: the same on a network whose hidden layers mix ReLU, leaky
  ReLU, tanh and ELU: only the ReLU layers have an entry (15, visible);
- dead_fraction, other networks: the same on unseen planted networks and inputs (15, hidden);
- revive, public runs: the grader's deep network trained with ``revive()``'s activation,
  initializer and learning rate ends, on each of 3 runs, with at most 10 % dead units and test
  accuracy ≥ 0.9 (30, visible);
- revive, other runs: the same on 3 unseen runs (20, hidden).

The networks for ``dead_fraction`` are built here (``kit.builders.build_mlp``), their weights
set so that chosen units are dead (bias −50: negative on every input; kernel and bias exactly 0:
pre-activation exactly 0, output relu(0) = 0), others active on a few rows only, and sent to the
child as allow-listed descriptions with weights (``kit.grading.sandbox.model_transfer.describe``); the kit's
``call_on_models`` driver rebuilds them there with the same code. The child returns a plain
``{name: number}`` per network and the parent compares it with ``kit.diagnostics.dead_fraction``
(the kit's one definition: activation exactly 0 on every row; ReLU-like layers only). The
fractions are k/width, so the comparison is exact up to 1e-6.

``revive()`` crosses as plain data; the parent builds the network (``build_mlp(2, [8] * 6,
activation, initializer=…, seed=s)``) and trains it on circle (noise 0, data seed s, shuffle seed
s) with Adam at the learning rate, batch 10, 100 epochs (the zoo's ``dying-relu`` entry: only the
three settings change), several runs in one ``kit.training.train_many`` call. Dead share = dead
units of all 48 hidden units on the training inputs, by the kit's definition (layers whose
activation cannot die count as alive), as the zoo's ``dead_share``.

Thresholds (measured with the same training, ``train_many``; 13 runs: seeds 0-9, 101, 202, 303;
runs are deterministic):
- 10 % dead and accuracy 0.9 are the contract's, on **each** run. The reference (leaky ReLU, He,
  0.01) ends with 0 % dead (leaky ReLU cannot die) and accuracy 0.988-1.0 on the 13 runs
  (1.000, 0.996, 1.000 on the public ones): margins of 0.10 and 0.088. Alternatives that pass:
  ELU, Playground init, 0.01 (0 %, accuracy 1.0 on all 13); ELU, Glorot, 0.003 (0 %, 1.0);
  leaky ReLU, Playground init, 0.03 (0 %, ≥ 0.996).
- The baseline (ReLU, Playground init, Adam 0.1) kills 0.42-0.69 of the units (median 0.58) and
  reaches accuracy 0.46-1.0: the contract's "≥ 40 %" holds on every run.
- One cause at a time (what the feedback shows, trained on the same runs): He init alone kills
  0.15-0.65 (median 0.48); leaky ReLU or ELU alone keep every unit (0 %) but at Adam 0.1 the
  accuracy is 0.46-1.0 (median 0.71) and 0.46-0.88 (median 0.54); the learning rate alone at 0.03
  kills 0.13-0.33 (median 0.27), at 0.05 0.27-0.46 (median 0.35), at 0.01 0.04-0.25 (median 0.125), at 0.003 0.00-0.17 (median
  0.10), at 0.001 0.00-0.17 (median 0.08), with accuracy 1.0 throughout: ReLU units also die at a
  good rate (and 0-12 % are dead from the Playground's initialisation), so a ReLU network sits
  at the 10 % line; an activation that cannot die plus a lower rate clears it on every run.
"""

from __future__ import annotations

import math

import numpy as np

from kit.grading.authoring import CallFailed, ImportRule, check, expect, fail, hidden_data, raised

# kit.diagnostics.dead_fraction is the answer: the README says to write your own.
FORBIDDEN_IMPORTS = ImportRule(("kit.diagnostics",), why="this exercise asks you to write dead_fraction "
                               "yourself, not to call kit.diagnostics.dead_fraction")

TIMEOUT = 20.0  # the child rebuilds 2-3 small Keras models and runs x through them (≈1 s)

MAX_DEAD = 0.10  # contract: at most 10 % of the 48 hidden units dead after training, on each run
MIN_ACCURACY = 0.9  # contract: test accuracy on circle, on each run
BASELINE = {"activation": "relu", "kernel_initializer": "playground", "learning_rate": 0.1}
KEYS = tuple(BASELINE)
WIDTHS = [8] * 6
TRAINING = {"epochs": 100, "batch_size": 10, "optimizer": "adam"}  # the zoo's dying-relu recipe, fixed here
PUBLIC_SEEDS = (0, 1, 2)  # kit.datasets.playground("circle", seed=s), init seed s: the student can rerun them
HIDDEN_SEEDS = (101, 202, 303)  # never named in any message or document
TOLERANCE = 1e-6  # fractions are k/width; float32 activations cannot change a count


# ---------------------------------------------------------------------------------------------
# dead_fraction: planted networks


def _planted(hidden, activations, seed, plant):
    """A build_mlp network with weights drawn from N(0, 1), then ``plant(weights)`` edits them.

    ``plant`` gets the list [W1, b1, …] and sets chosen units dead or nearly so.
    """
    from kit import builders

    model = builders.build_mlp(2, hidden, activations, seed=seed)
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 1.0, size=w.shape).astype(np.float32) for w in model.get_weights()]
    plant(weights)
    model.set_weights(weights)
    return model


def _plant_relu(weights):
    w1, b1, w2, b2, w3, b3 = weights[:6]
    b1[[0, 3]] = -50.0  # negative on every input: dead
    w1[:, 5], b1[5] = 0.0, 0.0  # pre-activation exactly 0 everywhere: relu(0) = 0, dead too
    w1[:, 6], b1[6] = [4.0, 0.0], -20.0  # positive only where x1 > 5 (a few rows): alive
    b2[1] = -50.0
    w2[:, 4], b2[4] = 0.0, 0.0
    b3[:] = np.abs(b3) + 1.0  # every unit of the last layer active somewhere: 0.0 for that layer


def _plant_mixed(weights):
    w1, b1, w2, b2, w3, b3, w4, b4 = weights[:8]
    b1[[1, 2]] = -50.0  # ReLU layer: 2 of 6 dead
    b2[[0, 1, 2, 3]] = -50.0  # leaky ReLU layer: negative everywhere, still slope 0.01: inactive, not dead
    b3[0] = -50.0  # tanh: saturated at −1, not dead
    w4[:, 5], b4[5] = 0.0, 0.0  # ReLU layer: pre-activation 0 everywhere, dead


def _plant_deep(weights):
    w1, b1, w2, b2, w3, b3, w4, b4 = weights[:8]
    b1[:4] = -50.0  # half the first layer dead
    w2[:, 0], b2[0] = 0.0, -1.0
    w2[:4, 0] = 5.0  # fed only by the dead units: dead itself
    w3[:, 2], b3[2] = 0.0, 0.0
    w4[:, :] = np.abs(w4)
    b4[:] = 1.0  # the last layer alive


def _plant_narrow(weights):
    w1, b1 = weights[:2]
    w1[:, 0], b1[0] = [0.0, 1.0], -5.5  # active only where x2 > 5.5: alive on a single row of the probe


def _probe(seed, rows):
    rng = np.random.default_rng(seed)
    return rng.uniform(-6.0, 6.0, size=(rows, 2)).astype(np.float32)  # the Playground's input range


def _narrow_probe():
    x = _probe(7, 30)
    x[:, 1] = np.clip(x[:, 1], -6.0, 5.0)
    x[11, 1] = 6.0  # the one row where the narrow network's unit 0 is positive
    return x


CASES = {
    "visible": {
        "relu": (lambda: _planted([8, 6, 4], "relu", 9, _plant_relu), lambda: _probe(1, 50)),
        "mixed": (lambda: _planted([6, 6, 6, 6, 4], ["relu", "leaky_relu", "tanh", "relu", "elu"], 10,
                                   _plant_mixed), lambda: _probe(2, 50)),
    },
    "hidden": hidden_data({  # kit release writes None here: the student copy never holds these networks
        "deep": (lambda: _planted([8, 8, 8, 8], "relu", 11, _plant_deep), lambda: _probe(3, 400)),
        "narrow": (lambda: _planted([3, 2], ["relu", "relu"], 12, _plant_narrow), _narrow_probe),
    }),
}


def _networks(group):
    """name → (model, x) of one group, built once per grading process."""
    if group not in _built:
        _built[group] = {name: (make(), probe()) for name, (make, probe) in CASES[group].items()}
    return _built[group]


_built = {}


def _answers(session, group) -> dict:
    """The submission's dead_fraction on each network of ``group``: name → dict or an error message."""
    from kit.grading.authoring import models

    networks = _networks(group)
    cases = {name: {"model": models.describe(model), "args": [x]} for name, (model, x) in networks.items()}
    try:
        plain = session.run("call_on_models", {"function": "dead_fraction", "cases": cases}, timeout=TIMEOUT)
    except CallFailed as failure:
        raise CallFailed(f"dead_fraction {failure}") from None
    if type(plain) is not dict:
        fail("dead_fraction gave the grader no answer it could read.")
    return {name: _read(plain.get(name)) for name in networks}


def _read(data):
    """The child's description of one returned dict → {str: float}, or a str saying what is wrong."""
    if type(data) is not dict:
        return "dead_fraction gave the grader no answer it could read"
    error = data.get("error")
    if type(error) is dict:
        return raised("dead_fraction", error, limit=500)
    if data.get("type") != "dict" or type(data.get("entries")) is not list:
        return (f"dead_fraction returned a {str(data.get('type'))[:100]}; expected a dict "
                "{layer name: share of dead units}")
    result = {}
    for entry in data["entries"]:
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str or type(entry[1]) is not dict:
            return "dead_fraction gave the grader no answer it could read"
        key, info = entry
        value = info.get("value")
        if info.get("key_problem"):
            return f"dead_fraction's result has the key {key}: {info['key_problem']}; use the layer's name (layer.name)"
        if type(value) in (int, float):  # the protocol may carry a 0-d array as a plain number
            value = np.asarray(value, dtype=np.float64)
        # One number: the protocol carries a 0-d array as shape (1,); the child's "shape" says which.
        if type(value) is not np.ndarray or value.size != 1 or info.get("shape") != [] or \
                not np.isfinite(value.astype(np.float64)).all():
            return (f"dead_fraction's value for {key!r} is a {str(info.get('type'))[:100]}, not one finite number; "
                    "return a float per layer")
        result[key] = float(value.reshape(-1)[0])
    return result


def _reference(model, x) -> dict:
    from kit import diagnostics

    return diagnostics.dead_fraction(model, x)


def _alternatives(model, x) -> dict:
    """What the typical mistakes return on this network (to name the mistake, never to score)."""
    from kit import activations, builders, diagnostics

    outputs = diagnostics.layer_outputs(model, x)
    hidden = builders.dense_layers(model)[:-1]
    relu = [layer.name for layer in hidden if activations.name_of(layer.activation) == "relu"]
    return {
        # zero outputs counted per example: the share of zero entries of the layer's output
        "per example": {name: float(np.mean(outputs[name]["activation"] == 0)) for name in relu},
        # pre-activation strictly negative on every row (misses a unit stuck at exactly 0)
        "pre-activation < 0": {name: float(np.mean(np.all(outputs[name]["pre_activation"] < 0, axis=0)))
                               for name in relu},
        # the shares of units that are 0 on *some* row
        "zero somewhere": {name: float(np.mean(np.any(outputs[name]["activation"] == 0, axis=0))) for name in relu},
    }


def _same(got: dict, expected: dict) -> bool:
    return set(got) == set(expected) and all(abs(got[k] - expected[k]) <= TOLERANCE for k in expected)


def _judge(session, group, names, reveal: bool):
    """Fail unless the submission's dead_fraction equals the kit's on the named networks of ``group``
    (one sandboxed call per group serves all its checks), naming the likely mistake."""
    from kit import activations

    answers = _answers(session, group)
    for name in names:
        model, x = _networks(group)[name]
        got, expected = answers[name], _reference(model, x)
        label = f"on the {name} network" if reveal else "on an unseen network"
        if isinstance(got, str):
            fail(got + ".")
        hidden = {layer.name: activations.name_of(layer.activation) for layer in model.layers[1:-1]}
        extra, missing = sorted(set(got) - set(expected)), sorted(set(expected) - set(got))
        for key in extra:
            kind = hidden.get(key)
            if key == "output":
                fail(f"{label}, your result has an entry for 'output': count hidden layers only (the output unit "
                     "is the prediction, not a hidden feature).")
            if kind is not None:
                fail(f"{label}, your result has an entry for {key!r}, a {kind} layer. Only ReLU units can die: "
                     f"{kind} {'keeps a slope below 0 (its output is never exactly 0 on a whole half-line)' if kind != 'tanh' else 'never outputs exactly 0 on a whole half-line'}, "
                     "so a unit that is negative on every row is inactive, not dead, and can still learn. Give an "
                     "entry for ReLU hidden layers only (compare the outputs with 0, not the pre-activations).")
            fail(f"{label}, your result has an entry {key!r}, which is not a hidden layer of the model; use "
                 "layer.name of the ReLU hidden layers.")
        expect(not missing, f"{label}, your result has no entry for {', '.join(map(repr, missing))}: every ReLU "
                            "hidden layer needs one, 0.0 when none of its units is dead.")
        if _same(got, expected):
            continue
        for mistake, values in _alternatives(model, x).items():
            if _same(got, values) and not _same(values, expected):
                fail({
                    "per example": f"{label}, your shares are those of zero outputs among all rows × units (per "
                                   "example). A unit is dead when it is 0 on every row: count units whose whole "
                                   "column is 0 and divide by the layer's width.",
                    "pre-activation < 0": f"{label}, your shares miss a unit whose pre-activation is exactly 0 on "
                                          "every row: it outputs relu(0) = 0 everywhere, so it is dead too. Compare "
                                          "the outputs with 0 (== 0), not the pre-activations with < 0.",
                    "zero somewhere": f"{label}, you count units that are 0 on some row; a dead unit is 0 on every "
                                      "row (np.all over the rows, not np.any).",
                }[mistake])
        wrong = [k for k in expected if abs(got[k] - expected[k]) > TOLERANCE]
        shown = "; ".join(f"{k}: got {got[k]:.4g}, expected {expected[k]:.4g}" for k in wrong) if reveal else \
            f"{len(wrong)} of {len(expected)} layers differ"
        fail(f"{label}, the dead shares are wrong ({shown}). A unit is dead when its output is exactly 0 on every "
             "row of x; the share is dead units / layer width.")


@check("dead_fraction: a planted ReLU network", points=20, timeout=TIMEOUT,
       feedback="Run x through each Dense layer in turn (h = layer(h)) and count, per ReLU hidden layer, the units "
                "whose output column is 0 on every row.")
def planted_relu(session):
    _judge(session, "visible", ["relu"], reveal=True)


@check("dead_fraction: mixed activations, ReLU layers only", points=15, timeout=TIMEOUT,
       feedback="layer.activation is keras.activations.relu tells a ReLU layer; leaky ReLU, tanh and ELU units "
                "cannot die.")
def mixed_layers(session):
    _judge(session, "visible", ["mixed"], reveal=True)


@check("dead_fraction: other networks and inputs", points=15, visibility="hidden", timeout=TIMEOUT,
       description="dead_fraction agrees with the grader's count on networks and inputs you have not seen.",
       feedback="Dead means 0 on every row, per unit, in ReLU hidden layers only; check your function on a network "
                "where a unit is active on a single row.")
def other_networks(session):
    _judge(session, "hidden", list(CASES["hidden"]), reveal=False)


# ---------------------------------------------------------------------------------------------
# revive: the grader's deep network trained with the student's three settings


def _settings(session) -> dict:
    """``revive()`` validated: the three settings, or CheckFailed naming what is wrong and how to fix it."""
    from kit import activations, builders
    from kit.errors import LEARNING_RATE

    chosen = session.plain("revive", timeout=TIMEOUT)
    expect(type(chosen) is dict, f"revive() returned a {type(chosen).__name__}; expected a dict with the keys "
                                 f"{', '.join(KEYS)}.")
    expect(set(chosen) == set(KEYS), f"revive() returned the keys {sorted(map(str, chosen))}; expected exactly "
                                     f"{', '.join(KEYS)}.")
    activation, initializer, rate = (chosen[key] for key in KEYS)
    known = [name for name in activations.names() if activations.REGISTRY.get(name) is None
             or activations.REGISTRY[name].elementwise]
    expect(type(activation) is str and activation in known,
           f"revive()['activation'] is {activation!r}, which the kit does not know; use a name from `kit "
           f"activations`, e.g. relu, leaky_relu, elu.")
    expect(type(initializer) is str and initializer in builders.INITIALIZERS,
           f"revive()['kernel_initializer'] is {initializer!r}, which the kit does not know; use one of "
           f"{', '.join(builders.INITIALIZERS)}.")
    expect(type(rate) in (int, float) and LEARNING_RATE.is_satisfied_by(rate),
           f"revive()['learning_rate'] is {rate!r}; expected {LEARNING_RATE.describe()} (the baseline's is 0.1).")
    return {"activation": activation, "kernel_initializer": initializer, "learning_rate": float(rate)}


_runs = {}  # (activation, initializer, rate, seed) → (dead share, test accuracy): runs are deterministic


def _key(settings, seed):
    return settings["activation"], settings["kernel_initializer"], settings["learning_rate"], seed


def runs(recipes, seeds) -> list[list[tuple[float, float]]]:
    """(dead share, test accuracy) per recipe and seed: the grader's network trained in the parent.

    Every run not yet cached is trained in one ``train_many`` call (one compiled program).
    """
    from kit import builders, datasets, diagnostics
    from kit.training import train_many

    todo = [(settings, seed) for settings in recipes for seed in seeds if _key(settings, seed) not in _runs]
    todo = list({_key(s, seed): (s, seed) for s, seed in todo}.values())
    if todo:
        models = [builders.build_mlp(2, WIDTHS, s["activation"], initializer=s["kernel_initializer"], seed=seed)
                  for s, seed in todo]
        data = [datasets.playground("circle", noise=0, seed=seed) for _, seed in todo]
        histories = train_many(models, data, seeds=[seed for _, seed in todo],
                               learning_rate=[s["learning_rate"] for s, _ in todo], verbose=0, **TRAINING)
        for (settings, seed), model, data_set, history in zip(todo, models, data, histories):
            fractions = diagnostics.dead_fraction(model, data_set.x_train)
            dead = sum(fractions.get(f"hidden_{i + 1}", 0.0) * width for i, width in enumerate(WIDTHS)) / sum(WIDTHS)
            accuracy = history.history["val_accuracy"][-1] if history.diverged is None else 0.0
            _runs[_key(settings, seed)] = (float(dead), float(accuracy))
    return [[_runs[_key(settings, seed)] for seed in seeds] for settings in recipes]


def _good(results) -> bool:
    return all(dead <= MAX_DEAD and accuracy >= MIN_ACCURACY for dead, accuracy in results)


def _listing(results) -> str:
    dead = ", ".join(f"{d:.0%}" for d, _ in results)
    accuracy = ", ".join(f"{a:.2f}" for _, a in results)
    return f"dead {dead}; accuracy {accuracy}"


def _named(settings) -> str:
    return f"{settings['activation']}, {settings['kernel_initializer']} init, Adam {settings['learning_rate']:g}"


def _one_cause_at_a_time(settings, seeds) -> str:
    """The baseline and each of the student's changes alone, trained on the same runs (feedback)."""
    singles = [(key, {**BASELINE, key: settings[key]}) for key in KEYS if settings[key] != BASELINE[key]]
    results = runs([BASELINE] + [s for _, s in singles], seeds)
    lines = [f"The baseline ({_named(BASELINE)}): {_listing(results[0])}."]
    if len(singles) > 1:
        for (key, single), result in zip(singles, results[1:]):
            lines.append(f"Only the {key.replace('_', ' ')} changed ({_named(single)}): {_listing(result)}.")
    return "\n".join(lines)


def _why(settings, results) -> str:
    """The likely reason, from the student's own runs and settings."""
    from kit import diagnostics

    rate, activation = settings["learning_rate"], settings["activation"]
    too_dead = any(dead > MAX_DEAD for dead, _ in results)
    poor = any(accuracy < MIN_ACCURACY for _, accuracy in results)
    reasons = []
    if poor and rate >= 0.05:
        reasons.append(f"Adam at {rate:g} takes steps too large to learn the circle whatever the activation: units "
                       "that cannot die still end negative on every input or overshoot. Lower the learning rate "
                       "(the rate is the cause; the activation only decides whether a unit can come back).")
    elif poor:
        reasons.append("the network does not learn the circle on every run: try another learning rate between "
                       "0.003 and 0.03.")
    if too_dead and activation in diagnostics.DEAD_CAPABLE:
        if rate >= 0.05:
            reasons.append(f"at Adam {rate:g} large steps push {activation} units negative for every input, where "
                           "their gradient is 0 for good: a lower rate is the fix that works alone.")
        reasons.append(f"{activation} units also die at a good rate, and some are dead from the start (0-12 % with "
                       "the Playground's initialisation): a ReLU network sits at the 10 % line. An activation "
                       "with a slope below 0 (leaky_relu, elu) cannot die; together with a lower rate it stays "
                       "alive and learns.")
    return " ".join(reasons)


def _judge_revive(session, seeds, reveal: bool):
    settings = _settings(session)
    if session.sends_hidden:  # train the public and the hidden runs in one train_many call
        runs([settings], PUBLIC_SEEDS + HIDDEN_SEEDS)
    (results,) = runs([settings], seeds)
    if _good(results):
        return
    where = f"On the 3 public runs (circle, seeds {', '.join(map(str, seeds))})" if reveal else "On 3 unseen runs"
    message = [f"{where} your settings ({_named(settings)}) give {_listing(results)}: this exercise asks for at "
               f"most {MAX_DEAD:.0%} dead units and accuracy ≥ {MIN_ACCURACY} on each run.",
               _why(settings, results),
               "One cause at a time, on the same runs:",
               _one_cause_at_a_time(settings, seeds)]
    fail("\n".join(part for part in message if part))


@check(f"revive, public runs: ≤ {MAX_DEAD:.0%} dead units and accuracy ≥ {MIN_ACCURACY} on each", points=30,
       timeout=TIMEOUT, feedback="Run your file (python starter.py): its main block trains the baseline and your "
                                 "settings on seed 0 as the grader does.")
def revive_public(session):
    _judge_revive(session, PUBLIC_SEEDS, reveal=True)


@check(f"revive, other runs: ≤ {MAX_DEAD:.0%} dead units and accuracy ≥ {MIN_ACCURACY} on each", points=20,
       visibility="hidden", timeout=TIMEOUT,
       description="your revive() recipe keeps units alive and learns the circle on training runs you have not seen.",
       feedback="Settings at the edge on the public runs fail on others: aim for a margin on both measures.")
def revive_hidden(session):
    _judge_revive(session, HIDDEN_SEEDS, reveal=False)


CHECKS = [planted_relu, mixed_layers, other_networks, revive_public, revive_hidden]
