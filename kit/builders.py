"""Model builders: plain Keras functional networks with configurable activations.

Example:
    >>> from kit.builders import build_mlp
    >>> model = build_mlp(2, hidden=[4, 2], activation="relu", head="playground")
    >>> [layer.name for layer in model.layers]
    ['features', 'hidden_1', 'hidden_2', 'output']
"""

from __future__ import annotations

import numbers
from typing import Sequence

import keras

from kit import activations, heads
from kit.errors import bad_parameter, bad_type, unknown_name

PLAYGROUND_MAX_LAYERS = 6
PLAYGROUND_MAX_WIDTH = 8

INITIALIZERS = {
    # name: (kernel initializer class, kwargs, bias value)
    "playground": (keras.initializers.RandomUniform, {"minval": -0.5, "maxval": 0.5}, 0.1),
    "glorot": (keras.initializers.GlorotUniform, {}, 0.0),
    "glorot_uniform": (keras.initializers.GlorotUniform, {}, 0.0),
    "glorot_normal": (keras.initializers.GlorotNormal, {}, 0.0),
    "he": (keras.initializers.HeNormal, {}, 0.0),
    "he_normal": (keras.initializers.HeNormal, {}, 0.0),
    "he_uniform": (keras.initializers.HeUniform, {}, 0.0),
    "lecun_normal": (keras.initializers.LecunNormal, {}, 0.0),
    "lecun_uniform": (keras.initializers.LecunUniform, {}, 0.0),
    "random_normal": (keras.initializers.RandomNormal, {"stddev": 0.05}, 0.0),
}
"""Kernel initializers by name. ``playground`` is the Playground's: weights U(−0.5, 0.5) and
biases 0.1; the others use zero biases, as Keras does. Every layer gets its own seed."""

OWNER = "build_mlp"


def _check_hidden(hidden):
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = [hidden]
    if not isinstance(hidden, (list, tuple)) or not all(
        isinstance(h, numbers.Integral) and not isinstance(h, bool) and h > 0 for h in hidden
    ):
        raise bad_parameter("hidden", OWNER, "a list of positive ints (one width per hidden layer; [] for none)",
                            hidden)
    return [int(h) for h in hidden]


def _check_activations(activation, n_hidden):
    if isinstance(activation, (list, tuple)):
        if len(activation) != n_hidden:
            raise bad_parameter("activation", OWNER, f"one activation or a list of {n_hidden} (one per hidden layer)",
                                activation)
        chosen = list(activation)
    else:
        chosen = [activation] * n_hidden
    resolved = []
    for item in chosen:
        if not (isinstance(item, (str, activations.Activation)) or callable(item)):
            raise bad_type("activation", OWNER, "an activation name, a callable, or a list of them", item)
        resolved.append(activations.resolve(item))  # unknown names raise with the known list
    return resolved


def _check_rate(value, parameter, upper=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0 or (upper is not None and value >= upper):
        expected = f"a number in [0, {upper})" if upper is not None else "a non-negative number"
        raise bad_parameter(parameter, OWNER, expected, value)
    return float(value)


def _initializers(initializer, seed):
    if not isinstance(initializer, str):
        raise bad_type("initializer", OWNER, f"one of {sorted(INITIALIZERS)}", initializer)
    if initializer not in INITIALIZERS:
        raise unknown_name("initializer", initializer, INITIALIZERS)
    cls, kwargs, bias = INITIALIZERS[initializer]

    def make(layer_index):
        return cls(seed=seed * 1009 + layer_index, **kwargs), keras.initializers.Constant(bias)

    return make


def build_mlp(n_inputs: int, hidden: Sequence[int] = (4, 2), activation="tanh", head: str = "playground",
              n_classes: int | None = None, initializer: str = "playground", l1: float = 0.0, l2: float = 0.0,
              dropout: float = 0.0, seed: int = 0, name: str = "mlp") -> keras.Model:
    """A multi-layer perceptron as a plain Keras functional model.

    Args:
        n_inputs: number of input features.
        hidden: one width per hidden layer, e.g. ``[4, 2]``; ``[]`` gives a linear model.
        activation: the hidden layers' activation: a catalogue name (``kit activations``), a
            callable, or a list with one per hidden layer (e.g. ``["relu", "sigmoid"]``).
        head: ``playground`` (tanh unit, ±1 labels, ½·MSE), ``logistic`` (sigmoid, 0/1,
            cross-entropy), ``softmax`` (``n_classes`` units) or ``linear`` (regression).
        n_classes: number of classes for the softmax head (at least 2).
        initializer: ``playground`` (U(−0.5, 0.5), biases 0.1), ``glorot``, ``he``, or another
            name in ``INITIALIZERS``.
        l1, l2: L1/L2 penalties on the kernels (not the biases, as in the Playground).
        dropout: dropout rate after each hidden layer (0 for none).
        seed: seeds every initializer and dropout layer; the same seed gives the same weights.
        name: the model's name.

    Layers are named ``hidden_1 … hidden_k`` and ``output`` (dropout layers ``dropout_i``).

    Example:
        >>> model = build_mlp(2, hidden=[8, 8], activation=["relu", "tanh"], head="logistic", seed=1)
        >>> model.get_layer("hidden_2").activation.__name__
        'tanh'
    """
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, numbers.Integral) or n_inputs < 1:
        raise bad_parameter("n_inputs", OWNER, "a positive int (the number of input features)", n_inputs)
    hidden = _check_hidden(hidden)
    hidden_activations = _check_activations(activation, len(hidden))
    chosen_head = heads.get(head) if isinstance(head, str) else None
    if chosen_head is None:
        raise bad_type("head", OWNER, f"one of {sorted(heads.HEADS)}", head)
    if chosen_head.name == "softmax":
        if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 2:
            raise bad_parameter("n_classes", OWNER, "an int of at least 2 for the softmax head", n_classes)
        n_outputs = int(n_classes)
    else:
        if n_classes not in (None, 1, 2):
            raise bad_parameter("n_classes", OWNER, f"None for the {chosen_head.name} head (one output unit)",
                                n_classes, "Use head='softmax' for more than two classes.")
        n_outputs = 1
    l1, l2 = _check_rate(l1, "l1"), _check_rate(l2, "l2")
    dropout = _check_rate(dropout, "dropout", upper=1.0)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise bad_parameter("seed", OWNER, "a non-negative int", seed)
    make_initializers = _initializers(initializer, int(seed))
    if not isinstance(name, str) or not name:
        raise bad_type("name", OWNER, "a non-empty str", name)

    regularizer = keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None
    inputs = keras.Input(shape=(int(n_inputs),), name="features")
    x = inputs
    for index, (width, act) in enumerate(zip(hidden, hidden_activations), start=1):
        kernel, bias = make_initializers(index)
        x = keras.layers.Dense(width, activation=act, kernel_initializer=kernel, bias_initializer=bias,
                               kernel_regularizer=regularizer, name=f"hidden_{index}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, seed=int(seed) * 1009 + 500 + index, name=f"dropout_{index}")(x)
    kernel, bias = make_initializers(len(hidden) + 1)
    outputs = keras.layers.Dense(n_outputs, activation=chosen_head.output_activation, kernel_initializer=kernel,
                                 bias_initializer=bias, kernel_regularizer=regularizer, name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def dense_layers(model) -> list:
    """The model's Dense layers, in order (hidden layers, then the output)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def hidden_activations(model) -> dict[str, str]:
    """Each hidden Dense layer's activation name, by layer name.

    Example:
        >>> hidden_activations(build_mlp(2, [3], "relu"))
        {'hidden_1': 'relu'}
    """
    return {layer.name: activations.name_of(layer.activation) for layer in dense_layers(model)[:-1]}


def playground_limits_problem(model) -> str | None:
    """Why a model breaks the Playground's limits (≤ 6 hidden layers of ≤ 8 units), or None."""
    widths = [int(layer.units) for layer in dense_layers(model)[:-1]]
    if len(widths) > PLAYGROUND_MAX_LAYERS:
        return f"{len(widths)} hidden layers; the Playground allows at most {PLAYGROUND_MAX_LAYERS}."
    too_wide = [w for w in widths if w > PLAYGROUND_MAX_WIDTH]
    if too_wide:
        return f"hidden widths {widths}; the Playground allows at most {PLAYGROUND_MAX_WIDTH} units per layer."
    return None


OPTIMIZERS = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop,
              "adagrad": keras.optimizers.Adagrad}


def make_optimizer(optimizer: str = "sgd", learning_rate: float = 0.03):
    """A fresh Keras optimizer by name (``sgd``, ``adam``, ``rmsprop``, ``adagrad``)."""
    if not isinstance(optimizer, str) or optimizer.lower() not in OPTIMIZERS:
        raise unknown_name("optimizer", optimizer, OPTIMIZERS)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) or not (0 < learning_rate <= 10):
        raise bad_parameter("learning_rate", "make_optimizer", "a number in (0, 10]", learning_rate,
                            "The Playground offers 0.00001 to 10; 0.03 is its default.")
    return OPTIMIZERS[optimizer.lower()](learning_rate=float(learning_rate))


def compile_model(model, optimizer: str = "sgd", learning_rate: float = 0.03):
    """Compile a model for ``model.fit`` with the loss and accuracy of its head; returns the model.

    Example:
        >>> model = compile_model(build_mlp(2), "sgd", 0.03)
        >>> model.loss.name
        'playground_loss'
    """
    head = heads.head_of(model)
    model.compile(optimizer=make_optimizer(optimizer, learning_rate), loss=head.loss(), metrics=head.metrics())
    return model
