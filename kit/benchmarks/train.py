"""``kit bench train``: the compiled trainer against ``model.fit`` in each of its configurations.

Same network (Playground spiral, 2-8-8-1 ReLU, Playground head and initialisation), data, optimizer
(SGD 0.03), batch size and epochs for every contender. ``model.fit`` runs in every combination of
``jit_compile`` ∈ {False, True} × ``steps_per_execution`` ∈ {1, 5, 25} (25 steps are one whole
epoch of 250 points in batches of 10): the options a Keras user would try to make it faster. The
headline ``speedup_vs_fit_best`` divides the kit's steps/s by fit's *best* configuration (named in
``fit_best_config``); ``speedup_vs_fit_default`` divides by fit's defaults.

Every contender is warmed up the same way: a fresh model trains one epoch first
(``first_epoch_seconds``: tracing and compilation plus that epoch; the kit's compiled-function
cache is cleared before its first epoch, so it compiles as fit does), then the timed epochs on
that model. The timed runs go in turns (round robin, ``--repeats`` rounds, medians reported), so
load from other processes on a shared machine hits every contender alike. Before any of this an
untimed run of each kind pays the once-per-process start-up (TensorFlow's runtime, XLA's).

``kit.training.train`` does more work per epoch than ``model.fit`` here: it also evaluates the
full train and test splits after every epoch (the Playground's figures), which fit does not.
``kit_callback_steps_per_s`` is the trainer with a no-op Keras callback, which makes it return to
Python after every epoch; ``speedup_vs_fit_best_with_callback`` divides it by fit's best
configuration with the same callback (every fit configuration runs with it too:
``fit_with_callback``), the ratio a user with one per-epoch callback sees. At full batch (one step per epoch) ``steps_per_execution`` changes
nothing, so fit's full-batch contenders differ by ``jit_compile`` only. The sweep trains every
activation × data set × seed end to end (data, model, compilation, training), one ``train`` call
at a time and as one ``kit.training.train_many`` call; ``many_models_steps_per_s`` is
``train_many``'s model-steps/s for K = 1, 8, 48 models of the same network (K × steps ÷ seconds,
after a first one-epoch call on an empty cache, reported as ``many_compile_seconds``).

A process that imports the kit runs TensorFlow with one intra-op thread (``kit.startup.INTRA_OP_THREADS``),
fit's contenders too. ``threads`` measures what that setting is worth: the kit and fit's fastest
configuration (``jit_compile=True, steps_per_execution=25``), each in fresh processes with
``TF_NUM_INTRAOP_THREADS`` 0 (TensorFlow's default: one per core) and 1, in turns (``--repeats`` rounds),
with the processes' CPU seconds per wall second of training (``cpu_per_wall``).

Example:
    kit bench train --json --out docs/benchmarks/train.json
"""

from __future__ import annotations

import statistics
import time

NAME = "train"
HELP = "steps/s of kit.training.train vs model.fit in every jit_compile × steps_per_execution, and a 48-run sweep"

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")
DATASETS = ("circle", "xor", "gauss", "spiral")
SEEDS = (0, 1, 2)
JIT_COMPILE = (False, True)
STEPS_PER_EXECUTION = (1, 5, 25)  # 25 = one whole epoch of 250 points in batches of 10
BATCH_SIZE = 10
LEARNING_RATE = 0.03
MODEL_COUNTS = (1, 8, 48)  # models trained at once by train_many: one, a few seeds, the 48-run sweep


def add_arguments(parser) -> None:
    from kit.commands import option
    from kit.errors import COUNT

    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 3 epochs, one round, a 4-run sweep (its timings mean nothing)")
    parser.add_argument("--epochs", type=option(COUNT), default=100, help="epochs per timed run (default 100)")
    parser.add_argument("--repeats", type=option(COUNT), default=3,
                        help="timed runs per contender, taken in turns; medians are reported (default 3)")


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _model():
    from kit import builders

    return builders.build_mlp(2, [8, 8], "relu", head="playground", initializer="playground", seed=0)


def _fit(data, batch_size, jit_compile, steps_per_execution, callbacks=None):
    """``run(n_epochs)`` training one fresh model with ``model.fit`` in this configuration."""
    from kit import builders, heads

    model = _model()
    head = heads.head_of(model)
    model.compile(optimizer=builders.make_optimizer("sgd", LEARNING_RATE), loss=head.loss(), metrics=head.metrics(),
                  jit_compile=jit_compile, steps_per_execution=steps_per_execution)
    return lambda epochs: model.fit(data.x_train, data.y_train, batch_size=batch_size, epochs=epochs, verbose=0,
                                    callbacks=callbacks)


def _kit(data, batch_size, callbacks=None):
    """``run(n_epochs)`` training one fresh model with ``kit.training.train``."""
    from kit.training import train

    model = _model()
    return lambda epochs: train(model, data, epochs=epochs, batch_size=batch_size, optimizer="sgd",
                                learning_rate=LEARNING_RATE, callbacks=callbacks, verbose=0)


THREAD_SETTINGS = ("0", "1")  # TF_NUM_INTRAOP_THREADS: TensorFlow's default (one per core), the kit's


def thread_rates(epochs: int) -> dict:
    """In this process (its thread setting fixed when TensorFlow started): the kit's and fit's best
    steps/s over ``epochs`` epochs after one warm-up epoch each, and the process's CPU seconds per
    wall second while each trained. Run by ``threads`` in fresh processes."""
    import os

    from kit import datasets

    data = datasets.playground("spiral", noise=0, seed=0)
    steps = epochs * -(-len(data.x_train) // BATCH_SIZE)
    rates = {}
    for name, make in (("kit", lambda: _kit(data, BATCH_SIZE)), ("fit_best", lambda: _fit(data, BATCH_SIZE, True, 25))):
        run = make()
        run(1)
        times, cpu = [], []
        for _ in range(3):
            before, started = os.times(), time.perf_counter()
            run(epochs)
            seconds, after = time.perf_counter() - started, os.times()
            times.append(seconds)
            cpu.append((after.user + after.system - before.user - before.system) / seconds)
        rates[name] = {"steps_per_s": steps / statistics.median(times), "cpu_per_wall": statistics.median(cpu)}
    return rates


def threads(epochs: int, repeats: int, at_once: bool = False) -> dict:
    """The kit and fit's best under each ``TF_NUM_INTRAOP_THREADS`` of ``THREAD_SETTINGS``, each a fresh
    process (:func:`kit.benchmarks.processes.measure_many`), settings in turns; medians over ``repeats``
    processes per setting. ``at_once``: two processes at a time (``--quick``: checks the figures are
    made, the timings mean nothing)."""
    import json
    import sys

    from kit.benchmarks.processes import kit_environment, measure_many

    # The variable is set before the kit is imported (which would keep a value already set).
    script = ("import json, os, sys; os.environ['TF_NUM_INTRAOP_THREADS'] = sys.argv[2]; "
              "from kit.benchmarks.train import thread_rates; print(json.dumps(thread_rates(int(sys.argv[1]))))")
    order = [setting for _ in range(repeats) for setting in THREAD_SETTINGS]
    _, done = measure_many([[sys.executable, "-c", script, str(epochs), setting] for setting in order],
                           2 if at_once else 1, env=kit_environment(), timeout=600)
    runs = {setting: [] for setting in THREAD_SETTINGS}
    for setting, measured in zip(order, done):
        if measured.returncode != 0:
            raise RuntimeError(f"the TF_NUM_INTRAOP_THREADS={setting} process failed: {measured.stderr[-500:]}")
        runs[setting].append(json.loads(measured.stdout.strip().splitlines()[-1]))
    figures = {}
    for name in ("kit", "fit_best"):
        figures[name] = {setting: {figure: round(statistics.median(run[name][figure] for run in runs[setting]), 2)
                                   for figure in ("steps_per_s", "cpu_per_wall")} for setting in THREAD_SETTINGS}
        figures[f"{name}_speedup_one_thread"] = round(
            figures[name]["1"]["steps_per_s"] / figures[name]["0"]["steps_per_s"], 2)
    figures["includes"] = ("TF_NUM_INTRAOP_THREADS 0 (TensorFlow's default, one thread per core) and 1 (the kit's "
                           "default), each a fresh process, in turns; steps/s of `epochs` epochs after one warm-up "
                           "epoch, median of 3 in a process, then of `repeats` processes; fit_best: jit_compile=True, "
                           "steps_per_execution=25; cpu_per_wall: the process's CPU seconds per wall second")
    return figures


def _config(jit_compile, steps_per_execution) -> str:
    return f"jit_compile={jit_compile}, steps_per_execution={steps_per_execution}"


def _race(contenders: dict, epochs: int, repeats: int) -> dict:
    """{name: (first-epoch seconds, median seconds of ``epochs`` more)} for ``{name: make_run}``.

    ``contenders`` maps a name to ``(make_run, before)``: ``before()`` runs first (untimed), then
    ``make_run()`` builds the fresh model and its first epoch is timed; then the timed runs go
    round robin.
    """
    runs, first = {}, {}
    for name, (make_run, before) in contenders.items():
        before()
        runs[name] = make_run()
        first[name] = _timed(lambda: runs[name](1))
    timed = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run_epochs in runs.items():
            timed[name].append(_timed(lambda: run_epochs(epochs)))
    return {name: (first[name], statistics.median(timed[name])) for name in runs}


def stacked_timings(data, count, epochs):
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


def stacked_sweep(activations, dataset_names, seeds, epochs):
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


def sweep_one_at_a_time(activations, datasets_, seeds, epochs):
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


def _comparison(results: dict, fit_names: dict, kit_name: str, steps: int) -> dict:
    """The figures of one batch size: every fit configuration, the kit, and the ratios."""
    def rate(name):
        return steps / results[name][1]

    kit_rate = rate(kit_name)
    fit = [{"jit_compile": jit, "steps_per_execution": spe, "steps_per_s": round(rate(name), 1),
            "first_epoch_seconds": round(results[name][0], 3), "kit_speedup": round(kit_rate / rate(name), 1)}
           for name, (jit, spe) in fit_names.items()]
    best_name = max(fit_names, key=rate)
    default_name = next(name for name, (jit, spe) in fit_names.items() if not jit and spe == 1)

    def end_to_end(name):  # one first epoch and the timed epochs, as a user waits for them
        return results[name][0] + results[name][1]

    return {
        "speedup_vs_fit_best": round(kit_rate / rate(best_name), 1),
        "speedup_vs_fit_default": round(kit_rate / rate(default_name), 1),
        "fit_best_config": _config(*fit_names[best_name]),
        "kit_steps_per_s": round(kit_rate, 1),
        "fit_best_steps_per_s": round(rate(best_name), 1),
        "fit_default_steps_per_s": round(rate(default_name), 1),
        "kit_first_epoch_seconds": round(results[kit_name][0], 3),
        "fit_best_first_epoch_seconds": round(results[best_name][0], 3),
        "speedup_vs_fit_best_end_to_end": round(end_to_end(best_name) / end_to_end(kit_name), 1),
        "fit": fit,
    }


def run(args) -> dict:
    import keras

    from kit import datasets
    from kit.training import compiled

    epochs = min(args.epochs, 3) if args.quick else args.epochs  # checked by their argparse types
    repeats = 1 if args.quick else args.repeats
    keras.utils.set_random_seed(0)
    data = datasets.playground("spiral", noise=0, seed=0)
    n_train = len(data.x_train)
    steps_per_epoch = -(-n_train // BATCH_SIZE)

    # Once-per-process start-up (TensorFlow's runtime, the first XLA compilation) is nobody's cost.
    _fit(data, BATCH_SIZE, False, 1)(1)
    _fit(data, BATCH_SIZE, True, 1)(1)
    _kit(data, BATCH_SIZE)(1)

    def nothing():
        pass

    fit_names = {f"fit {_config(jit, spe)}": (jit, spe) for jit in JIT_COMPILE for spe in STEPS_PER_EXECUTION}
    full_names = {f"full-batch fit {_config(jit, 1)}": (jit, 1) for jit in JIT_COMPILE}
    contenders = {name: ((lambda c=config: _fit(data, BATCH_SIZE, *c)), nothing) for name, config in fit_names.items()}
    # The kit compiles once per architecture, optimizer and data shape, for every model: clear
    # its cache before its first contender, so that its first epoch pays tracing and XLA as
    # fit's does. The callback run shares that compiled function (same shapes); full batch
    # compiles its own.
    contenders["kit"] = (lambda: _kit(data, BATCH_SIZE), compiled.clear_cache)
    contenders["kit with a callback"] = (lambda: _kit(data, BATCH_SIZE, [keras.callbacks.LambdaCallback()]), nothing)
    # The same no-op per-epoch callback in every fit configuration: the peer of the line above.
    callback_names = {f"{name} with a callback": config for name, config in fit_names.items()}
    contenders.update({name: ((lambda c=config: _fit(data, BATCH_SIZE, *c, [keras.callbacks.LambdaCallback()])),
                              nothing) for name, config in callback_names.items()})
    contenders.update({name: ((lambda c=config: _fit(data, n_train, *c)), nothing) for name, config in full_names.items()})
    contenders["full-batch kit"] = (lambda: _kit(data, n_train), nothing)
    results = _race(contenders, epochs, repeats)

    sweep_grid = ((("linear", "relu"), ("circle", "xor"), (0,)) if args.quick else (ACTIVATIONS, DATASETS, SEEDS))
    sweep_runs = len(sweep_grid[0]) * len(sweep_grid[1]) * len(sweep_grid[2])
    sweep_seconds, sweep_accuracy = sweep_one_at_a_time(*sweep_grid, epochs)
    # Many models at once (kit.training.train_many), measured in this same run as fit's best.
    stacked, stacked_compile = {}, {}
    for count in (MODEL_COUNTS[:2] if args.quick else MODEL_COUNTS):
        first, timed = stacked_timings(data, count, epochs)
        stacked[str(count)] = round(count * epochs * steps_per_epoch / timed, 1)
        stacked_compile[str(count)] = round(first, 3)
    stacked_sweep_seconds, stacked_sweep_accuracy = stacked_sweep(*sweep_grid, epochs)
    thread_figures = threads(epochs, repeats, at_once=args.quick)

    steps = epochs * steps_per_epoch
    batch = _comparison(results, fit_names, "kit", steps)
    full = _comparison(results, full_names, "full-batch kit", epochs)
    with_callback = _comparison(results, callback_names, "kit with a callback", steps)
    return {
        "speedup_vs_fit_best": batch.pop("speedup_vs_fit_best"),
        "speedup_vs_fit_best_with_callback": with_callback["speedup_vs_fit_best"],
        "speedup_vs_fit_default": batch.pop("speedup_vs_fit_default"),
        "fit_best_config": batch.pop("fit_best_config"),
        **batch,
        "kit_callback_steps_per_s": with_callback["kit_steps_per_s"],
        "fit_best_with_callback_config": with_callback["fit_best_config"],
        "fit_best_with_callback_steps_per_s": with_callback["fit_best_steps_per_s"],
        "fit_with_callback": with_callback["fit"],
        "full_batch": full,
        "threads": thread_figures,
        "many_models_steps_per_s": stacked,
        "many_models_compile_seconds": stacked_compile,
        "many_models_speedup_vs_fit_best": {count: round(value / batch["fit_best_steps_per_s"], 1)
                                            for count, value in stacked.items()},
        "sweep_seconds": round(stacked_sweep_seconds, 2),
        "sweep": {"runs": sweep_runs, "epochs": epochs, "seconds": round(stacked_sweep_seconds, 2),
                  "one_at_a_time_seconds": round(sweep_seconds, 2),
                  "includes": ("data generation, model building, tracing and XLA compilation, training; `seconds`: "
                               "all runs in one kit.training.train_many call; `one_at_a_time_seconds`: "
                               "kit.training.train per run"),
                  "val_accuracy": stacked_sweep_accuracy, "one_at_a_time_val_accuracy": sweep_accuracy},
        "setup": {"model": "2-8-8-1 ReLU, Playground head and initialisation, SGD 0.03",
                  "data": f"spiral, noise 0, {n_train} train / {len(data.x_test)} test",
                  "batch_size": BATCH_SIZE, "steps_per_epoch": steps_per_epoch, "epochs": epochs, "steps": steps,
                  "repeats": repeats, "quick": bool(args.quick)},
        "includes": (
            "steps/s = steps of the timed epochs / their seconds (median of `repeats` runs taken round robin), "
            "after a first epoch on a fresh model that paid tracing and compilation (first_epoch_seconds; the "
            "kit's compiled-function cache cleared before it); with_callback: the kit and every fit "
            "configuration with one no-op per-epoch Keras callback; kit.training.train also evaluates the full "
            "train and test splits after every epoch, model.fit evaluates nothing; end_to_end = first epoch "
            "+ timed epochs; full batch: steps_per_execution changes nothing at one step per epoch"),
    }
