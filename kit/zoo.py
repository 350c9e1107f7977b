"""The model zoo's registry: named networks of the course, their data, recipes and expected results.

An entry is an argument dict over one builder (``kit.builders.build_mlp``) plus the data set, the
training recipe, and what it should show. The entries themselves live in the ``models`` package,
one module per theme; importing ``kit.zoo`` registers them all.

Example:
    >>> from kit import zoo
    >>> zoo.names("xor-*")
    ['xor-hidden-linear', 'xor-1-linear', 'xor-2-relu', 'xor-3-relu', 'xor-332-relu', 'xor-small-init', 'xor-large-init']
    >>> result = zoo.train("circle-linear-crosses", seed=0, epochs=20)
    >>> result.metrics["val_accuracy"] >= 0.9  # the feature crosses make circle linearly separable
    True
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import hashlib
import importlib.util
import json
import math
import operator
import statistics

import numpy as np

from kit import intervals
from kit.errors import (COUNT, MODEL, PATH, SEED, Function, InstanceOf, InvalidParameter, KitError, ListOf, Options, Text,
                        check, invalid, unknown_name, validate_params, writing)

OPERATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
RULES = ("median", "share")
SEEDS = tuple(range(16))
"""The seeds every entry trains (``kit zoo bench``): 16, so that a median has a distribution-free 95 %
interval between two of them (ranks 4 and 13, :func:`kit.intervals.median_ranks`) and a share's
Clopper–Pearson interval is at most ±0.26 wide. ``tests/test_zoo.py`` reruns every claim on the
disjoint :data:`CHECK_SEEDS`."""
CHECK_SEEDS = tuple(range(100, 116))


@dataclasses.dataclass(frozen=True)
class Entry:
    """One network of the course.

    Attributes:
        name: the zoo name (lowercase, dashes).
        card: what it shows, in a sentence or two.
        claim: the claim of the course it reproduces (REFERENCE.md's wording, shortened).
        data: arguments of ``kit.datasets.load`` (``name`` and options; the data seed is fixed
            unless the entry says otherwise, so seeds vary the initialisation and shuffles only).
        model: arguments of ``kit.builders.build_mlp`` other than ``n_inputs`` and ``seed``.
        recipe: ``optimizer``, ``learning_rate``, ``epochs``, ``batch_size``.
        expected: ``{metric: (operator, value)}``: the result it should reach, judged by ``rule``
            over its seeds. Metrics: ``loss``, ``val_loss``, ``accuracy``, ``val_accuracy`` (final
            epoch, test = "val") and the measures named in ``measures``.
        measures: extra figures computed by :data:`MEASURES` (those starting ``init_`` before
            training, the others after).
        seeds: the seeds ``kit zoo bench`` trains (:data:`SEEDS`).
        rule: ``median`` (the median over seeds meets the expectation; shown with its 95 %
            order-statistic interval) or ``share`` (the share of seeds that meet it satisfies
            ``share``; shown with its Clopper–Pearson interval).
        share: for ``rule="share"``, ``(operator, value)`` on the share of seeds meeting each
            expectation, e.g. ``(">=", 0.5)``: "at least half the runs reach the target".
        settings: how the recipe departs from the Playground's own settings (SGD, its learning
            rates, batch 10) and why; "" for a recipe the Playground can run as it is.
        quick: part of the fast subset that the tests train.
        stacked: ``kit zoo bench`` and ``kit demo`` train the seeds together
            (:func:`train_seeds`); False trains them one by one with :func:`train`, for recipes
            that amplify float rounding into other runs (the stacked layers add in another order).
    """

    name: str
    card: str
    claim: str
    data: dict
    model: dict
    recipe: dict
    expected: dict = dataclasses.field(default_factory=dict)
    measures: tuple = ()
    seeds: tuple = SEEDS
    rule: str = "median"
    share: tuple | None = None
    settings: str = ""
    quick: bool = False
    stacked: bool = True

    def fingerprint(self) -> str:
        """A short hash of everything that decides the entry's results (to spot stale tables):
        its data, model, recipe, expectation, measures, seeds and rule, and :func:`code_fingerprint`
        (the source of the kit code that makes, trains and measures it)."""
        fields = dataclasses.asdict(self)
        for key in ("card", "claim", "quick", "settings"):
            fields.pop(key)
        fields["code"] = code_fingerprint()
        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:12]

    def describe_model(self) -> str:
        hidden = self.model.get("hidden", [])
        activation = self.model.get("activation", "tanh")
        if isinstance(activation, (list, tuple)):
            activation = "/".join(activation)
        return f"{hidden} {activation if hidden else ''} → {self.model.get('head', 'playground')}".replace("  ", " ")

    def describe_data(self) -> str:
        options = {k: v for k, v in self.data.items() if k != "name"}
        features = options.pop("features", None)
        text = self.data["name"] + (f" ({', '.join(features)})" if features else "")
        return text + (f" noise {options['noise']}" if options.get("noise") else "")


_REGISTRY: dict[str, Entry] = {}

PLAYGROUND_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""The learning rates the Playground's menu offers (its ``index.html``)."""
PLAYGROUND_DATA = ("circle", "xor", "gauss", "spiral")
PLAYGROUND_FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2")
PLAYGROUND_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def playground_departures(entry: Entry) -> list[str]:
    """How an entry's network or recipe departs from what the Playground can show and run ([] when it
    can): its data sets, 7 features, at most 6 hidden layers of at most 8 units, 4 activations, its
    initialisation (U(−0.5, 0.5), biases 0.1), its tanh output with ½·MSE, SGD at a rate of its
    menu (:data:`PLAYGROUND_RATES`), batches of 1-30. An entry that departs says why in its
    ``settings`` (``register`` refuses one that does not)."""
    model, recipe, data = entry.model, entry.recipe, entry.data
    hidden = list(model.get("hidden", []))
    activation = model.get("activation", "tanh")
    activations = list(activation) if isinstance(activation, (list, tuple)) else [activation]
    departures = []
    if data.get("name") not in PLAYGROUND_DATA or not set(data.get("features", ["x1", "x2"])) <= set(PLAYGROUND_FEATURES):
        departures.append(f"data {entry.describe_data()}")
    if len(hidden) > 6 or any(width > 8 for width in hidden):
        departures.append(f"hidden {hidden}")
    if hidden and not set(activations) <= set(PLAYGROUND_ACTIVATIONS):
        departures.append(f"activation {'/'.join(activations)}")
    if model.get("initializer", "playground") != "playground":
        departures.append(f"{model['initializer']} initialisation")
    if model.get("head", "playground") != "playground":
        departures.append(f"{model['head']} head")
    if str(recipe.get("optimizer", "sgd")).lower() != "sgd":
        departures.append(str(recipe["optimizer"]).capitalize())
    if not any(math.isclose(recipe.get("learning_rate", 0.03), rate) for rate in PLAYGROUND_RATES):
        departures.append(f"rate {recipe['learning_rate']}")
    if not 1 <= recipe.get("batch_size", 10) <= 30:
        departures.append(f"batch {recipe['batch_size']}")
    return departures

CODE_MODULES = ("kit.datasets", "kit.builders", "kit.heads", "kit.activations", "kit.training", "kit.diagnostics",
                "kit.zoo", "kit.intervals", "kit.grading.authoring.baselines")
"""The modules whose source decides the zoo's numbers: the data, the models (builders, heads,
activations), the trainer (every module of the package), and the measures (diagnostics, the
baselines the linear entries are measured against, the intervals, and this module, which trains and
measures an entry). A change to any of them, even a comment, marks every entry's results stale:
a false alarm costs one ``kit zoo bench``; a missed change would leave a table the code no
longer reproduces. Validation (``kit.errors``), plots and the CLI do not change the numbers."""


def _module_source(module: str) -> bytes:
    """The source of a module (of every module of a package), read from the files without
    importing them, so that ``kit zoo bench --check`` stays fast."""
    from pathlib import Path

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        raise InvalidParameter(f"kit.zoo.CODE_MODULES names {module!r}, which cannot be found; fix the list.")
    if spec.submodule_search_locations:
        files = sorted(path for folder in spec.submodule_search_locations for path in Path(folder).glob("*.py"))
    else:
        files = [Path(spec.origin)]
    return b"".join(path.name.encode() + b"\0" + path.read_bytes() for path in files)


LIBRARIES = ("numpy", "tensorflow", "keras")
"""The libraries whose versions decide the numbers too (float kernels, initialisers, optimizers):
their installed versions are part of :func:`code_fingerprint`, read from the package metadata
(nothing imported)."""


def library_versions() -> dict[str, str]:
    """``{library: installed version}`` for :data:`LIBRARIES` ("absent" when one is not installed)."""
    from importlib import metadata

    versions = {}
    for library in LIBRARIES:
        try:
            versions[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            versions[library] = "absent"
    return versions


@functools.lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """A short hash of the source of :data:`CODE_MODULES` and of the :data:`LIBRARIES`' versions
    (part of every entry's fingerprint).

    Example:
        >>> len(code_fingerprint())
        12
    """
    digest = hashlib.sha256()
    for module in CODE_MODULES:
        digest.update(module.encode() + b"\0" + _module_source(module) + b"\0")
    digest.update(json.dumps(library_versions(), sort_keys=True).encode())
    return digest.hexdigest()[:12]


@validate_params(entry=InstanceOf(Entry, "a kit.zoo.Entry"))
def register(entry: Entry) -> Entry:
    """Add an entry to the zoo (names are unique; the entry is validated first)."""
    if entry.name in _REGISTRY:
        raise InvalidParameter(f"The zoo already has an entry named {entry.name!r}; pick another name.")
    for metric, condition in entry.expected.items():
        if not (isinstance(condition, tuple) and len(condition) == 2 and condition[0] in OPERATORS):
            raise invalid("expected", f"zoo entry {entry.name!r}",
                          f"a dict of metric → (operator, value) with operators {list(OPERATORS)}", {metric: condition})
    check(entry.rule, Options(*RULES), "rule", f"zoo entry {entry.name!r}")
    if (entry.rule == "share") != (entry.share is not None) or (entry.share is not None and not (
            isinstance(entry.share, tuple) and len(entry.share) == 2 and entry.share[0] in OPERATORS
            and 0 <= entry.share[1] <= 1)):
        raise invalid("share", f"zoo entry {entry.name!r}",
                      "(operator, share in [0, 1]) with rule='share', and None with rule='median'", entry.share)
    if playground_departures(entry) and not entry.settings:
        raise invalid("settings", f"zoo entry {entry.name!r}",
                      f"a sentence saying why it departs from the Playground ({', '.join(playground_departures(entry))})",
                      entry.settings)
    if len(entry.seeds) < 16:
        raise invalid("seeds", f"zoo entry {entry.name!r}", "at least 16 seeds (a claim over seeds needs its interval)",
                      entry.seeds)
    unknown = [m for m in entry.measures if m not in MEASURES]
    if unknown:
        raise unknown_name("measure", unknown[0], MEASURES)
    _REGISTRY[entry.name] = entry
    return entry


def _load_models() -> None:
    import models  # noqa: F401  (its modules register their entries on import)


PATTERN = Text("a name or shell pattern such as 'xor-*'")
ENTRY_NAME = Text("a zoo entry name (kit zoo list shows them)")


@validate_params(pattern=PATTERN)
def names(pattern: str = "*") -> list[str]:
    """Entry names matching a shell pattern (``xor-*``), in registration order."""
    _load_models()
    return [name for name in _REGISTRY if fnmatch.fnmatch(name, pattern)]


@validate_params(name=ENTRY_NAME)
def get(name: str) -> Entry:
    """The entry called ``name``; an unknown name lists the closest ones."""
    _load_models()
    if name not in _REGISTRY:
        raise unknown_name("zoo entry", name, _REGISTRY)
    return _REGISTRY[name]


@validate_params(pattern=PATTERN)
def entries(pattern: str = "*") -> list[Entry]:
    return [_REGISTRY[name] for name in names(pattern)]


@validate_params(name=ENTRY_NAME)
def dataset(name: str):
    """The entry's data set (always the same: its data seed is part of the entry)."""
    from kit import datasets

    entry = get(name)
    options = dict(entry.data)
    return datasets.load(options.pop("name"), **options)


@validate_params(name=ENTRY_NAME, seed=SEED)
def create(name: str, seed: int = 0, **overrides):
    """The entry's untrained Keras model; ``overrides`` replace builder arguments.

    Example:
        >>> create("xor-3-relu", seed=1, hidden=[4]).get_layer("hidden_1").units
        4
    """
    from kit.builders import build_mlp

    entry = get(name)
    arguments = {**entry.model, **overrides}
    return build_mlp(dataset(name).n_features, seed=seed, name=entry.name.replace("-", "_"), **arguments)


@dataclasses.dataclass
class Result:
    """One trained run of an entry."""

    entry: Entry
    seed: int
    model: object
    data: object
    history: dict
    metrics: dict
    seconds: float


@validate_params(name=ENTRY_NAME, seed=SEED)
def train(name: str, seed: int = 0, callbacks=None, verbose=0, **recipe_overrides) -> Result:
    """Train an entry with its recipe (the kit's fast trainer) and compute its metrics."""
    import time

    import keras

    from kit.training import train as fit

    entry = get(name)
    data = dataset(name)
    keras.utils.set_random_seed(seed)
    model = create(name, seed=seed)
    metrics = {m: MEASURES[m](model, data) for m in entry.measures if m.startswith("init_")}
    recipe = {**entry.recipe, **recipe_overrides}
    started = time.perf_counter()
    history = fit(model, data, seed=seed, callbacks=callbacks, verbose=verbose, **recipe)
    return _result(entry, seed, model, data, history.history, metrics, time.perf_counter() - started)


STACKED_RECIPE = frozenset({"optimizer", "learning_rate", "batch_size", "epochs", "l1", "l2", "shuffle", "stop_when"})
"""Recipe keys ``kit.training.train_many`` takes (others, e.g. the Playground's ``regularization``,
train each seed with ``train``)."""


@validate_params(name=ENTRY_NAME, seeds=[ListOf(SEED, min_length=1), None],
                 callbacks=[InstanceOf(dict, "a dict of seed → list of Keras callbacks"), None])
def train_seeds(name: str, seeds=None, callbacks=None, **recipe_overrides) -> list[Result]:
    """Train an entry on several seeds (default: its own) with its recipe; one :class:`Result` each.

    The seeds train together, as one ``kit.training.train_many`` call, when the entry's network
    can be stacked (``kit.training.many.stackable``) and its recipe uses only what ``train_many``
    takes and its ``stacked`` is True; otherwise one :func:`train` per seed. Each seed's network starts from the same weights
    and sees the data in the same order as ``train(name, seed)``, and takes the same updates up to
    float rounding (the stacked layers add their products in another order; see
    ``kit.training.many``). Most recipes keep that difference in the last digits; one that
    amplifies it (Adam at rate 0.1 on the dying-ReLU network turns a 1e-7 gradient difference into
    a different run within a few epochs) gives another, equally valid run of that seed: such
    entries say ``stacked=False``. A result's ``seconds`` is its share of the call.

    Args:
        name: the entry.
        seeds: the seeds to train (default: the entry's ``seeds``).
        callbacks: ``{seed: [Keras callbacks]}`` for the seeds that want them (e.g. the kit's
            ``Diagnostics`` on the first seed).
        recipe_overrides: replace recipe items, as in :func:`train` (e.g. ``epochs=20``).

    Example:
        >>> [result.seed for result in train_seeds("xor-3-relu", seeds=[0, 1])]
        [0, 1]
    """
    entry = get(name)
    seeds = list(entry.seeds if seeds is None else seeds)
    callbacks = callbacks or {}
    unknown = [seed for seed in callbacks if seed not in seeds]
    if unknown:
        raise invalid("callbacks", "kit.zoo.train_seeds", f"a dict keyed by seeds among {seeds}",
                      got=f"seed {unknown[0]}")
    recipe = {**entry.recipe, **recipe_overrides}

    def one_by_one():
        return [train(name, seed=seed, callbacks=callbacks.get(seed), **recipe_overrides) for seed in seeds]

    if not _stacks(entry, recipe):
        return one_by_one()
    results = _train_stacked([(name, seed) for seed in seeds], [recipe] * len(seeds),
                             lambda job: callbacks.get(job[1]))
    return one_by_one() if results is None else results


def _stacks(entry, recipe) -> bool:
    """Whether ``entry`` trains its seeds in one ``train_many`` call with ``recipe`` (its ``stacked``,
    and a recipe of what ``train_many`` takes)."""
    from kit.training import many

    return bool(entry.stacked) and set(recipe) <= STACKED_RECIPE and str(
        recipe.get("optimizer", "sgd")).lower() in many.OPTIMIZERS


def _train_stacked(jobs, recipes, callbacks) -> list | None:
    """One ``train_many`` call for ``jobs`` ((entry name, seed) pairs) with their ``recipes`` (alike
    but for ``PER_MODEL_RECIPE``) and ``callbacks((name, seed))``'s lists of Keras callbacks: a
    :class:`Result` per job, in order, or None when a network cannot be stacked."""
    import time

    from kit.training import many

    data = {name: dataset(name) for name, _ in jobs}
    # No global seed is set here (``train`` sets it, for what draws from it): ``create`` seeds every
    # initialiser itself, and setting it clears TensorFlow's caches, so each network's build and
    # each measure's program were made again (16 networks of 2-3-3-2-1: 1.4 s instead of 0.5 s).
    models = [create(name, seed=seed) for name, seed in jobs]
    if not all(many.stackable(model) for model in models):
        return None
    # Measured once every network is built: setting the global seed clears TensorFlow's function
    # caches, and a measure's program would be instantiated again for each seed (~70 ms each).
    metrics = [{m: MEASURES[m](model, data[name]) for m in get(name).measures if m.startswith("init_")}
               for (name, _), model in zip(jobs, models)]
    shared = {key: value for key, value in recipes[0].items() if key not in PER_MODEL_RECIPE}
    per_model = {key: [recipe[key] for recipe in recipes] for key in recipes[0] if key in PER_MODEL_RECIPE}
    started = time.perf_counter()
    histories = many.train_many(models, [data[name] for name, _ in jobs], seeds=[seed for _, seed in jobs],
                                callbacks=[callbacks(job) for job in jobs], verbose=0, **shared, **per_model)
    seconds = (time.perf_counter() - started) / len(jobs)
    results = []
    for (name, seed), model, history, values in zip(jobs, models, histories, metrics):
        if history.diverged is not None:
            raise history.diverged  # what train(name, seed) raises
        results.append(_result(get(name), seed, model, data[name], history.history, values, seconds))
    return results


PER_MODEL_RECIPE = frozenset({"learning_rate", "l1", "l2", "stop_when"})
"""Recipe keys ``train_many`` takes per model: entries that differ only in these (and in activation or
initialisation) can share a call (:func:`train_entries`)."""


def _sharing_key(entry):
    """What entries must have alike to train in one ``train_many`` call, or None when the entry trains
    alone (:func:`train_seeds`'s rule: not stacked, or a recipe ``train_many`` does not take)."""
    recipe = entry.recipe
    if not _stacks(entry, recipe):
        return None
    data = dataset(entry.name)
    network = {key: value for key, value in entry.model.items() if key not in ("activation", "initializer")}
    # The per-model keys each recipe gives, too: a missing one would need train_many's default.
    return (repr(sorted((key, value) for key, value in recipe.items() if key not in PER_MODEL_RECIPE)),
            tuple(sorted(set(recipe) & PER_MODEL_RECIPE)), repr(sorted(network.items())), data.n_features,
            len(data.x_train), len(data.x_test), str(data.labels), tuple(np.shape(data.y_train)[1:]))


@validate_params(name=ENTRY_NAME)
def alike(name: str) -> list[str]:
    """The zoo's entries that :func:`train_entries` trains in one call with ``name`` (itself
    included, in the zoo's order): ``[name]`` for an entry that trains alone.

    Example:
        >>> alike("deep-sigmoid")
        ['deep-sigmoid', 'deep-relu']
    """
    key = _sharing_key(get(name))
    return [name] if key is None else [other for other in names() if _sharing_key(get(other)) == key]


@validate_params(names=ListOf(ENTRY_NAME, min_length=1),
                 callbacks=[InstanceOf(dict, "a dict of entry name → {seed: list of Keras callbacks}"), None],
                 seeds=[ListOf(SEED, min_length=1), None])
def train_entries(names, callbacks=None, seeds=None) -> dict[str, list[Result]]:
    """``{name: train_seeds(name, seeds, callbacks=callbacks.get(name))}``, with fewer compilations:
    entries whose networks and recipes differ only in the hidden activation, the initialisation, the
    learning rate or the penalties (``PER_MODEL_RECIPE``; :func:`alike`) train all their seeds in one
    ``train_many`` call. The numbers are :func:`train_seeds`'s, bit for bit: ``train_many`` gives
    each model the same numbers whichever models share its call. ``seeds``: the seeds of every
    entry (default: each entry's own).

    Example:
        >>> runs = train_entries(["deep-sigmoid", "deep-relu"])  # doctest: +SKIP
        >>> sorted(runs), len(runs["deep-relu"])  # doctest: +SKIP
        (['deep-relu', 'deep-sigmoid'], 16)
    """
    callbacks = callbacks or {}
    unknown = [name for name in callbacks if name not in names]
    if unknown:
        raise invalid("callbacks", "kit.zoo.train_entries", f"a dict keyed by entry names among {list(names)}",
                      got=repr(unknown[0]))
    groups: dict = {}
    for name in dict.fromkeys(names):
        key = _sharing_key(get(name))
        groups.setdefault(name if key is None else key, []).append(name)
    results = {}
    for group in groups.values():
        jobs = [(name, seed) for name in group for seed in (get(name).seeds if seeds is None else seeds)]
        trained = None if len(group) == 1 else _train_stacked(
            jobs, [get(name).recipe for name, _ in jobs], lambda job: callbacks.get(job[0], {}).get(job[1]))
        if trained is None:
            results.update({name: train_seeds(name, seeds, callbacks=callbacks.get(name)) for name in group})
            continue
        for (name, _), result in zip(jobs, trained):
            results.setdefault(name, []).append(result)
    return {name: results[name] for name in names}


def _result(entry, seed, model, data, logs, metrics, seconds) -> Result:
    """A :class:`Result` from a trained model, its history and the metrics measured before training."""
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        if key in logs:
            metrics[key] = float(logs[key][-1])
    metrics["epochs"] = len(logs["loss"])
    metrics.update({m: MEASURES[m](model, data) for m in entry.measures if not m.startswith("init_")})
    return Result(entry, seed, model, data, logs, metrics, seconds)


def _evaluate(model, x, y) -> tuple[float, float | None]:
    """The head's loss and accuracy (None for regression) of ``model`` on (x, y), as the trainer
    computes them at the end of an epoch."""
    from kit import heads

    head = heads.head_of(model)
    labels = head.label_array(y)
    prediction = model(x, training=False)
    hits = head.hits(labels, prediction)
    return float(head.loss()(labels, prediction)), None if hits is None else float(np.mean(np.asarray(hits)))


@validate_params(name=ENTRY_NAME, seed=SEED)
def untrained(name: str, seed: int = 0) -> Result:
    """An entry's network as initialised, with the metrics :func:`train` reports (no training).

    What a claim measured on trained networks must not hold for: ``tests/test_demo.py`` feeds
    these to :func:`kit.demo.claims`. Cheap: one forward pass per split, no compiled trainer.

    Example:
        >>> untrained("xor-3-relu", seed=0).metrics["val_loss"] > 0.177
        True
    """
    import keras

    entry = get(name)
    data = dataset(name)
    keras.utils.set_random_seed(seed)
    model = create(name, seed=seed)
    metrics = {}
    for prefix, x, y in (("", data.x_train, data.y_train), ("val_", data.x_test, data.y_test)):
        loss, accuracy = _evaluate(model, x, y)
        metrics[prefix + "loss"] = loss
        if accuracy is not None:
            metrics[prefix + "accuracy"] = accuracy
    metrics["epochs"] = 0
    metrics.update({m: MEASURES[m](model, data) for m in entry.measures})
    return Result(entry, seed, model, data, {}, metrics, 0.0)


# ---------------------------------------------------------------------------------------------
# Measures beyond the loss and accuracy.


def _max_abs_error(model, data) -> float:
    """Largest |f(x) − model(x)| on a 2,001-point grid over the curve's whole interval."""
    from kit import datasets

    function, (low, high), _ = datasets.CURVES[data.name]
    grid = np.linspace(low, high, 2001)
    prediction = np.asarray(model(grid[:, None].astype(np.float32), training=False))[:, 0]
    return float(np.max(np.abs(prediction - function(grid))))


@validate_params(model=MODEL)
def inactive_fraction(model, x) -> dict[str, float]:
    """Per hidden layer, the share of *inactive* units: pre-activation ≤ 0 on every row of ``x``.

    Not the same as dead (:func:`kit.diagnostics.dead_fraction`: activation exactly 0 on every
    row, so zero gradient forever). For ReLU the two agree; a leaky ReLU or ELU unit can be
    inactive, on its negative branch for every input, yet keeps a gradient (slope 0.01, eˣ) and
    can come back. Measuring it for every activation shows how far a high learning rate pushes
    units negative whatever the activation does with them.
    """
    from kit import diagnostics

    outputs = diagnostics.layer_outputs(model, x)
    hidden = list(outputs)[:-1]
    return {name: float(np.mean(np.all(outputs[name]["pre_activation"] <= 0, axis=0))) for name in hidden}


def _share_of_units(model, fractions: dict) -> float:
    """Per-layer shares → share of all hidden units (layers missing from ``fractions`` count 0)."""
    from kit.builders import dense_layers

    hidden = dense_layers(model)[:-1]
    total = sum(layer.units for layer in hidden)
    return float(sum(fractions.get(layer.name, 0.0) * layer.units for layer in hidden) / total) if total else 0.0


def _dead_share(model, data) -> float:
    """Share of all hidden units that are dead on the training set, by the one definition of
    :func:`kit.diagnostics.dead_fraction` (activation exactly 0 on every row); units of layers
    whose activation cannot die (leaky ReLU, ELU, tanh …) count as alive."""
    from kit import diagnostics

    return _share_of_units(model, diagnostics.dead_fraction(model, data.x_train))


def _inactive_share(model, data) -> float:
    """Share of all hidden units that are inactive (pre-activation ≤ 0) on every training example."""
    return _share_of_units(model, inactive_fraction(model, data.x_train))


def _gradient_ratio(model, data) -> float:
    """First hidden layer's kernel-gradient norm over the output layer's, on the training set."""
    from kit import diagnostics

    norms = list(diagnostics.gradient_norms(model, data.x_train, data.y_train).values())
    return float(norms[0] / norms[-1]) if norms[-1] > 0 else math.inf


def _collapse_error(model, data) -> float:
    """Largest |x·W + b − model(x)| on the test set, for the single affine map the network equals."""
    from kit import diagnostics

    kernel, bias = diagnostics.collapse_linear(model)
    # The output unit's own activation (tanh for the Playground head) is applied to the one affine map.
    affine = np.asarray(model.layers[-1].activation(data.x_test.astype(np.float64) @ kernel + bias))
    return float(np.max(np.abs(affine - np.asarray(model(data.x_test, training=False), dtype=np.float64))))


_LINE_LOSSES: dict[str, float] = {}


def _best_line_loss(data) -> float:
    """:func:`kit.grading.authoring.baselines.best_line_loss` of a data set's training split, once per data set."""
    from kit.grading.authoring.baselines import best_line_loss

    key = hashlib.sha256(np.ascontiguousarray(data.x_train).tobytes() + b"\0" +
                         np.ascontiguousarray(data.y_train).tobytes()).hexdigest()
    if key not in _LINE_LOSSES:
        _LINE_LOSSES[key] = best_line_loss(data.x_train, data.y_train)
    return _LINE_LOSSES[key]


def _line_loss_gap(model, data) -> float:
    """The trained model's Playground loss on the training set minus the lowest any straight line
    reaches there (:func:`kit.grading.authoring.baselines.best_line_loss`, float64): about 0 when a
    linear model learned all a line can; an under-trained one stays well above."""
    from kit import heads

    if heads.head_of(model).name != "playground":
        raise InvalidParameter("line_loss_gap compares Playground losses: it needs the 'playground' head.")
    return _evaluate(model, data.x_train, data.y_train)[0] - _best_line_loss(data)


MEASURES = {
    "max_abs_error": _max_abs_error,
    "line_loss_gap": _line_loss_gap,
    "dead_share": _dead_share,
    "init_dead_share": _dead_share,
    "inactive_share": _inactive_share,
    "init_gradient_ratio": _gradient_ratio,
    "gradient_ratio": _gradient_ratio,
    "collapse_error": _collapse_error,
}


# ---------------------------------------------------------------------------------------------
# Several seeds, summaries, and the results table.


@validate_params(entry=InstanceOf(Entry, "a kit.zoo.Entry"),
                 results=ListOf(InstanceOf(Result, "a kit.zoo.Result"), min_length=1))
def summarise(entry: Entry, results: list[Result]) -> dict:
    """Per metric: the values by seed, median, mean, spread; and whether the expectation holds."""
    row = {"name": entry.name, "seeds": [r.seed for r in results], "fingerprint": entry.fingerprint(),
           "code": code_fingerprint(),
           "seconds": round(sum(r.seconds for r in results), 2), "metrics": {}}
    keys = [k for k in results[0].metrics if k != "epochs"]
    for key in keys:
        values = [float(r.metrics[key]) for r in results]
        low, high = intervals.median_interval(values)
        row["metrics"][key] = {"values": [float(f"{v:.6g}") for v in values], "median": statistics.median(values),
                               "median_low": low, "median_high": high,
                               "mean": statistics.fmean(values), "min": min(values), "max": max(values)}
    verdicts = {}
    for metric, (op, target) in entry.expected.items():
        stats = row["metrics"][metric]
        meets = [OPERATORS[op](v, target) for v in stats["values"]]
        count = sum(meets)
        stats["seeds_meeting"] = f"{count}/{len(meets)}"
        stats["share"] = count / len(meets)
        stats["share_low"], stats["share_high"] = intervals.clopper_pearson(count, len(meets))
        if entry.rule == "share":
            holds = OPERATORS[entry.share[0]](stats["share"], entry.share[1])
        else:
            holds = OPERATORS[op](stats["median"], target)
        verdicts[metric] = holds
    row["holds"] = all(verdicts.values()) if verdicts else None
    row["verdicts"] = verdicts
    return row


@validate_params(pattern=PATTERN, echo=[Function("a function printing a line, e.g. print"), None])
def bench(pattern: str = "*", echo=None) -> list[dict]:
    """Train every matching entry on each of its seeds (together, :func:`train_seeds`); one summary
    row per entry."""
    rows = []
    selected = entries(pattern)
    for index, entry in enumerate(selected, start=1):
        results = train_seeds(entry.name)
        rows.append(summarise(entry, results))
        if echo:
            verdict = {True: "holds", False: "DOES NOT HOLD", None: "(no expectation)"}[rows[-1]["holds"]]
            echo(f"[{index}/{len(selected)}] {entry.name:<22} {len(entry.seeds)} seeds  {rows[-1]['seconds']:6.1f} s  {verdict}")
    return rows


# ---------------------------------------------------------------------------------------------
# models/RESULTS.csv and models/RESULTS.md: generated, never hand-edited.

RESULT_METRICS = ("val_loss", "val_accuracy", "line_loss_gap", "max_abs_error", "init_dead_share", "dead_share", "inactive_share",
                  "init_gradient_ratio", "collapse_error")


def _format(value: float) -> str:
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.3f}"
    return f"{value:.2e}"


def median_text(stats: dict) -> str:
    """A metric's median over seeds with its 95 % interval, as the results table and ``kit demo``'s
    claims show it (one format, so the two quote the same numbers).

    Args:
        stats: one metric of a :func:`summarise` row (``row["metrics"][name]``): its ``median``,
            ``median_low`` and ``median_high``.

    Example:
        >>> median_text({"median": 0.524, "median_low": 0.476, "median_high": 0.808})
        '0.524 [0.476, 0.808]'
    """
    keys = ("median", "median_low", "median_high")
    if not isinstance(stats, dict) or not all(isinstance(stats.get(k), (int, float)) for k in keys):
        raise invalid("stats", "kit.zoo.median_text", "one metric of a kit.zoo.summarise row, a dict with numbers "
                      "under 'median', 'median_low' and 'median_high'", stats)
    return f"{_format(stats['median'])} [{_format(stats['median_low'])}, {_format(stats['median_high'])}]"


def results_csv(rows: list[dict]) -> str:
    """One line per (entry, metric): values by seed, median, min, max, expectation, verdict."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["entry", "fingerprint", "code", "metric", "seeds", "values", "median", "median_low", "median_high",
                     "min", "max", "expected", "rule", "seeds_meeting", "share_low", "share_high", "holds"])
    for row in rows:
        entry = get(row["name"])
        for metric, stats in row["metrics"].items():
            expected = entry.expected.get(metric)
            writer.writerow([row["name"], row["fingerprint"], row.get("code", ""), metric, " ".join(map(str, row["seeds"])),
                             " ".join(f"{v:.6g}" for v in stats["values"]), f"{stats['median']:.6g}",
                             f"{stats['median_low']:.6g}", f"{stats['median_high']:.6g}",
                             f"{stats['min']:.6g}", f"{stats['max']:.6g}",
                             f"{expected[0]} {expected[1]}" if expected else "", _rule_text(entry) if expected else "",
                             stats.get("seeds_meeting", ""),
                             f"{stats['share_low']:.4f}" if expected else "", f"{stats['share_high']:.4f}" if expected else "",
                             row["verdicts"].get(metric, "")])
    return buffer.getvalue()


def _rule_text(entry: Entry) -> str:
    return "median" if entry.rule == "median" else f"share {entry.share[0]} {entry.share[1]:g}"


def _seeds_text(seeds) -> str:
    """0-15 for a run of consecutive seeds, else the list."""
    seeds = list(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{len(seeds)}: {seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _playground_text(entry: Entry) -> str:
    departures = playground_departures(entry)
    if not departures:
        return "Playground settings"
    return f"departs ({', '.join(departures)}): {entry.settings}"


def results_markdown(rows: list[dict]) -> str:
    """The zoo's results table (medians with their 95 % intervals; shares with theirs), for people to read."""
    lines = ["# Model zoo results", "",
             "Generated by `kit zoo bench` from the registry in `models/`; do not edit by hand "
             "(`kit zoo bench --check` fails when this table is stale; `--check --sample N` retrains N entries and "
             "compares). Each entry is trained with its recipe on each listed seed. A result is the median over "
             "seeds with its distribution-free 95 % interval [rank 4, rank 13 of 16] (`kit.intervals`); an "
             "expectation judged on a share shows the share of seeds that meet it with its 95 % Clopper–Pearson "
             "interval. \"val\" is the data set's test split. The last column says whether the Playground could "
             "run the entry as it is, or how and why the entry departs.", "",
             "| entry | data | model | recipe | seeds | result: median [95 % interval] | expected | holds | Playground |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        entry = get(row["name"])
        recipe = entry.recipe
        recipe_text = f"{recipe['optimizer']} {recipe['learning_rate']}, batch {recipe['batch_size']}, {recipe['epochs']} epochs"
        shown = [m for m in RESULT_METRICS if m in row["metrics"]]
        result = "<br>".join(f"{m} {median_text(row['metrics'][m])}" for m in shown)
        expected = []
        for m, (op, value) in entry.expected.items():
            stats = row["metrics"][m]
            if entry.rule == "median":
                expected.append(f"median {m} {op} {value:g}")
            else:
                expected.append(f"{m} {op} {value:g} on {stats['seeds_meeting']} seeds = {stats['share']:.2f} "
                                f"[{stats['share_low']:.2f}, {stats['share_high']:.2f}]; share {entry.share[0]} "
                                f"{entry.share[1]:g}")
        holds = {True: "yes", False: "**no**", None: "—"}[row["holds"]]
        lines.append(f"| `{entry.name}` | {entry.describe_data()} | {entry.describe_model()} | {recipe_text} | "
                     f"{_seeds_text(row['seeds'])} | {result} | {'<br>'.join(expected) or '—'} | {holds} | "
                     f"{_playground_text(entry)} |")
    lines += ["", "## Cards", ""]
    for row in rows:
        entry = get(row["name"])
        lines += [f"- **`{entry.name}`** — {entry.card} *Claim:* {entry.claim}. *Fingerprint:* `{row['fingerprint']}`."]
    return "\n".join(lines) + "\n"


@validate_params(folder=PATH)
def write_results(rows: list[dict], folder) -> list:
    """Write RESULTS.csv and RESULTS.md into ``folder``; return their paths."""
    from pathlib import Path

    folder = Path(folder)
    paths = [folder / "RESULTS.csv", folder / "RESULTS.md"]
    with writing(folder, "the results table into"):
        paths[0].write_text(results_csv(rows))
        paths[1].write_text(results_markdown(rows))
    return paths


@validate_params(folder=PATH)
def stale_entries(folder) -> list[str]:
    """Why the committed results table no longer matches the registry ([] when it is current).

    An entry is stale when it has no rows, or its rows carry another fingerprint: its data, model,
    recipe, expectation or seeds changed since the table was generated, or the kit code that
    makes, trains and measures it (:data:`CODE_MODULES`) did. Rows of entries that no longer exist
    are stale too.
    """
    import csv
    from pathlib import Path

    path = Path(folder) / "RESULTS.csv"
    if not path.exists():
        return [f"{path} does not exist; run 'kit zoo bench' to generate it."]
    recorded, codes = {}, set()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in ("entry", "fingerprint") if column not in (reader.fieldnames or [])]
            if missing:
                raise KitError(f"{path} is not a results table of the kit: it has no {' or '.join(missing)} column. "
                               "Run 'kit zoo bench' to generate it again.")
            for record in reader:
                if record["entry"] is None or record["fingerprint"] is None:
                    raise KitError(f"{path}, line {reader.line_num}: a row with fewer columns than the header. "
                                   "Run 'kit zoo bench' to generate the table again.")
                recorded[record["entry"]] = record["fingerprint"]
                codes.add(record.get("code") or "")
    except (csv.Error, UnicodeDecodeError, OSError) as error:
        raise KitError(f"{path} cannot be read as the results table ({error}). Run 'kit zoo bench' to generate it "
                       "again.") from None
    problems = []
    code_changed = codes != {code_fingerprint()}
    if code_changed:
        problems.append(f"the kit code that makes, trains and measures the entries ({', '.join(CODE_MODULES)}) "
                        "changed since the table was generated")
    for entry in entries():
        if entry.name not in recorded:
            problems.append(f"{entry.name}: not in the table")
        elif recorded[entry.name] != entry.fingerprint() and not code_changed:
            problems.append(f"{entry.name}: changed since the table was generated")
    problems += [f"{name}: in the table but no longer in the zoo" for name in recorded if name not in _REGISTRY]
    if not (Path(folder) / "RESULTS.md").exists():
        problems.append("RESULTS.md is missing")
    return problems


SAMPLE_TOLERANCE = 1e-3
"""``kit zoo bench --check --sample``: a retrained entry's median of each metric must lie in the
committed 95 % interval of that median, widened by this much times max(1, |median|), and every
verdict must be the same. On the machine that wrote the table the values come back bit for bit
(training is deterministic); another machine's float rounding moves a run as another seed would,
which the interval is made for; 1e-3 absorbs the rounding of the CSV's six digits."""


@validate_params(folder=PATH, count=COUNT, pattern=PATTERN, seed=SEED)
def check_sample(folder, count: int, pattern: str = "*", seed: int = 0, echo=None) -> list[str]:
    """Retrain ``count`` entries (matching ``pattern``, chosen by ``seed``: the same choice every
    time) on their seeds and compare them with the committed RESULTS.csv (:data:`SAMPLE_TOLERANCE`);
    [] when every value agrees, else what differs."""
    import csv
    import random
    from pathlib import Path

    path = Path(folder) / "RESULTS.csv"
    recorded: dict[str, dict[str, dict]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            recorded.setdefault(record["entry"], {})[record["metric"]] = record
    pool = sorted(name for name in names(pattern) if name in recorded)
    if not pool:
        raise KitError(f"no entry matching {pattern!r} is in {path}; run 'kit zoo bench' first.")
    chosen = sorted(random.Random(seed).sample(pool, min(count, len(pool))), key=names().index)
    problems = []
    for name in chosen:
        row = summarise(get(name), train_seeds(name))
        for metric, record in recorded[name].items():
            stats = row["metrics"].get(metric)
            if stats is None:
                problems.append(f"{name}: {metric} is no longer measured")
                continue
            slack = SAMPLE_TOLERANCE * max(1.0, abs(stats["median"]))
            low, high = float(record["median_low"]) - slack, float(record["median_high"]) + slack
            if not low <= stats["median"] <= high:
                problems.append(f"{name}: {metric} median {stats['median']:.6g} outside the committed interval "
                                f"[{record['median_low']}, {record['median_high']}]")
            if record["holds"] and str(row["verdicts"].get(metric)) != record["holds"]:
                problems.append(f"{name}: {metric} {'holds' if row['verdicts'].get(metric) else 'does not hold'} "
                                f"now, against {'holds' if record['holds'] == 'True' else 'does not hold'} committed")
        if echo:
            echo(f"  {name}: retrained on {len(row['seeds'])} seeds, "
                 f"{'agrees' if not any(p.startswith(name + ':') for p in problems) else 'DIFFERS'}")
    return problems
