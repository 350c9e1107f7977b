"""The trainer's per-epoch shuffle, and the same orders for many seeds and epochs at once.

``kit.training.train`` shuffles the training split each epoch by :func:`epoch_order`: the
argsort of ``tf.random.stateless_uniform([n], [seed, epoch])`` inside its XLA-compiled epoch
(``tf.random.experimental.stateless_shuffle`` does not compile under XLA).

``kit.training.train_many`` needs those orders for K seeds every epoch. Computing them inside
its compiled loop costs more than the training: XLA's stateless RNG runs once per seed, and its
CPU sort takes ~130 ns an element (≈ 1.6 ms an epoch for 48 seeds of 250 rows, measured). So
:func:`orders` computes a block of epochs for all seeds in one vectorised NumPy pass, before
the compiled call, bitwise equal to :func:`epoch_order` under XLA on CPU
(``tests/test_shuffle.py`` checks it): XLA's Philox-4x32-10 stream for that seed
(``xla/hlo/builder/lib/prng.cc``: the seed pair scrambled into a key and counter by ten Philox
rounds, then one 128-bit block per four values), the float's 23 random mantissa bits, and a
stable argsort (ties keep the lower index first, as XLA's sort in ``tf.argsort`` does).

Without XLA (a plain ``tf.function``), TensorFlow's own kernel derives another stream from the
same seed; ``train`` runs that way only for models XLA cannot compile, which ``train_many``
does not accept.

Example:
    >>> order = orders(seeds=[0, 1], epochs=[0, 1, 2], n=5)
    >>> order.shape, sorted(order[2, 1].tolist())
    ((3, 2, 5), [0, 1, 2, 3, 4])
"""

from __future__ import annotations

import numpy as np

_U64 = np.uint64
_LOW = _U64(0xFFFFFFFF)
_SHIFT = _U64(32)
_MULTIPLIERS = (_U64(0xD2511F53), _U64(0xCD9E8D57))  # Philox-4x32's round multipliers
_WEYL = (0x9E3779B9, 0xBB67AE85)  # added to the key after each round
_ROUNDS = 10
_ROUND_KEYS = tuple((_U64((_WEYL[0] * r) & 0xFFFFFFFF), _U64((_WEYL[1] * r) & 0xFFFFFFFF)) for r in range(_ROUNDS))
_SCRAMBLE_KEY = (_U64(0x3EC8F720), _U64(0x02461E29))  # XLA's ScramblePhiloxKey
_MANTISSA_SHIFT = _U64(32 - 23)  # a float32 in [0, 1) from a word's top 23 bits


def epoch_order(n: int, seed, epoch):
    """The order ``train`` visits the ``n`` training rows in at ``epoch`` (traced TensorFlow code).

    Example:
        >>> import tensorflow as tf
        >>> sorted(epoch_order(4, tf.constant(0), tf.constant(3)).numpy().tolist())
        [0, 1, 2, 3]
    """
    import tensorflow as tf

    return tf.argsort(tf.random.stateless_uniform([n], tf.stack([seed, epoch])))


def _philox(x0, x1, x2, x3, key0, key1):
    """Philox-4x32-10 on 32-bit words held in uint64 arrays (so a product keeps its high half)."""
    for round_key0, round_key1 in _ROUND_KEYS:
        k0, k1 = (key0 + round_key0) & _LOW, (key1 + round_key1) & _LOW
        p0, p1 = x0 * _MULTIPLIERS[0], x2 * _MULTIPLIERS[1]
        x0, x1, x2, x3 = (p1 >> _SHIFT) ^ x1 ^ k0, p1 & _LOW, (p0 >> _SHIFT) ^ x3 ^ k1, p0 & _LOW
    return x0, x1, x2, x3


def _words(values) -> np.ndarray:
    """int32 seeds or epochs as the uint32 words XLA reads them as (two's complement)."""
    return (np.asarray(values, np.int64) & 0xFFFFFFFF).astype(_U64)


def noise(seeds, epochs, n: int) -> np.ndarray:
    """``stateless_uniform([n], [seed, epoch])`` under XLA × 2²³ (its exact integer values), as
    uint64 (epochs, seeds, n).

    Example:
        >>> int(noise([0], [0], 3).max()) < 2 ** 23
        True
    """
    seed_words, epoch_words = np.broadcast_arrays(_words(seeds)[None, :], _words(epochs)[:, None])
    zero = np.zeros(seed_words.shape, _U64)
    # The seed pair [seed, epoch] is the 64-bit key seed | epoch << 32, scrambled into a Philox
    # key (c0, c1) and the high half of the counter (c2, c3); the low half counts 128-bit blocks.
    c0, c1, c2, c3 = _philox(seed_words, zero, epoch_words, zero, *_SCRAMBLE_KEY)
    blocks = -(-n // 4)
    index = np.arange(blocks, dtype=_U64)
    bits = _philox(index & _LOW, index >> _SHIFT, c2[..., None], c3[..., None], c0[..., None], c1[..., None])
    bits = np.stack(bits, axis=-1).reshape(seed_words.shape + (4 * blocks,))[..., :n]
    return bits >> _MANTISSA_SHIFT


def orders(seeds, epochs, n: int) -> np.ndarray:
    """``epoch_order(n, seed, epoch)`` for every epoch and seed: an int32 array (epochs, seeds, n).

    Args:
        seeds: shuffle seeds (int32 values, as ``train``'s ``seed``).
        epochs: epoch numbers (0-based, as ``train`` counts them).
        n: rows of the training split.

    Example:
        >>> orders([7], [0], 6)[0, 0].tolist() == sorted(orders([7], [0], 6)[0, 0].tolist())
        False
    """
    # Sort keys: the noise above the row index, so one unstable integer sort of unique keys gives
    # the stable argsort of the noise (2-3x faster than np.argsort(kind="stable"), measured).
    keys = (noise(seeds, epochs, n) << _SHIFT) | np.arange(n, dtype=_U64)
    keys.sort(axis=-1)
    return (keys & _LOW).astype(np.int32)
