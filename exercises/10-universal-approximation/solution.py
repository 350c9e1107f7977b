# %% [markdown]
# # Exercise 10: universal approximation, by construction
#
# One hidden layer of ReLU units can draw any piecewise-linear curve: each unit adds one kink.
# Here you build, without any training, the network that equals the piecewise-linear
# interpolant through given knots (x_0, y_0), …, (x_{n−1}, y_{n−1}): the straight segments that
# join them in order of x. More knots, smaller error: with 17 knots of sin on [−π, π] the
# curve is within 0.02 of sin everywhere, and nothing stops you from taking more.
#
# `relu_interpolant(knots_x, knots_y)` returns the weights of
#
#     f(x) = relu(x @ W1 + b1) @ W2 + b2        for a column x of inputs, shape (m, 1)
#
# as a dict of float64 NumPy arrays in Keras's layout: `W1` (1, h), `b1` (h,), `W2` (h, 1),
# `b2` (1,), with at most one hidden unit per knot (h ≤ n). Replace the
# `raise NotImplementedError`, run this file to see your network's error on sin, then
# `kit check 10 starter.py` (README.md).

# %%
import numpy as np


def relu(z):
    """max(0, z), element-wise, in float64."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def network(weights, x):
    """The output of the network ``weights`` at the points ``x`` (1-D), as a 1-D float64 array."""
    column = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    return (relu(column @ weights["W1"] + weights["b1"]) @ weights["W2"] + weights["b2"])[:, 0]


def relu_interpolant(knots_x, knots_y):
    """A one-hidden-layer ReLU network equal to the piecewise-linear interpolant through the knots.

    Args:
        knots_x: 1-D float array of n ≥ 2 distinct x positions, in any order.
        knots_y: 1-D float array of the n values, ``knots_y[i]`` at ``knots_x[i]``.
    Returns:
        dict of float64 arrays ``{"W1": (1, h), "b1": (h,), "W2": (h, 1), "b2": (1,)}`` with
        1 ≤ h ≤ n, such that ``relu(x @ W1 + b1) @ W2 + b2`` equals the straight line through
        each pair of neighbouring knots (neighbours in order of x) for every x between the
        smallest and the largest knot; in particular it passes through every knot (to 1e-6
        relative). Outside the knots' range it may do anything.
    """
    # BEGIN SOLUTION: sort the knots, then one unit per segment: a kink at its left knot that adds the change of slope
    order = np.argsort(knots_x)
    x = np.asarray(knots_x, dtype=np.float64)[order]
    y = np.asarray(knots_y, dtype=np.float64)[order]
    slopes = np.diff(y) / np.diff(x)                      # slope of each of the n − 1 segments
    changes = np.diff(slopes, prepend=0.0)                # what each unit adds to the slope at its knot
    # Unit j is relu(x − x_j): 0 left of knot j, then rising with slope 1. Weighted by the change of
    # slope there, the sum bends exactly at the knots; b2 is the value at the first knot.
    return {
        "W1": np.ones((1, len(changes))),
        "b1": -x[:-1],
        "W2": changes.reshape(-1, 1),
        "b2": y[:1].copy(),
    }
    # END SOLUTION


# %%
if __name__ == "__main__":
    # Runs as a script: builds the network for sin and a small example, and reports its errors.
    examples = {
        "17 knots of sin on [−π, π]": (np.linspace(-np.pi, np.pi, 17), np.sin),
        "5 knots, x = −2, −1, 0, 1.5, 3": (np.array([-2.0, -1.0, 0.0, 1.5, 3.0]),
                                          dict(zip([-2.0, -1.0, 0.0, 1.5, 3.0], [1.0, -1.0, 0.5, 2.0, 2.0])))}
    for name, (knots_x, values) in examples.items():
        knots_y = values(knots_x) if callable(values) else np.array([values[x] for x in knots_x])
        try:
            weights = relu_interpolant(knots_x, knots_y)
        except NotImplementedError as todo:
            print(f"relu_interpolant: {todo}")
            break
        between = np.linspace(knots_x.min(), knots_x.max(), 2001)
        at_knots = np.max(np.abs(network(weights, knots_x) - knots_y))
        interpolant = np.max(np.abs(network(weights, between) - np.interp(between, knots_x, knots_y)))
        print(f"{name}: h = {weights['W1'].shape[1]} hidden units; max error at the knots {at_knots:.2e}, "
              f"from the interpolant between them {interpolant:.2e}")
        if callable(values):
            print(f"  max error from sin on [−π, π]: {np.max(np.abs(network(weights, between) - np.sin(between))):.4f}"
                  " (the checks ask ≤ 0.02)")
