"""Gradient flow you can see: the kernel-gradient norm of every layer on a log axis, per probe.

The demo's static figure (``kit.plots.gradient_flow``) drawn for TensorBoard's Images dashboard,
so its step slider shows the flow as training goes, plus what the Scalars, Histograms and Custom
Scalars dashboards need to make vanishing gradients visible:

- :func:`layer_norms`: the numbers the picture plots (L2 norm of ∂loss/∂kernel per Dense layer);
- :func:`picture`: the picture itself, drawn with Pillow into an 8-bit palette image
  (``kit.tensorboard.drawing``: about 0.3 ms, 0.6 ms with the PNG, where a matplotlib figure
  costs ~0.2 s), on one fixed log axis for every run (``kit.style.GRADIENT_DECADES``) with the
  other runs faint behind (:class:`SideBySide`);
- :func:`log_histograms`: ``log10 |g|`` of each kernel gradient, whose histograms sit beside
  the raw ones: the raw ones are auto-scaled per layer, so a first layer a million times
  smaller looks just like the last;
- :func:`scalars`: ``log10`` of the first and last layers' norms and of their ratio, one value
  per run, for the Custom Scalars charts (their layout has no log-scale setting).

Example:
    >>> norms = {"hidden_1": 3e-9, "hidden_2": 2e-6, "output": 0.05}
    >>> pixels = picture(norms)
    >>> pixels.shape, pixels.dtype.name
    ((280, 360), 'uint8')
    >>> round(dict(scalars(norms))["gradient_flow/log10_first_over_last"], 1)
    -7.2
"""

from __future__ import annotations

import functools
import math
import os

import numpy as np

from kit import caches, style
from kit.errors import invalid
from kit.tensorboard import drawing

__all__ = ["WIDTH", "HEIGHT", "LEFT", "RIGHT", "TOP", "BOTTOM", "LOW", "HIGH", "TITLE", "DESCRIPTION", "WHITE",
           "GRID", "TEXT", "ZERO", "palette", "layer_norms", "scalars", "log_histograms", "row_of", "positions",
           "picture", "summary", "MAX_RUNS", "SideBySide", "FAINT_WIDTH"]

WIDTH, HEIGHT = 360, 280
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 40, 22  # margins: decade labels left, title and legend top, layer names below
LOW, HIGH = style.GRADIENT_DECADES  # the one axis of every picture: 1e-10 to 1e2
TITLE = f"|dloss/dkernel| per layer, log axis 1e{LOW}..1e{HIGH}"
DESCRIPTION = (f"Kernel-gradient L2 norm per Dense layer on a log axis fixed at 1e{LOW} to 1e{HIGH} for every run "
               "(one grid line a decade), input side left, output right: a line falling to the left is a vanishing "
               "gradient. This run's line is coloured by its activation and dashed by its data set (kit.style); the "
               "other runs of the same folder trained in the same process are drawn faint behind it, at the same "
               "step. A norm beyond the axis sits on its edge as a triangle; a norm of exactly 0 is a black cross "
               "on the floor.")

# Palette indices of the picture (``kit.style.palette``).
WHITE, GRID, TEXT, ZERO = style.WHITE, style.GRID, style.TEXT, style.BLACK
palette = style.palette


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


def row_of(decade: float) -> float:
    """The pixel row of 10**decade on the picture's axis (rows grow downwards)."""
    return TOP + (HIGH - decade) / (HIGH - LOW) * (HEIGHT - TOP - BOTTOM - 1)


def positions(norms: dict) -> tuple[np.ndarray, np.ndarray]:
    """Pixel columns and rows where :func:`picture` draws each layer's norm (clipped to the axis)."""
    count = len(norms)
    columns = LEFT + (np.arange(count) + 0.5) * (WIDTH - LEFT - RIGHT) / count
    with np.errstate(divide="ignore"):
        logs = np.clip(np.log10(np.maximum(np.array(list(norms.values()), np.float64), 0.0)), LOW, HIGH)
    return np.round(columns).astype(int), np.round(row_of(logs)).astype(int)


@caches.register
@functools.lru_cache(maxsize=1)
def _dot():
    """Pixel offsets of a norm's dot: the disc Pillow's ``ellipse([x - 3, y - 3, x + 3, y + 3])`` fills."""
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (7, 7), 0)
    ImageDraw.Draw(canvas).ellipse([0, 0, 6, 6], fill=1)
    rows, columns = np.nonzero(np.asarray(canvas))
    return rows - 3, columns - 3


def _positions(runs: list) -> list:
    """:func:`positions` of each of ``runs`` (norm dicts), as lists, computed together for the
    runs with the same number of layers (a sweep's faint runs)."""
    found = [None] * len(runs)
    by_count: dict = {}
    for index, norms in enumerate(runs):
        by_count.setdefault(len(norms), []).append(index)
    for count, indices in by_count.items():
        if not count:
            for index in indices:
                found[index] = ([], [])
            continue
        columns = np.round(LEFT + (np.arange(count) + 0.5) * (WIDTH - LEFT - RIGHT) / count).astype(int).tolist()
        values = np.array([list(runs[index].values()) for index in indices], np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.clip(np.log10(np.maximum(values, 0.0)), LOW, HIGH)
        for index, rows in zip(indices, np.round(row_of(logs)).tolist()):
            found[index] = (columns, [int(row) if math.isfinite(row) else math.nan for row in rows])  # NaN: no point
    return found


FAINT_WIDTH = 2  # pixels: the other runs' lines


# A faint line's pixels (flat indices into a picture), by its points and dash: in a sweep each run's
# line at a step is drawn behind every other run's picture of that step, rasterised once here. 8192
# lines (1-3 KB each) hold MAX_RUNS runs probed at 128 picture steps (a 100-epoch sweep with
# pictures every epoch); beyond that a line is drawn again, as every line was before.
_RASTERS = caches.Recent(8192, "kit.tensorboard.gradient_flow._RASTERS")


def _raster(key) -> np.ndarray:
    columns, rows, dash = key
    scratch = np.zeros((HEIGHT, WIDTH), np.uint8)
    drawing.stroke(scratch, zip(columns, [math.nan if row is None else row for row in rows]), 1, FAINT_WIDTH, dash)
    return np.flatnonzero(scratch).astype(np.int32)


def _faint_lines(pixels: np.ndarray, lines) -> None:
    """Draw ``(columns, rows, colour, dash)`` lines into ``pixels``, each as ``drawing.stroke`` draws
    it alone, in ``drawing.strokes``' order (lines of one dash pattern together, the patterns in the
    order of their first line, later lines on top); each line's pixels are found once for every
    picture that draws it."""
    groups: dict = {}
    for index, (_, _, _, dash) in enumerate(lines):
        groups.setdefault(tuple(dash), []).append(index)
    order = [index for members in groups.values() for index in members]
    keys = [(tuple(lines[index][0]), tuple(None if isinstance(row, float) and math.isnan(row) else row
                                           for row in lines[index][1]), tuple(lines[index][3])) for index in order]
    flat = pixels.reshape(-1)
    for index, raster in zip(order, _RASTERS.get_many(keys, lambda missing: [_raster(key) for key in missing])):
        flat[raster] = lines[index][2]


def picture(norms: dict, own: style.RunStyle | None = None, others=()) -> np.ndarray:
    """The gradient flow as (HEIGHT, WIDTH) uint8 indices into :func:`palette`: one point per
    layer (input side left), joined by a line in this run's style (``own``: colour by activation,
    dash by data set), on the fixed log axis ``kit.style.GRADIENT_DECADES`` with a grid line per
    decade; ``others`` (``(norms, RunStyle)`` pairs: the other runs at the same step) are drawn
    faint behind it. A norm beyond the axis is drawn on its edge as a triangle pointing out; a norm
    of exactly 0 as a black cross on the floor; a NaN norm (a diverged run) not at all."""
    from PIL import Image, ImageDraw

    if not isinstance(norms, dict) or not norms:
        raise invalid("norms", "kit.tensorboard.gradient_flow.picture", "a non-empty dict of layer name → norm "
                      "(layer_norms(result['layers']))", norms)
    own = own or style.run_style()
    pixels = _base(own, len(others), others[0][1].faint_index if others else None).copy()
    labels = []  # (text, column, row), stamped at the end
    bottom = HEIGHT - BOTTOM - 1
    # The lines in NumPy (drawing.stroke): a dotted line is dozens of Pillow calls, and a sweep's
    # picture draws every other run of its folder behind its own.
    _faint_lines(pixels, [(columns, rows, other.faint_index, other.dash)
                          for (columns, rows), (_, other) in zip(_positions([norms for norms, _ in others]), others)])
    columns, rows = _positions([norms])[0]
    drawing.stroke(pixels, zip(columns, rows), own.index, 3, own.dash)
    values = [float(value) for value in norms.values()]
    # A dot per norm on the axis, stamped from the disc Pillow draws; the rarer marks by Pillow.
    dots = [(rows[index], columns[index]) for index, value in enumerate(values) if 10.0 ** LOW <= value <= 10.0 ** HIGH]
    if dots:
        dot_rows, dot_columns = _dot()
        dot_rows = (np.array(dots)[:, :1] + dot_rows).ravel()
        dot_columns = (np.array(dots)[:, 1:] + dot_columns).ravel()
        inside = (dot_rows >= 0) & (dot_rows < HEIGHT) & (dot_columns >= 0) & (dot_columns < WIDTH)
        pixels[dot_rows[inside], dot_columns[inside]] = own.index
    marks = [(index, value) for index, value in enumerate(values) if value <= 0 or value < 10.0 ** LOW
             or value > 10.0 ** HIGH]
    if marks:
        canvas = Image.fromarray(pixels, "P")
        draw = ImageDraw.Draw(canvas)
        for index, value in marks:
            x, y = columns[index], rows[index]
            if value <= 0:
                draw.line([(x - 4, y - 4), (x + 4, y + 4)], fill=ZERO, width=2)
                draw.line([(x - 4, y + 4), (x + 4, y - 4)], fill=ZERO, width=2)
            elif value < 10.0 ** LOW:
                draw.polygon([(x - 5, y - 6), (x + 5, y - 6), (x, y)], fill=own.index)
            else:
                draw.polygon([(x - 5, y + 6), (x + 5, y + 6), (x, y)], fill=own.index)
        pixels = np.array(canvas, np.uint8)
    every = max(1, math.ceil(len(norms) / 12))  # layer names that fit under the axis
    for index, name in enumerate(norms):
        if index % every == 0 or index == len(norms) - 1:
            label = _short(name)
            labels.append((label, columns[index] - drawing.text_width(label) // 2, bottom + 4))
    if all(value == 0 for value in values):
        labels.append(("every gradient is exactly 0", LEFT + 40, (TOP + bottom) // 2 - 6))
    for label, column, row in labels:
        drawing.stamp(pixels, label, column, row)
    return pixels


@caches.register
@functools.lru_cache(maxsize=64)
def _base(own: style.RunStyle, others: int, faint: int | None):
    """What a picture of this run with ``others`` faint runs has whatever the norms: the axis, its
    grid and decade labels, the title and the legend (palette indices, read-only: each picture copies them)."""
    from PIL import Image, ImageDraw

    canvas = Image.new("P", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(canvas)
    labels = [(TITLE, 4, 2)]
    bottom = HEIGHT - BOTTOM - 1
    for decade in range(LOW, HIGH + 1):
        row = round(row_of(decade))
        draw.line([(LEFT, row), (WIDTH - RIGHT, row)], fill=GRID)
        if (HIGH - decade) % 2 == 0:
            labels.append((f"1e{decade}", 2, row - 7))
    draw.line([(LEFT, TOP), (LEFT, bottom)], fill=TEXT)
    # The legend: this run's line, and the faint others.
    drawing.polyline(draw, [(6, 26), (34, 26)], own.index, 3, own.dash)
    labels.append((own.label or "this run", 40, 18))
    if others:
        legend = 40 + drawing.text_width(own.label or "this run") + 14
        drawing.polyline(draw, [(legend, 26), (legend + 22, 26)], faint, 2)
        labels.append((f"faint: {others} other run{'s' if others > 1 else ''}", legend + 28, 18))
    pixels = np.array(canvas, np.uint8)
    for label, column, row in labels:  # nothing drawn later reaches these labels (the lines stay right of
        drawing.stamp(pixels, label, column, row)  # LEFT and below TOP)
    pixels.flags.writeable = False  # shared: each picture draws on a copy
    return pixels


def summary(norms: dict, own: style.RunStyle | None = None, others=(), tag: str = "gradient_flow"):
    """:func:`picture` as an image summary for ``kit.tensorboard.events.EventWriter``."""
    from kit.tensorboard import events

    return events.image(tag, picture(norms, own, others), DESCRIPTION, palette=palette())


# a folder of runs → its runs in this process, by name
_FOLDERS: dict[str, dict[str, "SideBySide"]] = caches.register({}, "kit.tensorboard.gradient_flow._FOLDERS")
MAX_RUNS = 64
"""Most runs of one folder kept for the faint lines (the oldest finished ones are forgotten first)."""


class SideBySide:
    """One run's gradient-flow pictures, each drawn with the other runs of its folder faint behind.

    The runs of one folder (``runs/13/relu-spiral``, ``runs/13/tanh-xor``, …) trained in this
    process share their norms here. A picture of step ``k`` is written once every other run still
    training has reported step ``k`` or passed it: ``kit.training.train_many`` probes all its runs
    at each probe step in turn, so every picture shows all the other runs. Runs trained one after
    another (a loop of ``model.fit``) can only show the runs already finished: the first shows
    none, the last all the others. A run that ends writes what it still holds with what is known.
    Runs of other processes (an earlier session, another notebook) are not drawn.

    Args:
        logdir: the run's folder; its parent folder groups the runs.
        own: the run's style (``kit.style.run_style``).
        write: ``write(step, summary)`` writes an image summary into the run.
    """

    def __init__(self, logdir, own: style.RunStyle, write):
        path = os.path.abspath(str(logdir))
        self.logdir, self.name, self.own, self._write = path, os.path.basename(path), own, write
        self.norms: dict[int, dict] = {}
        self.pending: list[int] = []
        self.active = True
        self.last_step = None
        self._runs = _FOLDERS.setdefault(os.path.dirname(path), {})
        self._runs.pop(self.name, None)  # the same run trained again replaces its earlier self
        if len(self._runs) >= MAX_RUNS:
            for name in [name for name, run in self._runs.items() if not run.active][:len(self._runs) - MAX_RUNS + 1]:
                del self._runs[name]
        self._runs[self.name] = self

    def add(self, step: int, norms: dict) -> None:
        """This run's norms at ``step``; writes every picture whose step the other runs have reached."""
        self.norms[int(step)] = dict(norms)
        self.last_step = int(step)
        self.pending.append(int(step))
        self._release()

    def end(self) -> None:
        """The run's training ended: its pictures still held are written with what is known now."""
        for step in list(self.pending):
            self._draw(step)
        self.active = False
        self._release()

    def others(self, step: int) -> list:
        """``(norms, RunStyle)`` of the other runs at ``step``, by run name (still on disk)."""
        return [(run.norms[step], run.own) for name, run in sorted(self._runs.items())
                if run is not self and step in run.norms and os.path.isdir(run.logdir)]

    def _ready(self, step: int) -> bool:
        return all(not run.active or step in run.norms or (run.last_step is not None and run.last_step > step)
                   for run in self._runs.values() if run is not self)

    def _draw(self, step: int) -> None:
        self.pending.remove(step)
        self._write(step, summary(self.norms[step], self.own, self.others(step)))

    def _release(self) -> None:
        for run in list(self._runs.values()):
            if run.active:
                for step in [step for step in run.pending if run._ready(step)]:
                    run._draw(step)
