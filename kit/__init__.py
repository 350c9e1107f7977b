"""The kit: a Keras 3 course kit and model zoo on why neural networks need non-linear activations.

Importing ``kit`` is cheap: TensorFlow and Keras load only when a submodule that needs them is
imported (``kit.activations``, ``kit.builders``, ``kit.training`` …).
"""

__version__ = "0.1.0"
