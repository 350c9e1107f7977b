"""The fast trainer: the whole epoch as one compiled (XLA) function, Keras callbacks per epoch.

Small networks spend their time in per-step framework overhead, not arithmetic, so the kit
keeps the data as tensors and runs every mini-batch step of an epoch (and the end-of-epoch
evaluation) inside one compiled function. Results match ``model.fit`` step for step.

Example:
    >>> from kit import builders, datasets
    >>> from kit.training import train
    >>> data = datasets.playground("circle", noise=0, seed=0)
    >>> model = builders.build_mlp(2, hidden=[4, 2], activation="tanh", seed=0)
    >>> history = train(model, data, epochs=20, verbose=0, stop_when={"val_loss": 0.177})
    >>> sorted(history.history)
    ['accuracy', 'loss', 'val_accuracy', 'val_loss']
"""

from kit.training.many import Histories, train_many
from kit.training.trainer import TrainingDiverged, train

__all__ = ["train", "train_many", "Histories", "TrainingDiverged"]
