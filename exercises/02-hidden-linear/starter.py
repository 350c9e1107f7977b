# %% [markdown]
# # Exercise 02: hidden layers without activation collapse
#
# Stack Dense layers with linear activation and the network still computes one affine map:
# x·W1 + b1, then ·W2 + b2, … is x·W + b with W = W1·W2···Wk. Depth adds weights, not power.
# Build such a network, then compute the single (W, b) it equals.
#
# Write the two functions below, then check your work with `kit check 02 starter.py` (see
# README.md).

# %%
import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
import keras
import numpy as np


def build_deep_linear(n_inputs, hidden):
    """The Playground's network with every hidden activation linear.

    Args:
        n_inputs: int, the number of input features.
        hidden: list of int, one width per hidden layer, e.g. [8, 8] (may be empty).
    Returns:
        keras.Model from ``keras.Input(shape=(n_inputs,))`` through one Dense layer per entry of
        ``hidden`` (that many units, activation "linear", with bias) to one Dense output unit with
        activation "tanh" (the Playground's classification head). Input (batch, n_inputs),
        output (batch, 1).

    Example:
        >>> [layer.units for layer in build_deep_linear(2, [8, 8]).layers[1:]]
        [8, 8, 1]
    """
    # TODO: linear hidden layers, then one tanh unit
    raise NotImplementedError('TODO: linear hidden layers, then one tanh unit')


def collapse(weights):
    """The one affine map a stack of affine layers computes.

    Args:
        weights: list [W1, b1, W2, b2, …, Wk, bk] of np.ndarray in Keras layout (what
            ``model.get_weights()`` returns): kernel Wi of shape (n_{i−1}, n_i), bias bi of shape
            (n_i,), with n_0 the number of inputs. k ≥ 1.
    Returns:
        (W, b): np.ndarray of shapes (n_0, n_k) and (n_k,), in the weights' dtype, such that
        ``x @ W + b`` equals ``(…((x @ W1 + b1) @ W2 + b2)…) @ Wk + bk`` for every x.

    Example:
        >>> W, b = collapse([np.eye(2), np.ones(2), 2 * np.eye(2), np.zeros(2)])
        >>> W, b
        (array([[2., 0.],
               [0., 2.]]), array([2., 2.]))
    """
    # TODO: fold the layers into one (W, b)
    raise NotImplementedError('TODO: fold the layers into one (W, b)')


# %%
if __name__ == "__main__":
    # Runs as a script: builds a deep linear network and compares it with its collapse.
    x = np.random.default_rng(0).uniform(-6, 6, (5, 2)).astype(np.float32)
    try:
        model = build_deep_linear(2, [8, 8])
        stack = model.get_weights()
        print(f"build_deep_linear(2, [8, 8]): {model.count_params()} weights in {len(stack) // 2} Dense layers")
    except NotImplementedError as todo:
        model = None
        stack = [np.eye(2), np.ones(2), 2 * np.eye(2), np.zeros(2)]  # a small stack to try collapse on
        print(f"build_deep_linear: {todo}")
    try:
        kernel, offset = collapse(stack)
        print(f"collapse: W of shape {np.shape(kernel)}, b of shape {np.shape(offset)}")
        layer_by_layer = x
        for layer_kernel, layer_bias in zip(stack[0::2], stack[1::2]):
            layer_by_layer = layer_by_layer @ layer_kernel + layer_bias
        gap = np.max(np.abs(layer_by_layer - (x @ kernel + offset)))
        print(f"max |layer by layer − (x·W + b)| on 5 points: {gap:.2e}")
        if model is not None:
            gap = np.max(np.abs(np.asarray(model(x)) - np.tanh(x @ kernel + offset)))
            print(f"max |network(x) − tanh(x·W + b)| on 5 points: {gap:.2e}")
    except NotImplementedError as todo:
        print(f"collapse: {todo}")
