"""The main job behind ``kit demo``: the crash course's progression, end to end.

Linear model → hidden layers with linear activation (still linear) → sigmoid hidden layers →
ReLU, all on the Playground's circle from x1 and x2 alone, with the activation figure and the
four decision boundaries side by side.
"""

from __future__ import annotations

import time
from pathlib import Path

STAGES = [
    # title, hidden widths, activation
    ("linear model", [], "linear"),
    ("hidden layers, linear", [8, 8], "linear"),
    ("hidden layers, sigmoid", [8, 8], "sigmoid"),
    ("hidden layers, ReLU", [8, 8], "relu"),
]
RECIPE = {"optimizer": "adam", "learning_rate": 0.01, "epochs": 150, "batch_size": 10}


def _fit(model, data, seed):
    try:
        from kit.training import train
    except ImportError:  # the fast trainer is optional here; model.fit gives the same mathematics
        train = None
    if train is not None:
        return train(model, data, seed=seed, verbose=0, **RECIPE)
    from kit.builders import compile_model

    compile_model(model, RECIPE["optimizer"], RECIPE["learning_rate"])
    return model.fit(data.x_train, data.y_train, epochs=RECIPE["epochs"], batch_size=RECIPE["batch_size"],
                     validation_data=(data.x_test, data.y_test), shuffle=True, verbose=0)


def run(out_dir: str | Path = "runs", seed: int = 0, echo=print) -> list[dict]:
    """Run the progression; write figures under ``out_dir/figures``; return one row per stage."""
    import keras

    from kit import datasets, plots
    from kit.builders import build_mlp

    out = Path(out_dir)
    figures = out / "figures"
    started = time.perf_counter()
    plots.activation_curves(["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "quadratic"],
                            path=figures / "activations.png")
    echo(f"[1/{len(STAGES) + 1}] activation curves and derivatives -> {figures / 'activations.png'}")
    data = datasets.playground("circle", noise=0, seed=seed)
    rows, panels = [], []
    for index, (title, hidden, activation) in enumerate(STAGES, start=2):
        keras.utils.set_random_seed(seed)
        model = build_mlp(2, hidden=hidden, activation=activation, head="playground", seed=seed)
        history = _fit(model, data, seed)
        row = {"stage": title, "hidden": hidden, "activation": activation,
               "test_loss": float(history.history["val_loss"][-1]),
               "test_accuracy": float(history.history["val_accuracy"][-1])}
        rows.append(row)
        panels.append((f"{title}\ntest loss {row['test_loss']:.3f}", model, data))
        echo(f"[{index}/{len(STAGES) + 1}] {title:<24} Playground test loss {row['test_loss']:.3f}  "
             f"accuracy {row['test_accuracy']:.2f}")
    plots.decision_boundaries(panels, path=figures / "progression.png")
    echo(f"decision boundaries -> {figures / 'progression.png'}  ({time.perf_counter() - started:.0f} s)")
    return rows
