"""The kit's colours and line styles, in one place: every figure of ``kit.plots`` and every
TensorBoard picture of ``kit.tensorboard`` reads them here.

- The Playground's colour scale for outputs and activations: orange −1, near-white 0, blue +1
  (``PLAYGROUND_NEGATIVE``, ``PLAYGROUND_NEUTRAL``, ``PLAYGROUND_POSITIVE``).
- One colour per activation (``ACTIVATION_COLOURS``) and one dash per data set
  (``DATASET_DASHES``) for every line that stands for a run, so that a ReLU run on spiral looks
  the same in a notebook figure and in every TensorBoard picture (:func:`run_style`).
- The picture colours: text, grid, unit states, the decision boundary.
- :func:`palette`: the one 256-colour palette that every TensorBoard picture of the kit indexes
  (8-bit PNGs encode in a third of the time of RGB ones): ``SHADES`` shades of the Playground's
  scale, then the named colours, then each run colour in full and faint.
- ``GRADIENT_DECADES``: the one log axis on which every gradient-flow picture is drawn.

The four activations of the shoot-out take the first four colours TensorBoard's Time Series
dashboard gives groups of runs (slate, cyan, pink, yellow): coloured by activation (the address
``kit board`` prints), runs started in the order linear, sigmoid, tanh, relu, as exercise 13 starts
them, show in TensorBoard's charts in the colours the kit's pictures use. TensorBoard picks those
colours itself, in the order it meets the groups: another order gives other colours there.

Example:
    >>> run_style("relu", "spiral")
    RunStyle(activation='relu', dataset='spiral', colour='#f9ab00', dash=(1.0, 1.5))
    >>> parse_run("leaky_relu-xor")
    ('leaky_relu', 'xor')
"""

from __future__ import annotations

import functools
import re
import zlib
from typing import NamedTuple

import numpy as np

from kit import caches

__all__ = ["PLAYGROUND_NEGATIVE", "PLAYGROUND_NEUTRAL", "PLAYGROUND_POSITIVE", "ACTIVATION_COLOURS", "OTHER_COLOURS",
           "UNKNOWN_COLOURS", "DATASET_DASHES", "OTHER_DASH", "GRADIENT_DECADES", "WHITE_RGB", "NAMED", "SHADES",
           "WHITE", "BLACK", "TEXT", "GREY", "LIGHT_GREY", "GRID", "DEAD", "SATURATED", "ALIVE", "BOUNDARY",
           "RUN_COLOURS", "RUN_BASE", "FAINT", "RunStyle", "rgb", "faint", "activation_colour", "dataset_dash",
           "run_style", "parse_run", "shade_colours", "palette", "shade_indices", "sign_boundary"]

PLAYGROUND_NEGATIVE = "#f59322"  # orange, output −1
PLAYGROUND_NEUTRAL = "#e8eaeb"  # near-white, output 0
PLAYGROUND_POSITIVE = "#0877bd"  # blue, output +1

ACTIVATION_COLOURS = {
    "linear": "#425066",  # slate
    "sigmoid": "#12b5cb",  # cyan
    "tanh": "#e52592",  # pink
    "relu": "#f9ab00",  # yellow
    "leaky_relu": "#9334e6",  # purple
    "elu": "#7cb342",  # light green
    "quadratic": "#e8710a",  # orange
}
"""The course's activations, one colour each (the first seven are TensorBoard's Time Series palette)."""
OTHER_COLOURS = ("#795548", "#00897b", "#3949ab")
"""Colours of the catalogue's other activations, picked from the name (two of them may share one)."""
UNKNOWN_COLOURS = ("#5f6368", "#c2185b", "#0f9d58")
"""Colours of lines whose label names no activation, in the order they are drawn."""

DATASET_DASHES = {
    "circle": (),  # solid
    "xor": (4.0, 2.0),  # dashed
    "spiral": (1.0, 1.5),  # dotted
    "gauss": (5.0, 1.5, 1.0, 1.5),  # dash-dot
}
"""One dash per Playground data set: on/off lengths in line widths (``()``: solid)."""
OTHER_DASH = (8.0, 2.0, 1.0, 2.0, 1.0, 2.0)
"""The dash of every other data set (long dash, two dots)."""

GRADIENT_DECADES = (-10, 2)
"""The y axis of every gradient-flow picture, as powers of ten: 1e-10 to 1e2, the same for every
run so that pictures compare side by side. Measured at initialisation: 3.6e-8 (the zoo's 10-layer
sigmoid net's first layer, on 256 test points; 1e-8 and below in exercise 8's figure) to 24 (the
zoo's quadratic net); a norm beyond the axis is drawn on its edge with a marker pointing out.
Twelve decades leave about 18 pixels a decade in a 280-pixel picture."""

WHITE_RGB = (255, 255, 255)
NAMED = {  # the picture colours, in palette order after the shades
    "white": WHITE_RGB,
    "black": (30, 30, 30),
    "text": (60, 60, 60),
    "grey": (110, 110, 110),
    "light_grey": (200, 200, 200),
    "grid": (225, 225, 225),
    "dead": (20, 20, 20),  # a dead unit: black
    "saturated": (215, 48, 31),  # red
    "alive": (166, 217, 106),  # green
    "boundary": (25, 25, 25),  # the decision boundary line, dark on orange, white and blue
}
SHADES = 219
"""Shades of the Playground's scale in palette pictures: odd, so that output 0 has its own shade
(the neutral colour), and few enough to leave room for the named and run colours."""
WHITE, BLACK, TEXT, GREY, LIGHT_GREY, GRID, DEAD, SATURATED, ALIVE, BOUNDARY = range(SHADES, SHADES + len(NAMED))
RUN_COLOURS = tuple(ACTIVATION_COLOURS.values()) + OTHER_COLOURS + UNKNOWN_COLOURS
RUN_BASE = SHADES + len(NAMED)
"""Palette index of ``RUN_COLOURS[0]``; its faint version is ``len(RUN_COLOURS)`` further."""
FAINT = 0.3
"""How much of a run colour its faint version keeps (the rest is white): the other runs drawn behind."""


class RunStyle(NamedTuple):
    """How lines of one run are drawn: ``colour`` (hex) by activation, ``dash`` by data set."""

    activation: str | None
    dataset: str | None
    colour: str
    dash: tuple

    @property
    def index(self) -> int:
        """Palette index of the colour (:func:`palette`)."""
        return RUN_BASE + RUN_COLOURS.index(self.colour)

    @property
    def faint_index(self) -> int:
        """Palette index of the faint colour."""
        return self.index + len(RUN_COLOURS)

    def matplotlib_dash(self):
        """The dash as a matplotlib ``linestyle`` (on/off in line widths, as Matplotlib scales them)."""
        return "-" if not self.dash else (0, self.dash)

    @property
    def label(self) -> str:
        """``"relu on spiral"``, ``"relu"``, ``"spiral"`` or ``""``."""
        return " on ".join(part for part in (self.activation, self.dataset) if part)


def rgb(colour: str) -> tuple[int, int, int]:
    """``"#f9ab00"`` → ``(249, 171, 0)``."""
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def faint(colour: str) -> tuple[int, int, int]:
    """The colour at ``FAINT`` strength over white."""
    return tuple(round(FAINT * value + (1 - FAINT) * 255) for value in rgb(colour))


def activation_colour(activation: str | None, fallback: int = 0) -> str:
    """The colour of ``activation``: its own (``ACTIVATION_COLOURS``), one of ``OTHER_COLOURS``
    picked from its name, or, for None, ``UNKNOWN_COLOURS[fallback]`` (cycling)."""
    if activation is None:
        return UNKNOWN_COLOURS[fallback % len(UNKNOWN_COLOURS)]
    if activation in ACTIVATION_COLOURS:
        return ACTIVATION_COLOURS[activation]
    return OTHER_COLOURS[zlib.crc32(activation.encode()) % len(OTHER_COLOURS)]  # the same in every process


def dataset_dash(dataset: str | None) -> tuple:
    """The dash of ``dataset`` (``DATASET_DASHES``; ``OTHER_DASH`` for others; solid for None)."""
    if dataset is None:
        return ()
    return DATASET_DASHES.get(dataset, OTHER_DASH)


def run_style(activation: str | None = None, dataset: str | None = None, fallback: int = 0) -> RunStyle:
    """The colour (by activation) and dash (by data set) of a run's lines; ``fallback`` picks the
    colour of a run without a known activation (see :func:`activation_colour`)."""
    return RunStyle(activation, dataset, activation_colour(activation, fallback), dataset_dash(dataset))


def _known_names() -> tuple[list[str], list[str]]:
    from kit import activations, datasets

    names = sorted(set(activations.REGISTRY) | set(ACTIVATION_COLOURS), key=len, reverse=True)
    sets = sorted(set(datasets.PLAYGROUND_DATASETS) | set(datasets.CURVES) | set(datasets.BUNDLED), key=len,
                  reverse=True)
    return names, sets


@caches.register
@functools.lru_cache(maxsize=1)
def _patterns():
    names, sets = _known_names()

    def pattern(words):
        return re.compile(r"(?<![a-z0-9_])(" + "|".join(re.escape(word) for word in words) + r")(?![a-z0-9_])")

    return pattern(names), pattern(sets)


def parse_run(label: str) -> tuple[str | None, str | None]:
    """The activation and data set a run's name or a figure label names (None where it names none):
    ``"relu-spiral"`` → ``("relu", "spiral")``, ``"deep sigmoid"`` → ``("sigmoid", None)``."""
    activation, dataset = _patterns()
    text = str(label).lower()
    found = activation.search(text), dataset.search(text)
    return tuple(match.group(1) if match else None for match in found)


def shade_colours(count: int = SHADES) -> np.ndarray:
    """``count`` colours (float RGB in [0, 255], count×3) from output −1 (orange) through 0
    (near-white) to +1 (blue), linearly in RGB, as ``kit.plots.PLAYGROUND_CMAP`` blends them."""
    t = np.linspace(-1.0, 1.0, count)[:, None]
    negative, neutral, positive = (np.array(rgb(c), np.float64) for c in
                                   (PLAYGROUND_NEGATIVE, PLAYGROUND_NEUTRAL, PLAYGROUND_POSITIVE))
    return np.where(t < 0, neutral + (neutral - negative) * t, neutral + (positive - neutral) * t)


@caches.register
@functools.lru_cache(maxsize=1)
def palette() -> np.ndarray:
    """The 256 RGB colours (uint8) every TensorBoard picture of the kit indexes: ``SHADES`` shades
    of the Playground's scale, the ``NAMED`` colours (``WHITE`` … ``BOUNDARY``), then each of
    ``RUN_COLOURS`` in full and faint (``RunStyle.index``, ``RunStyle.faint_index``)."""
    colours = np.zeros((256, 3))
    colours[:SHADES] = shade_colours()
    colours[SHADES:RUN_BASE] = list(NAMED.values())
    count = len(RUN_COLOURS)
    colours[RUN_BASE:RUN_BASE + count] = [rgb(c) for c in RUN_COLOURS]
    colours[RUN_BASE + count:RUN_BASE + 2 * count] = [faint(c) for c in RUN_COLOURS]
    assert RUN_BASE + 2 * count <= 256, "the palette holds 256 colours"
    return colours.round().astype(np.uint8)


def shade_indices(values) -> np.ndarray:
    """Values in [−1, 1] (clipped; NaN as 0) as uint8 indices into :func:`palette`'s shades."""
    values = np.asarray(values, dtype=np.float32)
    scaled = (np.clip(values, -1.0, 1.0) + 1.0) * ((SHADES - 1) / 2)
    return np.rint(np.where(np.isnan(scaled), (SHADES - 1) / 2, scaled)).astype(np.uint8)


def sign_boundary(values: np.ndarray) -> np.ndarray:
    """Pixels of a 2-D map where the value changes sign (≥ 0 against < 0): the decision boundary,
    whatever the values' size, so that a network whose outputs all sit near 0 still shows its line."""
    positive = np.asarray(values) >= 0
    edge = np.zeros_like(positive)
    edge[:, 1:] |= positive[:, 1:] != positive[:, :-1]
    edge[1:, :] |= positive[1:, :] != positive[:-1, :]
    return edge
