"""Regenerate this exercise's figures: ``python exercises/06-relu-xor/figures/make_figures.py``.

- ``runs.png``: the test loss of 16 runs (16 random initialisations) of four ReLU networks on XOR,
  with the course's target 0.177: two units never reach it, three reach it in about half of the
  runs, six in every run;
- ``half_planes.png``: the three ReLU units of the best run of [3] and of a typical one that did not
  reach the target (the median of those), each over the plane, and the outputs.

Every run is trained as the grader trains (the Playground's initialisation drawn with the run's
seed, the reference recipe: adam 0.01, batch 10, 200 epochs) on xor, noise 0, data seed 0.
"""

from io import BytesIO
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np

from kit import builders, datasets, plots
from kit.training import train

HERE = Path(__file__).parent
RECIPE = {"optimizer": "adam", "learning_rate": 0.01, "epochs": 200, "batch_size": 10}  # the reference's
TARGET = 0.177
NETWORKS = ([2], [3], [3, 3, 2], [6])
SEEDS = range(16)


def trained(hidden, data, seed):
    model = builders.build_mlp(2, hidden=hidden, activation="relu", seed=seed)
    history = train(model, data, verbose=0, seed=seed, **RECIPE)
    return model, history.history["val_loss"][-1]


def save_small(fig, path, dpi=90):
    """Save as an 8-bit palette PNG: a small file for the README."""
    from PIL import Image

    buffer = BytesIO()
    fig.savefig(buffer, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    Image.open(buffer).convert("RGB").quantize(colors=128).save(path, optimize=True)


def runs_figure(losses: dict, path):
    fig, ax = plt.subplots(figsize=(6.2, 3.0))
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, len(SEEDS))
    for index, (name, values) in enumerate(losses.items()):
        values = np.asarray(values)
        reached = values <= TARGET
        ax.scatter(index + jitter[reached], values[reached], s=18, c=plots.PLAYGROUND_POSITIVE, zorder=3)
        ax.scatter(index + jitter[~reached], values[~reached], s=18, c=plots.PLAYGROUND_NEGATIVE, zorder=3)
    ax.axhline(TARGET, color="0.3", linestyle="--", linewidth=1)
    ax.text(len(losses) - 0.45, TARGET + 0.01, "target 0.177", fontsize=8, color="0.3", ha="right")
    ax.set_xticks(range(len(losses)), [f"ReLU {name}\n{sum(np.asarray(v) <= TARGET)}/{len(v)} reached"
                                       for name, v in losses.items()])
    ax.set_ylim(-0.02, 0.52)
    ax.set_ylabel("test loss after training")
    ax.set_title("XOR: 16 runs per network (blue: reached the target)", fontsize=10)
    fig.tight_layout()
    save_small(fig, path)


def half_planes_figure(runs: list, data, path):
    """One row per run: each hidden ReLU unit over the plane (0 is white, scaled to its maximum) and the output."""
    grid = plots.plane_inputs(("x1", "x2"), 100)
    extent = plots.PLAYGROUND_EXTENT
    train_points, _ = datasets.playground_points(data)
    fig, axes = plt.subplots(len(runs), 4, figsize=(9.2, 2.5 * len(runs)), squeeze=False)
    for row, (label, model) in zip(axes, runs):
        units = np.asarray(keras.Model(model.input, model.get_layer("hidden_1").output)(grid, training=False))
        images = [(f"ReLU unit {i + 1}", units[:, i].reshape(100, 100) / max(units[:, i].max(), 1e-9))
                  for i in range(units.shape[1])]
        images.append((f"output: {label}", plots.decision_grid(model, ("x1", "x2"), 100)))
        for ax, (title, image) in zip(row, images):
            ax.imshow(image, extent=(-extent, extent, -extent, extent), cmap=plots.PLAYGROUND_CMAP, vmin=-1, vmax=1,
                      interpolation="bilinear")
            if title.startswith("output"):
                colours = np.where(data.y_train > 0, plots.PLAYGROUND_POSITIVE, plots.PLAYGROUND_NEGATIVE)
                ax.scatter(train_points[:, 0], train_points[:, 1], c=colours, s=5, edgecolors="white", linewidths=0.3)
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    save_small(fig, path)


if __name__ == "__main__":
    data = datasets.playground("xor", noise=0, seed=0)
    losses, three = {}, {}
    for hidden in NETWORKS:
        name = str(hidden)
        losses[name] = []
        for seed in SEEDS:
            model, loss = trained(hidden, data, seed)
            losses[name].append(loss)
            if hidden == [3]:
                three[seed] = (model, loss)
        print(name, " ".join(f"{loss:.3f}" for loss in losses[name]))
    runs_figure(losses, HERE / "runs.png")
    converged = min(three, key=lambda seed: three[seed][1])
    stuck_runs = sorted((three[seed][1], seed) for seed in three if three[seed][1] > TARGET)
    stuck = stuck_runs[len(stuck_runs) // 2][1]  # a typical stuck run: the median loss of those that missed
    half_planes_figure([(f"converged, test loss {three[converged][1]:.3f}", three[converged][0]),
                        (f"stuck, test loss {three[stuck][1]:.3f}", three[stuck][0])], data, HERE / "half_planes.png")
