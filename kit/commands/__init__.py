"""Subcommands of the ``kit`` CLI, one module per area; each must import no TensorFlow at module level.

What the command modules share, all without TensorFlow:

- :func:`api_defaults`: an API function's default arguments, read from its signature, so that a
  flag's default is the function's (``kit train --epochs`` defaults to ``train``'s ``epochs``);
- :func:`option`: an argparse ``type`` from a constraint of :mod:`kit.errors`, so that a flag's
  value is refused in the kit's words before TensorFlow loads;
- :func:`import_tensorflow_quietly`: for handlers that load their data before TensorFlow.
"""

from __future__ import annotations

import argparse
import ast
import functools
import inspect
import os
import sys
from numbers import Integral
from pathlib import Path

from kit import caches  # noqa: F401
from kit.startup import import_tensorflow_quietly  # noqa: F401 (the handlers' name for it)


@caches.register
@functools.lru_cache(maxsize=None)
def _module_source(module: str) -> ast.Module:
    """The parsed source of one of the kit's modules, found without importing it (or its package)."""
    parts = module.split(".")
    if parts[0] != "kit":
        raise ValueError(f"api_defaults reads the kit's own modules, not {module!r}.")
    base = Path(__file__).resolve().parents[1].joinpath(*parts[1:])
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


_NOT_LITERAL = object()


def _literal(node, constants: dict):
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    try:
        return ast.literal_eval(node)
    except ValueError:
        return _NOT_LITERAL


def api_defaults(module: str, function: str) -> dict:
    """``{parameter: default}`` of ``module.function`` (``"Class.method"`` works too), read from its
    signature in the source, so that no module is imported (``kit --help`` must not load
    TensorFlow). Only defaults that are literals, or module-level constants holding literals, are
    read (``echo=print`` is left out); the tests check the result against ``inspect.signature``
    of the imported function.

    Example:
        >>> api_defaults("kit.training.trainer", "train")["epochs"]
        100
    """
    tree = _module_source(module)
    constants = {}
    for node in tree.body:  # NAME = literal at module level, for defaults such as port=DEFAULT_PORT
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    try:
                        constants[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        pass
    scope = tree
    for name in function.split("."):
        found = [n for n in scope.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name]
        if not found:
            raise ValueError(f"{module} has no {function}.")
        scope = found[-1]
    arguments = scope.args
    positional = arguments.posonlyargs + arguments.args
    pairs = list(zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults))
    pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
    values = {argument.arg: _literal(node, constants) for argument, node in pairs}
    return {name: value for name, value in values.items() if value is not _NOT_LITERAL}


def signature_defaults(function) -> dict:
    """``{parameter: default}`` of an imported function, by ``inspect.signature`` (what
    :func:`api_defaults` must agree with)."""
    return {name: parameter.default for name, parameter in inspect.signature(function).parameters.items()
            if parameter.default is not inspect.Parameter.empty}


def option(constraint):
    """An argparse ``type`` for a flag taking an int or a number: the text is converted and checked
    against ``constraint`` (an ``Interval`` of :mod:`kit.errors`), and refused in the same words
    as the API function would use, before anything heavy loads.

    Example:
        >>> from kit.errors import COUNT
        >>> option(COUNT)("5")
        5
        >>> option(COUNT)("0")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be an int ≥ 1. Got '0' instead.
    """
    convert = int if constraint.type is Integral else float

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = text
        if constraint.is_satisfied_by(value):
            return value
        fix = f" {constraint.fix}" if constraint.fix else ""
        raise argparse.ArgumentTypeError(f"must be {constraint.describe()}. Got {text!r} instead.{fix}")

    parse.constraint = constraint
    return parse


class Given(argparse.Action):
    """Store the value and remember that the flag was given (``args.given``): a flag given where it does
    not apply is refused, even when it repeats the default."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        namespace.given = getattr(namespace, "given", frozenset()) | {option_string}


def quiet_tensorflow() -> None:
    # TensorFlow's C++ start-up chatter is noise for a command-line user.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("MPLBACKEND", "Agg")
