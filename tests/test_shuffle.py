"""kit.training.shuffle.orders: bitwise the orders kit.training.train's compiled epoch uses."""

import numpy as np
import pytest
import tensorflow as tf

from kit.training import shuffle

SEEDS = [0, 1, 5, 12345, 2**31 - 1, -1, -7]
EPOCHS = [0, 1, 99, 4096, 2**31 - 1]


def _xla_order(n):
    return tf.function(lambda seed, epoch: shuffle.epoch_order(n, seed, epoch), jit_compile=True)


@pytest.mark.parametrize("n", [1, 3, 4, 5, 250, 1001])
def test_orders_equal_the_compiled_trainers_bitwise(n):
    compiled = _xla_order(n)
    got = shuffle.orders(SEEDS, EPOCHS, n)
    assert got.shape == (len(EPOCHS), len(SEEDS), n) and got.dtype == np.int32
    for row, epoch in enumerate(EPOCHS):
        for column, seed in enumerate(SEEDS):
            want = compiled(tf.constant(seed, tf.int32), tf.constant(epoch, tf.int32)).numpy()
            np.testing.assert_array_equal(got[row, column], want, err_msg=f"seed {seed}, epoch {epoch}")


def test_noise_equals_xlas_uniform_bitwise():
    uniform = tf.function(lambda seed, epoch: tf.random.stateless_uniform([250], tf.stack([seed, epoch])),
                          jit_compile=True)
    got = shuffle.noise(SEEDS, EPOCHS, 250).astype(np.float32) * np.float32(2.0**-23)
    for row, epoch in enumerate(EPOCHS):
        for column, seed in enumerate(SEEDS):
            want = uniform(tf.constant(seed, tf.int32), tf.constant(epoch, tf.int32)).numpy()
            assert got[row, column].tobytes() == want.tobytes(), (seed, epoch)


def test_tied_noise_orders_like_the_compiled_trainer():
    # Float32 noise has 2^23 values, so two of 250 rows tie in ~0.4% of epochs; find such epochs
    # and check that ties are broken the compiled trainer's way (lower row first).
    n, seed = 250, 3
    values = shuffle.noise([seed], range(3000), n)[:, 0]
    tied = [epoch for epoch in range(3000) if len(np.unique(values[epoch])) < n][:3]
    assert tied, "no tied epoch found; widen the search"
    compiled = _xla_order(n)
    for epoch in tied:
        want = compiled(tf.constant(seed), tf.constant(epoch)).numpy()
        np.testing.assert_array_equal(shuffle.orders([seed], [epoch], n)[0, 0], want)
