"""Pictures of the inside of a network, as the TensorFlow Playground draws it, from NumPy arrays.

Three pictures, each an 8-bit palette image (``palette()``) so that it encodes to PNG cheaply:

- the **network view** (:meth:`NetworkPainter.network`): the input features, every hidden unit
  as a small heat map of its activation over the plane [−6, 6]², links coloured by the sign of
  their weight and thickened by its size, each unit's bias as a small square, and the output's
  heat map with its decision boundary (the line where the output changes sign);
- the **neuron grid** of a layer (:meth:`NetworkPainter.neurons`): each unit's heat map, larger,
  so that sigmoid units show soft half-planes, ReLU units creases and dead units a blank tile;
- the **unit states** (:meth:`NetworkPainter.unit_states`): a units × layers map of which units
  are dead, saturated or alive (``kit.diagnostics.unit_states``'s codes).

Colours are the Playground's: activation −1 orange, 0 near-white, +1 blue, clipped beyond (as
the Playground clips a ReLU unit's large outputs). A unit's frame tells its state on the probe
batch: black dead, red saturated, grey alive. ``kit.tensorboard.Diagnostics`` writes these
pictures at its picture steps, ``kit.plots.network`` shows the network view in a notebook.

Everything that does not change during a run (positions, labels, legends) is drawn once per
painter; each picture then costs array slicing, one line per link and a PNG encoding (text
drawing costs ~0.3 ms a label, more than the rest of a picture: :func:`kit.tensorboard.drawing.stamp`,
the pictures' one text renderer, renders each label once and stamps it from a cache).

Example:
    >>> painter = NetworkPainter(["x1", "x2"], {"hidden_1": ("relu", 4)})  # doctest: +SKIP
    >>> indices = painter.network(features, layers, kernels, biases, output, states)  # doctest: +SKIP
    >>> rgb = palette()[indices]  # doctest: +SKIP
"""

from __future__ import annotations

import functools

import numpy as np

from kit import caches, diagnostics, style
from kit.tensorboard import drawing

__all__ = ["GRID", "TILE", "PITCH", "COLUMN", "FONT", "SMALL_FONT", "LABEL_WIDTH", "OUTPUT_TILE", "NEURON_TILE",
           "NEURONS_PER_ROW", "MARGIN", "TITLE_HEIGHT", "LEGEND_HEIGHT", "NETWORK_LEGEND_HEIGHT", "SHADES", "WHITE",
           "BLACK", "GREY", "LIGHT_GREY", "DEAD_COLOUR", "SATURATED_COLOUR", "ALIVE_COLOUR", "BOUNDARY",
           "STATE_COLOURS", "FRAME_COLOURS", "palette", "shades", "FEATURE_LABELS", "plane_maps", "NetworkPainter",
           "STATE_CELL", "MAX_NETWORK_UNITS", "MAX_NEURON_UNITS", "NO_UNIT", "state_matrix", "painter_for",
           "probe_images", "biases_of", "NETWORK_DESCRIPTION", "NEURONS_DESCRIPTION", "UNIT_STATES_DESCRIPTION"]

GRID = 100
"""Points per side of the plane grid the maps are computed on (the Playground's 100)."""
TILE = 60
"""Pixels per side of a unit's tile in the network view (the Playground's are 30), one grid point
each: the grid is sampled, every 1.67th point (the Playground averages 10 × 10 blocks)."""
PITCH = TILE + 10  # vertical distance between tiles in a column
COLUMN = TILE + 46  # horizontal distance between columns: the links' room
# TensorBoard shrinks a picture to its card (about 350 pixels wide at a 1600-pixel window) and lets
# it be as tall as it likes: the view is kept narrow, its tiles large and its text at 17 pixels, so
# that a 2-8-8-1 network (518 pixels wide) shows ~40-pixel tiles and 11- to 12-pixel text in a card;
# the text is dark, as grey strokes fade when the picture is shrunk.
# Encoding the PNG is most of a picture's cost and grows with the pixels (about 5-10 ns a pixel).
FONT, SMALL_FONT = 18, 17
LABEL_WIDTH = 52  # the feature names, left of the first column
OUTPUT_TILE = 120  # the output's heat map (the Playground's: 300 pixels beside 30-pixel tiles)
NEURON_TILE = 64  # a neuron grid's tiles: a closer look than the network view's
NEURONS_PER_ROW = 4  # a squarer picture, less shrunk in a TensorBoard card (about 350 pixels wide)
MARGIN = 12
TITLE_HEIGHT = 46
LEGEND_HEIGHT = 46
NETWORK_LEGEND_HEIGHT = 80

SHADES = style.SHADES
"""Shades of the Playground's colour scale (``kit.style.SHADES``: odd, activation 0 has its own shade)."""
WHITE, BLACK, GREY, LIGHT_GREY = style.WHITE, style.BLACK, style.GREY, style.LIGHT_GREY
DEAD_COLOUR, SATURATED_COLOUR, ALIVE_COLOUR, BOUNDARY = style.DEAD, style.SATURATED, style.ALIVE, style.BOUNDARY
STATE_COLOURS = {diagnostics.ALIVE: ALIVE_COLOUR, diagnostics.DEAD: DEAD_COLOUR,
                 diagnostics.SATURATED: SATURATED_COLOUR}
FRAME_COLOURS = {diagnostics.ALIVE: LIGHT_GREY, diagnostics.DEAD: DEAD_COLOUR,
                 diagnostics.SATURATED: SATURATED_COLOUR}
palette = style.palette
"""The 256 colours the pictures index: ``kit.style.palette`` (the heat map's shades, white, black,
greys, the state colours, the boundary)."""
shades = style.shade_indices
"""Values in [−1, 1] (clipped; NaN as 0) as uint8 indices into ``palette()``'s heat-map shades."""

FEATURE_LABELS = {"x1": "X1", "x2": "X2", "x1_sq": "X1²", "x2_sq": "X2²", "x1_x2": "X1·X2", "sin_x1": "sin X1",
                  "sin_x2": "sin X2"}


def plane_maps(values: np.ndarray, size: int = GRID) -> np.ndarray:
    """(GRID², units) values on the plane grid (``kit.pictures.plane_inputs``'s order: rows from the
    top) as (units, size, size) maps: each pixel is the grid point nearest its centre (sampling
    rather than averaging: a tenth of the time, and a ReLU crease stays sharp)."""
    values = np.asarray(values, dtype=np.float32)
    units = values.shape[1]
    points = ((np.arange(size) + 0.5) * (GRID / size)).astype(int)
    rows = values.reshape(GRID, GRID, units).take(points, axis=0)  # two takes: a third of one 2-D index
    return np.moveaxis(rows.take(points, axis=1), -1, 0)


def _frame(pixels, top, left, height, width, colour, thickness=1):
    """A rectangle's outline of ``thickness`` pixels just outside the box (top, left, height, width)."""
    t = thickness
    pixels[top - t:top, left - t:left + width + t] = colour
    pixels[top + height:top + height + t, left - t:left + width + t] = colour
    pixels[top:top + height, left - t:left] = colour
    pixels[top:top + height, left + width:left + width + t] = colour


def _legend_swatches(pixels, left, top, entries, size=11):
    """Coloured squares with a caption each, in a row."""
    x = left
    for colour, caption in entries:
        pixels[top:top + size, x:x + size] = colour
        drawing.stamp(pixels, caption, x + size + 5, top - 1, colour=BLACK, size=size)
        x += size + 5 + drawing.text_width(caption, size) + 18
    return x


class NetworkPainter:
    """Draws one architecture's pictures; the static parts are drawn once, at construction.

    Args:
        feature_names: the model's input features (``kit.datasets.FEATURES`` names), one tile each.
        layers: ``{layer name: (activation name, units)}`` for the Dense layers in order, the
            last being the output layer.
    """

    chain = True
    """Whether the layers form a chain, each feeding the next (what the network view draws)."""

    def __init__(self, feature_names, layers: dict):
        self.feature_names = list(feature_names)
        self.layers = dict(layers)
        self.hidden = list(self.layers)[:-1]
        self.output = list(self.layers)[-1]
        self._network_base = None
        self._neuron_bases: dict = {}
        self._states_base = None
        self._states_summaries: dict = {}  # the unit-state matrix's bytes → its image summary

    def _network_layout(self):
        from PIL import Image

        widths = [len(self.feature_names)] + [units for _, units in self.layers.values()][:-1]
        rows = max(widths)
        self._x = [MARGIN + LABEL_WIDTH + column * COLUMN for column in range(len(widths))]  # tile left edges
        top = MARGIN + TITLE_HEIGHT
        self._y = [[top + index * PITCH for index in range(width)] for width in widths]  # tile top edges
        self._output_x = self._x[-1] + COLUMN + 4
        self._output_y = top
        height = max(top + rows * PITCH, top + OUTPUT_TILE + 10) + NETWORK_LEGEND_HEIGHT
        width = max(self._output_x + OUTPUT_TILE + MARGIN, 420)  # 420: the legend's width
        canvas = np.full((height, width), WHITE, np.uint8)
        title = {"colour": BLACK, "size": FONT, "anchor": "ma"}
        subtitle = {"colour": BLACK, "size": SMALL_FONT, "anchor": "ma"}
        drawing.stamp(canvas, "input", self._x[0] + TILE // 2, MARGIN, **title)
        for x, y, name in zip([self._x[0]] * len(self.feature_names), self._y[0], self.feature_names):
            drawing.stamp(canvas, FEATURE_LABELS.get(name, name), x - 6, y + TILE // 2, BLACK, FONT, anchor="rm")
        for column, name in enumerate(self.hidden, start=1):
            activation, units = self.layers[name]
            drawing.stamp(canvas, name, self._x[column] + TILE // 2, MARGIN, **title)
            drawing.stamp(canvas, activation, self._x[column] + TILE // 2, MARGIN + 21, **subtitle)
        drawing.stamp(canvas, "output", self._output_x + OUTPUT_TILE // 2, MARGIN, **title)
        drawing.stamp(canvas, f"{self.layers[self.output][0]}, boundary", self._output_x + OUTPUT_TILE // 2,
                      MARGIN + 21, **subtitle)
        legend = height - NETWORK_LEGEND_HEIGHT + 6
        drawing.stamp(canvas, "tile: a unit's output over [-6, 6]²", MARGIN, legend, BLACK, SMALL_FONT)
        drawing.stamp(canvas, "orange -1, white 0, blue +1; links: weights", MARGIN, legend + 21, BLACK, SMALL_FONT)
        _legend_swatches(canvas, MARGIN, legend + 46, [(DEAD_COLOUR, "frame: dead"), (SATURATED_COLOUR, "saturated")],
                         size=SMALL_FONT)
        # A PIL image of the indices (mode "L": drawing a line with index i writes i): copying it and
        # drawing the links on the copy costs least.
        self._network_base = Image.fromarray(canvas)

    # -- the network view ------------------------------------------------------------------

    def tile(self, column: int, unit: int) -> tuple[int, int]:
        """(top, left) of a tile in the network view: column 0 holds the features, column k the
        k-th hidden layer; tiles are ``TILE`` pixels square (the output's ``OUTPUT_TILE``, at
        ``output_tile()``)."""
        if self._network_base is None:
            self._network_layout()
        return self._y[column][unit], self._x[column]

    def output_tile(self) -> tuple[int, int]:
        """(top, left) of the output's heat map in the network view."""
        if self._network_base is None:
            self._network_layout()
        return self._output_y, self._output_x

    def neuron_tile(self, unit: int) -> tuple[int, int]:
        """(top, left) of a unit's tile in a neuron grid; tiles are ``NEURON_TILE`` pixels square."""
        return self._neuron_position(unit)

    def network(self, features, layers: dict, kernels, biases, output, states: dict) -> np.ndarray:
        """The network view as (H, W) uint8 indices into ``palette()``.

        Args:
            features: (GRID², n_features) the input features on the plane grid.
            layers: ``{hidden layer: (GRID², units)}`` activations on the same grid.
            kernels, biases: every Dense layer's, in order.
            output: (GRID, GRID) the output on the grid in [−1, 1] (``kit.pictures.signed_output``).
            states: ``{hidden layer: codes}`` (``kit.diagnostics.unit_state_codes``).
        """
        from PIL import Image, ImageDraw

        if self._network_base is None:
            self._network_layout()
        canvas = self._network_base.copy()
        draw = ImageDraw.Draw(canvas)
        sources = [(self._x[0] + TILE + 2, y + TILE // 2) for y in self._y[0]]
        for column, kernel in enumerate(kernels):
            kernel = np.asarray(kernel)
            last = column == len(kernels) - 1
            if last:
                targets = [(self._output_x - 1, self._output_y + OUTPUT_TILE // 2 + 12 * (k - (kernel.shape[1] - 1) / 2))
                           for k in range(kernel.shape[1])]
            else:
                targets = [(self._x[column + 1] - 1, y + TILE // 2) for y in self._y[column + 1]]
            colours = shades(kernel)
            # The Playground's link width: 1 px at weight 0 to 10 px at |w| ≥ 5.
            widths = np.rint(1 + 9 * np.minimum(np.abs(np.where(np.isnan(kernel), 0, kernel)), 5) / 5).astype(int)
            count = kernel.shape[0]
            for j, (tx, ty) in enumerate(targets):
                for i, (sx, sy) in enumerate(sources):
                    # Links into one unit fan out over a fifth of its edge, as in the Playground.
                    offset = 0 if last else (TILE // 5) * (i - (count - 1) / 2) / count
                    draw.line([(sx, sy), (tx, ty + offset)], fill=int(colours[i, j]), width=int(widths[i, j]))
            if not last:
                sources = [(self._x[column + 1] + TILE + 2, y + TILE // 2) for y in self._y[column + 1]]
        pixels = np.array(canvas)
        tiles = [plane_maps(features, TILE)] + [plane_maps(layers[name], TILE) for name in self.hidden]
        for column, maps in enumerate(tiles):
            cells = shades(maps)
            x = self._x[column]
            codes = np.zeros(len(cells), int) if column == 0 else states[self.hidden[column - 1]]
            bias = None if column == 0 else shades(biases[column - 1])
            for unit, y in enumerate(self._y[column]):
                pixels[y:y + TILE, x:x + TILE] = cells[unit]
                code = int(codes[unit])
                _frame(pixels, y, x, TILE, TILE, GREY if column == 0 else FRAME_COLOURS[code], 2 if code else 1)
                if bias is not None:  # the Playground's bias square, at the tile's lower left
                    pixels[y + TILE - 11:y + TILE, x - 16:x - 5] = GREY
                    pixels[y + TILE - 10:y + TILE - 1, x - 15:x - 6] = bias[unit]
        output = plane_maps(np.reshape(output, (GRID * GRID, 1)), OUTPUT_TILE)[0]
        big = shades(output)
        big[style.sign_boundary(output)] = BOUNDARY
        y, x = self._output_y, self._output_x
        pixels[y:y + OUTPUT_TILE, x:x + OUTPUT_TILE] = big
        _frame(pixels, y, x, OUTPUT_TILE, OUTPUT_TILE, GREY)
        return pixels

    # -- neuron grids -------------------------------------------------------------------------

    def neurons(self, name: str, values, codes) -> np.ndarray:
        """Layer ``name``'s units as a grid of heat maps over the plane, (H, W) uint8 indices.

        Args:
            values: (GRID², units) the layer's activations on the plane grid.
            codes: the units' states (frames: black dead, red saturated, grey alive).
        """
        units = int(np.shape(values)[1])
        base = self._neuron_bases.get(name)
        if base is None:
            base = self._neuron_bases[name] = self._neuron_base(name, units)
        pixels = base.copy()
        maps = shades(plane_maps(values, NEURON_TILE))
        for unit in range(units):
            y, x = self._neuron_position(unit)
            pixels[y:y + NEURON_TILE, x:x + NEURON_TILE] = maps[unit]
            code = int(codes[unit])
            _frame(pixels, y, x, NEURON_TILE, NEURON_TILE, FRAME_COLOURS[code], 3 if code else 1)
        return pixels

    @staticmethod
    def _neuron_position(unit):
        row, column = divmod(unit, NEURONS_PER_ROW)
        return MARGIN + 36 + row * (NEURON_TILE + 24), MARGIN + column * (NEURON_TILE + 14)

    def _neuron_base(self, name, units):
        columns = min(units, NEURONS_PER_ROW)
        rows = -(-units // NEURONS_PER_ROW)
        width = max(2 * MARGIN + columns * (NEURON_TILE + 14), 300)  # 300: the title and legend
        height = MARGIN + 36 + rows * (NEURON_TILE + 24) + LEGEND_HEIGHT
        canvas = np.full((height, width), WHITE, np.uint8)
        activation = self.layers[name][0]
        drawing.stamp(canvas, f"{name} ({activation})", MARGIN, MARGIN - 4, colour=BLACK, size=12)
        drawing.stamp(canvas, "each unit's output over [-6, 6]²", MARGIN, MARGIN + 11, colour=GREY, size=11)
        for unit in range(units):
            y, x = self._neuron_position(unit)
            drawing.stamp(canvas, f"unit {unit + 1}", x + NEURON_TILE // 2, y + NEURON_TILE + 5, GREY, 11, anchor="ma")
        _legend_swatches(canvas, MARGIN, height - LEGEND_HEIGHT + 12,
                         [(DEAD_COLOUR, "dead"), (SATURATED_COLOUR, "saturated"), (LIGHT_GREY, "alive")])
        return canvas

    # -- unit states ------------------------------------------------------------------------

    def unit_states(self, states: dict) -> np.ndarray:
        """The units × layers map of ``state_matrix(states)``: one cell per hidden unit, a
        column per hidden layer, coloured dead / saturated / alive; (H, W) uint8 indices."""
        if self._states_base is None:
            self._states_base = self._unit_states_base()
        pixels = self._states_base.copy()
        matrix = state_matrix(states, self.hidden)
        colours = np.full(matrix.shape, WHITE, np.uint8)
        for code, colour in STATE_COLOURS.items():
            colours[matrix == code] = colour
        for (unit, column), colour in np.ndenumerate(colours):
            y, x = self.state_cell(unit, column)
            pixels[y:y + STATE_CELL, x:x + STATE_CELL] = colour
        return pixels

    def unit_states_summary(self, states: dict):
        """``unit_states(states)`` as an image summary, encoded once per state matrix: a run's
        units rarely change state between probes, so most probes reuse the last one's."""
        from kit.tensorboard import events

        key = state_matrix(states, self.hidden).tobytes()
        summary = self._states_summaries.get(key)
        if summary is None:
            if len(self._states_summaries) >= 64:
                self._states_summaries.clear()
            summary = self._states_summaries[key] = events.image(
                "unit_states", self.unit_states(states), UNIT_STATES_DESCRIPTION, palette=palette())
        return summary

    def state_cell(self, unit: int, column: int) -> tuple[int, int]:
        """(top, left) of unit ``unit``'s cell in hidden layer ``column`` (0-based) of the
        unit-state picture; cells are ``STATE_CELL`` pixels square."""
        return MARGIN + 44 + unit * (STATE_CELL + 3), MARGIN + 30 + column * (STATE_CELL + 3)

    def _unit_states_base(self):
        rows = max([units for _, units in self.layers.values()][:-1], default=0)
        columns = len(self.hidden)
        # Narrow, the legend stacked below: TensorBoard shrinks a picture to its card's width
        # (about 300 pixels) unless "Show actual image size" is ticked.
        width = max(MARGIN + 30 + columns * (STATE_CELL + 3) + MARGIN, 300)
        legend = MARGIN + 44 + rows * (STATE_CELL + 3) + 6
        height = legend + 3 * 17 + MARGIN
        canvas = np.full((height, width), WHITE, np.uint8)
        drawing.stamp(canvas, "Hidden units on the probe batch", MARGIN, MARGIN - 4, colour=BLACK, size=12)
        drawing.stamp(canvas, "columns: layers, rows: units", MARGIN, MARGIN + 11, colour=GREY, size=11)
        for column, name in enumerate(self.hidden):
            y, x = self.state_cell(0, column)
            drawing.stamp(canvas, name.replace("hidden_", "h"), x + STATE_CELL // 2, y - 4, GREY, 11, anchor="md")
        for unit in range(rows):
            y, x = self.state_cell(unit, 0)
            drawing.stamp(canvas, str(unit + 1), x - 6, y + STATE_CELL // 2, GREY, 11, anchor="rm")
        for row, entry in enumerate([(DEAD_COLOUR, "dead: 0 on every probe point"),
                                     (SATURATED_COLOUR, "saturated: flat zone on ≥ 95 % of them"),
                                     (ALIVE_COLOUR, "alive")]):
            _legend_swatches(canvas, MARGIN, legend + 17 * row, [entry])
        return canvas


STATE_CELL = 22
MAX_NETWORK_UNITS = 32
"""The callback draws the network view while no layer is wider (4 × the Playground's limit of 8):
a layer of 64 makes a 3,400-pixel-tall picture with 4,096 links per layer pair, tens of
milliseconds at every picture step. ``kit.plots.network`` draws any width."""
MAX_NEURON_UNITS = 64
"""The callback draws a layer's neuron grid while it has at most this many units (16 rows)."""
NO_UNIT = -1
"""``state_matrix``'s code where a layer has fewer units than the widest."""


def state_matrix(states: dict, layers=None) -> np.ndarray:
    """``{layer: codes}`` as one (units, layers) int8 matrix, the unit-state image's data:
    column k holds layer k's codes (``kit.diagnostics.ALIVE`` / ``DEAD`` / ``SATURATED``),
    padded with ``NO_UNIT`` below a layer narrower than the widest.

    Example:
        >>> state_matrix({"hidden_1": np.array([0, 1]), "hidden_2": np.array([2])}).tolist()
        [[0, 2], [1, -1]]
    """
    layers = list(states) if layers is None else list(layers)
    rows = max((len(states[name]) for name in layers), default=0)
    matrix = np.full((rows, len(layers)), NO_UNIT, np.int8)
    for column, name in enumerate(layers):
        matrix[:len(states[name]), column] = states[name]
    return matrix


@caches.register
@functools.lru_cache(maxsize=16)
def _painter(feature_names: tuple, layers: tuple, chain: bool) -> NetworkPainter:
    painter = NetworkPainter(feature_names, dict(layers))
    painter.chain = chain
    return painter


def painter_for(model, feature_names=()) -> NetworkPainter:
    """The (shared) painter of this model's architecture: its static parts are drawn once for
    every run of the architecture, as a sweep's runs share them."""
    dense = diagnostics.check_model(model, "kit.tensorboard.views.painter_for")
    layers = tuple((layer.name, (diagnostics.activation_name(layer), int(layer.units))) for layer in dense)
    return _painter(tuple(feature_names), layers, diagnostics.plain_chain(model))


def probe_images(painter: NetworkPainter, result: dict, model=None, features=None, output=None) -> list:
    """The pictures of one probe (``kit.diagnostics.BoundProbe``'s ``result``), as image summaries:
    ``unit_states`` always (when there are hidden layers); given the ``model`` (for its biases),
    the plane's ``features`` (GRID², n_features) and the signed ``output`` on it (GRID² values in
    [−1, 1]), and when the result has ``grid_layers``, also ``network`` and ``neurons/<layer>``."""
    from kit.tensorboard import events

    layers = result["layers"]
    states = {name: diagnostics.unit_state_codes(layers[name]["activation"], layers[name]["activation_name"])
              for name in painter.hidden}
    values = []
    if states:
        values.append(painter.unit_states_summary(states))
    grid = result.get("grid_layers")
    if model is None or features is None or output is None or grid is None:
        return values
    hidden = {name: grid[name] for name in painter.hidden}
    widest = max(units for _, units in painter.layers.values())
    # The picture's columns must feed each other (other graphs get the neuron grids only).
    if painter.chain and widest <= MAX_NETWORK_UNITS:
        kernels = [layers[name]["kernel"] for name in layers]
        biases = [layers[name]["bias"] for name in layers] if "bias" in layers[painter.output] else biases_of(model)
        network = painter.network(features, hidden, kernels, biases, np.reshape(output, (GRID, GRID)), states)
        values.append(events.image("network", network, NETWORK_DESCRIPTION, palette=palette()))
    for name in painter.hidden:
        if painter.layers[name][1] <= MAX_NEURON_UNITS:
            values.append(events.image(f"neurons/{name}", painter.neurons(name, hidden[name], states[name]),
                                       NEURONS_DESCRIPTION, palette=palette()))
    return values


def biases_of(model) -> list:
    """Each Dense layer's bias as a NumPy array (zeros for a layer without one)."""
    return [np.asarray(layer.bias) if layer.use_bias else np.zeros(int(layer.units), np.float32)
            for layer in diagnostics.check_model(model, "kit.tensorboard.views.biases_of")]


NETWORK_DESCRIPTION = (
    "The network as the TensorFlow Playground draws it: each hidden unit's output over the plane "
    "[-6, 6]² (orange -1, white 0, blue +1), links coloured by the weight's sign (blue +, orange -) and "
    "thickened by its size, each bias as a small square, the output with its decision boundary (dark line). "
    "A unit framed black is dead, red saturated, on the probe batch.")
NEURONS_DESCRIPTION = (
    "Each unit of the layer as a heat map of its output over [-6, 6]²: sigmoid and tanh units draw soft "
    "half-planes, ReLU units a crease (0 on one side of a line), dead units a blank tile; a tile of one "
    "colour is a unit whose output no longer depends on the input.")
UNIT_STATES_DESCRIPTION = (
    "Each hidden unit (rows) of each hidden layer (columns) on the probe batch: black dead (ReLU output 0 on "
    "every probe point), red saturated (in the activation's flat zone on at least 95 % of them), green alive. "
    "The rules of kit.diagnostics.unit_states.")
