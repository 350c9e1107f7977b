# %% [markdown]
# # Exercise 08: vanishing gradients
#
# Backpropagation multiplies, layer by layer, by the slope of each activation. A sigmoid's
# slope is at most 0.25, so in a deep sigmoid network the gradient reaching the first layers is
# a product of many numbers below 0.25: it **vanishes**, and those layers hardly learn. tanh
# (slope up to 1) and ReLU (slope 1 where active) pass the gradient on far better.
#
# You write two functions (the grader calls each):
# - `gradient_norms(model, x, y)`: the L2 norm of the gradient of the Playground loss
#   ½·mean (ŷ − y)² with respect to each Dense layer's kernel, keyed by layer name;
# - `log_gradients(model, x, y, logdir)`: train the model for 20 epochs with the kit's
#   `Diagnostics` callback writing into `logdir`, so that TensorBoard (`kit board logdir`)
#   shows the gradient histograms and norms of every layer.
#
# Replace each `raise NotImplementedError`, run this file to compare a deep sigmoid network
# with a deep ReLU one, then `kit check 08 starter.py` (README.md).

# %%
import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
import keras
import numpy as np
import tensorflow as tf

from kit import builders
from kit.tensorboard import Diagnostics


def gradient_norms(model, x, y):
    """L2 norm of the Playground loss's gradient with respect to each Dense layer's kernel.

    The Playground loss is ``mean over the rows of ½·(ŷ − y)²``, where ``ŷ = model(x)`` (shape
    (n, 1), a tanh output) and ``y`` the ±1 labels. Only the kernels count (the weight matrices,
    ``layer.kernel``), not the biases; each layer gets its own norm.

    Args:
        model: a Keras model of Dense layers (``kit.builders.build_mlp`` makes them: layers
            ``hidden_1 … hidden_k`` and ``output``).
        x: NumPy array of shape (n, n_inputs), the inputs.
        y: NumPy array of shape (n,), the labels (−1 or +1).
    Returns:
        dict ``{layer name: float}``, one entry per Dense layer including the output layer,
        e.g. ``{"hidden_1": 3e-05, "hidden_2": 0.002, "output": 0.27}``.
    """
    # BEGIN SOLUTION: differentiate ½·mean (ŷ − y)² w.r.t. every Dense kernel; one L2 norm per layer
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    inputs = tf.constant(np.asarray(x, dtype=np.float32))
    labels = tf.reshape(tf.constant(np.asarray(y, dtype=np.float32)), (-1, 1))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(0.5 * tf.square(model(inputs, training=False) - labels))
    gradients = tape.gradient(loss, [layer.kernel for layer in dense])
    return {layer.name: float(tf.norm(gradient)) for layer, gradient in zip(dense, gradients)}
    # END SOLUTION


def log_gradients(model, x, y, logdir):
    """Train ``model`` in place for 20 epochs on ``(x, y)`` with ``Diagnostics`` logging into ``logdir``.

    Use the kit's callback, ``kit.tensorboard.Diagnostics(logdir, probe=(x, y), every=…)``, with
    the whole ``(x, y)`` as its probe: it writes, per Dense layer, the ``grad_norm/<layer>``
    scalars and the ``kernel_gradient/<layer>`` histograms at step 0 (the network as given) and
    after the last epoch (and every ``every`` epochs between). Train the model you are given
    (not a copy), with the Playground loss (``kit.builders.compile_model`` sets it), for exactly
    20 epochs; the optimizer, learning rate and batch size are yours.

    Args:
        model: a Keras model of Dense layers with a tanh output.
        x: NumPy array of shape (n, n_inputs); y: NumPy array of shape (n,), labels ±1.
        logdir: the folder to write into (a string).
    Returns:
        None.
    """
    # BEGIN SOLUTION: compile with the Playground loss; fit 20 epochs with Diagnostics(logdir, probe=(x, y))
    builders.compile_model(model, "sgd", 0.03)
    model.fit(x, y, epochs=20, batch_size=10, verbose=0, callbacks=[Diagnostics(logdir, probe=(x, y), every=5)])
    # END SOLUTION


# %%
if __name__ == "__main__":
    # Runs as a script: the gradient norms of a deep sigmoid and a deep ReLU network on circle,
    # then one logged training run to open with `kit board runs/08`.
    from kit import datasets

    data = datasets.playground("circle", noise=0, seed=0)
    x, y = data.x_train[:100], data.y_train[:100]
    try:
        for activation in ("sigmoid", "relu"):
            norms = gradient_norms(builders.build_mlp(2, [8] * 10, activation, seed=0), x, y)
            print(f"10 × 8 {activation}: first/last = {norms['hidden_1'] / norms['output']:.2g}; "
                  + ", ".join(f"{name} {norm:.2g}" for name, norm in norms.items()))
        log_gradients(builders.build_mlp(2, [8] * 6, "sigmoid", seed=0), x, y, "runs/08")
        print("Logged a 6 × 8 sigmoid run: kit board runs/08")
    except NotImplementedError as todo:
        print(todo)
