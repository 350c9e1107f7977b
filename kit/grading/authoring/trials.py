"""Train a submission's architecture on several seeds in the parent, for multi-seed checks.

A check that grades *how reliably* a network learns (exercise 03's circle, 06's XOR) asks the
child once for the model's description, then trains that architecture from the Playground's
initialisation (:func:`kit.grading.sandbox.model_transfer.rebuild` with ``seed=s``: the student's own weights
are not used) with the student's recipe on data the child never sees, once per seed, and
judges the runs together. :func:`student_runs` does it for a check (sandboxed calls, then
training); :func:`train_runs` is the training part and returns a :class:`Runs`. Runs are cached
by everything that decides them (layers, recipe, data, seed), so the several checks of one
submission that look at the same runs train them once, and submissions with the same
architecture and recipe in a batch are trained once per grading process.

Example (parent side):
    >>> from kit import datasets
    >>> description = {"n_inputs": 2, "layers": [{"kind": "Dense", "units": 4, "activation": "sigmoid"},
    ...                                          {"kind": "Dense", "units": 1, "activation": "tanh"}]}
    >>> recipe = {"optimizer": "adam", "learning_rate": 0.03, "epochs": 150, "batch_size": 10}
    >>> runs = train_runs(description, datasets.playground("circle", seed=0), recipe, seeds=(0, 1, 2))
    >>> runs.median("loss") < 0.2                                                  # doctest: +SKIP
    True
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics

from kit import caches
from kit.errors import SEED, ListOf, check
from kit.grading.sandbox import model_transfer as models

__all__ = ["METRICS", "CACHE_SIZE", "Run", "Runs", "student_runs", "architecture", "train_runs", "train_as_graded"]

METRICS = ("loss", "accuracy", "train_loss", "train_accuracy")
CACHE_SIZE = 1024
"""Runs kept (least recently used dropped): a few floats each."""

_cache: "caches.Recent[str, Run]" = caches.Recent(CACHE_SIZE, "kit.grading.authoring.trials._cache")


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run: the metrics after the last epoch (Playground units for a tanh output).

    ``loss``/``accuracy`` are on the data's test split, ``train_loss``/``train_accuracy`` on its
    training split; a run whose loss became NaN/Inf has ``diverged`` set and infinite losses.
    """

    seed: int
    loss: float
    accuracy: float
    train_loss: float
    diverged: bool = False
    train_accuracy: float = math.nan


@dataclasses.dataclass(frozen=True)
class Runs:
    """The runs of one architecture and recipe on one data set, one per seed."""

    runs: tuple

    def values(self, metric: str) -> list[float]:
        """``metric`` (``loss``, ``accuracy``, ``train_loss`` or ``train_accuracy``) of every run, in seed order."""
        if metric not in METRICS:
            raise ValueError(f"The 'metric' parameter of Runs.values must be one of {METRICS}. Got {metric!r} instead.")
        return [getattr(run, metric) for run in self.runs]

    def median(self, metric: str) -> float:
        return float(statistics.median(self.values(metric)))

    def count(self, metric: str, at_most: float | None = None, at_least: float | None = None) -> int:
        """How many runs have ``metric ≤ at_most`` (or ``≥ at_least``)."""
        if (at_most is None) == (at_least is None):
            raise ValueError("Runs.count needs exactly one of at_most or at_least.")
        if at_most is not None:
            return sum(value <= at_most for value in self.values(metric))
        return sum(value >= at_least for value in self.values(metric))

    @property
    def diverged(self) -> int:
        return sum(run.diverged for run in self.runs)

    def listing(self, metric: str = "loss") -> str:
        """The runs' values as text, e.g. ``'0.012, 0.298, 0.001'`` (diverged runs: ``'diverged'``)."""
        return ", ".join("diverged" if run.diverged else f"{getattr(run, metric):.3f}" for run in self.runs)


def student_runs(session, data, seeds, n_inputs: int, timeout: float | None = None) -> Runs:
    """The submission's ``build_model(n_inputs)`` architecture trained with its ``recipe()``, per seed.

    Asks the sandbox for the model's description (the same request as
    ``session.build_model("build_model", n_inputs)``, so one call serves both) and the recipe, then
    :func:`train_runs`. A model or recipe the grader does not accept fails the check with the
    reason (``CheckFailed``).
    """
    from kit.grading.authoring.checks import CallFailed
    from kit.grading.authoring.assertions import fail

    recipe = session.plain("recipe", timeout=timeout)
    description = session.run("build_model", {"function": "build_model", "args": [n_inputs], "keywords": {}},
                              timeout=timeout)
    try:
        layers = architecture(description)
    except models.ModelRejected as rejected:
        raise CallFailed(f"build_model: {rejected}") from None
    if layers["n_inputs"] != data.n_features:
        fail(f"build_model({n_inputs}) made a model with {layers['n_inputs']} inputs;\n"
             "use keras.Input(shape=(n_inputs,)).")
    try:
        return train_runs(layers, data, recipe, seeds)
    except models.ModelRejected as rejected:
        fail(f"recipe(): {rejected}")


def architecture(description) -> dict:
    """The parts of a model description that decide training (widths, activations, dropout).

    Raises :class:`kit.grading.sandbox.model_transfer.ModelRejected` for a description the grader does not
    accept. Layer names, initializers and weights are left out: every run starts from the
    Playground's initialisation.
    """
    layers = models.check_description(description)
    kept = []
    for layer in layers:
        if layer["kind"] == "Dense":
            kept.append({"kind": "Dense", "units": layer["units"], "activation": layer["activation"]})
        else:
            kept.append({"kind": layer["kind"], "rate": float(layer.get("rate", 0.0))})
    return {"n_inputs": description["n_inputs"], "layers": kept}


def _key(layers: dict, data, recipe: dict, seed: int) -> str:
    return json.dumps([layers, data.provenance, recipe, seed], sort_keys=True, default=repr)


def train_runs(description, data, recipe, seeds) -> Runs:
    """Train the described architecture once per seed with ``recipe`` on ``data``; the runs.

    Each run is what :func:`kit.grading.sandbox.model_transfer.train_and_evaluate` does (the Playground's
    initialisation drawn with the seed, the kit's trainer with the recipe and the seed), but the
    metrics are read from the trainer's own evaluation of the full splits after the last epoch
    instead of a separate ``model.evaluate``: the same numbers (they agree to ~1e-8), without
    compiling an evaluation function for every new model, which costs several times the training
    of a Playground-sized network.

    The seeds not in the cache train together, as one :func:`kit.training.train_many` call (one
    compilation, one loop for all of them); an architecture it cannot stack (dropout) trains
    seed by seed with :func:`kit.training.train`. A run's result does not depend on which other
    runs share its call (``tests/grading/test_trials.py``), so the cache and the grade stay
    deterministic.

    Args:
        description: a model description (``Session.run("build_model", …)``'s answer, weights
            ignored).
        data: a kit ``Dataset`` with a test split (its provenance identifies it in the cache), or
            one such data set per seed, all of the same shape (e.g. a spiral drawn with each seed).
        recipe: a student's ``recipe()`` dict (validated by :func:`models.check_recipe`).
        seeds: a non-empty list of ints ≥ 0; each sets the initialisation and the shuffle of one run.

    Raises:
        kit.grading.sandbox.model_transfer.ModelRejected: the description or the recipe is not accepted (the
            message says why, for the student).
    """
    from kit import datasets

    check(seeds, ListOf(SEED, min_length=1), "seeds", "kit.grading.authoring.trials.train_runs")
    seeds = [int(seed) for seed in seeds]
    data_sets = list(data) if isinstance(data, (list, tuple)) else [data] * len(seeds)
    if len(data_sets) != len(seeds) or not all(isinstance(d, datasets.Dataset) and len(d.x_test) for d in data_sets):
        raise TypeError(f"The 'data' parameter of train_runs must be a kit.datasets.Dataset with a test split, or a "
                        f"list of {len(seeds)} (one per seed). Got {type(data).__name__} instead.")
    layers = architecture(description)
    recipe = models.check_recipe(recipe, len(data_sets[0].x_train))
    keys = [_key(layers, d, recipe, seed) for d, seed in zip(data_sets, seeds)]
    first = {key: index for index, key in reversed(list(enumerate(keys)))}  # each key's first position

    def trained(missing):
        return _train(layers, [data_sets[first[key]] for key in missing], recipe, [seeds[first[key]] for key in missing])

    return Runs(tuple(_cache.get_many(keys, trained)))


SAVED_VERSION = 1


def cached_keys() -> frozenset:
    """The keys of the runs cached in this process (to tell whether a grading trained)."""
    return frozenset(_cache)


def save_runs(path, tag: str) -> int:
    """Write every cached run to ``path`` (JSON, the user's only), labelled ``tag``: what else the
    runs depend on (the check server passes a hash of the kit's and the exercises' sources, the
    graded libraries' versions, Python and the machine). Returns how many runs were written.

    The check server writes its runs when it ends, so that its next start (after the idle timeout)
    does not train again an architecture and recipe it trained before; :func:`load_runs` reads
    them back only under the same ``tag``.
    """
    import os

    if not isinstance(tag, str) or not tag:
        raise TypeError(f"The 'tag' parameter of save_runs must be a non-empty str. Got {tag!r} instead.")
    entries = [[key, dataclasses.asdict(run)] for key, run in _cache.items()]
    text = json.dumps({"version": SAVED_VERSION, "tag": tag, "runs": entries})
    temporary = f"{path}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)
    return len(entries)


def load_runs(path, tag: str) -> int:
    """Add the runs :func:`save_runs` wrote to ``path`` under the same ``tag`` to the cache (a
    file with another tag, or unreadable, adds nothing); returns how many were added."""
    if not isinstance(tag, str) or not tag:
        raise TypeError(f"The 'tag' parameter of load_runs must be a non-empty str. Got {tag!r} instead.")
    try:
        with open(path, encoding="utf-8") as file:
            saved = json.load(file)
    except (OSError, ValueError):
        return 0
    if type(saved) is not dict or saved.get("version") != SAVED_VERSION or saved.get("tag") != tag \
            or type(saved.get("runs")) is not list:
        return 0
    added = 0
    fields = {field.name: field.type for field in dataclasses.fields(Run)}
    for entry in saved["runs"][-CACHE_SIZE:]:
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str or type(entry[1]) is not dict \
                or set(entry[1]) != set(fields) or entry[0] in _cache:
            continue
        values = entry[1]
        if type(values["seed"]) is not int or type(values["diverged"]) is not bool or not all(
                type(values[name]) in (int, float) for name in METRICS):
            continue
        _cache[entry[0]] = Run(**values)
        added += 1
    _cache.trim()
    return added


def train_as_graded(model, data, recipe, seeds=(0,)) -> Runs:
    """Your model trained the way the grader trains it: for a starter's ``__main__`` block.

    The grader never trains the student's own ``keras.Model``: it describes it, rebuilds the
    architecture from the Playground's initialisation with each of its seeds and trains it with
    the recipe (:func:`train_runs`). Training the model with Keras's initialisation instead can
    end far from what ``kit check`` measures, so a starter calls this to print the same numbers.

    Args:
        model: a ``keras.Model`` (what the exercise's ``build_model`` returns).
        data: a kit ``Dataset`` with a test split.
        recipe: the ``recipe()`` dict (optimizer, learning_rate, epochs, batch_size).
        seeds: the initialisation seeds, e.g. the public check's seeds the README names.

    Raises:
        kit.grading.sandbox.model_transfer.ModelRejected: the model or the recipe is not one the grader accepts
            (the message is the one ``kit check`` shows).

    Example:
        >>> runs = train_as_graded(build_model(2), datasets.playground("xor"), recipe(), seeds=range(5))
        ...                                                                         # doctest: +SKIP
        >>> runs.listing("loss")                                                    # doctest: +SKIP
        '0.002, 0.001, 0.003, 0.001, 0.002'
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"The 'model' parameter of train_as_graded must be a keras.Model (what build_model returns). "
                        f"Got {type(model).__name__} instead.")
    seeds = list(seeds) if isinstance(seeds, range) else seeds
    return train_runs(models.describe(model), data, recipe, seeds)


def train_from_weights(description, data, recipe, seed: int = 0) -> Run:
    """Train the submission's network as its builder made it, from its own initial weights (the
    description's ``weights``), with ``recipe`` on ``data``; the run.

    :func:`train_runs` asks how reliably an *architecture* learns, so it starts every run from the
    Playground's initialisation. A check whose claim is about the submission's own network (exercise
    02: "trained, it learns all a straight line can") starts from the weights the submission chose:
    a network built to start saturated is then a network that does not learn, as it would be in the
    student's hands. Not cached (one run; the session memoises the description).

    Args:
        description: a model description with its ``weights`` (``Session.run("build_model", …)``'s answer).
        data: a kit ``Dataset`` with a test split.
        recipe: a recipe dict (validated by :func:`models.check_recipe`).
        seed: seeds the shuffle of the batches (an int ≥ 0).

    Raises:
        kit.grading.sandbox.model_transfer.ModelRejected: the description, its weights or the recipe
            is not accepted (the message says why, for the student).
    """
    import keras

    from kit import datasets
    from kit.training import TrainingDiverged, train

    seed = int(check(seed, SEED, "seed", "kit.grading.authoring.trials.train_from_weights"))
    if not isinstance(data, datasets.Dataset) or not len(data.x_test):
        raise TypeError("The 'data' parameter of train_from_weights must be a kit.datasets.Dataset with a test split. "
                        f"Got {type(data).__name__} instead.")
    weights = description.get("weights") if type(description) is dict else None
    if weights is None:
        raise models.ModelRejected("the model description carries no weights to start from.")
    network = models.rebuild(description, weights)
    recipe = models.check_recipe(recipe, len(data.x_train))
    keras.utils.set_random_seed(seed)
    try:
        history = train(network, data, seed=seed, epochs=recipe["epochs"], batch_size=recipe["batch_size"],
                        optimizer=recipe["optimizer"], learning_rate=recipe["learning_rate"], verbose=0).history
    except TrainingDiverged:
        return _diverged(seed)
    return _run(seed, history)


def _run(seed: int, history: dict) -> Run:
    last = {name: float(values[-1]) for name, values in history.items()}
    return Run(seed, last["val_loss"], last.get("val_accuracy", math.nan), last["loss"],
               train_accuracy=last.get("accuracy", math.nan))


def _diverged(seed: int) -> Run:
    return Run(seed, math.inf, 0.0, math.inf, diverged=True, train_accuracy=0.0)


def _train(layers: dict, data_sets: list, recipe: dict, seeds: list) -> list[Run]:
    """One run per (data set, seed): together when the architecture stacks, else one by one."""
    import keras

    from kit.training import TrainingDiverged, many, train

    networks = [models.rebuild(layers, seed=seed) for seed in seeds]
    settings = {"epochs": recipe["epochs"], "batch_size": recipe["batch_size"], "optimizer": recipe["optimizer"],
                "learning_rate": recipe["learning_rate"], "verbose": 0}
    if all(many.stackable(network) for network in networks) and len({
            (len(d.x_train), len(d.x_test)) for d in data_sets}) == 1:
        histories = many.train_many(networks, data_sets, seeds=seeds, **settings)
        return [_diverged(seed) if history.diverged is not None else _run(seed, history.history)
                for seed, history in zip(seeds, histories)]
    runs = []
    for network, data, seed in zip(networks, data_sets, seeds):
        keras.utils.set_random_seed(seed)  # dropout draws from the global generator
        try:
            runs.append(_run(seed, train(network, data, seed=seed, **settings).history))
        except TrainingDiverged:
            runs.append(_diverged(seed))
    return runs
