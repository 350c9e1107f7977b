"""``kit playground URL``: replay a TensorFlow Playground link exactly (NumPy and TensorFlow not needed)."""

from __future__ import annotations

import json

from kit.commands import api_defaults, option
from kit.errors import COUNT


def _playground(args) -> int:
    from kit import playground

    replay = playground.from_url(args.url, epochs=args.epochs)
    print(json.dumps(replay.to_dict()) if args.json else replay.describe())
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "playground", help="replay a TensorFlow Playground link: its data, initial weights and loss per epoch",
        description="kit playground 'https://playground.tensorflow.org/#…&seed=…' [--epochs N] [--json] "
                    "(quote the link: the shell ends a command at &)")
    parser.add_argument("url", help="the Playground link (it must carry seed=…), or the part after #")
    parser.add_argument("--epochs", type=option(COUNT), default=api_defaults("kit.playground", "from_url")["epochs"],
                        help="epochs to train (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a summary and a table")
    parser.set_defaults(handler=_playground, needs_tensorflow=False)
