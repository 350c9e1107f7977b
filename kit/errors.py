"""The kit's one validation language: constraints as data, one sentence for every failure.

A *constraint* says which values a parameter takes: an :class:`Interval` of ints or numbers
(open or closed at each end), :class:`Options` (a few allowed values), :class:`InstanceOf` (a
type), :class:`ListOf` (a list of values meeting a constraint), :class:`Text` (a non-empty
string), :class:`Boolean`, or ``None``. A parameter takes one constraint or a list of them (any
one may be met). :func:`check` tests a value and, when no constraint is met, raises
:class:`InvalidParameter` worded as scikit-learn words it, plus a fix where one helps::

    The 'seed' parameter of kit.training.train must be an int in [0, 2**31 − 1]. Got -1 instead.

Each recurring parameter has one shared constraint (``SEED``, ``COUNT``, ``LEARNING_RATE``,
``PENALTY``, ``SPLIT_FRACTION``, ``FRACTION``, ``POINTS``, ``SECONDS`` …) so that its rule is the
same in every function, and :func:`validate_params` declares a function's constraints beside
its signature, as data. bool is never an int or a number here: ``True`` is refused where a count
or a rate is asked.

Every error the kit raises on purpose about what it was given is a :class:`KitError`; the
``kit`` command prints those as one line and lets anything else (a bug) show its traceback.

Example:
    >>> check(3, COUNT, "epochs", "train")
    3
    >>> check(-1, SEED, "seed", "train")
    Traceback (most recent call last):
    ...
    kit.errors.InvalidParameter: The 'seed' parameter of train must be an int in [0, 2**31 − 1]. Got -1 instead.
    >>> check(True, COUNT, "epochs", "train")
    Traceback (most recent call last):
    ...
    kit.errors.InvalidParameter: The 'epochs' parameter of train must be an int ≥ 1. Got True of type bool instead.
    >>> try:
    ...     check("pm", Options("pm1", "01"), "labels", "f")
    ... except InvalidParameter as error:  # also a ValueError and a TypeError
    ...     print(error)
    The 'labels' parameter of f must be one of 'pm1', '01'. Got 'pm' instead. Did you mean 'pm1'?
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import functools
import inspect
import math
import os
import sys
import types
from numbers import Integral, Real
from typing import Iterable

__all__ = ["KitError", "InvalidParameter", "MissingFile", "CannotWrite", "writing", "output_folder", "input_folder",
           "output_file", "figure_formats", "figure_file", "closest", "unknown_name", "shown", "invalid",
           "Constraint", "Interval", "Options", "Boolean", "InstanceOf", "Text", "PathLike", "Function", "ListOf",
           "describe", "check", "validate_params", "SEED", "COUNT", "MAX_WIDTH", "MAX_DEPTH", "WIDTH", "HIDDEN",
           "BATCH_SIZE", "LEARNING_RATE", "PENALTY", "DROPOUT", "SPLIT_FRACTION", "FRACTION", "POINTS", "SECONDS",
           "PORT", "FLAG", "MODEL", "NAME", "PATH"]

# ---------------------------------------------------------------------------------------------
# The kit's errors


class KitError(Exception):
    """An error meant for the user: the CLI prints it as one line, no traceback.

    Everything the kit raises on purpose about its input is one (invalid parameters, unknown
    names, unusable files, a diverging training run); any other exception is a bug in the kit
    and keeps its traceback.
    """


class InvalidParameter(KitError, ValueError, TypeError):
    """A parameter (or parameters together) that the function cannot use.

    Both a ``ValueError`` and a ``TypeError``: a wrong value and a wrong type are the same
    mistake to the user, and existing ``except ValueError`` / ``except TypeError`` keep working.

    Attributes:
        parameter: the parameter's name (None when the message is about several together).
        owner: the function or class that refused it.
    """

    def __init__(self, message: str, parameter: str | None = None, owner: str | None = None):
        super().__init__(message)
        self.parameter, self.owner = parameter, owner


class MissingFile(KitError, FileNotFoundError):
    """A file or folder the user named does not exist (the message says which and what to do)."""


class CannotWrite(KitError, OSError):
    """The operating system refused to write where the user asked (no permission, a file where a
    folder should be, a full disk)."""


@contextlib.contextmanager
def writing(path, what: str = "the file"):
    """Turn the operating system refusing to write ``path`` into a one-line :class:`CannotWrite`.

    Example:
        >>> with writing("/etc/kit.png", "the figure"):  # doctest: +SKIP
        ...     figure.savefig("/etc/kit.png")
        kit.errors.CannotWrite: Cannot write the figure '/etc/kit.png': Permission denied. Choose a folder …
    """
    try:
        yield
    except CannotWrite:
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise CannotWrite(f"Cannot write {what} {str(path)!r}: {reason}. Choose a folder you can write to.") from error


def _nearest_existing(path):
    """``path`` or the nearest folder above it that exists: where missing folders would be made."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def output_folder(path, what: str = "the output") -> "os.PathLike":
    """``path`` as a :class:`pathlib.Path` when a folder of outputs can be written there (it is one,
    or it can be made inside the nearest folder that exists, which must be writable), checked
    before any work starts. Raises :class:`CannotWrite` otherwise, e.g. for a file of that name.

    Example:
        >>> output_folder("README.md", "the demo's runs")
        Traceback (most recent call last):
        ...
        kit.errors.CannotWrite: Cannot write the demo's runs into 'README.md': it is a file, not a folder. Choose a folder (it is created if missing).
    """
    from pathlib import Path

    start = f"Cannot write {what} into {str(path)!r}: "
    if not str(path).strip():  # Path("") is the current folder: an empty name is a slip, not a choice
        raise CannotWrite(start + "the name is empty. Choose a folder (it is created if missing).")
    target = Path(path).expanduser()
    with writing(path, what):  # a folder on the way that cannot be searched: Permission denied, one line
        existing = _nearest_existing(target)
        if existing == target and not target.is_dir():
            raise CannotWrite(start + "it is a file, not a folder. Choose a folder (it is created if missing).")
        if not existing.is_dir():
            raise CannotWrite(start + f"{str(existing)!r} is a file, not a folder. Choose another folder.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CannotWrite(start + f"{str(existing)!r} is not writable. Choose a folder you can write to.")
    return target


def input_folder(path, what: str = "Folder", fix: str = "") -> "os.PathLike":
    """``path`` as a :class:`pathlib.Path` when it names a folder that exists, checked before any work:
    :class:`MissingFile` when nothing is there (or the name is empty), :class:`InvalidParameter` when it
    is a file. ``what`` starts the sentence; ``fix`` ends it.

    Example:
        >>> input_folder("README.md", "Log folder", "Pass the folder holding the runs.")
        Traceback (most recent call last):
        ...
        kit.errors.InvalidParameter: Log folder 'README.md' is a file, not a folder. Pass the folder holding the runs.
    """
    from pathlib import Path

    fix = f" {fix.strip()}" if fix.strip() else ""
    if not str(path).strip():  # Path("") is the current folder: an empty name is a slip, not a choice
        raise MissingFile(f"{what} {str(path)!r}: the name is empty.{fix}")
    target = Path(path).expanduser()
    try:
        found, folder = target.exists(), target.is_dir()
    except OSError as error:  # a folder on the way that cannot be searched
        raise InvalidParameter(f"{what} {str(path)!r} cannot be read: {error.strerror or error}.{fix}") from error
    if not found:
        raise MissingFile(f"{what} {str(path)!r} does not exist.{fix}")
    if not folder:
        raise InvalidParameter(f"{what} {str(path)!r} is a file, not a folder.{fix}")
    return target


def output_file(path, what: str = "the file") -> "os.PathLike":
    """``path`` as a :class:`pathlib.Path` when a file can be written there, checked before any work
    starts: a name, not a folder, and a folder above it (the nearest that exists: missing ones are
    made) in which a file can really be created, found by creating and removing an empty one (root
    passes every permission check, yet cannot create a file in ``/proc`` or on a read-only disk).
    Raises :class:`CannotWrite` otherwise.

    Example:
        >>> output_file("/proc/report.json", "the report")  # doctest: +SKIP
        kit.errors.CannotWrite: Cannot write the report '/proc/report.json': No such file or directory. …
    """
    import tempfile
    from pathlib import Path

    start = f"Cannot write {what} {str(path)!r}: "
    if not str(path).strip():
        raise CannotWrite(start + "the name is empty. Give a file name, e.g. results.json.")
    target = Path(path).expanduser()
    with writing(path, what):
        if target.is_dir():
            raise CannotWrite(start + "it is a folder. Give a file name inside it.")
        folder = _nearest_existing(target.parent)
        if not folder.is_dir():
            raise CannotWrite(start + f"{str(folder)!r} is a file, not a folder. Choose a folder you can write to.")
        descriptor, probe = tempfile.mkstemp(dir=folder, prefix=".kit-can-write-")
        os.close(descriptor)
        os.unlink(probe)
    return target


def figure_formats() -> list[str]:
    """The file suffixes matplotlib can save a figure as (``png``, ``pdf``, ``svg`` …), without pyplot."""
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(FigureCanvasBase.get_supported_filetypes())


def figure_file(path, what: str = "the figure", *, create_folders: bool = False) -> "os.PathLike":
    """``path`` as a :class:`pathlib.Path` when a figure can be saved there, checked before any
    work starts: a suffix matplotlib knows (without one, matplotlib would write ``PATH.png``
    beside what was named), not an existing folder, and a parent folder that exists (or, with
    ``create_folders``, may be made: the library creates folders, the CLI does not, so that a
    typo leaves no new folder behind) and is writable. Raises :class:`CannotWrite` otherwise.

    Example:
        >>> figure_file("curves.txt")
        Traceback (most recent call last):
        ...
        kit.errors.CannotWrite: Cannot write the figure 'curves.txt': matplotlib cannot save a '.txt' file. Give a file name ending in .png (or .pdf, .svg, .jpg).
    """
    from pathlib import Path

    target = Path(path).expanduser()
    start = f"Cannot write {what} {str(path)!r}: "
    with writing(path, what):  # a folder on the way that cannot be searched: Permission denied, one line
        suffix = target.suffix.lower().lstrip(".")
        if target.is_dir():
            inside = str(target / "figure.png")
            raise CannotWrite(start + f"it is a folder. Give a file name inside it, e.g. {inside!r}.")
        if suffix not in figure_formats():
            said = f"a '.{suffix}' file" if suffix else "a file without a suffix"
            raise CannotWrite(start + f"matplotlib cannot save {said}. Give a file name ending in .png (or .pdf, .svg, "
                              ".jpg).")
        folder = _nearest_existing(target.parent) if create_folders else target.parent
        if not folder.is_dir():
            reason = "is not a folder" if folder.exists() else "does not exist (create it first)"
            raise CannotWrite(start + f"{str(folder)!r} {reason}. Choose a folder you can write to.")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise CannotWrite(start + f"{str(folder)!r} is not writable. Choose a folder you can write to.")
    return target


# ---------------------------------------------------------------------------------------------
# The sentence


def closest(name, known: Iterable[str]) -> str:
    """Return ' Did you mean 'x'?' for the closest known name, or '' when nothing is close."""
    matches = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f" Did you mean {matches[0]!r}?" if matches else ""


def unknown_name(kind: str, name, known: Iterable[str]) -> InvalidParameter:
    """An error for an unknown name that lists the known ones and the closest match.

    Example:
        >>> print(unknown_name("head", "sofmax", ["linear", "softmax"]))
        Unknown head 'sofmax'. Did you mean 'softmax'? Known heads: linear, softmax.
    """
    known = sorted(str(k) for k in known)
    plural = kind[:-1] + "ies" if kind.endswith("y") else kind + "s"
    return InvalidParameter(f"Unknown {kind} {name!r}.{closest(name, known)} Known {plural}: {', '.join(known)}.")


def shown(value, limit: int = 80) -> str:
    """``repr(value)`` on one line, shortened to ``limit`` characters (arrays can be long)."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def invalid(parameter: str, owner: str, expected: str, value=None, *, got: str | None = None,
            fix: str = "") -> InvalidParameter:
    """The one sentence: "The 'p' parameter of f must be <expected>. Got <value> instead." + a fix.

    ``got`` replaces the value's repr where a description says more (e.g. "an array of shape
    (4, 2)"). Used by :func:`check`, and directly for expectations no constraint states (an
    array's shape that depends on the model).

    Example:
        >>> print(invalid("x", "layer_outputs", "an array of shape (n, 2)", got="an array of shape (4, 3)"))
        The 'x' parameter of layer_outputs must be an array of shape (n, 2). Got an array of shape (4, 3) instead.
    """
    got = shown(value) if got is None else got
    message = f"The {parameter!r} parameter of {owner} must be {expected}. Got {got} instead."
    return InvalidParameter(message + (f" {fix.strip()}" if fix.strip() else ""), parameter, owner)


# ---------------------------------------------------------------------------------------------
# Constraints


class Constraint:
    """What a parameter accepts. Subclasses define ``is_satisfied_by`` and either a
    ``description`` (with its article: "an activation name") or their own ``describe``."""

    description: str = ""
    plural: str = ""
    fix: str = ""

    def is_satisfied_by(self, value) -> bool:
        raise NotImplementedError

    def accepts_type(self, value) -> bool:
        """Whether ``value`` is of a type this constraint takes (then the message leaves out the type)."""
        return self.is_satisfied_by(value)

    def describe(self) -> str:
        """The expectation in words, with its article: "an int ≥ 1"."""
        return self.description

    def describe_plural(self) -> str:
        """The expectation for the items of a list: "ints ≥ 1"."""
        return self.plural or _plural(self.description)

    def hint(self, value) -> str:
        """A fix for this particular value ('' for none), e.g. " Did you mean 'relu'?"."""
        return ""

    def with_fix(self, fix: str) -> "Constraint":
        """The same rule with another fix, e.g. ``COUNT.with_fix("It is the number of input features.")``."""
        return dataclasses.replace(self, fix=fix)

    def __str__(self) -> str:
        return self.describe()


def _is_integer(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _bound(value) -> str:
    """A bound as people write it: 2**31 − 1 rather than 2147483647; 0.03 rather than 0.030000."""
    if isinstance(value, int):
        for power in (value, value + 1):
            if power >= 2**20 and power & (power - 1) == 0:
                exponent = power.bit_length() - 1
                return f"2**{exponent}" + (" − 1" if power != value else "")
        return str(value)
    return f"{value:g}"


_CLOSED = {"both": (True, True), "left": (True, False), "right": (False, True), "neither": (False, False)}


@dataclasses.dataclass(frozen=True)
class Interval(Constraint):
    """Ints (``Integral``) or finite numbers (``Real``) between ``low`` and ``high``.

    Args:
        type: ``numbers.Integral`` for ints, ``numbers.Real`` for numbers (ints included).
        low, high: the bounds; None for no bound on that side.
        closed: which ends belong to the interval: ``"both"``, ``"left"``, ``"right"`` or
            ``"neither"``.
        fix: the advice added to every failure (e.g. the Playground's usual values).

    Numbers must be finite: NaN and ±∞ never pass. bool never passes.

    Example:
        >>> Interval(Real, 0, 10, closed="right").describe()
        'a number in (0, 10]'
        >>> Interval(Integral, 1, None).describe()
        'an int ≥ 1'
    """

    type: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    fix: str = ""

    def __post_init__(self):
        if self.type not in (Integral, Real):
            raise TypeError(f"Interval's type must be numbers.Integral or numbers.Real, not {self.type!r}.")
        if self.closed not in _CLOSED:
            raise ValueError(f"Interval's closed must be one of {list(_CLOSED)}, not {self.closed!r}.")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"Interval's low bound {self.low} is above its high bound {self.high}.")

    def accepts_type(self, value) -> bool:
        return _is_integer(value) if self.type is Integral else _is_number(value)

    def is_satisfied_by(self, value) -> bool:
        if not self.accepts_type(value):
            return False
        if self.type is Real and not math.isfinite(value):
            return False
        left, right = _CLOSED[self.closed]
        if self.low is not None and not (value > self.low or (left and value == self.low)):
            return False
        if self.high is not None and not (value < self.high or (right and value == self.high)):
            return False
        return True

    def _range(self) -> str:
        left, right = _CLOSED[self.closed]
        if self.low is not None and self.high is not None:
            return f" in {'[' if left else '('}{_bound(self.low)}, {_bound(self.high)}{']' if right else ')'}"
        if self.low is not None:
            return f" {'≥' if left else '>'} {_bound(self.low)}"
        if self.high is not None:
            return f" {'≤' if right else '<'} {_bound(self.high)}"
        return ""

    def describe(self) -> str:
        if self.type is Integral:
            return "an int" + self._range()
        bounded = self.low is not None and self.high is not None
        return ("a number" if bounded else "a finite number") + self._range()

    def describe_plural(self) -> str:
        if self.type is Integral:
            return "ints" + self._range()
        bounded = self.low is not None and self.high is not None
        return ("numbers" if bounded else "finite numbers") + self._range()


class Options(Constraint):
    """One of a few values, compared with their type: ``Options("pm1", "01")``, ``Options("auto", 0, 1)``.

    ``1.0`` is not the option ``1`` and ``True`` is not ``1``; a wrong string gets "Did you mean".

    Example:
        >>> Options("pm1", "01").describe()
        "one of 'pm1', '01'"
    """

    def __init__(self, *values, fix: str = ""):
        if not values:
            raise ValueError("Options needs at least one value.")
        self.values, self.fix = values, fix

    def __eq__(self, other):
        return isinstance(other, Options) and self.values == other.values and self.fix == other.fix

    def __hash__(self):
        return hash(("Options", self.values, self.fix))

    def with_fix(self, fix: str) -> "Options":
        return Options(*self.values, fix=fix)

    def __repr__(self):
        return f"Options{self.values!r}"

    @staticmethod
    def _same(value, option) -> bool:
        if isinstance(option, bool):
            return isinstance(value, bool) and value == option
        if isinstance(option, str):
            return isinstance(value, str) and value == option
        if _is_integer(option):
            return _is_integer(value) and value == option
        return type(value) is type(option) and value == option

    def is_satisfied_by(self, value) -> bool:
        return any(self._same(value, option) for option in self.values)

    def accepts_type(self, value) -> bool:
        kinds = {bool if isinstance(o, bool) else str if isinstance(o, str) else Integral if _is_integer(o)
                 else type(o) for o in self.values}
        return any(isinstance(value, kind) and not (kind is Integral and isinstance(value, bool)) for kind in kinds)

    def _listing(self) -> str:
        return ", ".join(shown(v) for v in self.values)

    def describe(self) -> str:
        return shown(self.values[0]) if len(self.values) == 1 else f"one of {self._listing()}"

    def describe_plural(self) -> str:
        return f"values among {self._listing()}"

    def hint(self, value) -> str:
        return closest(value, [v for v in self.values if isinstance(v, str)]) if isinstance(value, str) else ""


@dataclasses.dataclass(frozen=True)
class Boolean(Constraint):
    """True or False (NumPy's bool too); 0 and 1 are not."""

    description: str = "True or False"
    plural: str = "bools"
    fix: str = ""

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, bool) or type(value).__name__ == "bool_"


def _plural(description: str) -> str:
    """ "a kit Dataset (e.g. …)" → "kit Datasets (e.g. …)"; descriptions without an article stay."""
    for article in ("a ", "an "):
        if description.startswith(article):
            noun, bracket, rest = description[len(article):].partition(" (")
            return noun + "s" + bracket + rest
    return description


def _resolve(kind):
    """A type, or the type a dotted name such as ``"keras.Model"`` names among the modules already
    imported (None when its module is not: then no value can be an instance of it)."""
    if not isinstance(kind, str):
        return kind
    root, *path = kind.split(".")
    target = sys.modules.get(root)
    for name in path:
        target = getattr(target, name, None)
    return target if isinstance(target, type) else None


@dataclasses.dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of a type (or of one of a tuple of types), described in the user's words.

    A type may be given by its dotted name (``"keras.Model"``), so that a constraint on Keras
    objects needs no Keras import: a value can only be a Keras model once Keras is loaded.

    Example:
        >>> InstanceOf(dict, "a dict of name → value").describe()
        'a dict of name → value'
    """

    types: type | str | tuple
    description: str
    fix: str = ""
    plural: str = ""

    def is_satisfied_by(self, value) -> bool:
        kinds = tuple(k for k in map(_resolve, self.types if isinstance(self.types, tuple) else (self.types,)) if k)
        return bool(kinds) and isinstance(value, kinds)


@dataclasses.dataclass(frozen=True)
class Text(Constraint):
    """A str with something in it besides spaces, described in the user's words ("an activation name")."""

    description: str = "a non-empty str"
    fix: str = ""

    def accepts_type(self, value) -> bool:
        return isinstance(value, str)

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, str) and bool(value.strip())


@dataclasses.dataclass(frozen=True)
class PathLike(Constraint):
    """A file or folder path: a non-empty str or an ``os.PathLike`` such as ``pathlib.Path``."""

    description: str = "a path (a non-empty str or a pathlib.Path)"
    fix: str = ""

    def accepts_type(self, value) -> bool:
        return isinstance(value, (str, os.PathLike))

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, os.PathLike) or (isinstance(value, str) and bool(value.strip()))


@dataclasses.dataclass(frozen=True)
class Function(Constraint):
    """Something callable, described in the user's words."""

    description: str = "a callable"
    fix: str = ""

    def is_satisfied_by(self, value) -> bool:
        return callable(value)


@dataclasses.dataclass(frozen=True)
class ListOf(Constraint):
    """A list (or tuple) whose every item meets ``item``.

    Args:
        item: the items' constraint.
        min_length: at least this many items.
        max_length: at most this many (None: no bound).
        unique: no item twice.

    Example:
        >>> ListOf(Interval(Integral, 1, None)).describe()
        'a list of ints ≥ 1'
    """

    item: Constraint
    min_length: int = 0
    unique: bool = False
    fix: str = ""
    max_length: int | None = None

    def accepts_type(self, value) -> bool:
        return isinstance(value, (list, tuple))

    def is_satisfied_by(self, value) -> bool:
        if not isinstance(value, (list, tuple)) or len(value) < self.min_length:
            return False
        if self.max_length is not None and len(value) > self.max_length:
            return False
        if not all(self.item.is_satisfied_by(v) for v in value):
            return False
        return not self.unique or len(set(value)) == len(value)

    def describe(self) -> str:
        size = {0: "a list of", 1: "a non-empty list of"}.get(self.min_length, f"a list of at least {self.min_length}")
        if self.max_length is not None:
            most = self.max_length
            size = f"a list of at most {most}" if self.min_length == 0 else f"{size} (at most {most})"
        return f"{size} {self.item.describe_plural()}" + (" without repeats" if self.unique else "")

    def describe_plural(self) -> str:
        return f"lists of {self.item.describe_plural()}"

    def hint(self, value) -> str:
        if isinstance(value, (list, tuple)):
            for item in value:
                if not self.item.is_satisfied_by(item):
                    return self.item.hint(item)
        return ""


def _constraints(spec) -> list:
    return list(spec) if isinstance(spec, (list, tuple)) else [spec]


def _met(constraint, value) -> bool:
    return value is None if constraint is None else constraint.is_satisfied_by(value)


def describe(spec) -> str:
    """A constraint or list of constraints in words: "an int ≥ 2 or None".

    Example:
        >>> describe([Interval(Integral, 2, None), None])
        'an int ≥ 2 or None'
    """
    words = [("None" if c is None else c.describe()) for c in _constraints(spec)]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def check(value, spec, parameter: str, owner: str, fix: str = ""):
    """``value`` when it meets ``spec`` (a constraint, ``None``, or a list of them: any one),
    else :class:`InvalidParameter` in the one sentence, naming the value's type when no
    constraint takes that type, with the constraint's own fix (or ``fix``) and a "Did you mean".

    Example:
        >>> check(0.5, SPLIT_FRACTION, "train_fraction", "playground")
        0.5
        >>> check(None, [COUNT, None], "n_samples", "playground") is None
        True
    """
    constraints = _constraints(spec)
    if any(_met(c, value) for c in constraints):
        return value
    present = [c for c in constraints if c is not None]
    typed = value is not None and not any(c.accepts_type(value) for c in present)
    got = shown(value) + (f" of type {type(value).__name__}" if typed else "")
    hints = "".join(c.hint(value) for c in present)
    advice = " ".join(part for part in [hints.strip(), fix or " ".join(c.fix for c in present if c.fix)] if part)
    raise invalid(parameter, owner, describe(spec), got=got, fix=advice)


def validate_params(constraints: dict | None = None, *, owner: str | None = None, **named):
    """Declare a function's parameter constraints beside its signature; they are checked, in
    signature order, before the function runs (scikit-learn's ``validate_params``).

    Args:
        constraints: parameter name → constraint (or list of them; ``None`` allows None).
        owner: the name the messages use (default ``module.function``), e.g.
            ``"kit.training.train"`` where the public name differs from the module's.
        named: more parameter → constraint pairs, as keywords.

    The table stays readable as ``function.parameter_constraints``.

    Example:
        >>> @validate_params(owner="kit.example", seed=SEED, epochs=COUNT)
        ... def example(epochs=10, seed=0):
        ...     return epochs
        >>> example(epochs=0)
        Traceback (most recent call last):
        ...
        kit.errors.InvalidParameter: The 'epochs' parameter of kit.example must be an int ≥ 1. Got 0 instead.
    """
    table = {**(constraints or {}), **named}

    def decorate(function):
        signature = inspect.signature(function)
        unknown = [name for name in table if name not in signature.parameters]
        if unknown:
            raise TypeError(f"{function.__qualname__} has no parameter(s) {unknown} to constrain.")
        order = [name for name in signature.parameters if name in table]
        name = owner or f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def checked(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                return function(*args, **kwargs)  # Python's own message for a missing or extra argument
            bound.apply_defaults()
            for parameter in order:
                check(bound.arguments[parameter], table[parameter], parameter, name)
            return function(*args, **kwargs)

        checked.parameter_constraints = types.MappingProxyType(dict(table))
        checked.owner = name
        return checked

    return decorate


# ---------------------------------------------------------------------------------------------
# Shared constraints: one rule per recurring parameter, the same in every function.

SEED = Interval(Integral, 0, 2**31 - 1)
"""Seeds: TensorFlow's stateless random ops and Keras's seed generators take int32 seeds, so
every seeded function in the kit takes the ints that fit there."""

COUNT = Interval(Integral, 1, None)
"""How many: epochs, units, rows, repeats, submissions."""

MAX_WIDTH = 4096
"""The widest hidden layer the kit builds: the course's networks have at most 8 units a layer (the
Playground's limit) and the digits' softmax nets a few dozen; 4096 × 4096 weights (64 MB) still
train on a laptop, while an unbounded width ran TensorFlow out of memory with a traceback."""
MAX_DEPTH = 64
"""The most hidden layers: the deepest network of the course (vanishing gradients) has 10."""
WIDTH = Interval(Integral, 1, MAX_WIDTH)
HIDDEN = [ListOf(WIDTH, max_length=MAX_DEPTH, fix="Give one width per hidden layer, e.g. [8, 8]; [] for none."),
          WIDTH]
"""Hidden widths (kit.builders.build_mlp, kit train --hidden): a list of unit counts, or one count for a
single hidden layer."""

BATCH_SIZE = Interval(Integral, 1, None, fix="The Playground offers 1 to 30; 10 is its default.")

LEARNING_RATE = Interval(Real, 0, 10, closed="right", fix="The Playground offers 0.00001 to 10; 0.03 is its default.")
"""Above 10 nothing the course trains converges; the Playground's own menu stops there."""

PENALTY = Interval(Real, 0, None, closed="left", fix="0 turns the penalty off; the Playground offers 0.001 to 10.")
"""L1 and L2 regularisation rates."""

DROPOUT = Interval(Real, 0, 1, closed="left", fix="0 turns dropout off; 0.1 to 0.5 is usual.")
"""A share of units dropped: 1 would drop them all."""

SPLIT_FRACTION = Interval(Real, 0, 1, closed="neither", fix="Use e.g. 0.5 for half of the points.")
"""The share of a data set put on one side of a train/test split: both sides need points."""

FRACTION = Interval(Real, 0, 1)
"""A share or a probability, ends included (a grade's part marks, a share of rows)."""

POINTS = Interval(Real, 0, None, closed="left")
"""A check's points."""

SECONDS = Interval(Real, 0, None, closed="neither")
"""A time limit."""

PORT = Interval(Integral, 0, 65535, fix="0 picks a free port.")

FLAG = Boolean()

MODEL = InstanceOf("keras.Model", "a keras.Model (e.g. from kit.builders.build_mlp)")

NAME = Text()

PATH = PathLike()
