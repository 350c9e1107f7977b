# %% [markdown]
# # Exercise 06: the smallest ReLU network that learns XOR reliably
#
# XOR's four quadrants cannot be split by one straight line. A ReLU unit draws one half-plane
# (it is 0 on one side of a line and grows linearly on the other); a tanh output unit adds up
# the units' outputs. Three half-planes are enough to carve out XOR (exercise 05 does it by
# hand), but gradient descent from random weights does not always find them.
#
# Write two functions:
# - `build_model(n_inputs)`: a Keras network with ReLU hidden layers and one tanh output unit,
#   within the Playground's limits (1 to 6 hidden layers of 1 to 8 units);
# - `recipe()`: how the grader should train it (optimizer, learning rate, epochs, batch size).
#
# The grader trains your *architecture* with your recipe five times, from five random
# initialisations, and asks for the course's target test loss (≤ 0.177) in at least four of
# them. Check your work with `kit check 06 starter.py` (see README.md).

# %%
import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
import keras


def build_model(n_inputs):
    """A network for the Playground's XOR: ReLU hidden layers, one tanh output unit.

    Args:
        n_inputs: int, the number of input features (the grader passes 2: x1 and x2).
    Returns:
        keras.Model from a (batch, n_inputs) float32 input to a (batch, 1) output in (−1, 1):
        - 1 to 6 hidden ``keras.layers.Dense`` layers of 1 to 8 units, each with
          ``activation="relu"``;
        - then ``keras.layers.Dense(1, activation="tanh")``: the Playground's output unit (labels ±1).
        Use ``keras.Input`` and ``Dense`` layers only (``Dropout`` is accepted too). The grader
        rebuilds this architecture and starts it from the Playground's initialisation, so the
        initializers you choose do not matter. At most 8 hidden neurons in all earn the bonus.
    """
    # BEGIN SOLUTION: build the network: ReLU hidden layers, tanh output
    inputs = keras.Input(shape=(n_inputs,))
    hidden = keras.layers.Dense(6, activation="relu")(inputs)
    outputs = keras.layers.Dense(1, activation="tanh")(hidden)
    return keras.Model(inputs, outputs)
    # END SOLUTION


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
    # BEGIN SOLUTION: choose the optimizer, learning rate, epochs and batch size
    return {"optimizer": "adam", "learning_rate": 0.01, "epochs": 200, "batch_size": 10}
    # END SOLUTION


# %%
if __name__ == "__main__":
    # Runs as a script: trains your architecture with your recipe as the grader's visible check
    # does (from the Playground's initialisation, seeds 0-4, on the public XOR sample: a few
    # seconds) and prints each test loss.
    from kit import datasets
    from kit.grading.authoring.trials import train_as_graded

    try:
        model, chosen = build_model(2), recipe()
    except NotImplementedError as todo:
        print(todo)
    else:
        runs = train_as_graded(model, datasets.playground("xor", noise=0, seed=0), chosen, seeds=range(5))
        reached = runs.count("loss", at_most=0.177)
        print(f"test losses {runs.listing('loss')}: {reached} of 5 reach ≤ 0.177 (the check asks 4 of 5)")
