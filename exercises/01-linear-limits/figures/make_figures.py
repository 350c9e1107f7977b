"""Regenerate this exercise's figure: ``python exercises/01-linear-limits/figures/make_figures.py``.

One linear model (no hidden layer, tanh output), trained by the kit as the grader trains it
(Adam 0.03, batch 10, 50 epochs, data seed 0), on gauss, on circle from x1 and x2, and on circle
from x1² and x2².
"""

import io
from pathlib import Path

from PIL import Image

from kit import builders, datasets, plots
from kit.training import train

RECIPE = {"optimizer": "adam", "learning_rate": 0.03, "epochs": 50, "batch_size": 10}


def trained_linear_model(name, features):
    data = datasets.playground(name, noise=0, seed=0, features=features)
    model = builders.build_mlp(len(features), hidden=[], head="playground", seed=0)
    history = train(model, data, verbose=0, seed=0, **RECIPE)
    return model, data, history.history["val_accuracy"][-1]


if __name__ == "__main__":
    panels = []
    for name, features, label in (("gauss", ["x1", "x2"], "gauss from x1, x2"),
                                  ("circle", ["x1", "x2"], "circle from x1, x2"),
                                  ("circle", ["x1_sq", "x2_sq"], "circle from x1², x2²")):
        model, data, accuracy = trained_linear_model(name, features)
        panels.append((f"{label}: test accuracy {accuracy:.2f}", model, data))
    figure = plots.decision_boundaries(panels, columns=3)
    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=100, bbox_inches="tight")
    # A 256-colour palette keeps the PNG small (the heat maps are smooth gradients of 3 colours).
    Image.open(buffer).convert("RGB").quantize(256).save(Path(__file__).with_name("linear_models.png"), optimize=True)
