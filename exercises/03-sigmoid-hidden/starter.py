# %% [markdown]
# # Exercise 03: sigmoid hidden layers learn the circle
#
# A linear model draws one straight line, so it cannot separate the Playground's circle (a disc
# of one class inside a ring of the other) from x1 and x2. Put a *non-linear* activation on the
# hidden units and the network can bend its boundary round the disc. Here you use the sigmoid.
#
# Write two functions:
# - `build_model(n_inputs)`: a Keras network with sigmoid hidden layers and one tanh output unit,
#   within the Playground's limits (1 to 6 hidden layers of 1 to 8 units);
# - `recipe()`: how the grader should train it (optimizer, learning rate, epochs, batch size).
#
# The grader trains your *architecture* with your recipe itself, from the Playground's random
# initialisation, on several seeds and on data you never see. Check your work with
# `kit check 03 starter.py` (see README.md).

# %%
import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
import keras


def build_model(n_inputs):
    """A network for the Playground's circle: sigmoid hidden layers, one tanh output unit.

    Args:
        n_inputs: int, the number of input features (the grader passes 2: x1 and x2).
    Returns:
        keras.Model from a (batch, n_inputs) float32 input to a (batch, 1) output in (−1, 1):
        - 1 to 6 hidden ``keras.layers.Dense`` layers of 1 to 8 units, each with
          ``activation="sigmoid"``;
        - then ``keras.layers.Dense(1, activation="tanh")``: the Playground's output unit (labels ±1).
        Use ``keras.Input`` and ``Dense`` layers only (``Dropout`` is accepted too). The grader
        rebuilds this architecture and starts it from the Playground's initialisation, so the
        initializers you choose do not matter.
    """
    # TODO: build the network: sigmoid hidden layers, tanh output
    raise NotImplementedError('TODO: build the network: sigmoid hidden layers, tanh output')


def recipe():
    """How the grader trains your network (on the Playground's 250 training points).

    Returns:
        dict with exactly these keys:
        - ``"optimizer"``: ``"sgd"`` or ``"adam"``;
        - ``"learning_rate"``: a float in (0, 10];
        - ``"epochs"``: an int ≥ 1;
        - ``"batch_size"``: an int ≥ 1.
        One epoch takes ceil(250 / batch_size) optimizer steps; epochs × steps may not exceed
        100,000.
    """
    # TODO: choose the optimizer, learning rate, epochs and batch size
    raise NotImplementedError('TODO: choose the optimizer, learning rate, epochs and batch size')


# %%
if __name__ == "__main__":
    # Runs as a script: trains your architecture with your recipe as the grader does (from the
    # Playground's initialisation, seeds 0, 1, 2, on the public circle: a few seconds) and prints
    # the visible check's numbers.
    from kit import datasets
    from kit.grading.authoring.trials import train_as_graded

    try:
        model, chosen = build_model(2), recipe()
    except NotImplementedError as todo:
        print(todo)
    else:
        model.summary()
        runs = train_as_graded(model, datasets.playground("circle", noise=0, seed=0), chosen, seeds=[0, 1, 2])
        print(f"test losses {runs.listing('loss')}: median {runs.median('loss'):.3f} (the checks ask < 0.2); "
              f"test accuracies {runs.listing('accuracy')}: median {runs.median('accuracy'):.3f} (≥ 0.9)")
