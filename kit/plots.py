"""Figures (matplotlib, headless): activation curves, decision boundaries, training curves.

Every function returns a ``matplotlib.figure.Figure`` and, given ``path``, also saves it as a
PNG (creating folders) and closes it.

Example:
    >>> from kit import plots
    >>> plots.activation_curves(["sigmoid", "tanh", "relu"], path="activations.png")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from pathlib import Path
from typing import Sequence

import matplotlib

if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
    matplotlib.use("Agg")  # headless unless a notebook asked for inline figures

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402

from kit import style  # noqa: E402
from kit.datasets import DATASET  # noqa: E402
from kit.errors import (COUNT, FLAG, MODEL, PATH, InstanceOf, Interval, InvalidParameter, ListOf, Options,  # noqa: E402
                        check, figure_file, invalid, validate_params, writing)

from kit.style import PLAYGROUND_NEGATIVE, PLAYGROUND_NEUTRAL, PLAYGROUND_POSITIVE  # noqa: E402,F401  (re-exported)
from kit.pictures import PLAYGROUND_EXTENT, plane_inputs, signed_output  # noqa: E402,F401  (re-exported)

__all__ = ["PLAYGROUND_NEGATIVE", "PLAYGROUND_NEUTRAL", "PLAYGROUND_POSITIVE", "PLAYGROUND_EXTENT", "PLAYGROUND_CMAP",
           "BOUNDARY_COLOUR", "OUTPUT", "TITLE", "COLUMNS", "RESOLUTION", "PANELS", "SERIES", "activation_curves",
           "plane_inputs", "signed_output", "decision_grid", "HEATMAP_LEVELS", "heatmap_palette", "heatmap_indices",
           "heatmap_rgb", "decision_boundary", "decision_boundaries", "dataset", "network", "training_curves",
           "run_styles", "gradient_flow", "dead_units", "curve_fits"]


PLAYGROUND_CMAP = LinearSegmentedColormap.from_list(
    "playground", [PLAYGROUND_NEGATIVE, PLAYGROUND_NEUTRAL, PLAYGROUND_POSITIVE])
BOUNDARY_COLOUR = "#%02x%02x%02x" % style.NAMED["boundary"]
_TEXT = "#%02x%02x%02x" % style.NAMED["text"]


OUTPUT = [PATH, None]
"""Where to save a figure as PNG (folders are created), or None to only return it."""
TITLE = [InstanceOf(str, "a str"), None]
COLUMNS = [COUNT, None]
RESOLUTION = Interval(Integral, 2, 1000, fix="The Playground draws 100 points per side.")
PANELS = ListOf(InstanceOf((list, tuple), "a (title, model, data) triple"), min_length=1)
SERIES = InstanceOf(dict, "a non-empty dict of label → {layer name: value}")


def _finish(fig, path, dpi: int = 110):
    if path is not None:
        path = figure_file(path, create_folders=True)
        with writing(path, "the figure"):
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, dpi=dpi, bbox_inches="tight")
        plt.close(fig)
    return fig


def _panels(panels, owner: str) -> list:
    for panel in panels:
        if len(panel) != 3:
            raise invalid("panels", owner, "a non-empty list of (title, model, data) triples", panels)
    return list(panels)


# ---------------------------------------------------------------------------------------------
# Activation curves


@validate_params(names=[ListOf(InstanceOf(str, "activation names"), min_length=1),
                        InstanceOf(str, "an activation name")], derivative=FLAG, columns=COLUMNS, path=OUTPUT)
def activation_curves(names: Sequence[str] = ("sigmoid", "tanh", "relu"), x_range=(-5.0, 5.0),
                      derivative: bool = True, columns: int | None = None, path=None):
    """Each activation (solid, in its colour: ``kit.style.ACTIVATION_COLOURS``) with its derivative
    (grey, dashed), one panel per activation.

    Args:
        names: catalogue names (``kit activations`` lists them); elementwise ones only.
        x_range: the x interval drawn.
        derivative: also draw f'.
        columns: panels per row (default: up to 4).
        path: save the figure there as PNG.

    Example:
        >>> fig = activation_curves(["sigmoid", "relu", "quadratic"])
    """
    from kit import activations

    if isinstance(names, str):
        names = [names]
    entries = [activations.get(name) for name in names]
    vector = [e.name for e in entries if not e.elementwise]
    if vector:
        raise InvalidParameter(f"activation_curves draws elementwise activations; {vector} act on whole vectors. "
                               "Leave them out.")
    low, high = _x_range(x_range)
    columns = columns or min(4, len(entries))
    rows = math.ceil(len(entries) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.8 * rows), squeeze=False)
    x = np.linspace(low, high, 801)
    for ax, entry in zip(axes.flat, entries):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.plot(x, activations.evaluate(entry, x.astype(np.float32)), color=style.activation_colour(entry.name),
                lw=2, label="f(x)")
        if derivative:
            ax.plot(x, activations.derivative(entry, x.astype(np.float32)), color=_TEXT, lw=1.4, ls="--",
                    label="f′(x)")
        ax.set_title(f"{entry.name}: {entry.formula}", fontsize=10)
        ax.set_xlim(low, high)
        _clip_y(ax, entry, low, high)
        ax.grid(alpha=0.25)
    for ax in list(axes.flat)[len(entries):]:
        ax.axis("off")
    axes.flat[0].legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    return _finish(fig, path)


def _x_range(x_range):
    pair = ListOf(Interval(Real), min_length=2)
    if not pair.is_satisfied_by(x_range) or len(x_range) != 2 or x_range[0] >= x_range[1]:
        raise invalid("x_range", "kit.plots.activation_curves", "a pair (low, high) of finite numbers with low < high",
                      x_range)
    return float(x_range[0]), float(x_range[1])


def _clip_y(ax, entry, low, high):
    # Unbounded curves (x², eˣ) would squash the others; keep the view near the interesting part.
    span = high - low
    ymin, ymax = ax.get_ylim()
    ax.set_ylim(max(ymin, -span / 2 - 0.2), min(ymax, span / 2 + 0.2))


# ---------------------------------------------------------------------------------------------
# Decision boundaries


@validate_params(resolution=RESOLUTION, extent=Interval(Real, 0, None, closed="neither"))
@validate_params(model=MODEL, resolution=RESOLUTION, extent=Interval(Real, 0, None, closed="neither"),
                 discretize=FLAG)
def decision_grid(model, feature_names: Sequence[str] = ("x1", "x2"), resolution: int = 100,
                  extent: float = PLAYGROUND_EXTENT, discretize: bool = False) -> np.ndarray:
    """The model's output over the Playground's square [−extent, extent]², as values in [−1, 1].

    Rows run from top (x2 = +extent) to bottom, columns from left (x1 = −extent) to right, like
    an image (see :func:`plane_inputs` and :func:`signed_output`).

    Args:
        model: a Keras model taking the features named in ``feature_names``.
        feature_names: the Playground features the model was trained on (crosses included).
        resolution: grid points per side (the Playground uses 100).
        extent: half the side of the square.
        discretize: the Playground's "Discretize output": every value becomes +1 where it is
            ≥ 0 and −1 elsewhere (``heatmap.ts``: ``value >= 0 ? 1 : -1``), so only the boundary
            shows.

    Example:
        >>> from kit import builders
        >>> grid = decision_grid(builders.build_mlp(2, [3], seed=0), resolution=5, discretize=True)
        >>> sorted(set(grid.ravel().tolist())) in ([-1.0], [1.0], [-1.0, 1.0])
        True
    """
    from kit import heads

    inputs = plane_inputs(feature_names, resolution, extent)
    if int(model.inputs[0].shape[-1]) != inputs.shape[1]:
        raise InvalidParameter(f"The model takes {model.inputs[0].shape[-1]} inputs but feature_names has "
                               f"{inputs.shape[1]} ({list(feature_names)}); pass the features it was trained on.")
    values = signed_output(model(inputs, training=False), heads.head_of(model).name)
    if discretize:
        values = np.where(values >= 0, 1.0, -1.0)
    return values.reshape(int(resolution), int(resolution))


HEATMAP_LEVELS = style.SHADES
"""Shades of the Playground's colour scale in heat-map images (``kit.style.SHADES``: odd, so output
0 has its own shade, the neutral colour)."""


def heatmap_palette() -> np.ndarray:
    """The ``HEATMAP_LEVELS`` colours (uint8, levels×3) from output −1 (orange) to +1 (blue): the
    first entries of ``kit.style.palette()``, which every TensorBoard picture of the kit indexes."""
    return style.palette()[:HEATMAP_LEVELS]


def heatmap_indices(values: np.ndarray) -> np.ndarray:
    """Values in [−1, 1] (clipped; NaN as 0) as uint8 indices into ``heatmap_palette()``."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise invalid("values", "kit.plots.heatmap_indices", "a 2-D array", got=f"an array of shape {values.shape}")
    return style.shade_indices(values)


def heatmap_rgb(values: np.ndarray) -> np.ndarray:
    """Values in [−1, 1] as an RGB image (uint8, H×W×3) in the Playground's colours."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise invalid("values", "kit.plots.heatmap_rgb", "a 2-D array", got=f"an array of shape {values.shape}")
    return heatmap_palette()[heatmap_indices(values)]


@validate_params(model=MODEL, data=DATASET, title=TITLE, resolution=RESOLUTION, show_test=FLAG, discretize=FLAG,
                 path=OUTPUT)
def decision_boundary(model, data, ax=None, title: str | None = None, resolution: int = 100,
                      show_test: bool = False, discretize: bool = False, path=None):
    """The Playground's picture: the output as an orange-white-blue heat map with the points, and
    the decision boundary (where the output changes sign) as a dark line, so that a linear
    network whose outputs all sit near 0 (a pale picture) still shows its straight line.

    Training points are drawn with white edges; with ``show_test`` the test points too, with
    black edges (the Playground's "Show test data", off by default there and here).

    Args:
        model: a trained Keras model.
        data: the Playground ``Dataset`` it was trained on (any features).
        ax: draw into this axes (for side-by-side figures); otherwise a new figure.
        title: the panel title (default: the data set's name).
        resolution: grid points per side.
        show_test: also draw the test points (the Playground's "Show test data").
        discretize: colour by the sign of the output only (the Playground's "Discretize
            output"; see :func:`decision_grid`).
        path: save the figure there as PNG.

    Example:
        >>> fig = decision_boundary(model, data, show_test=True, discretize=True, path="boundary.png")  # doctest: +SKIP
    """
    from kit import datasets

    train_points, test_points = datasets.playground_points(data)
    values = decision_grid(model, data.feature_names, resolution, discretize=discretize)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    extent = PLAYGROUND_EXTENT
    ax.imshow(values, extent=(-extent, extent, -extent, extent), cmap=PLAYGROUND_CMAP, vmin=-1, vmax=1,
              interpolation="nearest" if discretize else "bilinear")
    if values.min() < 0 <= values.max():  # the boundary line itself: visible even when every output is near 0
        axis = np.linspace(-extent, extent, values.shape[0])
        ax.contour(axis, axis[::-1], values, levels=[0.0], colors=BOUNDARY_COLOUR, linewidths=1.2)
    threshold = 0.5 if data.labels == "01" else 0.0  # the positive class: +1, or 1 for 0/1 labels
    sets = [(train_points, data.y_train, "white")] + ([(test_points, data.y_test, "black")] if show_test else [])
    for points, labels, edge in sets:
        colours = np.where(labels > threshold, PLAYGROUND_POSITIVE, PLAYGROUND_NEGATIVE)
        ax.scatter(points[:, 0], points[:, 1], c=colours, s=14, edgecolors=edge, linewidths=0.6)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_xticks([-6, 0, 6])
    ax.set_yticks([-6, 0, 6])
    ax.set_title(title if title is not None else data.name, fontsize=10)
    if fig is None:
        return ax.figure
    fig.tight_layout()
    return _finish(fig, path)


@validate_params(panels=PANELS, columns=COLUMNS, show_test=FLAG, discretize=FLAG, path=OUTPUT)
def decision_boundaries(panels: Sequence[tuple], columns: int | None = None, show_test: bool = False,
                        discretize: bool = False, path=None):
    """Several decision boundaries side by side: ``panels`` is a list of ``(title, model, data)``;
    ``show_test`` and ``discretize`` as in :func:`decision_boundary`."""
    panels = _panels(panels, "kit.plots.decision_boundaries")
    columns = columns or min(4, len(panels))
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 3.5 * rows), squeeze=False)
    for ax, (title, model, data) in zip(axes.flat, panels):
        decision_boundary(model, data, ax=ax, title=title, show_test=show_test, discretize=discretize)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    return _finish(fig, path)


@validate_params(data=DATASET, path=OUTPUT)
def dataset(data, ax=None, path=None):
    """A Playground data set's points (train white-edged, test black-edged) on the [−6, 6]² square."""
    from kit import datasets

    train_points, test_points = datasets.playground_points(data)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    if data.task == "regression":
        values = np.concatenate([data.y_train, data.y_test])
        points = np.concatenate([train_points, test_points])
        ax.scatter(points[:, 0], points[:, 1], c=np.clip(values, -1, 1), cmap=PLAYGROUND_CMAP, vmin=-1, vmax=1, s=12)
    else:
        for points, labels, edge in ((train_points, data.y_train, "white"), (test_points, data.y_test, "black")):
            colours = np.where(labels > 0.5 if data.labels == "01" else labels > 0, PLAYGROUND_POSITIVE,
                               PLAYGROUND_NEGATIVE)
            ax.scatter(points[:, 0], points[:, 1], c=colours, s=14, edgecolors=edge, linewidths=0.6)
    ax.set_xlim(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT)
    ax.set_ylim(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT)
    ax.set_aspect("equal")
    noise = data.provenance["arguments"].get("noise", 0)
    ax.set_title(f"{data.name} (noise {noise})", fontsize=10)
    if fig is None:
        return ax.figure
    fig.tight_layout()
    return _finish(fig, path)


# ---------------------------------------------------------------------------------------------
# The network, as the Playground draws it


@validate_params(model=MODEL, data=DATASET, title=TITLE, path=OUTPUT)
def network(model, data, title: str | None = None, path=None):
    """The network as the TensorFlow Playground draws it: the input features, each hidden unit as
    a small heat map of its output over the plane [−6, 6]² (orange −1, white 0, blue +1), links
    coloured by the weight's sign (blue +, orange −) and thickened by its size (1 px at 0, 10 px
    at |w| ≥ 5, the Playground's scale), each bias as a small square, and the output's heat map
    with its decision boundary. A unit framed black is dead, red saturated, on the data set's
    test points (``kit.diagnostics.unit_states``).

    The picture is the one ``kit.tensorboard.Diagnostics`` writes as ``network`` (the same
    drawing code, ``kit.tensorboard.views``); all units' outputs come from one forward pass over
    the 100 × 100 grid.

    Args:
        model: a Keras model made of a chain of Dense layers (``kit.builders.build_mlp``'s), taking
            ``data``'s features.
        data: the Playground ``Dataset`` it is trained on (any features; classification or
            regression).
        title: a title above the picture.
        path: save the figure there as PNG.

    Example:
        >>> from kit import builders, datasets
        >>> data = datasets.playground("xor", seed=0)
        >>> fig = network(builders.build_mlp(2, [3], "relu", seed=0), data)
    """
    from kit import diagnostics, heads
    from kit.tensorboard import views

    owner = "kit.plots.network"
    if data.provenance.get("function") != "playground":
        raise invalid("data", owner, "a Playground data set (kit.datasets.playground), whose points lie on the "
                      "plane [-6, 6]²", got=f"the data set {data.name!r}",
                      fix="Draw other models with kit.plots.training_curves or kit.diagnostics.")
    dense = diagnostics.check_model(model, owner)
    if not diagnostics.plain_chain(model):
        raise invalid("model", owner, "a chain of Dense (and Dropout) layers, each feeding the next",
                      got=f"a model with layers {[type(layer).__name__ for layer in model.layers]}",
                      fix="The Playground's picture has one column per layer; build the model with "
                          "kit.builders.build_mlp.")
    grid = plane_inputs(data.feature_names, views.GRID)
    if int(model.inputs[0].shape[-1]) != grid.shape[1]:
        raise invalid("model", owner, f"a model taking the data's {grid.shape[1]} features "
                      f"({', '.join(data.feature_names)})", got=f"a model with {model.inputs[0].shape[-1]} inputs",
                      fix="Pass the data set the model was trained on.")
    outputs = diagnostics.layer_outputs(model, grid)
    head = heads.head_of(model).name
    signed = signed_output(outputs[dense[-1].name]["activation"], head)
    x = data.x_test if len(data.x_test) else data.x_train
    states = diagnostics.unit_states(model, x)
    painter = views.painter_for(model, data.feature_names)
    hidden = {name: outputs[name]["activation"] for name in painter.hidden}
    kernels = [np.asarray(layer.kernel) for layer in dense]
    indices = painter.network(grid, hidden, kernels, views.biases_of(model), signed.reshape(views.GRID, views.GRID),
                              states)
    height, width = indices.shape
    fig = plt.figure(figsize=(width / 100, height / 100 + (0.3 if title else 0)), dpi=100)
    ax = fig.add_axes((0, 0, 1, height / (height + (30 if title else 0))))
    ax.imshow(views.palette()[indices], interpolation="nearest")
    ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10, y=0.995)
    return _finish(fig, path, dpi=100)  # the picture's own pixels, one to one


# ---------------------------------------------------------------------------------------------
# Training curves


@validate_params(title=TITLE, path=OUTPUT)
def training_curves(history, title: str | None = None, path=None):
    """Loss (and accuracy, when recorded) per epoch, train and test.

    Args:
        history: a ``keras.callbacks.History`` (from ``model.fit`` or ``kit.training.train``) or
            its ``.history`` dict with keys such as ``loss``, ``val_loss``, ``accuracy``.
        title: the figure title.
        path: save the figure there as PNG.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or "loss" not in logs:
        raise invalid("history", "kit.plots.training_curves", "a keras History or a dict with a 'loss' list", history)
    has_accuracy = "accuracy" in logs
    fig, axes = plt.subplots(1, 2 if has_accuracy else 1, figsize=(9 if has_accuracy else 4.8, 3.2), squeeze=False)
    panels = [("loss", axes[0, 0])] + ([("accuracy", axes[0, 1])] if has_accuracy else [])
    for key, ax in panels:
        epochs = np.arange(1, len(logs[key]) + 1)
        ax.plot(epochs, logs[key], color=PLAYGROUND_POSITIVE, label="train")
        if f"val_{key}" in logs:
            ax.plot(epochs, logs[f"val_{key}"], color=PLAYGROUND_NEGATIVE, label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.25)
        ax.legend(frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _finish(fig, path)


# ---------------------------------------------------------------------------------------------
# Inside the network: gradient flow, dead units; and 1-D fits


def _require_series(series, owner):
    if not series or not all(isinstance(v, dict) and v for v in series.values()):
        raise invalid("series", owner, SERIES.description, series)


def run_styles(labels) -> dict:
    """``{label: kit.style.RunStyle}`` for lines standing for runs: the colour of the activation a
    label names and the dash of its data set (``kit.style.parse_run``: ``"relu-spiral"``, ``"10 ×
    sigmoid"``), as TensorBoard's pictures draw those runs; labels naming no activation take the
    ``kit.style.UNKNOWN_COLOURS`` in turn."""
    styles, unknown = {}, 0
    for label in labels:
        activation, dataset = style.parse_run(label)
        styles[label] = style.run_style(activation, dataset, fallback=unknown)
        unknown += activation is None
    return styles


@validate_params(series=SERIES, title=TITLE, path=OUTPUT)
def gradient_flow(series: dict, title: str = "Gradient flow: kernel-gradient L2 norm per layer", path=None):
    """Gradient norm per layer, one line per network, on the log axis every gradient-flow picture
    of the kit uses (``kit.style.GRADIENT_DECADES``: 1e-10 to 1e2), so figures compare side by side:
    vanishing gradients at a glance. Lines are coloured by the activation their label names and
    dashed by its data set (:func:`run_styles`); a norm beyond the axis is drawn on its edge as a
    triangle pointing out, a norm of exactly 0 as a cross on the floor.

    Args:
        series: ``{"deep sigmoid": {"hidden_1": 1e-9, …, "output": 0.1}, "deep ReLU": {…}}``, as
            ``kit.diagnostics.gradient_norms`` returns for each network.
        title: the figure title.
        path: save the figure there as PNG.
    """
    _require_series(series, "kit.plots.gradient_flow")
    low, high = (10.0 ** decade for decade in style.GRADIENT_DECADES)
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for label, line in run_styles(series).items():
        norms = series[label]
        values = np.array(list(norms.values()), dtype=np.float64)
        drawn = np.clip(values, low, high)
        positions = np.arange(1, len(values) + 1)
        ax.semilogy(positions, drawn, lw=2, color=line.colour, ls=line.matplotlib_dash(), label=label)
        inside = (values >= low) & (values <= high)
        ax.plot(positions[inside], drawn[inside], "o", color=line.colour, ms=5)
        for outside, marker in ((values > high, "^"), ((values < low) & (values > 0), "v"), (values <= 0, "x")):
            ax.plot(positions[outside], drawn[outside], marker, color=line.colour, ms=8, mew=2, clip_on=False)
        ax.set_xticks(positions, [name.replace("hidden_", "h") for name in norms], fontsize=8)
    ax.set_ylim(low, high)
    ax.set_xlabel("layer (input side → output side)")
    ax.set_ylabel("‖∂loss/∂kernel‖₂ (log, fixed axis)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25, which="major")
    ax.legend(frameon=False, fontsize=9)
    fig.tight_layout()
    return _finish(fig, path)


@validate_params(series=SERIES, title=TITLE, path=OUTPUT)
def dead_units(series: dict, title: str = "Dead ReLU units per hidden layer", path=None):
    """Share of dead units per hidden layer, grouped bars, one bar colour per activation and one
    edge dash per data set, as the labels name them (:func:`run_styles`).

    Args:
        series: ``{"before the fix": {"hidden_1": 0.5, …}, "after the fix": {…}}``, as
            ``kit.diagnostics.dead_fraction`` returns.
        title: the figure title.
        path: save the figure there as PNG.
    """
    _require_series(series, "kit.plots.dead_units")
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    width = 0.8 / len(series)
    for index, (label, line) in enumerate(run_styles(series).items()):
        fractions = series[label]
        positions = np.arange(len(fractions)) + (index - (len(series) - 1) / 2) * width
        ax.bar(positions, list(fractions.values()), width=width, color=line.colour, edgecolor=_TEXT,
               linestyle=line.matplotlib_dash(), linewidth=1.2, label=label)
        ax.set_xticks(np.arange(len(fractions)), list(fractions), fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of units")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25, axis="y")
    ax.legend(frameon=False, fontsize=9)
    fig.tight_layout()
    return _finish(fig, path)


@validate_params(panels=PANELS, path=OUTPUT)
def curve_fits(panels: Sequence[tuple], path=None):
    """1-D regressions against their target curve: ``panels`` is a list of ``(title, model, data)``
    with ``data`` from ``kit.datasets.curve``."""
    from kit import datasets

    panels = _panels(panels, "kit.plots.curve_fits")
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 2.9), squeeze=False)
    for ax, (title, model, data) in zip(axes.flat, panels):
        if not isinstance(data, datasets.Dataset) or data.name not in datasets.CURVES:
            raise InvalidParameter("curve_fits draws kit.datasets.curve data; "
                                   f"{getattr(data, 'name', data)!r} is not one.")
        function, (low, high), _ = datasets.CURVES[data.name]
        grid = np.linspace(low, high, 600)
        ax.plot(grid, function(grid), color="0.6", lw=4, label="target")
        ax.plot(grid, np.asarray(model(grid[:, None].astype(np.float32), training=False))[:, 0],
                color=PLAYGROUND_POSITIVE, lw=1.6, label="network")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.25)
    axes.flat[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return _finish(fig, path)
