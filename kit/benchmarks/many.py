"""``kit bench many``: ``train_many`` (K models in one compiled program) against one model at a time.

Same network as ``kit bench train`` (Playground spiral, 2-8-8-1 ReLU, Playground initialisation,
SGD 0.03, batches of 10). For K = 1, 8, 48 models (shuffle seeds 0 … K−1): a first call of one
epoch on fresh models with an empty cache (``compile_seconds``: tracing, XLA compilation and that
epoch), then ``epochs`` timed epochs; model-steps/s = K × steps ÷ time. ``kit.training.train``'s
steps/s on one model is measured in the same run. Both evaluate the full train and test splits
after every epoch. The sweep is ``kit bench train``'s 48 runs (4 activations × 4 data sets × 3
seeds) as one ``train_many`` call, end to end (data, models, compilation, training), beside the
same sweep run one model at a time, with the mean final val_accuracy of each (activation, data
set) from both.
"""

from __future__ import annotations

import os
import platform
import time

NAME = "many"
HELP = "model-steps/s of kit.training.train_many for K = 1, 8, 48 models and the 48-run sweep in one call"

MODEL_COUNTS = (1, 8, 48)


def add_arguments(parser) -> None:
    from kit.commands import option
    from kit.errors import COUNT

    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 epochs, K = 1 and 8, a 4-run sweep")
    parser.add_argument("--epochs", type=option(COUNT), default=100, help="epochs per timed run (default 100)")
    parser.add_argument("--no-sequential", action="store_true",
                        help="skip the one-model-at-a-time sweep (the slow part)")


def _stacked_timings(data, count, epochs):
    """(seconds of a first one-epoch call on an empty cache, seconds of ``epochs`` more)."""
    from kit import builders
    from kit.training import many, train_many

    many.clear_cache()
    models = [builders.build_mlp(2, [8, 8], "relu", seed=k) for k in range(count)]
    start = time.perf_counter()
    train_many(models, data, epochs=1, verbose=0)
    first = time.perf_counter() - start
    start = time.perf_counter()
    train_many(models, data, epochs=epochs, verbose=0)
    return first, time.perf_counter() - start


def _stacked_sweep(activations, dataset_names, seeds, epochs):
    """The sweep as one train_many call, end to end; (seconds, mean val_accuracy per activation/data set)."""
    from kit import builders, datasets
    from kit.training import many, train_many

    many.clear_cache()
    start = time.perf_counter()
    runs = [(name, activation, seed) for name in dataset_names for activation in activations for seed in seeds]
    data = {name: datasets.playground(name, noise=0, seed=0) for name in dataset_names}
    models = [builders.build_mlp(2, [8, 8], activation, seed=seed) for _, activation, seed in runs]
    histories = train_many(models, [data[name] for name, _, _ in runs], epochs=epochs,
                           seeds=[seed for _, _, seed in runs], verbose=0)
    seconds = time.perf_counter() - start
    scores = {}
    for (name, activation, _), history in zip(runs, histories):
        scores.setdefault(f"{activation}/{name}", []).append(history.history["val_accuracy"][-1])
    return seconds, {key: round(sum(values) / len(values), 3) for key, values in scores.items()}


def run(args) -> dict:
    import keras
    import tensorflow as tf

    from kit import datasets
    from kit.benchmarks import train as single

    epochs = min(args.epochs, 3) if args.quick else args.epochs
    counts = MODEL_COUNTS[:2] if args.quick else MODEL_COUNTS
    data = datasets.playground("spiral", noise=0, seed=0)
    steps = epochs * -(-len(data.x_train) // 10)

    kit_first, kit_timed = single._kit_timings(data, 10, epochs)
    per_count, compile_seconds = {}, {}
    for count in counts:
        first, timed = _stacked_timings(data, count, epochs)
        per_count[str(count)] = round(count * steps / timed, 1)
        compile_seconds[str(count)] = round(first, 3)

    if args.quick:
        sweep = (("linear", "relu"), ("circle", "xor"), (0,))
    else:
        sweep = (single.ACTIVATIONS, single.DATASETS, single.SEEDS)
    sweep_seconds, sweep_accuracy = _stacked_sweep(*sweep, epochs)
    result = {
        "model": "2-8-8-1 ReLU, Playground init, SGD 0.03, batch 10, spiral noise 0 (250 train / 250 test)",
        "epochs": epochs,
        "steps_per_model": steps,
        "includes": ("model-steps/s = K × steps ÷ seconds over `epochs` epochs after a first one-epoch call; "
                     "compile_seconds = that first call on fresh models and an empty cache (tracing + XLA "
                     "compilation + one epoch); both trainers evaluate the full train and test splits every epoch"),
        "many_models_steps_per_s": per_count,
        "many_compile_seconds": compile_seconds,
        "kit_train_steps_per_s": round(steps / kit_timed, 1),
        "kit_train_first_epoch_seconds": round(kit_first, 3),
        "speedup_vs_train": {count: round(value / (steps / kit_timed), 1) for count, value in per_count.items()},
        "sweep_runs": len(sweep[0]) * len(sweep[1]) * len(sweep[2]),
        "sweep_epochs": epochs,
        "sweep_seconds": round(sweep_seconds, 2),
        "sweep_includes": "data generation, model building, tracing and XLA compilation, training (one call)",
        "sweep_val_accuracy": sweep_accuracy,
    }
    if not args.no_sequential:
        sequential_seconds, sequential_accuracy = single._sweep(*sweep, epochs)
        result["sequential_sweep_seconds"] = round(sequential_seconds, 2)
        result["sequential_sweep_val_accuracy"] = sequential_accuracy
        result["sweep_val_accuracy_max_difference"] = round(
            max(abs(sweep_accuracy[key] - sequential_accuracy[key]) for key in sweep_accuracy), 3)
    result["machine"] = {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                         "python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__}
    return result
