"""Argument checks for :func:`kit.training.train`: each failure says what was received, what
was expected and how to fix it."""

from __future__ import annotations

import math
import numbers

import keras
import numpy as np

from kit import heads
from kit.datasets import Dataset
from kit.errors import bad_parameter, bad_type, unknown_name

OWNER = "kit.training.train"

HEAD_LABELS = {
    "playground": ("pm1",),
    "logistic": ("01",),
    "softmax": ("index", "01"),
    "linear": ("real", "pm1", "01"),
}
"""Label conventions each head can learn from (see ``kit.datasets.LABEL_CONVENTIONS``)."""

LABEL_FIX = {
    "playground": "Load the data with labels='pm1' (e.g. playground(..., labels='pm1')) or build the model "
                  "with head='logistic' for 0/1 labels.",
    "logistic": "Load the data with labels='01' or build the model with head='playground' for ±1 labels.",
    "softmax": "Use a data set with class-index labels, or head='playground'/'logistic' for binary ones.",
    "linear": "A linear head fits real targets; use head='softmax' for class indices.",
}


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(value, parameter: str, fix: str = "") -> int:
    if not _is_int(value) or value < 1:
        raise bad_parameter(parameter, OWNER, "a positive int", value, fix)
    return int(value)


def check_model_and_data(model, data):
    """The model's head, after checking that model and data fit together."""
    if not isinstance(model, keras.Model):
        raise bad_type("model", OWNER, "a keras.Model (e.g. from kit.builders.build_mlp)", model)
    if not isinstance(data, Dataset):
        raise bad_type("data", OWNER, "a kit Dataset (e.g. kit.datasets.playground('spiral'))", data)
    inputs = getattr(model, "inputs", None)
    if not inputs or len(inputs) != 1 or len(model.outputs) != 1:
        raise ValueError("kit.training.train needs a built model with one input and one output; "
                         "build it with kit.builders.build_mlp or keras.Input(shape=(n_features,)).")
    n_inputs = inputs[0].shape[-1]
    if len(inputs[0].shape) != 2 or n_inputs != data.n_features:
        raise ValueError(
            f"The model takes inputs of shape {tuple(inputs[0].shape)} but the data set {data.name!r} has "
            f"{data.n_features} feature(s) ({', '.join(data.feature_names)}). Build the model with "
            f"n_inputs={data.n_features}, or choose the features the model expects.")
    head = heads.head_of(model)  # raises a clear ValueError for an output no head explains
    if data.labels not in HEAD_LABELS[head.name]:
        raise ValueError(
            f"The model has the {head.name} head (output {head.output_activation}), which learns "
            f"{' or '.join(HEAD_LABELS[head.name])} labels, but the data set {data.name!r} has "
            f"{data.labels!r} labels. {LABEL_FIX[head.name]}")
    if head.name == "softmax":
        n_outputs = int(model.outputs[0].shape[-1])
        n_classes = int(max(np.max(data.y_train), np.max(data.y_test))) + 1
        if n_classes > n_outputs:
            raise ValueError(f"The data set {data.name!r} has labels up to {n_classes - 1} but the softmax output has "
                             f"{n_outputs} units. Build the model with n_classes={n_classes}.")
    for split in ("x_train", "y_train", "x_test", "y_test"):
        if not np.all(np.isfinite(getattr(data, split))):
            raise ValueError(f"The data set {data.name!r} has NaN or infinite values in {split}; "
                             "clean or drop those rows before training.")
    if len(data.x_train) == 0:
        raise ValueError(f"The data set {data.name!r} has no training rows.")
    return head


def check_rate(value, parameter: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise bad_parameter(parameter, OWNER, "a non-negative number", value,
                            "0 turns the penalty off; the Playground offers 0.001 to 10.")
    return float(value)


def check_learning_rate(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 < value <= 10):
        raise bad_parameter("learning_rate", OWNER, "a number in (0, 10]", value,
                            "The Playground offers 0.00001 to 10; 0.03 is its default.")
    return float(value)


def check_seed(value) -> int:
    if not _is_int(value) or not 0 <= value < 2**31:
        raise bad_parameter("seed", OWNER, "an int from 0 to 2**31 - 1", value)
    return int(value)


def check_flag(value, parameter: str, allowed: tuple, expected: str):
    if not any(value is a or (type(value) is type(a) and value == a) for a in allowed):
        raise bad_parameter(parameter, OWNER, expected, value)
    return value


def check_callbacks(callbacks) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, keras.callbacks.Callback):
        callbacks = [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise bad_type("callbacks", OWNER, "a list of keras.callbacks.Callback (or None)", callbacks)
    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.Callback):
            raise bad_type("callbacks", OWNER, "a list of keras.callbacks.Callback objects", callback)
    return list(callbacks)


def lower_is_better(metric: str) -> bool:
    """``stop_when``'s rule: loss-like metrics stop at ≤ target, accuracy-like ones at ≥ target."""
    return "accuracy" not in metric


def check_stop_when(stop_when, metric_names) -> dict:
    if stop_when is None:
        return {}
    if not isinstance(stop_when, dict) or not stop_when:
        raise bad_type("stop_when", OWNER, "a dict of metric → target, e.g. {'val_loss': 0.177}", stop_when)
    for key, target in stop_when.items():
        if key not in metric_names:
            raise unknown_name("stop_when metric", key, metric_names)
        if isinstance(target, bool) or not isinstance(target, numbers.Real) or not math.isfinite(target):
            raise bad_parameter("stop_when", OWNER, f"a finite number as the target of {key!r}", target)
    return {key: float(target) for key, target in stop_when.items()}


def resolve_optimizer(optimizer, learning_rate, model):
    """An optimizer built for ``model``: a fresh one by name, or the given instance."""
    from kit.builders import OPTIMIZERS, make_optimizer

    if isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise unknown_name("optimizer", optimizer, OPTIMIZERS)
        optimizer = make_optimizer(optimizer, learning_rate)
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        raise bad_type("optimizer", OWNER, f"an optimizer name ({', '.join(sorted(OPTIMIZERS))}) or a "
                       "keras.optimizers.Optimizer", optimizer)
    if optimizer.built:
        built_for = [id(v) for v in getattr(optimizer, "_trainable_variables", [])]
        if built_for != [id(v) for v in model.trainable_variables]:
            raise ValueError("This optimizer instance was already used with another model; pass a fresh "
                             "optimizer (or its name, e.g. optimizer='adam').")
    else:
        optimizer.build(model.trainable_variables)
    return optimizer
