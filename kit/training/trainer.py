"""``train``: the Playground's training loop, compiled, with Keras callbacks at epoch granularity."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from kit.errors import KitError, validate_params
from kit.training import checks, compiled, loop


class TrainingDiverged(KitError, ValueError):
    """The loss or the weights became NaN/Inf.

    Attributes:
        epoch: the 1-based epoch that diverged.
        learning_rate: the optimizer's learning rate at that point.
        history: the ``keras.callbacks.History`` of the finite epochs before it.

    The model keeps the weights (and the optimizer its state) from the end of the last finite
    epoch, i.e. the start of the epoch that diverged; never NaN.
    """

    def __init__(self, epoch: int, learning_rate: float, loss: float, history):
        self.epoch, self.learning_rate, self.loss, self.history = epoch, learning_rate, loss, history
        suggestion = f"{learning_rate / 10:.3g}"
        kept = (f"the end of epoch {epoch - 1}" if epoch > 1 else "their values before training")
        super().__init__(
            f"Training diverged at epoch {epoch}: the loss became {loss} with learning rate {learning_rate:.3g}. "
            f"The model's weights were restored to {kept} (the last finite state). "
            f"Try a lower learning rate, e.g. learning_rate={suggestion}.")


def _learning_rate(optimizer) -> float:
    try:
        return float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    except Exception:  # noqa: BLE001 - a schedule without a value: report NaN rather than fail
        return float("nan")


STATE = "kit_playground_state"
"""The model attribute holding its :class:`compiled.PlaygroundState` (dead links, pending gradient)."""


def _playground_state(model, data, shapes, options):
    """The model's Playground state, kept between ``train`` calls; a pending gradient from another
    data set or batch size is dropped."""
    state = getattr(model, STATE, None)
    if not isinstance(state, compiled.PlaygroundState):
        state = compiled.PlaygroundState()
        setattr(model, STATE, state)
    key = (data.name, shapes.n_train, shapes.batch_size)
    if options.batching != "playground" or state.carry_key != key:
        state.carry, state.carry_count, state.carry_key = None, 0, key
    return state


@validate_params(checks.PARAMETERS, owner=checks.OWNER)
def train(model, data, epochs=100, batch_size=10, optimizer="sgd", learning_rate=0.03, seed=0, l1=0.0, l2=0.0,
          callbacks=None, verbose="auto", shuffle=True, stop_when=None, jit_compile="auto", regularization=None,
          regularization_rate=0.0, batching="fit"):
    """Train a Keras model on a kit data set with a compiled whole-epoch loop.

    The loss is the model head's (Playground ½·MSE, binary or sparse categorical cross-entropy,
    MSE) plus the model's own regularisation losses plus ``l1·Σ|w| + l2·Σw²`` over the kernels
    (weights only, not biases, as in the Playground). Mini-batch gradients are averaged over the
    batch; the last partial batch is kept, as ``model.fit`` does (``batching="fit"``).

    Two options replay the Playground's own rules (``nn.ts``, ``playground.ts``): with
    ``shuffle=False``, ``optimizer="sgd"``, ``batching="playground"`` and a ``playground_regression``
    or ``playground`` head, the kit takes the Playground's updates step for step.

    Args:
        model: a Keras model with one input and one output (uncompiled is fine).
        data: a kit ``Dataset``; its test split is the validation data (``val_*``).
        epochs: number of passes over the training split.
        batch_size: examples per step (larger than the split means full batch).
        optimizer: ``"sgd"``, ``"adam"``, ``"rmsprop"``, ``"adagrad"`` or a Keras optimizer
            instance (then its own learning rate is used and ``learning_rate`` is ignored).
        learning_rate: in (0, 10], for an optimizer given by name.
        seed: seeds the per-epoch shuffle: the same seed gives the same order, hence the same weights.
        l1, l2: Keras-style kernel penalties added to the loss: ``l1·Σ|w| + l2·Σw²``, so ``l2=r``
            adds ``2r·w`` to each kernel's gradient (and ``l1=r`` adds ``r·sign(w)``).
        regularization: the Playground's regularization: None, ``"l2"`` or ``"l1"``, applied
            after every update (``nn.ts`` updateWeights): ``w ← w − learning_rate ·
            regularization_rate · R′(w)``, with R′(w) = w for L2 (the ½·w² penalty) and sign(w)
            for L1, on the kernels. With SGD this is adding ``regularization_rate·R′(w)`` to the
            gradient; with Adam and the others it is a step of its own, not rescaled by them (as
            AdamW's weight decay). L1 as in the Playground: a weight this step moves across 0
            is set to 0 and its link dies (stays 0, frozen, also in later ``regularization="l1"``
            calls while it stays 0; ``model.kit_playground_state.dead`` holds the masks).
        regularization_rate: the Playground's "Regularization rate" r ≥ 0 (0: off).
        batching: ``"fit"`` (the last partial batch is a step of its own, as ``model.fit``) or
            ``"playground"``: an update after every ``batch_size``-th example of the epoch,
            averaging all examples accumulated since the last update, so the last partial batch's
            gradient joins the next epoch's first batch (of ``batch_size`` + that many examples),
            also across ``train`` calls on the same model and data (the Playground's "step"
            button is ``train(..., epochs=1)``). Identical to ``"fit"`` when ``batch_size``
            divides the training split. Unlike the Playground, a ``batch_size`` larger than the
            split means full batch (the Playground would never update).
        callbacks: Keras callbacks, called per epoch (``on_epoch_begin/end``, ``on_train_begin/end``;
            no batch hooks). ``model.stop_training = True`` stops after the current epoch.
        verbose: ``"auto"`` (a progress bar when stdout is a terminal), 1 (always) or 0 (never).
        shuffle: True for a seeded shuffle each epoch; False keeps the data set's order (the
            Playground's: it shuffles once, when it makes the data).
        stop_when: stop at the first epoch meeting every target, e.g. ``{"val_loss": 0.177}``;
            loss-like metrics stop at ≤ target, accuracy-like ones at ≥ target.
        jit_compile: ``"auto"`` (XLA, falling back to a plain ``tf.function`` where the model does
            not compile under XLA), True (XLA or fail) or False.

    Returns:
        A ``keras.callbacks.History``: ``history.history`` holds one value per epoch of ``loss``,
        ``val_loss`` and, for heads with accuracy, ``accuracy``/``val_accuracy``. Every value is
        measured on the *full* split after the epoch (as the Playground shows them), not the mean
        over the epoch's batches that ``model.fit`` reports; ``loss`` is the head's loss without
        the penalties.

    Raises:
        TrainingDiverged: the loss became NaN/Inf (the model keeps its last finite weights).
        kit.errors.InvalidParameter (a ValueError and TypeError): an argument is wrong; the message
            says how to fix it.

    Example:
        >>> from kit import builders, datasets
        >>> from kit.training import train
        >>> data = datasets.playground("xor", noise=0, seed=0)
        >>> model = builders.build_mlp(2, hidden=[4, 4], activation="relu", seed=0)
        >>> history = train(model, data, epochs=50, learning_rate=0.03, verbose=0)
        >>> len(history.history["val_loss"])
        50
    """
    head = checks.check_model_and_data(model, data)
    checks.check_regularization(regularization, regularization_rate)
    epochs, batch_size, seed = int(epochs), int(batch_size), int(seed)
    learning_rate, l1, l2, rate = float(learning_rate), float(l1), float(l2), float(regularization_rate)
    callbacks = [callbacks] if isinstance(callbacks, keras.callbacks.Callback) else list(callbacks or [])
    metric_names = checks.metric_names(head, data)
    stop_when = checks.check_stop_when(stop_when, metric_names)
    optimizer = checks.resolve_optimizer(optimizer, learning_rate, model)

    shapes = compiled.Shapes(len(data.x_train), len(data.x_test), data.n_features,
                             min(batch_size, len(data.x_train)), str(data.y_train.dtype), data.y_train.ndim)
    tensors = compiled.data_tensors(data, head)
    targets = tuple(tf.constant(a[:, 0]) for a in compiled.stop_targets([stop_when]))
    use_xla = jit_compile is not False
    options = compiled.Options(regularization, batching)
    runner = compiled.runner_for(model, optimizer, head, shapes, shuffle, use_xla, options)
    state = _playground_state(model, data, shapes, options)

    model.optimizer = optimizer  # so learning-rate callbacks reach it, as after model.compile
    steps = -(-shapes.n_train // shapes.batch_size)
    # The seed, the batch size and the trainer too, so a callback can record how the model was trained
    # (the kit's Diagnostics writes them as hparams).
    lane = loop.Lane(model, callbacks, {"epochs": epochs, "steps": steps, "verbose": 0, "seed": int(seed),
                                        "batch_size": batch_size, "trainer": "train"}, learning_rate)

    variable_ids = [id(variable) for variable in model.trainable_variables]

    def run_chunk(epoch, n_epochs):
        return runner(model, optimizer, tensors, seed, epoch, n_epochs, l1, l2, targets, rate, state)

    def call(epoch, n_epochs, active):
        nonlocal runner
        try:
            rows, done, status, weights = run_chunk(epoch, n_epochs)
        except compiled.XLA_ERRORS as error:
            if jit_compile != "auto" or not runner.jit_compile or not compiled.xla_refused(error):
                raise
            # The model has an op XLA cannot compile: same loop, plain tf.function.
            compiled.refuse_xla(runner)
            runner = compiled.runner_for(model, optimizer, head, shapes, shuffle, False, options)
            rows, done, status, weights = run_chunk(epoch, n_epochs)
        if lane.callbacks:  # for the callbacks that take them (loop.Lane.weights)
            lane.weights = dict(zip(variable_ids, weights))
        return rows[:, :, None], done, np.array([status]), np.array([done])

    def diverged(lane, epoch, loss):
        return TrainingDiverged(epoch, _learning_rate(optimizer), loss, lane.history)

    loop.run([lane], epochs, call, metric_names, diverged, loop.progress_bar(epochs, verbose))
    if lane.diverged is not None:
        raise lane.diverged
    return lane.history
