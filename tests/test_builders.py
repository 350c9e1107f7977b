"""Model builders: structure, heads, initializers, determinism, serialisation, validation."""

import keras
import numpy as np
import pytest

from kit import heads
from kit.builders import build_mlp, compile_model, dense_layers, hidden_activations, playground_limits_problem


def test_layers_are_named_and_sized_as_asked():
    model = build_mlp(3, hidden=[4, 2], activation=["relu", "sigmoid"], head="playground")
    assert [layer.name for layer in model.layers] == ["features", "hidden_1", "hidden_2", "output"]
    assert [layer.units for layer in dense_layers(model)] == [4, 2, 1]
    assert hidden_activations(model) == {"hidden_1": "relu", "hidden_2": "sigmoid"}
    assert model.input_shape == (None, 3)


@pytest.mark.parametrize("head, activation, units", [
    ("playground", "tanh", 1), ("logistic", "sigmoid", 1), ("softmax", "softmax", 5), ("linear", "linear", 1)])
def test_heads(head, activation, units):
    model = build_mlp(2, hidden=[3], head=head, n_classes=5 if head == "softmax" else None)
    assert model.get_layer("output").activation.__name__ == activation
    assert model.output_shape == (None, units)
    assert heads.head_of(model).name == head


def test_playground_initializer_and_seed():
    model = build_mlp(2, hidden=[8, 8], seed=4)
    for layer in dense_layers(model):
        kernel, bias = layer.get_weights()
        assert np.all(np.abs(kernel) <= 0.5) and np.all(bias == np.float32(0.1))  # U(−0.5, 0.5), biases 0.1
    again = build_mlp(2, hidden=[8, 8], seed=4)
    other = build_mlp(2, hidden=[8, 8], seed=5)
    for a, b, c in zip(model.get_weights(), again.get_weights(), other.get_weights()):
        assert np.array_equal(a, b)
    assert not np.array_equal(model.get_weights()[0], other.get_weights()[0])
    # Same-shaped layers get different weights (a per-layer seed), or they would stay symmetric.
    assert not np.array_equal(model.get_layer("hidden_2").get_weights()[0], build_mlp(8, [8], seed=4).get_weights()[0])


def test_he_and_glorot_have_zero_biases():
    for initializer in ("he", "glorot"):
        model = build_mlp(2, hidden=[16], initializer=initializer)
        assert np.all(model.get_layer("hidden_1").get_weights()[1] == 0)


def test_config_and_keras_file_round_trip(tmp_path):
    model = build_mlp(4, hidden=[6, 5], activation=["quadratic", "elu"], head="softmax", n_classes=3, l2=1e-3,
                      dropout=0.1, seed=2)
    x = np.random.default_rng(0).normal(size=(9, 4)).astype(np.float32)
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    compile_model(model, "adam", 0.01)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_compiled_model_trains_with_playground_loss():
    model = compile_model(build_mlp(2, hidden=[4]), "sgd", 0.03)
    x = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    loss = model.evaluate(x, np.array([1.0, -1.0], dtype=np.float32), verbose=0)
    output = model.predict(x, verbose=0)[:, 0]
    expected = np.mean(0.5 * (output - np.array([1.0, -1.0])) ** 2)  # mean ½(ŷ − y)²
    assert loss[0] == pytest.approx(expected, rel=1e-5)


def test_playground_limits():
    assert playground_limits_problem(build_mlp(2, [8] * 6)) is None
    assert "at most 6" in playground_limits_problem(build_mlp(2, [2] * 7))
    assert "at most 8" in playground_limits_problem(build_mlp(2, [9]))


def test_sklearn_style_message():
    with pytest.raises(ValueError) as error:
        build_mlp(2, hidden=[4, 0])
    assert str(error.value) == (
        "The 'hidden' parameter of kit.builders.build_mlp must be a list of at most 64 ints in [1, 4096] or an int in "
        "[1, 4096]. Got [4, 0] instead. Give one width per hidden layer, e.g. [8, 8]; [] for none.")


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        build_mlp(2, activation="rlu")
    with pytest.raises(ValueError, match="a list of 2"):
        build_mlp(2, hidden=[3, 3], activation=["relu"])
    with pytest.raises(ValueError, match="n_classes"):
        build_mlp(2, head="softmax")
    with pytest.raises(ValueError, match="Did you mean 'he'"):
        build_mlp(2, initializer="hee")
    with pytest.raises(ValueError, match="head"):
        build_mlp(2, head="tanh")
