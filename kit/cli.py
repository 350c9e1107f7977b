"""The ``kit`` command.

Each area of the kit contributes its subcommands through a small ``register(subparsers)``
function in a module of the ``kit.commands`` package (found automatically, in name order). Those
modules must stay light: TensorFlow is imported inside the handlers only, so ``kit --help``
answers at once.

Errors a user can cause (``ValueError``, ``TypeError``, ``FileNotFoundError``, ``KitError``)
become one readable line on stderr and exit status 2; an interrupted command exits with 130.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys


def command_modules() -> list[str]:
    """The modules of ``kit.commands`` that define ``register(subparsers)``, in name order."""
    import kit.commands

    return sorted(f"kit.commands.{m.name}" for m in pkgutil.iter_modules(kit.commands.__path__))

from kit.errors import KitError  # noqa: F401  (defined there so `python -m kit.cli` sees one class)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kit",
        description="A course kit and model zoo on why neural networks need non-linear activations.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in command_modules():
        importlib.import_module(module_name).register(subparsers)
    return parser


def _quiet_tensorflow() -> None:
    # TensorFlow's C++ start-up chatter is noise for a command-line user.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("MPLBACKEND", "Agg")


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with its C++ start-up lines (printed before its logging is configured,
    so no environment variable silences them) sent to a temporary file; replay them on failure."""
    if "tensorflow" in sys.modules:
        return
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow

            # Device discovery prints a CUDA complaint on machines without a GPU: do it here too.
            tensorflow.config.list_physical_devices()
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def main(argv: list[str] | None = None) -> int:
    _quiet_tensorflow()
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
    except (KitError, ValueError, TypeError, FileNotFoundError, PermissionError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"kit {args.command}: error: {message}", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
