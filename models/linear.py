"""Linear models and networks of linear layers: why depth alone adds nothing."""

from kit.zoo import Entry, register

RECIPE = {"optimizer": "adam", "learning_rate": 0.03, "batch_size": 10, "epochs": 100}

register(Entry(
    name="circle-linear",
    card="A linear model (no hidden layer) on circle from x1 and x2: the best it can draw is a "
         "half-plane, so it cannot separate a disc from a ring.",
    claim="linear models fail on non-linear data (circle)",
    data={"name": "circle", "noise": 0},
    model={"hidden": [], "head": "playground"},
    recipe=RECIPE,
    expected={"val_accuracy": ("<", 0.76)},  # the best half-plane scores ≈ 0.69 on circle
    quick=True,
))

register(Entry(
    name="circle-linear-crosses",
    card="The same linear model given the feature crosses x1² and x2²: the circle becomes a straight "
         "line in those features, and the linear model separates it.",
    claim="feature crosses rescue a linear model",
    data={"name": "circle", "noise": 0, "features": ["x1", "x2", "x1_sq", "x2_sq"]},
    model={"hidden": [], "head": "playground"},
    recipe=RECIPE,
    expected={"val_loss": ("<", 0.2), "val_accuracy": (">=", 0.95)},
    quick=True,
))

register(Entry(
    name="circle-hidden-linear",
    card="Two hidden layers of 8 with linear activation on circle: 88 weights, and still one affine map "
         "(its collapsed equivalent matches it to float precision) drawing one straight boundary.",
    claim="hidden layers without activation leave the model linear",
    data={"name": "circle", "noise": 0},
    model={"hidden": [8, 8], "activation": "linear", "head": "playground"},
    recipe=RECIPE,
    measures=("collapse_error",),
    expected={"val_accuracy": ("<", 0.76), "collapse_error": ("<", 1e-4)},
    quick=True,
))

register(Entry(
    name="xor-hidden-linear",
    card="Hidden linear layers on xor: no better than a half-plane, however wide.",
    claim="linear models fail on XOR",
    data={"name": "xor", "noise": 0},
    model={"hidden": [8, 8], "activation": "linear", "head": "playground"},
    recipe=RECIPE,
    expected={"val_accuracy": ("<", 0.8)},  # the best half-plane scores ≈ 0.73 on xor
))
