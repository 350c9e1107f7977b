"""Replay a TensorFlow Playground link exactly: the same points, the same initial weights and the same
loss after every epoch as the browser shows (``kit playground URL`` on the command line).

A Playground link carries its whole state in the part after ``#`` (tensorflow/playground,
``src/state.ts``): data set, noise, train share, batch size, learning rate, activation,
regularization, hidden layers, input features and the **seed** of its random numbers. The
Playground seeds ``Math.random`` with that seed (seedrandom's ARC4 generator,
``Math.seedrandom(state.seed)``), draws the points (``dataset.ts``), shuffles them and splits them,
then draws one initial weight per link as ``nn.ts`` builds the network. Training (``oneStep`` in
``playground.ts``) goes through the training points in order, adds up each example's gradient and
updates every ``batchSize`` examples; the gradient of the examples left over at an epoch's end joins
the next epoch's first update; nothing is reshuffled.

This module does the same in Python floats (IEEE float64, the numbers JavaScript computes with), one
example and one link at a time in the Playground's order, with a port of seedrandom 2.4.4 (the
version the Playground ships). ``tests/test_playground_replay.py`` runs the Playground's own
TypeScript under node on several links and compares the points, the initial weights and ten epochs'
losses. NumPy and TensorFlow are not needed.

Example:
    >>> from kit import playground
    >>> replay = playground.from_url("https://playground.tensorflow.org/#dataset=xor&networkShape=3"
    ...                              "&seed=0.12345", epochs=2)
    >>> len(replay.train), len(replay.test), len(replay.test_loss)
    (250, 250, 3)
"""

from __future__ import annotations

import dataclasses
import math
from numbers import Integral, Real
from urllib.parse import quote

from kit.errors import COUNT, Interval, InvalidParameter, Text, closest, validate_params

__all__ = ["PLAYGROUND_COMMIT", "OWNER", "SeedRandom", "NUM_SAMPLES", "CLASSIFICATION_DATASETS",
           "REGRESSION_DATASETS", "ACTIVATIONS", "REGULARIZATIONS", "PROBLEMS", "FEATURES", "KIT_FEATURE_NAMES",
           "MAX_LAYERS", "MAX_NEURONS", "PARAMETERS", "DEFAULTS", "Settings", "parse_url", "Network", "Replay",
           "from_url"]

PLAYGROUND_COMMIT = "02469bd3751764b20486015d4202b792af5362a6"
"""The tensorflow/playground commit whose ``src/*.ts`` this module follows (and the tests run)."""

OWNER = "kit.playground.from_url"

# ---------------------------------------------------------------------------------------------
# seedrandom 2.4.4's ARC4 generator, as Math.seedrandom(seed) installs it


class SeedRandom:
    """``Math.random`` after ``Math.seedrandom(seed)`` (seedrandom 2.4.4): ARC4 keyed with the seed's
    characters, its first 256 bytes dropped, each number built from 7 or more bytes so that all 52
    bits of the mantissa are random.

    Example (the value seedrandom's own README quotes):
        >>> SeedRandom("hello.").random()
        0.9282578795792454
    """

    _WIDTH, _CHUNKS = 256, 6
    _START_DENOMINATOR, _SIGNIFICANCE, _OVERFLOW = 2**48, 2**52, 2**53

    def __init__(self, seed: str):
        key = self._mix_key(seed)
        s = list(range(256))
        j = 0
        for i in range(256):  # the standard key schedule; an empty key counts as [0]
            j = (j + key[i % len(key)] + s[i]) & 255
            s[i], s[j] = s[j], s[i]
        self._s, self._i, self._j = s, 0, 0
        self._bytes(256)  # RC4-drop[256]

    @staticmethod
    def _mix_key(seed: str) -> list[int]:
        """seedrandom's ``mixkey(flatten(seed))`` for a string seed: its UTF-16 code units smeared into
        at most 256 key bytes."""
        units = memoryview(seed.encode("utf-16-le", "surrogatepass")).cast("H")
        key: list[int] = []
        smear = 0
        for j, unit in enumerate(units):
            slot = j & 255
            smear ^= (key[slot] if slot < len(key) else 0) * 19
            value = (smear + unit) & 255
            if slot < len(key):
                key[slot] = value
            else:
                key.append(value)
        return key or [0]

    def _bytes(self, count: int) -> int:
        """The next ``count`` bytes of the stream as one big-endian number (ARC4's ``g``)."""
        s, i, j, r = self._s, self._i, self._j, 0
        for _ in range(count):
            i = (i + 1) & 255
            t = s[i]
            j = (j + t) & 255
            s[i] = s[j]
            s[j] = t
            r = r * 256 + s[(s[i] + t) & 255]
        self._i, self._j = i, j
        return r

    def random(self) -> float:
        """The next number in [0, 1), as seedrandom's ``prng()``: exact integer arithmetic, one division."""
        n, d, x = self._bytes(self._CHUNKS), self._START_DENOMINATOR, 0
        while n < self._SIGNIFICANCE:
            n = (n + x) * self._WIDTH
            d *= self._WIDTH
            x = self._bytes(1)
        while n >= self._OVERFLOW:
            n //= 2  # n is even here: JavaScript's n /= 2 is exact
            d //= 2
            x >>= 1
        return (n + x) / d


# ---------------------------------------------------------------------------------------------
# The link: state.ts's parameters, checked


NUM_SAMPLES = {"classification": 500, "regression": 1200}
"""playground.ts: NUM_SAMPLES_CLASSIFY and NUM_SAMPLES_REGRESS."""

CLASSIFICATION_DATASETS = ("circle", "xor", "gauss", "spiral")
REGRESSION_DATASETS = ("reg-plane", "reg-gauss")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "L1", "L2")
PROBLEMS = ("classification", "regression")

FEATURES = ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")
"""playground.ts's INPUTS, in the order the network's inputs take them."""
KIT_FEATURE_NAMES = dict(zip(FEATURES, ("x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2")))
"""The same features under ``kit.datasets.FEATURES``' names."""

MAX_LAYERS, MAX_NEURONS = 6, 8
"""playground.ts: the + buttons stop at 6 hidden layers and 8 neurons a layer."""

_BOOLEANS = ("x", "y", "xTimesY", "xSquared", "ySquared", "cosX", "sinX", "cosY", "sinY", "discretize",
             "initZero", "showTestData", "collectStats", "hideText")
_CHOICES = {"activation": ACTIVATIONS, "regularization": REGULARIZATIONS, "dataset": CLASSIFICATION_DATASETS,
            "regDataset": REGRESSION_DATASETS, "problem": PROBLEMS}
_NUMBERS = {  # parameter: (constraint, what the Playground offers)
    "batchSize": (Interval(Integral, 1, None), "The slider offers 1 to 30."),
    "learningRate": (Interval(Real, 0, None), "The menu offers 0.00001 to 10."),
    "regularizationRate": (Interval(Real, 0, None), "The menu offers 0 to 10."),
    "noise": (Interval(Real, 0, 80), "The slider offers 0 to 50; the Playground itself puts a noise above 80 "
                                     "back to 50 and a negative one to 0."),
    "percTrainData": (Interval(Real, 0, 100, closed="neither"), "The slider offers 10 to 90."),
}
_STRINGS = ("seed", "tutorial")
PARAMETERS = tuple(_CHOICES) + tuple(_NUMBERS) + ("networkShape",) + _STRINGS + _BOOLEANS
"""Every parameter state.ts reads from a link (plus any ``NAME_hide=true``, which hides a control)."""

DEFAULTS = {"activation": "tanh", "regularization": "none", "batchSize": 10, "dataset": "circle",
            "regDataset": "reg-plane", "learningRate": 0.03, "regularizationRate": 0.0, "noise": 0.0,
            "networkShape": (4, 2), "percTrainData": 50.0, "problem": "classification",
            **{name: name in ("x", "y") for name in _BOOLEANS}}
"""state.ts's defaults, for the parameters a link leaves out."""

# What a browser leaves as it is in the part of an address after '#': printable ASCII but for
# space, ", <, > and ` (WHATWG's fragment percent-encode set); '%' stays, so escapes are not doubled.
_FRAGMENT_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"<>`')
_NUMBER_CHARS = set("0123456789+-.eE")


@dataclasses.dataclass(frozen=True)
class Settings:
    """What a Playground link asks for, with state.ts's defaults for what it leaves out.

    Attributes:
        problem: ``"classification"`` or ``"regression"``.
        dataset: the generator used: the link's ``dataset`` for classification, ``regDataset`` for
            regression.
        noise: the noise slider, 0-50 (a link may hold up to 80; ``dataset.ts`` receives noise / 100).
        perc_train_data: the percentage of points for training.
        batch_size, learning_rate: as the Playground's controls.
        activation: of the hidden layers; the output is tanh (classification) or linear (regression).
        regularization: ``"none"``, ``"L1"`` or ``"L2"``; regularization_rate its rate.
        network_shape: the hidden layers' widths.
        features: the input features, in the network's order (a feature hidden with
            ``NAME_hide=true`` is left out, as playground.ts removes it).
        seed: the seed string.
        discretize: the heat map's display only; training does not read it.
        init_zero: all weights and biases start at 0 (the random numbers are still drawn).
    """

    problem: str
    dataset: str
    noise: float
    perc_train_data: float
    batch_size: int
    learning_rate: float
    activation: str
    regularization: str
    regularization_rate: float
    network_shape: tuple[int, ...]
    features: tuple[str, ...]
    seed: str
    discretize: bool
    init_zero: bool

    @property
    def n_samples(self) -> int:
        return NUM_SAMPLES[self.problem]

    @property
    def n_train(self) -> int:
        """playground.ts's split: ``Math.floor(data.length * percTrainData / 100)``."""
        return math.floor(self.n_samples * self.perc_train_data / 100)

    @property
    def output_activation(self) -> str:
        return "linear" if self.problem == "regression" else "tanh"


def _refuse(name: str, value, expected: str, fix: str = "") -> InvalidParameter:
    shown_value = "" if value is None else value
    message = f"The Playground link's {name}={shown_value} cannot be replayed: expected {expected}."
    return InvalidParameter(message + (f" {fix}" if fix else ""), "url", OWNER)


def _number(name: str, text: str) -> float:
    """JavaScript's ``+text`` for the decimal numbers a link holds (state.ts reads numbers so)."""
    constraint, offers = _NUMBERS[name]
    stripped = text.strip()
    try:
        if not stripped or not set(stripped) <= _NUMBER_CHARS:
            raise ValueError
        value = float(stripped)
    except ValueError:
        value = None
    if constraint.type is Integral and value is not None and value.is_integer():
        value = int(value)
    if value is None or not constraint.is_satisfied_by(value):
        raise _refuse(name, text, constraint.describe(), offers)
    return value


def _network_shape(text: str | None) -> tuple[int, ...]:
    expected = (f"hidden layer widths separated by commas, each an int in [1, {MAX_NEURONS}], at most {MAX_LAYERS} "
                "layers (e.g. networkShape=4,2; empty for none)")
    if text is None:
        raise _refuse("networkShape", text, expected)
    parts = [] if text.strip() == "" else text.split(",")
    widths = []
    for part in parts:
        try:
            width = float(part.strip()) if set(part.strip()) <= _NUMBER_CHARS else math.nan
        except ValueError:
            width = math.nan
        if not (width.is_integer() and 1 <= width <= MAX_NEURONS):
            raise _refuse("networkShape", text, expected)
        widths.append(int(width))
    if len(widths) > MAX_LAYERS:
        raise _refuse("networkShape", text, expected)
    return tuple(widths)


def _fragment(url: str) -> str:
    text = url.strip()
    fragment = text.split("#", 1)[1] if "#" in text else text
    if "=" not in fragment:
        raise InvalidParameter(
            f"The 'url' parameter of {OWNER} must be a TensorFlow Playground link such as "
            f"https://playground.tensorflow.org/#activation=tanh&networkShape=4,2&seed=0.12345. Got {url!r} instead.",
            "url", OWNER)
    return quote(fragment, safe=_FRAGMENT_SAFE)  # what window.location.hash holds


def parse_url(url: str) -> Settings:
    """A Playground link's :class:`Settings`, read as state.ts's ``deserializeState`` reads it, but
    refusing what the Playground would silently replace (an unknown activation, a number that is
    not one), so that what is replayed is what the link says.

    Example:
        >>> parse_url("https://playground.tensorflow.org/#activation=relu&networkShape=3&seed=0.5").network_shape
        (3,)
        >>> parse_url("https://playground.tensorflow.org/#activation=relux&seed=0.5")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kit.errors.InvalidParameter: The Playground link's activation=relux cannot be replayed: expected one of ...
    """
    fragment = _fragment(url)
    given: dict[str, str | None] = {}
    for piece in fragment.split("&"):
        name, *rest = piece.split("=")
        if name:
            given[name] = rest[0] if rest else None  # JavaScript: let [name, value] = piece.split("=")
    for name in given:
        if name not in PARAMETERS and not name.endswith("_hide"):
            raise InvalidParameter(f"The Playground link has an unknown parameter {name!r}.{closest(name, PARAMETERS)} "
                                   f"Known: {', '.join(PARAMETERS)} (and NAME_hide=true).", "url", OWNER)

    def has(name: str) -> bool:  # state.ts's hasKey: present and not blank
        return given.get(name) is not None and given[name].strip() != ""

    values = dict(DEFAULTS)
    for name in _BOOLEANS:
        if has(name):
            if given[name] not in ("true", "false"):
                raise _refuse(name, given[name], "true or false")
            values[name] = given[name] == "true"
    hidden = set()
    for name, text in given.items():
        if name.endswith("_hide"):
            if text not in ("true", "false"):
                raise _refuse(name, text, "true or false")
            if text == "true":
                hidden.add(name[: -len("_hide")])
    for name, options in _CHOICES.items():
        if has(name):
            if given[name] not in options:
                raise _refuse(name, given[name], f"one of {', '.join(options)}", closest(given[name], options).strip())
            values[name] = given[name]
    for name in _NUMBERS:
        if has(name):
            values[name] = _number(name, given[name])
    if "networkShape" in given:  # state.ts: present, even empty (no hidden layer)
        values["networkShape"] = _network_shape(given["networkShape"])
    if not has("seed"):
        quoting = "" if "&" in fragment else " In a shell, put the link in quotes: an unquoted & ends the command."
        raise InvalidParameter(
            "The Playground link has no seed=…: the Playground then draws a new seed each time it opens the link, "
            "so there is nothing to replay. Open it and copy the link again from the address bar (it then carries "
            f"its seed).{quoting}", "url", OWNER)
    problem = values["problem"]
    settings = Settings(
        problem=problem, dataset=values["dataset" if problem == "classification" else "regDataset"],
        noise=values["noise"], perc_train_data=values["percTrainData"], batch_size=values["batchSize"],
        learning_rate=values["learningRate"], activation=values["activation"],
        regularization=values["regularization"], regularization_rate=values["regularizationRate"],
        network_shape=values["networkShape"], features=tuple(f for f in FEATURES if values[f] and f not in hidden),
        seed=given["seed"], discretize=values["discretize"], init_zero=values["initZero"])
    if not 1 <= settings.n_train <= settings.n_samples - 1:
        raise _refuse("percTrainData", given["percTrainData"],
                      f"a percentage that leaves points on both sides of the split of {settings.n_samples} points",
                      _NUMBERS["percTrainData"][1])
    return settings


# ---------------------------------------------------------------------------------------------
# dataset.ts, drawing from the seeded stream


def _linear_scale(domain, range_, clamp=False):
    """d3 3.5.17's ``d3.scale.linear().domain(domain).range(range_)``, formula for formula."""
    (a, b), (c, d) = domain, range_
    width = (b - a) or 1 / (b - a)

    def scale(x):
        t = (x - a) / width
        if clamp:
            t = max(0.0, min(1.0, t))
        return c * (1 - t) + d * t

    return scale


def _distance(x, y, cx=0.0, cy=0.0):
    dx, dy = x - cx, y - cy
    return math.sqrt(dx * dx + dy * dy)


def _points(name: str, n: int, noise: float, random) -> list[tuple[float, float, float]]:
    """dataset.ts's generator ``name``: ``n`` points (x, y, label) with ``noise`` in [0, 0.8]."""

    def uniform(a, b):
        return random() * (b - a) + a

    points = []
    if name == "circle":
        radius = 5

        def circle(r_low, r_high):
            for _ in range(math.ceil(n / 2)):  # for (i = 0; i < numSamples / 2; i++)
                r = uniform(r_low, r_high)
                angle = uniform(0, 2 * math.pi)
                x, y = r * math.sin(angle), r * math.cos(angle)
                noise_x, noise_y = uniform(-radius, radius) * noise, uniform(-radius, radius) * noise
                label = 1 if _distance(x + noise_x, y + noise_y) < radius * 0.5 else -1
                points.append((x, y, label))

        circle(0, radius * 0.5)
        circle(radius * 0.7, radius)
    elif name == "xor":
        for _ in range(n):
            x = uniform(-5, 5)
            x += 0.3 if x > 0 else -0.3
            y = uniform(-5, 5)
            y += 0.3 if y > 0 else -0.3
            noise_x, noise_y = uniform(-5, 5) * noise, uniform(-5, 5) * noise
            points.append((x, y, 1 if (x + noise_x) * (y + noise_y) >= 0 else -1))
    elif name == "gauss":
        variance = _linear_scale((0, 0.5), (0.5, 4))(noise)

        def normal(mean):  # normalRandom: the polar method
            while True:
                v1, v2 = 2 * random() - 1, 2 * random() - 1
                s = v1 * v1 + v2 * v2
                if s <= 1:
                    return mean + math.sqrt(variance) * (math.sqrt(-2 * math.log(s) / s) * v1)

        for centre, label in ((2, 1), (-2, -1)):
            for _ in range(math.ceil(n / 2)):
                x = normal(centre)
                points.append((x, normal(centre), label))
    elif name == "spiral":
        half = n / 2
        for delta, label in ((0, 1), (math.pi, -1)):
            for i in range(math.ceil(half)):
                r = i / half * 5
                t = 1.75 * i / half * 2 * math.pi + delta
                x = r * math.sin(t) + uniform(-1, 1) * noise
                points.append((x, r * math.cos(t) + uniform(-1, 1) * noise, label))
    else:  # reg-plane, reg-gauss
        if name == "reg-plane":
            plane = _linear_scale((-10, 10), (-1, 1))

            def label_of(x, y):
                return plane(x + y)
        else:
            closeness = _linear_scale((0, 2), (1, 0), clamp=True)
            bumps = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))

            def label_of(x, y):  # the bump of largest size wins
                label = 0
                for cx, cy, sign in bumps:
                    candidate = sign * closeness(_distance(x, y, cx, cy))
                    if abs(candidate) > abs(label):
                        label = candidate
                return label

        radius = 6
        for _ in range(n):
            x, y = uniform(-radius, radius), uniform(-radius, radius)
            noise_x, noise_y = uniform(-radius, radius) * noise, uniform(-radius, radius) * noise
            points.append((x, y, label_of(x + noise_x, y + noise_y)))
    return points


def _shuffle(items: list, random) -> None:
    """dataset.ts's ``shuffle``: Fisher-Yates from the end."""
    counter = len(items)
    while counter > 0:
        index = math.floor(random() * counter)
        counter -= 1
        items[counter], items[index] = items[index], items[counter]


_FEATURE_VALUES = {"x": lambda x, y: x, "y": lambda x, y: y, "xSquared": lambda x, y: x * x,
                   "ySquared": lambda x, y: y * y, "xTimesY": lambda x, y: x * y,
                   "sinX": lambda x, y: math.sin(x), "sinY": lambda x, y: math.sin(y)}
"""playground.ts's INPUTS[name].f."""


# ---------------------------------------------------------------------------------------------
# nn.ts, one example and one link at a time


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # JavaScript's Math.exp gives Infinity
        return math.inf


_OUTPUT = {"tanh": math.tanh, "relu": lambda x: 0.0 if x <= 0 else x, "sigmoid": lambda x: 1 / (1 + _exp(-x)),
           "linear": lambda x: x}
"""nn.ts's Activations.*.output (Math.max(0, NaN) is NaN: so is this ReLU's)."""


def _derivative(name: str, x: float) -> float:
    if name == "tanh":
        out = math.tanh(x)
        return 1 - out * out
    if name == "relu":
        return 0 if x <= 0 else 1
    if name == "sigmoid":
        out = 1 / (1 + _exp(-x))
        return out * (1 - out)
    return 1


class Network:
    """nn.ts's network: ``weights[l][i][j]`` is the link from node j of layer l to node i of layer l + 1,
    ``biases[l][i]`` node i's bias; drawn from ``random`` in buildNetwork's order (layer by layer,
    node by node, one weight per incoming link; ``initZero`` still draws them, then sets 0)."""

    def __init__(self, shape, activation: str, output_activation: str, regularization: str, random,
                 init_zero: bool = False):
        self.activations = [activation] * (len(shape) - 2) + [output_activation]
        self.regularization = regularization
        self.weights, self.biases = [], []
        for fan_in, width in zip(shape, shape[1:]):
            layer = []
            for _ in range(width):
                drawn = [random() - 0.5 for _ in range(fan_in)]
                layer.append([0.0] * fan_in if init_zero else drawn)
            self.weights.append(layer)
            self.biases.append([0.0 if init_zero else 0.1] * width)
        self.dead = [[[False] * len(node) for node in layer] for layer in self.weights]
        self._acc_weights = [[[0.0] * len(node) for node in layer] for layer in self.weights]
        self._acc_biases = [[0.0] * len(layer) for layer in self.biases]
        self.pending = 0
        """Examples whose gradient waits for the next update. nn.ts counts them per node and per link;
        every count is this one, but for the links L1 killed, which are skipped."""

    def forward(self, inputs) -> tuple[list, list]:
        """The outputs and total inputs of every layer (``forwardProp``: bias, then += weight · source)."""
        outputs, totals = [list(inputs)], []
        for layer, biases, activation in zip(self.weights, self.biases, self.activations):
            previous, function = outputs[-1], _OUTPUT[activation]
            total = []
            for node, bias in zip(layer, biases):
                value = bias
                for weight, source in zip(node, previous):
                    value += weight * source
                total.append(value)
            totals.append(total)
            outputs.append([function(value) for value in total])
        return outputs, totals

    def output(self, inputs) -> float:
        return self.forward(inputs)[0][-1][0]

    def backward(self, inputs, target: float) -> None:
        """``forwardProp`` then ``backProp`` with Errors.SQUARE: the example's gradient is added up."""
        outputs, totals = self.forward(inputs)
        output_ders = [outputs[-1][0] - target]
        for layer in range(len(self.weights) - 1, -1, -1):
            activation = self.activations[layer]
            input_ders = [der * _derivative(activation, total) for der, total in zip(output_ders, totals[layer])]
            biases = self._acc_biases[layer]
            for i, der in enumerate(input_ders):
                biases[i] += der
            sources = outputs[layer]
            for node, dead, accumulated, der in zip(self.weights[layer], self.dead[layer],
                                                    self._acc_weights[layer], input_ders):
                for j, source in enumerate(sources):
                    if not dead[j]:
                        accumulated[j] += der * source
            if layer == 0:
                break
            output_ders = []
            for j in range(len(sources)):
                value = 0.0
                for node, der in zip(self.weights[layer], input_ders):
                    value += node[j] * der
                output_ders.append(value)
        self.pending += 1

    def update(self, learning_rate: float, regularization_rate: float) -> None:
        """``updateWeights``: the mean gradient step, then the regularization step; an L1 step that
        moves a weight across 0 sets it to 0 and kills the link for good."""
        count = self.pending
        for layer in range(len(self.weights)):
            biases, acc_biases = self.biases[layer], self._acc_biases[layer]
            for i, node in enumerate(self.weights[layer]):
                biases[i] -= learning_rate * acc_biases[i] / count
                acc_biases[i] = 0.0
                dead, accumulated = self.dead[layer][i], self._acc_weights[layer][i]
                for j, weight in enumerate(node):
                    if dead[j]:
                        continue
                    if self.regularization == "L1":
                        slope = -1 if weight < 0 else (1 if weight > 0 else 0)
                    elif self.regularization == "L2":
                        slope = weight
                    else:
                        slope = 0
                    weight = weight - (learning_rate / count) * accumulated[j]
                    moved = weight - (learning_rate * regularization_rate) * slope
                    if self.regularization == "L1" and weight * moved < 0:
                        node[j], dead[j] = 0.0, True
                    else:
                        node[j] = moved
                    accumulated[j] = 0.0
        self.pending = 0

    def loss(self, examples) -> float:
        """playground.ts's ``getLoss``: the mean of ½ (output − label)² over ``(inputs, label)`` pairs."""
        total = 0.0
        for inputs, label in examples:
            difference = self.output(inputs) - label
            total += 0.5 * (difference * difference)  # Math.pow(d, 2) is d * d exactly
        return total / len(examples)

    def flat_weights(self) -> tuple[float, ...]:
        return tuple(w for layer in self.weights for node in layer for w in node)

    def flat_biases(self) -> tuple[float, ...]:
        return tuple(b for layer in self.biases for b in layer)

    def dead_links(self) -> int:
        return sum(sum(node) for layer in self.dead for node in layer)


# ---------------------------------------------------------------------------------------------
# The replay


@dataclasses.dataclass(frozen=True)
class Replay:
    """A replayed Playground link.

    Attributes:
        settings: what the link asks for (:class:`Settings`).
        train, test: the points ``(x, y, label)`` in the Playground's order.
        initial_weights, initial_biases: in nn.ts's build order (layer, node, incoming link).
        train_loss, test_loss: index 0 after the network is built (what the page shows on opening),
            index k after epoch k (the Playground's "Epoch" counter).
        dead_links: links killed by L1 after each epoch (index 0: none yet).
    """

    settings: Settings
    train: tuple[tuple[float, float, float], ...]
    test: tuple[tuple[float, float, float], ...]
    initial_weights: tuple[float, ...]
    initial_biases: tuple[float, ...]
    train_loss: tuple[float, ...]
    test_loss: tuple[float, ...]
    dead_links: tuple[int, ...]

    @property
    def epochs(self) -> int:
        return len(self.train_loss) - 1

    def to_dict(self) -> dict:
        """JSON-ready: settings, data summary, network, and the losses per epoch (non-finite as None)."""
        def finite(value):
            return value if math.isfinite(value) else None

        return {"playground_commit": PLAYGROUND_COMMIT, "settings": dataclasses.asdict(self.settings),
                "data": _data_summary(self), "network": _network_summary(self),
                "epochs": [{"epoch": k, "train_loss": finite(a), "test_loss": finite(b), "dead_links": d}
                           for k, (a, b, d) in enumerate(zip(self.train_loss, self.test_loss, self.dead_links))]}

    def describe(self) -> str:
        """The data, the network and the loss table, as ``kit playground`` prints them."""
        s, data, network = self.settings, _data_summary(self), _network_summary(self)
        labels = (f"labels +1/−1: {data['train_positive']}/{len(self.train) - data['train_positive']} train, "
                  f"{data['test_positive']}/{len(self.test) - data['test_positive']} test"
                  if s.problem == "classification" else
                  f"labels in [{data['label_min']:.3f}, {data['label_max']:.3f}]")
        first = ", ".join(f"{v:.6g}" for v in self.train[0])
        killed = s.regularization == "L1"
        hidden = f"{s.activation} hidden" if s.network_shape else "no hidden layer"
        lines = [
            f"data      {s.dataset} ({s.problem}), noise {s.noise:g}, seed {s.seed!r}",
            f"          {len(self.train)} train / {len(self.test)} test points ({s.perc_train_data:g} % of "
            f"{s.n_samples}); {labels}",
            f"          first training point ({first})",
            f"inputs    {', '.join(f'{f} ({KIT_FEATURE_NAMES[f]})' for f in s.features) or 'none'}",
            f"network   {' → '.join(map(str, network['shape']))}; {hidden}, {s.output_activation} output",
            f"          {network['links']} links, initial weights in [{network['weight_min']:.4f}, "
            f"{network['weight_max']:.4f}], biases {network['bias']:g}",
            f"training  learning rate {s.learning_rate:g}, batch size {s.batch_size}, regularization "
            f"{s.regularization}" + (f" (rate {s.regularization_rate:g})" if s.regularization != "none" else ""),
            f"          discretize {'on' if s.discretize else 'off'} (the heat map's display only, not training)",
            "",
            f"{'epoch':>5}  {'train loss':>12}  {'test loss':>12}" + ("  dead links" if killed else ""),
        ]
        for k, (a, b, d) in enumerate(zip(self.train_loss, self.test_loss, self.dead_links)):
            lines.append(f"{k:>5}  {a:>12.6f}  {b:>12.6f}" + (f"  {d:>10}" if killed else ""))
        lines.append("(the Playground shows these losses to 3 decimals; epoch 0 is before training)")
        return "\n".join(lines)


def _data_summary(replay: Replay) -> dict:
    summary = {"train": len(replay.train), "test": len(replay.test), "first_train_point": list(replay.train[0])}
    if replay.settings.problem == "classification":
        summary["train_positive"] = sum(1 for p in replay.train if p[2] > 0)
        summary["test_positive"] = sum(1 for p in replay.test if p[2] > 0)
    else:
        labels = [p[2] for p in replay.train + replay.test]
        summary["label_min"], summary["label_max"] = min(labels), max(labels)
    return summary


def _network_summary(replay: Replay) -> dict:
    weights = replay.initial_weights
    return {"shape": [len(replay.settings.features), *replay.settings.network_shape, 1], "links": len(weights),
            "weight_min": min(weights, default=0.0), "weight_max": max(weights, default=0.0),
            "bias": replay.initial_biases[0]}


@validate_params(owner=OWNER, url=Text("a TensorFlow Playground link (a str)"), epochs=COUNT)
def from_url(url: str, epochs: int = 10) -> Replay:
    """Replay a TensorFlow Playground link: its points, initial weights and ``epochs`` epochs of
    training, as the browser computes them when the link is opened and ▶ is pressed.

    Args:
        url: a Playground link (``https://playground.tensorflow.org/#…&seed=…``), or the part after ``#``.
            It must carry its ``seed``. A parameter the Playground would silently replace (an unknown
            name or value, a number that is not one) is refused in one sentence naming it.
        epochs: how many epochs to train.

    Example:
        >>> replay = from_url("https://playground.tensorflow.org/#dataset=spiral&seed=0.5", epochs=1)
        >>> [round(loss, 3) for loss in replay.test_loss]
        [0.507, 0.505]
    """
    settings = parse_url(url)
    random = SeedRandom(settings.seed).random  # generateData: Math.seedrandom(state.seed)
    points = _points(settings.dataset, settings.n_samples, settings.noise / 100, random)
    _shuffle(points, random)
    train, test = points[: settings.n_train], points[settings.n_train:]
    # reset(): buildNetwork goes on drawing from the same stream
    network = Network([len(settings.features), *settings.network_shape, 1], settings.activation,
                      settings.output_activation, settings.regularization, random, settings.init_zero)
    initial_weights, initial_biases = network.flat_weights(), network.flat_biases()

    def examples(data):
        return [([_FEATURE_VALUES[f](x, y) for f in settings.features], label) for x, y, label in data]

    train_examples, test_examples = examples(train), examples(test)
    train_loss, test_loss = [network.loss(train_examples)], [network.loss(test_examples)]
    dead = [0]
    for _ in range(epochs):  # oneStep
        for i, (inputs, label) in enumerate(train_examples):
            network.backward(inputs, label)
            if (i + 1) % settings.batch_size == 0:
                network.update(settings.learning_rate, settings.regularization_rate)
        train_loss.append(network.loss(train_examples))
        test_loss.append(network.loss(test_examples))
        dead.append(network.dead_links())
    return Replay(settings, tuple(train), tuple(test), initial_weights, initial_biases, tuple(train_loss),
                  tuple(test_loss), tuple(dead))
