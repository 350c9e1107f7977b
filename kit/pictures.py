"""The picture layer: what the kit's matplotlib figures (:mod:`kit.plots`) and its TensorBoard
pictures (:mod:`kit.tensorboard`) both draw from, below both of them, so that neither imports the other
to share it.

- the colours, dashes and the one 256-colour palette: :mod:`kit.style` (re-exported here);
- the Playground's plane: :func:`plane_inputs` (the grid a decision boundary is computed on, in
  image order) and :func:`signed_output` (a binary classifier's outputs on the Playground's
  [−1, 1] colour scale).

Text in a TensorBoard picture is drawn by one renderer, :func:`kit.tensorboard.drawing.stamp`
(Pillow, cached per label); matplotlib draws the text of ``kit.plots``' figures.

Importing it loads NumPy only (no matplotlib, no TensorFlow).

Example:
    >>> plane_inputs(resolution=3)[:, 0].reshape(3, 3)[0].tolist()   # the top row, left to right
    [-6.0, 0.0, 6.0]
    >>> signed_output([[0.0], [1.0]], "logistic").tolist()
    [-1.0, 1.0]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from kit import style
from kit.errors import InvalidParameter, Options, validate_params

__all__ = ["PLAYGROUND_EXTENT", "plane_inputs", "signed_output", "style"]

PLAYGROUND_EXTENT = 6.0  # the Playground draws [−6, 6]²


def plane_inputs(feature_names: Sequence[str] = ("x1", "x2"), resolution: int = 100,
                 extent: float = PLAYGROUND_EXTENT) -> np.ndarray:
    """A grid over the Playground's square [−extent, extent]², as model inputs (float32, one row
    per point, the chosen feature columns).

    Points run row by row from the top (x2 = +extent) to the bottom, each row from left
    (x1 = −extent) to right, like an image, so ``values.reshape(resolution, resolution)`` draws.
    """
    from kit import datasets

    axis = np.linspace(-extent, extent, int(resolution))
    x1, x2 = np.meshgrid(axis, axis[::-1])
    return datasets.feature_map(list(feature_names))(np.stack([x1.ravel(), x2.ravel()], 1))


@validate_params(head=Options("playground", "logistic", "softmax", "linear", "playground_regression"))
def signed_output(output, head: str) -> np.ndarray:
    """A binary classifier's outputs (n, units) as one value per row in [−1, 1]: tanh as is,
    sigmoid p ↦ 2p − 1, a two-class softmax as p₁ − p₀, linear clipped."""
    output = np.asarray(output)
    if head == "softmax":
        if output.shape[1] != 2:
            raise InvalidParameter(f"Decision boundaries are drawn for binary classifiers; this softmax head has "
                                   f"{output.shape[1]} classes.")
        values = output[:, 1] - output[:, 0]
    elif head == "logistic":
        values = 2 * output[:, 0] - 1
    else:
        values = output[:, 0]
    return np.clip(values, -1, 1)
