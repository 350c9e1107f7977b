"""The main job behind ``kit demo``: the course's progression, end to end, from the zoo.

Linear model → hidden layers with linear activation (still linear) → sigmoid → ReLU, then the
XOR ladder, feature crosses, vanishing gradients, dying ReLU, universal approximation and
softmax. Every entry is trained on each of its seeds with the fast trainer; the first seed of
each writes a TensorBoard run (``runs/<entry>``) with the kit's diagnostics. The figures go to
``runs/figures`` and the claims table, one row per claim of the course with what was measured,
to ``runs/claims.md`` and ``runs/claims.json``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from kit.errors import PATH, Function, validate_params, writing

# The entries the demo trains, in the order of the course.
STAGES = [
    ("Why non-linear activations: the same circle, four networks",
     ["circle-linear", "circle-hidden-linear", "circle-sigmoid", "circle-relu"]),
    ("Feature crosses rescue a linear model", ["circle-linear-crosses"]),
    ("Linear layers fail on XOR; the crash course's ReLU ladder",
     ["xor-hidden-linear", "xor-1-linear", "xor-2-relu", "xor-3-relu", "xor-332-relu"]),
    ("Initialisation: small versus large network", ["xor-small-init", "xor-large-init"]),
    ("Vanishing gradients: ten sigmoid layers versus ten ReLU layers", ["deep-sigmoid", "deep-relu"]),
    ("Dying ReLU and its fix", ["dying-relu", "dying-relu-fixed"]),
    ("Universal approximation and a custom activation",
     ["sin-relu-4", "sin-relu-8", "sin-relu-16", "sin-relu-32", "parabola-quadratic"]),
    ("Softmax for ten classes", ["digits-softmax"]),
]


@validate_params(out=PATH, echo=Function("a function printing a line, e.g. print"))
def train_stages(out: Path, echo=print) -> dict:
    """Train every stage's entries on all their seeds; the first seed logs to TensorBoard."""
    from kit import zoo
    from kit.tensorboard import Diagnostics

    results: dict[str, list] = {}
    total = sum(len(names) for _, names in STAGES)
    done = 0
    for title, names in STAGES:
        echo(f"\n== {title}")
        for name in names:
            entry = zoo.get(name)
            started = time.perf_counter()
            runs = []
            for seed in entry.seeds:
                callbacks = []
                if seed == entry.seeds[0]:
                    hparams = {"entry": name}
                    callbacks.append(Diagnostics(out / name, probe=zoo.dataset(name), hparams=hparams))
                runs.append(zoo.train(name, seed=seed, callbacks=callbacks))
            results[name] = runs
            done += 1
            summary = zoo.summarise(entry, runs)
            shown = {k: v for k, v in summary["metrics"].items() if k in zoo.RESULT_METRICS}
            figures = ", ".join(f"{k} {v['median']:.3g}" for k, v in shown.items())
            echo(f"[{done:>2}/{total}] {name:<22} {len(runs)} seed{'s' if len(runs) > 1 else ' '}  {figures}  "
                 f"({time.perf_counter() - started:.1f} s)")
    return results


def _first_meeting(runs, metric, op, target):
    from kit.zoo import OPERATORS

    for run in runs:
        if OPERATORS[op](run.metrics[metric], target):
            return run
    return runs[0]


@validate_params(figures=PATH)
def draw_figures(results: dict, figures: Path) -> list[Path]:
    """The demo's figures, from the trained models (first seed unless said otherwise)."""
    from kit import diagnostics, plots, zoo

    paths = []

    def save(name):
        paths.append(figures / name)
        return figures / name

    plots.activation_curves(["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "quadratic"],
                            path=save("activations.png"))
    titles = {"circle-linear": "linear model", "circle-hidden-linear": "hidden layers, linear",
              "circle-sigmoid": "hidden layer, sigmoid", "circle-relu": "hidden layer, ReLU"}
    plots.decision_boundaries([(f"{t}\ntest loss {results[n][0].metrics['val_loss']:.3f}", results[n][0].model,
                                results[n][0].data) for n, t in titles.items()], path=save("progression.png"))
    three = _first_meeting(results["xor-3-relu"], "val_loss", "<=", 0.177)
    ladder = [("1 linear neuron", results["xor-1-linear"][0]), ("2 ReLU", results["xor-2-relu"][0]),
              (f"3 ReLU (seed {three.seed})", three), ("[3, 3, 2] ReLU", results["xor-332-relu"][0])]
    plots.decision_boundaries([(f"{t}\ntest loss {r.metrics['val_loss']:.3f}", r.model, r.data) for t, r in ladder],
                              path=save("xor_ladder.png"))
    plots.decision_boundaries([(f"{t}\ntest loss {results[n][0].metrics['val_loss']:.3f}", results[n][0].model,
                                results[n][0].data) for n, t in (("circle-linear", "linear, x1 and x2"),
                                                                  ("circle-linear-crosses", "linear, + x1² and x2²"))],
                              path=save("feature_crosses.png"))
    flow = {}
    for name, label in (("deep-sigmoid", "10 × sigmoid"), ("deep-relu", "10 × ReLU")):
        data = zoo.dataset(name)
        flow[label] = diagnostics.gradient_norms(zoo.create(name, seed=0), data.x_train, data.y_train)
    plots.gradient_flow(flow, title="Gradient flow at initialisation (circle, depth 10)", path=save("gradient_flow.png"))
    dead = {}
    for name, label in (("dying-relu", "ReLU, Adam 0.1"), ("dying-relu-fixed", "ELU + He, SGD 0.03")):
        run = results[name][0]
        dead[label] = zoo.negative_everywhere(run.model, run.data.x_train)
    plots.dead_units(dead, title="Units with pre-activation ≤ 0 on every input, after training (6 × 8, circle)",
                     path=save("dead_units.png"))
    plots.curve_fits([(f"{u} ReLU units, max error {results[f'sin-relu-{u}'][0].metrics['max_abs_error']:.3f}",
                       results[f"sin-relu-{u}"][0].model, results[f"sin-relu-{u}"][0].data) for u in (4, 8, 16, 32)],
                     path=save("approximation.png"))
    return paths


def _values(runs, metric):
    return [float(run.metrics[metric]) for run in runs]


def _seeds(*runs_lists):
    seeds = sorted({run.seed for runs in runs_lists for run in runs})
    return ", ".join(map(str, seeds))


def claims(results: dict) -> list[dict]:
    """One row per claim of the course: what was measured, what was expected, whether it holds."""
    from kit import activations

    rows = []

    def add(claim, measured, expected, holds, seeds, entries):
        rows.append({"claim": claim, "measured": measured, "expected": expected, "holds": bool(holds),
                     "seeds": seeds, "entries": entries})

    median = lambda name, metric: float(np.median(_values(results[name], metric)))  # noqa: E731

    error = max(_values(results["circle-hidden-linear"], "collapse_error"))
    add("A stack of linear layers is one affine map (x·W + b)",
        f"max |network − collapsed map| = {error:.1e}", "< 1e-5", error < 1e-5,
        _seeds(results["circle-hidden-linear"]), ["circle-hidden-linear"])
    linear, hidden = median("circle-linear", "val_accuracy"), median("circle-hidden-linear", "val_accuracy")
    add("A linear model fails on circle, and so do hidden linear layers",
        f"test accuracy {linear:.2f} (linear), {hidden:.2f} (hidden linear)",
        "< 0.76 (best half-plane ≈ 0.69)", linear < 0.76 and hidden < 0.76,
        _seeds(results["circle-linear"]), ["circle-linear", "circle-hidden-linear"])
    xor_linear = median("xor-hidden-linear", "val_accuracy")
    add("Linear layers fail on XOR", f"test accuracy {xor_linear:.2f}", "< 0.8 (best half-plane ≈ 0.73)",
        xor_linear < 0.8, _seeds(results["xor-hidden-linear"]), ["xor-hidden-linear"])
    crosses = median("circle-linear-crosses", "val_loss")
    add("Feature crosses (x1², x2²) rescue the linear model on circle", f"Playground test loss {crosses:.3f}",
        "< 0.2", crosses < 0.2, _seeds(results["circle-linear-crosses"]), ["circle-linear-crosses"])
    sigmoid, relu = median("circle-sigmoid", "val_loss"), median("circle-relu", "val_loss")
    add("A sigmoid or ReLU hidden layer separates circle from x1, x2 alone",
        f"Playground test loss {sigmoid:.3f} (sigmoid), {relu:.3f} (ReLU)", "< 0.2 each",
        sigmoid < 0.2 and relu < 0.2, _seeds(results["circle-sigmoid"]), ["circle-sigmoid", "circle-relu"])
    grid = np.linspace(-20, 20, 400001)
    peak = float(activations.derivative("sigmoid", grid).max())
    add("The sigmoid's derivative is at most 0.25", f"max σ′ on [−20, 20] = {peak:.6f}", "0.25",
        abs(peak - 0.25) < 1e-6, "—", [])
    relu_values = activations.evaluate("relu", np.array([-1.0, 0.0, 1.0]))
    add("ReLU is not linear: f(−1) + f(1) ≠ f(0)",
        f"f(−1) + f(1) = {relu_values[0] + relu_values[2]:g}, f(0) = {relu_values[1]:g}", "1 ≠ 0",
        relu_values[0] + relu_values[2] != relu_values[1], "—", [])
    one_linear = median("xor-1-linear", "val_loss")
    add("XOR: one linear neuron underfits", f"Playground test loss {one_linear:.3f}", "≈ 0.5 (> 0.4)",
        one_linear > 0.4, _seeds(results["xor-1-linear"]), ["xor-1-linear"])
    two = _values(results["xor-2-relu"], "val_loss")
    three = _values(results["xor-3-relu"], "val_loss")
    two_hits, three_hits = sum(v <= 0.177 for v in two), sum(v <= 0.177 for v in three)
    add("XOR: 3 ReLU units reach test loss ≤ 0.177 (not every run), 2 never do",
        f"seeds reaching 0.177: {three_hits}/{len(three)} with 3 units (best {min(three):.3f}), "
        f"{two_hits}/{len(two)} with 2 (best {min(two):.3f})", "3 units: ≥ 1; 2 units: 0",
        three_hits >= 1 and two_hits == 0, _seeds(results["xor-3-relu"]), ["xor-3-relu", "xor-2-relu"])
    deep = _values(results["xor-332-relu"], "val_loss")
    add("XOR: hidden layers [3, 3, 2] reach test loss ≤ 0.177", f"worst seed {max(deep):.3f}", "≤ 0.177 on every seed",
        max(deep) <= 0.177, _seeds(results["xor-332-relu"]), ["xor-332-relu"])
    small, large = _values(results["xor-small-init"], "val_loss"), _values(results["xor-large-init"], "val_loss")
    small_spread, large_spread = max(small) - min(small), max(large) - min(large)
    add("Initialisation: a small net's result varies between runs, a larger net's less",
        f"test loss spread over 5 seeds: {small_spread:.3f} (small, max/min {max(small) / min(small):.1f}×), "
        f"{large_spread:.3f} (large)", "small spread ≥ 2 × large spread", small_spread >= 2 * large_spread,
        _seeds(results["xor-small-init"]), ["xor-small-init", "xor-large-init"])
    sig_ratio, relu_ratio = median("deep-sigmoid", "init_gradient_ratio"), median("deep-relu", "init_gradient_ratio")
    add("Vanishing gradients: depth-10 sigmoid starves its first layer, ReLU does not",
        f"first/last layer gradient norm: {sig_ratio:.1e} (sigmoid), {relu_ratio:.2f} (ReLU)",
        "sigmoid < 1e-3, ReLU > 0.05", sig_ratio < 1e-3 and relu_ratio > 0.05,
        _seeds(results["deep-sigmoid"]), ["deep-sigmoid", "deep-relu"])
    before, after = _values(results["dying-relu"], "dead_share"), _values(results["dying-relu-fixed"], "dead_share")
    fixed_accuracy = min(_values(results["dying-relu-fixed"], "val_accuracy"))
    add("Dying ReLU: too high a learning rate kills units; ELU + He + a lower rate fixes it",
        f"share of units negative on every input: {min(before):.2f}-{max(before):.2f} before, "
        f"{min(after):.2f}-{max(after):.2f} after "
        f"(accuracy ≥ {fixed_accuracy:.2f})", "before ≥ 0.4, after ≤ 0.1 with accuracy ≥ 0.9 (every seed)",
        min(before) >= 0.4 and max(after) <= 0.1 and fixed_accuracy >= 0.9,
        _seeds(results["dying-relu"]), ["dying-relu", "dying-relu-fixed"])
    errors = {u: median(f"sin-relu-{u}", "max_abs_error") for u in (4, 8, 16, 32)}
    add("Universal approximation: more ReLU units, smaller error (sin on [−π, π])",
        "max error " + ", ".join(f"{e:.3f} ({u})" for u, e in errors.items()),
        "32 units < 0.05 and < ⅓ of 4 units' error", errors[32] < 0.05 and errors[32] < errors[4] / 3,
        _seeds(results["sin-relu-4"]), [f"sin-relu-{u}" for u in errors])
    parabola = median("parabola-quadratic", "val_loss")
    add("A custom quadratic activation fits a parabola with one unit", f"test MSE {parabola:.1e}",
        "< 1e-3", parabola < 1e-3, _seeds(results["parabola-quadratic"]), ["parabola-quadratic"])
    digits = median("digits-softmax", "val_accuracy")
    run = results["digits-softmax"][0]
    sums = np.asarray(run.model(run.data.x_test, training=False)).sum(axis=1)
    add("Softmax: outputs sum to 1; digits reach ≥ 0.95 test accuracy",
        f"test accuracy {digits:.3f}; |Σ p − 1| ≤ {np.abs(sums - 1).max():.1e}", "≥ 0.95; ≤ 1e-5",
        digits >= 0.95 and np.abs(sums - 1).max() <= 1e-5, _seeds(results["digits-softmax"]), ["digits-softmax"])
    return rows


def claims_markdown(rows: list[dict]) -> str:
    lines = ["| # | claim | measured | expected | seeds | holds |", "|---|---|---|---|---|---|"]
    for index, row in enumerate(rows, start=1):
        lines.append(f"| {index} | {row['claim']} | {row['measured']} | {row['expected']} | {row['seeds']} | "
                     f"{'yes' if row['holds'] else '**NO**'} |")
    return "\n".join(lines) + "\n"


def claims_text(rows: list[dict]) -> str:
    """The claims table for a terminal."""
    lines = []
    for index, row in enumerate(rows, start=1):
        mark = "holds" if row["holds"] else "DOES NOT HOLD"
        lines.append(f"{index:>2}. [{mark}] {row['claim']}\n      measured: {row['measured']}   "
                     f"expected: {row['expected']}   seeds: {row['seeds']}")
    return "\n".join(lines)


@validate_params(out_dir=PATH, echo=Function("a function printing a line, e.g. print"))
def run(out_dir: str | Path = "runs", echo=print) -> list[dict]:
    """The whole demo; returns the claims rows."""
    started = time.perf_counter()
    out = Path(out_dir)
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
    held = sum(row["holds"] for row in rows)
    echo(f"\n{held}/{len(rows)} claims hold. Table: {out / 'claims.md'} and {out / 'claims.json'}. "
         f"Finished in {time.perf_counter() - started:.0f} s.")
    echo(f"Open the dashboards: kit board {out}")
    return rows
