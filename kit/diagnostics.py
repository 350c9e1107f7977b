"""What happens inside a network, as plain numbers: per-layer activations, gradient norms, dead
and saturated units, and the collapse of an all-linear network into one affine map.

Every function takes a Keras model with one input and Dense layers (``kit.builders.build_mlp``
makes such models; any functional or Sequential model works) and a probe batch ``x`` of shape
(n, n_inputs). Layers are keyed by their names (``hidden_1`` …, ``output``). Nothing is trained
and dropout is off (``training=False``), so the same model and batch always give the same numbers.

Rules and thresholds (the course's definitions, also drawn on TensorBoard by
``kit.tensorboard.Diagnostics``):

- **dead unit** (ReLU-like hidden layers: ``DEAD_CAPABLE``): its activation is exactly 0 on
  *every* probe row. Its gradient is then 0 on every row too, so gradient descent can never
  bring it back. The kit's one definition of dead (the zoo, the demo and the TensorBoard
  scalars use it). A unit whose *pre-activation* is ≤ 0 on every row is called *inactive*
  (``kit.zoo.inactive_fraction``): for ReLU the same thing, for leaky ReLU or ELU a unit on
  its negative branch that still has a gradient and can recover, so it is not dead.
- **saturated unit** (squashing hidden layers: ``SATURATION_ZONES``): its activation lies in a
  flat zone of the activation on at least ``SATURATED_SHARE`` (95 %) of the probe rows. Zones:
  sigmoid s < 0.01 or s > 0.99 (slope below 4 % of its maximum 0.25); tanh and softsign
  |a| > 0.99; arctan |a| > 0.99·π/2; the piecewise-linear ones (hard_sigmoid, hard_tanh,
  sparse_sigmoid) exactly at a bound, where their slope is 0. 95 % rather than "every row"
  because one noisy outlier row should not hide a unit that learns from almost nothing.

Example:
    >>> from kit import builders, datasets, diagnostics
    >>> data = datasets.playground("circle", seed=0)
    >>> model = builders.build_mlp(2, hidden=[8, 8], activation="relu")
    >>> sorted(diagnostics.gradient_norms(model, data.x_test, data.y_test))
    ['hidden_1', 'hidden_2', 'output']
    >>> diagnostics.dead_fraction(model, data.x_test)["hidden_1"] <= 1.0
    True
"""

from __future__ import annotations

import math
import weakref
from numbers import Real

import keras
import numpy as np
import tensorflow as tf

from kit import activations
from kit.errors import MODEL, Function, Interval, InvalidParameter, Options, Text, check, invalid, validate_params
from kit.training import compiled

DEAD_CAPABLE = ("relu", "relu6", "sparse_plus", "hard_silu")
"""Activations that output exactly 0 (with slope 0) on a whole half-line, so a unit can die.
Leaky ReLU, ELU and the like keep a slope for x < 0 and cannot."""

SATURATION_ZONES = {
    # name: (low, high): a unit is in its flat zone when a <= low or a >= high.
    "sigmoid": (0.01, 0.99),
    "tanh": (-0.99, 0.99),
    "softsign": (-0.99, 0.99),
    "arctan": (-0.99 * math.pi / 2, 0.99 * math.pi / 2),
    "hard_sigmoid": (0.0, 1.0),
    "hard_tanh": (-1.0, 1.0),
    "sparse_sigmoid": (0.0, 1.0),
}
"""Flat zones of the squashing activations (see the module docstring for why these numbers)."""

SATURATED_SHARE = 0.95
"""A unit is saturated when it is in its flat zone on at least this share of the probe rows."""

SHARE = Interval(Real, 0, 1, closed="right", fix=f"The course's rule is {SATURATED_SHARE} of the rows.")
"""A share of rows: 0 would call every unit saturated."""


# ---------------------------------------------------------------------------------------------
# Validation


def check_model(model, owner: str):
    """The model's Dense layers, after checking it is a built single-input Keras model."""
    check(model, MODEL, "model", owner)
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise InvalidParameter(f"The model given to {owner} has no defined input yet. Build it with keras.Input "
                               "(kit.builders.build_mlp does) or call it once on data first.")
    if len(inputs) != 1 or len(inputs[0].shape) != 2:
        raise InvalidParameter(f"{owner} takes models with one input of shape (batch, features); this one has "
                               f"inputs {[tuple(i.shape) for i in inputs]}.")
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise InvalidParameter(f"The model given to {owner} has no Dense layer; the diagnostics look at Dense layers.")
    return dense


def check_inputs(model, x, owner: str, parameter: str = "x") -> np.ndarray:
    """``x`` as a float32 (n, n_inputs) array with finite values, or a clear error."""
    width = int(model.inputs[0].shape[-1])
    expected = f"a numeric array of shape (n, {width}) with n >= 1 (the model takes {width} features)"
    if isinstance(x, (str, bytes)) or x is None:
        raise invalid(parameter, owner, expected, got=f"{x!r} of type {type(x).__name__}")
    try:
        array = np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError):
        raise invalid(parameter, owner, expected, x) from None
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] != width:
        raise invalid(parameter, owner, expected, got=f"an array of shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise invalid(parameter, owner, "finite numbers", got="an array with NaN or Inf values",
                      fix="Remove or impute the non-finite rows.")
    return array


def check_labels(y, n_rows: int, owner: str) -> np.ndarray:
    """``y`` with one label per probe row: float32, or int32 for class indices."""
    expected = f"a numeric array of {n_rows} labels, one per row of x (shape ({n_rows},))"
    if isinstance(y, (str, bytes)) or y is None:
        raise invalid("y", owner, expected, got=f"{y!r} of type {type(y).__name__}")
    try:
        array = np.asarray(y)
    except (TypeError, ValueError):
        raise invalid("y", owner, expected, y) from None
    if array.dtype.kind not in "biuf":
        raise invalid("y", owner, expected, y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or array.shape[0] != n_rows:
        raise invalid("y", owner, expected, got=f"an array of shape {array.shape}")
    if array.dtype.kind in "biu":
        return array.astype(np.int32)
    if not np.all(np.isfinite(array)):
        raise invalid("y", owner, "finite labels", got="labels with NaN or Inf")
    return array.astype(np.float32)


LOSS = [None, Text("a Keras loss name"), Function("a loss function or object")]
"""None stands for the model's head loss."""


def resolve_loss(model, loss, owner: str):
    """A callable ``loss(y_true, y_pred) -> scalar``: the given one, or the model's head loss."""
    if loss is None:
        from kit import heads

        try:
            return heads.head_of(model).loss()
        except InvalidParameter as error:
            raise InvalidParameter(f"{error} Or pass loss= to {owner} (a Keras loss name or object).") from None
    check(loss, LOSS, "loss", owner)
    if isinstance(loss, str):
        try:
            return keras.losses.get(loss)
        except ValueError:
            raise InvalidParameter(f"Unknown loss {loss!r} for {owner}; pass a Keras loss name such as "
                                   "'mean_squared_error' or 'binary_crossentropy', or a loss object.") from None
    return loss


def activation_name(layer) -> str:
    """The catalogue name of a Dense layer's activation (e.g. ``relu``)."""
    return activations.name_of(layer.activation)


# ---------------------------------------------------------------------------------------------
# The probe pass: one forward and backward pass over a fixed batch.


class ProbePass:
    """One forward/backward pass of a model over a batch, as a reusable compiled function.

    ``run(x, y=None)`` returns a dict of NumPy arrays: per Dense layer (in order) its
    ``pre_activation`` (x·W + b, computed explicitly from the layer's own kernel and bias),
    ``activation`` (the layer's activation of it), ``kernel`` and, when labels are given,
    ``kernel_gradient`` and the batch ``loss``. The model is not copied: the pass reads the
    model's current weights every time, so one ``ProbePass`` serves a whole training run.

    For a plain chain of Dense layers (what ``kit.builders.build_mlp`` makes) the pass is one
    ``tf.function`` of the weights, traced once per architecture and batch shape and shared by
    every model of that architecture, whose output is one packed vector (one graph execution and
    one copy to NumPy per pass); with :data:`PROBE_JIT_COMPILE` XLA compiles it, and activations
    XLA cannot compile fall back to the plain function. Other graphs run a plain ``tf.function``
    per model.

    Example:
        >>> probe = ProbePass(model)  # doctest: +SKIP
        >>> result = probe.run(data.x_test, data.y_test)  # doctest: +SKIP
        >>> result["layers"]["hidden_1"]["kernel_gradient"].shape  # doctest: +SKIP
        (2, 8)
    """

    def __init__(self, model, loss=None, owner: str = "kit.diagnostics.ProbePass"):
        self.dense = check_model(model, owner)
        self.model = model
        self.owner = owner
        self._loss_given = loss
        self._loss = None
        self.activation_names = [activation_name(layer) for layer in self.dense]
        self._chain = plain_chain(model) and all(layer.use_bias for layer in self.dense)
        if self._chain:
            self._activations = tuple(layer.activation for layer in self.dense)
            return
        # Any other graph: a sub-graph of the same model whose outputs are each Dense layer's
        # input and the model's output (layers and weights shared, nothing rebuilt).
        self._extractor = keras.Model(model.inputs, [layer.input for layer in self.dense] + [model.outputs[0]])
        self._forward = tf.function(self._forward_fn, reduce_retracing=True)
        self._backward = tf.function(self._backward_fn, reduce_retracing=True)

    def _weights(self) -> list:
        return [variable.value for layer in self.dense for variable in (layer.kernel, layer.bias)]

    def _loss_function(self):
        if self._loss is None:
            self._loss = resolve_loss(self.model, self._loss_given, self.owner)
        return self._loss

    def _layers(self, x):
        outputs = self._extractor(x, training=False)
        layer_inputs, model_output = outputs[:-1], outputs[-1]
        pre, post = [], []
        for layer, layer_input in zip(self.dense, layer_inputs):
            z = tf.matmul(layer_input, layer.kernel)
            if layer.use_bias:
                z = z + layer.bias
            pre.append(z)
            post.append(layer.activation(z))
        return pre, post, model_output

    def _forward_fn(self, x):
        pre, post, _ = self._layers(x)
        return pre, post, [tf.identity(layer.kernel) for layer in self.dense]

    def _backward_fn(self, x, y):
        kernels = [layer.kernel for layer in self.dense]
        with tf.GradientTape() as tape:
            pre, post, output = self._layers(x)
            # Loss functions given by name return one value per example: average them, as
            # Keras loss objects already do.
            loss = tf.reduce_mean(self._loss(y, output))
        return pre, post, [tf.identity(k) for k in kernels], tape.gradient(loss, kernels), loss

    def run(self, x, y=None) -> dict:
        """The pass over ``x`` (and labels ``y``, for gradients and loss), as NumPy arrays."""
        return self.bind(x, y)()

    def bind(self, x, y=None, grid=None) -> "BoundProbe":
        """A ``BoundProbe``: ``bound()`` returns ``run(x, y)`` for the model's current weights.

        Checks the batch and compiles once; each call then costs one graph execution (what a
        callback calling it every few epochs wants). With ``grid`` (an (m, n_inputs) batch, e.g.
        a plane of points for a decision boundary), ``bound(with_grid=True)`` also returns the
        model's output on it as ``result["grid"]``, computed in the same execution, and every
        Dense layer's activation on it as ``result["grid_layers"]`` (name → (m, units); the
        network view and the neuron heat maps of ``kit.tensorboard`` are drawn from them), and
        each layer's ``bias`` beside its kernel.
        """
        x = tf.constant(check_inputs(self.model, x, self.owner))
        if y is not None:
            y = tf.constant(check_labels(y, int(x.shape[0]), self.owner))
            self._loss_function()
        if grid is not None:
            grid = tf.constant(check_inputs(self.model, grid, self.owner, "grid"))
        return BoundProbe(self, x, y, grid)


class BoundProbe:
    """A ``ProbePass`` bound to one batch (see ``ProbePass.bind``).

    ``bound(with_grid=False)`` runs the pass on the model's current weights.
    """

    def __init__(self, probe: ProbePass, x, y, grid):
        self.probe, self.x, self.y, self.grid = probe, x, y, grid
        self.names = [layer.name for layer in probe.dense]
        if probe._chain:
            loss_key = ("head", heads_name(probe.model)) if probe._loss_given is None else None
            weights = probe._weights()
            program = _chain_program(probe._activations, probe._loss if y is not None else None, loss_key,
                                     labels=y is not None, grid=grid is not None)
            self._runs = {False: program.prepare(weights, x, y, None if grid is None else grid[:1])}
            if grid is not None:
                # One program for both (its grid's rows are not fixed: one trace, a cold run's cost):
                # without the grid it predicts one row of it, which is dropped.
                self._runs[True] = program.prepare(weights, x, y, grid)

    def __call__(self, with_grid: bool = False) -> dict:
        return self.later(with_grid)()

    def later(self, with_grid: bool = False, weights: dict | None = None):
        """The pass on the model's weights as they are now, to be run later: a function of no
        arguments returning what ``bound(with_grid)`` returns now.

        For a plain chain the weights are read now (tensors: training on goes on with new buffers)
        and the pass runs when the function is called, on any thread (``kit.tensorboard.Diagnostics``
        runs it beside the training); other graphs run the pass now. ``weights``: the current
        values of the model's variables as tensors or arrays by ``id(variable)`` (what
        ``kit.training.train`` and ``train_many`` hand their callbacks), used instead of reading
        the variables where they cover the chain.
        """
        if with_grid and self.grid is None:
            raise InvalidParameter("This probe was bound without a grid; pass grid= to ProbePass.bind().")
        if not self.probe._chain:
            result = self._run_graph(with_grid)
            return lambda: result
        given = None if weights is None else [weights.get(id(variable)) for layer in self.probe.dense
                                              for variable in (layer.kernel, layer.bias)]
        if given is None or any(value is None for value in given):
            given = [tf.convert_to_tensor(w) for w in self.probe._weights()]
        run, weights = self._runs[bool(with_grid)], given

        def result():
            packed = run([w if isinstance(w, tf.Tensor) else tf.constant(w) for w in weights])
            return self._result(packed["pre"], packed["post"], packed["kernels"], packed.get("gradients"),
                                packed.get("loss"), packed.get("grid") if with_grid else None,
                                packed.get("biases") if with_grid else None)

        return result

    def _run_graph(self, with_grid: bool) -> dict:
        probe, gradients, loss = self.probe, None, None
        if self.y is None:
            pre, post, kernels = probe._forward(self.x)
        else:
            pre, post, kernels, gradients, loss = probe._backward(self.x, self.y)
            gradients, loss = [g.numpy() for g in gradients], float(loss)
        grid = None
        if with_grid:  # each Dense layer's activation, then the model's own output (a layer may follow)
            grid = [t.numpy() for t in probe._forward(self.grid)[1]]
            grid.append(probe._extractor(self.grid, training=False)[-1].numpy())
            biases = [np.asarray(layer.bias) if layer.use_bias else np.zeros(int(layer.units), np.float32)
                      for layer in probe.dense]
        return self._result([t.numpy() for t in pre], [t.numpy() for t in post], [t.numpy() for t in kernels],
                            gradients, loss, grid, biases if with_grid else None)

    def _result(self, pre, post, kernels, gradients, loss, grid, biases=None) -> dict:
        """The pass's NumPy arrays as ``run`` returns them: per layer name, then loss and grid
        (``grid``: each layer's activation on the grid, in layer order, or None; ``biases``, with
        the grid, each layer's bias, which the network view draws)."""
        layers = {}
        for index, name in enumerate(self.names):
            layers[name] = {"pre_activation": pre[index], "activation": post[index], "kernel": kernels[index],
                            "activation_name": self.probe.activation_names[index]}
            if gradients is not None:
                layers[name]["kernel_gradient"] = gradients[index]
            if biases is not None:
                layers[name]["bias"] = biases[index]
        grid_layers = None if grid is None else dict(zip(self.names, grid))  # zip stops before a model output
        return {"layers": layers, "loss": loss, "grid": None if grid is None else grid[-1], "grid_layers": grid_layers}


def heads_name(model) -> str:
    from kit import heads

    return heads.head_of(model).name


def plain_chain(model) -> bool:
    """True when the model is Input → Dense/Dropout … → output, each layer feeding the next."""
    previous = model.inputs[0]
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if not isinstance(layer, (keras.layers.Dense, keras.layers.Dropout)) or layer.input is not previous:
            return False
        previous = layer.output
    return previous is model.outputs[0]


PROBE_JIT_COMPILE = False
"""Whether the probe pass of a Dense chain is compiled with XLA. No by default: on a 2-8-8-1
network XLA took ~0.4 s to compile the pass and saved ~3 ms a probe, so it pays only after ~130
probes, while a run probes ~15 times by default (a cold 100-epoch run of ``kit bench
diagnostics``' network at load ~1: overhead 0.55-0.63 with XLA, 0.16-0.26 without; 16 warm
probes cost 91 ms with it, 136 ms without)."""


def _known_function(function) -> bool:
    """Whether ``function`` (an activation or a loss) is Keras's, TensorFlow's or the kit's own."""
    module = getattr(function, "__module__", None) or getattr(type(function), "__module__", "")
    return module.split(".")[0] in ("keras", "tensorflow", "kit")


class _ChainProgram:
    """The probe pass of a plain Dense chain: (weights, x[, y][, grid]) → one packed float32 vector.

    Packed, in order: each layer's pre-activations, then activations, kernels, kernel gradients
    (with labels), the loss (with labels) and, with a grid, each layer's activation on it (the
    last one is the output) and the biases. Concrete functions are kept per argument shapes: looking one
    up through ``tf.function`` costs more than the pass.
    """

    def __init__(self, activations_list, loss_function, labels: bool, grid: bool):
        self.activations_list, self.loss_function = activations_list, loss_function
        self.labels, self.grid = labels, grid
        self.jit_compile = PROBE_JIT_COMPILE  # and False for good once XLA refuses an activation
        # AutoGraph rewrites the Python control flow of the functions it traces (~0.2 s a process, the
        # first trace): the pass has none that depends on a tensor, nor do Keras's, TensorFlow's and the
        # kit's activations and losses. Only a function from elsewhere (a student's activation) may.
        self.autograph = not all(_known_function(f) for f in (*activations_list, loss_function) if f is not None)
        self._functions = {}
        self._concrete = {}

    def _pass(self, *arguments):
        count = 2 * len(self.activations_list)
        weights, rest = arguments[:count], list(arguments[count:])
        x = rest.pop(0)
        y = rest.pop(0) if self.labels else None
        grid = rest.pop(0) if self.grid else None
        kernels, biases = list(weights[0::2]), list(weights[1::2])
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(kernels)
            pre, post = _chain_layers(x, self.activations_list, kernels, biases)
            # Losses given by name return one value per example: average them, as Keras loss
            # objects already do.
            loss = tf.reduce_mean(self.loss_function(y, post[-1])) if self.labels else None
        parts = pre + post + kernels
        if self.labels:
            parts += tape.gradient(loss, kernels) + [loss]
        if self.grid:  # each layer's activation on the grid, and the biases (read with the grid only)
            parts += _chain_layers(grid, self.activations_list, kernels, biases)[1] + biases
        return tf.concat([tf.reshape(tf.cast(part, tf.float32), [-1]) for part in parts], 0)

    def _function(self):
        if self.jit_compile not in self._functions:
            self._functions[self.jit_compile] = tf.function(self._pass, jit_compile=self.jit_compile,
                                                            autograph=self.autograph)
        return self._functions[self.jit_compile]

    def prepare(self, weights, x, y=None, grid=None):
        """The pass over these batches as a function of the weights (of these shapes), returning
        the parts unpacked into NumPy views. The concrete function and the unpacking layout are
        found once, so each call is one graph execution."""
        tail = [x] + ([y] if self.labels else []) + ([grid] if self.grid else [])
        layout = self._layout([tuple(weight.shape) for weight in weights[0::2]], int(x.shape[0]),
                              None if grid is None else int(grid.shape[0]))
        resolved = {}

        def run(current_weights) -> dict:
            arguments = (*current_weights, *tail)
            if resolved.get("jit") is not self.jit_compile:
                concrete = self._concrete_function(arguments)
                # Called with its flat tensors where that checks out (as the trainer's compiled call).
                flat = compiled.flat_call(concrete, arguments)
                resolved["jit"], resolved["call"] = self.jit_compile, flat or (lambda values: concrete(*values))
            try:
                packed = resolved["call"](arguments).numpy()
            except compiled.XLA_ERRORS as error:
                if not self.jit_compile or not compiled.xla_refused(error):
                    raise
                self.jit_compile = False  # an activation XLA cannot compile: the plain function
                return run(current_weights)
            result = {}
            for name, start, stop, shape in layout:
                part = packed[start:stop].reshape(shape)
                if name == "loss":
                    result[name] = float(part[0])
                else:
                    result.setdefault(name, []).append(part)
            return result

        return run

    def _concrete_function(self, arguments):
        specs = [tf.TensorSpec(a.shape, a.dtype) for a in arguments]
        if self.grid and not self.jit_compile:  # the grid (last) of any rows: the whole plane or one row
            specs[-1] = tf.TensorSpec([None, *arguments[-1].shape[1:]], arguments[-1].dtype)
        key = (self.jit_compile, tuple((tuple(spec.shape), spec.dtype) for spec in specs))
        if key not in self._concrete:
            self._concrete[key] = self._function().get_concrete_function(*specs)
        return self._concrete[key]

    def _layout(self, kernel_shapes, rows, grid_rows) -> list:
        """``(name, start, stop, shape)`` of each packed part, in ``_pass``'s order."""
        shapes = [("pre", (rows, shape[1])) for shape in kernel_shapes]
        shapes += [("post", (rows, shape[1])) for shape in kernel_shapes]
        shapes += [("kernels", shape) for shape in kernel_shapes]
        if self.labels:
            shapes += [("gradients", shape) for shape in kernel_shapes] + [("loss", (1,))]
        if self.grid:
            shapes += [("grid", (grid_rows, shape[1])) for shape in kernel_shapes]
            shapes += [("biases", (shape[1],)) for shape in kernel_shapes]
        layout, offset = [], 0
        for name, shape in shapes:
            layout.append((name, offset, offset + math.prod(shape), shape))
            offset += math.prod(shape)
        return layout


_CHAIN_PROGRAMS: dict = {}


def _chain_layers(x, activations_list, kernels, biases):
    pre, post, a = [], [], x
    for activation, kernel, bias in zip(activations_list, kernels, biases):
        z = tf.matmul(a, kernel) + bias
        a = activation(z)
        pre.append(z)
        post.append(a)
    return pre, post


def _chain_program(activations_list, loss_function, loss_key, labels: bool, grid: bool) -> _ChainProgram:
    """The shared program for these activations, loss and outputs (a loss without a key is not shared)."""
    if labels and loss_key is None:
        return _ChainProgram(activations_list, loss_function, labels, grid)
    key = (activations_list, loss_key if labels else None, labels, grid)
    if key not in _CHAIN_PROGRAMS:
        _CHAIN_PROGRAMS[key] = _ChainProgram(activations_list, loss_function, labels, grid)
    return _CHAIN_PROGRAMS[key]


_PASSES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _probe_pass(model, owner: str, loss=None) -> ProbePass:
    # Tracing costs far more than the pass itself: keep one pass per model (and default loss).
    check_model(model, owner)
    if loss is not None:
        return ProbePass(model, loss, owner)
    probe = _PASSES.get(model)
    if probe is None or [id(layer) for layer in probe.dense] != [id(layer) for layer in check_model(model, owner)]:
        probe = ProbePass(model, None, owner)
        _PASSES[model] = probe
    probe.owner = owner
    return probe


# ---------------------------------------------------------------------------------------------
# Pure per-layer functions


def layer_outputs(model, x) -> dict[str, dict[str, np.ndarray]]:
    """Each Dense layer's pre-activation (x·W + b) and activation on a batch.

    Args:
        model: a built Keras model with one input.
        x: the batch, shape (n, n_inputs).

    Returns:
        ``{layer_name: {"pre_activation": (n, units), "activation": (n, units)}}`` in layer order,
        float32 NumPy arrays.

    Example:
        >>> outputs = layer_outputs(model, data.x_test)  # doctest: +SKIP
        >>> outputs["hidden_1"]["activation"].min() >= 0  # ReLU  # doctest: +SKIP
        True
    """
    result = _probe_pass(model, "kit.diagnostics.layer_outputs").run(x)
    return {name: {"pre_activation": entry["pre_activation"], "activation": entry["activation"]}
            for name, entry in result["layers"].items()}


def gradient_norms(model, x, y, loss=None) -> dict[str, float]:
    """L2 norm of the loss gradient with respect to each Dense layer's kernel.

    Args:
        model: a built Keras model with one input.
        x: the batch, shape (n, n_inputs).
        y: its labels, shape (n,), in the model head's convention (±1 for the Playground head).
        loss: None for the model's head loss (``kit.heads.head_of(model).loss()``: the
            Playground loss ½·mean (ŷ − y)² for a tanh output), or a Keras loss name/object.

    Returns:
        ``{layer_name: norm}``; in a deep sigmoid network the first layers' norms are orders of
        magnitude below the last one's (vanishing gradients).

    Example:
        >>> norms = gradient_norms(model, data.x_test, data.y_test)  # doctest: +SKIP
        >>> norms["hidden_1"] / norms["output"]  # doctest: +SKIP
    """
    result = _probe_pass(model, "kit.diagnostics.gradient_norms", loss).run(x, y)
    return {name: float(np.linalg.norm(entry["kernel_gradient"].astype(np.float64)))
            for name, entry in result["layers"].items()}


def _hidden(result: dict) -> dict:
    names = list(result["layers"])
    return {name: result["layers"][name] for name in names[:-1]}


def dead_units(activation: np.ndarray) -> np.ndarray:
    """Boolean per unit: the unit's activation is exactly 0 on every row of ``activation``."""
    return np.all(activation == 0, axis=0)


@validate_params(name=Options(*SATURATION_ZONES), share=SHARE)
def saturated_units(activation: np.ndarray, name: str, share: float = SATURATED_SHARE) -> np.ndarray:
    """Boolean per unit: in the flat zone of activation ``name`` on at least ``share`` of the rows."""
    low, high = SATURATION_ZONES[name]
    flat = (activation <= low) | (activation >= high)
    return flat.mean(axis=0) >= share


def dead_fraction(model, x) -> dict[str, float]:
    """Share of dead units in each ReLU-like hidden layer (``DEAD_CAPABLE``).

    A unit is dead when its activation is exactly 0 on every row of ``x``. Hidden layers with
    other activations are left out (leaky ReLU, ELU and tanh cannot die).

    Example:
        >>> dead_fraction(model, data.x_test)  # doctest: +SKIP
        {'hidden_1': 0.125, 'hidden_2': 0.0}
    """
    result = _probe_pass(model, "kit.diagnostics.dead_fraction").run(x)
    return {name: float(dead_units(entry["activation"]).mean())
            for name, entry in _hidden(result).items() if entry["activation_name"] in DEAD_CAPABLE}


@validate_params(share=SHARE)
def saturated_fraction(model, x, share: float = SATURATED_SHARE) -> dict[str, float]:
    """Share of saturated units in each squashing hidden layer (``SATURATION_ZONES``).

    A unit is saturated when its activation sits in the activation's flat zone (sigmoid
    s < 0.01 or s > 0.99, tanh |a| > 0.99, …) on at least ``share`` of the rows of ``x``.

    Example:
        >>> saturated_fraction(model, data.x_test)  # doctest: +SKIP
        {'hidden_1': 0.0, 'hidden_2': 0.5}
    """
    result = _probe_pass(model, "kit.diagnostics.saturated_fraction").run(x)
    return {name: float(saturated_units(entry["activation"], entry["activation_name"], share).mean())
            for name, entry in _hidden(result).items() if entry["activation_name"] in SATURATION_ZONES}


ALIVE, DEAD, SATURATED = 0, 1, 2
"""Codes of ``unit_state_codes`` / ``unit_states``."""
UNIT_STATES = ("alive", "dead", "saturated")
"""The state names, indexed by code."""


@validate_params(share=SHARE)
def unit_state_codes(activation: np.ndarray, name: str, share: float = SATURATED_SHARE) -> np.ndarray:
    """Per unit of one hidden layer (``activation``: (rows, units)), its state as an int8 code:
    ``DEAD`` by :func:`dead_units` for ``DEAD_CAPABLE`` activations, ``SATURATED`` by
    :func:`saturated_units` for those of ``SATURATION_ZONES``, else ``ALIVE`` (activations that
    can do neither, such as linear or leaky ReLU, are always alive).

    Example:
        >>> unit_state_codes(np.array([[0.0, 1.0], [0.0, 2.0]]), "relu").tolist()
        [1, 0]
    """
    activation = np.asarray(activation)
    codes = np.full(activation.shape[-1], ALIVE, np.int8)
    if name in DEAD_CAPABLE:
        codes[dead_units(activation)] = DEAD
    elif name in SATURATION_ZONES:
        codes[saturated_units(activation, name, share)] = SATURATED
    return codes


@validate_params(share=SHARE)
def unit_states(model, x, share: float = SATURATED_SHARE) -> dict[str, np.ndarray]:
    """Each hidden unit's state on the batch ``x``: ``{layer: int8 codes, one per unit}`` with
    ``ALIVE`` 0, ``DEAD`` 1, ``SATURATED`` 2 (``UNIT_STATES`` names them), by the same rules as
    :func:`dead_fraction` and :func:`saturated_fraction`, so ``(codes == DEAD).mean()`` is the
    layer's dead fraction. TensorBoard's ``unit_states`` image is drawn from these codes.

    Example:
        >>> states = unit_states(model, data.x_test)  # doctest: +SKIP
        >>> [UNIT_STATES[code] for code in states["hidden_2"]]  # doctest: +SKIP
        ['alive', 'dead', 'alive', 'alive']
    """
    result = _probe_pass(model, "kit.diagnostics.unit_states").run(x)
    return {name: unit_state_codes(entry["activation"], entry["activation_name"], share)
            for name, entry in _hidden(result).items()}


def activation_statistics(model, x) -> dict[str, dict[str, float]]:
    """Mean and standard deviation of each Dense layer's activation over a batch.

    Example:
        >>> activation_statistics(model, data.x_test)["hidden_1"]  # doctest: +SKIP
        {'mean': 0.41, 'std': 0.52}
    """
    result = _probe_pass(model, "kit.diagnostics.activation_statistics").run(x)
    return {name: {"mean": float(entry["activation"].mean()), "std": float(entry["activation"].std())}
            for name, entry in result["layers"].items()}


# ---------------------------------------------------------------------------------------------
# Linear collapse


_PASS_THROUGH = (keras.layers.InputLayer, keras.layers.Dropout)  # identity at inference


def collapse_linear(model) -> tuple[np.ndarray, np.ndarray]:
    """The single affine map (W, b) an all-linear network computes.

    With linear hidden activations, ``x·W1 + b1`` fed through ``·W2 + b2`` … is one affine map
    ``x·W + b`` with ``W = W1·W2···Wk`` and ``b = (b1·W2 + b2)···``: depth adds nothing.
    The output layer's own activation (tanh for the Playground head) is not folded in: the
    model computes ``f(x·W + b)`` with ``f`` that activation, a linear classifier.

    Returns:
        ``(W, b)`` as float64 arrays of shapes (n_inputs, n_outputs) and (n_outputs,).

    Raises:
        InvalidParameter: a hidden layer has a non-linear activation (the message names the first),
            or the model is not a plain chain of Dense (and Dropout) layers.

    Example:
        >>> model = builders.build_mlp(2, [3, 3], activation="linear", head="linear")  # doctest: +SKIP
        >>> W, b = collapse_linear(model)  # doctest: +SKIP
        >>> np.allclose(x @ W + b, model(x))  # doctest: +SKIP
        True
    """
    dense = check_model(model, "kit.diagnostics.collapse_linear")
    previous = model.inputs[0]
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if not isinstance(layer, (keras.layers.Dense,) + _PASS_THROUGH):
            raise InvalidParameter(f"collapse_linear folds chains of Dense layers; layer {layer.name!r} is a "
                                   f"{type(layer).__name__}. Remove it or collapse the Dense part yourself.")
        if layer.input is not previous:
            raise InvalidParameter(f"collapse_linear folds a plain chain of layers; layer {layer.name!r} does not take "
                                   "the previous layer's output. Branching models have no single weight chain.")
        previous = layer.output
    if previous is not model.outputs[0]:
        raise InvalidParameter("collapse_linear folds a plain chain of layers ending in the model's output.")
    for layer in dense[:-1]:
        name = activation_name(layer)
        if name != "linear":
            raise InvalidParameter(f"Hidden layer {layer.name!r} uses the non-linear activation {name!r}, so the "
                                   "network is not one affine map. collapse_linear needs activation='linear' on every "
                                   "hidden layer.")
    width = int(model.inputs[0].shape[-1])
    weight, bias = np.eye(width), np.zeros(width)
    for layer in dense:
        kernel = np.asarray(layer.kernel, dtype=np.float64)
        weight = weight @ kernel
        bias = bias @ kernel + (np.asarray(layer.bias, dtype=np.float64) if layer.use_bias else 0.0)
    return weight, bias
