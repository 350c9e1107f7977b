"""Checks of exercise 13 (activation-shootout): 100 points, 6 visible checks and 1 hidden one.

- shoot-out, the runs: the logdir holds 12 TensorBoard runs, one per activation (linear,
  sigmoid, tanh, relu) and data set (circle, xor, spiral), each with its HParams: activation and
  dataset, and the architecture and recipe (hidden, optimizer, learning_rate, epochs,
  batch_size, seed), the same architecture and recipe in every run, within the Playground's
  limits, trained to the last epoch (20 points, visible);
- shoot-out, what is logged: every run has a gradient histogram ``kernel_gradient/<layer>`` per
  Dense layer (as many values as the layer's kernel) and, per hidden layer, the dead-unit
  scalar ``dead_fraction/<layer>`` (ReLU) or the saturation scalar ``saturated_fraction/<layer>``
  (sigmoid, tanh), at step 0 and at the last epoch (15, visible);
- shoot-out, the accuracies: ``run_shootout`` returns the 12 test accuracies, and each is the
  last ``accuracy/test`` point its run logged (15, visible);
- shoot-out, trained again: the grader trains two of the runs again (one of the linear runs on
  circle or xor and one non-linear run on spiral, chosen from the submission's text, never
  named) with the architecture and recipe the run logged; each test accuracy agrees with the
  logged one within 0.05 (25, hidden);
- the lesson: linear scores no more on circle and on xor than the best single straight line on
  those test points (``kit.grading.baselines.best_half_plane_accuracy``), and some non-linear
  activation clearly beats it on each (≥ 0.9) (10, visible);
- conclusions, the lesson: which activation fails on every data set, why, and what bounds its
  accuracy (10, visible; a third of the points per right answer);
- conclusions, spiral: the activation named as spiral's winner has the best logged spiral
  accuracy (ties within one test point count) (5, visible).

Every shoot-out check counts only when the shoot-out learns (the structure without training is
no work done): some non-linear run reaches test accuracy ≥ 0.9 on circle and on xor, in its
logs. A run is recognised by its HParams ``activation`` and ``dataset``; a run that records none
is recognised by its folder's name (``relu-spiral``), so that a shoot-out that forgets its
HParams loses the points that need them (the runs, the re-training), not the rest.

How it runs: ``run_shootout`` is called once (one sandboxed call serves every check) through the
``call_with_logdir`` driver, in the sandbox's scratch folder; the event files it wrote come back
as bytes (size-capped: 8 MB, 64 files; the reference writes 12 files, 1.2 MB, or 2.8 MB with
the callback's network and neuron views, at the same CPU time) and are parsed
here, run by run, with TensorBoard's own reader (``kit.grading.logdirs.read_runs``); nothing in
them runs. HParams are read by name, and added tags or HParams are ignored. The re-training
happens here, with the kit's trainer, on ``kit.datasets.playground(name)`` (noise 0, data seed
0, the data the exercise names).

Thresholds (measured on this machine; runs are deterministic):
- Time: LIMITS gives every sandboxed call of this exercise 30 s of wall time (31 s of CPU)
  instead of the kit's usual 10 s; an instructor's ``kit grade --timeout S`` replaces it. The
  reference (12 networks of 8-8 trained together in one ``train_many`` call, 300 epochs, a probe
  at the start and one at the end) used 6.3-7.3 s of CPU in the sandbox, most of it compiling
  (the training program, 8 probe programs, 4 activation plots); its wall time was 7-12 s at a
  load of 1.4-2 on 2 cores and 11-15 s at a load of 6, where 10 s timed it out. 30 s is about
  4x the CPU it needs: room for a loaded laptop or a busy grading machine, still short enough
  that a runaway submission is stopped quickly.
- AGREE = 0.05 is the contract's. The reference's runs, trained again here, agree exactly (on
  all 12: the same seeds, the same trainer; figures/make_figures.py asserts it), and so do the
  tests' other honest shoot-outs. The forged logs of the tests are 0.12-0.33 away from their
  re-training on every run the grader may pick. Only the kit's builder and trainer reproduce a
  run from its HParams, which is why the exercise asks for them (a network built with Keras's
  own initialisers or trained with ``model.fit`` is another run, not the one the grader trains).
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
import weakref

import numpy as np

from kit.grading.checks import CallFailed, CheckFailed, check, expect, expected_values, fail, partial, raised
from kit.grading.limits import Limits

LIMITS = Limits(timeout=30)  # run_shootout trains twelve networks: see "Time" in the docstring
TIMEOUT = 10.0  # conclusions() returns a dict: 10 s only stops a hang
SHOOTOUT_TIMEOUT = LIMITS.timeout  # the shoot-out may use the whole of it
ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")
DATASETS = ("circle", "xor", "spiral")
RUN_KEYS = tuple(f"{activation}/{name}" for name in DATASETS for activation in ACTIVATIONS)
NONLINEAR = ACTIVATIONS[1:]
N_TEST = 250  # kit.datasets.playground: 500 points, half for testing
RECIPE_HPARAMS = ("hidden", "optimizer", "learning_rate", "epochs", "batch_size", "seed")
SHARED_HPARAMS = ("hidden", "optimizer", "learning_rate", "epochs", "batch_size")  # the same in every run
MAX_LAYERS, MAX_UNITS = 6, 8  # the Playground's limits
SATURATING = ("sigmoid", "tanh")  # kit.diagnostics.SATURATION_ZONES, of the shoot-out's activations
DYING = ("relu",)  # kit.diagnostics.DEAD_CAPABLE, of the shoot-out's activations

AGREE = 0.05  # contract: the grader's re-training agrees with the logged test accuracy
LEARNS = 0.9  # some non-linear activation reaches this on circle and on xor
ONE_POINT = 1 / N_TEST  # one test point: the resolution of an accuracy
ACCURACY_ATOL = 0.5 * ONE_POINT  # returned vs logged accuracy
LINEAR_POOL = ("linear/circle", "linear/xor")  # the re-trained runs: one of these ...
SPIRAL_POOL = ("sigmoid/spiral", "tanh/spiral", "relu/spiral")  # ... and one of these

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
    logdir: object  # kit.grading.logdirs.Logdir
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


_shootouts = weakref.WeakKeyDictionary()  # session → Shootout or the CheckFailed it ended with


def shootout(session) -> Shootout:
    """The submission's shoot-out (one sandboxed call per grading, memoised); CheckFailed if none."""
    if session not in _shootouts:
        try:
            _shootouts[session] = _shootout(session)
        except CheckFailed as failure:  # CallFailed included: every check reports it
            _shootouts[session] = failure
    outcome = _shootouts[session]
    if isinstance(outcome, Exception):
        raise type(outcome)(str(outcome))
    return outcome


def _shootout(session) -> Shootout:
    from kit.grading import logdirs

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
                 "grader cannot see the shoot-out learn; the points for its runs count once it does. Log every run "
                 "with Diagnostics (it writes accuracy/test every epoch).")
        best = max(logged, key=logged.get)
        expect(logged[best] >= LEARNS,
               f"no network of your shoot-out learns {name}: the best non-linear run, {best}, ends at test accuracy "
               f"{logged[best]:.3f} (< {LEARNS}); the points for the runs count once the shoot-out learns. Train "
               "longer or with a larger learning rate (Adam at 0.01-0.03 for 100 epochs reaches 1.0).")
    return shoot


# ---------------------------------------------------------------------------------------------
# The recipe the runs logged


@dataclasses.dataclass
class Recipe:
    widths: list
    optimizer: str
    learning_rate: float
    epochs: int
    batch_size: int
    seeds: dict  # key → seed


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
    if not isinstance(value, str) or not re.fullmatch(r"\s*\d+(\s*-\s*\d+)*\s*", value):
        return None
    return [int(width) for width in re.findall(r"\d+", value)]


def recipe(shoot: Shootout) -> Recipe:
    """The one architecture and recipe of the 12 runs, from their HParams; CheckFailed saying what
    is missing or differs."""
    from kit.grading import models

    by_folder = [key for key in RUN_KEYS if key in shoot.runs and shoot.runs[key].unlogged]
    if by_folder:
        names = sorted({name for key in by_folder for name in shoot.runs[key].unlogged})
        fail(f"{len(by_folder)} run(s) record no HParam {' and no '.join(names)} ({_where(shoot, by_folder[:3])}"
             f"{' …' if len(by_folder) > 3 else ''}; the grader recognised them by their folders' names): log every "
             "run with Diagnostics(folder, probe=data, hparams={...}); a Dataset as the probe records the data set, "
             "the model its activation, so that kit board's HParams dashboard can tell the runs apart.")
    for key in RUN_KEYS:
        if key not in shoot.runs:
            continue
        absent = [name for name in RECIPE_HPARAMS if name not in shoot.runs[key].hparams]
        expect(not absent,
               f"the run {_where(shoot, [key])} records no HParam {', '.join(absent)}: the grader trains runs again "
               "from what they record. Pass what the callback cannot see itself: Diagnostics(…, hparams={\"epochs\": "
               "epochs, \"batch_size\": batch_size, \"seed\": seed}); probe=data records the data set, and training "
               "with an optimizer records optimizer and learning_rate.")
    present = [key for key in RUN_KEYS if key in shoot.runs]
    expect(present, "the logdir holds no run of the shoot-out.")
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
    seeds = {}
    for key in present:
        seed = _integral(shoot.runs[key].hparams["seed"])
        expect(seed is not None and seed >= 0, f"the run {key} records the seed {shoot.runs[key].hparams['seed']!r}; "
                                               "expected a whole number ≥ 0.")
        seeds[key] = seed
    return Recipe(widths, settings["optimizer"], settings["learning_rate"], settings["epochs"], settings["batch_size"],
                  seeds)


# ---------------------------------------------------------------------------------------------
# The checks


@check("shoot-out: 12 runs, one per activation and data set, with their HParams", points=20, timeout=SHOOTOUT_TIMEOUT,
       feedback="One folder of logdir per run, each logged by Diagnostics(folder, probe=data, every=epochs, "
                "hparams={\"epochs\": …, \"batch_size\": …, \"seed\": …}); the same build_mlp widths and the "
                "same optimizer, learning rate, epochs and batch size for all twelve.")
def runs_and_hparams(session):
    shoot = learned(session)
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
    shoot = learned(session)
    hidden = _widths(next(iter(shoot.runs.values())).hparams.get("hidden"))
    for key in RUN_KEYS:
        if key not in shoot.runs:
            continue  # the check above counts the runs
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
    shoot = learned(session)
    returned = shoot.returned
    if isinstance(returned, str):
        fail(returned + ".")
    extra, missing = sorted(set(returned) - set(RUN_KEYS)), [key for key in RUN_KEYS if key not in returned]
    expect(not extra, f"run_shootout's result has the keys {', '.join(map(repr, extra[:6]))}, which name no run of "
                      f"the shoot-out; expected \"<activation>/<data set>\", e.g. \"relu/spiral\".")
    expect(not missing, f"run_shootout's result has no entry for {', '.join(missing)}: return all twelve.")
    outside = [key for key in RUN_KEYS if not 0.0 <= returned[key] <= 1.0]
    expect(not outside, f"run_shootout's accuracies for {', '.join(outside)} are not in [0, 1].")
    unlogged = [key for key in RUN_KEYS if key not in shoot.runs or shoot.runs[key].accuracy is None]
    expect(not unlogged, f"the logdir has no test accuracy (accuracy/test) for {', '.join(unlogged)}: the grader "
                         "compares each returned accuracy with its run's log.")
    wrong = [key for key in RUN_KEYS if abs(returned[key] - shoot.runs[key].accuracy) > ACCURACY_ATOL]
    expect(not wrong, "run_shootout's accuracies do not match what the runs logged: " + "; ".join(
        f"{key} returned {returned[key]:.3f}, logged {shoot.runs[key].accuracy:.3f}" for key in wrong[:6]) +
        ". Return each run's final test accuracy (history.history[\"val_accuracy\"][-1]), the number its run shows "
        "on TensorBoard.")


def chosen(source: str) -> tuple[str, str]:
    """The two runs the grader trains again: one of LINEAR_POOL and one of SPIRAL_POOL, drawn from
    the submission's text (the same file always gets the same two; the student never learns which)."""
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).digest()
    return LINEAR_POOL[digest[0] % len(LINEAR_POOL)], SPIRAL_POOL[digest[1] % len(SPIRAL_POOL)]


def retrain(settings: Recipe, keys) -> dict:
    """key → the test accuracy of that run trained here from its recipe (None where it diverged)."""
    from kit import builders, datasets
    from kit.training import train_many

    keys = list(keys)
    data = {name: datasets.playground(name, noise=0, seed=0) for name in DATASETS}
    models = [builders.build_mlp(2, settings.widths, key.split("/")[0], seed=settings.seeds[key]) for key in keys]
    histories = train_many(models, [data[key.split("/")[1]] for key in keys], epochs=settings.epochs,
                           batch_size=settings.batch_size, optimizer=settings.optimizer,
                           learning_rate=settings.learning_rate, seeds=[settings.seeds[key] for key in keys],
                           verbose=0)
    return {key: None if history.diverged else float(history.history["val_accuracy"][-1])
            for key, history in zip(keys, histories)}


@check("shoot-out: two runs trained again by the grader agree with their logs", points=25,
       visibility="hidden", timeout=SHOOTOUT_TIMEOUT,
       description="the grader trains two of your runs again from the architecture and recipe they record; its test "
                   "accuracies must agree with the ones they logged.",
       feedback="The HParams must describe the training exactly: build each network with "
                "kit.builders.build_mlp(2, hidden, activation, seed=seed), train it with the kit's trainer "
                "(train_many(..., seeds=[seed, …]) or train(..., seed=seed)) on kit.datasets.playground(name), and "
                "log the epochs, batch size and seed you used.")
def retrained(session):
    shoot = learned(session)
    keys = chosen(session.source)
    absent = [key for key in keys if key not in shoot.runs or shoot.runs[key].accuracy is None]
    expect(not absent, "the grader could not train again a run it chose: the logdir does not hold all 12 runs with "
                       "their test accuracy.")
    settings = recipe(shoot)
    try:
        again = retrain(settings, keys)
    except ValueError as refused:  # the kit's builder or trainer refuses a logged value (e.g. a huge seed)
        fail(f"the grader could not train your runs again from what they record: {str(refused)[:300]}")
    for key in keys:
        logged = shoot.runs[key].accuracy
        expect(again[key] is not None, "one of the runs the grader trained again diverged (NaN) with the recipe the "
                                       "runs record: log the recipe you actually trained with.")
        expect(abs(again[key] - logged) <= AGREE,
               f"one of the two runs the grader trained again, as its HParams describe it, ends at a test accuracy "
               f"{abs(again[key] - logged):.2f} away from the one it logged (more than {AGREE}): the logged "
               "hyperparameters or accuracies are not those of the training that ran.")


@check(f"the lesson: linear ≤ one straight line on circle and xor, a non-linear activation ≥ {LEARNS}", points=10,
       timeout=SHOOTOUT_TIMEOUT,
       feedback="Open kit board on your runs: the linear runs' decision boundaries (Images) are straight lines. A "
                "linear run needs linear hidden layers (build_mlp(2, hidden, \"linear\")).")
def lesson(session):
    from kit import datasets
    from kit.grading.baselines import best_half_plane_accuracy

    shoot = learned(session)
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
    shoot = learned(session)
    logged = {a: shoot.runs[f"{a}/spiral"].accuracy for a in ACTIVATIONS if f"{a}/spiral" in shoot.runs}
    missing = [a for a in ACTIVATIONS if logged.get(a) is None]
    expect(not missing, f"the logdir has no spiral run with its test accuracy for {', '.join(missing)}: the spiral's "
                        "winner is judged against your four spiral runs.")
    best = max(logged.values())
    expect(logged[answer] >= best - ONE_POINT - 1e-9,
           f"you name {answer} the spiral's winner, but your {answer}/spiral run ends at test accuracy "
           f"{logged[answer]:.3f} while another of your spiral runs reaches {best:.3f}.")


CHECKS = [runs_and_hparams, diagnostics_logged, accuracies_returned, retrained, lesson, conclusions_lesson,
          spiral_winner]
