# %% [markdown]
# # Exercise 01: the limits of a linear model
#
# A linear classifier computes one score, x·w + b, and squashes it with tanh (the Playground's
# output unit): ŷ = tanh(x·w + b). Its decision boundary, where the score is 0, is a straight
# line, so it separates two clouds (gauss) but never a disc from the ring around it (circle).
# Give it the right *feature crosses* and the same linear model draws the circle.
#
# Write the two functions below, then check your work with `kit check 01 starter.py` (see
# README.md). The grader builds your model, trains it itself and judges what it learned.

# %%
import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
import keras
import numpy as np


def build_linear_model(n_inputs):
    """A linear classifier in the Playground's units: no hidden layer, one tanh output unit.

    The model computes ŷ = tanh(x·w + b) with w of shape (n_inputs, 1) and b of shape (1,).

    Args:
        n_inputs: int, the number of input features (2 for x1 and x2).
    Returns:
        keras.Model taking inputs of shape (batch, n_inputs) (start from
        ``keras.Input(shape=(n_inputs,))``) and returning shape (batch, 1): one Dense layer of
        1 unit with activation "tanh" and a bias, and nothing in between.

    Example:
        >>> model = build_linear_model(2)
        >>> model(np.zeros((3, 2))).shape
        TensorShape([3, 1])
    """
    # TODO: one tanh unit on the inputs, no hidden layer
    raise NotImplementedError('TODO: one tanh unit on the inputs, no hidden layer')


def circle_features():
    """The Playground input features with which a linear model separates circle.

    circle labels a point +1 inside the disc of radius 2.5 and −1 in the ring outside it.

    Returns:
        list of str: names among x1, x2, x1_sq (x1²), x2_sq (x2²), x1_x2 (x1·x2),
        sin_x1, sin_x2, without repeats. The grader trains a linear model on circle with
        these inputs: its Playground test loss must end below 0.2.

    Example:
        >>> circle_features()  # doctest: +SKIP
        ['x1', 'x2']           # the default inputs: not enough (the check fails)
    """
    # TODO: name the features that make the circle linear
    raise NotImplementedError('TODO: name the features that make the circle linear')


# %%
if __name__ == "__main__":
    # Runs as a script: trains as the grader does (your architecture from the Playground's
    # initialisation, seed 0; Adam 0.03, batch 10, 50 epochs) on the data of the public checks
    # (seed 0) and prints the test metrics.
    from kit import builders, datasets
    from kit.grading.authoring.trials import train_as_graded
    from kit.training import train

    def trained_metrics(model, name, features=("x1", "x2")):
        data = datasets.playground(name, noise=0, seed=0, features=list(features))
        history = train(model, data, epochs=50, batch_size=10, optimizer="adam", learning_rate=0.03, verbose=0)
        return history.history["val_loss"][-1], history.history["val_accuracy"][-1]

    try:
        for name in ("gauss", "circle"):
            (run,) = train_as_graded(build_linear_model(2), datasets.playground(name, noise=0, seed=0),
                                     {"optimizer": "adam", "learning_rate": 0.03, "epochs": 50, "batch_size": 10}).runs
            print(f"your linear model on {name} from x1, x2: test loss {run.loss:.3f}, "
                  f"test accuracy {run.accuracy:.3f}")
    except NotImplementedError as todo:
        print(f"build_linear_model: {todo}")
    try:
        chosen = list(circle_features())
        # The grader's own linear model for this check, from zero weights (see README.md).
        linear = builders.build_mlp(len(chosen), hidden=[], head="playground")
        linear.set_weights([np.zeros_like(weight) for weight in linear.get_weights()])
        loss, accuracy = trained_metrics(linear, "circle", chosen)
        print(f"a linear model on circle from {', '.join(chosen)}: test loss {loss:.3f} (goal < 0.2), "
              f"test accuracy {accuracy:.3f}")
    except NotImplementedError as todo:
        print(f"circle_features: {todo}")
