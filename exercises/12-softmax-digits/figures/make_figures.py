"""Regenerate this exercise's figure: ``python exercises/12-softmax-digits/figures/make_figures.py``.

``digits.png``: top, one 8×8 image of each digit from scikit-learn's bundled set (what the
network sees: 64 grey levels); bottom, what softmax does to ten scores: any real numbers in,
ten probabilities that sum to 1 out, the largest score keeping the largest share.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from kit import plots

HERE = Path(__file__).parent


def digits_figure(path):
    digits = load_digits()
    fig = plt.figure(figsize=(10.0, 4.4))
    grid = fig.add_gridspec(2, 10, height_ratios=(1.0, 1.5), hspace=0.45)
    for label in range(10):
        ax = fig.add_subplot(grid[0, label])
        ax.imshow(digits.images[np.flatnonzero(digits.target == label)[0]], cmap="gray_r", interpolation="nearest")
        ax.set_title(str(label), fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    scores = np.array([1.2, -0.8, 0.3, 4.1, -2.0, 2.2, 0.0, -1.1, 2.9, 0.6])  # an illustrative output before softmax
    probabilities = np.exp(scores - scores.max())
    probabilities /= probabilities.sum()
    left, right = fig.add_subplot(grid[1, :5]), fig.add_subplot(grid[1, 5:])
    left.bar(range(10), scores, color="0.55")
    left.axhline(0, color="0.3", lw=0.8)
    left.set_title("ten scores z (any real numbers)", fontsize=10)
    right.bar(range(10), probabilities, color=plots.PLAYGROUND_POSITIVE)
    right.set_title(f"softmax(z) = exp(z) / Σ exp(z): sum {probabilities.sum():.3f}", fontsize=10)
    for ax in (left, right):
        ax.set_xticks(range(10))
        ax.set_xlabel("class (digit)")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    digits_figure(HERE / "digits.png")
