"""Regenerate this exercise's figure: ``python exercises/04-derivatives/figures/make_figures.py``."""

from pathlib import Path

from kit.plots import activation_curves

if __name__ == "__main__":
    activation_curves(["sigmoid", "tanh", "relu", "leaky_relu", "elu"], x_range=(-4, 4), columns=5,
                      path=Path(__file__).with_name("activations.png"))
