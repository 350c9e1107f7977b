"""What the HParams and Custom Scalars dashboards need from a run: the hyperparameters of the
run and one multi-line chart per family of diagnostics.

Example:
    >>> summaries = hparams_summaries({"activation": "relu", "learning_rate": 0.03})  # doctest: +SKIP
    >>> layout = custom_scalars_layout()  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from numbers import Integral, Real

from tensorboard.compat.proto import summary_pb2
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import metadata as custom_scalar_metadata
from tensorboard.plugins.hparams import api as hp

from kit.errors import FLAG, InstanceOf, Interval, check, invalid

METRICS = {
    "loss/train": "train loss",
    "loss/test": "test loss",
    "accuracy/train": "train accuracy",
    "accuracy/test": "test accuracy",
}
"""The scalar tags the HParams dashboard shows as each run's final metrics."""

STANDARD_HPARAMS = ("activation", "hidden", "depth", "learning_rate", "optimizer", "dataset", "seed")
"""Hyperparameters every run declares (a run that does not know one leaves its cell empty)."""

# (category, [(chart title, tag regex)]): one multi-line chart per family, lines = layers.
LAYOUT = [
    ("Gradient flow", [("Kernel gradient L2 norm per layer (vanishing: first layers near 0)", r"grad_norm/.*")]),
    ("Dead units", [("Share of dead ReLU units per layer (0 on every probe point)", r"dead_fraction/.*")]),
    ("Saturation", [("Share of saturated units per layer (in a flat zone on 95% of the probe)",
                     r"saturated_fraction/.*")]),
    ("Activations", [("Activation mean per layer", r"activation_mean/.*"),
                     ("Activation standard deviation per layer", r"activation_std/.*")]),
    ("Training", [("Loss (train and test)", r"loss/.*"), ("Accuracy (train and test)", r"accuracy/.*")]),
]


@functools.lru_cache(maxsize=1)
def _layout() -> bytes:
    categories = []
    for title, charts in LAYOUT:
        categories.append(layout_pb2.Category(title=title, chart=[
            layout_pb2.Chart(title=chart, multiline=layout_pb2.MultilineChartContent(tag=[regex]))
            for chart, regex in charts]))
    layout = layout_pb2.Layout(category=categories)
    summary = summary_pb2.Summary()
    summary.value.add(
        tag=custom_scalar_metadata.CONFIG_SUMMARY_TAG,
        metadata=custom_scalar_metadata.create_summary_metadata(),
        tensor=_string_tensor(layout.SerializeToString()),
    )
    return summary.SerializeToString()


def custom_scalars_layout() -> summary_pb2.Summary:
    """The Custom Scalars layout of ``LAYOUT`` as a summary (written once per run)."""
    return summary_pb2.Summary.FromString(_layout())  # a fresh copy: callers may change theirs


def _string_tensor(payload: bytes):
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2

    return tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, tensor_shape=tensor_shape_pb2.TensorShapeProto(),
                                  string_val=[payload])


HPARAMS = "a dict of name → bool, number or str"
HPARAM_VALUE = (FLAG, Interval(Real), InstanceOf(str, "a str"))


def check_hparams(values, owner: str = "kit.tensorboard.Diagnostics") -> dict:
    """``values`` as a dict of str → bool/int/float/str, or a clear error."""
    check(values, InstanceOf(dict, HPARAMS), "hparams", owner)
    clean = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            raise invalid("hparams", owner, "a dict whose keys are non-empty strings", values)
        if hasattr(value, "item") and getattr(value, "shape", None) == ():
            value = value.item()  # NumPy scalars
        if not any(kind.is_satisfied_by(value) for kind in HPARAM_VALUE):
            raise invalid("hparams", owner, HPARAMS, got=f"{name}={value!r} of type {type(value).__name__}")
        clean[name] = value if isinstance(value, (bool, str)) else (
            int(value) if isinstance(value, Integral) else float(value))
    return clean


def hparams_summaries(values: dict) -> list[summary_pb2.Summary]:
    """The experiment description (hyperparameter names, ``METRICS``) and this run's values.

    Runs declare at least ``STANDARD_HPARAMS``, so the dashboard compares the runs of a whole
    logdir whichever run's description it reads.
    """
    values = check_hparams(values)
    config = hp.hparams_config_pb(
        hparams=[hp.HParam(name) for name in sorted(set(STANDARD_HPARAMS) | set(values))],
        metrics=[hp.Metric(tag, display_name=title) for tag, title in METRICS.items()],
    )
    return [config, hp.hparams_pb(values)]
