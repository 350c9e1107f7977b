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
           "STROKE_STEP", "stroke", "strokes", "PANEL_WIDTH", "PANEL_HEIGHT", "X_RANGE", "activation_panels"]

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


@caches.register
@functools.lru_cache(maxsize=512)
def text_width(label: str, size: int = TEXT_SIZE) -> int:
    """Pixels ``label`` takes when stamped at ``size`` (measured once per label and size)."""
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


STROKE_STEP = 1.0
"""Pixels between the points ``strokes`` samples along a line: consecutive samples land on touching
pixels (8-connected, as a Bresenham line), so a line has no gaps."""


def stroke(pixels: np.ndarray, points, colour: int, width: int = 2, dash: tuple = ()) -> None:
    """Draw the line through ``points`` ((x, y) pairs) into ``pixels`` (palette indices) as
    :func:`polyline` draws it, in a handful of NumPy calls (see :func:`strokes`)."""
    strokes(pixels, [(points, colour, width, dash)])


def strokes(pixels: np.ndarray, lines) -> None:
    """Draw each ``(points, colour, width, dash)`` line into ``pixels`` (palette indices), as
    :func:`polyline` draws it, the lines of one width and dash pattern all in one set of NumPy calls.

    Each line is sampled every ``STROKE_STEP`` pixels along its segments, the dash pattern (on/off
    lengths in line widths, running on along the whole line, across its corners) keeps the samples
    of its "on" parts, and each kept sample paints a ``width`` × ``width`` square; a single point
    paints its square. A dotted line is dozens of dashes, each a Pillow call for :func:`polyline`
    (about 0.2 ms a line): here a dozen lines cost well under a millisecond together
    (``kit.tensorboard.gradient_flow`` keeps each faint line's pixels, as a sweep's pictures draw
    every other run behind their own). Lines are painted in order within a group of one width
    and dash, the groups in the order of their first line. What falls outside the picture is cut off.
    """
    groups: dict = {}
    for points, colour, width, dash in lines:
        xy = np.asarray([(float(x), float(y)) for x, y in points], np.float64).reshape(-1, 2)
        if int(width) < 1 or not len(xy):
            continue
        if len(xy) == 1:
            xy = np.repeat(xy, 2, axis=0)
        groups.setdefault((int(width), tuple(float(value) for value in dash)), []).append((xy, int(colour)))
    for (width, dash), members in groups.items():
        starts = np.concatenate([xy[:-1] for xy, _ in members])
        vectors = np.concatenate([xy[1:] for xy, _ in members]) - starts
        colours = np.concatenate([np.full(len(xy) - 1, colour, np.uint8) for xy, colour in members])
        finite = np.isfinite(starts).all(axis=1) & np.isfinite(vectors).all(axis=1)
        starts[~finite], vectors[~finite] = 0.0, 0.0  # a segment with a non-finite end is left out
        spans = np.hypot(vectors[:, 0], vectors[:, 1])
        # Only the part of each segment near the picture is sampled (Liang-Barsky clipping to the
        # picture grown by the brush): a point far outside costs nothing and moves nothing inside.
        low, high = np.where(finite, 0.0, 1.0), np.where(finite, 1.0, -1.0)  # the visible span of t in [0, 1]
        ends = np.concatenate([starts, starts + vectors])
        margin = width + 1
        near = finite.all() and ends.min() >= -margin and ends[:, 0].max() <= pixels.shape[1] + margin \
            and ends[:, 1].max() <= pixels.shape[0] + margin
        for axis, size in () if near else ((0, pixels.shape[1]), (1, pixels.shape[0])):  # all near: nothing to clip
            start, change = starts[:, axis], vectors[:, axis]
            moving = change != 0
            with np.errstate(divide="ignore", invalid="ignore"):
                enter, leave = (-width - 1 - start) / change, (size + width + 1 - start) / change
            low = np.where(moving, np.maximum(low, np.minimum(enter, leave)), low)
            inside = (start >= -width - 1) & (start <= size + width + 1)
            high = np.where(moving, np.minimum(high, np.maximum(enter, leave)), np.where(inside, high, -1.0))
        shown = high >= low
        counts = np.where(shown, np.floor(np.where(shown, high - low, 0.0) * spans / STROKE_STEP) + 2, 0)
        counts = counts.astype(np.int64)  # 0, step, … and the visible part's end
        segment = np.repeat(np.arange(len(spans)), counts)
        first_sample = np.cumsum(counts) - counts
        steps = (np.arange(len(segment)) - first_sample[segment]) * STROKE_STEP
        along = np.minimum(low[segment] * spans[segment] + steps, high[segment] * spans[segment])
        fraction = np.divide(along, spans[segment], out=np.zeros_like(along), where=spans[segment] > 0)
        sampled = starts[segment] + fraction[:, None] * vectors[segment]
        sample_colours = colours[segment]
        if dash:
            # Arc length from the start of each sample's own line: segments' starts, restarted per line.
            before = np.cumsum(spans) - spans
            line_first = np.zeros(len(spans), bool)
            line_first[np.cumsum([0] + [len(xy) - 1 for xy, _ in members[:-1]])] = True
            line_start = np.maximum.accumulate(np.where(line_first, before, 0.0))
            distance = (before - line_start)[segment] + along
            bounds = np.cumsum(np.maximum(1.0, np.asarray(dash) * width))
            keep = np.searchsorted(bounds, np.mod(distance, bounds[-1]), side="right") % 2 == 0
            sampled, sample_colours = sampled[keep], sample_colours[keep]
        # The square brush's top-left pixel per sample, its pixels as flat indices into a copy of the
        # picture padded by more than any visible segment reaches past the edge (no mask needed).
        pad = 2 * width + 4
        corner = np.floor(sampled - (width - 1) / 2 + 0.5).astype(np.int64) + pad
        padded_width = pixels.shape[1] + 2 * pad
        brush = (np.arange(width)[:, None] * padded_width + np.arange(width)[None, :]).ravel()
        flat = (corner[:, 1] * padded_width + corner[:, 0])[:, None] + brush[None, :]
        canvas = np.empty((pixels.shape[0] + 2 * pad, padded_width), np.uint8)
        canvas[pad:-pad, pad:-pad] = pixels
        canvas.reshape(-1)[flat.ravel()] = np.repeat(sample_colours, brush.size)
        pixels[...] = canvas[pad:-pad, pad:-pad]


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
