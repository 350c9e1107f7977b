"""``kit bench diagnostics``: what the Diagnostics callback costs, measured in one run.

Same model (2-8-8-1 ReLU, Playground initialisation, seed 0), data (spiral, 250 train / 250 test
points), batch size (10) and epochs (100) everywhere; each condition trains a fresh model from
the same initial weights, and is timed from making the callback to the training call's return
(tracing included, as a user waits for it):

- ``trainer``: ``kit.training.train`` alone;
- ``trainer_diagnostics_default``: with ``Diagnostics`` at its default cadence;
- ``trainer_diagnostics_every_epoch``: with every diagnostic (scalars, histograms, decision
  boundary) written every epoch;
- ``fit_keras_tensorboard``: the peer, ``model.fit`` with ``keras.callbacks.TensorBoard(
  histogram_freq=1)`` (weight histograms every epoch; it logs no gradients or activations).

Reported ratios: ``overhead_default`` and ``overhead_every_epoch`` (extra time over the trainer
alone, as fractions) and ``speedup_vs_keras_tensorboard`` (peer time / trainer-with-every-epoch
time). The ``*_steady`` figures time only epochs 2..N (after compiling and tracing), the cost
per epoch of a long run. A warm-up run (trainer alone, then with Diagnostics) first pays the
once-per-process start-up (TensorFlow, matplotlib) and the XLA compilation of the trainer's and
the probe's programs for this architecture, which later runs of it share; no condition is
charged for them.
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
    parser.add_argument("--repeats", type=option(COUNT), default=1,
                        help="runs per condition, taken in turns; medians are reported (default 1)")
    parser.add_argument("--quick", action="store_true", help="3 epochs, one run: checks the benchmark works, "
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


def run(args) -> dict:
    import keras

    from kit import builders, datasets
    from kit.tensorboard import Diagnostics
    from kit.training import train  # the kit's compiled trainer

    epochs = 2 if args.quick else args.epochs
    repeats = 1 if args.quick else args.repeats
    data = datasets.playground("spiral", noise=0, seed=0)
    keras.utils.set_random_seed(0)

    with tempfile.TemporaryDirectory(prefix="kit-bench-") as folder:
        logdir = Path(folder)

        def trainer(make_callbacks):
            clock = _epoch_clock()
            model = _model()
            start = time.perf_counter()  # making the callback is part of its cost
            train(model, data, epochs=epochs, batch_size=10, optimizer="sgd", learning_rate=0.03, seed=0,
                  callbacks=[clock, *make_callbacks()], verbose=0)
            return time.perf_counter() - start, clock.seconds

        def peer(run_index):
            clock = _epoch_clock()
            model = builders.compile_model(_model(), "sgd", 0.03)
            start = time.perf_counter()
            board = keras.callbacks.TensorBoard(str(logdir / f"keras-{run_index}"), histogram_freq=1)
            model.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test), epochs=epochs,
                      batch_size=10, verbose=0, callbacks=[clock, board])
            return time.perf_counter() - start, clock.seconds

        # Warm-up: once-per-process start-up (TensorFlow's, importing matplotlib, its font
        # cache) is nobody's cost; every condition below still pays its own per-run tracing,
        # compiling and drawing.
        trainer(list)
        trainer(lambda: [Diagnostics(logdir / "warm-up", probe=data)])
        conditions = {
            "trainer": lambda i: trainer(list),
            "trainer_diagnostics_default": lambda i: trainer(
                lambda: [Diagnostics(logdir / f"default-{i}", probe=data)]),
            "trainer_diagnostics_every_epoch": lambda i: trainer(
                lambda: [Diagnostics(logdir / f"every-{i}", probe=data, every=1, images_every=1)]),
            "fit_keras_tensorboard": peer,
        }
        # Round-robin repeats: load from other processes on a shared machine hits every
        # condition alike instead of one block of runs.
        timings = {name: [] for name in conditions}
        for index in range(repeats):
            for name, condition in conditions.items():
                timings[name].append(condition(index))
        totals = {name: statistics.median(t for t, _ in runs) for name, runs in timings.items()}
        steady = {name: statistics.median(s for _, s in runs) for name, runs in timings.items()}

    def ratio(a, b):
        return a / b if b > 0 else float("nan")

    return {
        "overhead_default": ratio(totals["trainer_diagnostics_default"], totals["trainer"]) - 1,
        "overhead_every_epoch": ratio(totals["trainer_diagnostics_every_epoch"], totals["trainer"]) - 1,
        "speedup_vs_keras_tensorboard": ratio(totals["fit_keras_tensorboard"], totals["trainer_diagnostics_every_epoch"]),
        "overhead_default_steady": ratio(steady["trainer_diagnostics_default"], steady["trainer"]) - 1,
        "overhead_every_epoch_steady": ratio(steady["trainer_diagnostics_every_epoch"], steady["trainer"]) - 1,
        "speedup_vs_keras_tensorboard_steady": ratio(steady["fit_keras_tensorboard"],
                                                     steady["trainer_diagnostics_every_epoch"]),
        "seconds": {name: round(value, 4) for name, value in totals.items()},
        "steady_seconds": {name: round(value, 4) for name, value in steady.items()},
        "setup": {"model": "2-8-8-1 relu (playground init, seed 0)", "data": "spiral, noise 0, 250 train / 250 test",
                  "batch_size": 10, "epochs": epochs, "repeats": repeats, "quick": bool(args.quick)},
    }
