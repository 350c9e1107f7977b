"""Regenerate this exercise's figure: ``python exercises/10-universal-approximation/figures/make_figures.py``.

``ramps.png``: left, three ReLU units and their weighted sum, a curve with one kink per unit
(bends placed away from any knot set, so it shows the idea, not the answer); right, the target:
the piecewise-linear interpolant through 17 knots of sin on [−π, π] and its error from sin.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from kit import plots

HERE = Path(__file__).parent


def ramps_figure(path):
    x = np.linspace(-3.0, 3.0, 601)
    units = [(-2.0, 0.8), (0.5, -1.5), (1.5, 1.2)]  # (where the unit bends, its output weight)
    bias = 0.5
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.6))
    total = np.full_like(x, bias)
    for (bend, weight), style in zip(units, (":", "--", "-.")):
        ramp = weight * np.maximum(x - bend, 0.0)
        total += ramp
        axes[0].plot(x, ramp, ls=style, lw=1.3, color="0.45", label=f"{weight:+g}·relu(x {'+' if bend < 0 else '−'} {abs(bend):g})")
    axes[0].plot(x, total, color=plots.PLAYGROUND_POSITIVE, lw=2.2, label=f"their sum {bias:+g}")
    for bend, _ in units:
        axes[0].axvline(bend, color="0.8", lw=0.8, zorder=0)
    axes[0].set_title("three ReLU units: one kink each, straight in between", fontsize=10)
    axes[0].legend(fontsize=8, loc="upper left", framealpha=0.9)
    axes[0].set_xlabel("x")

    knots = np.linspace(-np.pi, np.pi, 17)
    grid = np.linspace(-np.pi, np.pi, 2001)
    interpolant = np.interp(grid, knots, np.sin(knots))
    axes[1].plot(grid, np.sin(grid), color="0.6", lw=1.2, label="sin x")
    axes[1].plot(grid, interpolant, color=plots.PLAYGROUND_POSITIVE, lw=1.6, label="the interpolant (your target)")
    axes[1].scatter(knots, np.sin(knots), s=18, color=plots.PLAYGROUND_NEGATIVE, zorder=3, label="17 knots")
    error = axes[1].twinx()
    error.plot(grid, np.abs(interpolant - np.sin(grid)), color="0.3", lw=0.8, ls=":")
    error.set_ylim(0, 0.1)
    error.set_ylabel("|error| (dotted)", fontsize=8)
    axes[1].set_title(f"17 knots of sin: max error {np.max(np.abs(interpolant - np.sin(grid))):.4f}", fontsize=10)
    axes[1].legend(fontsize=8, loc="upper left", framealpha=0.9)
    axes[1].set_xlabel("x")
    fig.tight_layout()
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    ramps_figure(HERE / "ramps.png")
