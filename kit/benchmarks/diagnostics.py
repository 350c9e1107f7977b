"""``kit bench diagnostics``: what the Diagnostics callback costs, measured in one run.

Same model (2-8-8-1 ReLU, Playground head and initialisation, seed 0), data (spiral, 250 train /
250 test points), batch size (10) and epochs (100) everywhere; each condition is timed from
making the callback to the training call's return:

- ``trainer``: ``kit.training.train`` alone;
- ``trainer_diagnostics_default``: with ``Diagnostics`` at its default cadence;
- ``trainer_diagnostics_every_epoch``: with every diagnostic (scalars, histograms, decision
  boundary) written every epoch;
- ``fit_keras_tensorboard``: the peer, ``model.fit`` (validating on the test split every epoch,
  as the kit's trainer evaluates it) with ``keras.callbacks.TensorBoard(histogram_freq=1)``
  (weight histograms every epoch; it logs no gradients or activations), at fit's defaults;
- ``fit_keras_tensorboard_fast``: the same peer compiled with ``jit_compile=True,
  steps_per_execution=25``: both of fit's speed options on (``kit bench train`` compares every
  combination of them).

Two modes, each reported in full:

- ``cold``: before every run the kit's module-level caches are cleared (the compiled trainer,
  the shared probe programs, the rendered activation curves, the decision-boundary plane grids)
  and every condition trains a fresh model, so the kit compiles and draws again as Keras traces
  fit's functions again: what one ``kit train --logdir`` run costs.
- ``warm``: the kit's caches stay filled by the warm-up, and the peer reuses the model of its
  warm-up run (weights reset to the same initial values; plain SGD keeps no other state), so
  fit's traced functions are warm too: what each further run of a sweep costs.

Before both, one untimed run of every condition pays the once-per-process start-up (TensorFlow's
runtime, XLA's, matplotlib, TensorBoard's summary writer), so no condition is charged for it.
Runs are taken in turns (round robin over both modes and every condition, ``--repeats`` rounds,
an untimed run of each kit condition refilling the caches before each warm round; in a warm round
each kit condition runs ``KIT_WARM_RUNS`` times, in turns), medians reported. Ratios:
``overhead_*`` (extra time over the trainer alone, as fractions) and ``speedup_vs_keras_tensorboard*``
(peer time / trainer-with-every-epoch time). The ``steady_*`` figures time only epochs 2..N
(after compiling and tracing), the cost per epoch of a long run.

Example:
    kit bench diagnostics --json --out docs/benchmarks/diagnostics.json
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

NAME = "diagnostics"
HELP = "cost of the TensorBoard Diagnostics callback vs the fast trainer alone and vs model.fit + TensorBoard"


def add_arguments(parser) -> None:
    from numbers import Integral

    from kit.commands import option
    from kit.errors import COUNT, Interval

    # Two epochs at least: the steady-state figures leave the first epoch out.
    parser.add_argument("--epochs", type=option(Interval(Integral, 2, None)), default=100,
                        help="epochs per condition (default 100)")
    parser.add_argument("--repeats", type=option(COUNT), default=3,
                        help="runs per condition and mode, taken in turns; medians are reported (default 3)")
    parser.add_argument("--quick", action="store_true", help="2 epochs, one run: checks the benchmark works, "
                        "its timings mean nothing")


def _epoch_clock():
    """A callback timing the end of the first epoch to the end of training (steady-state epochs)."""
    import keras

    class EpochClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.start = None
            self.seconds = 0.0

        def needs_model_after(self, epoch):
            # Only the first epoch's end must be seen as it happens; later ones may be replayed
            # after a compiled chunk (kit.training.train), so the clock does not slow the trainer.
            return epoch == 0

        def on_epoch_end(self, epoch, logs=None):
            if self.start is None:
                self.start = time.perf_counter()

        def on_train_end(self, logs=None):
            if self.start is not None:
                self.seconds = time.perf_counter() - self.start

    return EpochClock()


def _model():
    from kit import builders

    return builders.build_mlp(2, [8, 8], "relu", head="playground", initializer="playground", seed=0)


KIT_WARM_RUNS = 9
"""Runs of each kit condition per warm round (in turns; the peers run once a round): a warm kit run takes
40-150 ms, where a scheduler's hiccup moves one run's time by tens of percent, so its median needs more
runs than the peers' 15-30 s ones (three rounds of one run each gave a warm overhead of +84 % to +169 %
for the same code)."""

PEER_CONFIGS = {"fit_keras_tensorboard": {"jit_compile": False, "steps_per_execution": 1},
                "fit_keras_tensorboard_fast": {"jit_compile": True, "steps_per_execution": 25}}
"""The peer at fit's defaults and with both of fit's speed options on (``kit bench train`` compares
every combination of them without callbacks)."""


def clear_kit_caches() -> None:
    """Empty every module-level cache the trainer and Diagnostics keep across models.

    The compiled trainer (``kit.training.compiled``), the shared probe programs
    (``kit.diagnostics``), the rendered activation curves and plane grids of the callback, the
    network pictures' painters (``kit.tensorboard.views``), the runs kept to draw side by side
    (``kit.tensorboard.gradient_flow.SideBySide``) and their pictures' axes, and the small ``lru_cache`` helpers (the
    palette, the image metadata, the rendered text of the pictures' labels). A test checks that
    each is filled by a run and emptied here. Every cache registered with :mod:`kit.caches`.
    """
    import kit

    kit.clear_caches()


def _ratio(a, b):
    return a / b if b > 0 else float("nan")


def _figures(timings: dict) -> dict:
    """Medians and ratios of one mode's ``{condition: [(total, steady), ...]}``."""
    totals = {name: statistics.median(t for t, _ in runs) for name, runs in timings.items()}
    steady = {name: statistics.median(s for _, s in runs) for name, runs in timings.items()}
    figures = {}
    for suffix, values in (("", totals), ("_steady", steady)):
        every = values["trainer_diagnostics_every_epoch"]
        figures[f"overhead_default{suffix}"] = round(_ratio(values["trainer_diagnostics_default"], values["trainer"]) - 1, 3)
        figures[f"overhead_every_epoch{suffix}"] = round(_ratio(every, values["trainer"]) - 1, 3)
        figures[f"speedup_vs_keras_tensorboard{suffix}"] = round(_ratio(values["fit_keras_tensorboard"], every), 1)
        figures[f"speedup_vs_keras_tensorboard_fast{suffix}"] = round(
            _ratio(values["fit_keras_tensorboard_fast"], every), 1)
    figures["seconds"] = {name: round(value, 4) for name, value in totals.items()}
    figures["steady_seconds"] = {name: round(value, 4) for name, value in steady.items()}
    return figures


def run(args) -> dict:
    import keras

    from kit import builders, datasets, heads
    from kit.tensorboard import Diagnostics
    from kit.training import train  # the kit's compiled trainer

    epochs = 2 if args.quick else args.epochs
    repeats = 1 if args.quick else args.repeats
    data = datasets.playground("spiral", noise=0, seed=0)
    keras.utils.set_random_seed(0)

    with tempfile.TemporaryDirectory(prefix="kit-bench-") as folder:
        logdir = Path(folder)
        runs = iter(range(10**9))  # a fresh log folder for every run

        def trainer(make_callbacks):
            def condition(cold):
                if cold:
                    clear_kit_caches()
                clock = _epoch_clock()
                model = _model()
                start = time.perf_counter()  # making the callback is part of its cost
                train(model, data, epochs=epochs, batch_size=10, optimizer="sgd", learning_rate=0.03, seed=0,
                      callbacks=[clock, *make_callbacks(logdir / f"run-{next(runs)}")], verbose=0)
                return time.perf_counter() - start, clock.seconds
            return condition

        def peer(config):
            warm_model = None

            def condition(cold):
                nonlocal warm_model
                if cold or warm_model is None:
                    model = _model()
                    head = heads.head_of(model)
                    model.compile(optimizer=builders.make_optimizer("sgd", 0.03), loss=head.loss(),
                                  metrics=head.metrics(), **config)
                    initial = model.get_weights()
                    if warm_model is None:
                        warm_model = model, initial
                else:
                    model, initial = warm_model
                    model.set_weights(initial)  # the same start; fit's traced functions stay
                clock = _epoch_clock()
                start = time.perf_counter()
                board = keras.callbacks.TensorBoard(str(logdir / f"run-{next(runs)}"), histogram_freq=1)
                model.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test), epochs=epochs,
                          batch_size=10, verbose=0, callbacks=[clock, board])
                return time.perf_counter() - start, clock.seconds
            return condition

        conditions = {
            "trainer": trainer(lambda path: []),
            "trainer_diagnostics_default": trainer(lambda path: [Diagnostics(path, probe=data)]),
            "trainer_diagnostics_every_epoch": trainer(
                lambda path: [Diagnostics(path, probe=data, every=1, images_every=1)]),
            **{name: peer(config) for name, config in PEER_CONFIGS.items()},
        }
        def warm_up(peers_too: bool):  # untimed; fills the kit's caches (and makes the peer's models)
            for name, condition in conditions.items():
                if peers_too or name.startswith("trainer"):
                    condition(False)

        # The first warm-up also pays once-per-process start-up, which is nobody's cost.
        timings = {mode: {name: [] for name in conditions} for mode in ("warm", "cold")}
        kit_warm_runs = 1 if args.quick else KIT_WARM_RUNS
        for first_time in [True] + [False] * (repeats - 1):
            # Round robin over modes and conditions: load from other processes on a shared
            # machine hits every condition of both modes alike. A cold round empties the kit's
            # caches, so each warm round is preceded by an untimed warm-up.
            warm_up(peers_too=first_time)
            for mode in ("warm", "cold"):
                for turn in range(kit_warm_runs if mode == "warm" else 1):
                    for name, condition in conditions.items():
                        if turn == 0 or name.startswith("trainer"):
                            timings[mode][name].append(condition(mode == "cold"))
        results = {mode: _figures(by_condition) for mode, by_condition in timings.items()}

    cold, warm = results["cold"], results["warm"]
    return {
        "speedup_vs_keras_tensorboard": cold["speedup_vs_keras_tensorboard"],
        "speedup_vs_keras_tensorboard_fast": cold["speedup_vs_keras_tensorboard_fast"],
        "overhead_default": cold["overhead_default"],
        "overhead_every_epoch": cold["overhead_every_epoch"],
        "peer_configs": {name: ", ".join(f"{k}={v}" for k, v in config.items())
                         for name, config in PEER_CONFIGS.items()},
        "cold": cold,
        "warm": warm,
        "includes": (
            "seconds from making the callback to the end of training, median of `repeats` runs taken round "
            f"robin over both modes (warm: the kit's conditions {kit_warm_runs} times a round, in turns, the "
            "peers once), after one untimed warm-up run of every condition (and of each kit condition "
            "before every warm round); cold: the kit's caches (compiled "
            "trainer, probe programs, activation-curve images, plane grids) cleared before every run and "
            "every run on a fresh model, so the kit compiles and the peer traces again; warm: the kit's "
            "caches kept and the peer reusing its warm-up model (weights reset), nobody compiles; the "
            "top-level figures are cold; the peer validates on the test split every epoch, as the kit's "
            "trainer evaluates it; steady = epochs 2..N only"),
        "setup": {"model": "2-8-8-1 ReLU, Playground head and initialisation, seed 0",
                  "data": "spiral, noise 0, 250 train / 250 test", "batch_size": 10, "epochs": epochs,
                  "repeats": repeats, "kit_warm_runs_per_round": kit_warm_runs, "quick": bool(args.quick)},
    }
