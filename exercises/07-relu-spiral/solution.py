# %% [markdown]
# # Exercise 07: ReLU on the spiral
#
# The Playground's spiral is the crash course's hardest task: two arms wound 1.75 turns around
# each other. Choose the inputs, a ReLU network within the Playground's limits (at most 6 hidden
# layers of at most 8 units) and a training recipe so that the network separates the arms.
#
# You write three functions (the grader calls each):
# - `features()`: the Playground inputs, from `x1, x2, x1_sq, x2_sq, x1_x2, sin_x1, sin_x2`;
# - `build_model(n_inputs)`: a Keras model with ReLU hidden layers and one tanh output unit;
# - `recipe()`: optimizer ("sgd" or "adam"), learning rate, epochs and batch size.
#
# The grader rebuilds your architecture, starts it from the Playground's initialisation (several
# seeds), and trains it itself with your recipe on spiral data your code never sees. Replace each
# `raise NotImplementedError`, run this file to train once on one spiral, then
# `kit check 07 starter.py` (README.md).

# %%
import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
import keras


def features():
    """The Playground inputs the network sees.

    Returns:
        list[str], a non-empty selection without repeats from
        "x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2".
    """
    # BEGIN SOLUTION: choose the inputs (x1 and x2 alone work with a deep enough net; the crosses help a lot)
    return ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
    # END SOLUTION


def build_model(n_inputs):
    """A Keras model: ``n_inputs`` features in, ReLU hidden layers, one tanh output unit.

    Args:
        n_inputs: int, the number of features (``len(features())``).
    Returns:
        keras.Model built from ``keras.Input(shape=(n_inputs,))`` and ``keras.layers.Dense``
        layers: 1 to 6 hidden layers of 1 to 8 units with activation "relu", then
        ``Dense(1, activation="tanh")``. (The grader keeps the layers and draws its own initial
        weights, as the Playground does.)
    """
    # BEGIN SOLUTION: build the network (e.g. keras.Sequential of keras.Input and Dense layers)
    return keras.Sequential([
        keras.Input(shape=(n_inputs,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="tanh"),
    ])
    # END SOLUTION


def recipe():
    """How the grader trains your model (the Playground loss, ½(ŷ − y)², on ±1 labels).

    Returns:
        dict ``{"optimizer": "sgd" or "adam", "learning_rate": float, "epochs": int,
        "batch_size": int}``; epochs × ⌈250 / batch_size⌉ optimizer steps must stay within
        100,000 (the spiral's training split has 250 points).
    """
    # BEGIN SOLUTION: choose optimizer, learning rate, epochs and batch size
    return {"optimizer": "adam", "learning_rate": 0.01, "epochs": 150, "batch_size": 10}
    # END SOLUTION


# %%
if __name__ == "__main__":
    # Runs as a script: trains your model once on one spiral, as the grader does, and reports.
    from kit import datasets
    from kit.grading.sandbox import model_transfer as models
    from kit.training import train

    try:
        chosen, settings = features(), recipe()
        description = models.describe(build_model(len(chosen)))
    except NotImplementedError as todo:
        print(todo)
    else:
        data = datasets.playground("spiral", noise=0, seed=0, features=chosen)
        model = models.rebuild(description, seed=0)  # your layers, the Playground's initial weights
        history = train(model, data, epochs=settings["epochs"], batch_size=settings["batch_size"],
                        optimizer=settings["optimizer"], learning_rate=settings["learning_rate"], verbose=0)
        print(f"spiral, seed 0: train accuracy {history.history['accuracy'][-1]:.3f}, "
              f"test accuracy {history.history['val_accuracy'][-1]:.3f}")
