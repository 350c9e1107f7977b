"""Models across the sandbox boundary: an allow-listed description plus weights, rebuilt by the kit.

In the child, :func:`describe` turns the submission's ``keras.Model`` into plain data: the
layer kinds (``InputLayer``, ``Dense``, ``Dropout``), widths, activation and initializer names
and the weights as arrays. In the parent, :func:`rebuild` checks that description against the
allow-list and rebuilds the network with :func:`kit.builders.build_mlp`, then loads the weights;
it never deserialises a Keras config from the child. :func:`train_and_evaluate` trains a rebuilt
model with a student's recipe on data the child never saw, with :func:`kit.training.train`.

Example (parent side):
    >>> model = rebuild({"n_inputs": 2, "layers": [{"kind": "Dense", "units": 3, "activation": "relu"},
    ...                  {"kind": "Dense", "units": 1, "activation": "tanh"}]})
    >>> [layer.name for layer in model.layers]
    ['features', 'hidden_1', 'output']
"""

from __future__ import annotations


import numpy as np

from kit.errors import BATCH_SIZE, COUNT, LEARNING_RATE
from kit.grading.sandbox.protocol import clean_text

__all__ = ["ALLOWED_LAYERS", "MAX_UNITS", "MAX_LAYERS", "STEP_BUDGET", "OPTIMIZERS", "ModelRejected", "describe",
           "check_description", "rebuild", "check_recipe", "train_and_evaluate"]

ALLOWED_LAYERS = ("InputLayer", "Dense", "Dropout")
MAX_UNITS = 4096
MAX_LAYERS = 64
STEP_BUDGET = 100_000
OPTIMIZERS = ("sgd", "adam")


class ModelRejected(ValueError):
    """The submission's model uses something the grader does not accept; the message says what."""


def _initializer_name(initializer) -> str:
    name = type(initializer).__name__ if initializer is not None else "none"
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def describe(model) -> dict:
    """Child side: a Keras model → {"n_inputs", "layers": [...], "weights": [arrays]} (plain data)."""
    import keras

    from kit import activations

    if not isinstance(model, keras.Model):
        raise TypeError(f"build_model returned {type(model).__name__}, expected a keras.Model")
    layers = []
    for layer in model.layers:
        kind = type(layer).__name__
        entry = {"kind": kind, "name": str(layer.name)}
        if isinstance(layer, keras.layers.Dense) and type(layer) is keras.layers.Dense:
            entry.update(units=int(layer.units), activation=activations.name_of(layer.activation),
                         use_bias=bool(layer.use_bias),
                         kernel_initializer=_initializer_name(layer.kernel_initializer))
        elif type(layer) is keras.layers.Dropout:
            entry.update(rate=float(layer.rate))
        layers.append(entry)
    shape = model.inputs[0].shape if model.inputs else None
    n_inputs = int(shape[-1]) if shape is not None and len(shape) == 2 and shape[-1] is not None else None
    input_shape = None if shape is None else [None if d is None else int(d) for d in list(shape)[:8]]
    weights = [np.asarray(w, dtype=np.float32) for w in model.get_weights()]
    return {"n_inputs": n_inputs, "input_shape": input_shape, "layers": layers, "weights": weights}


def _input_said(shape, n_inputs) -> str:
    """What the model's input was, in the words the student wrote it (the description is the child's:
    any plain value)."""
    if type(shape) is list and 1 <= len(shape) <= 8 and all(d is None or type(d) is int for d in shape):
        per_example = tuple(shape[1:])
        return f"yours is keras.Input(shape={per_example}) (each example of shape {per_example})"
    if shape is None and n_inputs is None:
        return "the model has no keras.Input (build it with the functional API: keras.Input, then layers)"
    return f"got {_shown(n_inputs)}"


def check_description(description) -> list[dict]:
    """Parent side: the Dense/Dropout layers of a description, or ModelRejected saying what is wrong."""
    from kit import activations

    if type(description) is not dict or type(description.get("layers")) is not list:
        raise ModelRejected("the model description is malformed (expected a dict with a 'layers' list).")
    n_inputs = description.get("n_inputs")
    if type(n_inputs) is not int or not 0 < n_inputs <= MAX_UNITS:
        raise ModelRejected("the model's input must be one vector of features, keras.Input(shape=(n,)); "
                            f"{_input_said(description.get('input_shape'), n_inputs)}.")
    if len(description["layers"]) > MAX_LAYERS:
        raise ModelRejected(f"the model has {len(description['layers'])} layers; at most {MAX_LAYERS} are accepted.")
    known = set(activations.names(include_aliases=True))
    kept = []
    for index, layer in enumerate(description["layers"]):
        # Every field is the child's: compare only exact types (an array would compare element-wise).
        kind = layer.get("kind") if type(layer) is dict and type(layer.get("kind")) is str else None
        name = layer.get("name") if type(layer) is dict and type(layer.get("name")) is str else "?"
        label = f"layer {index} ({clean_text(name, 100)})"
        if kind not in ALLOWED_LAYERS:
            shown = _shown(layer.get("kind")) if type(layer) is dict else "malformed"
            raise ModelRejected(f"{label} is a {shown} layer; the grader accepts only {', '.join(ALLOWED_LAYERS)}.")
        if kind == "Dense":
            units, activation = layer.get("units"), layer.get("activation")
            if type(units) is not int or not 0 < units <= MAX_UNITS:
                raise ModelRejected(f"{label} has {_shown(units)} units; expected 1 to {MAX_UNITS}.")
            if type(activation) is not str or activation not in known:
                raise ModelRejected(f"{label} uses activation {_shown(activation)}, which the grader does not know; "
                                    "use one of kit's activation names (kit activations).")
            if layer.get("use_bias") is False:
                raise ModelRejected(f"{label} has no bias; the exercises' networks use biases (use_bias=True).")
        if kind == "Dropout":
            rate = layer.get("rate")
            if type(rate) not in (int, float) or not 0 <= rate < 1:
                raise ModelRejected(f"{label} has dropout rate {_shown(rate)}; expected a number in [0, 1).")
        if kind != "InputLayer":
            kept.append(layer)
    dense = [layer for layer in kept if layer["kind"] == "Dense"]
    if not dense:
        raise ModelRejected("the model has no Dense layer.")
    return kept


def rebuild(description, weights=None, seed: int = 0):
    """Parent side: rebuild the described network with ``kit.builders.build_mlp`` (+ its weights).

    Without ``weights`` the network starts from the Playground's initialisation drawn with
    ``seed`` (U(−0.5, 0.5) kernels, biases 0.1): multi-seed checks train the student's
    architecture from several initialisations, as the Playground's "regenerate" button does.
    """
    from kit import builders

    layers = check_description(description)
    dense = [layer for layer in layers if layer["kind"] == "Dense"]
    rates = {layer.get("rate") for layer in layers if layer["kind"] == "Dropout"}
    rate = float(next(iter(rates))) if len(rates) == 1 else 0.0
    if len(rates) > 1:
        raise ModelRejected("dropout rates differ between layers; the grader rebuilds one rate for all hidden layers.")
    output = dense[-1]
    heads = {"tanh": "playground", "sigmoid": "logistic", "softmax": "softmax", "linear": "linear"}
    if output["activation"] not in heads:
        raise ModelRejected(f"the output layer uses {output['activation']!r}; expected tanh, sigmoid, softmax or linear.")
    head = heads[output["activation"]]
    model = builders.build_mlp(description["n_inputs"], hidden=[layer["units"] for layer in dense[:-1]],
                               activation=[layer["activation"] for layer in dense[:-1]], head=head,
                               n_classes=output["units"] if head == "softmax" else None, dropout=rate, seed=seed)
    if weights is not None:
        expected = [tuple(w.shape) for w in model.get_weights()]
        if type(weights) is not list or any(type(w) is not np.ndarray for w in weights) or \
                [tuple(w.shape) for w in weights] != expected:
            raise ModelRejected(f"the weights do not fit the described layers (expected shapes {expected}).")
        model.set_weights([w.astype(np.float32) for w in weights])
    return model


def check_recipe(recipe, n_train: int) -> dict:
    """A student's ``recipe()`` validated: optimizer, learning rate, epochs, batch size, step budget."""
    if type(recipe) is not dict:
        raise ModelRejected(f"recipe() must return a dict; got {type(recipe).__name__}.")
    optimizer, rate = recipe.get("optimizer"), recipe.get("learning_rate")
    epochs, batch = recipe.get("epochs"), recipe.get("batch_size")
    if type(optimizer) is not str or optimizer not in OPTIMIZERS:
        raise ModelRejected(f"recipe()['optimizer'] must be one of {OPTIMIZERS}; got {_shown(optimizer)}.")
    # The trainer's own rules (kit.errors), so a recipe the grader accepts is one train() accepts.
    for key, constraint in (("learning_rate", LEARNING_RATE), ("epochs", COUNT), ("batch_size", BATCH_SIZE)):
        if type(recipe.get(key)) not in (int, float) or not constraint.is_satisfied_by(recipe[key]):
            raise ModelRejected(f"recipe()[{key!r}] must be {constraint.describe()}; got {_shown(recipe.get(key))}.")
    steps = epochs * -(-n_train // batch)
    if steps > STEP_BUDGET:
        raise ModelRejected(f"the recipe takes {steps} optimizer steps; the budget is {STEP_BUDGET} "
                            "(fewer epochs or larger batches).")
    return {"optimizer": optimizer, "learning_rate": float(rate), "epochs": epochs, "batch_size": batch}


def _shown(value) -> str:
    return clean_text(repr(value), 100)


def train_and_evaluate(model, data, recipe: dict, seed: int = 0) -> dict:
    """Train ``model`` in the parent with the kit's trainer (:func:`kit.training.train`); test metrics.

    Returns ``{"loss": …, "accuracy": …}`` on ``data``'s test split, in the model head's units.
    A recipe whose training diverges (the loss became NaN or infinite) raises
    :class:`ModelRejected` saying so: that is the student's learning rate, not a grader fault.
    """
    import keras

    from kit import builders
    from kit.training import TrainingDiverged, train

    recipe = check_recipe(recipe, len(data.x_train))
    keras.utils.set_random_seed(seed)
    try:
        train(model, data, epochs=recipe["epochs"], batch_size=recipe["batch_size"], optimizer=recipe["optimizer"],
              learning_rate=recipe["learning_rate"], seed=seed, verbose=0)
    except TrainingDiverged as diverged:
        raise ModelRejected(f"training with this recipe diverged at epoch {diverged.epoch} (the loss became "
                            f"{diverged.loss}); try a lower learning rate than {recipe['learning_rate']:g}.") from None
    builders.compile_model(model, recipe["optimizer"], recipe["learning_rate"])
    values = model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
    return {key: float(value) for key, value in values.items()}
