"""Model builders: plain Keras functional networks with configurable activations.

Example:
    >>> from kit.builders import build_mlp
    >>> model = build_mlp(2, hidden=[4, 2], activation="relu", head="playground")
    >>> [layer.name for layer in model.layers]
    ['features', 'hidden_1', 'hidden_2', 'output']
"""

from __future__ import annotations

from numbers import Integral
from typing import Sequence

import keras

from kit import activations, heads
from kit.errors import (COUNT, DROPOUT, HIDDEN, LEARNING_RATE, MODEL, NAME, PENALTY, SEED, Function, InstanceOf,
                        Interval, ListOf, Options, Text, check, invalid, unknown_name, validate_params)

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
    "zero": (keras.initializers.Zeros, {}, 0.0),
}
"""Kernel initializers by name. ``playground`` is the Playground's: weights U(−0.5, 0.5) and
biases 0.1; the others use zero biases, as Keras does. Every layer gets its own seed. ``zero``
is the Playground's "initZero" option (``state.ts``; ``nn.ts`` then sets every weight and bias
to 0): every unit of a layer starts alike and, receiving the same gradient, stays alike, so a
zero-initialised hidden layer learns as one unit (the lesson of the option)."""

OWNER = "kit.builders.build_mlp"



ACTIVATION = [Text("an activation name"), InstanceOf(activations.Activation, "a kit Activation"),
              Function("a callable"), InstanceOf((list, tuple), "a list of them (one per hidden layer)")]


def _activations(activation, n_hidden):
    if isinstance(activation, (list, tuple)):
        if len(activation) != n_hidden:
            raise invalid("activation", OWNER, f"one activation or a list of {n_hidden} (one per hidden layer)",
                          activation)
        chosen = list(activation)
    else:
        chosen = [activation] * n_hidden
    for item in chosen:
        check(item, ACTIVATION[:3], "activation", OWNER)
    return [activations.resolve(item) for item in chosen]  # unknown names raise with the known list


def _initializers(initializer, seed):
    if initializer not in INITIALIZERS:
        raise unknown_name("initializer", initializer, INITIALIZERS)
    cls, kwargs, bias = INITIALIZERS[initializer]

    def make(layer_index):
        if cls is keras.initializers.Zeros:  # nothing to seed
            return cls(), keras.initializers.Constant(bias)
        return cls(seed=seed * 1009 + layer_index, **kwargs), keras.initializers.Constant(bias)

    return make


SEED_MARK = "kit_seed"
"""The attribute of a :func:`build_mlp` model holding the seed it was built with."""


@validate_params(owner=OWNER, n_inputs=COUNT.with_fix("It is the number of input features."), hidden=HIDDEN,
                 activation=ACTIVATION, head=Text("a head name"), n_classes=[COUNT, None],
                 initializer=Text("an initializer name"), l1=PENALTY, l2=PENALTY, dropout=DROPOUT, seed=SEED, name=NAME)
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
            cross-entropy), ``softmax`` (``n_classes`` units), ``playground_regression`` (linear
            unit, ½·MSE: the Playground's regression) or ``linear`` (linear unit, plain MSE). See
            :mod:`kit.heads`.
        n_classes: number of classes for the softmax head (at least 2).
        initializer: ``playground`` (U(−0.5, 0.5), biases 0.1), ``zero`` (the Playground's
            "initZero": all weights and biases 0), ``glorot``, ``he``, or another name in
            ``INITIALIZERS``.
        l1, l2: Keras's ``L1L2`` kernel regularizer (not the biases, as in the Playground): adds
            ``l1·Σ|w| + l2·Σw²`` to the loss, so ``l2=r`` adds ``2r·w`` to the gradient. The
            Playground's L2 rate r adds ``r·w``: use ``kit.training.train(regularization="l2",
            regularization_rate=r)`` (or ``l2=r/2`` here).
        dropout: dropout rate after each hidden layer (0 for none).
        seed: seeds every initializer and dropout layer; the same seed gives the same weights. The
            model keeps it as ``model.kit_seed`` (the kit's ``Diagnostics`` records it as ``model_seed``).
        name: the model's name.

    Layers are named ``hidden_1 … hidden_k`` and ``output`` (dropout layers ``dropout_i``).

    Example:
        >>> model = build_mlp(2, hidden=[8, 8], activation=["relu", "tanh"], head="logistic", seed=1)
        >>> model.get_layer("hidden_2").activation.__name__
        'tanh'
    """
    hidden = [int(width) for width in ([hidden] if isinstance(hidden, Integral) else hidden)]
    hidden_activations = _activations(activation, len(hidden))
    chosen_head = heads.get(head)
    if chosen_head.name == "softmax":
        n_outputs = int(check(n_classes, Interval(Integral, 2, None), "n_classes", OWNER,
                              fix="The softmax head needs the number of classes, e.g. n_classes=10."))
    else:
        check(n_classes, [Options(1, 2), None], "n_classes", OWNER,
              fix=f"The {chosen_head.name} head has one output unit; use head='softmax' for more than two classes.")
        n_outputs = 1
    l1, l2, dropout = float(l1), float(l2), float(dropout)
    make_initializers = _initializers(initializer, int(seed))

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
    model = keras.Model(inputs, outputs, name=name)
    setattr(model, SEED_MARK, int(seed))
    # The two regression heads share their output layer; the mark tells them apart (kit.heads).
    return heads.mark_head(model, chosen_head.name)


@validate_params(model=MODEL)
def dense_layers(model) -> list:
    """The model's Dense layers, in order (hidden layers, then the output)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


@validate_params(model=MODEL)
def hidden_activations(model) -> dict[str, str]:
    """Each hidden Dense layer's activation name, by layer name.

    Example:
        >>> hidden_activations(build_mlp(2, [3], "relu"))
        {'hidden_1': 'relu'}
    """
    return {layer.name: activations.name_of(layer.activation) for layer in dense_layers(model)[:-1]}


@validate_params(model=MODEL)
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


@validate_params(optimizer=Text("an optimizer name"), learning_rate=LEARNING_RATE)
def make_optimizer(optimizer: str = "sgd", learning_rate: float = 0.03):
    """A fresh Keras optimizer by name (``sgd``, ``adam``, ``rmsprop``, ``adagrad``)."""
    if optimizer.lower() not in OPTIMIZERS:
        raise unknown_name("optimizer", optimizer, OPTIMIZERS)
    return OPTIMIZERS[optimizer.lower()](learning_rate=float(learning_rate))


@validate_params(model=MODEL, optimizer=Text("an optimizer name"), learning_rate=LEARNING_RATE)
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
