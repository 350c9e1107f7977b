# %% [markdown]
# # Exercise 04: activation functions and their derivatives
#
# Write each activation and its derivative in NumPy. Backpropagation multiplies one derivative
# per layer, so these few lines decide whether a deep network can learn at all.
#
# Rules for every function (the checks test each one):
# - `x` is a NumPy array of dtype float32 or float64 and any shape;
# - return a new `np.ndarray` with the same shape and the same dtype as `x`;
# - no overflow warning, NaN or Inf for |x| up to 1e4 (`np.exp(1000)` overflows!);
# - write them yourself, with NumPy (and `math`): a file that imports `kit`, `keras`,
#   `tensorflow`, `scipy.special`, `torch` or `jax` scores 0 (`import kit` alone, for
#   `kit.check("04")`, is fine).
#
# Replace each `raise NotImplementedError` by your code, then check your work with
# `kit check 04 starter.py` (see README.md).

# %%
import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^−x), in (0, 1).

    Args:
        x: np.ndarray, float32 or float64, any shape.
    Returns:
        np.ndarray, same shape and dtype as x. Must not overflow for x = −1000.
    """
    # TODO: compute σ without evaluating e^−x for very negative x (hint: e^−|x| is always ≤ 1)
    raise NotImplementedError('TODO: compute σ without evaluating e^−x for very negative x (hint: e^−|x| is always ≤ 1)')


def sigmoid_grad(x):
    """σ'(x) = σ(x)·(1 − σ(x)); its largest value is 0.25, at x = 0.

    Args:
        x: np.ndarray, float32 or float64, any shape.
    Returns:
        np.ndarray, same shape and dtype as x.
    """
    # TODO: implement sigmoid_grad (you may call sigmoid)
    raise NotImplementedError('TODO: implement sigmoid_grad (you may call sigmoid)')


def tanh(x):
    """tanh(x) = (e^x − e^−x) / (e^x + e^−x), in (−1, 1), zero-centred.

    Args:
        x: np.ndarray, float32 or float64, any shape.
    Returns:
        np.ndarray, same shape and dtype as x.
    """
    # TODO: implement tanh (NumPy's np.tanh is stable)
    raise NotImplementedError("TODO: implement tanh (NumPy's np.tanh is stable)")


def tanh_grad(x):
    """tanh'(x) = 1 − tanh²(x).

    Args:
        x: np.ndarray, float32 or float64, any shape.
    Returns:
        np.ndarray, same shape and dtype as x.
    """
    # TODO: implement tanh_grad
    raise NotImplementedError('TODO: implement tanh_grad')


def relu(x):
    """relu(x) = max(0, x).

    Args:
        x: np.ndarray, float32 or float64, any shape.
    Returns:
        np.ndarray, same shape and dtype as x.
    """
    # TODO: implement relu
    raise NotImplementedError('TODO: implement relu')


def relu_grad(x):
    """relu'(x) = 1 for x > 0, 0 for x < 0, and 0 at x = 0 (TensorFlow's and the Playground's convention).

    Args:
        x: np.ndarray, float32 or float64, any shape.
    Returns:
        np.ndarray of 0s and 1s, same shape and dtype as x.
    """
    # TODO: implement relu_grad
    raise NotImplementedError('TODO: implement relu_grad')


def leaky_relu(x, alpha=0.01):
    """x for x > 0, alpha·x otherwise.

    Args:
        x: np.ndarray, float32 or float64, any shape.
        alpha: the slope for x ≤ 0 (a Python float).
    Returns:
        np.ndarray, same shape and dtype as x.
    """
    # TODO: implement leaky_relu
    raise NotImplementedError('TODO: implement leaky_relu')


def leaky_relu_grad(x, alpha=0.01):
    """1 for x > 0, alpha for x < 0 (either at 0: it is not graded there).

    Args:
        x: np.ndarray, float32 or float64, any shape.
        alpha: the slope for x ≤ 0.
    Returns:
        np.ndarray, same shape and dtype as x.
    """
    # TODO: implement leaky_relu_grad
    raise NotImplementedError('TODO: implement leaky_relu_grad')


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(e^x − 1) otherwise.

    Args:
        x: np.ndarray, float32 or float64, any shape.
        alpha: the scale of the negative part.
    Returns:
        np.ndarray, same shape and dtype as x. Must not overflow for x = 1000 (np.where
        computes both branches!).
    """
    # TODO: implement elu without overflow (np.where evaluates both branches: clip first)
    raise NotImplementedError('TODO: implement elu without overflow (np.where evaluates both branches: clip first)')


def elu_grad(x, alpha=1.0):
    """1 for x > 0, alpha·e^x for x < 0 (either at 0: it is not graded there).

    Args:
        x: np.ndarray, float32 or float64, any shape.
        alpha: the scale of the negative part.
    Returns:
        np.ndarray, same shape and dtype as x.
    """
    # TODO: implement elu_grad
    raise NotImplementedError('TODO: implement elu_grad')


# %%
if __name__ == "__main__":
    # Runs as a script: prints what is done so far.
    grid = np.linspace(-3, 3, 7)
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu"):
        for function in (name, name + "_grad"):
            try:
                print(f"{function:>16}: {np.round(globals()[function](grid), 3)}")
            except NotImplementedError as todo:
                print(f"{function:>16}: {todo}")
