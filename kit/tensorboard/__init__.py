"""TensorBoard for the course: the ``Diagnostics`` callback, its dashboards, and ``kit board``.

- :class:`Diagnostics` (``kit.tensorboard.callback``): the Keras callback writing per-layer
  gradients, dead/saturated units, activations, decision boundaries, hparams and layouts;
- ``kit.tensorboard.events``: the NumPy-fed event writer it uses;
- ``kit.tensorboard.views``: the Playground's pictures of the network (network view, neuron
  grids, unit states) it writes, also behind ``kit.plots.network``;
- ``kit.tensorboard.dashboards``: the HParams description and the Custom Scalars layout;
- ``kit.tensorboard.gradient_flow``: the gradient-flow picture, its norms and log10 summaries;
- ``kit.tensorboard.drawing``: small Pillow pictures (no matplotlib in a run);
- ``kit.tensorboard.server``: start the real TensorBoard on a logdir (``kit board``).

Example:
    >>> from kit.tensorboard import Diagnostics
    >>> callback = Diagnostics("runs/relu", probe=data)  # doctest: +SKIP
"""

from kit.tensorboard.callback import Diagnostics

__all__ = ["Diagnostics"]
