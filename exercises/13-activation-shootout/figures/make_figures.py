"""Regenerate this exercise's figures: ``python exercises/13-activation-shootout/figures/make_figures.py``.

Runs the reference ``run_shootout`` (solution.py) into a temporary logdir, reads the runs back
as the grader does (``kit.grading.sandbox.logdirs.read_runs``), and trains the twelve networks again from
the recipe their HParams record (the grader's re-training: the same test accuracies, bit for bit):

- ``shootout.png``: the results grid: each run's decision boundary (the picture TensorBoard's
  Images tab shows as ``decision_boundary``), one row per activation and one column per data set,
  titled with its logged test accuracy;
- ``dashboards.png``: what the Scalars and Custom Scalars dashboards show for the spiral runs:
  the test accuracy per epoch, and the share of dead (ReLU) or saturated (sigmoid, tanh) units
  per hidden layer at the start and after the last epoch (a linear unit can do neither).
"""

import runpy
import tempfile
from io import BytesIO
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from kit import builders, datasets, plots, style
from kit.grading.sandbox import drivers, logdirs
from kit.training import train_many

HERE = Path(__file__).parent
SOLUTION = runpy.run_path(str(HERE.parent / "solution.py"))
ACTIVATIONS, DATASETS = SOLUTION["ACTIVATIONS"], SOLUTION["DATASETS"]


def shootout_runs() -> dict:
    """``{"relu/spiral": Logdir, …}``: the reference's runs, read back from their event files."""
    with tempfile.TemporaryDirectory() as folder:
        SOLUTION["run_shootout"](folder)
        runs = logdirs.read_runs(drivers.collect_event_files(folder)["files"])
    return {f"{run.hparams['activation']}/{run.hparams['dataset']}": run for run in runs.values()}


def trained_again(runs: dict) -> dict:
    """The twelve networks trained again from their HParams: ``{"relu/spiral": model, …}``."""
    first = next(iter(runs.values())).hparams
    hidden = [int(width) for width in first["hidden"].split("-")]
    keys = list(runs)
    models = [builders.build_mlp(2, hidden, key.split("/")[0], seed=int(runs[key].hparams["seed"])) for key in keys]
    data = {name: datasets.playground(name, noise=0, seed=0) for name in DATASETS}
    histories = train_many(models, [data[key.split("/")[1]] for key in keys], epochs=int(first["epochs"]),
                           batch_size=int(first["batch_size"]), optimizer=first["optimizer"],
                           learning_rate=first["learning_rate"], seeds=[int(runs[k].hparams["seed"]) for k in keys],
                           verbose=0)
    for key, history in zip(keys, histories):
        again, logged = history.history["val_accuracy"][-1], runs[key].last("accuracy/test")
        assert abs(again - logged) < 1e-6, (key, again, logged)  # the grader's re-training: the same number
    return dict(zip(keys, models))


def save_small(fig, path, dpi=64):
    """An 8-bit palette PNG (the heat maps need few colours): a small file for the README."""
    buffer = BytesIO()
    fig.savefig(buffer, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    Image.open(buffer).convert("RGB").quantize(colors=64).save(path, optimize=True)


def grid_figure(runs, models, path):
    panels = [(f"{key.split('/')[0]} on {key.split('/')[1]}: {runs[key].last('accuracy/test'):.2f}", models[key],
               datasets.playground(key.split("/")[1], noise=0, seed=0))
              for key in (f"{activation}/{name}" for activation in ACTIVATIONS for name in DATASETS)]
    save_small(plots.decision_boundaries(panels, columns=len(DATASETS)), path)


def dashboards_figure(runs, path):
    fig, (curves, shares) = plt.subplots(1, 2, figsize=(10.5, 3.6), gridspec_kw={"width_ratios": (1.3, 1)})
    colours = style.ACTIVATION_COLOURS  # the colours of the kit's TensorBoard pictures
    for activation in ACTIVATIONS:
        steps, values = zip(*runs[f"{activation}/spiral"].scalars["accuracy/test"])
        curves.plot(steps, values, color=colours[activation], lw=1.4, label=activation)
    curves.set_xlabel("epoch")
    curves.set_ylabel("accuracy/test")
    curves.set_ylim(0.4, 1.02)
    curves.set_title("Scalars: test accuracy on spiral, per epoch", fontsize=10)
    curves.grid(alpha=0.25)
    curves.legend(frameon=False, fontsize=9, loc="lower right")
    bars, labels = [], []
    for activation in ACTIVATIONS[1:]:
        run = runs[f"{activation}/spiral"]
        family = "dead_fraction" if activation == "relu" else "saturated_fraction"
        for tag in sorted(t for t in run.scalars if t.startswith(family + "/")):
            bars.append((run.at(tag, 0), run.last(tag), colours[activation]))
            labels.append(f"{activation}\n{tag.split('/')[1]}")
    positions = np.arange(len(bars))
    shares.bar(positions - 0.2, [b[0] for b in bars], 0.4, color=[b[2] for b in bars], alpha=0.35)
    shares.bar(positions + 0.2, [b[1] for b in bars], 0.4, color=[b[2] for b in bars])
    shares.bar([0], [0], color="0.6", alpha=0.35, label="step 0 (pale)")  # legend entries only
    shares.bar([0], [0], color="0.3", label="last epoch")
    shares.set_xticks(positions, labels, fontsize=8)
    shares.set_ylim(0, 1.05)
    shares.set_ylabel("share of the layer's units")
    shares.set_title("Custom Scalars: dead (ReLU), saturated (sigmoid, tanh) units, spiral", fontsize=10)
    shares.legend(frameon=False, fontsize=9)
    shares.grid(alpha=0.25, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    runs = shootout_runs()
    grid_figure(runs, trained_again(runs), HERE / "shootout.png")
    dashboards_figure(runs, HERE / "dashboards.png")
    for key, run in runs.items():
        print(f"{key:15s} {run.last('accuracy/test'):.3f}")
