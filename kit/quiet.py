"""``import kit.quiet`` before ``import keras``: TensorFlow loads without its start-up noise.

On a machine without a GPU, TensorFlow prints a CUDA complaint and a few lines about oneDNN and
CPU features when it loads; a notebook shows them as a red box, a script on stderr, and neither
environment variables nor Python's logging can stop them. The exercises' starters import this
module first (see :func:`kit.import_tensorflow_quietly`); any other message is still shown.
"""

from kit.startup import import_tensorflow_quietly

__all__ = []

import_tensorflow_quietly()
