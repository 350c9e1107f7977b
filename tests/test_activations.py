"""The activation catalogue: derivatives against autodiff, ranges and properties numerically,
serialisation of the kit's own activations, and the errors for unknown names."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from kit import activations
from kit.builders import build_mlp

ELEMENTWISE = [e for e in activations.REGISTRY.values() if e.elementwise]
VECTOR = [e for e in activations.REGISTRY.values() if not e.elementwise]
# Where some activation has a kink or jump; autodiff and the analytic derivative may legitimately
# disagree exactly there, so the grids stay 1e-3 away from them.
KINKS = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0])


def _grid(low=-8.0, high=8.0, n=4001):
    x = np.linspace(low, high, n)
    return x[np.min(np.abs(x[:, None] - KINKS[None, :]), axis=1) > 1e-3]


def _autodiff(function, x):
    variable = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = function(variable)
    return tape.gradient(y, variable, unconnected_gradients=tf.UnconnectedGradients.ZERO).numpy()


@pytest.mark.parametrize("entry", ELEMENTWISE, ids=lambda e: e.name)
def test_derivative_matches_tensorflow_autodiff(entry):
    x = np.concatenate([_grid(), np.random.default_rng(1).normal(0, 3, 500)])
    x = x[np.min(np.abs(x[:, None] - KINKS[None, :]), axis=1) > 1e-3]
    expected = _autodiff(entry.function, x)  # float64 end to end
    got = activations.derivative(entry, x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8, err_msg=entry.name)


@pytest.mark.parametrize("entry", VECTOR, ids=lambda e: e.name)
def test_vector_jacobian_matches_tensorflow(entry):
    x = tf.Variable(np.random.default_rng(2).normal(0, 2, (7, 5)))
    with tf.GradientTape() as tape:
        y = entry.function(x)
    expected = tape.batch_jacobian(y, x).numpy()
    np.testing.assert_allclose(activations.derivative(entry, x.numpy()), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("entry", ELEMENTWISE, ids=lambda e: e.name)
def test_output_range_holds_and_is_tight(entry):
    x = np.linspace(-60, 60, 240001)
    y = activations.evaluate(entry, x)
    low, high = entry.output_range
    assert np.all(y >= low - 1e-9) and np.all(y <= high + 1e-9), entry.name
    # The range is tight: a finite bound is reached or approached within 1e-3 (on the grid or far
    # out, where arctan and softsign creep towards theirs), an infinite one is passed by far.
    tails = activations.evaluate(entry, np.array([-1e7, 1e7]))
    for bound, extreme in ((low, min(y.min(), tails.min())), (high, max(y.max(), tails.max()))):
        if math.isfinite(bound):
            assert abs(extreme - bound) < 1e-3, (entry.name, bound, extreme)
        else:
            assert abs(extreme) > 50, (entry.name, bound, extreme)


@pytest.mark.parametrize("entry", ELEMENTWISE, ids=lambda e: e.name)
def test_properties_hold_numerically(entry):
    x = _grid(-100, 100, 400001)
    y = activations.evaluate(entry, x)
    d = activations.derivative(entry, x)
    zero = float(activations.evaluate(entry, np.array([0.0]))[0])
    assert entry.zero_centred == (abs(zero) < 1e-12 and y.min() < 0 < y.max()), "zero_centred"
    # Monotonic: never a negative slope, and no downward jump (hard_shrink jumps, upwards).
    assert entry.monotonic == bool(np.all(d >= -1e-12) and np.all(np.diff(y) >= -1e-12)), "monotonic"
    far = activations.derivative(entry, np.array([-100.0, 100.0]))
    assert entry.saturating == bool(np.all(np.abs(far) < 1e-3)), "saturating"
    # The supremum of f' may sit at a kink, approached from one side (SELU at 0⁻): look there too.
    near_kinks = np.concatenate([KINKS - 1e-9, KINKS, KINKS + 1e-9])
    d_max = max(d.max(), activations.derivative(entry, near_kinks).max())
    if math.isinf(entry.max_derivative):
        assert d_max > 100, "unbounded derivative"
    else:
        assert entry.max_derivative - 1e-3 < d_max <= entry.max_derivative + 1e-6, ("max_derivative", d_max)
    # Smooth (C¹): neither f nor f' jumps between neighbouring points 1e-4 apart (relative to the
    # value's size, so that eˣ's steepness at x = 7 is not mistaken for a jump).
    fine = np.linspace(-7, 7, 140001)

    def jump(values):
        return np.max(np.abs(np.diff(values)) / (1 + np.abs(values[1:])))

    jump_f = jump(activations.evaluate(entry, fine))
    jump_d = jump(activations.derivative(entry, fine))
    assert entry.smooth == (jump_f < 1e-2 and jump_d < 1e-2), ("smooth", jump_f, jump_d)


def test_course_facts():
    assert float(activations.derivative("relu", np.array([0.0]))[0]) == 0.0  # TensorFlow's and the Playground's
    grid = np.linspace(-10, 10, 20001)
    assert activations.derivative("sigmoid", grid).max() == pytest.approx(0.25, abs=1e-9)
    relu = lambda v: float(activations.evaluate("relu", np.array([v]))[0])  # noqa: E731
    assert relu(-1) + relu(1) != relu(0)  # ReLU is not linear: f(-1) + f(1) = 1, f(0) = 0
    assert activations.evaluate("leaky_relu", np.array([-1.0]))[0] == pytest.approx(-activations.LEAKY_RELU_SLOPE)


def test_float32_in_float32_out():
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    for entry in ELEMENTWISE:
        assert activations.evaluate(entry, x).dtype == np.float32, entry.name
        assert activations.derivative(entry, x).dtype == np.float32, entry.name


@pytest.mark.parametrize("name", [e.name for e in activations.REGISTRY.values() if not e.keras_builtin])
def test_custom_activation_survives_keras_round_trip(name, tmp_path):
    model = build_mlp(2, hidden=[5, 3], activation=name, head="playground", seed=3)
    x = np.random.default_rng(0).uniform(-3, 3, (50, 2)).astype(np.float32)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert activations.name_of(loaded.get_layer("hidden_1").activation) == name
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_every_keras_builtin_usable_by_name():
    from keras.src.activations import ALL_OBJECTS_DICT

    x = np.ones((2, 3), dtype=np.float32)
    for name in ALL_OBJECTS_DICT:
        if name in activations.NEEDS_ARGUMENTS:
            with pytest.raises(ValueError, match="cannot be used by name"):
                activations.get(name)
            continue
        model = build_mlp(3, hidden=[4], activation=name)
        assert np.all(np.isfinite(model.predict(x, verbose=0))), name


def test_unknown_name_lists_known_and_closest():
    with pytest.raises(ValueError) as error:
        activations.get("rleu")
    message = str(error.value)
    assert "Did you mean 'relu'?" in message and "sigmoid" in message and "quadratic" in message
    with pytest.raises(TypeError, match="activation name"):
        activations.get(3)


def test_aliases_and_name_of():
    assert activations.get("swish").name == "silu"
    assert activations.get("identity").name == "linear"
    assert activations.name_of(keras.activations.get("relu")) == "relu"
    assert activations.resolve("relu") == "relu"
    assert activations.resolve("quadratic") is activations.quadratic
