# %% [markdown]
# # Exercise 04: activation functions and their derivatives (reference solution)
#
# Every function takes a NumPy array `x` (float32 or float64, any shape) and returns a new
# array of the same shape and dtype. Stable for |x| up to 1e4: no overflow warning, NaN or Inf.

# %%
import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^−x), computed with e^−|x| so that exp never overflows."""
    x = np.asarray(x)
    z = np.exp(-np.abs(x))  # in (0, 1]: no overflow for any x
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def sigmoid_grad(x):
    """σ'(x) = σ(x)·(1 − σ(x)); at most 0.25, at x = 0."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    """tanh(x) = (e^x − e^−x) / (e^x + e^−x); NumPy's np.tanh is stable."""
    return np.tanh(x)


def tanh_grad(x):
    """tanh'(x) = 1 − tanh²(x)."""
    t = np.tanh(x)
    return 1 - t * t


def relu(x):
    """max(0, x)."""
    x = np.asarray(x)
    return np.maximum(x, np.zeros((), dtype=x.dtype))


def relu_grad(x):
    """1 for x > 0, else 0 (the convention at 0 of TensorFlow and the Playground)."""
    x = np.asarray(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x, alpha=0.01):
    """x for x > 0, alpha·x otherwise."""
    x = np.asarray(x)
    return np.where(x > 0, x, x * np.asarray(alpha, dtype=x.dtype)).astype(x.dtype, copy=False)


def leaky_relu_grad(x, alpha=0.01):
    """1 for x > 0, alpha otherwise."""
    x = np.asarray(x)
    return np.where(x > 0, np.ones((), x.dtype), np.asarray(alpha, dtype=x.dtype)).astype(x.dtype, copy=False)


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(e^x − 1) otherwise; exp of min(x, 0) only, so it never overflows."""
    x = np.asarray(x)
    negative = np.asarray(alpha, dtype=x.dtype) * np.expm1(np.minimum(x, 0))
    return np.where(x > 0, x, negative).astype(x.dtype, copy=False)


def elu_grad(x, alpha=1.0):
    """1 for x > 0, alpha·e^x otherwise."""
    x = np.asarray(x)
    negative = np.asarray(alpha, dtype=x.dtype) * np.exp(np.minimum(x, 0))
    return np.where(x > 0, np.ones((), x.dtype), negative).astype(x.dtype, copy=False)


# %%
if __name__ == "__main__":
    grid = np.linspace(-3, 3, 7)
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu"):
        print(f"{name:>10}: {np.round(globals()[name](grid), 3)}")
        print(f"{name + '_grad':>10}: {np.round(globals()[name + '_grad'](grid), 3)}")
