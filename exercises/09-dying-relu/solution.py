# %% [markdown]
# # Exercise 09: dying ReLU
#
# A ReLU unit whose pre-activation is negative for every input outputs 0 everywhere, and its
# gradient is 0 everywhere too: gradient descent can never move it again. It is **dead**. Too
# high a learning rate kills units: one large step pushes a unit's weights to where it is
# negative for every input, and it stays there.
#
# You write two functions (the grader calls each):
# - `dead_fraction(model, x)`: for each ReLU hidden layer, the share of its units that output
#   exactly 0 on every row of `x`;
# - `revive()`: the activation, initializer and learning rate that keep the grader's deep ReLU
#   network (6 × 8 on circle, Adam, 100 epochs) alive *and* learning.
#
# Replace each `raise NotImplementedError`, run this file to measure the baseline and your
# recipe once, then `kit check 09 starter.py` (README.md).

# %%
import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
import keras
import numpy as np


def dead_fraction(model, x):
    """Share of dead units in each ReLU hidden layer of ``model`` on the inputs ``x``.

    A unit is dead when its output (after the activation) is exactly 0 on every row of ``x``.

    Args:
        model: a Keras model of Dense layers (``kit.builders.build_mlp`` makes them: layers
            ``hidden_1 … hidden_k`` and ``output``).
        x: NumPy array of shape (n, n_inputs), the probe inputs.
    Returns:
        dict ``{layer name: float}`` with one entry per hidden Dense layer whose activation is
        ReLU (not the output layer, not layers with another activation such as leaky ReLU or
        tanh, which cannot die): the number of dead units of that layer divided by its width,
        e.g. ``{"hidden_1": 0.25, "hidden_2": 0.0}``.
    """
    # BEGIN SOLUTION: run x through the layers and count, per ReLU hidden layer, the units that are 0 on every row
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    fractions = {}
    h = np.asarray(x, dtype=np.float32)
    for layer in dense[:-1]:
        h = np.asarray(layer(h))
        if layer.activation is keras.activations.relu:
            fractions[layer.name] = float(np.mean(np.all(h == 0, axis=0)))
    return fractions
    # END SOLUTION


def revive():
    """How to train the grader's deep network so that its units stay alive and it learns.

    The grader's network: 2 inputs (x1, x2), 6 hidden layers of 8 units, one tanh output,
    trained on circle with Adam, batch 10, 100 epochs. Its baseline is
    ``{"activation": "relu", "kernel_initializer": "playground", "learning_rate": 0.1}``,
    which leaves about half of its units dead.

    Returns:
        dict ``{"activation": str, "kernel_initializer": str, "learning_rate": float}``: a kit
        activation name (``kit activations``: "relu", "leaky_relu", "elu" …), a kit initializer
        name ("playground", "glorot", "he" …) and Adam's learning rate.
    """
    # BEGIN SOLUTION: choose the activation, the initializer and the learning rate
    return {"activation": "leaky_relu", "kernel_initializer": "he", "learning_rate": 0.01}
    # END SOLUTION


# %%
if __name__ == "__main__":
    # Runs as a script: trains the grader's network once with the baseline and once with your
    # recipe (circle, seed 0) and prints the dead share your dead_fraction measures.
    from kit import builders, datasets
    from kit.training import train

    data = datasets.playground("circle", noise=0, seed=0)
    baseline = {"activation": "relu", "kernel_initializer": "playground", "learning_rate": 0.1}
    try:
        settings = {"baseline": baseline, "revive()": revive()}
        for label, chosen in settings.items():
            model = builders.build_mlp(2, [8] * 6, chosen["activation"], initializer=chosen["kernel_initializer"],
                                       seed=0)
            history = train(model, data, epochs=100, batch_size=10, optimizer="adam",
                            learning_rate=chosen["learning_rate"], seed=0, verbose=0)
            fractions = dead_fraction(model, data.x_train)
            print(f"{label}: test accuracy {history.history['val_accuracy'][-1]:.3f}, dead per ReLU layer "
                  + ", ".join(f"{name} {share:.2f}" for name, share in fractions.items()))
    except NotImplementedError as todo:
        print(todo)
