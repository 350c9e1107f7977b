"""Universal approximation with ReLU units, and a custom quadratic activation."""

from kit.zoo import Entry, register

# Max-error bounds (median over seeds): 4 units must beat the zero function (whose max error on
# sin is 1); then each doubling must keep shrinking the error.
SHRINK = 3.0
"""32 units' max error (median over seeds) is at most 1/SHRINK of 4 units': measured 0.023 vs
0.684 (30×), so 3× is a wide margin that an untrained network (errors ≈ 1 at every width) misses."""

for units, bound in ((4, 1.0), (8, 0.15), (16, 0.1), (32, 0.05)):
    register(Entry(
        name=f"sin-relu-{units}",
        card=f"One hidden layer of {units} ReLU units fitting sin on [−π, π]: a piecewise-linear curve "
             "with at most one kink per unit; more units, smaller error. The Playground's initialisation "
             "(biases 0.1) spreads the kinks; with zero biases they all start at x = 0.",
        claim="universal approximation: one hidden layer of enough ReLU units approximates a continuous function",
        data={"name": "sin", "n_samples": 400},
        model={"hidden": [units], "activation": "relu", "head": "linear", "initializer": "playground"},
        recipe={"optimizer": "adam", "learning_rate": 0.01, "batch_size": 20, "epochs": 400},
    settings="a curve of one input (the Playground's regression data are 2-D planes), fitted with Keras's mean "
             "squared error and Adam 0.01, which places the kinks in 400 epochs.",
        measures=("max_abs_error",),
        expected={"max_abs_error": ("<", bound)},
        quick=units == 32,
    ))

register(Entry(
    name="parabola-quadratic",
    card="One hidden unit with the custom activation x ↦ x² fits a parabola a·x² + c exactly: the "
         "right non-linearity makes a tiny network enough.",
    claim="custom activations: a quadratic activation w·x² + b",
    data={"name": "parabola", "n_samples": 400},
    model={"hidden": [1], "activation": "quadratic", "head": "linear", "initializer": "glorot"},
    recipe={"optimizer": "adam", "learning_rate": 0.05, "batch_size": 20, "epochs": 200},
    settings="a custom activation and a 1-D curve, neither of which the Playground has; Adam 0.05.",
    expected={"val_loss": ("<", 1e-3)},
    quick=True,
))
