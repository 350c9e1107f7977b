"""The epoch loop on the host side, one for ``train`` and ``train_many`` (``train`` is K = 1).

A compiled call runs a chunk of epochs for K models (:mod:`kit.training.compiled` for one model,
:mod:`kit.training.many` for a stack); this loop decides how many epochs each call runs, calls it,
and replays each finished epoch to the model's Keras callbacks and ``History``, so the callbacks
see every epoch though the epochs ran in one call. It stops a model that meets its ``stop_when``
target, diverges (its ``TrainingDiverged`` is kept on its lane, ``Lane.diverged``) or is told to
(``model.stop_training``); the others go on.

A chunk ends wherever some callback needs the live model: after every epoch for ordinary Keras
callbacks; for callbacks with ``needs_model_after(epoch)`` (the kit's ``Diagnostics``) only at
the epochs it names, other epochs' logs being replayed after the call. A callback with
``current_weights(weights)`` is handed, after each call and before its epochs are replayed, the
model's trainable weights as the call left them (tensors or arrays by ``id(variable)``), where the
trainer has them: reading six variables off the model costs more than a small network's epoch.
"""

from __future__ import annotations

import sys

import keras
import numpy as np

from kit.training.compiled import CHUNK, METRIC_NAMES, STATUS_DIVERGED, STATUS_RUNNING

__all__ = ["Lane", "epochs_in_next_call", "progress_bar", "run"]


class Lane:
    """One model of a loop: its callbacks (a ``CallbackList`` with its ``History``, or the
    ``History`` alone, filled directly, where it has no callbacks: Keras's ``CallbackList`` costs
    more per epoch than a small network's training), whether it still trains, and why it stopped."""

    def __init__(self, model, callbacks, params: dict, learning_rate: float):
        self.model, self.callbacks, self.learning_rate = model, list(callbacks or []), learning_rate
        self.active, self.diverged = True, None
        # The model's trainable weights after the last call, as tensors by id(variable), when the
        # trainer has them (None: read the model); handed to callbacks with ``current_weights``.
        self.weights = None
        model.stop_training = False
        if self.callbacks:
            self.callback_list = keras.callbacks.CallbackList(self.callbacks, add_history=True, model=model)
            self.callback_list.set_params(params)
            self.history = next(c for c in self.callback_list.callbacks if isinstance(c, keras.callbacks.History))
        else:
            self.callback_list, self.history = None, keras.callbacks.History()
            self.history.set_model(model)
            self.history.set_params(params)

    def begin(self):
        if self.callback_list is not None:
            self.callback_list.on_train_begin()
        else:
            self.history.on_train_begin()

    def end(self):
        if self.callback_list is not None:
            self.callback_list.on_train_end()

    def replay(self, epoch: int, rows: np.ndarray, names) -> None:
        """Epochs ``epoch``, ``epoch + 1`` … of a call, whose metrics are ``rows`` ((epochs, METRIC_NAMES)),
        to the callbacks (``on_epoch_begin`` of the first was called before the call)."""
        columns = [METRIC_NAMES.index(name) for name in names]
        if self.callback_list is None:  # what History.on_epoch_end does, for all these epochs at once
            self.history.epoch.extend(range(epoch, epoch + len(rows)))
            for name, column in sorted(zip(names, columns)):  # in the order Keras's logs have (sorted)
                self.history.history.setdefault(name, []).extend(rows[:, column].tolist())
            self.model.history = self.history
            return
        # Each callback's hooks directly, with the logs as Keras's CallbackList would pass them (Python
        # floats, sorted by name): the list's own per-epoch pass over the logs (pythonify_logs, one
        # isinstance check against TensorFlow's tensor protocols per value) cost more than a small
        # network's epoch.
        order = sorted(zip(names, columns))
        callbacks = self.callback_list.callbacks
        for offset, row in enumerate(rows.tolist()):
            if offset:
                for callback in callbacks:
                    callback.on_epoch_begin(epoch + offset, {})
            logs = {name: row[column] for name, column in order}
            for callback in callbacks:
                callback.on_epoch_end(epoch + offset, logs)


def progress_bar(epochs: int, verbose):
    """A Keras progress bar over the epochs when ``verbose`` asks for one (``"auto"``: on a terminal)."""
    show = verbose == 1 or (verbose == "auto" and sys.stdout.isatty())
    return keras.utils.Progbar(epochs, unit_name="epoch") if show else None


def epochs_in_next_call(start: int, epochs: int, lanes) -> int:
    """How many epochs the next call runs from ``start``: up to ``CHUNK``, ending after the first
    epoch some active lane's callback needs the live model at."""
    watched = [callback for lane in lanes if lane.active for callback in lane.callbacks]
    if not watched:
        return min(CHUNK, epochs - start)
    if not all(callable(getattr(callback, "needs_model_after", None)) for callback in watched):
        return 1
    count = 1
    while (count < CHUNK and start + count < epochs
           and not any(callback.needs_model_after(start + count - 1) for callback in watched)):
        count += 1
    return count


def run(lanes, epochs: int, call, names, diverged, progress=None, sync=None) -> None:
    """Train the lanes' models for ``epochs`` epochs (fewer where they stop).

    Args:
        lanes: one :class:`Lane` per model, in the order of ``call``'s columns.
        call: ``call(epoch, n_epochs, active)`` runs up to ``n_epochs`` epochs from ``epoch`` for the
            lanes flagged in ``active`` (a bool array) and returns ``(metrics, done, status, stopped)``:
            metrics ``(≥ done, METRIC_NAMES, K)``, the epochs the call ran, and per lane its status
            (``compiled.STATUS_*``) and the epochs it ran (the diverged one included).
        names: the metrics the logs hold, in the logs' order.
        diverged: ``diverged(lane, epoch, loss)``: the error a lane that diverged at 1-based ``epoch``
            keeps (``Lane.diverged``), its loss the first non-finite of its train and test losses.
        progress: a Keras progress bar: per epoch with the logs for one lane, per call with the
            count of models still training for several.
        sync: ``sync(lanes)`` writes the compiled state back into these lanes' models: after each
            call for the lanes whose callbacks will look at them, and for all at the end.
    """
    for lane in lanes:
        lane.begin()
    try:
        epoch = 0
        while epoch < epochs:
            for lane in lanes:
                lane.active = lane.active and not lane.model.stop_training
            active = np.array([lane.active for lane in lanes])
            if not active.any():
                break
            n_epochs = epochs_in_next_call(epoch, epochs, lanes)
            for lane in lanes:  # before the call, so callbacks see the model as the epoch starts
                if lane.active and lane.callback_list is not None:
                    lane.callback_list.on_epoch_begin(epoch)
            metrics, done, status, stopped = call(epoch, n_epochs, active)
            if sync is not None:
                sync([lane for lane in lanes if lane.active and lane.callback_list is not None])
            for k, lane in enumerate(lanes):
                if not lane.active:
                    continue
                if lane.weights is not None:
                    for callback in lane.callbacks:
                        if callable(getattr(callback, "current_weights", None)):
                            callback.current_weights(lane.weights)
                finished = done if status[k] == STATUS_RUNNING else int(stopped[k]) - (status[k] == STATUS_DIVERGED)
                lane.replay(epoch, metrics[:finished, :, k], names)
                if progress is not None and len(lanes) == 1:
                    for offset in range(finished):
                        logs = dict(zip(names, metrics[offset, [METRIC_NAMES.index(n) for n in names], k].tolist()))
                        progress.update(epoch + offset + 1, list(logs.items()), finalize=epoch + offset + 1 == epochs)
                if status[k] == STATUS_DIVERGED:
                    losses = metrics[int(stopped[k]) - 1, [0, 2], k]
                    loss = next((float(value) for value in losses if not np.isfinite(value)), float("nan"))
                    lane.diverged = diverged(lane, epoch + finished + 1, loss)
                if status[k] != STATUS_RUNNING:
                    lane.active = False
            epoch += done
            if progress is not None and len(lanes) > 1:
                progress.update(epoch, [("models training", int(sum(lane.active for lane in lanes)))],
                                finalize=epoch >= epochs)
    finally:
        if sync is not None:
            sync(lanes)
        for lane in lanes:
            lane.end()
