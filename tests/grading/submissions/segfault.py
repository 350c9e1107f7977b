# affects: sigmoid
# message: crashed
import ctypes


def sigmoid(x):
    return ctypes.string_at(0)
