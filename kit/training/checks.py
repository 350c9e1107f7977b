"""Argument checks for :func:`kit.training.train`: its parameters' constraints as data
(``PARAMETERS``), and the checks that look at several arguments together (model and data, the
metrics ``stop_when`` may name, an optimizer already built for another model). Each failure says
what was received, what was expected and how to fix it."""

from __future__ import annotations

from numbers import Real

import keras
import numpy as np

from kit import heads
from kit.builders import OPTIMIZERS, make_optimizer
from kit.datasets import DATASET
from kit.errors import (BATCH_SIZE, COUNT, FLAG, LEARNING_RATE, MODEL, PENALTY, SEED, InstanceOf, Interval,
                        InvalidParameter, ListOf, Options, Text, invalid, unknown_name)

OWNER = "kit.training.train"

FINITE = Interval(Real)
CALLBACK = InstanceOf(keras.callbacks.Callback, "a keras.callbacks.Callback")

PARAMETERS = {
    "model": MODEL,
    "data": DATASET,
    "epochs": COUNT,
    "batch_size": BATCH_SIZE,
    "optimizer": [Text(f"an optimizer name ({', '.join(sorted(OPTIMIZERS))})"),
                  InstanceOf(keras.optimizers.Optimizer, "a keras.optimizers.Optimizer")],
    "learning_rate": LEARNING_RATE,
    "seed": SEED,
    "l1": PENALTY,
    "l2": PENALTY,
    "regularization": [Options("l1", "l2", fix="The Playground offers None, 'l1' and 'l2'."), None],
    "regularization_rate": PENALTY,  # the Playground's "Regularization rate" (0 to 10 there)
    "batching": Options("fit", "playground", fix="'fit' steps on the last partial batch as model.fit does; "
                                                 "'playground' carries it into the next epoch as the Playground does."),
    "callbacks": [ListOf(CALLBACK), CALLBACK, None],
    "verbose": Options("auto", 0, 1, True, False),
    "shuffle": FLAG,
    "stop_when": [InstanceOf(dict, "a dict of metric → target, e.g. {'val_loss': 0.177}"), None],
    "jit_compile": Options("auto", True, False),
}
"""``train``'s parameters and what each accepts (checked before anything else happens)."""

HEAD_LABELS = {
    "playground": ("pm1",),
    "logistic": ("01",),
    "softmax": ("index", "01"),
    "linear": ("real", "pm1", "01"),
    "playground_regression": ("real", "pm1", "01"),
}
"""Label conventions each head can learn from (see ``kit.datasets.LABEL_CONVENTIONS``)."""

def label_fix(head_name: str, labels: str) -> str:
    """What to change when a ``head_name`` model meets data with ``labels``: the head that learns
    those labels, or, for binary data, the other label convention of the Playground's loader."""
    fitting = heads.for_labels(labels).name
    text = f"Build the model with head={fitting!r}, which learns {labels!r} labels"
    wanted = HEAD_LABELS[head_name][0]
    if labels in ("pm1", "01") and wanted in ("pm1", "01"):
        text += f", or load the data with labels={wanted!r} (e.g. playground(..., labels={wanted!r}))"
    return text + "."


def check_model_and_data(model, data):
    """The model's head, after checking that model and data fit together."""
    inputs = getattr(model, "inputs", None)
    if not inputs or len(inputs) != 1 or len(model.outputs) != 1:
        raise InvalidParameter("kit.training.train needs a built model with one input and one output; "
                               "build it with kit.builders.build_mlp or keras.Input(shape=(n_features,)).")
    n_inputs = inputs[0].shape[-1]
    if len(inputs[0].shape) != 2 or n_inputs != data.n_features:
        raise InvalidParameter(
            f"The model takes inputs of shape {tuple(inputs[0].shape)} but the data set {data.name!r} has "
            f"{data.n_features} feature(s) ({', '.join(data.feature_names)}). Build the model with "
            f"n_inputs={data.n_features}, or choose the features the model expects.")
    head = heads.head_of(model)  # raises a clear InvalidParameter for an output no head explains
    if data.labels not in HEAD_LABELS[head.name]:
        raise InvalidParameter(
            f"The model has the {head.name} head (output {head.output_activation}), which learns "
            f"{' or '.join(HEAD_LABELS[head.name])} labels, but the data set {data.name!r} has "
            f"{data.labels!r} labels. {label_fix(head.name, data.labels)}")
    if head.name == "softmax":
        n_outputs = int(model.outputs[0].shape[-1])
        n_classes = int(max(np.max(data.y_train), np.max(data.y_test))) + 1
        if n_classes > n_outputs:
            raise InvalidParameter(f"The data set {data.name!r} has labels up to {n_classes - 1} but the softmax "
                                   f"output has {n_outputs} units. Build the model with n_classes={n_classes}.")
    for split in ("x_train", "y_train", "x_test", "y_test"):
        if not np.all(np.isfinite(getattr(data, split))):
            raise InvalidParameter(f"The data set {data.name!r} has NaN or infinite values in {split}; "
                                   "clean or drop those rows before training.")
    if len(data.x_train) == 0:
        raise InvalidParameter(f"The data set {data.name!r} has no training rows.")
    return head


def check_regularization(regularization, regularization_rate) -> None:
    """A positive ``regularization_rate`` needs a ``regularization`` to apply (the Playground's pair)."""
    if regularization is None and regularization_rate:
        raise InvalidParameter(
            f"The 'regularization_rate' parameter of {OWNER} is {regularization_rate!r} but regularization is None, "
            "so it would have no effect. Pass regularization='l2' (adds rate·w to each weight's gradient) or "
            "regularization='l1' (rate·sign(w), the Playground's L1), or leave regularization_rate at 0.")


def lower_is_better(metric: str) -> bool:
    """``stop_when``'s rule: loss-like metrics stop at ≤ target, accuracy-like ones at ≥ target."""
    return "accuracy" not in metric


def metric_names(head, data) -> list[str]:
    """The metrics ``train`` and ``train_many`` report for this head and data set, in order.

    Example:
        >>> from kit import datasets, heads
        >>> metric_names(heads.HEADS["playground"], datasets.playground("xor", seed=0))
        ['loss', 'accuracy', 'val_loss', 'val_accuracy']
    """
    names = ["loss"] + (["accuracy"] if head.metrics() else [])
    if len(data.x_test):
        names += [f"val_{name}" for name in names]
    return names


def check_stop_when(stop_when, metric_names) -> dict:
    """``stop_when`` (a dict, or None: already checked) naming only ``metric_names``, with finite targets."""
    if stop_when is None:
        return {}
    if not stop_when:
        raise invalid("stop_when", OWNER, "None or a dict of metric → target, e.g. {'val_loss': 0.177}", stop_when)
    for key, target in stop_when.items():
        if key not in metric_names:
            raise unknown_name("stop_when metric", key, metric_names)
        if not FINITE.is_satisfied_by(target):
            raise invalid("stop_when", OWNER, "a dict of metric → finite number, e.g. {'val_loss': 0.177}",
                          {key: target})
    return {key: float(target) for key, target in stop_when.items()}


def resolve_optimizer(optimizer, learning_rate, model):
    """An optimizer built for ``model``: a fresh one by name, or the given instance."""
    if isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise unknown_name("optimizer", optimizer, OPTIMIZERS)
        optimizer = make_optimizer(optimizer, learning_rate)
    if optimizer.built:
        built_for = [id(v) for v in getattr(optimizer, "_trainable_variables", [])]
        if built_for != [id(v) for v in model.trainable_variables]:
            raise InvalidParameter("This optimizer instance was already used with another model; pass a fresh "
                                   "optimizer (or its name, e.g. optimizer='adam').")
    else:
        optimizer.build(model.trainable_variables)
    return optimizer
