"""The kit against the TensorFlow Playground's own update rule.

``Playground`` below is the Playground's training code (tensorflow/playground, ``src/nn.ts``:
``Errors.SQUARE``, ``RegularizationFunction``, ``forwardProp``, ``backProp``, ``updateWeights``;
``src/playground.ts``: ``oneStep``) transcribed to NumPy in float64, one example at a time as
there. The kit's compiled trainer (float32) must take the same steps: 1e-6 is float32 rounding
over a few dozen updates of weights of size ≈ 0.5 (measured differences ≈ 1e-8), far below the
effects under test (the ½ of the loss, a regularization step lr·r·w ≈ 1e-3).
"""

from __future__ import annotations

import numpy as np
import pytest

from kit import builders, datasets, heads
from kit.errors import InvalidParameter
from kit.training import train

TOLERANCE = 1e-6
PLAIN = {"jit_compile": False}
"""For the one-step tests: the same traced code without XLA's compile time (seconds per test on
2 cores); the regression step and the replays run the default XLA path."""
ACTIVATIONS = {"tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2), "linear": (lambda z: z, lambda z: np.ones_like(z))}


class Playground:
    """nn.ts's network, per example: weights[l][j, k] is the link from node j of layer l to node k
    of layer l + 1 (a Keras kernel's layout); ``dead`` marks the links L1 killed."""

    def __init__(self, weights, biases, output="tanh", regularization=None):
        self.weights = [np.array(w, np.float64) for w in weights]
        self.biases = [np.array(b, np.float64) for b in biases]
        self.dead = [np.zeros(w.shape, bool) for w in self.weights]
        self.acc_w = [np.zeros_like(w) for w in self.weights]
        self.acc_b = [np.zeros_like(b) for b in self.biases]
        self.count = 0
        self.activations = ["tanh"] * (len(weights) - 1) + [output]
        self.regularization = regularization

    def forward(self, x):
        outputs, totals = [np.asarray(x, np.float64)], []
        for w, b, act in zip(self.weights, self.biases, self.activations):
            totals.append(outputs[-1] @ w + b)  # updateOutput: bias + Σ weight·source.output
            outputs.append(ACTIVATIONS[act][0](totals[-1]))
        return outputs, totals

    def backprop(self, x, target):
        outputs, totals = self.forward(x)
        output_der = outputs[-1] - target  # Errors.SQUARE.der
        for layer in reversed(range(len(self.weights))):
            input_der = output_der * ACTIVATIONS[self.activations[layer]][1](totals[layer])
            self.acc_b[layer] += input_der
            self.acc_w[layer] += np.where(self.dead[layer], 0.0, np.outer(outputs[layer], input_der))
            output_der = self.weights[layer] @ input_der
        self.count += 1

    def update(self, learning_rate, rate):
        for layer, w in enumerate(self.weights):
            self.biases[layer] -= learning_rate * self.acc_b[layer] / self.count
            if self.regularization == "l1":
                slope = np.sign(w)  # der: w < 0 ? -1 : (w > 0 ? 1 : 0)
            elif self.regularization == "l2":
                slope = w  # the derivative of ½w²
            else:
                slope = np.zeros_like(w)
            was_dead = self.dead[layer].copy()  # dead links are skipped: they keep their 0
            stepped = w - (learning_rate / self.count) * self.acc_w[layer]
            moved = stepped - learning_rate * rate * slope  # regulDer taken at the weight before the step
            if self.regularization == "l1":
                crossed = (stepped * moved < 0) & ~was_dead  # "The weight crossed 0 due to the regularization term"
                moved = np.where(crossed, 0.0, moved)
                self.dead[layer] |= crossed
            self.weights[layer] = np.where(was_dead, w, moved)
            self.acc_w[layer][:] = 0
            self.acc_b[layer][:] = 0
        self.count = 0

    def epoch(self, x, y, batch_size, learning_rate, rate=0.0):
        """playground.ts oneStep: every example, an update after each batch_size-th of the epoch."""
        for i, (point, label) in enumerate(zip(x, y)):
            self.backprop(point, label)
            if (i + 1) % batch_size == 0:
                self.update(learning_rate, rate)

    def loss(self, x, y):
        return float(np.mean([0.5 * (self.forward(p)[0][-1][0] - t) ** 2 for p, t in zip(x, y)]))


def _data(n_train=7, labels="pm1", seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n_train + 3, 2)).astype(np.float32)
    if labels == "real":
        y = (0.6 * x[:, 0] - 0.3 * x[:, 1]).astype(np.float32)
        task = "regression"
    else:
        y = np.where(x[:, 0] * x[:, 1] > 0, 1.0, -1.0).astype(np.float32)
        task = "binary"
    return datasets.Dataset(x[:n_train], y[:n_train], x[n_train:], y[n_train:], ("x1", "x2"), labels, task, "tiny")


def _pair(head="playground", seed=0, **reference):
    """A kit model 2-3-1 (tanh hidden) and the Playground's network with the same weights."""
    model = builders.build_mlp(2, [3], "tanh", head=head, seed=seed)
    weights = model.get_weights()
    output = "tanh" if head == "playground" else "linear"
    return model, Playground(weights[0::2], weights[1::2], output=output, **reference)


def _assert_same(model, network):
    kit = model.get_weights()
    expected = [value for pair in zip(network.weights, network.biases) for value in pair]
    for got, want in zip(kit, expected):
        np.testing.assert_allclose(got, want, atol=TOLERANCE, rtol=0)


def test_one_step_of_the_playground_regression_head_is_the_playgrounds():
    data = _data(4, labels="real")
    model, network = _pair("playground_regression")
    start = model.get_weights()
    history = train(model, data, epochs=1, batch_size=4, learning_rate=0.1, shuffle=False, verbose=0)
    network.epoch(data.x_train, data.y_train, 4, 0.1)
    _assert_same(model, network)
    # The reported loss is the Playground's ½·mean (ŷ − y)² after the step.
    assert history.history["loss"][0] == pytest.approx(network.loss(data.x_train, data.y_train), abs=TOLERANCE)

    # Plain MSE ('linear') has twice the gradient: from the same start its step is twice as long.
    plain = builders.build_mlp(2, [3], "tanh", head="linear", seed=0)
    train(plain, data, epochs=1, batch_size=4, learning_rate=0.1, shuffle=False, verbose=0)
    for a, p, s in zip(plain.get_weights(), model.get_weights(), start):
        np.testing.assert_allclose(a - s, 2 * (p - s), atol=TOLERANCE, rtol=0)
    assert np.abs(model.get_weights()[0] - start[0]).max() > 100 * TOLERANCE  # the step is not nothing


def test_the_playground_data_sets_default_to_the_half_mse_head():
    assert heads.for_data(datasets.playground("reg-gauss", n_samples=20)).name == "playground_regression"
    assert heads.for_data(datasets.playground("circle", n_samples=20)).name == "playground"
    model = builders.build_mlp(2, [3], head="playground_regression")
    assert heads.head_of(model).name == "playground_regression"
    assert heads.head_of(builders.build_mlp(2, [3], head="linear")).name == "linear"
    with pytest.raises(InvalidParameter, match="needs a 1 × linear output"):
        heads.mark_head(builders.build_mlp(2, [3]), "playground_regression")


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_one_regularized_step_is_the_playgrounds(kind):
    data = _data(5)
    model, network = _pair(regularization=kind)
    if kind == "l1":  # weights the L1 step (lr·r = 0.02) moves across 0: their links must die
        weights = model.get_weights()
        weights[0][0, :2] = [0.004, -0.003]
        model.set_weights(weights)
        network.weights[0] = weights[0].astype(np.float64)
    train(model, data, epochs=1, batch_size=5, learning_rate=0.2, shuffle=False, verbose=0,
          regularization=kind, regularization_rate=0.1, **PLAIN)
    network.epoch(data.x_train, data.y_train, 5, 0.2, rate=0.1)
    _assert_same(model, network)
    if kind == "l1":
        assert network.dead[0].sum() >= 1  # the case under test happened
        dead = model.kit_playground_state.dead
        for mask, expected in zip(dead, network.dead):
            np.testing.assert_array_equal(mask, expected)


def test_the_keras_l2_adds_twice_the_playground_rate():
    """``l2=r`` (Keras: r·Σw² in the loss) is the Playground's rate 2r; ``l2=r/2`` is its rate r."""
    data = _data(5)
    keras_style, _ = _pair()
    playground_style, _ = _pair()
    train(keras_style, data, epochs=2, batch_size=5, learning_rate=0.2, shuffle=False, verbose=0, l2=0.05, **PLAIN)
    train(playground_style, data, epochs=2, batch_size=5, learning_rate=0.2, shuffle=False, verbose=0,
          regularization="l2", regularization_rate=0.1, **PLAIN)
    for a, b in zip(keras_style.get_weights(), playground_style.get_weights()):
        np.testing.assert_allclose(a, b, atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("regularization", [None, "l1"])
def test_a_replayed_run_with_playground_batching_matches_step_for_step(regularization):
    """7 examples in batches of 3: the 7th example's gradient joins the next epoch's first batch."""
    data = _data(7)
    rate = 0.05 if regularization else 0.0
    options = dict(batch_size=3, learning_rate=0.3, shuffle=False, verbose=0, batching="playground",
                   regularization=regularization, regularization_rate=rate)
    stepped, network = _pair(seed=1, regularization=regularization)
    whole, _ = _pair(seed=1)
    for _epoch in range(6):  # the Playground's "step" button: one epoch at a time
        history = train(stepped, data, epochs=1, **options)
        network.epoch(data.x_train, data.y_train, 3, 0.3, rate)
        _assert_same(stepped, network)
        assert history.history["loss"][0] == pytest.approx(network.loss(data.x_train, data.y_train), abs=TOLERANCE)
    assert network.count == 1  # one example's gradient is pending, as in the Playground
    if regularization == "l1":  # links died (in epochs 2 and 4) and stayed dead: the rule was exercised
        assert sum(mask.sum() for mask in network.dead) >= 2
        for mask, expected in zip(stepped.kit_playground_state.dead, network.dead):
            np.testing.assert_array_equal(mask, expected)
    train(whole, data, epochs=6, **options)  # the same six epochs in one compiled call
    _assert_same(whole, network)

    # Without the carry (model.fit's batching) the run differs: the test can tell them apart.
    fit_style, _ = _pair(seed=1)
    train(fit_style, data, epochs=6, **{**options, "batching": "fit"})
    assert max(np.abs(a - b).max() for a, b in zip(fit_style.get_weights(), whole.get_weights())) > 1e-4


def test_zero_initializer_is_the_playgrounds_init_zero():
    model = builders.build_mlp(2, [3, 2], initializer="zero")
    assert all(not np.any(w) for w in model.get_weights())
    # All units of a layer stay alike: the symmetry the option shows.
    train(model, _data(7), epochs=3, batch_size=3, verbose=0, **PLAIN)
    hidden = model.get_weights()[2]  # hidden_2's kernel, 3 × 2
    np.testing.assert_allclose(hidden[:, 0], hidden[:, 1], atol=1e-7)


@pytest.mark.parametrize("arguments, message", [
    ({"regularization": "l3"}, "'regularization' parameter"),
    ({"regularization": "l2", "regularization_rate": -1}, "'regularization_rate' parameter"),
    ({"regularization_rate": 0.1}, "regularization is None"),
    ({"batching": "playgrnd"}, "'batching' parameter"),
])
def test_the_new_options_are_checked(arguments, message):
    with pytest.raises(InvalidParameter, match=message):
        train(builders.build_mlp(2, [3]), _data(7), epochs=1, verbose=0, **PLAIN, **arguments)
