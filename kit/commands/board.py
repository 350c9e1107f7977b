"""``kit board [LOGDIR] [--port N]``: TensorBoard on the kit's runs, on 127.0.0.1."""

from __future__ import annotations

from kit.commands import api_defaults, option
from kit.errors import PORT


def _handle(args) -> int:
    import sys
    import time

    from kit.tensorboard import server

    board = server.start(args.logdir, port=args.port)  # MissingFile, BoardError: kit errors, one line, exit 2
    for problem in board.problems:  # served anyway (the other runs show), but never without a word
        print(f"kit board: warning: {problem}", file=sys.stderr)
    print(f"TensorBoard for {board.logdir} at {board.url} (Ctrl-C to stop)", flush=True)
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
    parser.set_defaults(handler=_handle)
