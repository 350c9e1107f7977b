"""Output heads: the output unit, the loss, the accuracy and the label convention that go together.

=========================  ==========  ==================================  =============  ==========
head                       output      loss                                accuracy       labels
=========================  ==========  ==================================  =============  ==========
``playground``             1 × tanh    Playground loss: mean ½(ŷ − y)²     sign(ŷ) = y    −1/+1
``logistic``               1 × sigmoid binary cross-entropy                (ŷ > 0.5) = y  0/1
``softmax``                k × softmax sparse categorical cross-entropy    argmax ŷ = y   0..k−1
``playground_regression``  1 × linear  Playground loss: mean ½(ŷ − y)²     —              real
``linear``                 1 × linear  mean squared error (ŷ − y)²         —              real
=========================  ==========  ==================================  =============  ==========

The Playground uses ½(ŷ − y)² for regression too (``nn.ts``, ``Errors.SQUARE``), so
``playground_regression`` is the head of its regression data sets (``reg-plane``, ``reg-gauss``;
:func:`for_data`): its loss reads as the Playground's and it trains at the Playground's step
size. ``linear`` is Keras's plain mean squared error: twice the loss, hence twice the gradient
(at the same learning rate it trains as the Playground does at twice the rate).

A model's head is read off its output layer (:func:`head_of`), so the trainer and the grader
need nothing but the model. The two regression heads have the same output layer; a model built
with ``build_mlp(head="playground_regression")`` carries the head's name in its ``kit_head``
attribute, which :func:`head_of` reads. That attribute is not saved with the model: a reloaded
or cloned model reads as ``linear`` until it is marked again with :func:`mark_head`.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import ops

from kit.errors import MODEL, InvalidParameter, Text, check, unknown_name, validate_params


def _same_rank(y_true, y_pred):
    # Labels come as (n,) and outputs as (n, 1): without this, (n,) - (n, 1) broadcasts to (n, n).
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    if len(y_true.shape) == len(y_pred.shape) - 1:
        y_true = ops.expand_dims(y_true, -1)
    return y_true, y_pred


@keras.saving.register_keras_serializable(package="kit")
def playground_loss(y_true, y_pred):
    """The Playground's loss: ½(ŷ − y)² averaged over outputs (and, by Keras, over the batch).

    A constant output of 0 on ±1 labels scores 0.5; the crash course's targets (0.177, 0.2) are
    in these units.
    """
    y_true, y_pred = _same_rank(y_true, y_pred)
    return 0.5 * ops.mean(ops.square(y_pred - y_true), axis=-1)


@keras.saving.register_keras_serializable(package="kit")
def sign_accuracy(y_true, y_pred):
    """Share of examples whose output has the sign of their ±1 label (ŷ ≥ 0 counts as +1)."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    predicted = ops.where(ops.greater_equal(y_pred, 0), 1.0, -1.0)
    return ops.mean(ops.cast(ops.equal(ops.cast(predicted, y_pred.dtype), y_true), "float32"), axis=-1)


@keras.saving.register_keras_serializable(package="kit")
class PlaygroundLoss(keras.losses.Loss):
    """:func:`playground_loss` as a Keras loss object (averaged over the batch)."""

    def __init__(self, name="playground_loss", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return playground_loss(y_true, y_pred)


@dataclasses.dataclass(frozen=True)
class Head:
    name: str
    output_activation: str
    labels: str  # the label convention of kit.datasets
    task: str

    def loss(self):
        """A fresh Keras loss object for this head (per-example, to be averaged over a batch)."""
        if self.name in ("playground", "playground_regression"):
            return PlaygroundLoss()
        if self.name == "logistic":
            return keras.losses.BinaryCrossentropy()
        if self.name == "softmax":
            return keras.losses.SparseCategoricalCrossentropy()
        return keras.losses.MeanSquaredError()

    def metrics(self) -> list:
        """Keras metrics for ``model.compile`` (accuracy in this head's label convention)."""
        if self.name == "playground":
            return [keras.metrics.MeanMetricWrapper(sign_accuracy, name="accuracy")]
        if self.name == "logistic":
            return [keras.metrics.BinaryAccuracy(name="accuracy")]
        if self.name == "softmax":
            return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
        return []

    def hits(self, y_true, y_pred):
        """Per example, 1.0 where the prediction is right and 0.0 where it is wrong, in this head's
        label convention (Keras ops, so it runs inside compiled code too); None for regression.

        The one definition of accuracy: the compiled trainer, :func:`kit.training.train_many` and
        :func:`kit.zoo.untrained` all average these. A Playground output of exactly 0 counts as +1.

        Example:
            >>> import numpy as np
            >>> np.asarray(get("playground").hits(np.array([1.0, -1.0]), np.array([[0.0], [0.0]]))).tolist()
            [1.0, 0.0]
        """
        if self.name == "playground":
            hits = sign_accuracy(y_true, y_pred)
        elif self.name == "logistic":
            hits = keras.metrics.binary_accuracy(y_true, y_pred)
        elif self.name == "softmax":
            hits = keras.metrics.sparse_categorical_accuracy(y_true, y_pred)
        else:
            return None
        return ops.cast(hits, "float32")

    def label_array(self, y):
        """Labels as this head's loss expects them: int32 class indices for softmax, float32
        columns (n, outputs) otherwise.

        Example:
            >>> get("playground").label_array([1, -1]).shape
            (2, 1)
        """
        if self.name == "softmax":
            return np.asarray(y).astype(np.int32)
        return np.asarray(y, np.float32).reshape(len(y), -1)


HEADS = {
    "playground": Head("playground", "tanh", "pm1", "binary"),
    "logistic": Head("logistic", "sigmoid", "01", "binary"),
    "softmax": Head("softmax", "softmax", "index", "multiclass"),
    "linear": Head("linear", "linear", "real", "regression"),
    "playground_regression": Head("playground_regression", "linear", "real", "regression"),
}
"""The heads by name. ``linear`` comes before ``playground_regression``: an unmarked linear
output reads as ``linear`` (plain MSE), as it always has."""

MARK = "kit_head"
"""The model attribute that names a head its output layer alone cannot tell (see :func:`mark_head`)."""


def get(name) -> Head:
    """The head called ``name`` (``playground``, ``logistic``, ``softmax``, ``linear`` or
    ``playground_regression``)."""
    if isinstance(name, Head):
        return name
    if not isinstance(name, str) or name not in HEADS:
        raise unknown_name("head", name, HEADS)
    return HEADS[name]


def for_labels(labels: str) -> Head:
    """The natural head for a data set's label convention (``pm1`` → playground, …)."""
    for head in HEADS.values():
        if head.labels == labels:
            return head
    raise unknown_name("label convention", labels, [h.labels for h in HEADS.values()])


def for_data(data) -> Head:
    """The natural head for a kit data set: the Playground's own for its data sets
    (``playground`` for ±1 labels, ``playground_regression`` for ``reg-plane``/``reg-gauss``),
    otherwise the one for its label convention (:func:`for_labels`).

    Example:
        >>> from kit import datasets
        >>> for_data(datasets.playground("reg-plane", n_samples=20)).name
        'playground_regression'
        >>> for_data(datasets.curve("sin", n_samples=20)).name
        'linear'
    """
    from kit.datasets import DATASET, PLAYGROUND_REGRESSION

    check(data, DATASET, "data", "kit.heads.for_data")
    if data.provenance.get("function") == "playground" and data.name in PLAYGROUND_REGRESSION:
        return HEADS["playground_regression"]
    return for_labels(data.labels)


@validate_params(model=MODEL, head=Text("a head name"))
def mark_head(model, head: str):
    """Record on ``model`` the head its output layer cannot tell apart (``playground_regression``
    vs ``linear``); returns the model. :func:`kit.builders.build_mlp` does this itself.

    Raises:
        InvalidParameter: the model's output layer is not that head's output.
    """
    chosen = get(head)
    found = _head_by_output(model)
    if found.output_activation != chosen.output_activation or (found.name == "softmax") != (chosen.name == "softmax"):
        raise InvalidParameter(
            f"The head {chosen.name!r} needs a 1 × {chosen.output_activation} output, but the model's output is "
            f"the {found.name!r} head's ({found.output_activation}). Build the model with "
            f"kit.builders.build_mlp(head={chosen.name!r}) instead.")
    setattr(model, MARK, chosen.name)
    return model


@validate_params(model=MODEL)
def head_of(model) -> Head:
    """Read a model's head off its last layer's activation and width (and, for the two heads
    with a linear output, its ``kit_head`` mark: see :func:`mark_head`).

    Raises:
        InvalidParameter: the output is not one of the four heads (e.g. ReLU output, or softmax over
            one unit); the message says what was found.
    """
    head = _head_by_output(model)
    marked = getattr(model, MARK, None)
    if marked in HEADS and HEADS[marked].output_activation == head.output_activation and head.name != "softmax":
        return HEADS[marked]
    return head


def _head_by_output(model) -> Head:
    from kit import activations

    layer = model.layers[-1]
    activation = activations.name_of(getattr(layer, "activation", None))
    units = int(model.outputs[0].shape[-1])
    for head in HEADS.values():
        if head.output_activation == activation:
            if (head.name == "softmax") != (units > 1):
                break
            return head
    raise InvalidParameter(
        f"The model's output layer {layer.name!r} has {units} unit(s) with activation {activation!r}; "
        "expected 1 tanh (playground), 1 sigmoid (logistic), k>1 softmax, or 1 linear unit "
        "(linear or playground_regression). "
        "Build the model with kit.builders.build_mlp(head=...) or change its last layer."
    )
