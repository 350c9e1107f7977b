"""The course's catalogue of activation functions, as a registry.

Every entry has a Keras-compatible function (``keras.ops``, so it runs on tensors and NumPy
arrays alike), its analytic derivative, its output range, a few properties and a formula for
figures. Every Keras 3 built-in activation is usable by name; the course adds the ones Keras
lacks (binary step, arctan, quadratic, sine, gaussian) and a leaky ReLU with the course's slope.

Property definitions (the tests check each numerically):

- ``zero_centred``: f(0) = 0 and f takes both signs.
- ``saturating``: f'(x) → 0 both as x → +∞ and as x → −∞ (sigmoid, tanh …; ReLU is not).
- ``monotonic``: f'(x) ≥ 0 everywhere (non-decreasing).
- ``smooth``: f and f' are continuous (C¹). ReLU is not (its derivative jumps at 0).
- ``max_derivative``: the supremum of f' over the real line (``inf`` when unbounded).

Derivatives at kinks follow TensorFlow and the Playground: ReLU'(0) = 0.

Example:
    >>> from kit import activations
    >>> activations.get("relu").max_derivative
    1.0
    >>> activations.derivative("sigmoid", [0.0])
    array([0.25], dtype=float32)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import keras
import numpy as np
from keras import ops

from kit.errors import FLAG, InstanceOf, InvalidParameter, Text, check, unknown_name, validate_params

LEAKY_RELU_SLOPE = 0.01
"""Slope of the course's leaky ReLU for x < 0 (Keras's own default is 0.2)."""

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SHRINK = 0.5  # Keras's default threshold of soft_shrink and hard_shrink
_SQUAREPLUS_B = 4.0  # Keras's default b of squareplus


@dataclasses.dataclass(frozen=True)
class Activation:
    """One catalogue entry.

    Attributes:
        name: the registry name (what ``build_mlp(activation=...)`` accepts).
        function: the activation, elementwise unless ``elementwise`` is False.
        derivative: its analytic derivative (the Jacobian for vector-valued ones).
        output_range: (low, high) of f over the reals; ``inf`` for unbounded sides.
        zero_centred, saturating, monotonic, smooth, max_derivative: see the module docstring.
        formula: matplotlib mathtext, e.g. ``r"$\\max(0, x)$"``.
        summary: one line for tables and docs.
        keras_builtin: True when Keras ships it (models then serialise it by name).
        elementwise: False for activations over a vector (softmax, log-softmax).
    """

    name: str
    function: Callable
    derivative: Callable
    output_range: tuple[float, float]
    zero_centred: bool
    saturating: bool
    monotonic: bool
    smooth: bool
    max_derivative: float
    formula: str
    summary: str
    keras_builtin: bool = True
    elementwise: bool = True

    def __call__(self, x):
        return self.function(x)

    @property
    def bounded(self) -> bool:
        return all(math.isfinite(v) for v in self.output_range)

    def properties(self) -> dict:
        """The entry as plain data (for tables, JSON and the CLI)."""
        return {
            "name": self.name,
            "range": self.output_range,
            "zero_centred": self.zero_centred,
            "saturating": self.saturating,
            "monotonic": self.monotonic,
            "smooth": self.smooth,
            "max_derivative": self.max_derivative,
            "keras_builtin": self.keras_builtin,
            "summary": self.summary,
        }


# ---------------------------------------------------------------------------------------------
# The course's own activations (not in Keras). Registered so that models using them save to
# ``.keras`` and load back: importing ``kit.activations`` before ``keras.models.load_model``
# is all a user needs.


@keras.saving.register_keras_serializable(package="kit")
def binary_step(x):
    """Heaviside step: 1 where x > 0, else 0.

    Its derivative is 0 everywhere it exists (undefined at 0), so gradient descent cannot train
    it: it is the threshold unit of the XOR-by-hand exercise, not a trainable activation.

    Example:
        >>> np.asarray(binary_step(np.array([-1.0, 0.0, 2.0])))
        array([0., 0., 1.])
    """
    x = _t(x)
    # "+ 0·x" keeps the output connected to x, so autodiff gives the true derivative 0 rather
    # than no gradient at all (which Keras optimizers warn about).
    return ops.cast(ops.greater(x, 0), x.dtype) + 0 * x


@keras.saving.register_keras_serializable(package="kit")
def arctan(x):
    """Arctangent, a zero-centred squashing function with range (−π/2, π/2)."""
    return ops.arctan(x)


@keras.saving.register_keras_serializable(package="kit")
def quadratic(x):
    """Square, x ↦ x²: non-linear, unbounded, not monotonic (the course's custom activation)."""
    return ops.square(x)


@keras.saving.register_keras_serializable(package="kit")
def sine(x):
    """Sine, a periodic activation offered by the Playground's most requested features."""
    return ops.sin(x)


@keras.saving.register_keras_serializable(package="kit")
def gaussian(x):
    """Gaussian bump e^(−x²): a radial-basis unit, not monotonic."""
    return ops.exp(-ops.square(x))


@keras.saving.register_keras_serializable(package="kit")
def leaky_relu(x):
    """Leaky ReLU with the course's slope 0.01 for x < 0 (``LEAKY_RELU_SLOPE``)."""
    return ops.leaky_relu(x, negative_slope=LEAKY_RELU_SLOPE)


# ---------------------------------------------------------------------------------------------
# Derivatives. Each takes x and returns f'(x) with x's dtype.


_FLOATS = ("float16", "bfloat16", "float32", "float64")


def _t(x):
    """x as a floating tensor, keeping its float dtype (Keras would turn float64 NumPy into float32)."""
    dtype = str(getattr(x, "dtype", ""))
    if hasattr(dtype, "name"):
        dtype = dtype.name
    dtype = dtype.replace("tf.", "").replace("<dtype: '", "").replace("'>", "")
    return ops.convert_to_tensor(x, dtype=dtype if dtype in _FLOATS else "float32")


def _where(condition, a, b, like):
    return ops.where(condition, ops.cast(a, like.dtype), ops.cast(b, like.dtype))


def _between(x, low, high):
    """1 where low < x < high, else 0 (the derivative of a clipped identity)."""
    return _where(ops.logical_and(ops.greater(x, low), ops.less(x, high)), 1.0, 0.0, x)


def _d_sigmoid(x):
    s = ops.sigmoid(_t(x))
    return s * (1 - s)


def _d_tanh(x):
    return 1 - ops.square(ops.tanh(_t(x)))


def _d_relu(x):
    x = _t(x)
    return _where(ops.greater(x, 0), 1.0, 0.0, x)


def _d_leaky(slope):
    def derivative(x):
        x = _t(x)
        return _where(ops.greater(x, 0), 1.0, slope, x)

    return derivative


def _d_elu(x):
    x = _t(x)
    return ops.where(ops.greater(x, 0), ops.ones_like(x), ops.exp(ops.minimum(x, 0)))


def _d_selu(x):
    x = _t(x)
    return _SELU_SCALE * ops.where(
        ops.greater(x, 0), ops.ones_like(x), _SELU_ALPHA * ops.exp(ops.minimum(x, 0))
    )


def _d_softplus(x):
    return ops.sigmoid(_t(x))


def _d_softsign(x):
    return 1 / ops.square(1 + ops.abs(_t(x)))


def _d_silu(x):
    x = _t(x)
    s = ops.sigmoid(x)
    return s + x * s * (1 - s)


def _d_gelu(x):
    x = _t(x)
    cdf = 0.5 * (1 + ops.erf(x / math.sqrt(2.0)))
    pdf = ops.exp(-0.5 * ops.square(x)) / math.sqrt(2 * math.pi)
    return cdf + x * pdf


def _d_mish(x):
    x = _t(x)
    t = ops.tanh(ops.softplus(x))
    return t + x * ops.sigmoid(x) * (1 - ops.square(t))


def _d_relu6(x):
    return _between(_t(x), 0.0, 6.0)


def _d_hard_sigmoid(x):
    return _between(_t(x), -3.0, 3.0) / 6.0


def _d_hard_silu(x):
    x = _t(x)
    return ops.hard_sigmoid(x) + x * _d_hard_sigmoid(x)


def _d_hard_tanh(x):
    return _between(_t(x), -1.0, 1.0)


def _d_log_sigmoid(x):
    return ops.sigmoid(-_t(x))


def _d_exponential(x):
    return ops.exp(_t(x))


def _d_linear(x):
    return ops.ones_like(_t(x))


def _d_shrink(x):
    x = _t(x)
    return _where(ops.greater(ops.abs(x), _SHRINK), 1.0, 0.0, x)


def _d_tanh_shrink(x):
    return ops.square(ops.tanh(_t(x)))


def _d_squareplus(x):
    x = _t(x)
    return 0.5 * (1 + x / ops.sqrt(ops.square(x) + _SQUAREPLUS_B))


def _d_sparse_plus(x):
    x = _t(x)
    inside = (x + 1) / 2
    return ops.where(ops.less_equal(x, -1), ops.zeros_like(x), ops.where(ops.greater_equal(x, 1), ops.ones_like(x), inside))


def _d_sparse_sigmoid(x):
    return _between(_t(x), -1.0, 1.0) / 2.0


def _d_celu(x):
    return _d_elu(x)  # alpha = 1: identical derivative to ELU


def _d_zero(x):
    return ops.zeros_like(_t(x))


def _d_arctan(x):
    return 1 / (1 + ops.square(_t(x)))


def _d_quadratic(x):
    return 2 * _t(x)


def _d_sine(x):
    return ops.cos(_t(x))


def _d_gaussian(x):
    x = _t(x)
    return -2 * x * ops.exp(-ops.square(x))


def _jacobian_softmax(x):
    """Jacobian of softmax over the last axis: J[..., i, j] = s_i (δ_ij − s_j)."""
    s = ops.softmax(_t(x), axis=-1)
    eye = ops.eye(ops.shape(s)[-1], dtype=s.dtype)
    return ops.expand_dims(s, -1) * (eye - ops.expand_dims(s, -2))


def _jacobian_log_softmax(x):
    """Jacobian of log-softmax over the last axis: J[..., i, j] = δ_ij − s_j."""
    s = ops.softmax(_t(x), axis=-1)
    eye = ops.eye(ops.shape(s)[-1], dtype=s.dtype)
    return eye - ops.expand_dims(s, -2)


# ---------------------------------------------------------------------------------------------
# The catalogue.

INF = math.inf
_GELU_MIN = -0.1699712074799037  # min of x·Φ(x), at x ≈ −0.7518
_SILU_MIN = -0.2784645427610738  # min of x·σ(x), at x ≈ −1.2785
_MISH_MIN = -0.3088434130172504  # min of x·tanh(softplus(x)), at x ≈ −1.1924
_SILU_MAX_D = 1.0998393  # sup of d/dx x·σ(x), at x ≈ 2.3994
_GELU_MAX_D = 1.1289041  # sup of d/dx x·Φ(x), at x = √2
_MISH_MAX_D = 1.0884982  # sup of d/dx mish, at x ≈ 1.4906


def _entry(name, function, derivative, output_range, zero_centred, saturating, monotonic,
           smooth, max_derivative, formula, summary, keras_builtin=True, elementwise=True):
    return Activation(name, function, derivative, tuple(float(v) for v in output_range),
                      zero_centred, saturating, monotonic, smooth, float(max_derivative),
                      formula, summary, keras_builtin, elementwise)


_K = keras.activations
_CATALOGUE = [
    # name, function, derivative, range, zero-centred, saturating, monotonic, smooth, max f'
    _entry("linear", _K.linear, _d_linear, (-INF, INF), True, False, True, True, 1.0,
           r"$x$", "identity: adds no non-linearity, so stacked layers collapse to one"),
    _entry("binary_step", binary_step, _d_zero, (0, 1), False, True, True, False, 0.0,
           r"$1$ if $x>0$ else $0$", "threshold unit; derivative 0 everywhere, so not trainable",
           keras_builtin=False),
    _entry("sigmoid", _K.sigmoid, _d_sigmoid, (0, 1), False, True, True, True, 0.25,
           r"$\frac{1}{1+e^{-x}}$", "logistic squashing; derivative at most 0.25"),
    _entry("tanh", _K.tanh, _d_tanh, (-1, 1), True, True, True, True, 1.0,
           r"$\tanh(x)$", "zero-centred squashing; the Playground's default"),
    _entry("arctan", arctan, _d_arctan, (-math.pi / 2, math.pi / 2), True, True, True, True, 1.0,
           r"$\arctan(x)$", "zero-centred squashing with slow (polynomial) saturation",
           keras_builtin=False),
    _entry("softsign", _K.softsign, _d_softsign, (-1, 1), True, True, True, True, 1.0,
           r"$\frac{x}{1+|x|}$", "zero-centred squashing with polynomial tails"),
    _entry("hard_sigmoid", _K.hard_sigmoid, _d_hard_sigmoid, (0, 1), False, True, True, False,
           1 / 6, r"$\mathrm{clip}(\frac{x+3}{6}, 0, 1)$", "piecewise-linear sigmoid"),
    _entry("hard_tanh", _K.hard_tanh, _d_hard_tanh, (-1, 1), True, True, True, False, 1.0,
           r"$\mathrm{clip}(x, -1, 1)$", "piecewise-linear tanh"),
    _entry("sparse_sigmoid", _K.sparse_sigmoid, _d_sparse_sigmoid, (0, 1), False, True, True,
           False, 0.5, r"$\mathrm{clip}(\frac{x+1}{2}, 0, 1)$", "piecewise-linear sigmoid, slope 1/2"),
    _entry("relu", _K.relu, _d_relu, (0, INF), False, False, True, False, 1.0,
           r"$\max(0, x)$", "rectified linear unit: piecewise linear, derivative 0 or 1"),
    _entry("leaky_relu", leaky_relu, _d_leaky(LEAKY_RELU_SLOPE), (-INF, INF), True, False, True,
           False, 1.0, r"$\max(0.01x, x)$", "ReLU with slope 0.01 for x<0: cannot die",
           keras_builtin=False),
    _entry("relu6", _K.relu6, _d_relu6, (0, 6), False, True, True, False, 1.0,
           r"$\min(\max(0, x), 6)$", "ReLU capped at 6"),
    _entry("elu", _K.elu, _d_elu, (-1, INF), True, False, True, True, 1.0,
           r"$x$ if $x>0$ else $e^x-1$", "exponential linear unit (alpha 1): smooth, negative outputs"),
    _entry("celu", _K.celu, _d_celu, (-1, INF), True, False, True, True, 1.0,
           r"$\max(0,x)+\min(0, e^x-1)$", "continuously differentiable ELU (alpha 1)"),
    _entry("selu", _K.selu, _d_selu, (-_SELU_SCALE * _SELU_ALPHA, INF), True, False, True,
           False, _SELU_SCALE * _SELU_ALPHA, r"$\lambda\,\mathrm{elu}_\alpha(x)$",
           "scaled ELU, self-normalising (derivative jumps at 0)"),
    _entry("softplus", _K.softplus, _d_softplus, (0, INF), False, False, True, True, 1.0,
           r"$\ln(1+e^x)$", "smooth ReLU; its derivative is the sigmoid"),
    _entry("squareplus", _K.squareplus, _d_squareplus, (0, INF), False, False, True, True, 1.0,
           r"$\frac{x+\sqrt{x^2+4}}{2}$", "algebraic smooth ReLU"),
    _entry("sparse_plus", _K.sparse_plus, _d_sparse_plus, (0, INF), False, False, True, True, 1.0,
           r"$0,\ \frac{(x+1)^2}{4},\ x$", "piecewise-quadratic smooth ReLU"),
    _entry("silu", _K.silu, _d_silu, (_SILU_MIN, INF), True, False, False, True, _SILU_MAX_D,
           r"$x\,\sigma(x)$", "swish / SiLU: smooth, slightly non-monotonic"),
    _entry("hard_silu", _K.hard_silu, _d_hard_silu, (-0.375, INF), True, False, False, False,
           1.5, r"$x\,\mathrm{hard\_sigmoid}(x)$", "piecewise hard swish"),
    _entry("gelu", _K.gelu, _d_gelu, (_GELU_MIN, INF), True, False, False, True, _GELU_MAX_D,
           r"$x\,\Phi(x)$", "Gaussian error linear unit (exact form)"),
    _entry("mish", _K.mish, _d_mish, (_MISH_MIN, INF), True, False, False, True, _MISH_MAX_D,
           r"$x\tanh(\ln(1+e^x))$", "smooth, non-monotonic self-gated unit"),
    _entry("log_sigmoid", _K.log_sigmoid, _d_log_sigmoid, (-INF, 0), False, False, True, True,
           1.0, r"$-\ln(1+e^{-x})$", "log of the sigmoid; never positive"),
    _entry("exponential", _K.exponential, _d_exponential, (0, INF), False, False, True, True, INF,
           r"$e^x$", "exponential: unbounded derivative, explodes easily"),
    _entry("soft_shrink", _K.soft_shrink, _d_shrink, (-INF, INF), True, False, True, False, 1.0,
           r"$x \mp 0.5$ if $|x|>0.5$ else $0$", "soft thresholding (threshold 0.5)"),
    _entry("hard_shrink", _K.hard_shrink, _d_shrink, (-INF, INF), True, False, True, False, 1.0,
           r"$x$ if $|x|>0.5$ else $0$", "hard thresholding (threshold 0.5): discontinuous"),
    _entry("tanh_shrink", _K.tanh_shrink, _d_tanh_shrink, (-INF, INF), True, False, True, True,
           1.0, r"$x - \tanh(x)$", "identity minus tanh: flat near 0"),
    _entry("quadratic", quadratic, _d_quadratic, (0, INF), False, False, False, True, INF,
           r"$x^2$", "the course's custom activation: a square", keras_builtin=False),
    _entry("sine", sine, _d_sine, (-1, 1), True, False, False, True, 1.0,
           r"$\sin(x)$", "periodic activation", keras_builtin=False),
    _entry("gaussian", gaussian, _d_gaussian, (0, 1), False, True, False, True,
           math.sqrt(2 / math.e), r"$e^{-x^2}$", "radial bump", keras_builtin=False),
    _entry("softmax", _K.softmax, _jacobian_softmax, (0, 1), False, True, False, True, 0.25,
           r"$\frac{e^{x_i}}{\sum_j e^{x_j}}$", "vector output that sums to 1 (classification head)",
           elementwise=False),
    _entry("log_softmax", _K.log_softmax, _jacobian_log_softmax, (-INF, 0), False, False, False,
           True, 1.0, r"$x_i - \ln\sum_j e^{x_j}$", "log of the softmax", elementwise=False),
]

REGISTRY: dict[str, Activation] = {entry.name: entry for entry in _CATALOGUE}
"""Catalogue entries by name."""

ALIASES = {"identity": "linear", "swish": "silu", "hard_swish": "hard_silu", "step": "binary_step",
           "heaviside": "binary_step"}
"""Other names for the same entries (Keras's own aliases and the course's)."""

# Keras built-ins usable by name without a catalogue entry, and why they have none.
KERAS_ONLY = {
    "sparsemax": "vector-valued projection onto the simplex",
}
# Keras built-ins that cannot serve as a Dense layer's activation by name alone, and why.
NEEDS_ARGUMENTS = {"threshold": "it needs arguments: call keras.activations.threshold(x, threshold, default_value) "
                                "in your own function and pass that function instead",
                   "glu": "it halves the last axis, so it cannot be a Dense layer's activation; "
                          "apply keras.activations.glu in a layer of its own"}


@validate_params(include_aliases=FLAG)
def names(include_aliases: bool = False) -> list[str]:
    """Names accepted by :func:`get`, sorted.

    Example:
        >>> "relu" in names()
        True
    """
    known = set(REGISTRY) | set(KERAS_ONLY)
    if include_aliases:
        known |= set(ALIASES)
    return sorted(known)


def _key(name: str) -> str:
    """A name as the registry spells it: trimmed, lower case, underscores, aliases resolved."""
    key = name.strip().lower().replace("-", "_")
    return ALIASES.get(key, key)


def get(identifier) -> Activation:
    """The catalogue entry for a name (or alias), or for an :class:`Activation` itself.

    Raises:
        ValueError: the name is unknown; the message lists the known names and the closest one.
        TypeError: ``identifier`` is neither a string nor an ``Activation``.

    Example:
        >>> get("swish").name
        'silu'
    """
    if isinstance(identifier, Activation):
        return identifier
    check(identifier, [Text("an activation name"), InstanceOf(Activation, "a kit Activation")], "identifier",
          "kit.activations.get")
    key = _key(identifier)
    if key in REGISTRY:
        return REGISTRY[key]
    if key in NEEDS_ARGUMENTS:
        raise InvalidParameter(f"Activation {identifier!r} cannot be used by name here: {NEEDS_ARGUMENTS[key]}.")
    raise unknown_name("activation", identifier, names(include_aliases=True))


def resolve(identifier):
    """What to give ``keras.layers.Dense(activation=...)`` for a name or a callable.

    Keras built-ins resolve to their name (so configs stay plain); the kit's own activations to
    their registered function; a callable is returned unchanged (a custom activation: register it
    with ``keras.saving.register_keras_serializable`` so a saved model can load it).

    Example:
        >>> resolve("relu"), resolve("quadratic").__name__
        ('relu', 'quadratic')
    """
    if identifier is None:
        return "linear"
    if callable(identifier) and not isinstance(identifier, (str, Activation)):
        return identifier
    if isinstance(identifier, str):
        if _key(identifier) in KERAS_ONLY:
            return _key(identifier)
    entry = get(identifier)
    return entry.name if entry.keras_builtin else entry.function


def name_of(activation) -> str:
    """The registry name of a Keras layer's activation function (or its ``__name__``).

    Example:
        >>> name_of(keras.activations.get("relu"))
        'relu'
    """
    if isinstance(activation, str):
        return get(activation).name if activation in REGISTRY or activation in ALIASES else activation
    name = getattr(activation, "__name__", None) or type(activation).__name__
    for entry in _CATALOGUE:
        if entry.function is activation:
            return entry.name
    return ALIASES.get(name, name)


def _as_numpy(value) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(value))


def evaluate(name, x) -> np.ndarray:
    """f(x) as a NumPy array (float32 unless x is float64).

    Example:
        >>> evaluate("relu", [-1.0, 2.0])
        array([0., 2.], dtype=float32)
    """
    return _as_numpy(get(name).function(_t(np.asarray(x, dtype=np.float32) if not hasattr(x, "dtype") else x)))


def derivative(name, x) -> np.ndarray:
    """f'(x) as a NumPy array (the Jacobian for softmax and log-softmax).

    Example:
        >>> derivative("tanh", [0.0])
        array([1.], dtype=float32)
    """
    return _as_numpy(get(name).derivative(_t(np.asarray(x, dtype=np.float32) if not hasattr(x, "dtype") else x)))


def table() -> list[dict]:
    """The catalogue as a list of plain dicts (one per entry), in catalogue order."""
    return [entry.properties() for entry in _CATALOGUE]
