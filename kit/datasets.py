"""Data sets: the TensorFlow Playground's six generators, small real data sets that ship with
scikit-learn, and the user's own CSV file.

Everything returns a :class:`Dataset`: a frozen record with read-only arrays, the feature names,
the label convention and how it was made (enough to make it again).

The Playground generators follow tensorflow/playground's ``dataset.ts`` formula by formula
(noise is the slider's 0-50; points are shuffled once and the first share is for training),
with NumPy's seeded generator in place of the browser's random numbers.

Example:
    >>> from kit import datasets
    >>> data = datasets.playground("circle", noise=0, seed=0)
    >>> data.x_train.shape, data.feature_names
    ((250, 2), ('x1', 'x2'))
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from numbers import Integral, Real
from pathlib import Path
from typing import Sequence

import numpy as np

from kit.errors import (FLAG, NAME, PATH, SEED, SPLIT_FRACTION, InstanceOf, Interval, InvalidParameter, ListOf,
                        MissingFile, Options, Text, check, invalid, unknown_name, validate_params)

# ---------------------------------------------------------------------------------------------
# The record


LABEL_CONVENTIONS = ("pm1", "01", "index", "real")
"""``pm1``: binary labels −1/+1 (the Playground's); ``01``: binary 0/1; ``index``: class
numbers 0..k−1; ``real``: regression targets."""


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A train/test split with its provenance. Arrays are read-only.

    Attributes:
        x_train, x_test: float32 features, shape (n, d).
        y_train, y_test: labels, shape (n,): float32 for ``pm1``, ``01`` and ``real``,
            int32 for ``index``.
        feature_names: one name per column of x.
        labels: the label convention (see ``LABEL_CONVENTIONS``).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        name: the data set's name.
        class_names: the classes, in label order (empty for regression).
        provenance: the function and arguments that made it (``make_again(data)`` reruns them).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    labels: str
    task: str
    name: str
    class_names: tuple[str, ...] = ()
    provenance: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        for field in ("x_train", "y_train", "x_test", "y_test"):
            getattr(self, field).setflags(write=False)

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def describe(self) -> str:
        """One line: name, task, sizes and features."""
        return (f"{self.name}: {self.task}, {len(self.x_train)} train / {len(self.x_test)} test, "
                f"features {', '.join(self.feature_names)}, labels {self.labels}")


DATASET = InstanceOf(Dataset, "a kit Dataset (e.g. kit.datasets.playground('spiral'))")


@validate_params(data=DATASET)
def make_again(data: Dataset) -> Dataset:
    """Rebuild a data set from its provenance (the same seed gives the same arrays)."""
    maker = {"playground": playground, "bundled": bundled, "from_csv": from_csv,
             "curve": curve}[data.provenance["function"]]
    return maker(**data.provenance["arguments"])


# ---------------------------------------------------------------------------------------------
# Playground generators: each returns (x, y) as float64 arrays in the order they were made.

PLAYGROUND_CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
PLAYGROUND_REGRESSION = ("reg-plane", "reg-gauss")
PLAYGROUND_DATASETS = PLAYGROUND_CLASSIFICATION + PLAYGROUND_REGRESSION
DEFAULT_SAMPLES = {"classification": 500, "regression": 1200}

FEATURES = {
    "x1": lambda x, y: x,
    "x2": lambda x, y: y,
    "x1_sq": lambda x, y: x * x,
    "x2_sq": lambda x, y: y * y,
    "x1_x2": lambda x, y: x * y,
    "sin_x1": lambda x, y: np.sin(x),
    "sin_x2": lambda x, y: np.sin(y),
}
"""The Playground's seven input features under the kit's canonical names."""
FEATURE_NAMES = tuple(FEATURES)


def _circle(rng, n, noise):
    radius = 5.0
    half = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)])
    angle = rng.uniform(0, 2 * math.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    nx, ny = rng.uniform(-radius, radius, n) * noise, rng.uniform(-radius, radius, n) * noise
    label = np.where(np.hypot(x + nx, y + ny) < radius * 0.5, 1.0, -1.0)
    return np.stack([x, y], 1), label


def _xor(rng, n, noise):
    padding = 0.3
    x, y = rng.uniform(-5, 5, n), rng.uniform(-5, 5, n)
    x = x + np.where(x > 0, padding, -padding)
    y = y + np.where(y > 0, padding, -padding)
    nx, ny = rng.uniform(-5, 5, n) * noise, rng.uniform(-5, 5, n) * noise
    label = np.where((x + nx) * (y + ny) >= 0, 1.0, -1.0)
    return np.stack([x, y], 1), label


def _gauss(rng, n, noise):
    variance = 0.5 + 7.0 * noise  # d3 linear scale [0, 0.5] -> [0.5, 4]
    half = n // 2
    std = math.sqrt(variance)
    positive = rng.normal(2.0, std, (half, 2))
    negative = rng.normal(-2.0, std, (n - half, 2))
    return np.concatenate([positive, negative]), np.concatenate([np.ones(half), -np.ones(n - half)])


def _spiral(rng, n, noise):
    half = n // 2
    points, labels = [], []
    for delta, label, count in ((0.0, 1.0, half), (math.pi, -1.0, n - half)):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * math.pi + delta
        x = r * np.sin(t) + rng.uniform(-1, 1, count) * noise
        y = r * np.cos(t) + rng.uniform(-1, 1, count) * noise
        points.append(np.stack([x, y], 1))
        labels.append(np.full(count, label))
    return np.concatenate(points), np.concatenate(labels)


def _reg_plane(rng, n, noise):
    radius = 6.0
    x, y = rng.uniform(-radius, radius, n), rng.uniform(-radius, radius, n)
    nx, ny = rng.uniform(-radius, radius, n) * noise, rng.uniform(-radius, radius, n) * noise
    return np.stack([x, y], 1), (x + nx + y + ny) / 10.0


_REG_GAUSS_CENTRES = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _reg_gauss(rng, n, noise):
    radius = 6.0
    x, y = rng.uniform(-radius, radius, n), rng.uniform(-radius, radius, n)
    nx, ny = rng.uniform(-radius, radius, n) * noise, rng.uniform(-radius, radius, n) * noise
    px, py = x + nx, y + ny
    label = np.zeros(n)
    for cx, cy, sign in _REG_GAUSS_CENTRES:  # the first centre wins ties, as in the Playground
        value = sign * np.clip(1 - np.hypot(px - cx, py - cy) / 2, 0, 1)
        label = np.where(np.abs(value) > np.abs(label), value, label)
    return np.stack([x, y], 1), label


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
               "reg-plane": _reg_plane, "reg-gauss": _reg_gauss}


N_SAMPLES = Interval(Integral, 4, None, fix="A train/test split needs at least 4 points.")
NOISE = Interval(Real, 0, 50, fix="The Playground's noise slider runs from 0 to 50.")
CURVE_NOISE = Interval(Real, 0, None, closed="left", fix="It is the standard deviation of the targets' noise.")
LABELS = Options("pm1", "01", fix="'pm1' gives −1/+1 labels (a tanh output), '01' gives 0/1 (a sigmoid output).")


def _features(features, owner, known=FEATURE_NAMES) -> tuple:
    """The chosen feature columns: a list of known names without repeats (or one comma-separated
    string); an unknown name is reported with the known ones and the closest."""
    if isinstance(features, str):
        features = [part.strip() for part in features.split(",") if part.strip()]
    check(features, ListOf(Text(), min_length=1, unique=True), "features", owner)
    for feature in features:
        if feature not in known:
            raise unknown_name("feature", feature, known)
    return tuple(features)


def _split(rng, n, train_fraction):
    order = rng.permutation(n)
    n_train = int(math.floor(n * train_fraction))
    if n_train < 1 or n_train >= n:
        raise InvalidParameter(f"A train fraction of {train_fraction} of {n} points leaves an empty train or "
                               "test set; choose a fraction that keeps at least one point in each.")
    return order[:n_train], order[n_train:]


@validate_params(name=NAME, noise=NOISE, seed=SEED, train_fraction=SPLIT_FRACTION, labels=LABELS,
                 n_samples=[N_SAMPLES, None])
def playground(name: str = "circle", noise: float = 0, seed: int = 0, train_fraction: float = 0.5,
               features: Sequence[str] = ("x1", "x2"), labels: str = "pm1",
               n_samples: int | None = None) -> Dataset:
    """One of the Playground's data sets, made as the Playground makes it.

    Args:
        name: ``circle``, ``xor``, ``gauss``, ``spiral`` (classification, 500 points by default)
            or ``reg-plane``, ``reg-gauss`` (regression, 1200 points).
        noise: the Playground's noise slider, 0 to 50 (ν = noise / 100).
        seed: seeds the points, the label noise and the shuffle.
        train_fraction: share of the shuffled points used for training (the Playground's 50 %).
        features: input columns among ``x1, x2, x1_sq, x2_sq, x1_x2, sin_x1, sin_x2`` (or one
            comma-separated string).
        labels: ``"pm1"`` for −1/+1 (the Playground's, for a tanh output) or ``"01"`` for 0/1
            (for a sigmoid output). Ignored for regression.
        n_samples: number of points (default: the Playground's 500 or 1200); at least 4.

    Example:
        >>> data = playground("xor", noise=10, seed=3, features=["x1", "x2", "x1_x2"])
        >>> data.x_train.shape
        (250, 3)
    """
    key = _known_name(name, "Playground data set", PLAYGROUND_DATASETS, lambda text: text.replace("_", "-"))
    seed, train_fraction = int(seed), float(train_fraction)
    features = _features(features, "kit.datasets.playground")
    regression = key in PLAYGROUND_REGRESSION
    if n_samples is None:
        n_samples = DEFAULT_SAMPLES["regression" if regression else "classification"]

    rng = np.random.default_rng(seed)
    points, target = _GENERATORS[key](rng, int(n_samples), float(noise) / 100.0)
    train, test = _split(rng, len(points), train_fraction)
    x = np.stack([FEATURES[f](points[:, 0], points[:, 1]) for f in features], 1).astype(np.float32)
    if regression:
        convention, task, classes = "real", "regression", ()
    else:
        convention, task = labels, "binary"
        classes = ("-1", "+1") if labels == "pm1" else ("0", "1")
        if labels == "01":
            target = (target > 0).astype(np.float64)
    y = target.astype(np.float32)
    arguments = dict(name=key, noise=noise, seed=seed, train_fraction=train_fraction,
                     features=list(features), labels=labels, n_samples=int(n_samples))
    return Dataset(x[train], y[train], x[test], y[test], features, convention, task, key, classes,
                   {"function": "playground", "arguments": arguments})


def _known_name(name: str, kind: str, known, normalise=lambda text: text) -> str:
    """``name`` trimmed, lower-cased and normalised, when it is one of ``known``."""
    key = normalise(name.strip().lower())
    if key not in known:
        raise unknown_name(kind, name, known)
    return key


@validate_params(data=DATASET)
def playground_points(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The raw (x, y) plane coordinates of a Playground data set's train and test points.

    Works whatever features were chosen, by making the same points again with x1, x2.
    """
    if data.provenance.get("function") != "playground":
        raise invalid("data", "kit.datasets.playground_points", "a Playground data set", got=repr(data.name),
                      fix="Only kit.datasets.playground data sets have plane coordinates.")
    arguments = dict(data.provenance["arguments"], features=["x1", "x2"])
    plane = playground(**arguments)
    return plane.x_train, plane.x_test


def feature_map(features: Sequence[str]):
    """A function mapping plane points (n, 2) to the chosen feature columns (n, d), float32.

    Used to draw decision boundaries of networks trained on feature crosses.
    """
    features = _features(features, "kit.datasets.feature_map")

    def apply(points):
        points = np.asarray(points, dtype=np.float64)
        return np.stack([FEATURES[f](points[:, 0], points[:, 1]) for f in features], 1).astype(np.float32)

    return apply


# ---------------------------------------------------------------------------------------------
# Small real data sets bundled with scikit-learn (offline).

BUNDLED = {
    "digits": "8×8 images of handwritten digits, 10 classes, 1797 samples, 64 features",
    "iris": "iris flowers, 3 classes, 150 samples, 4 features",
    "breast_cancer": "Wisconsin breast cancer, 2 classes, 569 samples, 30 features",
    "wine": "wine cultivars, 3 classes, 178 samples, 13 features",
}


@validate_params(name=NAME, seed=SEED, test_fraction=SPLIT_FRACTION, standardize=FLAG,
                 labels=[Options("01", "pm1", "index"), None])
def bundled(name: str, seed: int = 0, test_fraction: float = 0.25, standardize: bool = True,
            labels: str | None = None) -> Dataset:
    """A small real data set that ships inside scikit-learn, split with a stratified seed.

    Args:
        name: ``digits``, ``iris``, ``breast_cancer`` or ``wine``.
        seed: seeds the split.
        test_fraction: share of the samples held out for testing.
        standardize: scale each feature to mean 0 and variance 1 using the training split only
            (constant columns are left centred, not divided by zero).
        labels: ``"index"`` (default for multi-class), or for the binary breast-cancer set
            ``"01"`` (default) or ``"pm1"``.

    Example:
        >>> bundled("iris").n_classes
        3
    """
    key = _known_name(name, "bundled data set", BUNDLED, lambda text: text.replace("-", "_"))
    seed, test_fraction = int(seed), float(test_fraction)

    from sklearn import datasets as sk_datasets
    from sklearn.model_selection import train_test_split

    loaded = getattr(sk_datasets, f"load_{key}")()
    x, y = loaded.data.astype(np.float64), loaded.target.astype(np.int64)
    classes = tuple(str(c) for c in loaded.target_names)
    binary = len(classes) == 2
    allowed = ("01", "pm1") if binary else ("index",)
    labels = check(labels or allowed[0], Options(*allowed), "labels", "kit.datasets.bundled",
                   fix=f"The {key} data set has {'two' if binary else len(classes)} classes.")
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y)
    if standardize:
        x_train, x_test = _standardize(x_train, x_test)
    y_train, y_test = (_encode_binary(v, labels) if binary else v.astype(np.int32) for v in (y_train, y_test))
    names = tuple(str(f).replace(" ", "_") for f in getattr(loaded, "feature_names", [f"f{i}" for i in range(x.shape[1])]))
    arguments = dict(name=key, seed=seed, test_fraction=test_fraction, standardize=standardize, labels=labels)
    return Dataset(x_train.astype(np.float32), y_train, x_test.astype(np.float32), y_test, names, labels,
                   "binary" if binary else "multiclass", key, classes, {"function": "bundled", "arguments": arguments})


def _standardize(x_train, x_test):
    mean = x_train.mean(0)
    std = x_train.std(0)
    std = np.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_test - mean) / std


def _encode_binary(index_labels, labels):
    index_labels = np.asarray(index_labels)
    return (index_labels * 2.0 - 1.0 if labels == "pm1" else index_labels * 1.0).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# The user's own CSV file.

TASKS = ("auto", "binary", "multiclass", "regression")


class CSVError(InvalidParameter):
    """A CSV file the kit cannot use; the message names the file, row and column."""


@validate_params(path=PATH, label=Text(fix="Name the label column as the header row spells it."),
                 test_fraction=SPLIT_FRACTION, seed=SEED, task=Options(*TASKS), labels=[LABELS, None], standardize=FLAG)
def from_csv(path, label: str, features: Sequence[str] | None = None, test_fraction: float = 0.5,
             seed: int = 0, task: str = "auto", labels: str | None = None,
             standardize: bool = False) -> Dataset:
    """Your own data from a CSV file with a header row.

    Args:
        path: the file.
        label: the name of the label column.
        features: the feature columns (default: every other column). All must be numeric.
        test_fraction: share of the rows held out for testing (shuffled with ``seed``).
        seed: seeds the shuffle.
        task: ``auto`` (two distinct labels → binary, text labels or a few integer labels →
            multiclass, otherwise regression), or ``binary``, ``multiclass``, ``regression``.
        labels: for binary tasks ``"pm1"`` (default) or ``"01"``; the smaller (or
            alphabetically first) class becomes −1 / 0.
        standardize: scale features to mean 0, variance 1 using the training rows.

    Raises:
        CSVError: the file is empty, has no header, a missing value or a non-numeric feature
            (the message names row and column), a single class, or too few rows.

    Example:
        >>> data = from_csv("points.csv", label="class")  # doctest: +SKIP
    """
    owner = "kit.datasets.from_csv"
    path = Path(path)
    if not path.exists():
        raise MissingFile(f"CSV file {str(path)!r} does not exist; check the path.")
    if not path.is_file():
        raise CSVError(f"{str(path)!r} is not a file; give the path of a .csv file.")
    test_fraction, seed = float(test_fraction), int(seed)

    header, rows = _read_csv(path)
    if label not in header:
        raise CSVError(f"{path.name}: no column named {label!r}. Columns: {', '.join(header)}.")
    if features is None:
        features = [c for c in header if c != label]
    else:
        features = list(_features(features, owner, known=[c for c in header if c != label]))
    if not features:
        raise CSVError(f"{path.name}: no feature columns besides the label {label!r}.")
    columns = {name: index for index, name in enumerate(header)}
    x = np.empty((len(rows), len(features)), dtype=np.float64)
    for r, row in enumerate(rows):
        for j, feature in enumerate(features):
            cell = row[columns[feature]].strip()
            try:
                x[r, j] = float(cell)
            except ValueError:
                raise CSVError(f"{path.name}, row {r + 2}, column {feature!r}: {cell!r} is not a number; "
                               "feature columns must be numeric (encode text columns as numbers).") from None
            if not math.isfinite(x[r, j]):
                raise CSVError(f"{path.name}, row {r + 2}, column {feature!r}: {cell!r} is not a finite number.")
    raw_labels = [row[columns[label]].strip() for row in rows]
    y, task, convention, classes = _encode_labels(raw_labels, task, labels, path.name, label)
    rng = np.random.default_rng(seed)
    train, test = _split(rng, len(rows), 1 - test_fraction)
    x_train, x_test = x[train], x[test]
    if standardize:
        x_train, x_test = _standardize(x_train, x_test)
    arguments = dict(path=str(path), label=label, features=list(features), test_fraction=test_fraction,
                     seed=seed, task=task, labels=labels, standardize=standardize)
    return Dataset(x_train.astype(np.float32), y[train], x_test.astype(np.float32), y[test], tuple(features),
                   convention, task, path.stem, classes, {"function": "from_csv", "arguments": arguments})


def _read_csv(path: Path):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise CSVError(f"{path.name} is not UTF-8 text (byte {error.start}); save it as UTF-8 CSV.") from None
    except OSError as error:  # e.g. no permission to read it
        raise CSVError(f"{path.name} cannot be read: {error.strerror or error}.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    lines = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            for c, cell in enumerate(row):
                if "\n" in cell or "\r" in cell:  # a quoted value that runs over two lines
                    raise CSVError(f"{path.name}, line {reader.line_num}, field {c + 1}: a quoted value runs over "
                                   "several lines; put each value on one line.")
            lines.append(row)
    except csv.Error as error:  # a field longer than csv.field_size_limit(), a NUL byte …
        raise CSVError(f"{path.name}, line {reader.line_num}: cannot be read as CSV ({error}).") from None
    if not lines:
        raise CSVError(f"{path.name} is empty; it needs a header row and at least 4 data rows.")
    header = [cell.strip() for cell in lines[0]]
    if any(not name for name in header):
        raise CSVError(f"{path.name}: the header row has an empty column name (column {header.index('') + 1}).")
    if len(set(header)) != len(header):
        raise CSVError(f"{path.name}: the header row repeats a column name: {header}.")
    if all(_is_number(name) for name in header):
        raise CSVError(f"{path.name}: the first row {header} looks like data, not a header; add a header row.")
    rows = lines[1:]
    if len(rows) < 4:
        raise CSVError(f"{path.name} has {len(rows)} data rows; at least 4 are needed for a train/test split.")
    for r, row in enumerate(rows):
        if len(row) != len(header):
            raise CSVError(f"{path.name}, row {r + 2}: {len(row)} fields where the header has {len(header)}.")
        for c, cell in enumerate(row):
            if not cell.strip() or cell.strip().lower() in ("na", "nan", "null", "none"):
                raise CSVError(f"{path.name}, row {r + 2}, column {header[c]!r}: missing value; "
                               "fill it in or remove the row.")
    return header, rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _encode_labels(raw, task, labels, filename, column):
    numeric = all(_is_number(value) for value in raw)
    if numeric:
        for r, value in enumerate(raw):
            if not math.isfinite(float(value)):
                raise CSVError(f"{filename}, row {r + 2}, column {column!r}: {value!r} is not a finite number; "
                               "labels must be finite (fix or remove the row).")
    distinct = sorted(set(raw), key=(lambda v: float(v)) if numeric else str)
    if task == "auto":
        if len(distinct) == 2:
            task = "binary"
        elif not numeric or (len(distinct) <= 20 and all(float(v).is_integer() for v in distinct)):
            task = "multiclass"
        else:
            task = "regression"
    if task == "regression":
        if not numeric:
            bad = next(v for v in raw if not _is_number(v))
            raise CSVError(f"{filename}, column {column!r}: {bad!r} is not a number, so it cannot be a "
                           "regression target; use task='multiclass' for text classes.")
        return np.array([float(v) for v in raw], dtype=np.float32), "regression", "real", ()
    if len(distinct) < 2:
        raise CSVError(f"{filename}, column {column!r}: every row has the label {distinct[0]!r}; "
                       "a classifier needs at least two classes.")
    if task == "binary":
        if len(distinct) != 2:
            raise CSVError(f"{filename}, column {column!r}: task 'binary' needs exactly 2 classes, "
                           f"found {len(distinct)}: {distinct[:10]}.")
        convention = labels or "pm1"
        index = np.array([distinct.index(v) for v in raw])
        return _encode_binary(index, convention), "binary", convention, tuple(distinct)
    index = np.array([distinct.index(v) for v in raw], dtype=np.int32)
    return index, "multiclass", "index", tuple(distinct)


# ---------------------------------------------------------------------------------------------
# One-dimensional curves, for universal approximation and custom activations.

CURVES = {
    "sin": (np.sin, (-math.pi, math.pi), "sin(x) on [−π, π]"),
    "parabola": (lambda x: 0.7 * x * x - 0.3, (-2.0, 2.0), "0.7·x² − 0.3 on [−2, 2]"),
    "abs": (np.abs, (-1.0, 1.0), "|x| on [−1, 1]"),
    "cubic": (lambda x: x ** 3 - x, (-1.5, 1.5), "x³ − x on [−1.5, 1.5]"),
}


@validate_params(name=NAME, n_samples=N_SAMPLES, noise=CURVE_NOISE, seed=SEED, train_fraction=SPLIT_FRACTION)
def curve(name: str = "sin", n_samples: int = 400, noise: float = 0.0, seed: int = 0,
          train_fraction: float = 0.5) -> Dataset:
    """Samples of a 1-D function, x uniform on its interval, for regression.

    Args:
        name: ``sin``, ``parabola``, ``abs`` or ``cubic`` (see ``CURVES``).
        n_samples: number of points (at least 4).
        noise: standard deviation of Gaussian noise added to the training targets only.
        seed: seeds x, the noise and the split.
        train_fraction: share of the points used for training.

    Example:
        >>> curve("sin").feature_names
        ('x',)
    """
    name = _known_name(name, "curve", CURVES)
    seed, train_fraction = int(seed), float(train_fraction)
    function, (low, high), _ = CURVES[name]
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, int(n_samples))
    y = function(x)
    train, test = _split(rng, len(x), train_fraction)
    y_train = y[train] + rng.normal(0, noise, len(train)) if noise else y[train]
    arguments = dict(name=name, n_samples=int(n_samples), noise=noise, seed=seed, train_fraction=train_fraction)
    return Dataset(x[train, None].astype(np.float32), y_train.astype(np.float32), x[test, None].astype(np.float32),
                   y[test].astype(np.float32), ("x",), "real", "regression", name, (),
                   {"function": "curve", "arguments": arguments})


# ---------------------------------------------------------------------------------------------
# One entry point by name.


def catalogue() -> list[dict]:
    """Every named data set with its kind and a one-line description."""
    rows = [{"name": n, "source": "playground", "task": "binary", "description": f"Playground {n}, 500 points, labels ±1"}
            for n in PLAYGROUND_CLASSIFICATION]
    rows += [{"name": n, "source": "playground", "task": "regression", "description": f"Playground {n}, 1200 points"}
             for n in PLAYGROUND_REGRESSION]
    rows += [{"name": n, "source": "scikit-learn", "task": "binary" if n == "breast_cancer" else "multiclass",
              "description": d} for n, d in BUNDLED.items()]
    rows += [{"name": n, "source": "curve", "task": "regression", "description": d} for n, (_, _, d) in CURVES.items()]
    return rows


def load(name: str, **options) -> Dataset:
    """A Playground, bundled or curve data set by name (see :func:`playground`, :func:`bundled`
    and :func:`curve`).

    Example:
        >>> load("spiral", noise=5).name
        'spiral'
    """
    key = check(name, NAME, "name", "kit.datasets.load").strip().lower()
    if key.replace("_", "-") in _GENERATORS:
        return playground(key, **options)
    if key.replace("-", "_") in BUNDLED:
        return bundled(key, **options)
    if key in CURVES:
        return curve(key, **options)
    raise unknown_name("data set", name, list(PLAYGROUND_DATASETS) + list(BUNDLED) + list(CURVES))
