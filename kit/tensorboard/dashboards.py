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

from kit import caches
from kit.errors import FLAG, InstanceOf, Interval, check, invalid

__all__ = ["METRICS", "STANDARD_HPARAMS", "SHOWN_FIRST", "LAYOUT", "custom_scalars_layout", "HPARAMS", "HPARAM_VALUE",
           "check_hparams", "DEPTH_WIDTH", "CATEGORIES", "depth_label", "hparam_infos", "hparams_summaries"]

METRICS = {
    "accuracy/test": "test accuracy",
    "loss/test": "test loss",
    "accuracy/train": "train accuracy",
    "loss/train": "train loss",
}
"""The scalar tags the HParams dashboard shows as each run's final metrics, in its columns' order:
test accuracy first, so that it sits beside the hyperparameters, on screen in a 1600-pixel window
(the table gives every column the same width: Trial ID, Show Metrics, the five hyperparameters of
``SHOWN_FIRST``, then these; the fourth metric is cut off there)."""

STANDARD_HPARAMS = ("activation", "dataset", "depth", "learning_rate", "seed", "hidden", "optimizer")
"""Hyperparameters every run declares and fills."""

SHOWN_FIRST = ("activation", "dataset", "depth", "learning_rate", "seed")
"""The columns the course compares runs by. The HParams dashboard shows five columns until others
are ticked, the ones whose ``differs`` flag is set first (then by name); a run cannot know whether
its values differ from the other runs', so the flag is used as what the dashboard makes of it: a
hint to show these five."""

# (category, [(chart title, tag regex)]): one multi-line chart per quantity. TensorBoard's layout
# has no log-scale setting and no run filter (its regexes match tags, in every run), so the
# gradient charts plot log10 values with one line per run: a chart of every run's every layer
# (`grad_norm/.*`) drew 76 lines for the demo. The per-layer profile of one run is the
# `gradient_flow` image (Images dashboard).
LAYOUT = [
    ("Gradient flow", [
        ("log10(first layer / last layer gradient norm), one line per run: 0 = same size, -3 = the first "
         "layer's gradient is 1000x smaller (vanishing)", r"gradient_flow/log10_first_over_last$"),
        ("log10 gradient norm of the first layer, one line per run", r"gradient_flow/log10_first$"),
        ("log10 gradient norm of the last (output) layer, one line per run", r"gradient_flow/log10_last$")]),
    ("Dead units", [("Share of dead ReLU units per layer (0 on every probe point)", r"dead_fraction/.*")]),
    ("Saturation", [("Share of saturated units per layer (in a flat zone on 95% of the probe)",
                     r"saturated_fraction/.*")]),
    ("Activations", [("Activation mean per layer", r"activation_mean/.*"),
                     ("Activation standard deviation per layer", r"activation_std/.*")]),
    ("Training", [("Loss (train and test)", r"loss/.*"), ("Accuracy (train and test)", r"accuracy/.*")]),
]


@caches.register
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


DEPTH_WIDTH = 2
"""Depths are written as text right-aligned to two characters (" 2", "10"): TensorBoard prints every
number hparam with five significant digits ("10.000") and sorts a text axis alphabetically ("10"
before "2"); padded text shows "10" and sorts 0, 1, 2, …, 10. (HTML hides the leading space.)"""

CATEGORIES = ("activation", "hidden", "depth", "optimizer", "dataset", "seed", "model_seed")
"""Hyperparameters written as text (a discrete axis in the parallel coordinates): the seed is a label,
not a quantity (so is the seed a network was built with); depth is shown as an int (see ``DEPTH_WIDTH``)."""


def depth_label(depth: int) -> str:
    """A depth as the HParams dashboard shows it: ``depth_label(2) == " 2"`` (see ``DEPTH_WIDTH``)."""
    return str(int(depth)).rjust(DEPTH_WIDTH)


def _catalogue(name: str) -> list[str]:
    """The values the kit itself can write for ``name`` (empty: open-ended, e.g. hidden widths)."""
    from kit import activations, builders, datasets

    if name == "activation":
        return ["none", *sorted(activations.REGISTRY)]
    if name == "optimizer":
        return sorted(builders.OPTIMIZERS)
    if name == "dataset":
        return [*datasets.PLAYGROUND_DATASETS, *datasets.BUNDLED, *datasets.CURVES]
    if name == "depth":
        return [depth_label(depth) for depth in range(0, 21)]
    if name == "seed":
        return [str(seed) for seed in range(10)]
    return []


def hparam_infos(values: dict) -> list:
    """Each hyperparameter's declared type and domain (``hparams_config_pb``'s ``hparams``).

    TensorBoard reads the description of the whole logdir from one run, whichever it finds first,
    so a run cannot declare the other runs' values: a discrete domain is the kit's catalogue (every
    activation, optimizer and data set it knows, depths 0-20, seeds 0-9) plus this run's own value.
    Text without a catalogue (the hidden widths, an entry name) is declared as text with no domain
    (any string); the learning rate as a real in (0, 10] (``kit.errors.LEARNING_RATE``), other
    numbers as reals (no domain: the kit does not know their range); flags as booleans.
    """
    from tensorboard.plugins.hparams import api_pb2

    infos = []
    for name in sorted(set(STANDARD_HPARAMS) | set(values)):
        value = values.get(name)
        info = api_pb2.HParamInfo(name=name, display_name=name, differs=name in SHOWN_FIRST)
        if name == "learning_rate" or (name not in CATEGORIES and isinstance(value, (int, float))
                                       and not isinstance(value, bool)):
            info.type = api_pb2.DATA_TYPE_FLOAT64
            if name == "learning_rate":  # kit.errors.LEARNING_RATE: (0, 10]
                info.domain_interval.min_value, info.domain_interval.max_value = 0.0, 10.0
        elif isinstance(value, bool):
            info.type = api_pb2.DATA_TYPE_BOOL
            info.domain_discrete.extend([False, True])
        else:
            info.type = api_pb2.DATA_TYPE_STRING
            domain = _catalogue(name)
            if domain:
                info.domain_discrete.extend(domain + ([value] if isinstance(value, str) and value not in domain
                                                      else []))
        infos.append(info)
    return infos


def hparams_summaries(values: dict) -> list[summary_pb2.Summary]:
    """The experiment description (hyperparameters with types and domains, ``METRICS`` with display
    names) and this run's values.

    Runs declare at least ``STANDARD_HPARAMS``, so the dashboard compares the runs of a whole
    logdir whichever run's description it reads. The trial (session group) is named after the run:
    an empty ``trial_id`` makes TensorBoard use the run's folder name rather than a hash of the values.
    """
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    values = check_hparams(values)
    for name in CATEGORIES:  # text, so the dashboard shows "10" and "3", not "10.000"
        if name in values and not isinstance(values[name], str):
            values[name] = depth_label(values[name]) if name == "depth" else str(values[name])
    experiment = api_pb2.Experiment(
        hparam_infos=hparam_infos(values),
        metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag), display_name=title)
                      for tag, title in METRICS.items()])
    config = summary_pb2.Summary()
    config.value.add(tag=metadata.EXPERIMENT_TAG, tensor=metadata.NULL_TENSOR, metadata=metadata.create_summary_metadata(
        plugin_data_pb2.HParamsPluginData(experiment=experiment)))
    return [config, hp.hparams_pb(values, trial_id="")]
