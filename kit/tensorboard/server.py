"""Start the real TensorBoard on a logdir, on the loopback interface (what ``kit board`` runs).

Example:
    >>> board = start("runs", port=6006)  # doctest: +SKIP
    >>> board.url  # doctest: +SKIP
    'http://127.0.0.1:6006/'
"""

from __future__ import annotations

import dataclasses
import re
import socket
from pathlib import Path

from kit.errors import COUNT, PATH, PORT, KitError, MissingFile, validate_params

__all__ = ["HOST", "DEFAULT_PORT", "BoardError", "event_files", "check_logdir", "unreadable_event_files", "run_names",
           "activation_groups", "colour_by_activation_url", "free_port", "port_taken", "Board", "start"]

HOST = "127.0.0.1"
DEFAULT_PORT = 6006  # TensorBoard's own default


class BoardError(KitError, ValueError):
    """A logdir or port problem, explained in one line (the CLI prints it without a traceback)."""


def event_files(logdir) -> list[Path]:
    """Event files under ``logdir`` (any depth): what TensorBoard would show."""
    return sorted(p for p in Path(logdir).rglob("events.out.tfevents.*") if p.is_file())


@validate_params(logdir=PATH)
def check_logdir(logdir) -> Path:
    """``logdir`` as a Path, or a clear error when it is missing, not a folder or holds no runs."""
    path = Path(logdir)
    if not path.exists():
        raise MissingFile(f"Log folder {str(path)!r} does not exist. Train with "
                          "kit.tensorboard.Diagnostics(logdir=...) first, or pass the folder you used.")
    if not path.is_dir():
        raise BoardError(f"{str(path)!r} is a file, not a log folder; pass the folder holding the runs.")
    if not event_files(path):
        raise BoardError(f"Log folder {str(path)!r} holds no TensorBoard event files (events.out.tfevents.*); "
                         "nothing to show yet. Train with kit.tensorboard.Diagnostics(logdir=...) first.")
    return path


def unreadable_event_files(logdir) -> list[str]:
    """One line for each event file under ``logdir`` that TensorBoard cannot read to its end (a
    damaged or foreign file: TensorBoard itself skips it without a word and shows an empty or
    shortened run), saying how many records it could read first; [] when every file reads.

    Example:
        >>> unreadable_event_files("runs")  # doctest: +SKIP
        ["runs/spiral/events.out.tfevents.1.host: damaged after 0 records (corrupted record at 0); ..."]
    """
    import tensorflow as tf

    problems = []
    for path in event_files(logdir):
        count = 0
        try:
            for _ in tf.data.TFRecordDataset(str(path)):
                count += 1
        except (tf.errors.DataLossError, tf.errors.OpError) as error:
            reason = re.sub(r"\{\{.*?\}\}|\[Op:.*", "", " ".join(str(error.message).split())).strip()[:160]
            problems.append(f"{path}: damaged after {count} records ({reason}); TensorBoard shows "
                            f"{'nothing' if count == 0 else 'only what comes before'} of this run")
    return problems


def run_names(logdir) -> list[str]:
    """The runs TensorBoard shows for ``logdir``: each folder holding event files, relative to it
    ("." for event files in ``logdir`` itself)."""
    root = Path(logdir)
    return sorted({path.parent.relative_to(root).as_posix() for path in event_files(root)})


def activation_groups(names) -> str | None:
    """A regex grouping run names by the activation they name (``kit.style.parse_run``), for
    TensorBoard's Time Series dashboard: its ``runColorGroup=regex:…`` gives runs whose names
    capture the same text one colour. None unless at least two activations are named.

    Example:
        >>> activation_groups(["relu-spiral", "tanh-xor", "relu-xor"])
        '(relu|tanh)'
    """
    from kit import style

    found = {style.parse_run(name)[0] for name in names} - {None}
    if len(found) < 2:
        return None
    return "(" + "|".join(sorted(found, key=lambda name: (-len(name), name))) + ")"


def colour_by_activation_url(url: str, names) -> str | None:
    """The Time Series address of a running TensorBoard at ``url`` with its runs coloured by
    activation (:func:`activation_groups`), or None. TensorBoard gives each group the next colour
    of its palette in the order it meets the groups, not the kit's colours (``kit.style``); for runs
    started linear, sigmoid, tanh, relu (exercise 13's order) the two agree."""
    from urllib.parse import quote

    groups = activation_groups(names)
    if groups is None:
        return None
    return f"{url.rstrip('/')}/?runColorGroup={quote('regex:' + groups, safe='')}#timeseries"


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    return False


@dataclasses.dataclass
class Board:
    """A running TensorBoard (it serves from a background thread until the process ends)."""

    url: str
    logdir: Path
    program: object
    problems: list = dataclasses.field(default_factory=list)  # event files it cannot read (unreadable_event_files)
    by_activation: str | None = None  # the Time Series address colouring runs by activation (colour_by_activation_url)


@validate_params(logdir=PATH, port=PORT, reload_seconds=COUNT)
def start(logdir, port: int = DEFAULT_PORT, reload_seconds: int = 5) -> Board:
    """Serve ``logdir`` with TensorBoard on http://127.0.0.1:PORT/ and return at once.

    Args:
        logdir: a run folder, or a folder of runs (compared side by side).
        port: the port; 0 picks a free one.
        reload_seconds: how often TensorBoard rereads the event files.

    Raises:
        MissingFile, BoardError: the logdir is missing or empty, or the port is taken.
    """
    path = check_logdir(logdir)
    port = int(port) or free_port()
    if port_taken(port):
        raise BoardError(f"Port {port} on {HOST} is already in use (another TensorBoard?). "
                         f"Pick another with --port, e.g. --port {free_port()}.")
    from tensorboard import program

    board = program.TensorBoard()
    # load_fast=false: the pure-Python reader serves every plugin the kit writes (hparams,
    # custom scalars) the same way on every machine.
    board.configure(argv=[None, "--logdir", str(path), "--host", HOST, "--port", str(port),
                          "--reload_interval", str(int(reload_seconds)), "--load_fast", "false"])
    try:
        url = board.launch()
    except program.TensorBoardPortInUseError:
        raise BoardError(f"Port {port} on {HOST} is already in use. Pick another with --port.") from None
    return Board(url=url, logdir=path, program=board, problems=unreadable_event_files(path),
                 by_activation=colour_by_activation_url(url, run_names(path)))
