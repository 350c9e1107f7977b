# %% [markdown]
# # Exercise 11: a custom activation
#
# Keras takes any function of a tensor as an activation. Here you write one, x ↦ x², build a
# network with it, and fit that network to data of the form y = a·x² + c, which it can represent
# exactly. A model that uses your own function must also be **saved and loaded back**: Keras
# stores the activation's *name*, and finds the function again only if it is registered with
# `keras.saving.register_keras_serializable`.
#
# You write three functions (the grader calls each):
# - `quadratic(x)`: x², registered;
# - `build_model()`: a Keras model from 1 input to 1 output that uses `quadratic`;
# - `fit(model, x, y)`: compiles and trains the model on (x, y), returns it.
#
# Replace each `raise NotImplementedError`, run this file to fit once and save/load the model,
# then `kit check 11 starter.py` (README.md).

# %%
import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
import keras
import numpy as np


# TODO: register quadratic with keras.saving.register_keras_serializable(...)
def quadratic(x):
    """The activation x ↦ x², elementwise.

    Args:
        x: a tensor or NumPy array of any shape.
    Returns:
        x², the same shape (a tensor; use ``keras.ops`` or ``x * x``).
    """
    # TODO: return x squared
    raise NotImplementedError('TODO: return x squared')


def build_model():
    """A Keras model from 1 input to 1 output with ``quadratic`` as a hidden activation.

    Returns:
        keras.Model with input shape (1,) and output shape (1,), at least one layer using
        ``activation=quadratic`` (the function itself, not a string), the output layer linear.
    """
    # TODO: build the model (e.g. Input(1) → Dense(4, activation=quadratic) → Dense(1))
    raise NotImplementedError('TODO: build the model (e.g. Input(1) → Dense(4, activation=quadratic) → Dense(1))')


def fit(model, x, y):
    """Compile and train ``model`` on ``x`` (shape (n, 1)) and ``y`` (shape (n, 1)); return it.

    The grader fits data y = a·x² + c (unknown a and c, x in [−2, 2], a few hundred points) and
    asks for a mean squared error on new points of at most 0.001 × the variance of y: train
    until the loss is tiny, within a few seconds (the grader stops the call after 10 s).
    """
    # TODO: compile (optimizer, loss "mse") and train long enough
    raise NotImplementedError('TODO: compile (optimizer, loss "mse") and train long enough')


# %%
if __name__ == "__main__":
    # Runs as a script: fits y = 1.5·x² − 0.5, reports the error, saves and loads the model back.
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(256, 1)).astype("float32")
    y = 1.5 * x**2 - 0.5
    try:
        model = fit(build_model(), x, y)
    except NotImplementedError as todo:
        print(todo)
    else:
        mse = float(np.mean((np.asarray(model(x)) - y) ** 2))
        print(f"MSE {mse:.2e} (the grader asks for at most {1e-3 * y.var():.2e})")
        model.save("quadratic.keras")
        reloaded = keras.models.load_model("quadratic.keras")
        print("reloaded predictions equal:", np.allclose(reloaded(x), model(x)))
