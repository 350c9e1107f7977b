"""The exercises: folders ``exercises/NN-slug/`` holding README.md, starter.py, solution.py, checks.py.

Example:
    >>> find("4").slug, find("04").slug, find("derivatives").number  # doctest: +SKIP
    ('derivatives', 'derivatives', 4)
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
from numbers import Integral
from pathlib import Path

from kit import caches
from kit.errors import Interval, Text, check, unknown_name

__all__ = ["IDENTIFIER", "MANIFEST", "Exercise", "root", "all_exercises", "find", "hidden_manifest", "default_limits",
           "forbidden_imports", "RUNTIMES", "runtime", "load_checks"]

IDENTIFIER = [Interval(Integral, 0, None), Text("an exercise number or slug")]

# In the student release (kit release): the hidden checks' public part, which `kit check` lists
# (a list of {"points", "visibility", "description"}); the checks themselves are not there.
MANIFEST = "hidden_checks.json"

_FOLDER = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)$")


@dataclasses.dataclass(frozen=True)
class Exercise:
    number: int
    slug: str
    path: Path
    title: str
    summary: str

    @property
    def id(self) -> str:
        return f"{self.number:02d}"

    @property
    def checks_path(self) -> Path:
        return self.path / "checks.py"


def root() -> Path:
    """Where exercises live: ``KIT_EXERCISES`` if set, else the repository's ``exercises/``."""
    from kit.paths import exercises_root

    return exercises_root()


def _read_readme(path: Path) -> tuple[str, str]:
    readme = path / "README.md"
    if not readme.is_file():
        return path.name, ""
    title, summary = path.name, ""
    lines = readme.read_text(encoding="utf-8", errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("# "):
            title = line[2:].strip()
            paragraph = []
            for following in lines[index + 1:]:
                if following.strip() == "" and paragraph:
                    break
                if following.strip() and not following.startswith("#"):
                    paragraph.append(following.strip())
            summary = " ".join(paragraph)
            break
    return title, summary


def all_exercises() -> list[Exercise]:
    """Every exercise folder, in number order."""
    base = root()
    found = []
    if base.is_dir():
        for entry in sorted(base.iterdir()):
            match = _FOLDER.match(entry.name)
            if match and entry.is_dir() and (entry / "checks.py").is_file():
                title, summary = _read_readme(entry)
                found.append(Exercise(int(match.group(1)), match.group(2), entry, title, summary))
    return found


def find(identifier) -> Exercise:
    """The exercise named by its number (``4``, ``"04"``) or slug (``"derivatives"``, ``"04-derivatives"``)."""
    if isinstance(identifier, Exercise):
        return identifier
    check(identifier, IDENTIFIER, "identifier", "kit.grading.authoring.exercises.find",
          "Name an exercise by its number or slug, e.g. '04' or 'derivatives' (kit exercises lists them).")
    text = str(identifier).strip().lower()
    exercises = all_exercises()
    for exercise in exercises:
        if text in (exercise.slug, f"{exercise.id}-{exercise.slug}") or (text.isdigit() and int(text) == exercise.number):
            return exercise
    raise unknown_name("exercise", identifier, [f"{e.id}-{e.slug}" for e in exercises])


def hidden_manifest(exercise) -> tuple:
    """``((points, description), …)`` of the hidden checks a student release left out (its
    :data:`MANIFEST`); empty in the repository, where the checks themselves are present."""
    path = find(exercise).path / MANIFEST
    if not path.is_file():
        return ()
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        return tuple((float(e["points"]), str(e["description"]) or "(no public description)") for e in entries)
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a list of {{points, visibility, description}} objects ({error}); rebuild "
                         "the release with kit release.") from error


def default_limits(exercise):
    """The per-call limits an exercise grades with when the caller sets none: its checks module's
    ``LIMITS`` (a :class:`kit.grading.Limits`, for an exercise whose honest work needs more than
    the usual 10 s, such as exercise 13's twelve training runs), else ``Limits()``. An
    instructor's ``--timeout`` replaces it.

    Example:
        >>> default_limits("04").timeout
        10.0
    """
    from kit.grading.sandbox.limits import Limits

    return _declared(exercise, "LIMITS", Limits, "kit.grading.Limits", Limits())


def forbidden_imports(exercise):
    """The modules a submission to this exercise must not import: its checks module's
    ``FORBIDDEN_IMPORTS`` (a :class:`kit.grading.authoring.checks.ImportRule`, for an exercise that teaches
    writing something by hand), else None. Every grading enforces it (``kit check`` too).

    Example:
        >>> forbidden_imports("04").modules[:2]
        ('kit', 'keras')
    """
    from kit.grading.authoring.checks import ImportRule

    return _declared(exercise, "FORBIDDEN_IMPORTS", ImportRule, "kit.grading.authoring.checks.ImportRule", None)


RUNTIMES = ("keras", "numpy")
"""What grading an exercise loads: ``keras`` (TensorFlow and Keras in the zygote and the parent)
or ``numpy`` (neither: the exercise's checks and its honest submissions need NumPy alone)."""


def runtime(exercise) -> str:
    """What grading this exercise loads (:data:`RUNTIMES`): its checks module's ``RUNTIME``, else
    ``"keras"``. A ``numpy`` exercise grades without importing TensorFlow in any process (a fresh
    ``kit grade`` then starts in a fraction of the time and memory); a submission that imports it
    anyway still runs, paying its import inside its own time limit.

    Example:
        >>> runtime("04"), runtime("06")
        ('numpy', 'keras')
    """
    value = _declared(exercise, "RUNTIME", str, "str", "keras")
    if value not in RUNTIMES:
        raise ValueError(f"{find(exercise).checks_path}: RUNTIME must be one of {', '.join(RUNTIMES)}. "
                         f"Got {value!r} instead.")
    return value


def _declared(exercise, name: str, kind: type, kind_name: str, default):
    """The checks module's module-level ``name`` (an instance of ``kind``), else ``default``;
    the module is imported only when its text assigns the name, and the answer is cached."""
    found = find(exercise)
    stat = found.checks_path.stat()
    key = (name, str(found.checks_path), stat.st_mtime_ns, stat.st_size)
    if key not in _DECLARED:
        value = default
        if re.search(rf"^{name}\s*=", found.checks_path.read_text(encoding="utf-8"), re.MULTILINE):
            value = getattr(_load_module(found), name, None)
            if not isinstance(value, kind):
                raise ValueError(f"{found.checks_path}: {name} must be a {kind_name}. "
                                 f"Got {type(value).__name__} instead.")
        _DECLARED[key] = value
    return _DECLARED[key]


# (name, checks path, mtime, size) → its value (LIMITS, FORBIDDEN_IMPORTS, RUNTIME)
_DECLARED: dict = caches.register({}, "kit.grading.authoring.exercises._DECLARED")


def _load_module(exercise):
    spec = importlib.util.spec_from_file_location(f"kit_exercise_{exercise.id}_checks", exercise.checks_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_checks(exercise, prepare: bool = False) -> list:
    """The exercise's ``CHECKS`` (a list of kit.grading.authoring.checks.Check), imported in the parent only.

    With ``prepare`` the values its visible checks compare with (its ``expected_values``, which
    exercise 02 computes by training a network) are computed now rather than at the first check:
    the check server does it while the student reads the README after ``kit start``. The checks
    are the same either way (the values are computed once, on first use).
    """
    from kit.grading.authoring.checks import Check, ExpectedValues

    exercise = find(exercise)
    module = _load_module(exercise)
    if prepare:
        for value in list(vars(module).values()):
            if isinstance(value, ExpectedValues):
                value.values_dict()
    checks = getattr(module, "CHECKS", None)
    if not isinstance(checks, list) or not all(isinstance(c, Check) for c in checks) or not checks:
        raise ValueError(f"{exercise.checks_path} must define CHECKS, a non-empty list of kit.grading.authoring.checks.Check.")
    names = [c.name for c in checks]
    if len(set(names)) != len(names):
        raise ValueError(f"{exercise.checks_path}: check names must be unique.")
    return checks
