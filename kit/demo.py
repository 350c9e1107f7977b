"""The main job behind ``kit demo``: the course's progression, end to end, from the zoo.

Linear model → hidden layers with linear activation (still linear) → sigmoid → ReLU, then the
XOR ladder, feature crosses, vanishing gradients, dying ReLU, universal approximation and
softmax. Every entry is trained on all its seeds at once, and entries alike but for their
activation, initialisation or learning rate share that call (:func:`kit.zoo.train_entries`); the
seed its claim quotes writes a TensorBoard run (``runs/<entry>-seed<k>``) with the kit's diagnostics. The
figures go to ``runs/figures`` and the claims table, one row per claim of the course with what
was measured, to ``runs/claims.md`` and ``runs/claims.json``.

Every counted claim is comparative and measured on the trained networks: a linear model "fails"
against the best half-plane on the same test points and against the non-linear network of the
same row, which must beat that half-plane; thresholds come from the zoo entries (``models/``),
never from a second copy here. A claim must be able to fail: fed untrained networks
(:func:`kit.zoo.untrained`), every counted row but the one measured at initialisation by design
does not hold (``tests/test_demo.py``). Identities (σ′ ≤ 0.25, softmax sums to 1, …) are listed
apart as facts checked, not counted as reproduced results.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from kit.errors import PATH, Function, ListOf, Text, output_folder, validate_params, writing
from kit.intervals import clopper_pearson  # noqa: F401  (the demo's claims quote it; kit.demo.clopper_pearson stays)

__all__ = ["STAGES", "train_stages", "recorded_metrics", "predicted_seed", "train_stage", "claim_run", "draw_figures", "clopper_pearson", "claims", "claims_markdown",
           "claims_text", "run"]

# The entries the demo trains, in the order of the course.
STAGES = [
    ("Why non-linear activations: the same circle, four networks",
     ["circle-linear", "circle-hidden-linear", "circle-sigmoid", "circle-relu"]),
    ("Feature crosses rescue a linear model", ["circle-linear-crosses"]),
    ("Linear layers fail on XOR; the crash course's ReLU ladder",
     ["xor-hidden-linear", "xor-1-linear", "xor-2-relu", "xor-3-relu", "xor-332-relu"]),
    ("Initialisation: small versus large network", ["xor-small-init", "xor-large-init"]),
    ("Vanishing gradients: ten sigmoid layers versus ten ReLU layers", ["deep-sigmoid", "deep-relu"]),
    ("Dying ReLU, one cause at a time: too high a rate, then each fix alone",
     ["dying-relu", "dying-relu-low-rate", "dying-relu-leaky", "dying-relu-elu", "dying-relu-he"]),
    ("Universal approximation and a custom activation",
     ["sin-relu-4", "sin-relu-8", "sin-relu-16", "sin-relu-32", "parabola-quadratic"]),
    ("Softmax for ten classes", ["digits-softmax"]),
]


@validate_params(out=PATH, echo=Function("a function printing a line, e.g. print"))
def train_stages(out: Path, echo=print) -> dict:
    """Train every stage's entries on all their seeds (together, :func:`kit.zoo.train_entries`); each
    entry's TensorBoard run is the seed its claim quotes (:func:`claim_run`), in ``out/<entry>-seed<k>``."""
    import shutil
    import tempfile

    from kit import zoo

    recorded = recorded_metrics()
    results: dict[str, list] = {}
    total = sum(len(names) for _, names in STAGES)
    done = 0
    for title, names in STAGES:
        echo(f"\n== {title}")
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="kit-demo-") as staging:
            trained = train_stage(names, Path(staging), recorded)
            seconds = (time.perf_counter() - started) / len(names)
            for name, (runs, logged, why, staged) in trained.items():
                with writing(out, "TensorBoard runs into"):
                    for old in out.glob(f"{name}-seed*"):  # an earlier demo's run of this entry
                        if old.is_dir() and old.name[len(name) + 5:].isdigit():
                            shutil.rmtree(old)
                    shutil.move(str(staged), str(out / f"{name}-seed{logged.seed}"))
                results[name] = runs
                done += 1
                summary = zoo.summarise(zoo.get(name), runs)
                shown = {k: v for k, v in summary["metrics"].items() if k in zoo.RESULT_METRICS}
                figures = ", ".join(f"{k} {v['median']:.3g}" for k, v in shown.items())
                echo(f"[{done:>2}/{total}] {name:<22} {len(runs)} seed{'s' if len(runs) > 1 else ' '}  {figures}  "
                     f"({seconds:.1f} s; TensorBoard: seed {logged.seed}, {why})")
    return results


def recorded_metrics(folder=None) -> dict:
    """``{entry: {seed: {metric: value}}}``: every seed's measured values in the committed results
    table (``models/RESULTS.csv``, or ``folder/RESULTS.csv``); ``{}`` when there is none to read.
    The demo predicts from it which seed each claim will quote (:func:`train_stage`)."""
    import csv

    if folder is None:
        import models

        folder = Path(models.__file__).resolve().parent
    recorded: dict = {}
    try:
        with (Path(folder) / "RESULTS.csv").open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                seeds, values = row["seeds"].split(), row["values"].split()
                if len(seeds) != len(values):
                    continue
                per_seed = recorded.setdefault(row["entry"], {})
                for seed, value in zip(seeds, values):
                    per_seed.setdefault(int(seed), {})[row["metric"]] = float(value)
    except (OSError, csv.Error, UnicodeDecodeError, KeyError, TypeError, AttributeError, ValueError):
        return {}
    return recorded


class _Recorded:
    def __init__(self, seed, metrics):
        self.seed, self.metrics = seed, metrics


def predicted_seed(entry, recorded) -> int | None:
    """The seed :func:`claim_run` picks from the recorded values ``{seed: {metric: value}}`` of the
    entry's seeds (:func:`recorded_metrics`); None when they are not all recorded."""
    metric = next(iter(entry.expected), "val_loss")
    if not recorded or any(metric not in recorded.get(seed, {}) for seed in entry.seeds):
        return None
    return claim_run(entry, [_Recorded(seed, recorded[seed]) for seed in entry.seeds])[0].seed


@validate_params(names=ListOf(Text("an entry name of the zoo (kit zoo list)"), min_length=1), staging=PATH)
def train_stage(names, staging: Path, recorded=None) -> dict:
    """``{name: (runs, logged, why, folder)}``: each entry trained on all its seeds (entries alike but
    for their activation, initialisation or learning rate in one call, :func:`kit.zoo.train_entries`),
    the run its claim quotes (:func:`claim_run`), why, and the folder of ``staging`` that holds that
    run's TensorBoard log (the kit's ``Diagnostics``). ``recorded``: the committed results table
    (:func:`recorded_metrics`), or None.

    Only the seed that the table predicts (:func:`predicted_seed`) is logged while all train
    together: diagnostics on the other fifteen seeds would be thrown away. When the claim quotes
    another seed (no table, a changed entry, another machine's rounding of a chaotic run), that
    seed is trained again alone with the callback: ``train_many`` gives a seed the same numbers
    whatever shares its call, and ``train`` is deterministic, so it is the same run.
    """
    from kit import zoo
    from kit.tensorboard import Diagnostics

    staging, recorded = Path(staging), recorded or {}

    def logging(name, seed, folder):
        probe = zoo.dataset(name)
        return {seed: [Diagnostics(folder / name / str(seed), probe=probe, hparams={"entry": name, "seed": seed})]}

    predicted = {name: predicted_seed(zoo.get(name), recorded.get(name)) for name in names}
    trained = zoo.train_entries(list(names), callbacks={name: logging(name, seed, staging)
                                                        for name, seed in predicted.items() if seed is not None})
    out = {}
    for name, runs in trained.items():
        logged, why = claim_run(zoo.get(name), runs)
        if logged.seed == predicted[name]:
            out[name] = (runs, logged, why, staging / name / str(logged.seed))
            continue
        again = staging / "again"  # its own folder: the gradient-flow pictures draw only this run
        zoo.train_seeds(name, seeds=[logged.seed], callbacks=logging(name, logged.seed, again))
        out[name] = (runs, logged, f"{why}; logged by training it again", again / name / str(logged.seed))
    return out


def claim_run(entry, runs):
    """``(run, why)``: the seed an entry's claim quotes, by the entry's rule on its first expected
    metric (``val_loss`` when it expects nothing): the median seed for ``median``; for ``share``
    claims about a few runs (share below one half: xor-3-relu) the seed that meets the expectation
    best, for claims about most runs the seed closest to breaking it (xor-332-relu: the worst test
    loss; xor-2-relu: the best one, which still misses the target).

    Example:
        >>> from kit import zoo
        >>> entry = zoo.get("xor-3-relu")  # doctest: +SKIP
        >>> claim_run(entry, zoo.train_seeds("xor-3-relu"))[0].seed  # doctest: +SKIP
        3
    """
    metric, (op, _) = next(iter(entry.expected.items()), ("val_loss", ("<", None)))
    ordered = sorted(runs, key=lambda run: run.metrics[metric])  # ascending
    below = op in ("<", "<=")  # the expectation wants low values
    if entry.rule == "share" and entry.share[1] < 0.5:
        return (ordered[0] if below else ordered[-1]), f"best {metric} of {len(runs)} seeds"
    if entry.rule == "share":
        return (ordered[-1] if below else ordered[0]), f"the {metric} closest to the threshold of {len(runs)} seeds"
    return ordered[(len(ordered) - 1) // 2], f"median {metric} of {len(runs)} seeds"


def _median_run(runs, metric):
    """The run holding the median of ``metric`` (the lower middle one for an even count)."""
    ordered = sorted(runs, key=lambda run: run.metrics[metric])
    return ordered[(len(ordered) - 1) // 2]


def _best_run(runs, metric, lowest=True):
    return (min if lowest else max)(runs, key=lambda run: run.metrics[metric])


def _which(run, runs, statistic):
    """How a figure names the run it shows, e.g. "seed 2, median of 3"."""
    return f"seed {run.seed}, {statistic} of {len(runs)}"


@validate_params(figures=PATH)
def draw_figures(results: dict, figures: Path) -> list[Path]:
    """The demo's figures, from the trained models. Each panel shows the run the claims table
    quotes for that quantity (the median seed, or the best one where the claim is about the
    best) and says which."""
    from kit import diagnostics, plots, zoo

    paths = []

    def save(name):
        paths.append(figures / name)
        return figures / name

    def panel(title, run, runs, statistic, metric="val_loss", label="test loss"):
        return (f"{title}\n{label} {run.metrics[metric]:.3f} ({_which(run, runs, statistic)})", run.model, run.data)

    plots.activation_curves(["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "quadratic"],
                            path=save("activations.png"))
    titles = {"circle-linear": "linear model", "circle-hidden-linear": "hidden layers, linear",
              "circle-sigmoid": "hidden layer, sigmoid", "circle-relu": "hidden layer, ReLU"}
    plots.decision_boundaries([panel(t, _median_run(results[n], "val_loss"), results[n], "median")
                               for n, t in titles.items()], path=save("progression.png"))
    ladder = [("1 linear neuron", "xor-1-linear"), ("2 ReLU", "xor-2-relu"), ("3 ReLU", "xor-3-relu"),
              ("[3, 3, 2] ReLU", "xor-332-relu")]
    plots.decision_boundaries([panel(t, _best_run(results[n], "val_loss"), results[n], "best") for t, n in ladder],
                              path=save("xor_ladder.png"))
    plots.decision_boundaries([panel(t, _median_run(results[n], "val_loss"), results[n], "median")
                               for n, t in (("circle-linear", "linear, x1 and x2"),
                                            ("circle-linear-crosses", "linear, + x1² and x2²"))],
                              path=save("feature_crosses.png"))
    flow = {}
    for name, label in (("deep-sigmoid", "10 × sigmoid"), ("deep-relu", "10 × ReLU")):
        data = zoo.dataset(name)
        seed = zoo.get(name).seeds[0]
        flow[f"{label} (seed {seed})"] = diagnostics.gradient_norms(zoo.create(name, seed=seed), data.x_train,
                                                                    data.y_train)
    plots.gradient_flow(flow, title="Gradient flow at initialisation (circle, depth 10)", path=save("gradient_flow.png"))
    dead = {}
    for name, label in (("dying-relu", "ReLU, Adam 0.1"), ("dying-relu-low-rate", "ReLU, Adam 0.01"),
                        ("dying-relu-he", "ReLU + He, Adam 0.1")):
        run = _median_run(results[name], "dead_share")
        dead[f"{label} ({_which(run, results[name], 'median')})"] = diagnostics.dead_fraction(run.model,
                                                                                              run.data.x_train)
    plots.dead_units(dead, title="Dead units (activation 0 on every training input) after training, 6 × 8 on circle",
                     path=save("dead_units.png"))
    fits = []
    for units in (4, 8, 16, 32):
        runs = results[f"sin-relu-{units}"]
        run = _median_run(runs, "max_abs_error")
        fits.append((f"{units} ReLU units, max error {run.metrics['max_abs_error']:.3f} ({_which(run, runs, 'median')})",
                     run.model, run.data))
    plots.curve_fits(fits, path=save("approximation.png"))
    # The Playground's picture of three networks: XOR's three ReLU half-planes, the deep sigmoid
    # net whose deeper units no longer depend on the input, dying ReLU's dead units (framed black).
    for name, label, run in (("xor-3-relu", "XOR, 3 ReLU units", _best_run(results["xor-3-relu"], "val_loss")),
                             ("deep-sigmoid", "10 sigmoid layers", _median_run(results["deep-sigmoid"], "val_loss")),
                             ("dying-relu", "dying ReLU, Adam 0.1", _median_run(results["dying-relu"], "dead_share"))):
        statistic = "best" if name == "xor-3-relu" else "median"
        plots.network(run.model, run.data, title=f"{label} ({_which(run, results[name], statistic)})",
                      path=save(f"network_{name.replace('-', '_')}.png"))
    return paths


def _values(runs, metric):
    return [float(run.metrics[metric]) for run in runs]


def _seeds(*runs_lists):
    seeds = sorted({run.seed for runs in runs_lists for run in runs})
    return ", ".join(map(str, seeds))


def _escape(cell) -> str:
    """A Markdown table cell: a literal | must not end the cell."""
    return str(cell).replace("|", "\\|").replace("\n", " ")


MEDIAN = "median over seeds [95 % interval]"
"""The statistic of a row whose figures are medians: each shown with its distribution-free 95 %
interval (:func:`kit.intervals.median_interval`), as in ``models/RESULTS.md``."""


def _share_text(hits: int, count: int) -> str:
    """``9/16 = 0.56 [0.30, 0.80]``: a share of seeds with its 95 % Clopper–Pearson interval."""
    low, high = clopper_pearson(hits, count)
    return f"{hits}/{count} = {hits / count:.2f} [{low:.2f}, {high:.2f}]"


def claims(results: dict) -> list[dict]:
    """One row per claim of the course: what was measured, what was expected, whether it holds.

    ``results`` maps each entry of :data:`STAGES` to its runs (:class:`kit.zoo.Result`, trained by
    :func:`kit.zoo.train` or untrained by :func:`kit.zoo.untrained`). A row's ``checks`` are its
    parts, each with whether it holds: the entries' own expectations (``models/``, judged by the
    entry's rule over its seeds) and the comparisons between the row's networks. Rows of kind
    ``result`` are the course's results reproduced; rows of kind ``fact`` check identities that
    hold for any network and are not counted.
    """
    from kit import activations, zoo
    from kit.grading.authoring.baselines import best_half_plane_accuracy
    from models import approximation, depth, linear, xor

    rows = []
    summaries = {}

    def summary(name):
        if name not in summaries:
            summaries[name] = zoo.summarise(zoo.get(name), results[name])
        return summaries[name]

    def median(name, metric):
        return float(summary(name)["metrics"][metric]["median"])

    def shown(name, metric):
        """The median over seeds with its 95 % interval, in the results table's format (kit.zoo.median_text)."""
        return zoo.median_text(summary(name)["metrics"][metric])

    def expected(name, *metrics):
        """The entry's own expectations (all, or those on ``metrics``) as checks, read from the zoo."""
        entry = zoo.get(name)
        def rule(metric):
            if entry.rule == "median":
                return "median"
            stats = summary(name)["metrics"][metric]
            return (f"on {stats['seeds_meeting']} seeds [{stats['share_low']:.2f}, {stats['share_high']:.2f}], "
                    f"share {entry.share[0]} {entry.share[1]:g}")

        return [(f"{name}: {metric} {op} {value:g} ({rule(metric)})", summary(name)["verdicts"][metric])
                for metric, (op, value) in entry.expected.items() if not metrics or metric in metrics]

    def add(claim, measured, checks, entries, statistic, note="", kind="result"):
        rows.append({"claim": claim, "measured": measured, "expected": "; ".join(what for what, _ in checks),
                     "holds": all(bool(ok) for _, ok in checks), "checks": [{"what": w, "holds": bool(ok)} for w, ok in checks],
                     "statistic": statistic, "note": note, "kind": kind,
                     "seeds": _seeds(*(results[name] for name in entries)), "entries": entries})

    def half_plane(name):
        data = zoo.dataset(name)
        return best_half_plane_accuracy(data.x_test[:, :2], data.y_test)

    margin = linear.BEATS_HALF_PLANE_BY

    # -- Linear models fail on circle; non-linear ones succeed on the same data and seeds.
    line = half_plane("circle-linear")
    lin, hid = median("circle-linear", "val_accuracy"), median("circle-hidden-linear", "val_accuracy")
    sig, rel = median("circle-sigmoid", "val_accuracy"), median("circle-relu", "val_accuracy")
    add("A linear model learns all a straight line can on circle, and no more, and so do hidden linear layers; "
        "one sigmoid or ReLU hidden layer succeeds",
        f"training loss above the best line's: linear {shown('circle-linear', 'line_loss_gap')}, hidden linear "
        f"{shown('circle-hidden-linear', 'line_loss_gap')}; test accuracy: linear {shown('circle-linear', 'val_accuracy')}, "
        f"hidden linear {shown('circle-hidden-linear', 'val_accuracy')}; best half-plane on the same test points "
        f"{line:.3f}; sigmoid {shown('circle-sigmoid', 'val_accuracy')}, ReLU {shown('circle-relu', 'val_accuracy')}",
        [*expected("circle-linear", "line_loss_gap"), *expected("circle-hidden-linear", "line_loss_gap"),
         (f"linear and hidden linear ≤ best half-plane ({line:.3f})", max(lin, hid) <= line + 1e-9),
         (f"sigmoid and ReLU ≥ best half-plane + {margin:g}", min(sig, rel) >= line + margin),
         *expected("circle-sigmoid"), *expected("circle-relu")],
        ["circle-linear", "circle-hidden-linear", "circle-sigmoid", "circle-relu"], MEDIAN,
        note="Trained at the Playground's SGD 0.03, both reach the lowest loss a straight line can (models/linear.py: "
             "LINE_LOSS_MARGIN); with the Playground's loss that line is almost flat, so its accuracy sits below "
             "the best half-plane's, which only bounds it. Depth adds nothing.")
    # -- XOR: linear layers fail, [3, 3, 2] ReLU succeeds.
    xor_line = half_plane("xor-hidden-linear")
    xor_lin, xor_deep = median("xor-hidden-linear", "val_accuracy"), median("xor-332-relu", "val_accuracy")
    add("Hidden linear layers learn all a straight line can on XOR, and no more; ReLU layers [3, 3, 2] succeed",
        f"training loss above the best line's: hidden linear {shown('xor-hidden-linear', 'line_loss_gap')}; "
        f"test accuracy: hidden linear {shown('xor-hidden-linear', 'val_accuracy')}; best half-plane {xor_line:.3f}; "
        f"[3, 3, 2] ReLU {shown('xor-332-relu', 'val_accuracy')}",
        [*expected("xor-hidden-linear"), (f"hidden linear ≤ best half-plane ({xor_line:.3f})", xor_lin <= xor_line + 1e-9),
         (f"[3, 3, 2] ReLU ≥ best half-plane + {margin:g}", xor_deep >= xor_line + margin)],
        ["xor-hidden-linear", "xor-332-relu"], MEDIAN)
    # -- Feature crosses.
    crosses = median("circle-linear-crosses", "val_accuracy")
    add("Feature crosses (x1², x2²) rescue the linear model on circle",
        f"test accuracy: linear on x1, x2 {shown('circle-linear', 'val_accuracy')} (best half-plane {line:.3f}); "
        f"linear on x1, x2, x1², x2² {shown('circle-linear-crosses', 'val_accuracy')}, test loss "
        f"{shown('circle-linear-crosses', 'val_loss')}",
        [(f"with crosses ≥ best half-plane in x1, x2 + {margin:g}", crosses >= line + margin),
         *expected("circle-linear-crosses")],
        ["circle-linear", "circle-linear-crosses"], MEDIAN)
    # -- The XOR ladder.
    deep = _values(results["xor-332-relu"], "val_loss")
    hits_deep = sum(v <= xor.TARGET for v in deep)
    add("XOR: one linear neuron underfits; hidden layers [3, 3, 2] with ReLU reach test loss ≤ 0.177",
        f"test loss: 1 linear neuron {shown('xor-1-linear', 'val_loss')}; [3, 3, 2] ReLU "
        f"{shown('xor-332-relu', 'val_loss')}, {_share_text(hits_deep, len(deep))} of seeds reach {xor.TARGET}",
        [*expected("xor-1-linear"), *expected("xor-332-relu")], ["xor-1-linear", "xor-332-relu"],
        f"{MEDIAN} (1 neuron), share of seeds [95 % interval] ([3, 3, 2])")
    two, three = results["xor-2-relu"], results["xor-3-relu"]
    best_two, best_three = _best_run(two, "val_loss"), _best_run(three, "val_loss")
    hits_two = sum(v <= xor.TARGET for v in _values(two, "val_loss"))
    hits_three = sum(v <= xor.TARGET for v in _values(three, "val_loss"))
    add(f"XOR: 3 ReLU units can reach test loss ≤ {xor.TARGET}; 2 do not on this data set",
        f"seeds reaching {xor.TARGET}: 2 units {_share_text(hits_two, len(two))} (best "
        f"{best_two.metrics['val_loss']:.3f}, seed {best_two.seed}); 3 units {_share_text(hits_three, len(three))} "
        f"(best {best_three.metrics['val_loss']:.3f}, seed {best_three.seed})",
        [*expected("xor-2-relu"), *expected("xor-3-relu")], ["xor-2-relu", "xor-3-relu"],
        "best seed; share of seeds [95 % interval]",
        note="Measured on data seed 0 only; on data seeds 1-5 (model seeds 0-7) 2 units reach the "
             "target on 4 of the 5 data sets (e.g. data seed 3, model seed 3: 0.151).")
    add("XOR with 3 ReLU units: not every run converges",
        f"share of seeds reaching {xor.TARGET}: {_share_text(hits_three, len(three))}",
        [(f"some seeds reach {xor.TARGET} and some do not", 0 < hits_three < len(three))],
        ["xor-3-relu"], "share of seeds [95 % Clopper–Pearson interval]")
    # -- Initialisation.
    small, large = _values(results["xor-small-init"], "val_loss"), _values(results["xor-large-init"], "val_loss")
    small_spread, large_spread = max(small) - min(small), max(large) - min(large)
    add("Initialisation: a small net's result varies between runs, a larger net's much less",
        f"test loss max − min over {len(small)} seeds: small [3] {small_spread:.3f}, large [8, 8, 8] "
        f"{large_spread:.3f}; large net's test loss {shown('xor-large-init', 'val_loss')}",
        [(f"small spread ≥ {xor.SPREAD_RATIO:g} × large spread", small_spread >= xor.SPREAD_RATIO * large_spread),
         *expected("xor-large-init")],
        ["xor-small-init", "xor-large-init"], f"spread over seeds; {MEDIAN}")
    # -- Vanishing gradients.
    add("Vanishing gradients: depth-10 sigmoid starves its first layer and does not learn; ReLU does both",
        f"first/last layer gradient norm at initialisation: sigmoid {shown('deep-sigmoid', 'init_gradient_ratio')}, "
        f"ReLU {shown('deep-relu', 'init_gradient_ratio')}; after 50 epochs test loss sigmoid "
        f"{shown('deep-sigmoid', 'val_loss')}, test accuracy ReLU {shown('deep-relu', 'val_accuracy')}",
        [*expected("deep-sigmoid"), *expected("deep-relu")], ["deep-sigmoid", "deep-relu"], MEDIAN,
        note="deep-relu also uses He initialisation (deep-sigmoid Glorot): the row compares the "
             "course's recommended setup for each activation, not one cause.")
    # -- Dying ReLU, one cause at a time.
    dead = {name: median(name, "dead_share") for name in ("dying-relu", "dying-relu-low-rate", "dying-relu-he")}
    init_dead = median("dying-relu", "init_dead_share")
    relu_died = expected("dying-relu")
    add("Dying ReLU: too high a learning rate (Adam 0.1) kills units",
        f"dead share: {shown('dying-relu', 'init_dead_share')} at initialisation, {shown('dying-relu', 'dead_share')} "
        f"after training; test accuracy {shown('dying-relu', 'val_accuracy')}",
        [(f"dead share rises by ≥ {depth.KILLED_MORE_THAN_INIT_BY:g} over initialisation",
          dead["dying-relu"] - init_dead >= depth.KILLED_MORE_THAN_INIT_BY), *relu_died],
        ["dying-relu"], MEDIAN,
        note="Dead: activation 0 on every training input (kit.diagnostics.dead_fraction).")
    add("Dying ReLU, fix alone: a lower learning rate (Adam 0.01, nothing else changed)",
        f"dead share {shown('dying-relu-low-rate', 'dead_share')} (Adam 0.1: {shown('dying-relu', 'dead_share')}); "
        f"test accuracy {shown('dying-relu-low-rate', 'val_accuracy')} (Adam 0.1: {shown('dying-relu', 'val_accuracy')})",
        [(f"dead share ≤ {depth.FIX_HALVES_DEAD:g} × Adam 0.1's",
          dead["dying-relu-low-rate"] <= depth.FIX_HALVES_DEAD * dead["dying-relu"]),
         *relu_died, *expected("dying-relu-low-rate")],
        ["dying-relu", "dying-relu-low-rate"], MEDIAN)
    add("Dying ReLU, fix alone: leaky ReLU keeps every unit's gradient, but the rate still pushes units negative",
        f"dead share 0 by construction (slope 0.01 below 0); inactive share {shown('dying-relu-leaky', 'inactive_share')} "
        f"(ReLU dead share {shown('dying-relu', 'dead_share')}); test accuracy {shown('dying-relu-leaky', 'val_accuracy')} "
        f"(ReLU {shown('dying-relu', 'val_accuracy')}, lower rate {shown('dying-relu-low-rate', 'val_accuracy')})",
        [*relu_died, *expected("dying-relu-leaky")], ["dying-relu", "dying-relu-leaky"], MEDIAN,
        note="Inactive: pre-activation ≤ 0 on every training input; for ReLU that is dead, for leaky "
             "ReLU and ELU the unit still learns through its negative slope.")
    elu_inactive = median("dying-relu-elu", "inactive_share")
    add("Dying ReLU, fix alone: ELU keeps units off the flat side",
        f"inactive share {shown('dying-relu-elu', 'inactive_share')} (ReLU dead share {shown('dying-relu', 'dead_share')}); "
        f"test accuracy {shown('dying-relu-elu', 'val_accuracy')} (lower rate {shown('dying-relu-low-rate', 'val_accuracy')})",
        [(f"inactive share ≤ {depth.FIX_HALVES_DEAD:g} × ReLU's dead share",
          elu_inactive <= depth.FIX_HALVES_DEAD * dead["dying-relu"]), *relu_died, *expected("dying-relu-elu")],
        ["dying-relu", "dying-relu-elu"], MEDIAN)
    add("Dying ReLU, fix alone: He initialisation does not stop too high a rate from killing units",
        f"dead share {shown('dying-relu-he', 'init_dead_share')} at initialisation, {shown('dying-relu-he', 'dead_share')} "
        f"after training (Playground initialisation: {shown('dying-relu', 'dead_share')}); test accuracy "
        f"{shown('dying-relu-he', 'val_accuracy')}",
        [*relu_died, *expected("dying-relu-he")], ["dying-relu", "dying-relu-he"], MEDIAN,
        note="Only the lower rate fixes this setup alone: the rate, not the activation or the "
             "initialisation, is the cause.")
    # -- Universal approximation.
    errors = {u: median(f"sin-relu-{u}", "max_abs_error") for u in (4, 8, 16, 32)}
    add("Universal approximation: more ReLU units, smaller error (sin on [−π, π])",
        "max |sin − network| on a 2,001-point grid: " + ", ".join(f"{shown(f'sin-relu-{u}', 'max_abs_error')} ({u} units)"
                                                                for u in errors),
        [(f"32 units ≤ 4 units' error / {approximation.SHRINK:g}", errors[32] <= errors[4] / approximation.SHRINK),
         *(check for u in errors for check in expected(f"sin-relu-{u}"))],
        [f"sin-relu-{u}" for u in errors], MEDIAN)
    # -- A custom activation.
    data = zoo.dataset("parabola-quadratic")
    slope, intercept = np.polyfit(data.x_train[:, 0], data.y_train, 1)
    line_mse = float(np.mean((slope * data.x_test[:, 0] + intercept - data.y_test) ** 2))
    parabola = median("parabola-quadratic", "val_loss")
    add("A custom quadratic activation fits a parabola with one unit",
        f"test MSE {shown('parabola-quadratic', 'val_loss')}; the best straight line (least squares on the training "
        f"split) {line_mse:.2f}",
        [("below the best straight line's test MSE", parabola < line_mse), *expected("parabola-quadratic")],
        ["parabola-quadratic"], MEDIAN)
    # -- Softmax.
    digits = zoo.dataset("digits-softmax")
    majority = float(np.mean(digits.y_test == np.bincount(digits.y_train.astype(int)).argmax()))
    add("Softmax over ten classes: digits reach the exercise's ≥ 0.95 test accuracy",
        f"test accuracy {shown('digits-softmax', 'val_accuracy')} (most frequent class: {majority:.2f})",
        [("above the most frequent class's share", median("digits-softmax", "val_accuracy") > majority),
         *expected("digits-softmax")], ["digits-softmax"], MEDIAN)

    # -- Facts checked: identities that hold for any network; shown, not counted.
    add("A stack of linear layers is one affine map x·W + b",
        f"max |network − collapsed map| on the test set {shown('circle-hidden-linear', 'collapse_error')} (trained "
        "hidden-linear net)",
        expected("circle-hidden-linear", "collapse_error"), ["circle-hidden-linear"], MEDIAN, kind="fact")
    grid = np.linspace(-20, 20, 400001)
    peak = float(activations.derivative("sigmoid", grid).max())
    add("The sigmoid's derivative is at most 0.25 (at 0)", f"max σ′ on [−20, 20] = {peak:.6f}",
        [("|max σ′ − 0.25| < 1e-6", abs(peak - 0.25) < 1e-6)], [], "formula", kind="fact")
    relu = activations.evaluate("relu", np.array([-1.0, 0.0, 1.0]))
    add("ReLU is not linear: f(−1) + f(1) ≠ f(0)", f"f(−1) + f(1) = {relu[0] + relu[2]:g}, f(0) = {relu[1]:g}",
        [("f(−1) + f(1) ≠ f(0)", relu[0] + relu[2] != relu[1])], [], "formula", kind="fact")
    run = _median_run(results["digits-softmax"], "val_accuracy")
    sums = np.asarray(run.model(run.data.x_test, training=False), dtype=np.float64).sum(axis=1)
    add("Softmax outputs sum to 1", f"max |Σ p − 1| = {np.abs(sums - 1).max():.1e} (seed {run.seed})",
        [("≤ 1e-5 (float32 rounding over 10 terms)", np.abs(sums - 1).max() <= 1e-5)], ["digits-softmax"],
        f"seed {run.seed}", kind="fact")
    return rows


def claims_markdown(rows: list[dict]) -> str:
    """The claims table as Markdown: the course's results (counted), then the facts checked."""
    lines = []
    for kind, title in (("result", "Course results, measured on trained networks"),
                        ("fact", "Facts checked (identities; not counted as results)")):
        selected = [row for row in rows if row["kind"] == kind]
        held = sum(row["holds"] for row in selected)
        lines += [f"## {title}: {held}/{len(selected)} hold", "",
                  "| # | claim | measured | statistic | expected (thresholds from models/) | seeds | holds |",
                  "|---|---|---|---|---|---|---|"]
        for index, row in enumerate(selected, start=1):
            claim = row["claim"] + (f" *({row['note']})*" if row["note"] else "")
            cells = [index, claim, row["measured"], row["statistic"], row["expected"], row["seeds"] or "—",
                     "yes" if row["holds"] else "**NO**"]
            lines.append("| " + " | ".join(_escape(cell) for cell in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def claims_text(rows: list[dict]) -> str:
    """The claims table for a terminal."""
    lines = []
    for kind, title in (("result", "Course results (counted)"), ("fact", "Facts checked (not counted)")):
        lines.append(f"-- {title}")
        for index, row in enumerate((row for row in rows if row["kind"] == kind), start=1):
            mark = "holds" if row["holds"] else "DOES NOT HOLD"
            lines.append(f"{index:>2}. [{mark}] {row['claim']}\n      measured ({row['statistic']}): {row['measured']}"
                         f"\n      expected: {row['expected']}   seeds: {row['seeds'] or '—'}")
    return "\n".join(lines)


@validate_params(out_dir=PATH, echo=Function("a function printing a line, e.g. print"))
def run(out_dir: str | Path = "runs", echo=print) -> list[dict]:
    """The whole demo; returns the claims rows."""
    started = time.perf_counter()
    out = output_folder(out_dir, "the demo's runs, figures and claims")  # before any training
    figures = out / "figures"
    results = train_stages(out, echo=echo)
    echo("\n== Figures")
    for path in draw_figures(results, figures):
        echo(f"  {path}")
    rows = claims(results)
    with writing(out, "the claims table into"):
        (out / "claims.md").write_text("# The course's claims, measured\n\n" + claims_markdown(rows))
        (out / "claims.json").write_text(json.dumps(rows, indent=1))
    echo("\n== Claims\n" + claims_text(rows))
    counted = [row for row in rows if row["kind"] == "result"]
    facts = [row for row in rows if row["kind"] == "fact"]
    echo(f"\n{sum(r['holds'] for r in counted)}/{len(counted)} course results and "
         f"{sum(r['holds'] for r in facts)}/{len(facts)} facts hold. Table: {out / 'claims.md'} and {out / 'claims.json'}. "
         f"Finished in {time.perf_counter() - started:.0f} s.")
    echo(f"Open the dashboards: kit board {out}")
    return rows
