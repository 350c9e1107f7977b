"""Regenerate this exercise's figures: ``python exercises/03-sigmoid-hidden/figures/make_figures.py``.

- ``boundaries.png``: circle learned by no hidden layer, by 4 linear hidden units and by 4 sigmoid
  hidden units (the Playground's picture: output heat map, train and test points);
- ``units.png``: the 4 sigmoid units of that network, each over the plane (a soft half-plane),
  and the output that adds them up.
"""

from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np

from kit import builders, datasets, plots
from kit.training import train

HERE = Path(__file__).parent
RECIPE = {"optimizer": "adam", "learning_rate": 0.03, "epochs": 150, "batch_size": 10}  # the reference's


def trained(hidden, activation, data, seed=0):
    model = builders.build_mlp(2, hidden=hidden, activation=activation, seed=seed)
    train(model, data, verbose=0, seed=seed, **RECIPE)
    return model


def unit_panels(model, data, path):
    """Each hidden unit's output over the plane (sigmoid s ↦ 2s − 1, so ½ is white) and the output."""
    hidden = model.get_layer("hidden_1")
    units = keras.Model(model.input, hidden.output)
    grid = plots.plane_inputs(("x1", "x2"), 100)
    values = np.asarray(units(grid, training=False)) * 2 - 1
    panels = [(f"sigmoid unit {i + 1}", values[:, i].reshape(100, 100)) for i in range(values.shape[1])]
    panels.append(("output (tanh)", plots.decision_grid(model, ("x1", "x2"), 100)))
    fig, axes = plt.subplots(1, len(panels), figsize=(2.3 * len(panels), 2.6))
    extent = plots.PLAYGROUND_EXTENT
    train_points, _ = datasets.playground_points(data)
    for ax, (title, image) in zip(axes, panels):
        ax.imshow(image, extent=(-extent, extent, -extent, extent), cmap=plots.PLAYGROUND_CMAP, vmin=-1, vmax=1,
                  interpolation="bilinear")
        if title.startswith("output"):
            colours = np.where(data.y_train > 0, plots.PLAYGROUND_POSITIVE, plots.PLAYGROUND_NEGATIVE)
            ax.scatter(train_points[:, 0], train_points[:, 1], c=colours, s=6, edgecolors="white", linewidths=0.3)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    save_small(fig, path)


def save_small(fig, path, dpi=90):
    """Save as an 8-bit palette PNG (the heat maps need few colours): a small file for the README."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    fig.savefig(buffer, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    Image.open(buffer).convert("RGB").quantize(colors=128).save(path, optimize=True)


if __name__ == "__main__":
    data = datasets.playground("circle", noise=0, seed=0)
    sigmoid = trained([4], "sigmoid", data)
    save_small(plots.decision_boundaries([("no hidden layer", trained([], "linear", data), data),
                                          ("4 linear hidden units", trained([4], "linear", data), data),
                                          ("4 sigmoid hidden units", sigmoid, data)]), HERE / "boundaries.png")
    unit_panels(sigmoid, data, HERE / "units.png")
