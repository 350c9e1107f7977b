"""``train_many``: K small networks of one architecture trained together, as one compiled program.

A Playground-sized step is a few thousand floating-point operations; one model at a time, the
compiled trainer spends its time in per-step loop overhead, not arithmetic. ``train_many``
stacks K models' weights and runs every model's step in the same loop iteration, so that
overhead is paid once for all K.

Layout ("models last"): a layer's kernels are one ``(inputs, units, K)`` tensor, its biases
``(units, K)`` and its activations ``(batch, units, K)``. A dense layer is a broadcast multiply
and a sum over the input axis, which XLA fuses into one vectorised loop over K, where a batched
``matmul`` of K tiny matrices would be K tiny calls. A layer of ``DOT_WEIGHTS`` weights or more
(the digits' 64 × 32, no Playground network) is that batched ``matmul``, where the broadcast's
intermediate would cost more. Each epoch the K shuffled copies of the
training split are gathered once, into ``(n, features, K)``, so a step only takes a contiguous
slice. The shuffles themselves are computed before the compiled call, a block of epochs for all
seeds in one NumPy pass (:func:`kit.training.shuffle.orders`, bitwise ``train``'s orders): inside
the program, XLA's per-seed RNG and its CPU sort cost more than the training itself.

Per model, the semantics are :func:`kit.training.train`'s: the same seeded shuffle
(:func:`kit.training.shuffle.epoch_order`), mini-batch mean gradients with the last partial batch
kept, the head's own Keras loss, SGD or Adam with Keras 3's update formulas, ``l1``/``l2`` on the
kernels and the layers' own L1/L2 regularisers, metrics on the full splits after every epoch,
``stop_when`` and divergence. A model that meets its target or diverges stops; the others go on.

Results equal separate ``train`` calls up to float rounding, not bitwise: a Dense layer's
``matmul`` and the broadcast-and-sum here add the same products in a different order (and the
batch mean sums over a different axis), so single-precision results differ in the last bits and
the difference grows slowly with training (see ``tests/test_train_many.py`` for the tolerance).
Within ``train_many`` itself a model's numbers are bitwise the same whichever models share its
call (alone, with others of its activation, or in a mix): every activation is selected per lane and
the stack padded to a multiple of ``LANES`` (see ``train_many``'s stacking).

Example:
    >>> from kit import builders, datasets
    >>> from kit.training import train_many
    >>> data = datasets.playground("xor", noise=0, seed=0)
    >>> models = [builders.build_mlp(2, [4, 4], activation, seed=0) for activation in ("relu", "tanh")]
    >>> histories = train_many(models, data, epochs=5, seeds=[0, 0], verbose=0)
    >>> [len(history.history["val_loss"]) for history in histories]
    [5, 5]
"""

from __future__ import annotations

import inspect
import dataclasses

import keras
import numpy as np
import tensorflow as tf

from kit import activations, caches, heads
from kit.builders import make_optimizer
from kit.datasets import DATASET
from kit.errors import (BATCH_SIZE, COUNT, FLAG, LEARNING_RATE, MODEL, PENALTY, SEED, InstanceOf, InvalidParameter,
                        ListOf, Options, Text, invalid, unknown_name, validate_params)
from kit.training import checks, compiled, loop
from kit.training.shuffle import orders as shuffle_orders
from kit.training.trainer import TrainingDiverged

OWNER = "kit.training.train_many"

OPTIMIZERS = ("sgd", "adam")
"""Optimizers ``train_many`` reimplements (Keras 3's SGD without momentum, and Adam)."""

LANES = 16
"""The stack's length is a multiple of this (padded with copies, see ``train_many``), so that a
model's numbers do not depend on how many models share its call."""

DOT_WEIGHTS = 256
"""A layer with at least this many weights per model (inputs × units) is a batched matrix product,
one per model; a smaller one a broadcast multiply and sum (see the module's *Layout*). Every
Playground network (at most 8 × 8 a layer) is below it; the digits' 64 × 32 layers are above,
where the broadcast's (batch, inputs, units, K) intermediate made training several times slower."""

CHUNK = compiled.CHUNK
"""Most epochs one compiled call runs (fewer when a callback needs a model sooner)."""

ORDER_BYTES = 64 * 2**20
"""Most bytes of precomputed shuffle orders (a block of up to ``CHUNK`` epochs × distinct seeds ×
training rows, int32): 3 MB for 48 seeds of 250 rows; larger data sets get shorter blocks."""

NO_ORDERS = np.zeros([1, 1, 1], np.int32)
"""The orders argument when nothing is shuffled. A NumPy array, not a tensor: a tensor built at
import starts TensorFlow's runtime in the grader's zygote, and every tf.function in a forked
child then hangs."""

STATUS_RUNNING, STATUS_TARGET_MET, STATUS_DIVERGED = (compiled.STATUS_RUNNING, compiled.STATUS_TARGET_MET,
                                                      compiled.STATUS_DIVERGED)
METRIC_NAMES = compiled.METRIC_NAMES

STOP_WHEN = InstanceOf(dict, "a dict of metric → target, e.g. {'val_loss': 0.177}")

PARAMETERS = {
    "models": ListOf(MODEL, min_length=1),
    "data": [DATASET, ListOf(DATASET, min_length=1)],
    "epochs": COUNT,
    "batch_size": BATCH_SIZE,
    "optimizer": Text(f"an optimizer name ({', '.join(OPTIMIZERS)})"),
    "learning_rate": [LEARNING_RATE, ListOf(LEARNING_RATE, min_length=1)],
    "seeds": [ListOf(SEED, min_length=1), None],
    "l1": [PENALTY, ListOf(PENALTY, min_length=1)],
    "l2": [PENALTY, ListOf(PENALTY, min_length=1)],
    "stop_when": [STOP_WHEN, InstanceOf(list, "a list with one such dict (or None) per model"), None],
    "callbacks": [InstanceOf(list, "a list with one list of keras callbacks (or None) per model"), None],
    "verbose": Options("auto", 0, 1, True, False),
    "shuffle": FLAG,
}
"""``train_many``'s parameters and what each accepts (checked before anything else happens)."""


class Histories(list):
    """One ``keras.callbacks.History`` per model, in the order of the models.

    Each history also has ``seed`` (its shuffle seed) and ``diverged``: None, or the
    :class:`~kit.training.TrainingDiverged` that ``train`` would have raised for that model (its
    ``epoch``, ``learning_rate`` and ``loss``; the model kept its last finite weights).
    """

    @property
    def diverged(self) -> dict:
        """``{model index: TrainingDiverged}`` for the models that diverged."""
        return {index: history.diverged for index, history in enumerate(self) if history.diverged is not None}


# ------------------------------------------------------------------------------------------------
# Checking the arguments


def _per_model(value, count: int, parameter: str, what: str) -> list:
    """A scalar repeated ``count`` times, or a list of exactly ``count`` values."""
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise invalid(parameter, OWNER, f"one {what} or a list of {count} (one per model)",
                          got=f"a list of {len(value)}")
        return list(value)
    return [value] * count


def _dense_layers(model, index: int) -> list:
    """The model's Dense layers, after checking that it has nothing else ``train_many`` would skip."""
    dense = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if not isinstance(layer, keras.layers.Dense) or not layer.use_bias:
            raise InvalidParameter(
                f"Model {index} ({model.name!r}) has the layer {layer.name!r} ({type(layer).__name__}"
                f"{'' if not isinstance(layer, keras.layers.Dense) else ' without bias'}); train_many trains "
                "stacks of Dense layers "
                "with biases (kit.builders.build_mlp without dropout). Train this model with kit.training.train.")
        if layer.bias_regularizer is not None or layer.activity_regularizer is not None or (
                layer.kernel_regularizer is not None
                and not isinstance(layer.kernel_regularizer, keras.regularizers.L1L2)):
            raise InvalidParameter(
                f"Model {index}'s layer {layer.name!r} has a regulariser train_many does not reproduce (only "
                "L1/L2 on kernels, as build_mlp(l1=..., l2=...) makes). Train it with kit.training.train.")
        dense.append(layer)
    return dense


def _activation(layer, index: int):
    """The layer's activation function, refused when it does not act elementwise."""
    name = activations.name_of(layer.activation)
    entry = activations.REGISTRY.get(name)
    if entry is not None and not entry.elementwise:
        raise InvalidParameter(
            f"Model {index}'s hidden layer {layer.name!r} uses {name!r}, which mixes units; train_many stacks "
            "elementwise activations only. Train it with kit.training.train.")
    return layer.activation


@validate_params(model=MODEL)
def stackable(model) -> bool:
    """Whether ``train_many`` can train this model: Dense layers with biases (no dropout or other
    layers), elementwise activations, no regularisers but L1/L2 on kernels (what
    :func:`kit.builders.build_mlp` makes without dropout). Others train with ``train``.

    Example:
        >>> from kit import builders
        >>> stackable(builders.build_mlp(2, [4], "relu")), stackable(builders.build_mlp(2, [4], "relu", dropout=0.1))
        (True, False)
    """
    try:
        for layer in _dense_layers(model, 0)[:-1]:
            _activation(layer, 0)
    except InvalidParameter:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class _Architecture:
    widths: tuple  # (inputs, units of each Dense layer …)
    head: object  # kit.heads.Head
    output_activation: object


def _check_models(models, data_sets) -> tuple:
    """(architecture, per-model hidden activations, per-model layers), checking they all agree."""
    architecture, hidden, layers = None, [], []
    for index, (model, data) in enumerate(zip(models, data_sets)):
        head = checks.check_model_and_data(model, data)
        dense = _dense_layers(model, index)
        widths = (int(dense[0].kernel.shape[0]),) + tuple(int(layer.units) for layer in dense)
        this = _Architecture(widths, head, dense[-1].activation)
        if architecture is None:
            architecture = this
        elif this.widths != architecture.widths or this.head != architecture.head:
            raise InvalidParameter(
                f"train_many trains models of one architecture, but model {index} ({model.name!r}) has layer "
                f"widths {list(this.widths)} and the {this.head.name} head while model 0 has "
                f"{list(architecture.widths)} and the {architecture.head.name} head. Train each architecture "
                "in its own train_many call.")
        hidden.append(tuple(_activation(layer, index) for layer in dense[:-1]))
        layers.append(dense)
    if len({id(model) for model in models}) != len(models):
        raise invalid("models", OWNER, "a list of distinct models (each trained once)",
                      got="the same model more than once")
    return architecture, hidden, layers


def _check_data(data, count: int) -> list:
    data_sets = _per_model(data, count, "data", "Dataset")
    first = data_sets[0]
    for index, other in enumerate(data_sets):
        if (len(other.x_train), len(other.x_test), other.n_features, other.labels, other.y_train.shape[1:]) != (
                len(first.x_train), len(first.x_test), first.n_features, first.labels, first.y_train.shape[1:]):
            raise InvalidParameter(
                f"The data sets given to {OWNER} must have the same shape, but data set {index} ({other.name!r}) "
                f"has {len(other.x_train)}/{len(other.x_test)} train/test rows of {other.n_features} feature(s) "
                f"with {other.labels!r} labels while data set 0 ({first.name!r}) has {len(first.x_train)}/"
                f"{len(first.x_test)} of {first.n_features} with {first.labels!r}. Make them with the same "
                "n_samples, train_fraction and labels.")
    return data_sets


# ------------------------------------------------------------------------------------------------
# The compiled program


@dataclasses.dataclass(frozen=True)
class _Program:
    """Everything the traced code depends on besides tensor shapes (the compile cache's key)."""

    n_layers: int
    groups: tuple  # ((hidden activation functions, first model, end model), …) in stacked order
    head: object
    output_activation: object
    optimizer: str
    batch_size: int
    n_train: int
    n_test: int
    shuffle: bool


_programs: dict = caches.register({}, "kit.training.many._programs")  # compiled many-model programs


def _program(key: _Program):
    function = _programs.get(key)
    if function is None:
        # Plain graph code (explicit while loops): autograph's conversion of every helper
        # doubled the tracing time.
        function = tf.function(_make_run(key), jit_compile=True, autograph=False)
        _programs[key] = function
        while len(_programs) > compiled.CACHE_SIZE:
            _programs.pop(next(iter(_programs)))
    return function


def clear_cache() -> None:
    """Drop every compiled program (the next ``train_many`` compiles again)."""
    _programs.clear()
    _traced.clear()


# ------------------------------------------------------------------------------------------------
# Programs described as plain data, compiled again elsewhere (a prepared runner of the sandbox)

_traced: list = caches.register([], "kit.training.many._traced")  # descriptions of the programs run, newest last
TRACED_KEPT = 4
"""How many descriptions :func:`traced_programs` keeps (a shoot-out traces one program)."""

DESCRIPTION_BOUNDS = {"layers": 16, "groups": 16, "lanes": 1024, "units": 1024, "rows": 1 << 22, "leaves": 256,
                      "rank": 4, "elements": 1 << 24}
"""What :func:`warm_up` accepts of a description, at most (it comes from a submission's process):
layers, activation groups, stacked models, units of a layer (the unrolled layer's loop runs over
them), rows of a data set (or any other axis), tensors in all, the rank of each and its elements
(:func:`warm_up` fills them with zeros)."""

_DTYPES = ("float32", "int32", "int64", "bool")


def _function_name(function):
    """The activation name that :func:`_named_function` turns back into ``function`` (Keras's or
    the kit's), or None for any other function (a student's own: never traced elsewhere)."""
    try:
        name = activations.name_of(function)
        return name if isinstance(name, str) and _named_function(name) is function else None
    except Exception:
        return None


def _named_function(name: str):
    return keras.activations.get(activations.resolve(name))


def _known_function(name, where: str):
    """The activation function that ``name`` names, where it is Keras's or the kit's and names it back
    (:func:`_function_name`); ValueError otherwise. Each name is resolved once."""
    function = _named_function(name) if type(name) is str else None
    if function is None or _function_name(function) != name:
        raise ValueError(f"{where} names an activation that is not Keras's or the kit's")
    return function


def _spec(value):
    """The tensor structure of a program's arguments as JSON data: lists and tuples kept apart
    (the trace cache tells them apart), each tensor as ``[shape, dtype]``."""
    if isinstance(value, (list, tuple)):
        return {"list" if isinstance(value, list) else "tuple": [_spec(item) for item in value]}
    return [[int(d) for d in value.shape], str(value.dtype.name if hasattr(value.dtype, "name") else value.dtype)]


def _describe(key: _Program, arguments: tuple):
    """``key`` and its call's argument shapes as JSON data, or None when a function in it is not
    Keras's or the kit's."""
    groups = []
    for functions, start, end in key.groups:
        names = [_function_name(f) for f in functions]
        if None in names:
            return None
        groups.append([names, start, end])
    output = _function_name(key.output_activation)
    if output is None:
        return None
    return {"layers": key.n_layers, "groups": groups, "head": key.head.name, "output": output,
            "optimizer": key.optimizer, "batch_size": key.batch_size, "n_train": key.n_train, "n_test": key.n_test,
            "shuffle": key.shuffle, "arguments": _spec(list(arguments))}


def _remember(key: _Program, arguments: tuple) -> None:
    description = _describe(key, arguments)
    if description is not None:
        if description in _traced:
            _traced.remove(description)
        _traced.append(description)
        del _traced[:-TRACED_KEPT]


def traced_programs() -> list:
    """Descriptions (JSON data) of the last programs ``train_many`` ran in this process, the
    newest last: what :func:`warm_up` needs to compile one again in another process.

    Example:
        >>> clear_cache(); traced_programs()
        []
    """
    return list(_traced)


def _bounded(value, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{what} must be an int from {low} to {high}; got {value!r}")
    return value


def _decode_spec(value, budget: list, depth: int = 0):
    if depth > 4:
        raise ValueError("the arguments nest too deep")
    if type(value) is dict and len(value) == 1 and next(iter(value)) in ("list", "tuple") \
            and type(next(iter(value.values()))) is list:
        kind, items = next(iter(value.items()))
        decoded = [_decode_spec(item, budget, depth + 1) for item in items]
        return decoded if kind == "list" else tuple(decoded)
    if type(value) is not list or len(value) != 2 or type(value[0]) is not list or value[1] not in _DTYPES:
        raise ValueError("a tensor must be [shape, dtype]")
    budget[0] -= 1
    if budget[0] < 0 or len(value[0]) > DESCRIPTION_BOUNDS["rank"]:
        raise ValueError("too many tensors, or one of too high a rank")
    shape = [_bounded(d, 0, DESCRIPTION_BOUNDS["rows"], "a dimension") for d in value[0]]
    if int(np.prod(shape, dtype=np.int64)) > DESCRIPTION_BOUNDS["elements"]:
        raise ValueError("a tensor is too large")
    return tf.TensorSpec(shape, value[1])


def _decode(description) -> tuple:
    """(key, argument specs) from :func:`_describe`'s data; ValueError when anything is off."""
    if type(description) is not dict:
        raise ValueError("a description is a dict")
    layers = _bounded(description.get("layers"), 1, DESCRIPTION_BOUNDS["layers"], "layers")
    groups_data = description.get("groups")
    if type(groups_data) is not list or not 1 <= len(groups_data) <= DESCRIPTION_BOUNDS["groups"]:
        raise ValueError("groups must be a non-empty list")
    groups, start = [], 0
    for item in groups_data:
        if type(item) is not list or len(item) != 3 or type(item[0]) is not list or len(item[0]) != layers - 1:
            raise ValueError("a group is [activation names per hidden layer, start, end]")
        functions = tuple(_known_function(name, "a group") for name in item[0])
        if item[1] != start:
            raise ValueError("groups must follow each other")
        start = _bounded(item[2], start + 1, DESCRIPTION_BOUNDS["lanes"], "a group's end")
        groups.append((functions, item[1], item[2]))
    head = description.get("head")
    if head not in heads.HEADS:
        raise ValueError("unknown head")
    output = _known_function(description.get("output"), "the output")
    if description.get("optimizer") not in OPTIMIZERS or type(description.get("shuffle")) is not bool:
        raise ValueError("unknown optimizer, or shuffle not a bool")
    n_train = _bounded(description.get("n_train"), 1, DESCRIPTION_BOUNDS["rows"], "n_train")
    key = _Program(layers, tuple(groups), heads.HEADS[head], output,
                   description["optimizer"], _bounded(description.get("batch_size"), 1, n_train, "batch_size"),
                   n_train, _bounded(description.get("n_test"), 0, DESCRIPTION_BOUNDS["rows"], "n_test"),
                   description["shuffle"])
    arguments = _decode_spec(description.get("arguments"), [DESCRIPTION_BOUNDS["leaves"]])
    if type(arguments) is not list or len(arguments) != 14:
        raise ValueError("a program takes 14 arguments")
    for spec in arguments[0]:  # the stacked weights: the unrolled layer loops over a kernel's inputs
        if not isinstance(spec, tf.TensorSpec) or any(d > DESCRIPTION_BOUNDS["units"] for d in spec.shape[:-1]) \
                or spec.shape[-1:] != [start]:
            raise ValueError("the weights must be (inputs, units, models) and (units, models) tensors")
    return key, arguments


def trace_count() -> int:
    """How many times the cached programs were traced (each trace is one XLA compilation)."""
    return sum(int(function.experimental_get_tracing_count()) for function in _programs.values())


def warm_up(description) -> bool:
    """Trace, compile and run for no epoch (on zeros) the program a description of
    :func:`traced_programs` names, so that ``train_many`` in this process finds it compiled: what
    a prepared runner of the grader's sandbox does before its call comes
    (:meth:`kit.grading.sandbox.zygote.Zygote.prepare`; ~3 s of a shoot-out's check). The
    description came from a submission's process, so it is data, checked against
    :data:`DESCRIPTION_BOUNDS` and naming only Keras's and the kit's activations; False (nothing done)
    when anything in it is off.

    Never in a process that forks a TensorFlow user later: a runtime started in a parent hangs
    the programs of its forked children (even tracing starts it: a while loop registers its
    functions with the runtime).
    """
    try:
        key, arguments = _decode(description)
    except (ValueError, TypeError, KeyError, InvalidParameter):
        return False
    zeros = tf.nest.map_structure(lambda spec: tf.zeros(spec.shape, spec.dtype), arguments)
    try:
        _program(key)(*zeros)
    except Exception:
        _programs.pop(key, None)
        return False
    return True


# Keras 3's Adam defaults, as kit.builders.make_optimizer("adam") builds it.
# Keras's defaults, read from the signature: building an optimizer at import would start
# TensorFlow's runtime in the grader's zygote, and every tf.function in a forked child would hang.
_ADAM = inspect.signature(keras.optimizers.Adam).parameters
BETA_1, BETA_2, EPSILON = (float(_ADAM[name].default) for name in ("beta_1", "beta_2", "epsilon"))
del _ADAM


def _make_run(key: _Program):
    n_layers, head = key.n_layers, key.head
    loss_object = head.loss()

    width = key.groups[-1][2]
    lanes_of = {}  # activation (per layer) → the lanes that use it
    for functions, start, end in key.groups:
        lanes_of.setdefault(functions, np.zeros(width, bool))[start:end] = True
    if len(lanes_of) == 1:  # one activation: a second selection, of no lane, as a mixed stack has
        lanes_of[None] = np.zeros(width, bool)

    never = []  # a (K,) tensor of False that XLA cannot fold: set by run()

    def hidden_activation(layer, z):
        # Every activation of the stack on every lane, each lane's own selected (tf.where: exact),
        # behind masks XLA cannot fold: the same program arithmetic on a lane whichever lanes use
        # what, and whether the stack holds one activation or several.
        h = z
        for functions, lanes in lanes_of.items():
            value = z if functions is None else functions[layer](z)
            h = tf.where(tf.logical_or(tf.constant(lanes), never[0]), value, h)
        return h

    def broadcast_dense(h, kernel, bias):
        # (batch, inputs, 1, K) × (1, inputs, units, K) summed over inputs: one fused loop, and its
        # gradient is as cheap; the training step's layer.
        # (expand_dims, not [:, :, None]: a strided slice is four ops to trace and lower, and its gradient a fifth)
        return tf.reduce_sum(tf.expand_dims(h, 2) * tf.expand_dims(kernel, 0), axis=1) + tf.expand_dims(bias, 0)

    def unrolled_dense(h, kernel, bias):
        # The same sum, one input at a time: no (batch, inputs, units, K) intermediate, ~3× faster
        # for the full-split evaluation (measured at K = 48, 250 rows), but its gradient is slow.
        # (one split and one unstack, not two strided slices per input: fewer ops to trace and lower)
        inputs, rows = tf.split(h, kernel.shape[0], axis=1), tf.unstack(tf.expand_dims(kernel, 1), axis=0)
        z = inputs[0] * rows[0]
        for row in range(1, kernel.shape[0]):
            z = z + inputs[row] * rows[row]
        return z + tf.expand_dims(bias, 0)

    def matmul_dense(h, kernel, bias):
        # One (batch, inputs) × (inputs, units) product per model: for a layer of DOT_WEIGHTS weights
        # or more, the broadcast's (batch, inputs, units, K) intermediate costs more than K matmuls.
        h = tf.broadcast_to(h, tf.concat([tf.shape(h)[:2], tf.shape(kernel)[2:]], 0))
        return tf.einsum("bik,iuk->buk", h, kernel) + tf.expand_dims(bias, 0)

    def forward(params, x, dense=broadcast_dense):
        """Outputs (batch, K, outputs) for inputs (batch, features, K or 1)."""
        h = x
        for layer in range(n_layers):
            kernel, bias = params[2 * layer], params[2 * layer + 1]
            big = kernel.shape[0] * kernel.shape[1] >= DOT_WEIGHTS
            z = (matmul_dense if big else dense)(h, kernel, bias)
            if layer < n_layers - 1:
                h = hidden_activation(layer, z)
        # The output activation is applied last, on (batch, K, outputs), so that Keras's losses see
        # the sigmoid/softmax op itself and use its logits, exactly as for a single model.
        return key.output_activation(tf.transpose(z, [0, 2, 1]))

    def head_loss(y, predictions):
        """Per-model mean loss over the batch: (K,)."""
        per_example = loss_object.call(y, predictions)  # (batch, K)
        return tf.reduce_sum(per_example, axis=0) / tf.cast(tf.shape(per_example)[0], tf.float32)

    def accuracy(y, predictions):
        hits = head.hits(y, predictions)
        if hits is None:
            return tf.zeros([predictions.shape[1]], tf.float32)
        # Keras's accuracies keep or drop the trailing unit axis; average all but the models axis.
        hits = tf.reshape(tf.cast(hits, tf.float32), [tf.shape(hits)[0], predictions.shape[1], -1])
        return tf.reduce_mean(hits, axis=(0, 2))

    def penalty(params, l1, l2, reg1, reg2):
        total = 0.0
        for layer in range(n_layers):
            kernel = params[2 * layer]
            absolute, square = tf.reduce_sum(tf.abs(kernel), axis=(0, 1)), tf.reduce_sum(tf.square(kernel), axis=(0, 1))
            total += l1 * absolute + l2 * square + reg1[layer] * absolute + reg2[layer] * square
        return total

    def step(params, moments, iterations, x, y, rates):
        learning_rate, l1, l2, reg1, reg2 = rates
        with tf.GradientTape() as tape:
            tape.watch(params)
            loss = head_loss(y, forward(params, x)) + penalty(params, l1, l2, reg1, reg2)
            total = tf.reduce_sum(loss)  # models are independent: each one's gradient is its own
        gradients = tape.gradient(total, params)
        if key.optimizer == "sgd":
            return [p - g * learning_rate for p, g in zip(params, gradients)], moments, iterations + 1
        # Keras 3's Adam.update_step, term for term (bias correction folded into alpha, epsilon
        # added to sqrt(v)).
        local_step = tf.cast(iterations + 1, tf.float32)
        beta_1_power = tf.pow(tf.constant(BETA_1, tf.float32), local_step)
        beta_2_power = tf.pow(tf.constant(BETA_2, tf.float32), local_step)
        alpha = learning_rate * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        new_params, new_moments = [], []
        for index, (p, g) in enumerate(zip(params, gradients)):
            m, v = moments[2 * index], moments[2 * index + 1]
            m = m + (g - m) * (1 - BETA_1)
            v = v + (tf.square(g) - v) * (1 - BETA_2)
            new_params.append(p - (m * alpha) / (tf.sqrt(v) + EPSILON))
            new_moments += [m, v]
        return new_params, new_moments, iterations + 1

    def epoch_data(x_all, y_all, order, data_offset):
        """This epoch's training data of every model, in ``order`` (K, n): x (n, features, K), y (n, K, …)."""
        rows = tf.transpose(order + data_offset[:, None])  # (n, K)
        return tf.transpose(tf.gather(x_all, rows), [0, 2, 1]), tf.gather(y_all, rows)

    def evaluate(params, x, y):
        """(loss, accuracy) per model on the training split, then on the test split (zeros without one):
        ``x``, ``y`` hold both splits, the training rows first, in one forward pass (one graph
        instead of two: less to trace and compile; each row's numbers are its own either way)."""
        predictions = forward(params, x, unrolled_dense)
        y = tf.broadcast_to(y, tf.concat([tf.shape(y)[:1], tf.shape(predictions)[1:2], tf.shape(y)[2:]], 0))
        splits = [slice(None, key.n_train)] + ([slice(key.n_train, None)] if key.n_test else [])
        values = [metric(y[rows], predictions[rows]) for rows in splits for metric in (head_loss, accuracy)]
        return tuple(values) if key.n_test else (*values, tf.zeros_like(values[0]), tf.zeros_like(values[0]))

    def finite_per_model(tensors):
        finite = None
        for tensor in tensors:
            axes = list(range(len(tensor.shape) - 1))
            here = tf.reduce_all(tf.math.is_finite(tensor), axis=axes) if axes else tf.math.is_finite(tensor)
            finite = here if finite is None else tf.logical_and(finite, here)
        return finite

    def run(params, moments, iterations, x_all, y_all, evaluation, orders, seed_index, data_offset, order_start,
            n_epochs, rates, targets, active):
        """``n_epochs`` epochs; ``orders[order_start + i]`` (distinct seeds, n) is the shuffle of the
        call's i-th epoch (:func:`kit.training.shuffle.orders`)."""
        never[:] = [seed_index < 0]
        x_train, y_train, x_test, y_test = evaluation
        x_evaluated, y_evaluated = (tf.concat([x_train, x_test], 0), tf.concat([y_train, y_test], 0)) if key.n_test \
            else (x_train, y_train)
        target_values, target_signs = targets  # (4, K) each; sign 0: no target on that metric
        has_target = tf.reduce_any(target_signs != 0.0, axis=0)
        models = seed_index.shape[0]
        size = key.batch_size
        n_full, remainder = divmod(key.n_train, size)
        metrics = tf.zeros([CHUNK, len(METRIC_NAMES), models], tf.float32)
        status = tf.fill([models], STATUS_RUNNING)
        stopped = tf.zeros([models], tf.int32)  # epochs (of this call) each stopped model finished

        def train_batches(x, y, params, moments, iterations):
            def body(batch, work, work_moments, work_iterations):
                start = batch * size  # a fixed batch shape, so XLA compiles one step for all
                work, work_moments, work_iterations = step(work, work_moments, work_iterations,
                                                           compiled._rows(x, start, size),
                                                           compiled._rows(y, start, size), rates)
                return batch + 1, work, work_moments, work_iterations

            _, params, moments, iterations = tf.while_loop(lambda batch, *_: batch < n_full, body,
                                                           (tf.constant(0), params, moments, iterations))
            if remainder:  # the last partial batch, kept as model.fit keeps it
                params, moments, iterations = step(params, moments, iterations, x[key.n_train - remainder:],
                                                   y[key.n_train - remainder:], rates)
            return params, moments, iterations

        def epoch(offset, params, moments, iterations, metrics, status, stopped, active):
            if key.shuffle:
                # tf.gather, not orders[i]: a strided slice needs constant bounds, and XLA then
                # compiled the program again for every order_start.
                order = tf.gather(tf.gather(orders, order_start + offset), seed_index)  # (K, n)
            else:
                order = tf.broadcast_to(tf.range(key.n_train)[None], [models, key.n_train])
            x, y = epoch_data(x_all, y_all, order, data_offset)
            work, work_moments, iterations = train_batches(x, y, list(params), list(moments), iterations)
            row = tf.stack(evaluate(work, x_evaluated, y_evaluated))  # (4, K): loss, hits, val_loss, val_hits
            metrics = tf.tensor_scatter_nd_update(metrics, [[offset]], [row])
            finite = tf.logical_and(finite_per_model([row]), finite_per_model(work))
            keep = tf.logical_and(active, finite)
            params = [tf.where(keep, new, old) for new, old in zip(work, params)]
            moments = [tf.where(keep, new, old) for new, old in zip(work_moments, moments)]
            met = tf.logical_and(keep, tf.logical_and(
                has_target, tf.reduce_all(target_signs * (row - target_values) <= 0.0, axis=0)))
            diverged = tf.logical_and(active, tf.logical_not(finite))
            status = tf.where(diverged, STATUS_DIVERGED, tf.where(met, STATUS_TARGET_MET, status))
            offset += 1
            stopped = tf.where(tf.logical_or(met, diverged), offset, stopped)
            active = tf.logical_and(keep, tf.logical_not(met))
            return offset, params, moments, iterations, metrics, status, stopped, active

        def more(offset, *state):
            return tf.logical_and(offset < n_epochs, tf.reduce_any(state[-1]))

        offset, params, moments, iterations, metrics, status, stopped, _ = tf.while_loop(
            more, epoch, (tf.constant(0), list(params), list(moments), iterations, metrics, status, stopped, active))
        return params, moments, iterations, metrics, offset, status, stopped

    return run


# ------------------------------------------------------------------------------------------------
# The driver


@validate_params(PARAMETERS, owner=OWNER)
def train_many(models, data, epochs=100, batch_size=10, optimizer="sgd", learning_rate=0.03, seeds=None, l1=0.0,
               l2=0.0, stop_when=None, callbacks=None, verbose="auto", shuffle=True):
    """Train K models of one architecture together, each as :func:`kit.training.train` would.

    The models are Dense stacks as :func:`kit.builders.build_mlp` makes them (no dropout), with
    the same layer widths and head; their hidden activations may differ (a sweep over
    activations is one call). Each model keeps its own initial weights and gets its own seed,
    data set, learning rate, penalties and ``stop_when``. The trained weights are written back
    into each Keras model.

    Args:
        models: a list of K Keras models.
        data: one kit ``Dataset`` for all, or a list of K data sets of the same shape (rows,
            features, label convention); the test split is the validation data.
        epochs, batch_size, shuffle: as in ``train``, the same for every model.
        optimizer: ``"sgd"`` or ``"adam"`` (Keras 3's defaults; each model's state is its own).
        learning_rate: one value for all, or one per model.
        seeds: one shuffle seed per model; default ``0, 1, …, K−1``. Model k then sees the data
            in the order ``train(models[k], data, seed=seeds[k])`` would.
        l1, l2: kernel penalties, one value for all or one per model (plus each layer's own
            L1/L2 regulariser, as ``train`` adds ``model.losses``).
        stop_when: a dict of targets for every model, or a list with one (or None) per model; a
            model that meets its targets stops there, the others go on.
        callbacks: None, or a list with one entry per model: a list of Keras callbacks or None.
            A model's callbacks see it (with its current weights) at the end of each epoch, or, for
            callbacks with ``needs_model_after(epoch)`` (the kit's ``Diagnostics``), at the epochs
            they name. ``model.stop_training = True`` stops that model. As ``train`` does, such a
            model gets ``model.optimizer`` (an optimizer of that name and rate, for callbacks that
            read it; the updates do not use it).
        verbose: ``"auto"`` (a progress bar when stdout is a terminal), 1 or 0.

    Returns:
        A :class:`Histories`: one ``keras.callbacks.History`` per model, as ``train`` returns
        (metrics on the full splits after each epoch). A model that diverged (NaN/Inf loss or
        weights) is not raised about: its history stops at its last finite epoch, its weights are
        those of that epoch, and ``history.diverged`` holds the ``TrainingDiverged`` ``train``
        would have raised (``histories.diverged`` lists them by model index).

    Raises:
        kit.errors.InvalidParameter: an argument is wrong, or the models cannot be stacked (other
            widths, layers other than Dense, an optimizer other than SGD/Adam); the message says
            how to fix it.

    Example:
        >>> from kit import builders, datasets
        >>> from kit.training import train_many
        >>> data = datasets.playground("circle", noise=0, seed=0)
        >>> models = [builders.build_mlp(2, [4, 2], "tanh", seed=seed) for seed in range(3)]
        >>> histories = train_many(models, data, epochs=20, learning_rate=[0.03, 0.1, 0.3], seeds=[0, 1, 2],
        ...                        stop_when={"val_loss": 0.177}, verbose=0)
        >>> len(histories), sorted(histories[0].history)
        (3, ['accuracy', 'loss', 'val_accuracy', 'val_loss'])
    """
    count = len(models)
    data_sets = _check_data(data, count)
    architecture, hidden, layers = _check_models(models, data_sets)
    head = architecture.head
    if optimizer.lower() not in OPTIMIZERS:
        raise unknown_name("optimizer", optimizer, OPTIMIZERS)
    optimizer = optimizer.lower()
    learning_rates = [float(v) for v in _per_model(learning_rate, count, "learning_rate", "learning rate")]
    seeds = list(range(count)) if seeds is None else [int(s) for s in _per_model(seeds, count, "seeds", "seed")]
    l1s = [float(v) for v in _per_model(l1, count, "l1", "penalty")]
    l2s = [float(v) for v in _per_model(l2, count, "l2", "penalty")]
    metric_names = checks.metric_names(head, data_sets[0])
    stop_whens = [checks.check_stop_when(item, metric_names) if item is None or isinstance(item, dict) else
                  _bad_stop_when(item) for item in _per_model(stop_when, count, "stop_when", "dict")]
    callback_lists = _check_callbacks(callbacks, count)
    epochs, batch_size = int(epochs), int(batch_size)

    # Stacked order: models grouped by hidden activations, so each group is one slice of K.
    kinds = list(dict.fromkeys(hidden))
    order = sorted(range(count), key=lambda k: kinds.index(hidden[k]))
    groups, start = [], 0
    for kind in kinds:
        size = sum(1 for k in order if hidden[k] == kind)
        groups.append((kind, start, start + size))
        start += size
    # A model's numbers must not depend on the models it shares a call with (exercise 13's grader
    # trains two of a student's runs again, in other company): XLA vectorises the models' axis,
    # and how depends on its length and on how the activations split it (on a 2-core AVX2
    # machine, stacks of 1, 2, 3, 6 and 8 models each rounded a chaotic run, ReLU on spiral at
    # SGD 0.3, differently from stacks of 4, 12, 16 or 48: 0.92, 0.88, 0.92 and 0.85 test
    # accuracy). So every activation is applied to the whole stack and selected per lane
    # (``hidden_activation``), and the stack is padded to a multiple of LANES with copies of the
    # last group's first model, trained alongside and dropped (tests/test_train_many.py).
    width = -(-len(order) // LANES) * LANES
    if width > len(order):
        kind, first, _ = groups[-1]
        order += [order[first]] * (width - len(order))
        groups[-1] = (kind, first, width)
    n_train, n_test = len(data_sets[0].x_train), len(data_sets[0].x_test)
    key = _Program(len(layers[0]), tuple(groups), head, architecture.output_activation, optimizer,
                   min(batch_size, n_train), n_train, n_test, bool(shuffle))
    function = _program(key)

    params = []
    for layer in range(key.n_layers):
        params.append(tf.constant(np.stack([layers[k][layer].kernel.numpy() for k in order], axis=-1)))
        params.append(tf.constant(np.stack([layers[k][layer].bias.numpy() for k in order], axis=-1)))
    moments = [tf.zeros_like(p) for p in params for _ in range(2)] if optimizer == "adam" else []
    iterations = tf.constant(0, tf.int64)

    # Data: every distinct data set once; each model reads its rows by an offset.
    distinct = list({id(d): d for d in data_sets}.values())
    position = {id(d): i for i, d in enumerate(distinct)}
    x_all = tf.constant(np.concatenate([np.asarray(d.x_train, np.float32) for d in distinct]))
    y_all = tf.constant(np.concatenate([head.label_array(d.y_train) for d in distinct]))
    data_offset = tf.constant([position[id(data_sets[k])] * n_train for k in order], tf.int32)

    def evaluation_split(split_x, split_y):
        if len(distinct) == 1:  # one data set: (n, features, 1) broadcasts over the models
            return (tf.constant(np.asarray(getattr(distinct[0], split_x), np.float32)[:, :, None]),
                    tf.constant(head.label_array(getattr(distinct[0], split_y))[:, None]))
        xs = np.stack([np.asarray(getattr(data_sets[k], split_x), np.float32) for k in order], axis=-1)
        ys = np.stack([head.label_array(getattr(data_sets[k], split_y)) for k in order], axis=1)
        return tf.constant(xs), tf.constant(ys)

    evaluation = evaluation_split("x_train", "y_train") + evaluation_split("x_test", "y_test")
    distinct_seeds = sorted(set(seeds))
    seed_index = tf.constant([distinct_seeds.index(seeds[k]) for k in order], tf.int32)
    stacked = lambda values: tf.constant([values[k] for k in order], tf.float32)  # noqa: E731
    regularisers = [[(float(getattr(layers[k][i].kernel_regularizer, "l1", 0.0)),
                      float(getattr(layers[k][i].kernel_regularizer, "l2", 0.0))) for i in range(key.n_layers)]
                    for k in range(count)]
    rates = (stacked(learning_rates), stacked(l1s), stacked(l2s),
             tf.constant([[regularisers[k][i][0] for k in order] for i in range(key.n_layers)], tf.float32),
             tf.constant([[regularisers[k][i][1] for k in order] for i in range(key.n_layers)], tf.float32))
    target_values, target_signs = (tf.constant(a) for a in compiled.stop_targets([stop_whens[k] for k in order]))
    slot = {}  # model index → stacked position (a twin lane's model: its first)
    for position_, k in enumerate(order):
        slot.setdefault(k, position_)

    lanes = []
    for k, model in enumerate(models):
        # As train's, with the trainer's name: a callback can record how the model was trained.
        params_ = {"epochs": epochs, "steps": -(-n_train // key.batch_size), "verbose": 0, "seed": seeds[k],
                   "batch_size": batch_size, "trainer": "train_many"}
        if callback_lists[k]:
            # What train sets, so callbacks that read the optimizer (the kit's Diagnostics writes its
            # name and rate as hyperparameters) see the same; the updates themselves are computed here.
            model.optimizer = make_optimizer(optimizer, learning_rates[k])
        lane = loop.Lane(model, callback_lists[k], params_, learning_rates[k])
        lane.history.seed, lane.history.diverged = seeds[k], None
        lanes.append(lane)
    model_index = {id(lane): k for k, lane in enumerate(lanes)}
    names = [name for name in METRIC_NAMES if name in metric_names]
    slots = [slot[k] for k in range(count)]

    def write_back(which):
        if not which:
            return
        values = [p.numpy() for p in params]
        for lane in which:
            k = model_index[id(lane)]
            lane.weights = {}  # handed to the callbacks that take them (loop.Lane.weights): no reads
            for index, layer in enumerate(layers[k]):
                for variable, value in ((layer.kernel, values[2 * index]), (layer.bias, values[2 * index + 1])):
                    own = lane.weights[id(variable)] = np.ascontiguousarray(value[..., slot[k]])
                    # The raw assignment: model.set_weights costs ~1.4 ms a model (its checks and
                    # conversions), 6x this (measured), which adds up over 48 models and chunks.
                    tf.raw_ops.AssignVariableOp(resource=variable.value.handle, value=own)

    # The shuffles, a block of epochs at a time (one NumPy pass for all seeds), reused by the calls
    # inside the block: a fixed block shape, so one compiled program serves every call.
    block_epochs = max(1, min(CHUNK, ORDER_BYTES // (4 * len(distinct_seeds) * n_train)))
    block_start, block = 0, None

    def orders_for(start, count):
        """(orders block, index of ``start`` in it, epochs of the call the block covers)."""
        nonlocal block_start, block
        if not key.shuffle:
            return NO_ORDERS, 0, count
        if block is None or not block_start <= start < block_start + block_epochs:
            block_start = start
            filled = min(block_epochs, epochs - start)
            values = np.zeros((block_epochs, len(distinct_seeds), n_train), np.int32)
            values[:filled] = shuffle_orders(distinct_seeds, range(start, start + filled), n_train)
            block = tf.constant(values)
        return block, start - block_start, min(count, block_start + block_epochs - start)

    def call(epoch, n_epochs, active):
        nonlocal params, moments, iterations
        orders, order_start, n_epochs = orders_for(epoch, n_epochs)
        stacked_active = tf.constant([bool(active[k]) for k in order])
        arguments = (params, moments, iterations, x_all, y_all, evaluation, orders, seed_index, data_offset,
                     tf.constant(order_start, tf.int32), tf.constant(n_epochs, tf.int32), rates,
                     (target_values, target_signs), stacked_active)
        if epoch == 0:
            _remember(key, arguments)
        params, moments, iterations, metrics, done, status, stopped = function(*arguments)
        # Columns per model (a twin lane's model reads its first lane).
        return metrics.numpy()[:, :, slots], int(done), status.numpy()[slots], stopped.numpy()[slots]

    def diverged(lane, epoch, loss):
        return TrainingDiverged(epoch, lane.learning_rate, loss, lane.history)

    loop.run(lanes, epochs, call, names, diverged, loop.progress_bar(epochs, verbose), write_back)
    histories = Histories()
    for lane in lanes:
        lane.history.diverged = lane.diverged
        histories.append(lane.history)
    return histories


def _bad_stop_when(item):
    raise invalid("stop_when", OWNER, "a dict of metric → target, or a list with one such dict (or None) per model",
                  item)


def _check_callbacks(callbacks, count: int) -> list:
    if callbacks is None:
        return [[] for _ in range(count)]
    if len(callbacks) != count:
        raise invalid("callbacks", OWNER, f"None or a list of {count} entries (one per model)",
                      got=f"a list of {len(callbacks)}")
    lists = []
    for entry in callbacks:
        entry = [entry] if isinstance(entry, keras.callbacks.Callback) else list(entry or [])
        for callback in entry:
            if not isinstance(callback, keras.callbacks.Callback):
                raise invalid("callbacks", OWNER, "a list with one list of keras callbacks (or None) per model",
                              callbacks)
        lists.append(entry)
    return lists
