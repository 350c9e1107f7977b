"""Regenerate this exercise's figure: ``python exercises/02-hidden-linear/figures/make_figures.py``.

Two hidden layers of 8 units on xor, trained by the kit as the grader trains them (Adam 0.03,
batch 10, 50 epochs): with linear activations, the same network collapsed to one layer
(W = W1·W2·W3, b = (b1·W2 + b2)·W3 + b3), and with ReLU. Data and weights of seed 7, where
the linear network's line crosses the square; on seed 0 (the public check's) its best is to put
the line outside the square and call almost everything one class (test accuracy 0.52).
"""

import io
from pathlib import Path

import numpy as np
from PIL import Image

from kit import builders, datasets, plots
from kit.training import train

RECIPE = {"optimizer": "adam", "learning_rate": 0.03, "epochs": 50, "batch_size": 10}


SEED = 7


def trained(data, activation):
    model = builders.build_mlp(2, hidden=[8, 8], activation=activation, head="playground", seed=SEED)
    history = train(model, data, verbose=0, seed=SEED, **RECIPE)
    return model, history.history["val_accuracy"][-1]


def collapsed(model):
    """The one-layer model with the (W, b) the linear network equals."""
    weights = [np.asarray(w, dtype=np.float64) for w in model.get_weights()]
    W, b = weights[0], weights[1]
    for kernel, bias in zip(weights[2::2], weights[3::2]):
        W, b = W @ kernel, b @ kernel + bias
    single = builders.build_mlp(2, hidden=[], head="playground")
    single.set_weights([W.astype(np.float32), b.astype(np.float32)])
    return single


if __name__ == "__main__":
    data = datasets.playground("xor", noise=0, seed=SEED)
    linear, accuracy = trained(data, "linear")
    relu, relu_accuracy = trained(data, "relu")
    panels = [(f"[8, 8] linear ({linear.count_params()} weights): accuracy {accuracy:.2f}", linear, data),
              (f"its collapse x·W + b (3 weights): {accuracy:.2f}", collapsed(linear), data),
              (f"[8, 8] relu: accuracy {relu_accuracy:.2f}", relu, data)]
    figure = plots.decision_boundaries(panels, columns=3)
    for ax, (_, model, _) in zip(figure.axes, panels):
        # The decision boundary, output 0: the linear network's output stays near 0 everywhere
        # (no line does well on xor), so the heat map alone barely shows where its line is.
        grid = plots.decision_grid(model)
        extent = plots.PLAYGROUND_EXTENT
        ax.contour(grid, levels=[0.0], colors="black", linewidths=1.2, linestyles="--", origin="upper",
                   extent=(-extent, extent, -extent, extent))
    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=100, bbox_inches="tight")
    # A 256-colour palette keeps the PNG small (the heat maps are smooth gradients of 3 colours).
    Image.open(buffer).convert("RGB").quantize(256).save(Path(__file__).with_name("deep_linear.png"), optimize=True)
