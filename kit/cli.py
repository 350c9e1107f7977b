"""The ``kit`` command.

Each area of the kit contributes its subcommands through a small ``register(subparsers)``
function in a module of the ``kit.commands`` package (found automatically, in name order). Those
modules must stay light: TensorFlow is imported inside the handlers only, so ``kit --help`` and
a refused flag answer at once. Flags take their defaults from the API functions' signatures
(``kit.commands.api_defaults``).

The kit's own errors (``kit.errors.KitError`` and its subclasses: invalid parameters, unknown
names, missing files, a diverging run) are what a user can cause: they become one readable line
on stderr and exit status 2. Any other exception is a bug in the kit and keeps its traceback.
An interrupted command exits with 130. Output into a pipe its reader closed (``kit zoo list | head``)
ends the command quietly, as a Unix tool ends on SIGPIPE: no traceback, exit status 141 (128 + SIGPIPE).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import signal
import sys

from kit.commands import import_tensorflow_quietly, quiet_tensorflow
from kit.errors import KitError


def command_modules() -> list[str]:
    """The modules of ``kit.commands`` that define ``register(subparsers)``, in name order."""
    import kit.commands

    return sorted(f"kit.commands.{m.name}" for m in pkgutil.iter_modules(kit.commands.__path__))


class _Parser(argparse.ArgumentParser):
    """argparse, with a refused argument said in one line (not the whole usage first)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kit",
        description="A course kit and model zoo on why neural networks need non-linear activations.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in command_modules():
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    quiet_tensorflow()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from kit import __version__

        print(f"kit {__version__}")
        return 0
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        if getattr(args, "needs_tensorflow", True):
            import_tensorflow_quietly()
        result = args.handler(args)
    except KeyboardInterrupt:
        print("kit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_gone()
    except KitError as error:  # the user's input; anything else is a bug and keeps its traceback
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"kit {args.command}: error: {message}", file=sys.stderr)
        return 2
    try:
        sys.stdout.flush()  # what is still buffered meets the closed pipe here, not at exit
    except BrokenPipeError:
        return _reader_gone()
    return int(result or 0)


def _reader_gone() -> int:
    """The reader of stdout went away (``| head``): point stdout at /dev/null so the interpreter's
    last flush has nowhere to fail, and exit as a process ended by SIGPIPE would."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
