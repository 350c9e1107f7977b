"""Validation helpers: every message says what was received, what was expected, and how to fix it."""

from __future__ import annotations

import difflib
from typing import Iterable


class KitError(Exception):
    """An error meant for the user: the CLI prints it as one line, no traceback."""


def closest(name: str, known: Iterable[str]) -> str:
    """Return ' Did you mean 'x'?' for the closest known name, or '' when nothing is close."""
    matches = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return f" Did you mean {matches[0]!r}?" if matches else ""


def unknown_name(kind: str, name, known: Iterable[str]) -> ValueError:
    """A ValueError for an unknown name that lists the known ones and the closest match."""
    known = sorted(known)
    plural = kind[:-1] + "ies" if kind.endswith("y") else kind + "s"
    return ValueError(
        f"Unknown {kind} {name!r}.{closest(name, known)} Known {plural}: {', '.join(known)}."
    )


def bad_parameter(parameter: str, owner: str, expected: str, got, fix: str = "") -> ValueError:
    """The scikit-learn sentence: "The 'p' parameter of f must be X. Got Y instead." (+ a fix)."""
    message = f"The {parameter!r} parameter of {owner} must be {expected}. Got {got!r} instead."
    return ValueError(message + (f" {fix}" if fix else ""))


def bad_type(parameter: str, owner: str, expected: str, got) -> TypeError:
    """Same sentence as bad_parameter, as a TypeError, naming the received type."""
    return TypeError(
        f"The {parameter!r} parameter of {owner} must be {expected}. "
        f"Got {got!r} of type {type(got).__name__} instead."
    )
