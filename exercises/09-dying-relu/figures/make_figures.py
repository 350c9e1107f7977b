"""Regenerate this exercise's figure: ``python exercises/09-dying-relu/figures/make_figures.py``.

``one_cause.png``: the grader's deep network (6 ReLU layers of 8 on circle, Adam, batch 10,
100 epochs, seed 1) trained with the baseline, with each fix alone, and with two fixes together:
the share of dead units per hidden layer (the kit's definition, on the training inputs) and the
test accuracy of each.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from kit import builders, datasets, diagnostics
from kit.training import train_many

HERE = Path(__file__).parent
SETTINGS = [  # (label, activation, initializer, Adam learning rate)
    ("baseline: relu, playground, 0.1", "relu", "playground", 0.1),
    ("only He init", "relu", "he", 0.1),
    ("only leaky_relu", "leaky_relu", "playground", 0.1),
    ("only the rate: 0.01", "relu", "playground", 0.01),
    ("leaky_relu and 0.01", "leaky_relu", "playground", 0.01),
]


def figure(path):
    data = datasets.playground("circle", noise=0, seed=1)
    models = [builders.build_mlp(2, [8] * 6, activation, initializer=init, seed=1)
              for _, activation, init, _ in SETTINGS]
    histories = train_many(models, data, epochs=100, batch_size=10, optimizer="adam",
                           learning_rate=[rate for *_, rate in SETTINGS], seeds=[1] * len(SETTINGS), verbose=0)
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    layers = np.arange(1, 7)
    width = 0.16
    for index, ((label, *_), model, history) in enumerate(zip(SETTINGS, models, histories)):
        fractions = diagnostics.dead_fraction(model, data.x_train)
        dead = [fractions.get(f"hidden_{i}", 0.0) for i in layers]
        accuracy = history.history["val_accuracy"][-1]
        ax.bar(layers + (index - 2) * width, dead, width, label=f"{label} (accuracy {accuracy:.2f})")
    ax.set_xticks(layers, [f"hidden {i}" for i in layers])
    ax.set_ylabel("share of dead units")
    ax.set_ylim(0, 1.05)
    ax.set_title("One cause at a time (circle, seed 1): dead units per layer after training")
    ax.legend(fontsize=7.5, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    figure(HERE / "one_cause.png")
