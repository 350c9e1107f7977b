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

import concurrent.futures
import functools
import os
import threading
import time
import warnings

import keras
import numpy as np

from kit import builders, caches, diagnostics, pictures, style
from kit.errors import COUNT, PATH, invalid, validate_params
from kit.tensorboard import dashboards, events, gradient_flow, views

__all__ = ["PROBE_SIZE", "GRID_RESOLUTION", "IMAGE_SCALE", "CAPTION_HEIGHT", "BOUNDARY_DESCRIPTION", "OWNER",
           "FLUSH_SECONDS", "EPOCHS", "PROBES_PER_RUN", "FALLBACK_EVERY", "PICTURES_PER_RUN", "TRAINER_HPARAMS",
           "default_every", "default_images_every", "resolve_probe", "Diagnostics", "point_marks"]

PROBE_SIZE = 256
"""Rows of a Dataset used as the probe by default: the first 256 test points (half of a 500-point
Playground set; enough that "0 on every probe point" rarely happens by chance to a live unit)."""

GRID_RESOLUTION = 100  # the Playground's heat map: 100×100 over [-6, 6]²
IMAGE_SCALE = 2  # the 100×100 decision grid is drawn at 200×200 so the data points are visible
CAPTION_HEIGHT = 34  # below the plane: the range of the output (why a picture is pale), the line's key
BOUNDARY_DESCRIPTION = (
    "Output over [-6, 6]² (orange -1, white 0, blue +1) with the training points; the dark line is the decision "
    "boundary (where the output changes sign), drawn even when every output is near 0 (a pale plane, as a "
    "linear network's often is); the caption gives the output's range over the plane, and says when the "
    "output has one sign everywhere in view (no sign change, no boundary: one class predicted everywhere).")
OWNER = "kit.tensorboard.Diagnostics"
FLUSH_SECONDS = 2.0  # between probes, the per-epoch scalars reach the event file at least this often
# (activation, role) pairs → the rendered curves, the same for every run with them
_CURVES: dict = caches.register({}, "kit.tensorboard.callback._CURVES")


EPOCHS = COUNT.with_fix("It is a number of epochs.")

PROBES_PER_RUN = 15
"""The default cadence aims at about this many probes per run (``default_every``): enough points to
follow a curve (the 50-epoch deep nets get 14, not two). A probe costs about as much as five to
ten epochs of the compiled trainer on a Playground network, so on a short run they dominate the
callback's cost (``kit bench diagnostics`` measures it; docs/tensorboard.md, *Cost*)."""
FALLBACK_EVERY = 50  # when the run's length is unknown (no ``epochs`` in the callback's params)

PICTURES_PER_RUN = 4
"""The default picture cadence (``default_images_every``) aims at about this many picture steps
besides step 0 and the last epoch: a picture step (decision boundary, network view, neuron grids)
costs several probes, and a handful of them shows how the pictures change."""

TRAINER_HPARAMS = ("epochs", "batch_size", "seed", "trainer")
"""Hyperparameters the trainer tells its callbacks (``kit.training.train`` and ``train_many``: all four,
``trainer`` being its name; ``model.fit``: ``epochs``). The run records them as the trainer used them,
over a value given in ``hparams=``, which may be stale (a seed typed in, another one trained with)."""


def default_every(epochs) -> int:
    """The default probe cadence for a run of ``epochs`` epochs: every ⌈epochs / 15⌉ epochs, so
    every run gets about ``PROBES_PER_RUN`` probes (plus step 0 and the last epoch).

    Example:
        >>> [default_every(n) for n in (6, 50, 100, 1000)]
        [1, 4, 7, 67]
    """
    if epochs is None:
        return FALLBACK_EVERY
    return max(1, -(-int(epochs) // PROBES_PER_RUN))


def default_images_every(every: int, epochs) -> int:
    """The default picture cadence for probes every ``every`` epochs of a run of ``epochs``: a
    multiple of ``every`` (pictures are drawn at probe steps), at least ``2 × every``, giving about
    ``PICTURES_PER_RUN`` picture steps besides step 0 and the last epoch (which always has one).

    Example:
        >>> [default_images_every(default_every(n), n) for n in (4, 6, 50, 100, 1000)]
        [2, 2, 16, 28, 268]
    """
    every = int(every)
    if epochs is None:
        return 2 * every
    probes = -(-int(epochs) // every)
    return every * max(2, -(-probes // PICTURES_PER_RUN))


class _Worker:
    """The one thread that runs every Diagnostics' probe passes, pictures and writes in this process,
    in the order they were handed to it, beside the training (whose compiled calls release the GIL).

    One thread for every run keeps each event file's events in step order and lets the runs of a
    folder draw each other (``gradient_flow.SideBySide``) without locks. A process that cannot
    start a thread (a sandbox's process limit) runs the work at once, on the training thread; a
    forked child starts its own thread.
    """

    def __init__(self):
        self._pool, self._pid, self._lock = None, None, threading.Lock()

    def submit(self, function, *arguments) -> concurrent.futures.Future:
        with self._lock:
            if self._pid != os.getpid():  # first use, or a fork: the parent's thread is not ours
                self._pool, self._pid = concurrent.futures.ThreadPoolExecutor(1, "kit-diagnostics"), os.getpid()
            pool = self._pool
        if pool is not None:
            try:
                return pool.submit(function, *arguments)
            except RuntimeError:  # no thread can be started: work inline from now on
                with self._lock:
                    self._pool = None
        future = concurrent.futures.Future()
        try:
            future.set_result(function(*arguments))
        except Exception as error:  # noqa: BLE001 - handed back to on_train_end, as the thread's errors are
            future.set_exception(error)
        return future


_WORKER = _Worker()


def _array(value, parameter, ndim):
    expected = f"a non-empty numeric array with {ndim} dimension(s)"
    if isinstance(value, (str, bytes)) or value is None:
        raise invalid(parameter, OWNER, expected, got=f"{value!r} of type {type(value).__name__}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise invalid(parameter, OWNER, expected, value) from None
    if array.dtype.kind not in "biuf" or array.ndim != ndim or array.shape[0] < 1:
        raise invalid(parameter, OWNER, expected, got=f"an array of shape {array.shape} and dtype {array.dtype}")
    return array


@validate_params(owner=OWNER, probe_size=COUNT)
def resolve_probe(probe, probe_size: int = PROBE_SIZE):
    """``(x, y or None, dataset or None)`` for a probe given as a Dataset, ``(x, y)`` or ``x``."""
    from kit import datasets

    if isinstance(probe, datasets.Dataset):
        x, y = (probe.x_test, probe.y_test) if len(probe.x_test) else (probe.x_train, probe.y_train)
        return np.asarray(x[:probe_size], np.float32), np.asarray(y[:probe_size]), probe
    if isinstance(probe, tuple):
        if len(probe) != 2:
            raise invalid("probe", OWNER, "a Dataset, an (x, y) pair or an x array", got=f"a tuple of {len(probe)}")
        x, y = _array(probe[0], "probe x", 2), _array(probe[1], "probe y", 1 if np.ndim(probe[1]) == 1 else 2)
        if len(y) != len(x):
            raise invalid("probe", OWNER, "an (x, y) pair with one label per row of x",
                          got=f"{len(x)} rows and {len(y)} labels")
        return x.astype(np.float32), y, None
    if probe is None:
        raise invalid("probe", OWNER, "the batch to look at: a kit Dataset (its first "
                      f"{PROBE_SIZE} test points are used), an (x, y) pair, or an x array", probe,
                      fix="Pass probe=data, the data set you train on.")
    return _array(probe, "probe", 2).astype(np.float32), None, None


class Diagnostics(keras.callbacks.Callback):
    """Writes a run's diagnostics into ``logdir`` for TensorBoard (``kit board LOGDIR``).

    Args:
        logdir: the run's folder (one folder per run; compare runs by giving one parent folder to
            ``kit board``).
        probe: the fixed batch looked at: a ``kit.datasets.Dataset`` (its first ``probe_size``
            test points), an ``(x, y)`` pair, or ``x`` alone (then no gradients are written).
        every: write the probe diagnostics (per-layer scalars, histograms, the unit states)
            every this many epochs, plus at step 0 and after the last epoch. Losses and
            accuracies from the trainer's logs are written every epoch. The default, None,
            adapts to the run's length: about 15 probes a run (``default_every``; one probe costs
            a few epochs of the compiled trainer, ``kit bench diagnostics``).
        images_every: draw the gradient-flow picture and, for a Playground data set given as
            ``probe``, the decision boundary, the network view and the neuron grids every this
            many epochs, plus at step 0 and after the last epoch. The default, None, is a multiple
            of ``every``, at least ``2 × every``, giving about four picture steps a run besides those two
            (``default_images_every``), as a picture step costs several probes.
        hparams: hyperparameters to record beside the ones read off the model (activation,
            hidden widths, depth, optimizer, learning rate, data set and ``model_seed``, the seed
            :func:`kit.builders.build_mlp` built it with) and off the trainer (``epochs``,
            ``batch_size``, ``seed``, its shuffle seed, and ``trainer``: ``train`` or
            ``train_many``), e.g. ``{"entry": "xor-3-relu"}``. Values given here override those
            read off the model; those of the trainer are recorded as it used them (a different value
            given here is a warning). What nobody tells is recorded as "unknown".
        probe_size: rows of a Dataset probe.

    What it writes (tags; ``<layer>`` is a Dense layer's name):
        scalars: ``loss/train``, ``loss/test``, ``accuracy/train``, ``accuracy/test`` (from the
        logs; ``val_`` keys are the test set) every epoch; at the probe cadence
        ``grad_norm/<layer>``, ``activation_mean/<layer>``, ``activation_std/<layer>``,
        ``dead_fraction/<layer>`` (ReLU-like hidden layers), ``saturated_fraction/<layer>``
        (squashing hidden layers) — the rules are those of ``kit.diagnostics``;
        ``gradient_flow/log10_first``, ``gradient_flow/log10_last``,
        ``gradient_flow/log10_first_over_last`` (log10 of the first and last layers' gradient
        norms and of their ratio);
        histograms: ``pre_activation/<layer>``, ``activation/<layer>``, ``kernel/<layer>``,
        ``kernel_gradient/<layer>``, ``log10_abs_kernel_gradient/<layer>``;
        images: ``gradient_flow`` (gradient norm per layer on a log axis, at the picture steps),
        ``decision_boundary`` (Playground colours, training points drawn on it),
        ``network`` and ``neurons/<layer>`` (the Playground's picture of the network and of each
        hidden unit, ``kit.tensorboard.views``) at the same steps, ``unit_states`` (dead /
        saturated / alive per unit) at the probe cadence, ``activation_curves`` (once, each
        panel saying which layers use it);
        the HParams session and the Custom Scalars layout (once).

    Example:
        >>> callback = Diagnostics("runs/sigmoid-10", probe=data, every=5, hparams={"seed": 0})  # doctest: +SKIP
        >>> model.fit(data.x_train, data.y_train, epochs=50, callbacks=[callback])  # doctest: +SKIP
    """

    @validate_params(owner=OWNER, logdir=PATH, every=[EPOCHS, None], images_every=[EPOCHS, None],
                     probe_size=COUNT.with_fix("It is the number of rows of a Dataset probe."))
    def __init__(self, logdir, probe, every: int | None = None, images_every: int | None = None,
                 hparams: dict | None = None, probe_size: int = PROBE_SIZE):
        super().__init__()
        self.logdir = str(logdir)
        self.every_given = None if every is None else int(every)
        self.images_every_given = None if images_every is None else int(images_every)
        self._cadence()
        self.probe_x, self.probe_y, self.dataset = resolve_probe(probe, probe_size)
        self.extra_hparams = dashboards.check_hparams(hparams, OWNER) if hparams is not None else {}
        self._writer = None
        self._flows = None
        self._probe = None
        self._pass = None
        self._last_probe_step = None
        self._started = False
        self._last_step = 0
        self._plane = None
        self._tasks: list = []
        self._current = None
        self.final_logs: dict = {}

    # -- Keras hooks -------------------------------------------------------------------------

    def _cadence(self):
        """``every`` and ``images_every`` for this run: as given, or from the run's length."""
        self.every = self.every_given or default_every(self._epochs())
        self.images_every = self.images_every_given or default_images_every(self.every, self._epochs())

    def on_train_begin(self, logs=None):
        self._cadence()
        self.probe_x = diagnostics.check_inputs(self.model, self.probe_x, OWNER, "probe")
        if self.probe_y is not None:
            self.probe_y = diagnostics.check_labels(self.probe_y, len(self.probe_x), OWNER)
        self._pass = diagnostics.ProbePass(self.model, owner=OWNER)
        self._plane = self._plane_points()
        grid = None if self._plane is None else self._plane[1]
        self._probe = self._pass.bind(self.probe_x, self.probe_y, grid=grid)
        self._painter = views.painter_for(self.model, () if self.dataset is None else self.dataset.feature_names)
        self._writer = events.EventWriter(self.logdir)
        # The gradient-flow pictures wait for the other runs of the folder (train_many's) to draw them faint.
        self._flows = None if self.probe_y is None else gradient_flow.SideBySide(self.logdir, self.run_style(),
                                                                                  self._write_image)
        self._started = False
        self._last_probe_step = None
        self._pending, self._written = [], time.monotonic()
        self._tasks = []
        self._submit(self._write_start, self.hparams(), self._curve_panels())

    def _write_start(self, hparams, panels):
        self._writer.write(0, [dashboards.custom_scalars_layout(), *dashboards.hparams_summaries(hparams)])
        if panels is not None:
            self._writer.write(0, [_activation_curves(panels)])
        self._writer.flush()

    def _submit(self, function, *arguments):
        """Run ``function(*arguments)`` on the writer thread (``_Worker``), after what came before."""
        self._tasks = [task for task in self._tasks if not task.done() or task.exception() is not None]
        self._tasks.append(_WORKER.submit(function, *arguments))

    def on_epoch_begin(self, epoch, logs=None):
        if not self._started:  # the network as it starts (initialised, or where a resumed run left it)
            self._started = True
            self._write_probe(int(epoch))

    def current_weights(self, weights: dict) -> None:
        """Called by ``kit.training.train`` and ``train_many`` after each compiled call: the model's
        trainable weights as the call left them (tensors or arrays by ``id(variable)``). The probe at
        the end of that call takes them instead of reading the variables (six eager reads, ~0.4 ms,
        more while the writer thread holds the GIL)."""
        self._current = weights

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
        scalars = _log_scalars(logs)
        if self.needs_model_after(epoch):
            self._write_pending()
            self._write_probe(step, scalars)
        else:
            # Kept until the next probe (the trainer replays a chunk's epochs in a burst), or
            # written once FLUSH_SECONDS have passed (model.fit's slower epochs).
            self._pending.append((step, scalars))
            if time.monotonic() - self._written > FLUSH_SECONDS:
                self._write_pending()

    def on_train_end(self, logs=None):
        if self._writer is None:
            return
        try:
            self._write_pending()
            if self._started and self._last_probe_step != self._last_step:
                self._write_probe(self._last_step, last=True)  # e.g. an early stop
            if self._flows is not None:
                self._submit(self._flows.end)
        finally:
            # Everything handed to the writer thread is written before training returns; its first
            # error is raised here.
            errors = [task.exception() for task in self._tasks]
            self._tasks = []
            if self._flows is not None:
                self._flows.active = False  # an error: no one waits for this run any more
            self._writer.close()
            self._writer = None
        error = next((error for error in errors if error is not None), None)
        if error is not None:
            raise error

    def _write_pending(self):
        pending, self._pending = self._pending, []
        self._submit(self._write_scalars, pending)
        self._written = time.monotonic()

    def _write_scalars(self, pending):
        for step, scalars in pending:
            self._writer.write(step, scalars=scalars, flush=False)
        self._writer.flush()

    def _write_probe(self, step, scalars=(), last=False):
        """Look at the model after ``step`` epochs and write it all, with ``scalars`` (the logs);
        ``last``: the run's last step (pictures whatever the cadence, as after an early stop)."""
        self._last_probe_step = step
        pictures = last or step % self.images_every == 0 or step == self._epochs()
        image = self._plane is not None and pictures
        # The pass predicts the decision grid only at picture steps (its forward pass over the
        # 10 000 grid points cost ~0.8 ms a probe, more than the probe batch's forward and backward
        # pass). The weights are read now; the pass, the pictures and the writing run on the writer
        # thread while the training goes on.
        current, self._current = self._current, None  # the weights of the call that just ended, once
        self._submit(self._probe_and_write, step, scalars, self._probe.later(with_grid=image, weights=current),
                     image, pictures)

    def _probe_and_write(self, step, scalars, result, image, pictures):
        values, probe_scalars, norms = self._summaries(result(), image)
        self._writer.write(step, values, [*scalars, *probe_scalars])
        if pictures and norms and self._flows is not None:
            # The picture at picture steps (its scalars at every probe), once the other runs of the
            # folder reach this step.
            self._flows.add(step, norms)

    def _write_image(self, step, summary):
        self._writer.write(step, [summary])

    # -- what is written ----------------------------------------------------------------------

    def _epochs(self):
        return (getattr(self, "params", None) or {}).get("epochs")

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
        values["dataset"] = self.dataset.name if self.dataset is not None else "unknown"
        values["seed"] = "unknown"
        built = getattr(self.model, builders.SEED_MARK, None)
        values["model_seed"] = "unknown" if built is None else int(built)
        values["trainer"] = "unknown"
        values.update(self.extra_hparams)
        told = {name: (self.params or {})[name] for name in TRAINER_HPARAMS if name in (self.params or {})}
        stale = {name: (values[name], told[name]) for name in told
                 if name in self.extra_hparams and not _same(values[name], told[name])}
        if stale:
            warnings.warn(f"{OWNER}({self.logdir!r}): " + "; ".join(
                f"hparams gives {name}={given!r}, but the trainer used {name}={used!r}"
                for name, (given, used) in stale.items()) + ". The run records what the trainer used.", stacklevel=2)
        values.update(told)
        return values

    def run_style(self):
        """How this run's lines are drawn (``kit.style.run_style``): coloured by its first hidden
        layer's activation, dashed by its data set."""
        dense = diagnostics.check_model(self.model, OWNER)
        activation = diagnostics.activation_name(dense[0]) if len(dense) > 1 else None
        return style.run_style(activation, None if self.dataset is None else self.dataset.name)

    def _summaries(self, result, image: bool) -> tuple[list, list, dict]:
        """A probe's summaries: (histogram and image protos, (tag, number) scalars, the gradient norms
        for the gradient-flow picture, written apart: see ``gradient_flow.SideBySide``)."""
        layers = result["layers"]
        names = list(layers)
        scalars, histograms = [], []
        for index, (name, entry) in enumerate(layers.items()):
            hidden = index < len(names) - 1
            activation = entry["activation"]
            scalars += [(f"activation_mean/{name}", activation.mean()), (f"activation_std/{name}", activation.std())]
            if hidden and entry["activation_name"] in diagnostics.DEAD_CAPABLE:
                scalars.append((f"dead_fraction/{name}", diagnostics.dead_units(activation).mean()))
            if hidden and entry["activation_name"] in diagnostics.SATURATION_ZONES:
                saturated = diagnostics.saturated_units(activation, entry["activation_name"])
                scalars.append((f"saturated_fraction/{name}", saturated.mean()))
            histograms += [(f"pre_activation/{name}", entry["pre_activation"]), (f"activation/{name}", activation),
                           (f"kernel/{name}", entry["kernel"])]
            if "kernel_gradient" in entry:
                histograms.append((f"kernel_gradient/{name}", entry["kernel_gradient"]))
        norms = gradient_flow.layer_norms(layers)
        scalars += [(f"grad_norm/{name}", norm) for name, norm in norms.items()]
        scalars += gradient_flow.scalars(norms)
        values = events.histograms(histograms + gradient_flow.log_histograms(layers))
        if result["loss"] is not None:
            scalars.append(("probe_loss", result["loss"]))
        if image:
            values.append(self._decision_boundary(result["grid"]))
        values += views.probe_images(self._painter, result, *(  # the network view and neuron grids at picture steps
            (self.model, self._plane[1], self._plane[0](result["grid"])) if image else ()))
        return values, scalars, norms

    def _plane_points(self):
        """``(signed, grid, marks)`` for drawing the decision boundary, or None where there is none.

        Drawn for two-class Playground data only (the plane is known): ``grid`` is
        ``kit.pictures.plane_inputs``' plane, predicted in the probe's own compiled pass,
        ``signed`` maps the outputs to the Playground's [-1, 1] colour scale.
        """
        data = self.dataset
        if data is None or data.provenance.get("function") != "playground" or data.task != "binary":
            return None
        from kit import heads

        try:
            head = heads.head_of(self.model).name
        except ValueError:
            return None
        if head == "softmax" and int(self.model.outputs[0].shape[-1]) != 2:
            return None

        def signed(outputs):
            return pictures.signed_output(outputs, head)

        return (signed, *_plane(data))

    def _decision_boundary(self, outputs):
        from kit.tensorboard import drawing

        signed, _, (rows, columns, shades) = self._plane
        values = signed(outputs).reshape(GRID_RESOLUTION, GRID_RESOLUTION)
        pixels = np.full((GRID_RESOLUTION * IMAGE_SCALE + CAPTION_HEIGHT, GRID_RESOLUTION * IMAGE_SCALE), style.WHITE,
                         np.uint8)
        plane = pixels[:GRID_RESOLUTION * IMAGE_SCALE]  # a view: drawing into it draws the picture
        plane[:] = np.repeat(np.repeat(style.shade_indices(values), IMAGE_SCALE, 0), IMAGE_SCALE, 1)
        # The boundary line (2 pixels wide), dark whatever the colours: a linear network whose outputs
        # all sit near 0 draws a pale plane, and its one straight line is the lesson.
        edge = np.repeat(np.repeat(style.sign_boundary(values), IMAGE_SCALE, 0), IMAGE_SCALE, 1)
        plane[edge] = style.BOUNDARY
        plane[rows, columns] = shades
        finite = values[np.isfinite(values)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        below = GRID_RESOLUTION * IMAGE_SCALE
        drawing.stamp(pixels, f"output {low:+.2g} to {high:+.2g}", 4, below + 2)
        drawing.stamp(pixels, "dark line: the boundary" if edge.any() else "no sign change: no boundary", 4,
                      below + 17)
        return events.image("decision_boundary", pixels, BOUNDARY_DESCRIPTION, palette=style.palette())

    def _curve_panels(self):
        """The activation-curve panels' ``(activation, role)`` key, or None (no elementwise activation)."""
        from kit import activations

        roles: dict[str, list] = {}  # activation name → (layer name, is the output layer), in order
        dense = diagnostics.check_model(self.model, OWNER)
        for index, layer in enumerate(dense):
            name = diagnostics.activation_name(layer)
            if name in activations.REGISTRY and activations.get(name).elementwise:
                roles.setdefault(name, []).append((layer.name, index == len(dense) - 1))
        if not roles:
            return None
        return tuple((name, _role(layers)) for name, layers in roles.items())


def _activation_curves(key):
    """The activation-curve image of these panels, drawn once for every run with these
    activations in these places."""
    if key not in _CURVES:
        from kit.tensorboard import drawing

        # Each panel says where it is used: a ReLU network's tanh panel is its output unit.
        _CURVES[key] = events.image("activation_curves", drawing.activation_panels(key),
                                    "The network's activations (each in its colour, kit.style) and their "
                                    "derivatives (grey, dashed) "
                                    "over [-5, 5]; each panel's title says which layers use it",
                                    palette=drawing.palette())
    return _CURVES[key]


def _same(given, used) -> bool:
    """Whether an hparam given by hand says what the trainer used (300 and 300.0, "3" and 3 do)."""
    try:
        return float(given) == float(used)
    except (TypeError, ValueError):
        return str(given) == str(used)


def _role(layers: list) -> str:
    """Which layers use an activation, for a panel title, from (name, is the output layer) pairs:
    "hidden layers hidden_1-hidden_10", "output layer", "hidden layer hidden_1 and output"."""
    hidden = [name for name, output in layers if not output]
    if not hidden:
        return "output layer"
    span = hidden[0] if len(hidden) == 1 else f"{hidden[0]}-{hidden[-1]}"
    text = f"hidden layer{'s' if len(hidden) > 1 else ''} {span}"
    return f"{text} and output" if len(hidden) < len(layers) else text


def _log_scalars(logs: dict):
    """``(tag, value)`` for the numeric entries of a trainer's logs: ``val_x`` → ``x/test``."""
    pairs = []
    for key, value in logs.items():
        try:
            number = value if type(value) is float else float(np.asarray(value))
        except (TypeError, ValueError):
            continue
        pairs.append((_log_tag(key), number))
    return pairs


@caches.register
@functools.lru_cache(maxsize=256)
def _log_tag(key: str) -> str:
    return f"{key[4:]}/test" if key.startswith("val_") else f"{key}/train"


# a Playground data set's plane grid and point marks, the same for every run on it
_PLANES: dict = caches.register({}, "kit.tensorboard.callback._PLANES")


def _plane(data):
    """(grid, marks) for drawing ``data``'s decision boundary: the plane's points as model inputs
    (``kit.pictures.plane_inputs``) and the training points as pixels (``point_marks``)."""
    import json

    from kit import datasets

    key = (json.dumps(data.provenance["arguments"], sort_keys=True, default=str), tuple(data.feature_names),
           np.asarray(data.y_train).tobytes())
    if key not in _PLANES:
        if len(_PLANES) >= 32:
            _PLANES.clear()
        grid = pictures.plane_inputs(data.feature_names, GRID_RESOLUTION)
        train_points, _ = datasets.playground_points(data)
        positive = np.asarray(data.y_train) > (0.5 if data.labels == "01" else 0.0)
        _PLANES[key] = grid, point_marks(train_points, positive, GRID_RESOLUTION * IMAGE_SCALE)
    return _PLANES[key]


def point_marks(points: np.ndarray, positive: np.ndarray, size: int, extent: float = pictures.PLAYGROUND_EXTENT):
    """Pixel rows, columns and palette indices (``kit.style.palette``) that draw Playground points on a
    size×size image of [−extent, extent]²: a 3×3 dot (blue positive, orange negative) in a white
    5×5 rim. Each pixel appears once; where points overlap, dots cover rims."""
    columns = np.round((points[:, 0] + extent) / (2 * extent) * (size - 1)).astype(int)
    rows = np.round((extent - points[:, 1]) / (2 * extent) * (size - 1)).astype(int)
    dot = np.where(positive, style.SHADES - 1, 0)  # the colour scale's two ends
    canvas = np.full((size, size), -1)
    for radius, shade in ((2, np.full_like(dot, style.WHITE)), (1, dot)):  # rims first, then every dot
        offsets = np.arange(-radius, radius + 1)
        d_row, d_column = np.repeat(offsets, offsets.size)[:, None], np.tile(offsets, offsets.size)[:, None]
        canvas[np.clip(rows + d_row, 0, size - 1), np.clip(columns + d_column, 0, size - 1)] = shade
    marked_rows, marked_columns = np.nonzero(canvas >= 0)
    return marked_rows, marked_columns, canvas[marked_rows, marked_columns].astype(np.uint8)
