"""Regenerate this exercise's figure: ``python exercises/11-custom-activation/figures/make_figures.py``.

The same network, Input(1) → Dense(4, activation) → Dense(1), trained as the reference ``fit``
trains it (Adam 0.05, 30 epochs, batch 16, Keras seed 0) on the public data y = 1.5·x² − 0.5,
with three activations: x² (the exercise's), ReLU, and 2x (the derivative: a linear network).
"""

from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np

from kit.plots import PLAYGROUND_POSITIVE


def square(x):
    return x * x


def twice(x):
    return 2 * x


def fitted(activation, x, y):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(4, activation=activation),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    return model


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.uniform(-2.0, 2.0, size=(256, 1)).astype("float32")
    y = 1.5 * x**2 - 0.5
    grid = np.linspace(-2.0, 2.0, 201, dtype="float32").reshape(-1, 1)
    target = 1.5 * grid[:, 0] ** 2 - 0.5
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 2.9), sharey=True)
    for ax, (title, activation) in zip(axes, (("x² (quadratic)", square), ("relu", "relu"), ("2x (linear)", twice))):
        prediction = np.asarray(fitted(activation, x, y)(grid))[:, 0]
        ratio = np.mean((prediction - target) ** 2) / np.var(target)
        ax.plot(grid[:, 0], target, color="0.6", lw=4, label="y = 1.5·x² − 0.5")
        ax.plot(grid[:, 0], prediction, color=PLAYGROUND_POSITIVE, lw=1.6, label="network")
        ax.set_title(f"{title}: MSE/Var(y) = {ratio:.1g}", fontsize=10)
        ax.grid(alpha=0.25)
    axes[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(__file__).with_name("activations_fit.png"), dpi=110, bbox_inches="tight")
