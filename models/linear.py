"""Linear models and networks of linear layers: why depth alone adds nothing."""

from kit.zoo import Entry, register

RECIPE = {"optimizer": "adam", "learning_rate": 0.03, "batch_size": 10, "epochs": 100}

BEATS_HALF_PLANE_BY = 0.2
"""A non-linear network "succeeds" where a linear one fails when its test accuracy beats the best
half-plane on the same test points by at least this much (kit.grading.authoring.baselines): the best
half-plane scores about 0.69 on circle and 0.73 on xor; the sigmoid, ReLU and crossed-feature
networks reach 0.99-1.0, so 0.2 leaves about 0.1 of margin, and an untrained network (≈ 0.5)
misses it by far."""

COLLAPSE_TOLERANCE = 1e-5
"""The trained hidden-linear network and its collapsed map x·W + b (float64) agree to float32
precision: measured ≤ 5.6e-8 (seeds 0-2); a hidden layer with any non-linear activation would
miss by orders of magnitude more (its output is not affine)."""

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
    expected={"val_accuracy": ("<", 0.76), "collapse_error": ("<", COLLAPSE_TOLERANCE)},
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
