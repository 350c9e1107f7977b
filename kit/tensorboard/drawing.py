"""Small pictures for TensorBoard drawn with Pillow into 8-bit palette images, without matplotlib.

A matplotlib figure costs about 0.2 s (more with its import), as much as training a Playground
network for a hundred epochs; these pictures cost well under a millisecond once their labels are
rendered (text is rendered once per string and then stamped from a cache: :func:`stamp`, the one
text renderer of every TensorBoard picture). Used by ``kit.tensorboard.gradient_flow``,
``kit.tensorboard.views`` and for the activation curves of ``kit.tensorboard.Diagnostics``.

Example:
    >>> pixels = activation_panels([("relu", "hidden layers hidden_1-hidden_2"), ("tanh", "output layer")])
    >>> pixels.shape, pixels.dtype.name
    ((380, 260), 'uint8')
"""

from __future__ import annotations

import functools

import numpy as np

from kit import caches, style
from kit.errors import invalid

__all__ = ["WHITE", "GRID", "TEXT", "palette", "font", "TEXT_SIZE", "ANCHORS", "text_width", "stamp", "polyline",
           "PANEL_WIDTH", "PANEL_HEIGHT", "X_RANGE", "activation_panels"]

# Palette indices shared by the pictures: kit.style's one palette.
WHITE, GRID, TEXT = style.WHITE, style.GRID, style.TEXT
palette = style.palette


@caches.register
@functools.lru_cache(maxsize=8)
def font(size: int):
    """DejaVu Sans, which matplotlib ships (Pillow's own default font is thin at TensorBoard's card
    size and lacks ², ≥ and ·); Pillow's default where it is missing."""
    from pathlib import Path

    import matplotlib
    from PIL import ImageFont

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default(size=size)


TEXT_SIZE = 12  # pixels: about 13 in a TensorBoard card, which shows these pictures slightly enlarged
ANCHORS = tuple(h + v for h in "lmr" for v in "atmsbd")
"""Where a label's anchor point lies (Pillow's text anchors): its left, middle or right, then its
ascender top, top, middle, baseline, bottom or descender."""


@caches.register
@functools.lru_cache(maxsize=512)
def _text(label: str, size: int = TEXT_SIZE, anchor: str = "la") -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets (rows, columns) of ``label`` (:func:`font` at ``size`` pixels) from its
    ``anchor`` point, rendered once: drawing text is nine tenths of the cost of a picture, and
    labels repeat from probe to probe and from painter to painter."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = font(size).getbbox(label, anchor=anchor)
    mask = Image.new("L", (right - left + 2, bottom - top + 2), 0)
    ImageDraw.Draw(mask).text((-left, -top), label, fill=255, font=font(size), anchor=anchor)
    rows, columns = np.nonzero(np.asarray(mask) > 100)
    return rows + top, columns + left


def text_width(label: str, size: int = TEXT_SIZE) -> int:
    """Pixels ``label`` takes when stamped at ``size``."""
    return int(font(size).getlength(label))


def stamp(pixels: np.ndarray, label: str, column: int, row: int, colour: int = TEXT, size: int = TEXT_SIZE,
          anchor: str = "la") -> None:
    """Write ``label`` into ``pixels`` (a 2-D array of palette indices) in ``colour``, ``size``
    pixels high, its ``anchor`` point (:data:`ANCHORS`; "la": the top-left corner) at (row, column);
    what falls outside the picture is cut off. The one text renderer of the TensorBoard pictures.

    Example:
        >>> pixels = np.full((20, 60), WHITE, np.uint8)
        >>> stamp(pixels, "relu", 30, 10, anchor="mm")
        >>> bool((pixels == TEXT).any()), bool((pixels[:, :10] == TEXT).any())
        (True, False)
    """
    owner = "kit.tensorboard.drawing.stamp"
    if not isinstance(pixels, np.ndarray) or pixels.ndim != 2:
        raise invalid("pixels", owner, "a 2-D NumPy array of palette indices", pixels)
    if not isinstance(label, str):
        raise invalid("label", owner, "a str", label)
    if anchor not in ANCHORS:
        raise invalid("anchor", owner, f"one of Pillow's text anchors {', '.join(ANCHORS)}", anchor)
    rows, columns = _text(label, int(size), anchor)
    rows, columns = rows + int(row), columns + int(column)
    inside = (rows >= 0) & (rows < pixels.shape[0]) & (columns >= 0) & (columns < pixels.shape[1])
    pixels[rows[inside], columns[inside]] = colour


def polyline(draw, points, colour: int, width: int = 2, dash: tuple = ()) -> None:
    """Draw the line through ``points`` ((x, y) pairs) with ``draw`` (a Pillow ImageDraw), solid or
    dashed: ``dash`` gives on/off lengths in line widths (``kit.style.DATASET_DASHES``), and the
    pattern runs on along the whole line, across its corners."""
    points = [(float(x), float(y)) for x, y in points]
    if not dash:
        if len(points) > 1:
            draw.line(points, fill=colour, width=width, joint="curve")
        return
    lengths = [max(1.0, value * width) for value in dash]
    part, left = 0, lengths[0]  # the dash part we are in, and what is left of it
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        span = float(np.hypot(x1 - x0, y1 - y0))
        done = 0.0
        while done < span:
            step = min(left, span - done)
            if part % 2 == 0:  # an "on" part
                a, b = done / span, (done + step) / span
                draw.line([(x0 + a * (x1 - x0), y0 + a * (y1 - y0)), (x0 + b * (x1 - x0), y0 + b * (y1 - y0))],
                          fill=colour, width=width)
            done += step
            left -= step
            if left <= 1e-9:
                part = (part + 1) % len(lengths)
                left = lengths[part]


PANEL_WIDTH, PANEL_HEIGHT = 260, 190
X_RANGE = (-5.0, 5.0)


def activation_panels(panels) -> np.ndarray:
    """One panel per ``(activation name, role)``: the activation (in its colour,
    ``kit.style.ACTIVATION_COLOURS``) and its derivative (grey, dashed) over [−5, 5], titled with
    where the network uses it (e.g. "output layer"), so a ReLU network's tanh panel reads as its
    output unit. Returns (190·panels, 260) palette indices:
    panels stacked, as TensorBoard shows an image about 300 pixels wide."""
    from PIL import Image, ImageDraw

    from kit import activations

    if not panels:
        raise invalid("panels", "kit.tensorboard.drawing.activation_panels",
                      "a non-empty list of (activation name, role) pairs", panels)
    canvas = Image.new("P", (PANEL_WIDTH, PANEL_HEIGHT * len(panels)), WHITE)
    draw = ImageDraw.Draw(canvas)
    labels = []
    x = np.linspace(*X_RANGE, 201).astype(np.float32)
    left, width, height = 12, PANEL_WIDTH - 24, PANEL_HEIGHT - 56
    for index, (name, role) in enumerate(panels):
        entry = activations.get(name)
        curves = [np.asarray(activations.evaluate(entry, x), np.float64),
                  np.asarray(activations.derivative(entry, x), np.float64)]
        finite = np.concatenate([curve[np.isfinite(curve)] for curve in curves])
        low = float(np.clip(finite.min(initial=-1.0), -5, -1.2))  # 0 and ±1 always in view
        high = float(np.clip(finite.max(initial=1.0), 1.2, 5))
        origin, top, title = left, index * PANEL_HEIGHT + 40, index * PANEL_HEIGHT + 4

        def point(i, value):
            row = top + (high - np.clip(value, low, high)) / (high - low) * height
            return origin + i * width / (len(x) - 1), float(row)

        zero_row = point(0, 0.0)[1]
        draw.rectangle([origin, top, origin + width, top + height], outline=GRID)
        draw.line([(origin, zero_row), (origin + width, zero_row)], fill=GRID)
        draw.line([(origin + width / 2, top), (origin + width / 2, top + height)], fill=GRID)
        own = style.run_style(entry.name).index
        for curve, colour, dash in ((curves[0], own, ()), (curves[1], TEXT, (4.0, 2.0))):
            polyline(draw, [point(i, value) for i, value in enumerate(curve) if np.isfinite(value)], colour, 2, dash)
        labels += [(role, origin, title), (f"{entry.name}: f (solid), f' (dashed)", origin, title + 16),
                   (f"{X_RANGE[0]:g}", origin, top + height + 3), (f"{X_RANGE[1]:g}", origin + width - 10, top + height + 3),
                   (f"{high:.3g}", origin + 2, top + 2), (f"{low:.3g}", origin + 2, top + height - 12)]
    pixels = np.array(canvas, np.uint8)
    for label, column, row in labels:
        stamp(pixels, label, int(column), int(row))
    return pixels
