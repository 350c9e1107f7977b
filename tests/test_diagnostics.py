"""kit.diagnostics: the numbers mean what they say (vanishing gradients, dead and saturated
units, linear collapse) and bad input fails with a clear message."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kit import builders, datasets, diagnostics, heads


@pytest.fixture(scope="module")
def circle():
    return datasets.playground("circle", noise=0, seed=0)


def _reference_norms(model, x, y):
    # The grader's own computation: a GradientTape over the whole model with the head loss.
    kernels = [layer.kernel for layer in builders.dense_layers(model)]
    with tf.GradientTape() as tape:
        loss = heads.head_of(model).loss()(y, model(x, training=False))
    return [float(np.linalg.norm(g)) for g in tape.gradient(loss, kernels)]


@pytest.mark.parametrize("activation, depth", [("sigmoid", 2), ("tanh", 4), ("relu", 3)])
def test_gradient_norms_match_a_plain_gradient_tape(circle, activation, depth):
    model = builders.build_mlp(2, [5] * depth, activation, seed=3)
    norms = diagnostics.gradient_norms(model, circle.x_test, circle.y_test)
    assert list(norms) == [f"hidden_{i}" for i in range(1, depth + 1)] + ["output"]
    # rtol 1e-4: float32 sums in a different order agree to about 1e-6 relative; 1e-4 leaves margin.
    np.testing.assert_allclose(list(norms.values()), _reference_norms(model, circle.x_test, circle.y_test),
                               rtol=1e-4)


def test_depth_10_sigmoid_gradient_vanishes_in_the_first_layer(circle):
    # Ten sigmoid layers of 8 units with the Playground's initialisation (weights U(-0.5, 0.5)):
    # each layer multiplies the backward signal by at most 0.25·|W| (about 0.25·8·0.25 = 0.5 on
    # average), so the first layer sees roughly 0.5**9 of the last one's gradient; measured
    # ≈ 1e-7. The lesson asks for first/last <= 1e-2: 100x smaller.
    model = builders.build_mlp(2, [8] * 10, "sigmoid", seed=0)
    norms = diagnostics.gradient_norms(model, circle.x_test, circle.y_test)
    assert norms["hidden_1"] <= 1e-2 * norms["output"]
    # ReLU at the same depth passes slope 1 through active units: no such collapse (a control
    # that the ratio above comes from the activation, not from the depth alone).
    relu = builders.build_mlp(2, [8] * 10, "relu", initializer="he", seed=0)
    relu_norms = diagnostics.gradient_norms(relu, circle.x_test, circle.y_test)
    assert relu_norms["hidden_1"] > 1e-2 * relu_norms["output"]


def test_planted_negative_biases_kill_a_relu_layer(circle):
    model = builders.build_mlp(2, [6, 4], "relu", seed=1)
    layer = model.get_layer("hidden_2")
    # Inputs of hidden_2 are ReLU outputs of hidden_1: at most |W1|·|x| + b ≈ 0.5·2·6 + 0.1 < 10,
    # and its kernel is U(-0.5, 0.5) over 6 units, so a bias of -100 keeps every pre-activation
    # negative on every point of the [-6, 6]² plane.
    layer.bias.assign(np.full(4, -100.0, dtype=np.float32))
    fractions = diagnostics.dead_fraction(model, circle.x_test)
    assert fractions["hidden_2"] == 1.0
    assert fractions["hidden_1"] < 1.0
    # Half-dead: plant the bias on two of the four units only.
    layer.bias.assign(np.array([-100.0, -100.0, 0.1, 0.1], dtype=np.float32))
    outputs = diagnostics.layer_outputs(model, circle.x_test)["hidden_2"]["activation"]
    expected = float(np.all(outputs == 0, axis=0).mean())
    assert diagnostics.dead_fraction(model, circle.x_test)["hidden_2"] == expected >= 0.5


def test_dead_and_saturated_fractions_only_report_layers_they_apply_to(circle):
    model = builders.build_mlp(2, [4, 4, 4], ["relu", "sigmoid", "leaky_relu"], seed=0)
    assert list(diagnostics.dead_fraction(model, circle.x_test)) == ["hidden_1"]
    assert list(diagnostics.saturated_fraction(model, circle.x_test)) == ["hidden_2"]


def test_huge_weights_saturate_sigmoid_and_tanh(circle):
    for activation in ("sigmoid", "tanh"):
        model = builders.build_mlp(2, [8], activation, seed=0)
        assert diagnostics.saturated_fraction(model, circle.x_test)["hidden_1"] < 0.5
        layer = model.get_layer("hidden_1")
        # Kernel ×1000 and a bias of ±1000 by unit: every |pre-activation| is far beyond the
        # flat-zone edges (|z| > 4.6 for sigmoid, > 2.65 for tanh) on every point.
        layer.kernel.assign(layer.kernel * 1000.0)
        layer.bias.assign(np.where(np.arange(8) % 2 == 0, 1e4, -1e4).astype(np.float32))
        assert diagnostics.saturated_fraction(model, circle.x_test)["hidden_1"] == 1.0


def test_saturation_share_rule():
    s = np.array([[0.001, 0.5], [0.999, 0.5], [0.5, 0.995]])
    # Unit 0 is flat on 2 of 3 rows, unit 1 on 1 of 3.
    assert diagnostics.saturated_units(s, "sigmoid", share=0.6).tolist() == [True, False]
    assert diagnostics.saturated_units(s, "sigmoid", share=0.95).tolist() == [False, False]
    assert diagnostics.dead_units(np.array([[0.0, 0.0], [0.0, 1e-9]])).tolist() == [True, False]


def test_layer_outputs_are_the_layer_maths(circle):
    model = builders.build_mlp(2, [5, 3], "tanh", seed=2, dropout=0.3)
    outputs = diagnostics.layer_outputs(model, circle.x_test)
    W1, b1 = (np.asarray(v) for v in model.get_layer("hidden_1").weights)
    np.testing.assert_allclose(outputs["hidden_1"]["pre_activation"], circle.x_test @ W1 + b1, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(outputs["hidden_1"]["activation"], np.tanh(circle.x_test @ W1 + b1), atol=1e-6)
    # Dropout is off: the last activation is the model's inference output.
    np.testing.assert_allclose(outputs["output"]["activation"], model(circle.x_test, training=False), atol=1e-6)


@pytest.mark.parametrize("head", ["linear", "playground"])
def test_collapse_linear_matches_the_network(circle, head):
    model = builders.build_mlp(2, [5, 7, 3], "linear", head=head, seed=4, dropout=0.2)
    W, b = diagnostics.collapse_linear(model)
    assert W.shape == (2, 1) and b.shape == (1,)
    logits = circle.x_test @ W + b
    expected = np.asarray(model(circle.x_test, training=False), dtype=np.float64)
    # 1e-5: float32 network outputs of magnitude ≤ a few units carry ~1e-6 rounding.
    np.testing.assert_allclose(logits if head == "linear" else np.tanh(logits), expected, atol=1e-5)


def test_collapse_linear_names_the_first_non_linear_layer():
    model = builders.build_mlp(2, [3, 3, 3], ["linear", "relu", "sigmoid"], seed=0)
    with pytest.raises(ValueError, match="'hidden_2'.*'relu'"):
        diagnostics.collapse_linear(model)


def test_collapse_linear_refuses_branching_models():
    inputs = keras.Input((2,))
    left = keras.layers.Dense(3, name="left")(inputs)
    right = keras.layers.Dense(3, name="right")(inputs)
    outputs = keras.layers.Dense(1, name="out")(keras.layers.Add()([left, right]))
    with pytest.raises(ValueError, match="plain chain"):
        diagnostics.collapse_linear(keras.Model(inputs, outputs))


def test_works_on_a_sequential_model(circle):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="tanh")])
    assert set(diagnostics.gradient_norms(model, circle.x_test, circle.y_test)) == {
        layer.name for layer in model.layers}


def test_explicit_loss_and_softmax_labels():
    digits = datasets.bundled("digits")
    model = builders.build_mlp(64, [16], "relu", head="softmax", n_classes=10, initializer="glorot")
    default = diagnostics.gradient_norms(model, digits.x_test[:50], digits.y_test[:50])
    named = diagnostics.gradient_norms(model, digits.x_test[:50], digits.y_test[:50],
                                       loss="sparse_categorical_crossentropy")
    np.testing.assert_allclose(list(default.values()), list(named.values()), rtol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda m, x, y: diagnostics.gradient_norms("model", x, y), "keras.Model"),
    (lambda m, x, y: diagnostics.gradient_norms(m, x[:, :1], y), r"shape \(n, 2\)"),
    (lambda m, x, y: diagnostics.gradient_norms(m, x, y[:-1]), "one per row"),
    (lambda m, x, y: diagnostics.gradient_norms(m, x, "labels"), "labels"),
    (lambda m, x, y: diagnostics.gradient_norms(m, x, y, loss="nonsense"), "Unknown loss"),
    (lambda m, x, y: diagnostics.dead_fraction(m, np.full((3, 2), np.nan)), "finite"),
    (lambda m, x, y: diagnostics.dead_fraction(m, np.zeros((0, 2))), "n >= 1"),
    (lambda m, x, y: diagnostics.layer_outputs(m, "x"), "array"),
    (lambda m, x, y: diagnostics.saturated_fraction(m, x, share=0), r"\(0, 1\]"),
])
def test_bad_input_is_explained(circle, call, message):
    model = builders.build_mlp(2, [3], "relu")
    with pytest.raises((ValueError, TypeError), match=message):
        call(model, circle.x_test, circle.y_test)


def test_unbuilt_model_is_explained():
    model = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no defined input"):
        diagnostics.layer_outputs(model, np.zeros((2, 2)))


def test_non_kit_output_needs_an_explicit_loss(circle):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="relu")])
    with pytest.raises(ValueError, match="loss="):
        diagnostics.gradient_norms(model, circle.x_test, circle.y_test)
    assert diagnostics.gradient_norms(model, circle.x_test, circle.y_test, loss="mse")


def test_networks_of_one_architecture_share_a_pass_but_not_their_weights(circle):
    # The traced pass is shared by architecture; each model's own weights must still be used.
    first, second = (builders.build_mlp(2, [4, 4], "tanh", seed=seed) for seed in (1, 2))
    for model in (first, second, first):
        norms = diagnostics.gradient_norms(model, circle.x_test, circle.y_test)
        np.testing.assert_allclose(list(norms.values()), _reference_norms(model, circle.x_test, circle.y_test),
                                   rtol=1e-4)


def test_a_bound_probe_predicts_a_grid_in_the_same_pass(circle):
    model = builders.build_mlp(2, [6, 5], "tanh", seed=4)
    grid = np.random.default_rng(0).uniform(-6, 6, size=(500, 2)).astype(np.float32)
    bound = diagnostics.ProbePass(model).bind(circle.x_test[:64], circle.y_test[:64], grid=grid)
    with_grid, without = bound(with_grid=True), bound()
    # 1e-5: float32 round-off between XLA's fused pass and Keras's layer-by-layer call.
    np.testing.assert_allclose(with_grid["grid"], model(grid, training=False).numpy(), atol=1e-5)
    assert without["grid"] is None
    for name, entry in with_grid["layers"].items():  # the grid leaves the probe's own numbers alone
        for key in ("pre_activation", "activation", "kernel", "kernel_gradient"):
            np.testing.assert_array_equal(entry[key], without["layers"][name][key])
    with pytest.raises(ValueError, match="without a grid"):
        diagnostics.ProbePass(model).bind(circle.x_test[:8])(with_grid=True)


def test_activations_xla_cannot_compile_fall_back_to_a_plain_function(circle, monkeypatch):
    monkeypatch.setattr(diagnostics, "PROBE_JIT_COMPILE", True)  # XLA first, as a user may ask
    @keras.saving.register_keras_serializable(package="tests")
    def softsign_via_python(x):  # EagerPyFunc has no XLA kernel
        y = tf.py_function(tf.math.softsign, [x], tf.float32)
        y.set_shape(x.shape)
        return y

    model = builders.build_mlp(2, [4], softsign_via_python, seed=1)
    norms = diagnostics.gradient_norms(model, circle.x_test, circle.y_test)
    np.testing.assert_allclose(list(norms.values()), _reference_norms(model, circle.x_test, circle.y_test),
                               rtol=1e-4)
    key = next(key for key in diagnostics._CHAIN_PROGRAMS if key[0][0] is model.layers[1].activation)
    assert diagnostics._CHAIN_PROGRAMS[key].jit_compile is False  # remembered: no second XLA attempt


def test_models_outside_the_dense_chain_path_give_the_same_numbers(circle):
    # No biases: the pass runs on a sub-graph of the model itself, not the shared chain program.
    inputs = keras.Input((2,))
    hidden = keras.layers.Dense(4, activation="tanh", use_bias=False, name="hidden_1")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="tanh", name="output")(hidden))
    loss = keras.losses.MeanSquaredError()
    norms = diagnostics.gradient_norms(model, circle.x_test, circle.y_test, loss=loss)
    with tf.GradientTape() as tape:
        value = loss(circle.y_test.reshape(-1, 1), model(circle.x_test, training=False))
    reference = tape.gradient(value, [layer.kernel for layer in builders.dense_layers(model)])
    np.testing.assert_allclose(list(norms.values()), [np.linalg.norm(g) for g in reference], rtol=1e-4)
    bound = diagnostics.ProbePass(model).bind(circle.x_test[:16], grid=circle.x_test[:5])
    result = bound(with_grid=True)
    assert result["loss"] is None and "kernel_gradient" not in result["layers"]["hidden_1"]
    np.testing.assert_allclose(result["grid"], model(circle.x_test[:5], training=False).numpy(), atol=1e-6)
