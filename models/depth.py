"""Deep networks: vanishing gradients with sigmoid, dying ReLU and its fix."""

from kit.zoo import Entry, register

DEEP = {"hidden": [8] * 10, "head": "playground", "initializer": "glorot"}

register(Entry(
    name="deep-sigmoid",
    card="Ten sigmoid layers of 8 on circle: each layer multiplies the gradient by σ′ ≤ 0.25, so the "
         "first layer's gradient is orders of magnitude smaller than the last's, and training stalls.",
    claim="vanishing gradients: deep sigmoid nets starve their first layers",
    data={"name": "circle", "noise": 0},
    model={**DEEP, "activation": "sigmoid"},
    recipe={"optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10, "epochs": 50},
    measures=("init_gradient_ratio",),
    expected={"init_gradient_ratio": ("<", 1e-3)},
    quick=True,
))

register(Entry(
    name="deep-relu",
    card="The same ten layers with ReLU: active units pass a derivative of 1, so gradients reach the "
         "first layer at a comparable size.",
    claim="ReLU is less prone to vanishing gradients",
    data={"name": "circle", "noise": 0},
    model={**DEEP, "activation": "relu", "initializer": "he"},
    recipe={"optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10, "epochs": 50},
    measures=("init_gradient_ratio",),
    expected={"init_gradient_ratio": (">", 0.05)},
    quick=True,
))

DYING = {"hidden": [8] * 6, "head": "playground"}

register(Entry(
    name="dying-relu",
    card="Six ReLU layers of 8 on circle trained with too high a learning rate (Adam 0.1): large "
         "updates push pre-activations negative for every input; those units output 0, get zero "
         "gradient, and never recover.",
    claim="dying ReLU: too high a learning rate kills units",
    data={"name": "circle", "noise": 0},
    model={**DYING, "activation": "relu"},
    recipe={"optimizer": "adam", "learning_rate": 0.1, "batch_size": 10, "epochs": 100},
    measures=("dead_share",),
    expected={"dead_share": (">=", 0.4)},
    seeds=(0, 1, 2, 3, 4),
    rule="all",
))

register(Entry(
    name="dying-relu-fixed",
    card="The fix: ELU (a negative input still gets gradient eˣ, so no unit is stuck for good), He "
         "initialisation and a lower learning rate (SGD 0.03). Almost no unit ends negative on every input.",
    claim="dying ReLU fixes: lower learning rate, leaky ReLU / ELU, He initialisation",
    data={"name": "circle", "noise": 0},
    model={**DYING, "activation": "elu", "initializer": "he"},
    recipe={"optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10, "epochs": 100},
    measures=("dead_share",),
    expected={"dead_share": ("<=", 0.1), "val_accuracy": (">=", 0.9)},
    seeds=(0, 1, 2, 3, 4),
    rule="all",
))
