"""Output heads: the output unit, the loss, the accuracy and the label convention that go together.

=============  ==========  ===================================  ===================  ==========
head           output      loss                                 accuracy             labels
=============  ==========  ===================================  ===================  ==========
``playground`` 1 × tanh    Playground loss: mean ½(ŷ − y)²      sign(ŷ) = y          −1/+1
``logistic``   1 × sigmoid binary cross-entropy                 (ŷ > 0.5) = y        0/1
``softmax``    k × softmax sparse categorical cross-entropy     argmax ŷ = y         0..k−1
``linear``     1 × linear  mean squared error                   —                    real
=============  ==========  ===================================  ===================  ==========

A model's head is read off its output layer (:func:`head_of`), so the trainer and the grader
need nothing but the model.
"""

from __future__ import annotations

import dataclasses

import keras
from keras import ops

from kit.errors import MODEL, InvalidParameter, unknown_name, validate_params


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
        if self.name == "playground":
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


HEADS = {
    "playground": Head("playground", "tanh", "pm1", "binary"),
    "logistic": Head("logistic", "sigmoid", "01", "binary"),
    "softmax": Head("softmax", "softmax", "index", "multiclass"),
    "linear": Head("linear", "linear", "real", "regression"),
}


def get(name) -> Head:
    """The head called ``name`` (``playground``, ``logistic``, ``softmax`` or ``linear``)."""
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


@validate_params(model=MODEL)
def head_of(model) -> Head:
    """Read a model's head off its last layer's activation and width.

    Raises:
        InvalidParameter: the output is not one of the four heads (e.g. ReLU output, or softmax over
            one unit); the message says what was found.
    """
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
        "expected 1 tanh (playground), 1 sigmoid (logistic), k>1 softmax, or 1 linear unit. "
        "Build the model with kit.builders.build_mlp(head=...) or change its last layer."
    )
