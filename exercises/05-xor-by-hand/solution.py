# %% [markdown]
# # Exercise 05: XOR by hand
#
# No training here: you choose every weight yourself, so that you see *why* one hidden layer
# is enough for XOR.
#
# 1. `step_xor_weights()`: a network of step units H(z) = 1 if z > 0 else 0, two hidden units
#    and one output unit, that computes the XOR truth table on the bits 0 and 1.
# 2. `relu_xor_weights()`: three ReLU hidden units and a linear output whose *sign* classifies
#    the Playground's xor data (+1 where x1·x2 ≥ 0, −1 elsewhere).
#
# Both return a dict of NumPy arrays in Keras's layout: the hidden layer computes
# `x @ W1 + b1` for a row `x` of inputs (so `W1` has one row per input and one column per hidden
# unit), the output `h @ W2 + b2`. Replace each `raise NotImplementedError` by your weights,
# run this file to see what your networks compute, then `kit check 05 starter.py` (README.md).

# %%
import numpy as np


def step(z):
    """The step (Heaviside) unit: 1 where z > 0, else 0 (so step(0) = 0)."""
    return (np.asarray(z) > 0).astype(np.float64)


def relu(z):
    """max(0, z), element-wise."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def step_xor_weights():
    """Weights of a 2-2-1 network of step units that computes XOR on the bits 0 and 1.

    The network is ``step(step(x @ W1 + b1) @ W2 + b2)`` with ``step(z) = 1 if z > 0 else 0``
    on both layers; for the four rows x = (0, 0), (0, 1), (1, 0), (1, 1) it must output
    0, 1, 1, 0.

    Returns:
        dict with float arrays ``"W1"`` of shape (2, 2) (inputs × hidden units), ``"b1"`` (2,),
        ``"W2"`` (2, 1) and ``"b2"`` (1,).
    """
    # BEGIN SOLUTION: choose two hidden half-planes (hint: OR and NAND) and an output unit that combines them
    # Hidden unit 1 is OR: it fires once a + b > 0.5; unit 2 is NAND: it fires while a + b < 1.5.
    # The output is their AND: it fires only when both do (1 + 1 − 1.5 > 0), i.e. on (0, 1) and (1, 0).
    # Thresholds sit halfway between the sums 0, 1 and 2, so no pre-activation is ever exactly 0.
    return {
        "W1": np.array([[1.0, -1.0],
                        [1.0, -1.0]]),
        "b1": np.array([-0.5, 1.5]),
        "W2": np.array([[1.0],
                        [1.0]]),
        "b2": np.array([-1.5]),
    }
    # END SOLUTION


def relu_xor_weights():
    """Weights of a 2-3-1 network, ReLU hidden and linear output, whose sign classifies xor.

    The network is ``relu(x @ W1 + b1) @ W2 + b2`` for Playground points x = (x1, x2); its
    output must be positive where x1·x2 > 0 (the Playground's blue, +1) and negative where
    x1·x2 < 0 (orange, −1), on the Playground's xor data: x1 and x2 in [−5.3, −0.3] ∪ [0.3, 5.3].

    Returns:
        dict with float arrays ``"W1"`` of shape (2, 3), ``"b1"`` (3,), ``"W2"`` (3, 1) and
        ``"b2"`` (1,).
    """
    # BEGIN SOLUTION: choose three ReLU half-planes and an output that adds them into XOR's sign pattern
    # Units: relu(x2) (the upper half-plane), relu(−x1) (the left one) and relu(x2 − x1) (above the
    # diagonal). relu(x2) + relu(−x1) − relu(x2 − x1) is min(|x1|, |x2|) in quadrants I and III
    # and exactly 0 in II and IV; the bias −0.15 (less than the 0.3 gap around the axes) makes
    # II and IV negative while keeping I and III positive.
    return {
        "W1": np.array([[0.0, -1.0, -1.0],
                        [1.0, 0.0, 1.0]]),
        "b1": np.zeros(3),
        "W2": np.array([[1.0],
                        [1.0],
                        [-1.0]]),
        "b2": np.array([-0.15]),
    }
    # END SOLUTION


# %%
if __name__ == "__main__":
    # Runs as a script: prints what your two networks compute.
    bits = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    try:
        w = step_xor_weights()
        hidden = step(bits @ w["W1"] + w["b1"])
        output = step(hidden @ w["W2"] + w["b2"])[:, 0]
        for x, h, y in zip(bits.astype(int), hidden.astype(int), output.astype(int)):
            print(f"step network: x = {tuple(x)}  hidden = {tuple(h)}  output = {y}  (XOR: {x[0] ^ x[1]})")
    except NotImplementedError as todo:
        print(f"step_xor_weights: {todo}")
    try:
        w = relu_xor_weights()
        points = np.array([[3.0, 2.0], [-3.0, 2.0], [-3.0, -2.0], [3.0, -2.0], [0.4, 5.0], [-0.4, 5.0]])
        output = (relu(points @ w["W1"] + w["b1"]) @ w["W2"] + w["b2"])[:, 0]
        for x, y in zip(points, output):
            print(f"relu network: x = ({x[0]:+.1f}, {x[1]:+.1f})  output = {y:+.3f}  "
                  f"(label {'+1' if x[0] * x[1] >= 0 else '-1'})")
    except NotImplementedError as todo:
        print(f"relu_xor_weights: {todo}")
