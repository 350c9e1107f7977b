"""Checks of exercise 12 (softmax-digits): 100 points, 2 visible checks and 1 hidden one.

- model: ``build_model(n_inputs=64, n_classes=10)`` ends in ``Dense(10, activation="softmax")``
  (ten outputs that form a distribution: non-negative, summing to 1), takes 64 inputs, has at
  most 3 hidden layers of at most 256 units; ``recipe()`` is valid and within 100,000 steps; and
  the model learns: test accuracy ≥ 0.7 on the public split (20 points, visible);
- digits, public split: test accuracy ≥ 0.95 (50, visible);
- digits, other splits: test accuracy ≥ 0.95 on each of 2 unseen splits (30, hidden).

Every check needs the structure right: a sigmoid or linear output, a wrong number of outputs, a
layer the grader does not rebuild, or a recipe over the budget scores 0 in total, with the
reason. The child only builds the model and returns ``recipe()``; the parent rebuilds the
architecture from the Playground's initialisation with seed s (``kit.grading.sandbox.model_transfer.rebuild``)
and trains it with the recipe (cross-entropy on the class index, the kit's softmax head) on
scikit-learn's bundled digits split with seed s (``kit.datasets.bundled("digits", seed=s)``:
1347 training and 450 test images, standardised), with the kit's trainer (through
``kit.grading.authoring.trials``); the data never reach the child. Seeds are fixed, so a grade is
deterministic.

"Sum to 1" is checked through the activation: the model crosses the sandbox as an allow-listed
description, and the parent's rebuild of a last ``Dense`` layer with activation ``softmax`` is
the kit's softmax head, whose outputs are a distribution by construction. A softmax written any
other way (a ``Softmax`` or ``Activation`` layer, a lambda) is not in the allow-list and is refused
with a message saying how to write it.

Thresholds. Measured with ``kit.grading.authoring.trials.train_runs`` (the same training and accuracy as
here; runs are deterministic), test accuracy as [min, median] over split seeds 0-15, 101, 202,
303 (19 seeds):
- 0.95 is the contract's. The reference ([64] ReLU, Adam 0.003, 60 epochs, batch 32) reaches
  [0.962, 0.973]: a margin of ≥ 0.012 (5 of the 450 test images) on every seed (on the grader's:
  0.967 public; 0.978 and 0.976 hidden). Other recipes that pass: the crash course's [32] ReLU,
  60 epochs [0.962, 0.969]; [64] sigmoid, Adam 0.01, 50 epochs [0.967, 0.976] (14 seeds);
  [64] ReLU, SGD 0.1, 100 epochs [0.958, 0.972] (14 seeds). A model without hidden layer (softmax
  regression, Adam 0.003, 30 epochs) reaches [0.933, 0.960], 0.962, 0.978 and 0.953 on the
  grader's seeds: the digits are nearly linearly separable in 64 pixels, and the contract does
  not ask for a hidden layer, so it may pass, with a thin margin.
- "it learns" (0.7): chance is 0.1; an untrained network (SGD 1e-6, one epoch) scores
  [0.016, 0.096], and SGD at 0.001 for 20 epochs (a learning rate far too low) [0.480, 0.549]:
  both score 0 in total. Networks that learn but stop early land between 0.7 and 0.95 and earn
  these 20 points only: Adam 0.003 for 1 epoch [0.727, 0.778], for 3 epochs [0.887, 0.920].
- The size limit (3 hidden layers of 256 units) is the grader's, not the lesson's: it keeps the
  training in the parent to seconds (the reference trains in ~0.3 s per split once compiled).
"""

from __future__ import annotations

import math

import numpy as np

from kit.grading.authoring import CallFailed, check, expect, expect_layers, fail

TIMEOUT = 20.0  # the child builds one small Keras model (≈1 s); 20 s stops a hang
N_INPUTS, N_CLASSES = 64, 10
N_TRAIN = 1347  # kit.datasets.bundled("digits"): 1797 images, a quarter held out for testing
MAX_HIDDEN_LAYERS, MAX_UNITS = 3, 256  # the grader's size limit (see the docstring)

TARGET = 0.95  # contract: test accuracy on the grader's split
LEARNS = 0.7  # "it learns": 7× chance, far above an untrained or barely trained network
FITS = 0.99  # a hint only: the reference ends at train accuracy 1.000; below this a model still underfits

PUBLIC_SEED = 0  # kit.datasets.bundled("digits", seed=0): the student can rerun it
HIDDEN_SEEDS = (101, 202)  # other splits, never named in any message or document



class Submission:
    """What the child returned, validated in the parent."""

    def __init__(self, description, recipe, widths):
        self.description, self.recipe, self.widths = description, recipe, widths

    @property
    def steps(self) -> int:
        return self.recipe["epochs"] * math.ceil(N_TRAIN / self.recipe["batch_size"])


def prepare(session) -> Submission:
    """The submission's model description and recipe, checked; CheckFailed saying what is wrong.

    Memoised per session (``session.memo``), so the three checks ask the child once.
    """
    return session.memo(_prepare)


REFUSED_LAYER_HINTS = {
    ("Softmax", "Activation", "Lambda"): " Put the softmax in the last Dense layer itself: "
                                          "keras.layers.Dense(n_classes, activation=\"softmax\").",
    ("Flatten", "Reshape"): " The digits arrive flattened already (64 pixel values per image): start from "
                            "keras.Input(shape=(n_inputs,)) and use Dense layers only.",
}


def _output_problem(layer: dict) -> str:
    """Why the last Dense layer is not Dense(10, softmax), or '' when it is."""
    units, activation = layer["units"], layer["activation"]
    if activation == "softmax" and units == N_CLASSES:
        return ""
    shown = f"{units} {activation} unit{'s' * (units != 1)}"
    if activation != "softmax" and units == N_CLASSES:
        why = {"sigmoid": " A sigmoid scores each class on its own (one-vs-all): ten numbers in (0, 1) that need not "
                          "sum to 1. Softmax makes the ten outputs a distribution.",
               "linear": " Without an activation the ten outputs are raw scores (logits), negative or above 1. "
                         "Softmax turns them into probabilities that sum to 1."}.get(activation, "")
        return f"the output layer is {shown}; this exercise asks for {N_CLASSES} softmax units.{why}"
    if units == 1:
        return (f"the output layer is {shown}; this exercise asks for {N_CLASSES} softmax units, one per digit (a "
                "softmax over one unit is always 1). Use Dense(n_classes, activation=\"softmax\").")
    return (f"the output layer is {shown}; this exercise asks for {N_CLASSES} softmax units, one per digit: build "
            "it with n_classes units.")


def _prepare(session) -> Submission:
    from kit.grading.authoring import models

    try:
        description = session.run("build_model", {"function": "build_model", "args": [],
                                                  "keywords": {"n_inputs": N_INPUTS, "n_classes": N_CLASSES}},
                                  timeout=TIMEOUT)
    except CallFailed as failure:
        raise CallFailed(f"build_model {failure}") from None
    try:
        layers = models.check_description(description)
    except models.ModelRejected as rejected:
        hint = next((text for kinds, text in REFUSED_LAYER_HINTS.items()
                     if any(f"{kind!r} layer" in str(rejected) for kind in kinds)), "")
        fail(f"build_model(n_inputs=64, n_classes=10): {rejected}{hint}")
    dense = [layer for layer in layers if layer["kind"] == "Dense"]
    problem = _output_problem(dense[-1])
    expect(not problem, f"build_model(n_inputs=64, n_classes=10): {problem}")
    expect(description["n_inputs"] == N_INPUTS,
           f"build_model(n_inputs=64, n_classes=10) returned a model with {description['n_inputs']} input(s): build "
           "the input from n_inputs, keras.Input(shape=(n_inputs,)).")
    try:
        model = models.rebuild(description, seed=0)
    except (ValueError, TypeError) as rejected:  # ModelRejected, or a value the kit's builder refuses
        fail(f"build_model(n_inputs=64, n_classes=10): {rejected}")
    widths = expect_layers(model, hidden_layers=(0, MAX_HIDDEN_LAYERS), max_units=None, output="softmax",
                           output_units=N_CLASSES, exercise="this exercise",
                           call="build_model(n_inputs=64, n_classes=10)")
    expect(all(width <= MAX_UNITS for width in widths),
           f"build_model(n_inputs=64, n_classes=10): the hidden widths are {widths}; the grader trains at most "
           f"{MAX_UNITS} units per layer (64 already reach the target).")
    try:
        settings = models.check_recipe(session.plain("recipe", timeout=TIMEOUT), N_TRAIN)
    except models.ModelRejected as rejected:
        fail(str(rejected))
    return Submission(description, settings, widths)


def results(session, seeds) -> list[tuple[float, float]]:
    """(test accuracy, train accuracy) per seed: the architecture trained in the parent from the
    Playground's initialisation with the seed, on the digits split with that seed."""
    from kit import datasets
    from kit.grading.authoring import trials

    submission = prepare(session)
    runs = [trials.train_runs(submission.description, datasets.bundled("digits", seed=seed), submission.recipe,
                              (seed,)).runs[0] for seed in seeds]
    if any(run.diverged for run in runs):
        fail(f"training diverged (the loss became NaN or infinite): lower the learning rate "
             f"({submission.recipe['learning_rate']:g}).")
    return [(run.accuracy, run.train_accuracy) for run in runs]


def advice(submission: Submission, scores) -> str:
    """The likely reason a model misses its target, from its training accuracy and its recipe."""
    train = float(np.median([t for _, t in scores]))
    recipe = submission.recipe
    size = (f"hidden widths {submission.widths}, {recipe['optimizer']} at {recipe['learning_rate']:g}, "
            f"{submission.steps:,} optimizer steps")
    if train >= FITS:
        return (f" It fits its training images (train accuracy {train:.3f}) but not new ones: fewer epochs, or a "
                f"smaller or differently shaped network ({size}).")
    reasons = []
    # Hints, not grading thresholds: the recipes that pass take ≥ 2,000 steps at Adam 0.001-0.01 or SGD ~0.1.
    if recipe["optimizer"] == "sgd" and recipe["learning_rate"] < 0.01:
        reasons.append(f"a learning rate of {recipe['learning_rate']:g} is low for sgd: the weights hardly move; "
                       "try 0.05-0.2")
    if recipe["optimizer"] == "adam" and recipe["learning_rate"] < 3e-4:
        reasons.append(f"a learning rate of {recipe['learning_rate']:g} is low for adam; try 0.001-0.01")
    if submission.steps < 2000:
        reasons.append(f"{submission.steps:,} optimizer steps are few: train for more epochs")
    if not reasons:
        reasons.append("try more epochs, another learning rate or a wider hidden layer")
    return f" Your network underfits (train accuracy {train:.3f}): {'; '.join(reasons)} ({size})."


@check("model: 10 softmax outputs (a distribution), within the limits, and it learns", points=20, timeout=TIMEOUT,
       feedback="Dense(n_classes, activation='softmax') last; keras.Input(shape=(n_inputs,)); at most 3 hidden Dense "
                "layers of at most 256 units; a recipe within 100,000 steps.")
def model_structure(session):
    submission = prepare(session)
    ((accuracy, _),) = scores = results(session, (PUBLIC_SEED,))
    expect(accuracy >= LEARNS,
           f"the network is built as asked but hardly learns: test accuracy {accuracy:.3f} on the public split "
           f"(kit.datasets.bundled(\"digits\", seed={PUBLIC_SEED})), where guessing gets 0.1; structure earns its "
           f"points from {LEARNS}.{advice(submission, scores)}")


@check(f"digits, public split: test accuracy ≥ {TARGET}", points=50, timeout=TIMEOUT,
       feedback="Train it yourself: python starter.py trains once on the public split, as the grader does.")
def public_accuracy(session):
    submission = prepare(session)
    ((accuracy, _),) = scores = results(session, (PUBLIC_SEED,))
    expect(accuracy >= TARGET,
           f"test accuracy {accuracy:.3f} < {TARGET} on the public split (kit.datasets.bundled(\"digits\", "
           f"seed={PUBLIC_SEED}), 450 test images).{advice(submission, scores)}")


@check(f"digits, other splits: test accuracy ≥ {TARGET} on each", points=30, visibility="hidden", timeout=TIMEOUT,
       description="your model and recipe reach the target test accuracy on other train/test splits of the digits.",
       feedback="A recipe that passes on one split only is on the edge: aim for some margin above 0.95.")
def other_splits(session):
    submission = prepare(session)
    scores = results(session, HIDDEN_SEEDS)
    worst = min(accuracy for accuracy, _ in scores)
    expect(worst >= TARGET,
           f"on {len(scores)} unseen splits of the digits the test accuracy is "
           f"{', '.join(f'{a:.3f}' for a, _ in scores)}: below {TARGET} on at least one.{advice(submission, scores)}")


CHECKS = [model_structure, public_accuracy, other_splits]
