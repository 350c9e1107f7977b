# %% [markdown]
# # Exercise 12: softmax on handwritten digits
#
# Until now every network had one output unit and two classes. Handwritten digits have ten
# classes: the network needs ten outputs, one score per digit, and a way to turn ten scores into
# ten probabilities that sum to 1. That is softmax.
#
# You write two functions (the grader calls each):
# - `build_model(n_inputs=64, n_classes=10)`: a Keras model from the 64 pixel values of an 8×8
#   image to `n_classes` outputs with a softmax activation;
# - `recipe()`: optimizer ("sgd" or "adam"), learning rate, epochs and batch size.
#
# The grader rebuilds your architecture from its own initial weights and trains it itself
# (cross-entropy on the class index) on scikit-learn's bundled digits, split its own way, then
# measures test accuracy: at least 0.95 is asked. Replace each `raise NotImplementedError`, run
# this file to train once on the public split, then `kit check 12 starter.py` (README.md).

# %%
import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
import keras


def build_model(n_inputs=64, n_classes=10):
    """A Keras model from ``n_inputs`` features to ``n_classes`` softmax outputs.

    Args:
        n_inputs: int, the number of input features (64: the pixels of an 8×8 image, flattened).
        n_classes: int, the number of classes (10: the digits 0 to 9).
    Returns:
        keras.Model built from ``keras.Input(shape=(n_inputs,))``, ``keras.layers.Dense`` layers
        (and ``keras.layers.Dropout`` if you like): at most 3 hidden layers of at most 256 units,
        any of the kit's activations, then ``Dense(n_classes, activation="softmax")``. (The grader
        keeps the layers and draws its own initial weights.)
    """
    # BEGIN SOLUTION: build the network: keras.Input, hidden Dense layers, and a softmax output of n_classes units
    return keras.Sequential([
        keras.Input(shape=(n_inputs,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    # END SOLUTION


def recipe():
    """How the grader trains your model (cross-entropy on the class index).

    Returns:
        dict ``{"optimizer": "sgd" or "adam", "learning_rate": float, "epochs": int,
        "batch_size": int}``; epochs × ⌈1347 / batch_size⌉ optimizer steps must stay within
        100,000 (the training split has 1347 images).
    """
    # BEGIN SOLUTION: choose optimizer, learning rate, epochs and batch size
    return {"optimizer": "adam", "learning_rate": 0.003, "epochs": 60, "batch_size": 32}
    # END SOLUTION


# %%
if __name__ == "__main__":
    # Runs as a script: trains your model once on the public split, as the grader does, and reports.
    import numpy as np

    from kit import datasets
    from kit.grading.sandbox import model_transfer as models
    from kit.training import train

    try:
        settings = recipe()
        description = models.describe(build_model(64, 10))
    except NotImplementedError as todo:
        print(todo)
    else:
        data = datasets.bundled("digits", seed=0)  # the public split: 1347 training and 450 test images
        model = models.rebuild(description, seed=0)  # your layers, the grader's initial weights
        history = train(model, data, epochs=settings["epochs"], batch_size=settings["batch_size"],
                        optimizer=settings["optimizer"], learning_rate=settings["learning_rate"], verbose=0)
        probabilities = model.predict(data.x_test[:3], verbose=0)
        print(f"digits, split 0: train accuracy {history.history['accuracy'][-1]:.3f}, "
              f"test accuracy {history.history['val_accuracy'][-1]:.3f}")
        for row, label in zip(probabilities, data.y_test[:3]):
            print(f"  true digit {label}: predicted {int(np.argmax(row))} with probability {row.max():.3f}; "
                  f"the {len(row)} outputs sum to {row.sum():.6f}")
