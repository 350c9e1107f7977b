"""Regenerate this exercise's figure: ``python exercises/07-relu-spiral/figures/make_figures.py``.

``spiral.png``: the spiral (noise 0, seed 0) and what three networks draw on it after training
with the kit's trainer from the Playground's initialisation: no hidden layer (all seven
features), two ReLU units from x1 and x2, and three ReLU layers of 8 from x1 and x2.
"""

from pathlib import Path

import matplotlib.pyplot as plt

from kit import builders, datasets, plots
from kit.training import train

HERE = Path(__file__).parent
ALL = ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
PANELS = [  # (title, features, hidden widths, epochs); Adam 0.01, batch 10, seed 0
    ("no hidden layer, 7 features", ALL, [], 150),
    ("2 ReLU units, x1 and x2", ["x1", "x2"], [2], 300),
    ("ReLU [8, 8, 8], x1 and x2", ["x1", "x2"], [8, 8, 8], 300),
]


def figure(path):
    fig, axes = plt.subplots(1, 4, figsize=(13.2, 3.5))
    plots.dataset(datasets.playground("spiral", noise=0, seed=0), ax=axes[0])
    for ax, (title, features, hidden, epochs) in zip(axes[1:], PANELS):
        data = datasets.playground("spiral", noise=0, seed=0, features=features)
        model = builders.build_mlp(len(features), hidden, "relu", seed=0)
        history = train(model, data, epochs=epochs, optimizer="adam", learning_rate=0.01, seed=0, verbose=0)
        plots.decision_boundary(model, data, ax=ax,
                                title=f"{title}\ntest accuracy {history.history['val_accuracy'][-1]:.2f}")
    fig.tight_layout()
    fig.savefig(path, dpi=68, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    figure(HERE / "spiral.png")
