"""``Diagnostics``: a Keras callback that writes what happens inside the network to TensorBoard.

Keras's own TensorBoard callback logs weight histograms only. This one runs a forward and
backward pass over a fixed probe batch and writes, per Dense layer, what the course is about:
gradient norms (vanishing gradients), dead ReLU units, saturated units, activation statistics
and histograms, plus the decision boundary, the activation curves, the hyperparameters and a
Custom Scalars layout. It works with ``model.fit`` and with ``kit.training.train`` (epoch hooks
only; no batch hooks are used).

Steps count completed epochs: step 0 is the network as initialised (written when the first
epoch begins), step k the network after k epochs.

Example:
    >>> from kit import builders, datasets
    >>> from kit.tensorboard import Diagnostics
    >>> data = datasets.playground("spiral", seed=0)
    >>> model = builders.compile_model(builders.build_mlp(2, [8, 8], "relu"))
    >>> model.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test), epochs=20,
    ...           batch_size=10, verbose=0, callbacks=[Diagnostics("runs/relu", probe=data)])  # doctest: +SKIP
"""

from __future__ import annotations

import numbers

import keras
import numpy as np

from kit import diagnostics
from kit.errors import bad_parameter, bad_type
from kit.tensorboard import dashboards, events

PROBE_SIZE = 256
"""Rows of a Dataset used as the probe by default: the first 256 test points (half of a 500-point
Playground set; enough that "0 on every probe point" rarely happens by chance to a live unit)."""

GRID_RESOLUTION = 100  # the Playground's heat map: 100×100 over [-6, 6]²
IMAGE_SCALE = 2  # the 100×100 decision grid is drawn at 200×200 so the data points are visible
OWNER = "Diagnostics"
_CURVES: dict = {}  # activation names → the rendered curves (matplotlib takes ~0.2 s a figure)


def _check_every(value, parameter):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise bad_parameter(parameter, OWNER, "a positive int (a number of epochs)", value)
    return int(value)


def _check_array(value, parameter, ndim):
    if isinstance(value, (str, bytes)) or value is None:
        raise bad_type(parameter, OWNER, f"a numeric array with {ndim} dimension(s)", value)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise bad_type(parameter, OWNER, f"a numeric array with {ndim} dimension(s)", value) from None
    if array.dtype.kind not in "biuf" or array.ndim != ndim or array.shape[0] < 1:
        raise bad_parameter(parameter, OWNER, f"a non-empty numeric array with {ndim} dimension(s)",
                            f"an array of shape {array.shape} and dtype {array.dtype}")
    return array


def resolve_probe(probe, probe_size: int = PROBE_SIZE):
    """``(x, y or None, dataset or None)`` for a probe given as a Dataset, ``(x, y)`` or ``x``."""
    from kit import datasets

    if isinstance(probe, datasets.Dataset):
        x, y = (probe.x_test, probe.y_test) if len(probe.x_test) else (probe.x_train, probe.y_train)
        return np.asarray(x[:probe_size], np.float32), np.asarray(y[:probe_size]), probe
    if isinstance(probe, tuple):
        if len(probe) != 2:
            raise bad_parameter("probe", OWNER, "a Dataset, an (x, y) pair or an x array", f"a tuple of {len(probe)}")
        x, y = _check_array(probe[0], "probe x", 2), _check_array(probe[1], "probe y", 1 if np.ndim(probe[1]) == 1 else 2)
        if len(y) != len(x):
            raise bad_parameter("probe", OWNER, "an (x, y) pair with one label per row of x",
                                f"{len(x)} rows and {len(y)} labels")
        return x.astype(np.float32), y, None
    if probe is None:
        raise bad_parameter("probe", OWNER, "the batch to look at: a kit Dataset (its first "
                            f"{PROBE_SIZE} test points are used), an (x, y) pair, or an x array", probe,
                            "Pass probe=data, the data set you train on.")
    return _check_array(probe, "probe", 2).astype(np.float32), None, None


class Diagnostics(keras.callbacks.Callback):
    """Writes a run's diagnostics into ``logdir`` for TensorBoard (``kit board LOGDIR``).

    Args:
        logdir: the run's folder (one folder per run; compare runs by giving one parent folder to
            ``kit board``).
        probe: the fixed batch looked at: a ``kit.datasets.Dataset`` (its first ``probe_size``
            test points), an ``(x, y)`` pair, or ``x`` alone (then no gradients are written).
        every: write the probe diagnostics (per-layer scalars and histograms) every this many
            epochs, plus at step 0 and after the last epoch. Losses and accuracies from the
            trainer's logs are written every epoch.
        images_every: draw the decision boundary every this many epochs (default: ``2 × every``, as
            the picture costs more than the rest of a probe);
            only for Playground data sets given as ``probe``.
        hparams: hyperparameters to record beside the ones read off the model (activation,
            hidden widths, depth, optimizer, learning rate, data set), e.g. ``{"seed": 0}``;
            values override those read.
        probe_size: rows of a Dataset probe.

    What it writes (tags; ``<layer>`` is a Dense layer's name):
        scalars: ``loss/train``, ``loss/test``, ``accuracy/train``, ``accuracy/test`` (from the
        logs; ``val_`` keys are the test set) every epoch; at the probe cadence
        ``grad_norm/<layer>``, ``activation_mean/<layer>``, ``activation_std/<layer>``,
        ``dead_fraction/<layer>`` (ReLU-like hidden layers), ``saturated_fraction/<layer>``
        (squashing hidden layers) — the rules are those of ``kit.diagnostics``;
        histograms: ``pre_activation/<layer>``, ``activation/<layer>``, ``kernel/<layer>``,
        ``kernel_gradient/<layer>``;
        images: ``decision_boundary`` (Playground colours, training points drawn on it),
        ``activation_curves`` (once);
        the HParams session and the Custom Scalars layout (once).

    Example:
        >>> callback = Diagnostics("runs/sigmoid-10", probe=data, every=5, hparams={"seed": 0})  # doctest: +SKIP
        >>> model.fit(data.x_train, data.y_train, epochs=50, callbacks=[callback])  # doctest: +SKIP
    """

    def __init__(self, logdir, probe, every: int = 25, images_every: int | None = None, hparams: dict | None = None,
                 probe_size: int = PROBE_SIZE):
        super().__init__()
        if not isinstance(logdir, (str, bytes)) and not hasattr(logdir, "__fspath__"):
            raise bad_type("logdir", OWNER, "a folder path (str or pathlib.Path)", logdir)
        self.logdir = str(logdir)
        if not self.logdir:
            raise bad_parameter("logdir", OWNER, "a non-empty folder path", logdir)
        self.every = _check_every(every, "every")
        self.images_every = 2 * self.every if images_every is None else _check_every(images_every, "images_every")
        probe_size = _check_every(probe_size, "probe_size")
        self.probe_x, self.probe_y, self.dataset = resolve_probe(probe, probe_size)
        self.extra_hparams = dashboards.check_hparams(hparams, OWNER) if hparams is not None else {}
        self._writer = None
        self._probe = None
        self._pass = None
        self._last_probe_step = None
        self._started = False
        self._last_step = 0
        self._plane = None
        self.final_logs: dict = {}

    # -- Keras hooks -------------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        self.probe_x = diagnostics.check_inputs(self.model, self.probe_x, OWNER, "probe")
        if self.probe_y is not None:
            self.probe_y = diagnostics.check_labels(self.probe_y, len(self.probe_x), OWNER)
        self._pass = diagnostics.ProbePass(self.model, owner=OWNER)
        self._probe = self._pass.bind(self.probe_x, self.probe_y)
        self._writer = events.EventWriter(self.logdir)
        self._started = False
        self._last_probe_step = None
        self._plane = self._plane_points()
        self._writer.write(0, [dashboards.custom_scalars_layout(), *dashboards.hparams_summaries(self.hparams())])
        curves = self._activation_curves()
        if curves is not None:
            self._writer.write(0, [curves])

    def on_epoch_begin(self, epoch, logs=None):
        if not self._started:  # the network as it starts (initialised, or where a resumed run left it)
            self._started = True
            self._write_probe(int(epoch))

    def needs_model_after(self, epoch) -> bool:
        """Whether ``on_epoch_end(epoch)`` looks at the model, not only at the logs.

        ``kit.training.train`` runs the epochs between such epochs in one compiled call and then
        replays ``on_epoch_end`` with each epoch's logs, so the loss scalars stay per epoch.
        """
        step = int(epoch) + 1
        return step % self.every == 0 or step == self._epochs()

    def on_epoch_end(self, epoch, logs=None):
        step = int(epoch) + 1
        self._last_step = step
        logs = dict(logs or {})
        self.final_logs = logs
        values = [events.scalar(tag, value) for tag, value in _log_scalars(logs)]
        if self.needs_model_after(epoch):
            values += self._probe_values(step)
        self._writer.write(step, values)

    def on_train_end(self, logs=None):
        if self._writer is None:
            return
        if self._started and self._last_probe_step != self._last_step:
            self._writer.write(self._last_step, self._probe_values(self._last_step))  # e.g. early stop
        self._writer.close()
        self._writer = None

    # -- what is written ----------------------------------------------------------------------

    def _epochs(self):
        return (self.params or {}).get("epochs")

    def hparams(self) -> dict:
        """This run's hyperparameters as written to the HParams dashboard."""
        dense = diagnostics.check_model(self.model, OWNER)
        names = [diagnostics.activation_name(layer) for layer in dense[:-1]]
        values = {
            "activation": ",".join(dict.fromkeys(names)) if names else "none",
            "hidden": "-".join(str(int(layer.units)) for layer in dense[:-1]) or "none",
            "depth": len(dense) - 1,
        }
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            values["optimizer"] = type(optimizer).__name__.lower()
            try:
                values["learning_rate"] = float(np.asarray(optimizer.learning_rate))
            except (TypeError, ValueError, AttributeError):
                pass  # a schedule: left to hparams=
        if self.dataset is not None:
            values["dataset"] = self.dataset.name
        values.update(self.extra_hparams)
        return values

    def _write_probe(self, step):
        self._writer.write(step, self._probe_values(step))

    def _probe_values(self, step) -> list:
        self._last_probe_step = step
        result = self._probe()
        layers = result["layers"]
        names = list(layers)
        values = []
        for index, (name, entry) in enumerate(layers.items()):
            hidden = index < len(names) - 1
            activation = entry["activation"]
            values.append(events.scalar(f"activation_mean/{name}", activation.mean()))
            values.append(events.scalar(f"activation_std/{name}", activation.std()))
            if hidden and entry["activation_name"] in diagnostics.DEAD_CAPABLE:
                values.append(events.scalar(f"dead_fraction/{name}", diagnostics.dead_units(activation).mean()))
            if hidden and entry["activation_name"] in diagnostics.SATURATION_ZONES:
                saturated = diagnostics.saturated_units(activation, entry["activation_name"])
                values.append(events.scalar(f"saturated_fraction/{name}", saturated.mean()))
            values.append(events.histogram(f"pre_activation/{name}", entry["pre_activation"]))
            values.append(events.histogram(f"activation/{name}", activation))
            values.append(events.histogram(f"kernel/{name}", entry["kernel"]))
            if "kernel_gradient" in entry:
                gradient = entry["kernel_gradient"]
                values.append(events.scalar(f"grad_norm/{name}", np.linalg.norm(gradient.astype(np.float64))))
                values.append(events.histogram(f"kernel_gradient/{name}", gradient))
        if result["loss"] is not None:
            values.append(events.scalar("probe_loss", result["loss"]))
        if self._plane is not None and (step % self.images_every == 0 or step == self._epochs()):
            boundary = self._decision_boundary()
            if boundary is not None:
                values.append(boundary)
        return values

    def _plane_points(self):
        # The decision boundary is drawn for two-class Playground data only (the plane is known).
        data = self.dataset
        if data is None or data.provenance.get("function") != "playground" or data.task != "binary":
            return None
        import tensorflow as tf

        from kit import datasets, heads, plots

        try:
            head = heads.head_of(self.model).name
        except ValueError:
            return None
        if head == "softmax" and int(self.model.outputs[0].shape[-1]) != 2:
            return None
        # kit.plots.decision_grid's grid and mapping, predicted by a compiled function: the eager
        # Keras call costs more than a training epoch.
        grid = plots.plane_inputs(data.feature_names, GRID_RESOLUTION)
        predict = self._pass.predict

        def values(inputs):
            return plots.signed_output(predict(inputs).numpy(), head)

        train_points, _ = datasets.playground_points(data)
        positive = np.asarray(data.y_train) > (0.5 if data.labels == "01" else 0.0)
        marks = point_marks(train_points, positive, GRID_RESOLUTION * IMAGE_SCALE)
        return values, tf.constant(grid), marks

    def _decision_boundary(self):
        if self._plane is None:
            return None
        from kit import plots

        values, grid, (rows, columns, colours) = self._plane
        image = values(grid).reshape(GRID_RESOLUTION, GRID_RESOLUTION)
        rgb = np.repeat(np.repeat(plots.heatmap_rgb(image), IMAGE_SCALE, 0), IMAGE_SCALE, 1)
        rgb[rows, columns] = colours
        return events.image("decision_boundary", rgb, "Output over [-6, 6]² (orange -1, blue +1) with the "
                            "training points")

    def _activation_curves(self):
        from kit import activations

        names = []
        for layer in diagnostics.check_model(self.model, OWNER):
            name = diagnostics.activation_name(layer)
            if name in activations.REGISTRY and activations.get(name).elementwise and name not in names:
                names.append(name)
        if not names:
            return None
        key = tuple(names)
        if key not in _CURVES:  # the same picture for every run with these activations
            from kit import plots

            _CURVES[key] = events.image("activation_curves", events.figure_rgb(plots.activation_curves(names)),
                                        "The network's activations (solid) and their derivatives (dashed)")
        return _CURVES[key]


def _log_scalars(logs: dict):
    """``(tag, value)`` for the numeric entries of a trainer's logs: ``val_x`` → ``x/test``."""
    for key, value in logs.items():
        try:
            number = float(np.asarray(value))
        except (TypeError, ValueError):
            continue
        if key.startswith("val_"):
            yield f"{key[4:]}/test", number
        else:
            yield f"{key}/train", number


def point_marks(points: np.ndarray, positive: np.ndarray, size: int, extent: float = 6.0):
    """Pixel rows, columns and colours that draw Playground points on a size×size image of
    [−extent, extent]²: a 3×3 dot (blue positive, orange negative) in a white 5×5 rim."""
    from kit import plots

    columns = np.round((points[:, 0] + extent) / (2 * extent) * (size - 1)).astype(int)
    rows = np.round((extent - points[:, 1]) / (2 * extent) * (size - 1)).astype(int)
    colours = np.where(positive[:, None], _rgb(plots.PLAYGROUND_POSITIVE), _rgb(plots.PLAYGROUND_NEGATIVE))
    all_rows, all_columns, all_colours = [], [], []
    for radius, fill in ((2, np.full_like(colours, 255)), (1, colours)):  # rim first, dot over it
        for dr in range(-radius, radius + 1):
            for dc in range(-radius, radius + 1):
                all_rows.append(np.clip(rows + dr, 0, size - 1))
                all_columns.append(np.clip(columns + dc, 0, size - 1))
                all_colours.append(fill)
    return np.concatenate(all_rows), np.concatenate(all_columns), np.concatenate(all_colours)


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)
