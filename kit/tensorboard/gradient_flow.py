"""Gradient flow you can see: the kernel-gradient norm of every layer on a log axis, per probe.

The demo's static figure (``kit.plots.gradient_flow``) drawn for TensorBoard's Images dashboard,
so its step slider shows the flow as training goes, plus what the Scalars, Histograms and Custom
Scalars dashboards need to make vanishing gradients visible:

- :func:`layer_norms`: the numbers the picture plots (L2 norm of ∂loss/∂kernel per Dense layer);
- :func:`picture`: the picture itself, drawn with Pillow into an 8-bit palette image
  (``kit.tensorboard.drawing``: about 0.3 ms, 0.6 ms with the PNG, where a matplotlib figure
  costs ~0.2 s);
- :func:`log_histograms`: ``log10 |g|`` of each kernel gradient, whose histograms sit beside
  the raw ones: the raw ones are auto-scaled per layer, so a first layer a million times
  smaller looks just like the last;
- :func:`scalars`: ``log10`` of the first and last layers' norms and of their ratio, one value
  per run, for the Custom Scalars charts (their layout has no log-scale setting).

Example:
    >>> norms = {"hidden_1": 3e-9, "hidden_2": 2e-6, "output": 0.05}
    >>> pixels = picture(norms)
    >>> pixels.shape, pixels.dtype.name
    ((200, 320), 'uint8')
    >>> round(dict(scalars(norms))["gradient_flow/log10_first_over_last"], 1)
    -7.2
"""

from __future__ import annotations

import math

import numpy as np

from kit.errors import invalid
from kit.tensorboard import drawing

WIDTH, HEIGHT = 320, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 18, 22  # margins: decade labels left, title top, layer names below
TITLE = "|dloss/dkernel| per layer (log)"
DESCRIPTION = ("Kernel-gradient L2 norm per Dense layer on a log axis (one tick a decade), input side left, "
               "output right: a line falling to the left is a vanishing gradient.")

# Palette indices of the picture (``kit.tensorboard.drawing.palette``).
WHITE, GRID, TEXT, LINE, ZERO = drawing.WHITE, drawing.GRID, drawing.TEXT, drawing.BLUE, drawing.ORANGE
palette = drawing.palette


def layer_norms(layers: dict) -> dict[str, float]:
    """``{layer: ‖∂loss/∂kernel‖₂}`` from a probe result's ``layers`` (``kit.diagnostics.ProbePass``),
    in the network's order; empty when the probe had no labels (no gradients).

    The same numbers as ``kit.diagnostics.gradient_norms``, read off a pass already made.

    Example:
        >>> layer_norms({"output": {"kernel_gradient": np.array([[3.0], [4.0]])}})
        {'output': 5.0}
    """
    if not isinstance(layers, dict):
        raise invalid("layers", "kit.tensorboard.gradient_flow.layer_norms",
                      "a probe result's 'layers' dict (kit.diagnostics.ProbePass(...).run(x, y)['layers'])", layers)
    return {name: float(np.linalg.norm(np.asarray(entry["kernel_gradient"], np.float64)))
            for name, entry in layers.items() if "kernel_gradient" in entry}


def scalars(norms: dict) -> list[tuple[str, float]]:
    """``(tag, value)``: log10 of the first and last layers' norms and of their ratio (0: the
    same size; −3: the first layer's gradient is 1000× smaller). A norm of exactly 0 (a dead
    layer stops every gradient before it) has no logarithm: its value, and the ratio, are left
    out at that step rather than drawn at an arbitrary floor."""
    if not norms:
        return []
    values = list(norms.values())
    first, last = float(values[0]), float(values[-1])
    pairs = []
    if first > 0:
        pairs.append(("gradient_flow/log10_first", math.log10(first)))
    if last > 0:
        pairs.append(("gradient_flow/log10_last", math.log10(last)))
    if first > 0 and last > 0:
        pairs.append(("gradient_flow/log10_first_over_last", math.log10(first) - math.log10(last)))
    return pairs


def log_histograms(layers: dict) -> list[tuple[str, np.ndarray]]:
    """``(log10_abs_kernel_gradient/<layer>, log10 |g|)`` for each layer with a gradient.

    Entries exactly 0 (dead units' weights) have no logarithm: they are left out, as the
    histogram writer leaves out non-finite values, so the histogram shows the live ones.
    """
    pairs = []
    for name, entry in layers.items():
        if "kernel_gradient" in entry:
            with np.errstate(divide="ignore"):
                pairs.append((f"log10_abs_kernel_gradient/{name}",
                              np.log10(np.abs(np.asarray(entry["kernel_gradient"], np.float64)))))
    return pairs


def _short(name: str) -> str:
    return name.replace("hidden_", "h").replace("output", "out")


def decades(norms: dict) -> tuple[int, int]:
    """The y axis: whole decades ``(low, high)`` around the positive norms (at least two decades;
    a norm of 0 is drawn on the bottom line, so it does not stretch the axis to 1e-30)."""
    positive = [float(v) for v in norms.values() if float(v) > 0]
    if not positive:
        return -1, 1
    logs = np.log10(positive)
    low, high = math.floor(logs.min()), math.ceil(logs.max())
    if high - low < 2:
        low, high = low - 1, high + 1
    return low, high


def positions(norms: dict) -> tuple[np.ndarray, np.ndarray]:
    """Pixel columns and rows where :func:`picture` draws each layer's norm."""
    low, high = decades(norms)
    count = len(norms)
    columns = LEFT + (np.arange(count) + 0.5) * (WIDTH - LEFT - RIGHT) / count
    logs = np.log10(np.maximum(np.array(list(norms.values()), np.float64), 10.0**low))
    rows = TOP + (high - logs) / (high - low) * (HEIGHT - TOP - BOTTOM - 1)
    return np.round(columns).astype(int), np.round(rows).astype(int)


def picture(norms: dict) -> np.ndarray:
    """The gradient flow as (HEIGHT, WIDTH) uint8 indices into :func:`palette`: one point per
    layer (input side left), joined by a line, on a log axis with a grid line and label per
    decade; a norm of exactly 0 is drawn in orange on the bottom line."""
    from PIL import Image, ImageDraw

    if not isinstance(norms, dict) or not norms:
        raise invalid("norms", "kit.tensorboard.gradient_flow.picture", "a non-empty dict of layer name → norm "
                      "(layer_norms(result['layers']))", norms)
    canvas = Image.new("P", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(canvas)
    low, high = decades(norms)
    labels = [(TITLE, LEFT + 4, 3)]  # (text, column, row), stamped at the end
    step = max(1, math.ceil((high - low) / 8))  # at most ~8 labelled decades
    bottom = HEIGHT - BOTTOM - 1
    for decade in range(low, high + 1):
        row = round(TOP + (high - decade) / (high - low) * (bottom - TOP))
        draw.line([(LEFT, row), (WIDTH - RIGHT, row)], fill=GRID)
        if (decade - low) % step == 0:
            labels.append((f"1e{decade}", 2, row - 5))
    draw.line([(LEFT, TOP), (LEFT, bottom)], fill=TEXT)
    columns, rows = positions(norms)
    draw.line(list(zip(columns.tolist(), rows.tolist())), fill=LINE, width=2)
    every = max(1, math.ceil(len(norms) / 12))  # layer names that fit under the axis
    for index, (name, value) in enumerate(norms.items()):
        x, y = int(columns[index]), int(rows[index])
        draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=ZERO if value <= 0 else LINE)
        if index % every == 0 or index == len(norms) - 1:
            label = _short(name)
            labels.append((label, x - 3 * len(label), bottom + 5))
    if not any(float(value) > 0 for value in norms.values()):
        labels.append(("every gradient is exactly 0", LEFT + 40, (TOP + bottom) // 2 - 6))
    pixels = np.array(canvas, np.uint8)
    for label, column, row in labels:
        drawing.stamp(pixels, label, column, row)
    return pixels


def summary(norms: dict, tag: str = "gradient_flow"):
    """:func:`picture` as an image summary for ``kit.tensorboard.events.EventWriter``."""
    from kit.tensorboard import events

    return events.image(tag, picture(norms), DESCRIPTION, palette=palette())
