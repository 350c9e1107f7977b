"""``kit board [LOGDIR] [--port N]``: TensorBoard on the kit's runs, on 127.0.0.1."""

from __future__ import annotations

from kit.commands import api_defaults, import_tensorflow_quietly, option
from kit.errors import PORT


def check_logdir(logdir) -> None:
    """Refuse a LOGDIR TensorBoard could show nothing from (missing, a file, no event files) before
    ``kit.tensorboard`` is imported: importing it loads TensorFlow (``server.start`` checks again)."""
    from kit.errors import KitError, input_folder

    fix = "Train with kit.tensorboard.Diagnostics(logdir=...) first, or pass the folder holding the runs."
    folder = input_folder(logdir, "Log folder", fix)
    if not any(path.is_file() for path in folder.rglob("events.out.tfevents.*")):
        raise KitError(f"Log folder {str(logdir)!r} holds no TensorBoard event files (events.out.tfevents.*); "
                       f"nothing to show yet. {fix}")


def _handle(args) -> int:
    import sys
    import time

    check_logdir(args.logdir)  # before TensorFlow (kit.tensorboard loads it)
    import_tensorflow_quietly()
    from kit.tensorboard import server

    board = server.start(args.logdir, port=args.port)  # MissingFile, BoardError: kit errors, one line, exit 2
    for problem in board.problems:  # served anyway (the other runs show), but never without a word
        print(f"kit board: warning: {problem}", file=sys.stderr)
    print(f"TensorBoard for {board.logdir} at {board.url} (Ctrl-C to stop)", flush=True)
    if board.by_activation:  # TensorBoard's other dashboards colour runs in turn from 7 colours
        print(f"Runs coloured by activation (Time Series): {board.by_activation}", flush=True)
    sys.stdout.flush()
    while True:  # TensorBoard serves from its own thread; Ctrl-C ends the command (exit 130)
        time.sleep(3600)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "board", help="show training runs (gradients, dead units, saturation, hparams) in TensorBoard",
        description="Start TensorBoard on LOGDIR (a run, or a folder of runs to compare) on 127.0.0.1 "
                    "and print its address.")
    parser.add_argument("logdir", nargs="?", default="runs", help="the log folder (default: runs)")
    parser.add_argument("--port", type=option(PORT), default=api_defaults("kit.tensorboard.server", "start")["port"],
                        help="the port (default %(default)s; 0 picks a free one)")
    parser.set_defaults(handler=_handle, needs_tensorflow=False)  # loaded once LOGDIR is checked
