"""Regenerate this exercise's figures: ``python exercises/05-xor-by-hand/figures/make_figures.py``.

- ``step_xor.png``: the step network on the unit square: its two hidden lines (OR and NAND) and
  the band between them where the output is 1, with the four XOR inputs;
- ``relu_xor.png``: what ReLU units draw on the Playground's plane (a ramp on one side of a line,
  0 on the other; two ramps make a valley) and why two of them are not enough for xor. It does
  not show the answer.
"""

import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from kit import builders, datasets, plots

HERE = Path(__file__).parent


def solution():
    spec = importlib.util.spec_from_file_location("solution05", HERE.parent / "solution.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def step_figure(module, path):
    w = module.step_xor_weights()
    axis = np.linspace(-0.5, 1.5, 401)
    a, b = np.meshgrid(axis, axis[::-1])
    grid = np.stack([a.ravel(), b.ravel()], 1)
    output = module.step(module.step(grid @ w["W1"] + w["b1"]) @ w["W2"] + w["b2"])[:, 0]
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.imshow((2 * output - 1).reshape(a.shape) * 0.6, extent=(-0.5, 1.5, -0.5, 1.5), cmap=plots.PLAYGROUND_CMAP,
              vmin=-1, vmax=1)
    names = ("hidden unit 1 (OR)", "hidden unit 2 (NAND)")
    for j, (name, style) in enumerate(zip(names, ("-", "--"))):
        w1, w2 = w["W1"][:, j]
        ax.plot(axis, (-w["b1"][j] - w1 * axis) / w2, color="0.15", ls=style, lw=1.4, label=f"{name}: its line")
    for (x, y), value in zip([(0, 0), (0, 1), (1, 0), (1, 1)], (0, 1, 1, 0)):
        ax.scatter([x], [y], s=90, color=plots.PLAYGROUND_POSITIVE if value else plots.PLAYGROUND_NEGATIVE,
                   edgecolors="black", zorder=3)
        ax.annotate(f"({x}, {y}) → {value}", (x, y), xytext=(6, 8), textcoords="offset points", fontsize=9)
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_xlabel("a")
    ax.set_ylabel("b")
    ax.set_title("step network: output 1 (blue) between the lines", fontsize=10)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)


def _ramp_panel(ax, values, title):
    extent = plots.PLAYGROUND_EXTENT
    ax.imshow(np.clip(values, -1, 1).reshape(121, 121), extent=(-extent, extent, -extent, extent),
              cmap=plots.PLAYGROUND_CMAP, vmin=-1, vmax=1)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([-6, 0, 6])
    ax.set_yticks([-6, 0, 6])


def relu_figure(module, path):
    """What ReLU units draw, without giving the answer: one ramp, a valley of two, and two units failing on xor."""
    inputs = plots.plane_inputs(resolution=121).astype(np.float64)
    x1, x2 = inputs[:, 0], inputs[:, 1]
    relu = module.relu
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.7))
    _ramp_panel(axes[0], relu(x1 - 1) / 5, "one unit: relu(x1 − 1)\n0 left of x1 = 1, a ramp to its right")
    _ramp_panel(axes[1], (relu(x1) + relu(-x1)) / 3 - 1, "two units: relu(x1) + relu(−x1) − 3 = |x1| − 3\n"
                                                          "a valley: negative only for |x1| < 3")
    # Two units for xor: the band |x1 + x2| > 3.5 (the best threshold for this pair on these data).
    model = builders.build_mlp(2, [2], "relu", head="linear")
    model.set_weights([np.array([[1.0, -1.0], [1.0, -1.0]]), np.zeros(2), np.ones((2, 1)), np.array([-3.5])])
    data = datasets.playground("xor", noise=0, seed=0)
    points = np.concatenate([data.x_train, data.x_test]).astype(np.float64)
    labels = np.concatenate([data.y_train, data.y_test])
    output = relu(points @ np.array([[1.0, -1.0], [1.0, -1.0]])) @ np.ones(2) - 3.5
    accuracy = np.mean(np.sign(output) == labels)
    plots.decision_boundary(model, data, ax=axes[2],
                            title=f"two units on xor: |x1 + x2| − 3.5\nright for {accuracy:.0%} of the points")
    fig.tight_layout()
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    module = solution()
    step_figure(module, HERE / "step_xor.png")
    relu_figure(module, HERE / "relu_xor.png")
