"""Model checks for later exercises: the child builds, the parent rebuilds with kit.builders and trains."""

import numpy as np
import pytest

from kit.grading.authoring.checks import CallFailed, Session
from kit.grading.sandbox.limits import Limits

GOOD = """
import keras
from kit.builders import build_mlp

def build_model(n_inputs):
    return build_mlp(n_inputs, hidden=[3], activation="relu", head="playground", seed=5)

def recipe():
    return {"optimizer": "sgd", "learning_rate": 0.03, "epochs": 30, "batch_size": 10}
"""

SNEAKY = """
import keras

def build_model(n_inputs):
    inputs = keras.Input(shape=(n_inputs,))
    hidden = keras.layers.Dense(3, activation="relu")(inputs)
    hidden = keras.layers.Lambda(lambda t: t * 2)(hidden)
    return keras.Model(inputs, keras.layers.Dense(1, activation="tanh")(hidden))
"""

# Keras's first model build in a fresh child takes a few seconds on a loaded 2-core machine.
MODEL_LIMITS = Limits(timeout=60, memory_mb=2048)


@pytest.mark.slow
def test_child_model_is_rebuilt_and_trained_in_the_parent(zygote):
    from kit.datasets import playground
    from kit.grading.sandbox.model_transfer import train_and_evaluate

    session = Session(GOOD, zygote, MODEL_LIMITS)
    model = session.build_model("build_model", 2)
    assert [layer.name for layer in model.layers] == ["features", "hidden_1", "output"]
    recipe = session.plain("recipe")
    assert recipe["optimizer"] == "sgd"
    with pytest.raises(CallFailed, match="expected plain data"):
        session.plain("build_model", 2)  # a model is not plain data
    data = playground("gauss", seed=0)
    metrics = train_and_evaluate(model, data, recipe, seed=0)
    # gauss at noise 0 is linearly separable: any working training reaches ≥ 0.9 test accuracy.
    assert metrics["accuracy"] >= 0.9, metrics


@pytest.mark.slow
def test_a_layer_outside_the_allow_list_is_named(zygote):
    session = Session(SNEAKY, zygote, MODEL_LIMITS)
    with pytest.raises(CallFailed, match="Lambda"):
        session.build_model("build_model", 2)


def test_rebuilt_weights_must_fit_the_description():
    from kit.grading.sandbox import model_transfer as models

    description = {"n_inputs": 2, "layers": [{"kind": "Dense", "units": 3, "activation": "relu"},
                                             {"kind": "Dense", "units": 1, "activation": "tanh"}]}
    with pytest.raises(models.ModelRejected, match="weights do not fit"):
        models.rebuild(description, [np.zeros((5, 5), np.float32)])


def test_an_input_of_the_wrong_shape_is_named_as_the_student_wrote_it():
    """keras.Input(shape=(n_inputs, 1)) was refused with "…; got None", which read as if nothing was returned."""
    import keras

    from kit.grading.sandbox import model_transfer as models

    inputs = keras.Input(shape=(2, 1))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="tanh")(keras.layers.Flatten()(inputs)))
    with pytest.raises(models.ModelRejected) as refused:
        models.check_description(models.describe(model))
    assert str(refused.value) == ("the model's input must be one vector of features, keras.Input(shape=(n,)); "
                                  "yours is keras.Input(shape=(2, 1)) (each example of shape (2, 1)).")
    with pytest.raises(models.ModelRejected, match="the model has no keras.Input"):
        models.check_description({"n_inputs": None, "input_shape": None, "layers": []})
    with pytest.raises(models.ModelRejected, match="; got 'x'"):  # the child's description is any plain value
        models.check_description({"n_inputs": "x", "input_shape": "junk", "layers": []})
