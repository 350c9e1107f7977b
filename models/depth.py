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
    settings="ten hidden layers, where the Playground stops at six: gradients vanish with depth, so the claim "
             "needs it; Glorot initialisation, Keras's default for sigmoid.",
    recipe={"optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10, "epochs": 50},
    measures=("init_gradient_ratio",),
    # Measured over seeds 0-15: at initialisation median 1.1e-7, 95 % interval [3.3e-8, 2.0e-7]
    # (max 1.6e-6); after 50 epochs the test loss is still 0.503 [0.500, 0.508], chance level for
    # the Playground loss (0.5 when the output sits near 0).
    expected={"init_gradient_ratio": ("<", 1e-3), "val_loss": (">", 0.45)},
    quick=True,
))

register(Entry(
    name="deep-relu",
    card="The same ten layers with ReLU: active units pass a derivative of 1, so gradients reach the "
         "first layer at a comparable size.",
    claim="ReLU is less prone to vanishing gradients",
    data={"name": "circle", "noise": 0},
    model={**DEEP, "activation": "relu", "initializer": "he"},
    settings="ten hidden layers, where the Playground stops at six: gradients vanish with depth, so the claim "
             "needs it; He initialisation, the course's setup for ReLU at that depth.",
    recipe={"optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10, "epochs": 50},
    measures=("init_gradient_ratio",),
    # Measured over seeds 0-15: at initialisation median 0.63 [0.28, 1.18] (min 0.096); test accuracy
    # after 50 epochs 1.000 [0.992, 1.000] (min 0.984).
    expected={"init_gradient_ratio": (">", 0.05), "val_accuracy": (">=", 0.9)},
    quick=True,
))

# Dying ReLU, one cause at a time: the same six ReLU layers of 8 on circle, the Playground's
# initialisation (U(−0.5, 0.5), biases 0.1) and Adam; `dying-relu` uses too high a rate (0.1), each
# other entry changes exactly one thing. 16 seeds each (100 epochs, about 1 s a seed). A unit is
# dead when its activation is 0 on every training input (kit.diagnostics.dead_fraction); leaky
# ReLU and ELU units cannot die, so for them the entries measure `inactive_share` (pre-activation
# ≤ 0 on every input: on the negative branch, still learning through its slope).
# Measured over seeds 0-15 (models/RESULTS.csv; median [95 % interval], range): dead share at
# initialisation 0.08 [0.06, 0.12], 0-0.15; after training at Adam 0.1 0.60 [0.52, 0.67], 0.35-0.77
# (ReLU), 0.52 [0.38, 0.58], 0.29-0.67 (He); at Adam 0.01 0.14 [0.06, 0.17], 0.04-0.19. Inactive
# share at Adam 0.1: 0.33 [0.25, 0.44], 0.10-0.60 (leaky ReLU), 0.10 [0.04, 0.40], 0-0.50 (ELU).
# Test accuracy at Adam 0.1 varies from seed to seed whatever the activation (medians 0.52-0.81,
# every one with seeds from 0.48 to 1.0 but ELU's, 0.26-0.64); at Adam 0.01 it is ≥ 0.996 on every seed.
DYING = {"hidden": [8] * 6, "head": "playground", "initializer": "playground"}
DYING_DATA = {"name": "circle", "noise": 0}
DYING_RECIPE = {"optimizer": "adam", "learning_rate": 0.1, "batch_size": 10, "epochs": 100}
ADAM_WHY = ("Adam, which the Playground does not have: the course's dying-ReLU setup is a too high rate for "
            "adaptive steps (Adam 0.1); each fix is measured against it.")
DEAD_MEASURES = ("init_dead_share", "dead_share", "inactive_share")
# The dying-ReLU entries train their 16 seeds stacked (kit.training.train_many), as every entry.
# Adam at 0.1 on this network turns float rounding into another run within two epochs (stacked
# layers add in another order than kit.training.train: losses 8e-7 apart after epoch 1, 1e-3 after
# epoch 2, unrelated by epoch 10), so one seed's run is not a property of the recipe: the
# expectations here are medians or shares over 16 seeds, and they hold on the disjoint seeds
# 100-115 too (tests/test_zoo.py), which is what another machine's rounding amounts to.

KILLED_MORE_THAN_INIT_BY = 0.3
"""`dying-relu` ends with at least this share of units more dead than at initialisation (medians
over seeds): measured 0.52 more (0.60 vs 0.08, seeds 0-15); at initialisation the share is 0-0.15."""

FIX_HALVES_DEAD = 0.5
"""A fix that works leaves at most this fraction of `dying-relu`'s dead (or inactive) share
(medians over seeds 0-15): measured 0.14 / 0.60 = 0.22 for the lower rate, 0.10 / 0.60 = 0.17 for
ELU's inactive share."""

register(Entry(
    name="dying-relu",
    card="Six ReLU layers of 8 on circle trained with too high a learning rate (Adam 0.1): large "
         "updates push pre-activations negative for every input; those units output 0, get zero "
         "gradient, and never recover. About 0.1 of the units are dead at initialisation, about 0.6 after "
         "training (median over 16 seeds).",
    claim="dying ReLU: too high a learning rate kills units",
    data=DYING_DATA,
    model={**DYING, "activation": "relu"},
    recipe=DYING_RECIPE,
    measures=DEAD_MEASURES,
    expected={"dead_share": (">=", 0.4)},
    rule="share",
    share=(">=", 0.5),
    settings=ADAM_WHY,
))

register(Entry(
    name="dying-relu-low-rate",
    card="`dying-relu` with only the learning rate lowered (Adam 0.01): far fewer units die and the "
         "network learns the circle.",
    claim="dying ReLU fix, alone: a lower learning rate",
    data=DYING_DATA,
    model={**DYING, "activation": "relu"},
    recipe={**DYING_RECIPE, "learning_rate": 0.01},
    settings=ADAM_WHY,
    measures=DEAD_MEASURES,
    # Measured over seeds 0-15: dead share 0.14 [0.06, 0.17] (range 0.04-0.19), test accuracy 1.000
    # [1.000, 1.000] (min 0.996).
    expected={"dead_share": ("<=", 0.25), "val_accuracy": (">=", 0.9)},
))

register(Entry(
    name="dying-relu-leaky",
    card="`dying-relu` with only the activation changed to leaky ReLU (slope 0.01 below 0): no unit "
         "can die, but the rate still drives many units negative on every input (inactive), and "
         "training at Adam 0.1 stays unreliable.",
    claim="dying ReLU fix, alone: leaky ReLU keeps a gradient, not the rate's damage away",
    data=DYING_DATA,
    model={**DYING, "activation": "leaky_relu"},
    settings=ADAM_WHY + " Leaky ReLU is not in the Playground's menu.",
    recipe=DYING_RECIPE,
    measures=DEAD_MEASURES,
    # Measured over seeds 0-15: inactive share 0.33 [0.25, 0.44] (range 0.10-0.60; 14 of 16 ≥ 0.2).
    expected={"inactive_share": (">=", 0.2)},
))

register(Entry(
    name="dying-relu-elu",
    card="`dying-relu` with only the activation changed to ELU (smooth, gradient eˣ below 0): no unit "
         "can die and few end negative on every input, but Adam 0.1 still does not learn the circle.",
    claim="dying ReLU fix, alone: ELU",
    data=DYING_DATA,
    model={**DYING, "activation": "elu"},
    settings=ADAM_WHY + " ELU is not in the Playground's menu.",
    recipe=DYING_RECIPE,
    measures=DEAD_MEASURES,
    # Measured median inactive share 0.104 (seeds 0-15, 9 of them ≤ 0.15) and 0.146 (seeds 100-115):
    # the bound is FIX_HALVES_DEAD × dying-relu's median dead share (0.60), what the demo's row asks.
    expected={"inactive_share": ("<=", 0.3)},
))

register(Entry(
    name="dying-relu-he",
    card="`dying-relu` with only the initialisation changed to He (variance 2/fan-in, zero biases): "
         "at Adam 0.1 units die about as much; He initialisation keeps signals alive at the start, it "
         "does not stop too large updates.",
    claim="dying ReLU fix, alone: He initialisation (does not help against too high a rate)",
    data=DYING_DATA,
    model={**DYING, "activation": "relu", "initializer": "he"},
    settings=ADAM_WHY + " The Playground initialises only one way (U(−0.5, 0.5)).",
    recipe=DYING_RECIPE,
    measures=DEAD_MEASURES,
    # Measured over seeds 0-15: dead share 0.52 [0.38, 0.58] (range 0.29-0.67; 15 of 16 ≥ 0.3).
    expected={"dead_share": (">=", 0.3)},
))

register(Entry(
    name="dying-relu-fixed",
    card="All the fixes together (several causes at once, unlike the entries above): ELU, He "
         "initialisation and a lower learning rate (SGD 0.03). Almost no unit ends negative on every "
         "input, and the network learns.",
    claim="dying ReLU fixes: lower learning rate, leaky ReLU / ELU, He initialisation",
    data=DYING_DATA,
    model={**DYING, "activation": "elu", "initializer": "he"},
    settings="ELU and He initialisation, two of the fixes the course names, which the Playground does not offer.",
    recipe={"optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10, "epochs": 100},
    measures=DEAD_MEASURES,
    # ELU units cannot die, so the inactive share is the measure; measured over seeds 0-15: 0.000
    # [0.000, 0.042] (max 0.063), test accuracy 1.000 [1.000, 1.000] (min 0.996).
    expected={"inactive_share": ("<=", 0.1), "val_accuracy": (">=", 0.9)},
))
