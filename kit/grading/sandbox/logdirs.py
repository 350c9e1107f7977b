"""Parent side: a submission's TensorBoard logdir, handed back as bytes, read with TensorBoard's reader.

The child never hands the parent a path or an object: the ``call_with_logdir`` driver
(:mod:`kit.grading.sandbox.drivers`) sends the event files' bytes (size-capped) as plain data. Here they
are written into a private temporary folder and parsed by TensorBoard's own
``plugin_event_accumulator`` (the reader ``kit board`` uses, with its migration of older summary
formats), then turned into plain series of NumPy values. Nothing is executed or unpickled: an
event file is a sequence of length-prefixed, checksummed protocol buffers, and a corrupt or
hostile one ends as ``problems`` (a tensor that claims more than ``MAX_ELEMENTS`` values is
skipped before it is expanded).

A logdir of several runs (one folder each, as ``kit board`` compares them) is read run by run
with :func:`read_runs`; each run's HParams (the values the run recorded for the HParams
dashboard) are read by name into ``Logdir.hparams``.

Example:
    >>> plain = session.run("call_with_logdir", {"function": "log_gradients", ...})  # doctest: +SKIP
    >>> logdir = read_event_files(plain["files"])  # doctest: +SKIP
    >>> logdir.scalars["grad_norm/output"]  # doctest: +SKIP
    [(0, 0.27), (20, 0.11)]
    >>> runs = read_runs(plain["files"])  # doctest: +SKIP
    >>> runs["relu-spiral"].hparams["activation"]  # doctest: +SKIP
    'relu'
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["MAX_ELEMENTS", "KINDS", "MAX_RUNS", "Logdir", "read_event_files", "read_runs"]

MAX_ELEMENTS = 1_000_000  # a histogram is (30, 3); no summary of the course holds more than a few thousand values
KINDS = ("scalars", "histograms")  # the plugins read as series; images and text are left alone
MAX_RUNS = 64  # as many runs as the driver sends event files at most


@dataclasses.dataclass
class Logdir:
    """What a logdir holds, as plain data.

    Attributes:
        scalars: tag → [(step, float), …] in the order written.
        histograms: tag → [(step, (buckets, 3) float64 array of [left, right, count]), …].
        plugins: every tag → the plugin that owns it (``scalars``, ``histograms``, ``images`` …).
        hparams: the run's hyperparameters as recorded for the HParams dashboard (its session
            start), name → bool, float or str; empty when the run recorded none.
        problems: what could not be read (a corrupt file, an oversized tensor), one line each.
        files: the number of event files read.
    """

    scalars: dict = dataclasses.field(default_factory=dict)
    histograms: dict = dataclasses.field(default_factory=dict)
    plugins: dict = dataclasses.field(default_factory=dict)
    hparams: dict = dataclasses.field(default_factory=dict)
    problems: list = dataclasses.field(default_factory=list)
    files: int = 0

    def last(self, tag: str):
        """The value written last for a scalar or histogram tag (None when there is none)."""
        series = self.scalars.get(tag) or self.histograms.get(tag)
        return series[-1][1] if series else None

    def at(self, tag: str, step: int):
        """The value of a scalar or histogram tag written at ``step`` (the last one written there), or None."""
        series = self.scalars.get(tag) or self.histograms.get(tag) or []
        found = [value for at, value in series if at == step]
        return found[-1] if found else None


def _elements(tensor_proto) -> int:
    count = 1
    for dim in tensor_proto.tensor_shape.dim:
        if dim.size < 0:
            return -1
        count *= dim.size
        if count > MAX_ELEMENTS:
            return count
    return count


def _value(tensor_proto, kind: str):
    """A scalar (float) or histogram ((k, 3) array) from a TensorProto, or a str saying why not."""
    from tensorboard.compat.proto import types_pb2
    from tensorboard.util import tensor_util

    if kind == "scalars" and tensor_proto.dtype == types_pb2.DT_FLOAT and not tensor_proto.tensor_shape.dim \
            and len(tensor_proto.float_val) == 1 and not tensor_proto.tensor_content:
        # What a scalar summary holds (a run logs a dozen thousand): the same float as the general path
        # below, without building an array for it.
        return float(tensor_proto.float_val[0])
    count = _elements(tensor_proto)
    if count < 0:
        return "a tensor with a negative dimension"
    if count > MAX_ELEMENTS:
        return f"a tensor that claims more than {MAX_ELEMENTS} values"
    try:
        array = np.asarray(tensor_util.make_ndarray(tensor_proto))
    except Exception as error:  # a malformed proto: its own problem, not the grader's
        return f"an unreadable tensor ({type(error).__name__})"
    if array.dtype.kind not in "biuf":
        return f"a tensor of dtype {array.dtype}"
    array = array.astype(np.float64)
    if kind == "scalars":
        return float(array.reshape(-1)[0]) if array.size == 1 else f"a scalar of shape {array.shape}"
    if array.ndim != 2 or array.shape[1] != 3:
        return f"a histogram of shape {array.shape} (expected (buckets, 3))"
    return array


def read_event_files(files) -> Logdir:
    """Parse ``[[relative path, uint8 bytes], …]`` (as the driver sends them) into a :class:`Logdir`.

    All files are read as one run, in the order given (their sorted paths in the child); a
    TensorBoard run restarted at a lower step keeps both series (``purge_orphaned_data=False``).
    """
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea

    logdir = Logdir()
    if type(files) is not list:
        logdir.problems.append("no list of event files came back")
        return logdir
    with tempfile.TemporaryDirectory(prefix="kit-logdir-") as folder:
        for index, entry in enumerate(files):
            if type(entry) is not list or len(entry) != 2 or type(entry[1]) is not np.ndarray \
                    or entry[1].dtype != np.uint8:
                logdir.problems.append(f"event file {index} came back malformed")
                continue
            # The child's path is never used as one: the files get numbered names here.
            (Path(folder) / f"events.out.tfevents.{index:05d}.kit-grader").write_bytes(entry[1].tobytes())
            logdir.files += 1
        try:
            accumulator = pea.EventAccumulator(folder, size_guidance={pea.TENSORS: 0}, purge_orphaned_data=False)
            accumulator.Reload()
        except Exception as error:
            logdir.problems.append(f"TensorBoard could not read the event files ({type(error).__name__}: "
                                   f"{str(error)[:200]})")
            return logdir
        content = accumulator.PluginTagToContent
        for plugin in sorted(accumulator.ActivePlugins()):
            for tag in content(plugin):
                logdir.plugins[tag] = plugin
        for kind in KINDS:
            for tag in sorted(logdir.plugins):
                if logdir.plugins[tag] != kind:
                    continue
                series = []
                for event in accumulator.Tensors(tag):
                    value = _value(event.tensor_proto, kind)
                    if isinstance(value, str):
                        logdir.problems.append(f"{tag} at step {event.step}: {value}")
                    else:
                        series.append((int(event.step), value))
                getattr(logdir, kind)[tag] = series
        _read_hparams(accumulator, logdir)
    return logdir


def _read_hparams(accumulator, logdir: Logdir) -> None:
    """The values of the run's HParams session start (TensorBoard's own parser), by name.

    Other HParams records (the experiment's declarations, with types and domains; a session's
    end) are left alone, so runs that declare more than their values read the same.
    """
    from tensorboard.plugins.hparams import metadata

    try:
        content = accumulator.PluginTagToContent(metadata.PLUGIN_NAME)
    except KeyError:  # no HParams at all
        return
    for tag, data in content.items():
        if tag != metadata.SESSION_START_INFO_TAG:
            continue
        try:
            values = metadata.parse_session_start_info_plugin_data(data).hparams
            for name in list(values)[:1000]:
                kind = values[name].WhichOneof("kind")
                if kind in ("number_value", "string_value", "bool_value"):
                    value = getattr(values[name], kind)
                    logdir.hparams[str(name)[:200]] = value[:1000] if isinstance(value, str) else value
        except Exception as error:  # a malformed record: its own problem, not the grader's
            logdir.problems.append(f"the HParams record could not be read ({type(error).__name__})")


def read_runs(files) -> dict:
    """Parse ``[[relative path, uint8 bytes], …]`` run by run: ``{run: Logdir}``.

    A run is the folder that holds its event files (``relu-spiral`` for
    ``relu-spiral/events.out.tfevents…``; ``""`` for files at the top of the logdir), the way
    TensorBoard groups runs. The names serve as labels only: nothing is written under them.
    Malformed entries are left to :func:`read_event_files`, which reports them in the run "".
    """
    groups: dict = {}
    if type(files) is not list:
        return {"": read_event_files(files)}
    for entry in files:
        relative = entry[0] if type(entry) is list and len(entry) == 2 and type(entry[0]) is str else ""
        run = relative.rpartition("/")[0][:200]
        if run not in groups and len(groups) >= MAX_RUNS:
            run = ""
        groups.setdefault(run, []).append(entry)
    return {run: read_event_files(group) for run, group in sorted(groups.items())}
