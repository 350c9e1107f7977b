"""``kit bench train``: the compiled trainer against ``model.fit``, and a 48-run sweep.

Same network (Playground spiral, 2-8-8-1 ReLU, Playground initialisation), same data, same
optimizer (SGD 0.03), same epochs for every contender. Each contender trains a fresh model for
one epoch first (``*_first_epoch_seconds``: tracing and compilation plus that epoch), then the
timed epochs on the same model (steps/s); ``*_total_seconds`` is both together, end to end.
``kit.training.train`` does more work per epoch than ``model.fit`` here: it also evaluates the
full train and test splits after every epoch. ``kit_callback_steps_per_s`` is the trainer with a
(no-op) Keras callback, which makes it return to Python after every epoch.
"""

from __future__ import annotations

import os
import platform
import time

NAME = "train"
HELP = "steps/s of kit.training.train vs model.fit (2-8-8-1 ReLU, spiral) and a 48-run sweep"

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")
DATASETS = ("circle", "xor", "gauss", "spiral")
SEEDS = (0, 1, 2)
STEPS_PER_EXECUTION = (1, 5, 10, 25)  # 25 = one whole epoch of 250 points in batches of 10


def add_arguments(parser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 3 epochs, fewer steps_per_execution values, a 4-run sweep")
    from kit.commands import option
    from kit.errors import COUNT

    parser.add_argument("--epochs", type=option(COUNT), default=100, help="epochs per timed run (default 100)")


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _fit_timings(data, batch_size, epochs, steps_per_execution=1):
    """(first epoch of a fresh model, ``epochs`` more) with ``model.fit``, in seconds."""
    from kit import builders

    model = builders.build_mlp(2, [8, 8], "relu", seed=0)
    builders.compile_model(model, "sgd", 0.03)
    if steps_per_execution != 1:
        model.compile(optimizer=model.optimizer, loss=model.loss, metrics=["accuracy"],
                      steps_per_execution=steps_per_execution)

    def run(n_epochs):
        return lambda: model.fit(data.x_train, data.y_train, batch_size=batch_size, epochs=n_epochs, verbose=0)

    return _timed(run(1)), _timed(run(epochs))


def _kit_timings(data, batch_size, epochs, callbacks=None):
    """(first epoch of a fresh model, ``epochs`` more) with ``kit.training.train``, in seconds."""
    from kit import builders
    from kit.training import compiled, train

    compiled.clear_cache()  # the first epoch pays tracing and XLA compilation
    model = builders.build_mlp(2, [8, 8], "relu", seed=0)

    def run(n_epochs):
        return lambda: train(model, data, epochs=n_epochs, batch_size=batch_size, optimizer="sgd",
                             learning_rate=0.03, callbacks=callbacks, verbose=0)

    return _timed(run(1)), _timed(run(epochs))


def _sweep(activations, datasets_, seeds, epochs):
    """Every activation × data set × seed, end to end (data, model, compile, training)."""
    from kit import builders, datasets
    from kit.training import compiled, train

    compiled.clear_cache()
    accuracy = {}
    start = time.perf_counter()
    for name in datasets_:
        data = datasets.playground(name, noise=0, seed=0)
        for activation in activations:
            scores = []
            for seed in seeds:
                model = builders.build_mlp(2, [8, 8], activation, seed=seed)
                history = train(model, data, epochs=epochs, seed=seed, verbose=0)
                scores.append(history.history["val_accuracy"][-1])
            accuracy[f"{activation}/{name}"] = round(sum(scores) / len(scores), 3)
    return time.perf_counter() - start, accuracy


def run(args) -> dict:
    import keras
    import tensorflow as tf

    from kit import datasets

    epochs = args.epochs  # checked by its argparse type
    spe_values = (1, 25) if args.quick else STEPS_PER_EXECUTION
    if args.quick:
        epochs = min(epochs, 3)
    data = datasets.playground("spiral", noise=0, seed=0)
    n_train = len(data.x_train)
    steps = epochs * -(-n_train // 10)

    fit_first, fit_timed = _fit_timings(data, 10, epochs)
    per_spe = {}
    for spe in spe_values:
        per_spe[spe] = steps / _fit_timings(data, 10, epochs, spe)[1]
    best_spe = max(per_spe, key=per_spe.get)
    kit_first, kit_timed = _kit_timings(data, 10, epochs)
    callback_timed = _kit_timings(data, 10, epochs, [keras.callbacks.LambdaCallback()])[1]
    full_fit_first, full_fit_timed = _fit_timings(data, n_train, epochs)
    full_kit_first, full_kit_timed = _kit_timings(data, n_train, epochs)

    if args.quick:
        sweep_seconds, sweep_accuracy = _sweep(("linear", "relu"), ("circle", "xor"), (0,), epochs)
        sweep_runs = 4
    else:
        sweep_seconds, sweep_accuracy = _sweep(ACTIVATIONS, DATASETS, SEEDS, epochs)
        sweep_runs = len(ACTIVATIONS) * len(DATASETS) * len(SEEDS)

    fit_steps_per_s = steps / fit_timed
    kit_steps_per_s = steps / kit_timed
    return {
        "model": "2-8-8-1 ReLU, Playground init, SGD 0.03, spiral noise 0 (250 train / 250 test)",
        "epochs": epochs,
        "steps": steps,
        "includes": ("steps/s over `epochs` epochs after a first epoch that compiled; *_first_epoch_seconds = "
                     "tracing + compilation + one epoch on a fresh model; *_total_seconds = both; kit also "
                     "evaluates the full train and test splits after every epoch, fit does not"),
        "fit_steps_per_s": round(fit_steps_per_s, 1),
        "fit_best_spe": best_spe,
        "fit_best_spe_steps_per_s": round(per_spe[best_spe], 1),
        "fit_steps_per_s_by_spe": {str(k): round(v, 1) for k, v in per_spe.items()},
        "kit_steps_per_s": round(kit_steps_per_s, 1),
        "kit_callback_steps_per_s": round(steps / callback_timed, 1),
        "speedup_vs_fit": round(kit_steps_per_s / fit_steps_per_s, 2),
        "speedup_vs_fit_best_spe": round(kit_steps_per_s / per_spe[best_spe], 2),
        "fit_first_epoch_seconds": round(fit_first, 3),
        "kit_first_epoch_seconds": round(kit_first, 3),
        "fit_total_seconds": round(fit_first + fit_timed, 3),
        "kit_total_seconds": round(kit_first + kit_timed, 3),
        "speedup_vs_fit_end_to_end": round((fit_first + fit_timed) / (kit_first + kit_timed), 2),
        "full_batch_fit_steps_per_s": round(epochs / full_fit_timed, 1),
        "full_batch_kit_steps_per_s": round(epochs / full_kit_timed, 1),
        "full_batch_speedup_vs_fit": round(full_fit_timed / full_kit_timed, 2),
        "full_batch_fit_first_epoch_seconds": round(full_fit_first, 3),
        "full_batch_kit_first_epoch_seconds": round(full_kit_first, 3),
        "sweep_runs": sweep_runs,
        "sweep_epochs": epochs,
        "sweep_seconds": round(sweep_seconds, 2),
        "sweep_includes": "data generation, model building, tracing and XLA compilation, training",
        "sweep_val_accuracy": sweep_accuracy,
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), "tensorflow": tf.__version__,
                    "keras": keras.__version__},
    }
