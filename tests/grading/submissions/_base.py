# A correct exercise-04 submission in which every function stands alone, so that a corpus file can
# replace one function (appended after this text) without touching the others.
import numpy as np


def _stable_sigmoid(x):
    x = np.asarray(x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def sigmoid(x):
    return _stable_sigmoid(x)


def sigmoid_grad(x):
    s = _stable_sigmoid(x)
    return s * (1 - s)


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    t = np.tanh(x)
    return 1 - t * t


def relu(x):
    x = np.asarray(x)
    return np.maximum(x, np.zeros((), x.dtype))


def relu_grad(x):
    x = np.asarray(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x, alpha=0.01):
    x = np.asarray(x)
    return np.where(x > 0, x, x * np.asarray(alpha, x.dtype)).astype(x.dtype, copy=False)


def leaky_relu_grad(x, alpha=0.01):
    x = np.asarray(x)
    return np.where(x > 0, np.ones((), x.dtype), np.asarray(alpha, x.dtype)).astype(x.dtype, copy=False)


def elu(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x > 0, x, np.asarray(alpha, x.dtype) * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


def elu_grad(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x > 0, np.ones((), x.dtype),
                    np.asarray(alpha, x.dtype) * np.exp(np.minimum(x, 0))).astype(x.dtype, copy=False)
