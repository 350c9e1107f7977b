"""The kit's settings from the environment: every ``KIT_*`` variable, read here and only here.

Each variable is a row of :data:`VARIABLES`: what it accepts, what it is when unset, what it
does. :func:`read` reads one when it is needed (never cached: a test or a command may change
it) and turns a value it cannot use into one :class:`kit.errors.InvalidParameter` that names
the variable, what it got and what it accepts::

    The KIT_GRADEBOOK_WAIT environment variable must be a number of seconds > 0. Got 'soon' instead. Unset it for the default (30).

Importing this module is cheap (the standard library's ``os`` and ``pathlib``; no TensorFlow,
no NumPy): the sandbox's child and ``kit --help`` read it.

======================== ======================================== ============================================ ==========================================================================================
Variable                 Accepts                                  Unset                                        What it does
======================== ======================================== ============================================ ==========================================================================================
KIT_EXERCISES            a folder                                 the checkout's exercises/                    where exercises (checks, solutions, data) are read from
KIT_CHECK_SERVER         1, 0 or always (also true/false, yes/no) 1                                            kit check's warm check server: 0 turns it off, always uses it for NumPy-only exercises too
KIT_CHECK_SERVER_IDLE    a number of seconds > 0                  600                                          how long the check server waits for a request before it ends
KIT_CHECK_SERVER_DIR     a folder                                 $XDG_RUNTIME_DIR/kit, else ~/.cache/kit/run  the private (0700) folder of the check server's socket
KIT_GRADEBOOK_WAIT       a number of seconds > 0                  30                                           how long to wait for another program's lock on the gradebook
KIT_SANDBOX_LEVEL        full, container or none                  full                                         the most isolation the sandbox may use (a lower level tries a deployment's)
KIT_SANDBOX_UNPRIVILEGED 1 or 0 (also true/false, yes/no)         0                                            1: a root grader sandboxes as if it were not root (level none)
KIT_SANDBOX_UIDS         a range of user ids FIRST-LAST           60600-60999                                  the user ids the zygotes of a root grader take their sandbox users from
KIT_SANDBOX_USER         a user name                              each zygote its own user of KIT_SANDBOX_UIDS one user every sandboxed call runs as (shared by every zygote)
KIT_REQUIRE_ISOLATION    1, full or 0 (also true/false, yes/no)   0                                            refuse to grade below the container level (1) or the full level (full)
KIT_GRADING_HIDE         folders, separated by :                  nothing more                                 more folders a submission must not read (beside the exercises, tests and git history)
KIT_AUTOGRADER_ROOT      a folder                                 /autograder                                  the Gradescope autograder's root (a bundle's run_autograder reads it too)
KIT_AUTOGRADER_PYTHON    a program                                python3                                      the Python that a bundle's run_autograder runs
KIT_BENCH_OTTER_VENV     a folder                                 the checkout's .cache/bench-otter            where kit bench installs Otter-Grader to compare against
======================== ======================================== ============================================ ==========================================================================================

The table is :func:`table` (``tests/test_config.py`` holds this docstring and
``docs/configuration.md`` to it).

Example:
    >>> import os
    >>> os.environ["KIT_GRADEBOOK_WAIT"] = "2.5"
    >>> read("KIT_GRADEBOOK_WAIT")
    2.5
    >>> os.environ["KIT_GRADEBOOK_WAIT"] = "soon"
    >>> read("KIT_GRADEBOOK_WAIT")
    Traceback (most recent call last):
    ...
    kit.errors.InvalidParameter: The KIT_GRADEBOOK_WAIT environment variable must be a number of seconds > 0. Got 'soon' instead. Unset it for the default (30).
    >>> del os.environ["KIT_GRADEBOOK_WAIT"]
    >>> read("KIT_GRADEBOOK_WAIT")
    30.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = ["Variable", "VARIABLES", "read", "default", "table"]

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise ValueError(text)
    return value


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered not in TRUE + FALSE:
        raise ValueError(text)
    return lowered in TRUE


def _choice(**values) -> Callable[[str], object]:
    """A parser of a few words (case-insensitive) to their values."""
    def parse(text: str):
        return values[text.lower()]
    return parse


def _uid_range(text: str) -> range:
    first, _, last = text.partition("-")
    low, high = int(first), int(last or first)
    if not 1 <= low <= high < 2 ** 32 - 1:
        raise ValueError(text)
    return range(low, high + 1)


def _folders(text: str) -> list[Path]:
    return [Path(part) for part in text.split(os.pathsep) if part]


@dataclass(frozen=True)
class Variable:
    """One ``KIT_*`` variable: its name, what it ``accepts`` (in words, for the table and the
    error), the text it stands for when unset (``default``, read like a set value; None when an
    unset variable means something no value says, described by ``unset``), what it does, and the
    ``parse`` that turns its text into the value (a ``ValueError`` or ``KeyError`` for text it
    cannot use)."""

    name: str
    accepts: str
    meaning: str
    parse: Callable[[str], object]
    default: str | None = None
    unset: str = ""
    fix: str = ""

    def unset_text(self) -> str:
        return self.default or self.unset


_ISOLATION = dict.fromkeys(TRUE + ("container",), "container") | dict.fromkeys(FALSE, None) | {"full": "full"}

VARIABLES: dict[str, Variable] = {v.name: v for v in (
    Variable("KIT_EXERCISES", "a folder", "where exercises (checks, solutions, data) are read from", Path,
             unset="the checkout's exercises/"),
    Variable("KIT_CHECK_SERVER", "1, 0 or always (also true/false, yes/no)",
             "kit check's warm check server: 0 turns it off, always uses it for NumPy-only exercises too",
             _choice(always="always", **dict.fromkeys(TRUE, "on"), **dict.fromkeys(FALSE, "off")), default="1",
             fix="Set it to 0 to check without the server."),
    Variable("KIT_CHECK_SERVER_IDLE", "a number of seconds > 0",
             "how long the check server waits for a request before it ends", _seconds, default="600"),
    Variable("KIT_CHECK_SERVER_DIR", "a folder", "the private (0700) folder of the check server's socket", Path,
             unset="$XDG_RUNTIME_DIR/kit, else ~/.cache/kit/run"),
    Variable("KIT_GRADEBOOK_WAIT", "a number of seconds > 0",
             "how long to wait for another program's lock on the gradebook", _seconds, default="30"),
    Variable("KIT_SANDBOX_LEVEL", "full, container or none",
             "the most isolation the sandbox may use (a lower level tries a deployment's)",
             _choice(full="full", container="container", none="none"), default="full",
             fix="Unset it to isolate as much as the machine allows."),
    Variable("KIT_SANDBOX_UNPRIVILEGED", "1 or 0 (also true/false, yes/no)",
             "1: a root grader sandboxes as if it were not root (level none)", _flag, default="0"),
    Variable("KIT_SANDBOX_UIDS", "a range of user ids FIRST-LAST",
             "the user ids the zygotes of a root grader take their sandbox users from", _uid_range,
             default="60600-60999",
             fix="Choose ids no account uses (1 <= FIRST <= LAST, e.g. 60600-60999), one per zygote running at "
                 "once, or unset it."),
    Variable("KIT_SANDBOX_USER", "a user name", "one user every sandboxed call runs as (shared by every zygote)",
             str, unset="each zygote its own user of KIT_SANDBOX_UIDS"),
    Variable("KIT_REQUIRE_ISOLATION", "1, full or 0 (also true/false, yes/no)",
             "refuse to grade below the container level (1) or the full level (full)", _choice(**_ISOLATION),
             default="0", fix="Set it to 1 to refuse grading without isolation, or unset it."),
    Variable("KIT_GRADING_HIDE", f"folders, separated by {os.pathsep}",
             "more folders a submission must not read (beside the exercises, tests and git history)", _folders,
             default="", unset="nothing more"),
    Variable("KIT_AUTOGRADER_ROOT", "a folder",
             "the Gradescope autograder's root (a bundle's run_autograder reads it too)", Path, default="/autograder"),
    Variable("KIT_AUTOGRADER_PYTHON", "a program", "the Python that a bundle's run_autograder runs", str,
             default="python3"),
    Variable("KIT_BENCH_OTTER_VENV", "a folder", "where kit bench installs Otter-Grader to compare against", Path,
             unset="the checkout's .cache/bench-otter"),
)}
"""Every ``KIT_*`` variable the kit reads, in the order of the table."""


def _variable(name: str) -> Variable:
    if name not in VARIABLES:
        from kit.errors import unknown_name

        raise unknown_name("KIT_* environment variable", name, VARIABLES)
    return VARIABLES[name]


def _parse(variable: Variable, text: str):
    try:
        return variable.parse(text)
    except (ValueError, KeyError):
        from kit.errors import InvalidParameter, shown

        fix = variable.fix or (f"Unset it for the default ({variable.default})." if variable.default
                               else "Unset it to use the default.")
        raise InvalidParameter(f"The {variable.name} environment variable must be {variable.accepts}. Got {shown(text)} "
                               f"instead. {fix}", variable.name, "the environment") from None


def read(name: str):
    """The value of the ``KIT_*`` variable ``name`` now: its text parsed, or its :func:`default`
    when unset or blank; a value it cannot use raises :class:`kit.errors.InvalidParameter`.

    Example:
        >>> read("KIT_SANDBOX_LEVEL")                  # unset          # doctest: +SKIP
        'full'
    """
    variable = _variable(name)
    text = os.environ.get(name, "").strip()
    return _parse(variable, text) if text else default(name)


def default(name: str):
    """What ``name`` is when unset: its default text parsed, or None (the caller's own fallback,
    the table's "Unset" column).

    Example:
        >>> default("KIT_GRADEBOOK_WAIT"), default("KIT_EXERCISES")
        (30.0, None)
    """
    variable = _variable(name)
    return None if variable.default is None else variable.parse(variable.default)


def table() -> str:
    """The variables as a reStructuredText simple table (the module docstring and
    ``docs/configuration.md`` show it)."""
    rows = [("Variable", "Accepts", "Unset", "What it does")]
    rows += [(v.name, v.accepts, v.unset_text(), v.meaning) for v in VARIABLES.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    rule = " ".join("=" * w for w in widths)

    def line(row):
        return " ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()

    return "\n".join([rule, line(rows[0]), rule, *map(line, rows[1:]), rule])
