"""A minimal TensorBoard logger for ``kit train --logdir`` when ``kit.tensorboard`` is absent."""

from __future__ import annotations

import keras
import tensorflow as tf


class EpochScalars(keras.callbacks.Callback):
    """Write each epoch's logs as TensorBoard scalars: ``loss`` under ``train/``, ``val_loss``
    as ``loss`` under ``test/`` (so TensorBoard draws train and test on one chart).

    Runs outside compiled code (``tf.summary`` does not compile under XLA), once per epoch.

    Example:
        >>> train(model, data, callbacks=[EpochScalars("runs/spiral-relu")])  # doctest: +SKIP
    """

    def __init__(self, logdir: str):
        super().__init__()
        if not isinstance(logdir, str) or not logdir:
            raise TypeError(f"The 'logdir' parameter of EpochScalars must be a non-empty path. Got {logdir!r} instead.")
        self.logdir = logdir
        self._writers = {}

    def _writer(self, split: str):
        if split not in self._writers:
            self._writers[split] = tf.summary.create_file_writer(f"{self.logdir}/{split}")
        return self._writers[split]

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            split, name = ("test", key[4:]) if key.startswith("val_") else ("train", key)
            with self._writer(split).as_default():
                tf.summary.scalar(name, float(value), step=epoch)

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
