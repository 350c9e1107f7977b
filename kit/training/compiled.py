"""The compiled part of the trainer: a run of whole epochs as one TensorFlow function.

One call runs up to ``CHUNK`` epochs: per epoch a seeded shuffle
(:func:`kit.training.shuffle.epoch_order`), every mini-batch step, then an evaluation of the
loss and accuracy on the full train and test splits.
After each epoch whose loss and weights are finite, the new state is written to the caller's
variables; an epoch that goes NaN/Inf is not written, so the model keeps the last finite state.

Two Playground options change the traced code (so each has its own compiled function, and a run
without them runs exactly the code it ran before): ``regularization`` ("l1"/"l2", the Playground's
penalty step after each update, with L1's dead links) and ``batching="playground"`` (the partial
last batch's gradient carried into the next epoch's first update). Their state (dead-link masks,
the carried gradient) travels in and out of each call in a :class:`PlaygroundState`.

Compilation is shared: functions are cached by architecture, optimizer settings and data
shapes. Each cached function runs a private *template* (a clone of the first model and
optimizer it saw) and copies the caller's variables in at the start of a call and out after
each epoch, inside the compiled code. So a new model of the same architecture (the 48 runs of a
sweep, a second ``train`` on the same model) reuses the compiled code instead of paying XLA's
compile time again.
"""

from __future__ import annotations

import collections
import dataclasses
import json

import keras
import numpy as np
import tensorflow as tf

from kit.training import checks
from kit.training.shuffle import epoch_order

CHUNK = 64
"""Most epochs run by one call. Without callbacks the trainer asks for up to this many per call
(Python overhead per call is larger than an epoch of a small network); with callbacks, as many
as run before the next epoch a callback needs the model at (one for ordinary Keras callbacks)."""

CACHE_SIZE = 16
"""Compiled functions kept (least recently used dropped): enough for a sweep's architectures."""

STATUS_RUNNING, STATUS_TARGET_MET, STATUS_DIVERGED = 0, 1, 2
METRIC_NAMES = ("loss", "accuracy", "val_loss", "val_accuracy")
"""Columns of the per-epoch metrics the compiled function returns."""

_cache: "collections.OrderedDict[tuple, EpochRunner]" = collections.OrderedDict()


def _architecture_key(model) -> str:
    """The model's config without its initializers and seeds (they do not change the computation:
    a dropout layer's seed only sets its seed generator's first state, a non-trainable variable
    the compiled function takes as input like every other).

    Models whose config cannot be written (e.g. a lambda activation) get a key of their own.
    """

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not k.endswith("_initializer") and k != "seed"}
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        return value

    try:
        config = json.dumps(strip(model.get_config()), sort_keys=True, default=repr)
    except Exception:  # noqa: BLE001 - any serialisation failure just disables sharing
        return f"model-{id(model)}"
    if " at 0x" in config:  # a repr with an address: a function or object config cannot name
        return f"model-{id(model)}"
    # Shapes and dtypes in order, not paths: a seed generator's path carries a process-wide
    # counter (seed_generator_1, _2, …) that differs between two models of one architecture.
    variables = [(tuple(v.shape), str(v.dtype)) for v in model.variables]
    return config + json.dumps(variables)


def _optimizer_key(optimizer) -> str:
    config = dict(optimizer.get_config())
    config.pop("name", None)
    config.pop("learning_rate", None)  # a variable: copied in on every call
    return type(optimizer).__name__ + json.dumps(config, sort_keys=True, default=repr)


@dataclasses.dataclass(frozen=True)
class Shapes:
    n_train: int
    n_test: int
    n_features: int
    batch_size: int
    label_dtype: str
    label_rank: int


_xla_refused: set = set()
"""Keys (without the XLA flag) of models XLA failed to compile: "auto" goes straight to plain."""


@dataclasses.dataclass(frozen=True)
class Options:
    """The Playground options that change the traced code (see the module's docstring)."""
    regularization: str | None = None  # None, "l1" or "l2": the Playground's penalty step
    batching: str = "fit"  # "fit" or "playground"


@dataclasses.dataclass
class PlaygroundState:
    """What the Playground keeps between updates besides the weights, as NumPy arrays.

    Attributes:
        dead: one bool mask per kernel (``trainable_variables`` order): the links L1 set to 0 and
            froze (``nn.ts``'s ``isDead``); None when L1 never ran.
        carry: the summed gradient of the examples since the last update (one array per
            trainable variable) and their count; None when nothing is pending.
        carry_key: the (data set, train rows, batch size) the carried gradient belongs to.
    """
    dead: list | None = None
    carry: list | None = None
    carry_count: int = 0
    carry_key: tuple | None = None


def runner_for(model, optimizer, head, shapes: Shapes, shuffle: bool, jit_compile: bool,
               options: Options = Options()) -> "EpochRunner":
    """The cached :class:`EpochRunner` for this architecture, optimizer and data, or a new one."""
    problem = (_architecture_key(model), _optimizer_key(optimizer), head.name, shapes, bool(shuffle), options)
    if problem in _xla_refused:
        jit_compile = False
    key = problem + (bool(jit_compile),)
    runner = _cache.get(key)
    if runner is None or not runner.fits(model, optimizer):
        runner = EpochRunner(model, optimizer, head, shapes, shuffle, jit_compile, options)
        runner.problem = problem
        _cache[key] = runner
    _cache.move_to_end(key)
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return runner


XLA_ERRORS = (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, tf.errors.NotFoundError)
"""What running a function XLA cannot compile (an op without an XLA kernel) raises."""


def xla_refused(error: Exception) -> bool:
    """Whether ``error`` (one of ``XLA_ERRORS``) says XLA could not compile the function, so a
    plain ``tf.function`` should run it instead."""
    return isinstance(error, XLA_ERRORS) and "XLA" in str(error)


def refuse_xla(runner: "EpochRunner") -> None:
    """Remember that XLA cannot compile this runner's model (used by ``jit_compile="auto"``)."""
    _xla_refused.add(runner.problem)


def cache_info() -> dict:
    """How many compiled functions are cached and how often each was traced (for tests)."""
    return {"functions": len(_cache),
            "traces": sum(runner.trace_count() for runner in _cache.values())}


def clear_cache() -> None:
    """Drop every compiled function (the next ``train`` compiles again)."""
    _cache.clear()
    _xla_refused.clear()


def _clone(model, optimizer):
    """A private model and optimizer of the same structure; the model itself when it cannot be cloned."""
    try:
        template = keras.models.clone_model(model)
    except Exception:  # noqa: BLE001 - subclassed models: run on the model's own layers
        template = model
    if [tuple(v.shape) for v in template.variables] != [tuple(v.shape) for v in model.variables]:
        template = model
    template_optimizer = type(optimizer).from_config(optimizer.get_config())
    template_optimizer.build(template.trainable_variables)
    return template, template_optimizer


class EpochRunner:
    """One compiled function for one (architecture, optimizer settings, data shapes)."""

    def __init__(self, model, optimizer, head, shapes: Shapes, shuffle: bool, jit_compile: bool,
                 options: Options = Options()):
        self.template, self.optimizer = _clone(model, optimizer)
        self.head = head
        self.shapes = shapes
        self.shuffle = shuffle
        self.options = options
        # The last partial batch, when Playground batching carries its gradient over (else 0).
        self._carried = shapes.n_train % shapes.batch_size if options.batching == "playground" else 0
        self.jit_compile = jit_compile
        self._layout = self._variable_layout(model, optimizer)
        self._loss = head.loss()
        self._function = tf.function(self._run, jit_compile=jit_compile)
        self._concrete = None  # called directly: skips tf.function's per-call type dispatch
        self._flat = None  # and, where it checks out, the concrete function's own argument binding
        self._bound = None  # (the arguments, bind(...)) of the last call

    @staticmethod
    def _variable_layout(model, optimizer):
        return ([tuple(v.shape) for v in model.trainable_variables],
                [tuple(v.shape) for v in model.non_trainable_variables],
                [tuple(v.shape) for v in optimizer.variables])

    def fits(self, model, optimizer) -> bool:
        """Whether the caller's variables line up one to one with the template's."""
        return self._variable_layout(model, optimizer) == self._layout

    def trace_count(self) -> int:
        return int(self._function.experimental_get_tracing_count())

    def __call__(self, model, optimizer, data_tensors, seed, first_epoch, n_epochs, l1, l2, targets,
                 rate=0.0, state: PlaygroundState | None = None):
        """Run up to ``n_epochs`` epochs; returns (metrics [CHUNK, 4], epochs run, status, the model's
        trainable weights after the call as tensors, in ``trainable_variables`` order: what a callback
        would read off the model, without reading it).

        ``rate`` is the Playground's regularization rate (used when ``options.regularization`` is
        set); ``state`` carries dead links and the pending gradient in and is updated in place.
        """
        objects, numbers = (model, optimizer, data_tensors, targets), (seed, l1, l2, rate)
        last = self._bound
        if last is None or any(a is not b for a, b in zip(last[0], objects)) or last[1] != numbers:
            # The arguments of a whole train call are bound once (its later calls reuse them).
            last = self._bound = (objects, numbers, self.bind(model, optimizer, data_tensors, seed, l1, l2, targets, rate))
        return last[2](first_epoch, n_epochs, state)

    def bind(self, model, optimizer, data_tensors, seed, l1, l2, targets, rate=0.0):
        """``run(first_epoch, n_epochs, state=None)``: ``__call__`` with the arguments that stay the same
        for a whole ``train`` call given once. Each call then builds two scalars and makes one call into
        the compiled function (a trainer with an ordinary Keras callback makes one per epoch)."""
        variables = ([v.value for v in model.trainable_variables],
                     [v.value for v in model.non_trainable_variables],
                     [v.value for v in optimizer.variables])
        fixed = (tf.constant(seed, tf.int32), tf.constant(l1, tf.float32), tf.constant(l2, tf.float32),
                 tf.constant(rate, tf.float32))
        stateless = not self.options.regularization and not self._carried

        def run(first_epoch, n_epochs, state: PlaygroundState | None = None):
            extra = ((), ()) if stateless else self._state_in(model, state)
            seed_tensor, l1_tensor, l2_tensor, rate_tensor = fixed
            arguments = (variables, data_tensors, seed_tensor, tf.constant(first_epoch, tf.int32),
                         tf.constant(n_epochs, tf.int32), l1_tensor, l2_tensor, targets, rate_tensor, extra)
            metrics, done, status, extra, weights = self._call(arguments)
            self._state_out(extra, state)
            return metrics.numpy(), int(done), int(status), weights

        return run

    def _call(self, arguments):
        """The compiled function on ``arguments``. The first call goes through the concrete function's
        own argument binding and checks that it passes exactly the leaves of ``arguments`` in order;
        later calls then hand those leaves over directly, which skips a per-leaf signature check
        costing more than a small network's epoch."""
        if self._concrete is None:
            self._concrete = self._function.get_concrete_function(*arguments)
            self._flat = flat_call(self._concrete, arguments)
        if self._flat is not None:
            return self._flat(arguments)
        return self._concrete(*arguments)

    def _state_in(self, model, state):
        """The Playground state as tensors for the compiled function (empty when no option needs it)."""
        dead, carry = (), ()
        if self.options.regularization == "l1":
            kernels = [v for v in model.trainable_variables if v.path.endswith("kernel")]
            masks = state.dead if state is not None and state.dead is not None else None
            if masks is None or [m.shape for m in masks] != [tuple(k.shape) for k in kernels]:
                masks = [np.zeros(tuple(k.shape), bool) for k in kernels]
            # A link stays dead only while it is still 0 (set_weights may have revived it).
            dead = tuple(tf.constant(np.logical_and(m, keras.ops.convert_to_numpy(k) == 0)) for m, k in zip(masks, kernels))
        if self._carried:
            shapes = [tuple(v.shape) for v in model.trainable_variables]
            pending = state.carry if state is not None and state.carry is not None else None
            if pending is None or [p.shape for p in pending] != shapes:
                pending, count = [np.zeros(shape, np.float32) for shape in shapes], 0
            else:
                count = state.carry_count
            carry = (tuple(tf.constant(p, tf.float32) for p in pending), tf.constant(float(count), tf.float32))
        return dead, carry

    def _state_out(self, extra, state):
        if state is None:
            return
        dead, carry = extra
        if self.options.regularization == "l1":
            state.dead = [m.numpy() for m in dead]
        if self._carried:
            state.carry = [g.numpy() for g in carry[0]]
            state.carry_count = int(carry[1].numpy())

    # -- traced code ----------------------------------------------------------------------

    def _kernels(self):
        # Kernels only, as the Playground regularises weights and not biases.
        return [v for v in self.template.trainable_variables if v.path.endswith("kernel")]

    def _penalty(self, l1, l2):
        total = tf.constant(0.0)
        for kernel in self._kernels():
            total += l1 * tf.reduce_sum(tf.abs(kernel.value)) + l2 * tf.reduce_sum(tf.square(kernel.value))
        return total

    def _gradients(self, x, y, l1, l2, data_weight=None, penalties=True):
        """Gradients of (the batch's mean loss × ``data_weight``) + the penalties (unless not ``penalties``)."""
        trainable = self.template.trainable_variables
        with tf.GradientTape() as tape:
            predictions = self.template(x, training=True)
            loss = self._loss(y, predictions)
            if data_weight is not None:
                loss = loss * data_weight
            if penalties:
                loss += self._penalty(l1, l2)
                if self.template.losses:  # the model's own regularisers, as model.fit counts them
                    loss += tf.add_n(self.template.losses)
        return tape.gradient(loss, [v.value for v in trainable])

    def _update(self, gradients, rate, dead):
        """One optimizer update, then the Playground's regularization step (``nn.ts`` updateWeights):
        w ← w − lr·rate·R′(w₀) with w₀ the weight before the update (R′ = w for L2, sign(w) for
        L1); under L1 a weight this step moves across 0 is set to 0 and its link dies (frozen)."""
        trainable = self.template.trainable_variables
        kind = self.options.regularization
        if kind is None:
            self.optimizer.apply(gradients, trainable)
            return dead
        kernels = self._kernels()
        before = [tf.identity(k.value) for k in kernels]  # a snapshot: .value is the variable itself
        learning_rate = tf.cast(self.optimizer.learning_rate, tf.float32)
        self.optimizer.apply(gradients, trainable)
        new_dead = []
        for index, (kernel, start) in enumerate(zip(kernels, before)):
            stepped = tf.identity(kernel.value)
            slope = start if kind == "l2" else tf.sign(start)
            moved = stepped - learning_rate * rate * slope
            if kind == "l1":
                died = tf.logical_or(dead[index], stepped * moved < 0)
                moved = tf.where(died, tf.zeros_like(moved), moved)
                new_dead.append(died)
            kernel.assign(moved)
        return tuple(new_dead) if kind == "l1" else dead

    def _step(self, x, y, l1, l2, rate, dead):
        return self._update(self._gradients(x, y, l1, l2), rate, dead)

    def _evaluate(self, x, y):
        predictions = self.template(x, training=False)
        loss = self._loss(y, predictions)
        hits = self.head.hits(y, predictions)
        accuracy = tf.constant(0.0) if hits is None else tf.reduce_mean(hits)
        return tf.cast(loss, tf.float32), tf.cast(accuracy, tf.float32)

    def _epoch(self, x_train, y_train, seed, epoch, l1, l2, rate, dead, carry):
        n, size = self.shapes.n_train, self.shapes.batch_size
        if self.shuffle:
            order = epoch_order(n, seed, epoch)
            x_train, y_train = tf.gather(x_train, order), tf.gather(y_train, order)
        n_full, remainder = divmod(n, size)
        first = 0
        if self._carried:
            # The Playground (playground.ts oneStep): an update after every batch_size-th example
            # of the epoch, averaging everything accumulated since the last one, so the previous
            # epoch's last partial batch joins this epoch's first batch (size + carried examples).
            pending, count = carry
            total = count + size
            gradients = self._gradients(_rows(x_train, 0, size), _rows(y_train, 0, size), l1, l2,
                                        data_weight=size / total)
            gradients = [g + p / total for g, p in zip(gradients, pending)]
            dead = self._update(gradients, rate, dead)
            first = 1
        for batch in tf.range(first, n_full):
            start = batch * size  # a fixed batch shape, so XLA compiles one step for all
            dead = self._step(_rows(x_train, start, size), _rows(y_train, start, size), l1, l2, rate, dead)
        if self._carried:
            # The last partial batch: its summed data gradient waits for the next update (the
            # penalties count once per update, with that update's batch).
            pending = self._gradients(x_train[n - remainder:], y_train[n - remainder:], l1, l2,
                                      data_weight=float(remainder), penalties=False)
            carry = (tuple(pending), tf.constant(float(remainder)))
        elif remainder:  # the last partial batch, kept as model.fit keeps it
            dead = self._step(x_train[n - remainder:], y_train[n - remainder:], l1, l2, rate, dead)
        return dead, carry

    def _run(self, variables, data_tensors, seed, first_epoch, n_epochs, l1, l2, targets, rate, extra):
        caller_trainable, caller_other, caller_optimizer = variables
        template_vars = (self.template.trainable_variables, self.template.non_trainable_variables,
                         self.optimizer.variables)
        for mine, theirs in zip(template_vars, variables):
            for own, caller in zip(mine, theirs):
                own.assign(caller)
        x_train, y_train, x_test, y_test = data_tensors
        target_values, target_signs = targets  # sign +1: stop when metric ≤ target; −1: ≥ target
        metrics = tf.zeros([CHUNK, len(METRIC_NAMES)], tf.float32)
        done = tf.constant(0)
        status = tf.constant(STATUS_RUNNING)
        offset = tf.constant(0)
        dead, carry = extra
        kept = extra  # the Playground state at the end of the last finite epoch
        # A while loop, not `for … in tf.range(n)`: autograph gives the latter a maximum
        # iteration count, which XLA then treats as a compile-time constant (a recompile per n).
        while offset < n_epochs:
            dead, carry = self._epoch(x_train, y_train, seed, first_epoch + offset, l1, l2, rate, dead, carry)
            loss, accuracy = self._evaluate(x_train, y_train)
            if self.shapes.n_test:
                val_loss, val_accuracy = self._evaluate(x_test, y_test)
            else:
                val_loss, val_accuracy = tf.constant(0.0), tf.constant(0.0)
            row = tf.stack([loss, accuracy, val_loss, val_accuracy])
            metrics = tf.tensor_scatter_nd_update(metrics, [[offset]], [row])
            done = offset + 1
            offset += 1
            finite = tf.reduce_all(tf.math.is_finite(row))
            for variable in self.template.trainable_variables:
                finite = tf.logical_and(finite, tf.reduce_all(tf.math.is_finite(variable.value)))
            if not finite:
                status = tf.constant(STATUS_DIVERGED)
                break
            for mine, theirs in zip(template_vars, variables):
                for own, caller in zip(mine, theirs):
                    caller.assign(own.value)
            kept = (dead, carry)
            met = tf.logical_and(tf.reduce_any(target_signs != 0.0),
                                 tf.reduce_all(target_signs * (row - target_values) <= 0.0))
            if met:
                status = tf.constant(STATUS_TARGET_MET)
                break
        return metrics, done, status, kept, [tf.identity(caller) for caller in caller_trainable]


def flat_call(concrete, arguments):
    """``call(leaves)`` running ``concrete`` on ``tf.nest.flatten(arguments)`` without binding them
    to its signature again, or None where this TensorFlow does not show that the leaves are what
    its binding passes (then every call binds)."""
    call = getattr(concrete, "_call_flat", None)
    unpack = getattr(getattr(concrete, "function_type", None), "unpack_inputs", None)
    if call is None or unpack is None:
        return None
    try:
        from tensorflow.python.eager.polymorphic_function import function_type_utils

        bound = function_type_utils.canonicalize_function_inputs(arguments, {}, concrete.function_type)
        expected = unpack(bound)
    except Exception:  # noqa: BLE001 - another TensorFlow's internals: bind every call
        return None
    leaves = _leaves(arguments)
    if len(expected) != len(leaves) or any(a is not b for a, b in zip(expected, leaves)):
        return None
    captured = concrete.captured_inputs
    return lambda arguments: call(_leaves(arguments), captured)


def _leaves(arguments) -> list:
    """The tensors a concrete function is called with: ``arguments``' leaves, a variable by its handle."""
    return [getattr(leaf, "handle", leaf) if isinstance(leaf, tf.Variable) else leaf
            for leaf in tf.nest.flatten(arguments, expand_composites=True)]


def _rows(tensor, start, count):
    """``tensor[start:start + count]`` with a static row count (XLA needs static shapes)."""
    rank = len(tensor.shape)
    return tf.slice(tensor, [start] + [0] * (rank - 1), [count] + list(tensor.shape[1:]))


def data_tensors(data, head) -> tuple:
    """The data set's splits as tensors in the shapes the head's loss expects."""
    return (tf.constant(np.asarray(data.x_train, np.float32)), tf.constant(head.label_array(data.y_train)),
            tf.constant(np.asarray(data.x_test, np.float32)), tf.constant(head.label_array(data.y_test)))


def stop_targets(stop_whens) -> tuple:
    """The ``stop_when`` dicts of K models as two (metrics, K) float32 arrays in
    :data:`METRIC_NAMES` order: the targets (0 where none) and the direction of each (+1: stop at
    ≤ target, for losses; −1: stop at ≥ target, for accuracies; 0: no target)."""
    values = np.zeros((len(METRIC_NAMES), len(stop_whens)), np.float32)
    signs = np.zeros((len(METRIC_NAMES), len(stop_whens)), np.float32)
    for model, stop_when in enumerate(stop_whens):
        for metric, target in stop_when.items():
            row = METRIC_NAMES.index(metric)
            values[row, model] = target
            signs[row, model] = 1.0 if checks.lower_is_better(metric) else -1.0
    return values, signs
