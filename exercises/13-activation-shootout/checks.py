"""Checks of exercise 13 (activation-shootout): 100 points, 7 visible checks.

- shoot-out, the runs: the logdir holds 12 TensorBoard runs, one per activation (linear,
  sigmoid, tanh, relu) and data set (circle, xor, spiral), each with its HParams: activation and
  dataset, and the architecture and recipe (hidden, optimizer, learning_rate, epochs,
  batch_size, seed), the same architecture and recipe in every run, within the Playground's
  limits, each network built with the seed it is trained with (HParams ``model_seed`` and
  ``seed``), trained to the last epoch (20 points);
- shoot-out, what is logged: every run has a gradient histogram ``kernel_gradient/<layer>`` per
  Dense layer (as many values as the layer's kernel) and, per hidden layer, the dead-unit
  scalar ``dead_fraction/<layer>`` (ReLU) or the saturation scalar ``saturated_fraction/<layer>``
  (sigmoid, tanh), at step 0 and at the last epoch (15);
- shoot-out, the accuracies: ``run_shootout`` returns the test accuracy of each run it logged,
  and each is the last ``accuracy/test`` point of that run (15);
- shoot-out, trained again: the grader trains two of the runs again (one linear run on circle or
  xor and one non-linear run on spiral where the logdir has them, drawn from the submission's
  text, never named) with the trainer, architecture and recipe each run records; each test
  accuracy agrees with the logged one within 0.05 (25);
- the lesson: linear scores no more on circle and on xor than the best single straight line on
  those test points (``kit.grading.authoring.baselines.best_half_plane_accuracy``), and some non-linear
  activation clearly beats it on each (≥ 0.9) (10);
- conclusions, the lesson: which activation fails on every data set, why, and what bounds its
  accuracy (10; a third of the points per right answer);
- conclusions, spiral: the activation named as spiral's winner has the best logged accuracy
  among the submission's spiral runs (ties within one test point count) (5).

Two gates, both in the README: every check but the conclusions about the lesson counts only
(1) when the shoot-out learns (some non-linear run reaches test accuracy ≥ 0.9 on circle and on
xor, in its logs: the structure without training is no work done), and (2) when its logs are a
training's: every run records how it was trained (the HParams above plus ``model_seed`` and
``trainer``, which ``Diagnostics`` reads off a ``build_mlp`` network and the kit's trainer) and the
two runs trained again agree with their logs. Gate (2) is what closes the shoot-out to event
files written without training (forged logs earn the conclusions' 10 points at most); it is
check 4's test, so a shoot-out that fails it loses every shoot-out check, as the README says.
A run is recognised by its HParams ``activation`` and ``dataset``; a run that records none is
recognised by its folder's name (``relu-spiral``), so that a shoot-out that forgets its data
set loses the points for its HParams (check 1), not the rest. Each mistake loses the checks
whose row names it: other epochs or learning rates between runs, or layers wider than the
Playground's, lose check 1 alone (the grader trains each run again with its own recipe);
missing runs lose check 1 (and the spiral's winner when fewer than two spiral runs remain).

How it runs: ``run_shootout`` is called once (one sandboxed call serves every check) through the
``call_with_logdir`` driver, in the sandbox's scratch folder; the event files it wrote come back
as bytes (size-capped: 8 MB, 64 files; the reference writes 12 files, 1.2 MB, or 2.8 MB with
the callback's network and neuron views, at the same CPU time) and are parsed
here, run by run, with TensorBoard's own reader (``kit.grading.sandbox.logdirs.read_runs``); nothing in
them runs. HParams are read by name, and added tags or HParams are ignored. The re-training
happens here, with the kit's trainer the run records (``train_many`` or ``train``), on
``kit.datasets.playground(name)`` (noise 0, data seed 0, the data the exercise names), once per
grading (memoised), whichever checks ask; every run of the two pools that ``train_many`` trained is
trained in that one call and kept by the grading process (``retrain``), so a later check with the
same recipe trains nothing, whichever two runs its file draws.

Thresholds (measured on this machine; runs are deterministic):
- Time: LIMITS gives every sandboxed call of this exercise 30 s of wall time (31 s of CPU)
  instead of the kit's usual 10 s; an instructor's ``kit grade --timeout S`` replaces it. The
  reference (12 networks of 8-8 trained together in one ``train_many`` call, 300 epochs, a probe
  at the start and one at the end) used 6.3-7.3 s of CPU in the sandbox, most of it compiling
  (the training program, 8 probe programs, 4 activation plots); its wall time was 7-12 s at a
  load of 1.4-2 on 2 cores and 11-15 s at a load of 6, where 10 s timed it out. 30 s is about
  4x the CPU it needs: room for a loaded laptop or a busy grading machine, still short enough
  that a runaway submission is stopped quickly.
- AGREE = 0.05 is the contract's. The grader re-trains a run the way it was trained, so an honest
  run agrees exactly: ``kit.training.train_many`` gives each model the same numbers whichever
  models share its call (alone, with its own activation or in a mix, 1 to 24 models: bitwise,
  tests/test_train_many.py), and ``train`` is deterministic. Measured: nine recipes of the README's
  space (SGD and Adam, learning rates 0.003-1, 1 to 6 hidden layers of 1 to 8 units, batches of 5
  to 250, nine seeds; the trainer called once for all twelve, per data set, per activation, one
  network at a time, with a callback every epoch, or ``train`` per run), 108 runs compared at every
  epoch: the grader's re-training differs from the student's training by 0.000; five honest styles
  graded on ten draws each (all six pairs) score 100 (tests/grading/test_exercise13.py). A
  tolerance instead of the same trainer could not be fair: ``train`` and ``train_many`` add a
  Dense layer's products in another order, and on a chaotic run the float32 difference grows into
  another trajectory. Over four recipes and five seeds (240 runs) their final test accuracies
  differed by up to 0.364 (linear on xor, [8] Adam 0.03), 0.124 (linear on circle), 0.100 (ReLU
  on spiral); and a one-activation stack differed from a mixed one by up to 0.04 (tanh on spiral)
  before ``train_many`` compiled both alike. The forged logs of the tests are 0.12-0.37 away from
  their re-training on every run the grader may pick. Only the kit's builder and trainer
  reproduce a run from its HParams, which is why the exercise asks for them (a network built with
  Keras's own layers or trained with ``model.fit`` records ``model_seed`` or ``trainer``
  "unknown").
- RETRAIN_WORK = 1e8: the grader trains again a run whose epochs × 250 training points × kernel
  weights is at most 1e8, with a recipe ``kit.grading.sandbox.model_transfer.check_recipe`` accepts (at most
  100 000 optimizer steps): a bound on the grader's own time, since a run's HParams may claim any
  training. The reference's runs are 6.6e6 (300 epochs of 2-8-8-1, 88 weights); 1e8 admits six
  hidden layers of 16 units for 300 epochs (1.0e8) or 2-8-8-1 for the 4000 epochs of the step
  budget (8.8e7), so every mistake of the README's table (16-unit layers are a Playground-limit
  mistake, not a gate) is trained again. Two runs at that size took 10-23 s here (compile
  included, a load of 7.5 on 2 cores); two of 10 layers of 64 units for 4000 epochs took 100-400 s.
- The draw of the two runs hashes the submission's text with a salt that the student release
  does not ship (``hidden_data``): ``kit check`` from the release draws its own two runs, so
  the two the grader trains again cannot be known in advance.
- LEARNS = 0.9: the reference's non-linear runs reach 0.996-1.000 on circle and xor, its linear
  ones 0.624 and 0.520; 2-8-1 networks trained with SGD at 1e-4 for 20 epochs (the tests'
  untrained shoot-out) reach at best 0.63 on each.
- Linear ≤ best half-plane + one test point (1/250): a linear network's boundary *is* a straight
  line, so its accuracy can only exceed the best half-plane by a tie at the threshold; the best
  half-plane scores 0.692 on circle's and 0.728 on xor's test points (noise 0, seed 0); the
  reference's linear runs 0.624 and 0.520.
- ACCURACY_ATOL = 0.002 (half a test point): the returned value and the logged one are the same
  float32 number (the trainer's history); any other accuracy differs by at least 0.004.
"""

import dataclasses
import hashlib
import math
import re

import numpy as np

from kit import caches
from kit.grading.authoring import (CallFailed, CheckFailed, Limits, check, expect, expected_values, fail, hidden_data,
                                   partial, raised)

LIMITS = Limits(timeout=30)  # run_shootout trains twelve networks: see "Time" in the docstring
TIMEOUT = 10.0  # conclusions() returns a dict: 10 s only stops a hang
SHOOTOUT_TIMEOUT = LIMITS.timeout  # the shoot-out may use the whole of it
ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")
DATASETS = ("circle", "xor", "spiral")
RUN_KEYS = tuple(f"{activation}/{name}" for name in DATASETS for activation in ACTIVATIONS)
NONLINEAR = ACTIVATIONS[1:]
N_TEST = N_TRAIN = 250  # kit.datasets.playground: 500 points, half for testing
RECIPE_HPARAMS = ("hidden", "optimizer", "learning_rate", "epochs", "batch_size", "seed")  # the README's row
TRAINING_HPARAMS = RECIPE_HPARAMS + ("model_seed", "trainer")  # what the grader trains a run again from
SHARED_HPARAMS = ("hidden", "optimizer", "learning_rate", "epochs", "batch_size")  # the same in every run
TRAINERS = ("train_many", "train")  # kit.training's, as the trainer tells Diagnostics
MAX_LAYERS, MAX_UNITS = 6, 8  # the Playground's limits
RETRAIN_WORK = 1e8  # epochs × training points × weights of a run the grader trains again: see the docstring
SATURATING = ("sigmoid", "tanh")  # kit.diagnostics.SATURATION_ZONES, of the shoot-out's activations
DYING = ("relu",)  # kit.diagnostics.DEAD_CAPABLE, of the shoot-out's activations

AGREE = 0.05  # contract: the grader's re-training agrees with the logged test accuracy
LEARNS = 0.9  # some non-linear activation reaches this on circle and on xor
ONE_POINT = 1 / N_TEST  # one test point: the resolution of an accuracy
ACCURACY_ATOL = 0.5 * ONE_POINT  # returned vs logged accuracy
LINEAR_POOL = ("linear/circle", "linear/xor")  # the re-trained runs: one of these ...
SPIRAL_POOL = ("sigmoid/spiral", "tanh/spiral", "relu/spiral")  # ... and one of these
DRAW_SALT = hidden_data("13/retrain/5b1d0c")  # kit release writes None: the release draws other runs

GRADED = ("fails_everywhere", "why", "linear_limit")  # what conclusions_lesson grades (spiral_winner: the runs)
ANSWERS = dict(zip(GRADED, ("linear", "collapse", "half_plane")))  # only the expected values read it


def _answer_digest(key: str, answer: str) -> np.ndarray:
    return np.frombuffer(hashlib.sha256(f"13/{key}={answer}".encode()).digest(), dtype=np.uint8)


def _expected() -> dict:
    """The right answers as digests: the student release ships these (expected.npz), not the answers
    (which a visible check tells right from wrong anyway: this keeps them out of plain sight only)."""
    return {f"answer/{key}": _answer_digest(key, right) for key, right in ANSWERS.items()}


EXPECTED = expected_values(_expected)
OPTIONS = {"fails_everywhere": ACTIVATIONS, "why": ("collapse", "vanishing", "dead", "saturation"),
           "linear_limit": ("half_plane", "epochs", "chance"), "spiral_winner": ACTIVATIONS}
HINTS = {
    "fails_everywhere": "compare the four rows of your results on circle, xor and spiral: one activation never "
                        "beats a straight line.",
    "why": "stack two linear maps, W2·(W1·x + b1) + b2: what do you get? Vanishing gradients, dead units and "
           "saturation slow a network down; they do not cap it at a straight line.",
    "linear_limit": "look at that run's decision boundary on TensorBoard's Images tab, then at the best a straight "
                    "line can do on circle and xor.",
}


# ---------------------------------------------------------------------------------------------
# The shoot-out, as the parent sees it




@dataclasses.dataclass
class Run:
    """One TensorBoard run of the logdir, recognised as one of ``RUN_KEYS``."""

    folder: str
    logdir: object  # kit.grading.sandbox.logdirs.Logdir
    unlogged: tuple  # of "activation", "dataset": what only the folder's name told

    @property
    def hparams(self) -> dict:
        return self.logdir.hparams

    @property
    def accuracy(self):
        """The ``accuracy/test`` point of the highest step (the last written there), or None."""
        return self.logdir.at("accuracy/test", self.last_step)

    @property
    def last_step(self) -> int:
        series = self.logdir.scalars.get("accuracy/test") or []
        return max((step for step, _ in series), default=-1)


@dataclasses.dataclass
class Shootout:
    runs: dict  # key → Run
    duplicates: dict  # key → [folders]
    unknown: list  # folders recognised as no run of the shoot-out
    returned: object  # {key: float} or a str saying what is wrong
    problems: list


def shootout(session) -> Shootout:
    """The submission's shoot-out (one sandboxed call per grading, ``session.memo``); CheckFailed if none."""
    return session.memo(_shootout)


def _shootout(session) -> Shootout:
    from kit.grading.authoring import logdirs

    try:
        plain = session.run("call_with_logdir", {"function": "run_shootout"}, timeout=SHOOTOUT_TIMEOUT)
    except CallFailed as failure:
        slow = "time limit" in str(failure) or "CPU-time" in str(failure)
        raise CallFailed(f"run_shootout {failure}" + (
            ". Most of a shoot-out's time is compiling: train the twelve networks in one "
            "kit.training.train_many call and let Diagnostics probe at the start and the end only (every=epochs); "
            "the reference takes about 7 s of CPU. On a busy machine an instructor raises the limit with "
            "kit grade --timeout." if slow else "")) from None
    expect(type(plain) is dict, "run_shootout gave the grader no answer it could read.")
    error = plain.get("error")
    if type(error) is dict:
        fail(raised("run_shootout", error, limit=500))
    left_out = [str(item)[:200] for item in (plain.get("left_out") if type(plain.get("left_out")) is list else [])
                if "not an event file" not in str(item)]
    found = logdirs.read_runs(plain.get("files"))
    if not any(run.files for run in found.values()):
        fail("run_shootout wrote no TensorBoard event file into logdir" + (
            f" the grader could read back ({'; '.join(left_out)})" if left_out else
            ": give each run a folder of the logdir you are given, "
            "Diagnostics(os.path.join(logdir, f\"{activation}-{name}\"), probe=data, …)") + ".")
    runs, duplicates, unknown, problems = {}, {}, [], list(left_out)
    for folder, logdir in found.items():
        problems += [f"{folder or 'logdir'}: {problem}" for problem in logdir.problems]
        key, unlogged = _recognise(folder, logdir.hparams)
        if key is None:
            if logdir.files:
                unknown.append(folder)
        elif key in runs:
            duplicates.setdefault(key, [runs[key].folder]).append(folder)
        else:
            runs[key] = Run(folder, logdir, unlogged)
    return Shootout(runs, duplicates, unknown, _returned(plain.get("returned")), problems)


def _recognise(folder: str, hparams: dict):
    """``(key, the names only the folder told)`` of a run, or ``(None, ())``.

    The HParams ``activation`` and ``dataset`` say what a run is; where one is not recorded,
    the folder's name (``relu-spiral``, ``spiral/relu``) tells it. A recorded value that is no
    option of the shoot-out (a network that mixes activations) makes the run no shoot-out run.
    """
    tokens = re.split(r"[^a-z0-9]+", folder.lower())
    found, unlogged = [], []
    for name, options in (("activation", ACTIVATIONS), ("dataset", DATASETS)):
        if hparams.get(name, "unknown") != "unknown":  # "unknown": what the callback writes when it was not told
            found.append(hparams[name] if hparams[name] in options else None)
            continue
        named = [token for token in tokens if token in options]
        found.append(named[0] if len(named) == 1 else None)
        unlogged.append(name)
    if None in found:
        return None, ()
    return f"{found[0]}/{found[1]}", tuple(unlogged)


def _returned(data):
    """run_shootout's return, described by the driver → {key: float}, or a str saying what is wrong."""
    if type(data) is not dict:
        return "run_shootout gave the grader no answer it could read"
    if data.get("type") != "dict" or type(data.get("entries")) is not list:
        return (f"run_shootout returned a {str(data.get('type'))[:100]}; expected a dict "
                "{\"<activation>/<data set>\": test accuracy}")
    result = {}
    for entry in data["entries"]:
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str or type(entry[1]) is not dict:
            return "run_shootout gave the grader no answer it could read"
        key, info = entry
        if info.get("key_problem"):
            return f"run_shootout's result has the key {key}: {info['key_problem']}; use \"relu/spiral\" and the like"
        value = info.get("value")
        if type(value) is not np.ndarray or value.size != 1 or info.get("shape") != [] or \
                not np.isfinite(value.astype(np.float64)).all():
            return (f"run_shootout's value for {key!r} is a {str(info.get('type'))[:100]}, not one finite number; "
                    "return a float per run")
        result[key] = float(value.reshape(-1)[0])
    return result


def _where(shoot: Shootout, keys) -> str:
    return ", ".join(f"{key} ({shoot.runs[key].folder or 'logdir'})" for key in keys)



def learned(session) -> Shootout:
    """The shoot-out, when it learns (some non-linear run ≥ LEARNS on circle and on xor, in its
    logs); CheckFailed otherwise: its structure alone earns nothing."""
    shoot = shootout(session)
    for name in ("circle", "xor"):
        logged = {a: shoot.runs[f"{a}/{name}"].accuracy for a in NONLINEAR if f"{a}/{name}" in shoot.runs}
        logged = {a: v for a, v in logged.items() if v is not None}
        if not logged:
            fail(f"the logdir has no non-linear run on {name} that logged its test accuracy (accuracy/test), so the "
                 "grader cannot see the shoot-out learn; the points for its runs count once it does. Train a "
                 f"sigmoid, tanh or ReLU network on {name} with a Diagnostics callback (it writes accuracy/test every "
                 "epoch).")
        best = max(logged, key=logged.get)
        expect(logged[best] >= LEARNS,
               f"no network of your shoot-out learns {name}: the best non-linear run, {best}, ends at test accuracy "
               f"{logged[best]:.3f} (< {LEARNS}); the points for the runs count once the shoot-out learns. Train "
               "longer or with a larger learning rate (Adam at 0.01-0.03 for 100 epochs reaches 1.0).")
    return shoot


# ---------------------------------------------------------------------------------------------
# How each run was trained, from its HParams


def _integral(value):
    """An int HParam: a whole number, or the text of one (the callback writes the seed as text, "3")."""
    if isinstance(value, str):
        return int(value) if re.fullmatch(r"\s*\d{1,12}\s*", value) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or \
            value != int(value):
        return None
    return int(value)


def _widths(value):
    """The hidden widths from the ``hidden`` HParam (the callback writes "8-8"), or None."""
    if not isinstance(value, str) or not re.fullmatch(r"\s*\d{1,6}(\s*-\s*\d{1,6}){0,63}\s*", value):
        return None
    return [int(width) for width in re.findall(r"\d+", value)]


def _recorded(value) -> bool:
    return value is not None and value != "unknown"  # "unknown": what the callback writes when nobody told it


def _weights(widths) -> int:
    sizes = [2] + list(widths) + [1]
    return sum(a * b for a, b in zip(sizes, sizes[1:]))


@dataclasses.dataclass(frozen=True)
class Training:
    """One run's training as its HParams record it: what the grader trains it again with."""

    activation: str
    dataset: str
    widths: tuple
    optimizer: str
    learning_rate: float
    epochs: int
    batch_size: int
    seed: int  # the trainer's shuffle seed
    model_seed: int  # build_mlp's seed
    trainer: str


TRAINING_FIX = {
    "hidden": "build the network with kit.builders.build_mlp, whose widths Diagnostics reads off the model",
    "optimizer": "train with the kit's trainer and an optimizer by name (\"sgd\" or \"adam\"), which Diagnostics "
                 "reads off the model",
    "learning_rate": "train with the kit's trainer and an optimizer by name (\"sgd\" or \"adam\"), which "
                     "Diagnostics reads off the model",
    "epochs": "train with kit.training.train_many or train: the trainer tells Diagnostics",
    "batch_size": "train with kit.training.train_many or train: the trainer tells Diagnostics",
    "seed": "train with kit.training.train_many(…, seeds=[seed, …]) or train(…, seed=seed): the trainer tells "
            "Diagnostics the seed it shuffles with",
    "model_seed": "build the network with kit.builders.build_mlp(2, hidden, activation, seed=seed): Diagnostics "
                  "reads the seed off the model",
    "trainer": "train with kit.training.train_many or train (not model.fit): the trainer tells Diagnostics its name",
}


def training(shoot: Shootout, key: str) -> Training:
    """The run's training from its HParams; CheckFailed naming the run and what it does not record."""
    hparams = shoot.runs[key].hparams
    where = _where(shoot, [key])
    if not hparams:
        fail(f"the run {where} records no HParams at all, so the grader cannot train it again: log every run with "
             "Diagnostics(folder, probe=data, every=epochs) while the kit's trainer trains a build_mlp network.")
    absent = [name for name in TRAINING_HPARAMS if not _recorded(hparams.get(name))]
    if absent:
        said = ", ".join(f"{name}={hparams[name]!r}" if name in hparams else f"no {name}" for name in absent)
        fail(f"the run {where} does not record {', '.join(absent)} (its HParams say {said}), so the grader cannot "
             f"train it again: {TRAINING_FIX[absent[0]]}.")
    widths = _widths(hparams["hidden"])
    expect(widths is not None, f"the run {where} records hidden={str(hparams['hidden'])[:50]!r}; the grader expects "
                               "the hidden widths as the callback writes them (\"8-8\"): build with "
                               "kit.builders.build_mlp.")
    expect(widths and all(w >= 1 for w in widths), f"the run {where} records hidden={hparams['hidden']!r}: a "
                                                    "shoot-out network has hidden layers of at least one unit.")
    numbers = {name: _integral(hparams[name]) for name in ("epochs", "batch_size", "seed", "model_seed")}
    bad = [name for name, value in numbers.items() if value is None or value < 0]
    expect(not bad, f"the run {where} records {', '.join(f'{n}={hparams[n]!r}' for n in bad)}; expected whole "
                    "numbers ≥ 0.")
    from kit.grading.authoring import models

    try:
        recipe = models.check_recipe({"optimizer": hparams["optimizer"], "learning_rate": hparams["learning_rate"],
                                      "epochs": numbers["epochs"], "batch_size": numbers["batch_size"]}, N_TEST)
    except models.ModelRejected as rejected:
        fail(f"the run {where}'s recipe: {str(rejected).replace('recipe()', 'the HParam ')}")
    work = recipe["epochs"] * N_TRAIN * _weights(widths)
    expect(work <= RETRAIN_WORK,
           f"the run {where} records {recipe['epochs']} epochs of a 2-{'-'.join(map(str, widths))}-1 network "
           f"({_weights(widths)} weights): epochs × {N_TRAIN} points × weights = {work:.2g}, more than the "
           f"{RETRAIN_WORK:.0e} the grader trains again (the Playground-sized shoot-out: {MAX_LAYERS} hidden layers "
           f"of {MAX_UNITS} units at most, a few hundred epochs).")
    expect(hparams["trainer"] in TRAINERS, f"the run {where} was trained by {str(hparams['trainer'])[:40]!r}; the "
                                           f"grader trains again runs of kit.training's {' or '.join(TRAINERS)}.")
    activation, dataset = key.split("/")
    return Training(activation, dataset, tuple(widths), recipe["optimizer"], recipe["learning_rate"],
                    recipe["epochs"], recipe["batch_size"], numbers["seed"], numbers["model_seed"], hparams["trainer"])


@dataclasses.dataclass
class Recipe:
    widths: list
    optimizer: str
    learning_rate: float
    epochs: int
    batch_size: int


def recipe(shoot: Shootout) -> Recipe:
    """The one architecture and recipe of the runs, from their HParams (as the README's row 1 asks:
    recorded, the same in every run, within the Playground's limits, one seed per network);
    CheckFailed saying what is missing or differs."""
    from kit.grading.authoring import models

    present = [key for key in RUN_KEYS if key in shoot.runs]
    expect(present, "the logdir holds no run of the shoot-out.")
    for missing in ("activation", "dataset"):
        by_folder = [key for key in present if missing in shoot.runs[key].unlogged]
        if not by_folder:
            continue
        shown = f"{_where(shoot, by_folder[:3])}{' …' if len(by_folder) > 3 else ''}"
        if all(not shoot.runs[key].hparams for key in by_folder):
            fail(f"{len(by_folder)} run(s) record no HParams at all ({shown}; the grader recognised them by their "
                 "folders' names): log every run with Diagnostics(folder, probe=data, …), which records them.")
        fail(f"the {'activation' if missing == 'activation' else 'data set'} of {len(by_folder)} run(s) is not "
             f"recorded (their HParam {missing} is \"unknown\": {shown}; the grader recognised them by their folders' "
             "names), so kit board's HParams dashboard cannot tell them apart. " + (
                 "Pass the kit Dataset as the probe, Diagnostics(folder, probe=data, …), not an (x, y) pair, or "
                 "add it: hparams={\"dataset\": name}." if missing == "dataset" else
                 "Build each network with one activation for its hidden layers (build_mlp(2, hidden, activation)) "
                 "or add it: hparams={\"activation\": activation}."))
    for key in present:
        absent = [name for name in RECIPE_HPARAMS if not _recorded(shoot.runs[key].hparams.get(name))]
        if absent:
            fail(f"the run {_where(shoot, [key])} does not record {', '.join(absent)}: {TRAINING_FIX[absent[0]]}.")
    for name in SHARED_HPARAMS:
        values = {}
        for key in present:
            values.setdefault(repr(shoot.runs[key].hparams[name]), []).append(key)
        if len(values) > 1:
            shown = "; ".join(f"{value} in {', '.join(keys[:3])}{' …' if len(keys) > 3 else ''}"
                              for value, keys in list(values.items())[:4])
            fail(f"the runs differ in {name} ({shown}): a shoot-out trains ONE architecture with ONE recipe, so that "
                 "only the activation and the data set change.")
    first = shoot.runs[present[0]].hparams
    widths = _widths(first["hidden"])
    expect(widths is not None, f"the HParam hidden is {str(first['hidden'])[:50]!r}; the grader expects the hidden "
                               "widths as the callback writes them (\"8-8\"): build with kit.builders.build_mlp.")
    expect(1 <= len(widths) <= MAX_LAYERS and all(1 <= w <= MAX_UNITS for w in widths),
           f"the architecture has hidden widths {widths}; the shoot-out uses a Playground-sized network: 1 to "
           f"{MAX_LAYERS} hidden layers of at most {MAX_UNITS} units.")
    numbers = {name: _integral(first[name]) for name in ("epochs", "batch_size")}
    expect(all(v is not None for v in numbers.values()),
           f"the HParams epochs and batch_size must be whole numbers; got {first['epochs']!r} and "
           f"{first['batch_size']!r}.")
    try:
        settings = models.check_recipe({"optimizer": first["optimizer"], "learning_rate": first["learning_rate"],
                                        **numbers}, N_TEST)
    except models.ModelRejected as rejected:
        fail(f"the recipe the runs record: {str(rejected).replace('recipe()', 'the HParam ')}")
    for key in present:
        hparams = shoot.runs[key].hparams
        seed = _integral(hparams["seed"])
        expect(seed is not None and seed >= 0, f"the run {key} records the seed {hparams['seed']!r}; expected a whole "
                                               "number ≥ 0.")
        built = _integral(hparams.get("model_seed"))
        expect(built is None or built == seed,
               f"the run {_where(shoot, [key])}'s network was built with seed {built} (build_mlp(…, seed={built})) "
               f"but trained with seed {seed}: give each run one seed, build_mlp(…, seed=seed) and "
               "train_many(…, seeds=[seed] * 12) (train_many's seeds default to 0, 1, 2, …).")
    return Recipe(widths, settings["optimizer"], settings["learning_rate"], settings["epochs"], settings["batch_size"])


# ---------------------------------------------------------------------------------------------
# Gate 2: the logs are a training's


def chosen(source: str, present=RUN_KEYS, salt=None) -> tuple[str, str]:
    """The two runs the grader trains again, drawn from the submission's text and the salt (the same file
    always gets the same two; the student never learns which): one of LINEAR_POOL and one of SPIRAL_POOL,
    of the runs ``present``; where the logdir has none of a pool, another linear, or non-linear, run."""
    salt = DRAW_SALT if salt is None else salt
    digest = hashlib.sha256(f"{salt or ''}\0{source}".encode("utf-8", "surrogatepass")).digest()
    picks = []
    for index, (pool, kind) in enumerate(((LINEAR_POOL, ("linear",)), (SPIRAL_POOL, NONLINEAR))):
        options = [key for key in pool if key in present] or \
            [key for key in RUN_KEYS if key in present and key.split("/")[0] in kind]
        if options:
            picks.append(options[digest[index] % len(options)])
    return tuple(picks)


RETRAINED_KEPT = 512  # re-trained runs kept in the grading process (a few thousand floats each; LRU dropped)
_retrained: "caches.Recent[Training, list]" = caches.Recent(RETRAINED_KEPT, "kit.exercises.13.retrained")


def retrain(runs: dict) -> dict:
    """key → the test accuracy after each epoch of that run trained here as its ``Training`` says
    (as far as it got: a run that diverged stops at its last finite epoch).

    A run's curve depends on its ``Training`` alone (the data is fixed; a model's numbers do not
    depend on the models that share its ``train_many`` call), so curves are kept by it: a check
    of a file whose runs were trained before, by this grading process, trains nothing."""
    keys = list(runs)

    def trained(missing):  # the Trainings not kept, each named by its (first) key
        named = {}
        for key in keys:
            named.setdefault(runs[key], key)
        curves = _train_again({named[run]: run for run in missing})
        return [curves[named[run]] for run in missing]

    return {key: list(curve) for key, curve in zip(keys, _retrained.get_many([runs[key] for key in keys], trained))}


def _train_again(runs: dict) -> dict:
    """key → the test accuracy after each epoch of that run, trained here (see :func:`retrain`)."""
    from kit import builders, datasets
    from kit.training import TrainingDiverged, train, train_many

    data = {name: datasets.playground(name, noise=0, seed=0) for name in {run.dataset for run in runs.values()}}
    models = {key: builders.build_mlp(2, list(run.widths), run.activation, seed=run.model_seed)
              for key, run in runs.items()}
    curves = {}
    calls = {}  # train_many: one call per architecture and recipe (a model's numbers do not depend on its company)
    for key, run in runs.items():
        if run.trainer == "train":
            try:
                history = train(models[key], data[run.dataset], epochs=run.epochs, batch_size=run.batch_size,
                                optimizer=run.optimizer, learning_rate=run.learning_rate, seed=run.seed, verbose=0)
            except TrainingDiverged as diverged:
                history = diverged.history
            curves[key] = list(history.history.get("val_accuracy", []))
        else:
            calls.setdefault((run.widths, run.optimizer, run.epochs, run.batch_size), []).append(key)
    for (widths, optimizer, epochs, batch_size), keys in calls.items():
        # Beside the runs, one model of each activation they lack, trained and dropped, the stack in the
        # order of ACTIVATIONS: a call of one architecture and recipe is then one program whichever runs
        # are drawn, and a warm check after an edit does not compile again (a model's numbers do not
        # depend on its company).
        first = runs[keys[0]]
        present = {runs[key].activation for key in keys}
        stack = [(runs[key].activation, key, models[key], runs[key]) for key in keys]
        stack += [(activation, None, builders.build_mlp(2, list(widths), activation, seed=first.model_seed), first)
                  for activation in ACTIVATIONS if activation not in present]
        stack.sort(key=lambda item: ACTIVATIONS.index(item[0]))
        histories = train_many([model for _, _, model, _ in stack], [data[run.dataset] for *_, run in stack],
                               epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                               learning_rate=[run.learning_rate for *_, run in stack],
                               seeds=[run.seed for *_, run in stack], verbose=0)
        curves.update({key: list(history.history.get("val_accuracy", []))
                       for (_, key, _, _), history in zip(stack, histories) if key is not None})
    return curves


def trained(session) -> Shootout:
    """The shoot-out, when it learns and its logs are a training's (gate 2: every run records how it
    was trained, and the two runs the grader trains again agree with their logs); CheckFailed otherwise."""
    shoot = learned(session)
    verdict = session.memo(_trained_verdict)
    if verdict is not None:
        fail(verdict)
    return shoot


def _trained_verdict(session):
    """None (the logs are a training's) or what is wrong: computed once per session."""
    return _verdict(session, learned(session))


GATE = "the shoot-out's checks count once the grader can train your runs again and they agree with their logs: "


def _verdict(session, shoot: Shootout):
    present = [key for key in RUN_KEYS if key in shoot.runs and shoot.runs[key].accuracy is not None]
    runs = {}
    for key in present:
        try:
            runs[key] = training(shoot, key)
        except CheckFailed as problem:
            return GATE + str(problem)
    keys = chosen(session.source, present)  # never empty: the shoot-out learned, so non-linear runs are present
    # Every run of the pools that train_many trained, in the one call the drawn two need anyway (a stack of
    # one model per activation: 5 models instead of 4), so that a later check of this recipe, whichever two
    # runs its file draws, finds them trained (retrain keeps them); runs trained with train are trained alone.
    pooled = [key for key in (*LINEAR_POOL, *SPIRAL_POOL) if key in runs and runs[key].trainer == "train_many"]
    try:
        curves = retrain({key: runs[key] for key in dict.fromkeys([*keys, *pooled])})
    except ValueError as refused:  # the kit's builder or trainer refuses a logged value
        return GATE + f"the grader could not train your runs again from what they record: {str(refused)[:300]}"
    for key in keys:
        logged, step = shoot.runs[key].accuracy, shoot.runs[key].last_step
        if step > runs[key].epochs:
            return GATE + (f"a run logs its test accuracy up to step {step}, beyond the {runs[key].epochs} epochs its "
                           "HParams record: the logs are not those of the training they describe.")
        curve = curves[key]
        if len(curve) < step:
            return GATE + ("one of the two runs the grader trained again diverged (NaN) before the last epoch it "
                           "logged, with the recipe it records: log the recipe you actually trained with.")
        if abs(curve[step - 1] - logged) > AGREE:
            return GATE + (f"one of the two runs the grader trained again, as its HParams describe it, ends at a test "
                           f"accuracy {abs(curve[step - 1] - logged):.2f} away from the one it logged (more than "
                           f"{AGREE}): the logged hyperparameters or accuracies are not those of the training that "
                           "ran. Log with Diagnostics while the kit's trainer trains, and change nothing it writes.")
    return None


# ---------------------------------------------------------------------------------------------
# The checks


@check("shoot-out: 12 runs, one per activation and data set, with their HParams", points=20, timeout=SHOOTOUT_TIMEOUT,
       feedback="One folder of logdir per run, each logged by Diagnostics(folder, probe=data, every=epochs) while "
                "the kit's trainer trains it; the same build_mlp widths and the same optimizer, learning rate, "
                "epochs and batch size for all twelve, each network built with the seed it is trained with.")
def runs_and_hparams(session):
    shoot = trained(session)
    expect(not shoot.duplicates,
           "several runs claim the same activation and data set: " + "; ".join(
               f"{key} in {', '.join(folders)}" for key, folders in shoot.duplicates.items()) +
           ". Give each run its own folder and write each once (an empty logdir at the start).")
    missing = [key for key in RUN_KEYS if key not in shoot.runs]
    unknown = f" (the grader could not tell what {', '.join(shoot.unknown[:5])} are)" if shoot.unknown else ""
    expect(not missing, f"the logdir holds {len(shoot.runs)} of the 12 runs; missing: {', '.join(missing)}{unknown}. "
                        "Train every activation of ACTIVATIONS on every data set of DATASETS.")
    settings = recipe(shoot)
    short = [key for key in RUN_KEYS if shoot.runs[key].last_step != settings.epochs]
    expect(not short, f"the runs {', '.join(short)} log their test accuracy up to step "
                      f"{shoot.runs[short[0]].last_step if short else 0}, not to the last epoch "
                      f"({settings.epochs}, their HParam epochs): log each run for its whole training (no early stop).")


def _histogram_tags(run: Run) -> list[str]:
    return sorted(tag for tag in run.logdir.histograms if tag.startswith("kernel_gradient/"))


def _kernel_sizes(widths) -> list[int]:
    sizes = [2] + list(widths) + [1]
    return sorted(a * b for a, b in zip(sizes, sizes[1:]))


@check("shoot-out: gradient histograms and dead-unit or saturation scalars in every run", points=15,
       timeout=SHOOTOUT_TIMEOUT,
       feedback="Diagnostics(folder, probe=data, …) writes them all: kernel_gradient/<layer> histograms, "
                "dead_fraction/<layer> for ReLU layers and saturated_fraction/<layer> for sigmoid and tanh layers, at "
                "step 0 and after the last epoch. The probe needs the labels (a Dataset or an (x, y) pair).")
def diagnostics_logged(session):
    shoot = trained(session)
    for key in RUN_KEYS:
        if key not in shoot.runs:
            continue  # the first check counts the runs
        run = shoot.runs[key]
        activation = key.split("/")[0]
        tags = _histogram_tags(run)
        expect(len(tags) >= 2, f"the run {_where(shoot, [key])} has {len(tags)} kernel_gradient histogram(s); "
                               "every Dense layer needs one (kernel_gradient/<layer>), the output layer included.")
        last = run.last_step
        expect(last >= 1, f"the run {_where(shoot, [key])} logged no test accuracy after an epoch (accuracy/test): "
                          "log the whole training with Diagnostics, so that its last step is its last epoch.")
        for step in (0, last):
            missing = [tag for tag in tags if run.logdir.at(tag, step) is None]
            expect(not missing, f"the run {_where(shoot, [key])} has no {', '.join(missing)} at step {step}: the "
                                "gradients are logged at step 0 (as initialised) and after the last epoch.")
        counts = sorted(int(run.logdir.at(tag, last)[:, 2].sum()) for tag in tags)
        hidden = _widths(run.hparams.get("hidden"))  # the run's own: its widths are the first check's business
        if hidden is not None:
            expect(counts == _kernel_sizes(hidden),
                   f"the run {_where(shoot, [key])}'s kernel_gradient histograms count {counts} values; the kernels "
                   f"of a 2-{'-'.join(map(str, hidden))}-1 network have {_kernel_sizes(hidden)}: one histogram per "
                   "Dense layer, of that layer's kernel gradient.")
        n_hidden = len(tags) - 1
        family = "dead_fraction" if activation in DYING else "saturated_fraction" if activation in SATURATING else None
        if family is None:
            continue  # a linear unit can neither die nor saturate: the kit writes neither
        scalars = [tag for tag in run.logdir.scalars if tag.startswith(f"{family}/")]
        what = "dead-unit" if family == "dead_fraction" else "saturation"
        expect(len(scalars) == n_hidden,
               f"the run {_where(shoot, [key])} has {len(scalars)} {family} scalar(s) for its {n_hidden} hidden "
               f"layer(s): a {activation} run logs the {what} share of every hidden layer ({family}/<layer>).")
        for tag in scalars:
            values = [run.logdir.at(tag, step) for step in (0, last)]
            expect(all(v is not None and 0.0 <= v <= 1.0 for v in values),
                   f"the run {_where(shoot, [key])}'s {tag} is not a share in [0, 1] at step 0 and at step {last}.")


@check("shoot-out: the returned accuracies are the logged ones", points=15, timeout=SHOOTOUT_TIMEOUT,
       feedback="Return {f\"{activation}/{name}\": history.history[\"val_accuracy\"][-1]} for the twelve runs: the "
                "last epoch's test accuracy, which the callback logged as the run's last accuracy/test point.")
def accuracies_returned(session):
    shoot = trained(session)
    returned = shoot.returned
    if isinstance(returned, str):
        fail(returned + ".")
    logged = [key for key in RUN_KEYS if key in shoot.runs and shoot.runs[key].accuracy is not None]
    extra, missing = sorted(set(returned) - set(RUN_KEYS)), [key for key in logged if key not in returned]
    expect(not extra, f"run_shootout's result has the keys {', '.join(map(repr, extra[:6]))}, which name no run of "
                      f"the shoot-out; expected \"<activation>/<data set>\", e.g. \"relu/spiral\".")
    expect(not missing, f"run_shootout's result has no entry for {', '.join(missing)}: return the accuracy of every "
                        "run you trained.")
    outside = [key for key in returned if not 0.0 <= returned[key] <= 1.0]
    expect(not outside, f"run_shootout's accuracies for {', '.join(outside)} are not in [0, 1].")
    unlogged = [key for key in returned if key not in logged]
    expect(not unlogged, f"the logdir has no test accuracy (accuracy/test) for {', '.join(unlogged)}: the grader "
                         "compares each returned accuracy with its run's log.")
    wrong = [key for key in logged if abs(returned[key] - shoot.runs[key].accuracy) > ACCURACY_ATOL]
    expect(not wrong, "run_shootout's accuracies do not match what the runs logged: " + "; ".join(
        f"{key} returned {returned[key]:.3f}, logged {shoot.runs[key].accuracy:.3f}" for key in wrong[:6]) +
        ". Return each run's final test accuracy (history.history[\"val_accuracy\"][-1]), the number its run shows "
        "on TensorBoard.")


@check("shoot-out: two runs trained again by the grader agree with their logs", points=25, timeout=SHOOTOUT_TIMEOUT,
       feedback="The HParams must describe the training exactly: build each network with "
                "kit.builders.build_mlp(2, hidden, activation, seed=seed), train it with the kit's trainer "
                "(train_many(..., seeds=[seed, …]) or train(..., seed=seed)) on kit.datasets.playground(name) while "
                "Diagnostics logs it; the callback records what the grader needs.")
def retrained(session):
    trained(session)  # gate 2 is this check's test: it trains two runs again and compares


@check(f"the lesson: linear ≤ one straight line on circle and xor, a non-linear activation ≥ {LEARNS}", points=10,
       timeout=SHOOTOUT_TIMEOUT,
       feedback="Open kit board on your runs: the linear runs' decision boundaries (Images) are straight lines. A "
                "linear run needs linear hidden layers (build_mlp(2, hidden, \"linear\")).")
def lesson(session):
    from kit import datasets
    from kit.grading.authoring import best_half_plane_accuracy

    shoot = trained(session)
    for name in ("circle", "xor"):
        key = f"linear/{name}"
        expect(key in shoot.runs and shoot.runs[key].accuracy is not None,
               f"the logdir has no {key} run with its test accuracy: the lesson compares it with a straight line.")
        data = datasets.playground(name, noise=0, seed=0)
        best = best_half_plane_accuracy(data.x_test, data.y_test)
        logged = shoot.runs[key].accuracy
        expect(logged <= best + ONE_POINT,
               f"your {key} run ends at test accuracy {logged:.3f}, more than any straight line scores on those test "
               f"points ({best:.3f}): its network is not linear. Build it with linear hidden layers "
               "(build_mlp(2, hidden, \"linear\")) and the tanh output, as every run of the shoot-out.")


def _conclusions(session) -> dict:
    answers = session.plain("conclusions", timeout=TIMEOUT)
    expect(type(answers) is dict, f"conclusions() returned a {type(answers).__name__}; expected a dict of answers: "
                                  "{\"fails_everywhere\": …, \"why\": …, \"linear_limit\": …, "
                                  "\"spiral_winner\": …}.")
    return answers


def _option(answers: dict, key: str) -> str:
    """The answer to ``key`` when it is one of its options, else a CheckFailed naming them."""
    answer = answers.get(key)
    expect(key in answers, f"conclusions() has no answer {key!r}; answer every question of QUESTIONS.")
    expect(type(answer) is str and answer in OPTIONS[key],
           f"conclusions()[{key!r}] is {str(answer)[:60]!r}; answer with one of {', '.join(map(repr, OPTIONS[key]))}.")
    return answer


@check("conclusions: what fails everywhere, why, and what bounds it", points=10, timeout=TIMEOUT,
       feedback="Answer from your own runs (kit board): the results grid, the decision boundaries on the Images tab.")
def conclusions_lesson(session):
    answers = _conclusions(session)
    wrong = []
    for key in GRADED:
        try:
            answer = _option(answers, key)
        except CheckFailed as problem:
            wrong.append(str(problem))
            continue
        if not np.array_equal(_answer_digest(key, answer), EXPECTED[f"answer/{key}"]):
            wrong.append(f"conclusions()[{key!r}] = {answer!r} is not right: {HINTS[key]}")
    if wrong:
        return partial((len(GRADED) - len(wrong)) / len(GRADED), " ".join(wrong))


@check("conclusions: the spiral's winner, from your own runs", points=5, timeout=SHOOTOUT_TIMEOUT,
       feedback="Read it off your runs: kit board's HParams tab lists each run's accuracy/test next to its "
                "activation and data set.")
def spiral_winner(session):
    answer = _option(_conclusions(session), "spiral_winner")
    shoot = trained(session)
    logged = {a: shoot.runs[f"{a}/spiral"].accuracy for a in ACTIVATIONS if f"{a}/spiral" in shoot.runs}
    logged = {a: value for a, value in logged.items() if value is not None}
    expect(len(logged) >= 2, f"the logdir has {len(logged)} spiral run(s) with its test accuracy: the spiral's winner "
                             "is judged against your spiral runs, the four activations on spiral.")
    expect(answer in logged, f"you name {answer} the spiral's winner, but the logdir has no {answer}/spiral run with "
                             "its test accuracy: name the best of your spiral runs.")
    best = max(logged.values())
    expect(logged[answer] >= best - ONE_POINT - 1e-9,
           f"you name {answer} the spiral's winner, but your {answer}/spiral run ends at test accuracy "
           f"{logged[answer]:.3f} while another of your spiral runs reaches {best:.3f}.")


CHECKS = [runs_and_hparams, diagnostics_logged, accuracies_returned, retrained, lesson, conclusions_lesson,
          spiral_winner]
