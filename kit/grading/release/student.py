"""``kit release OUTDIR``: the student version of the course, without answers or hidden checks.

What the release holds (nothing else of the repository):

- ``kit/`` (the package, so that ``kit start``, ``kit check`` and the rest work from it:
  ``pip install -e OUTDIR`` or ``PYTHONPATH=OUTDIR``), ``models/`` (the zoo's entries),
  ``README.md``, ``pyproject.toml``, ``requirements-runtime.txt`` (what the kit needs to run) and
  ``requirements.txt`` (that and the tools of the tests);
- ``exercises/README.md`` and, per exercise, ``README.md``, ``figures/*.png``, ``starter.py`` and
  ``starter.ipynb``, the public ``checks.py`` (:mod:`kit.grading.release.public`: the visible checks and
  what they need; no hidden check, hidden input, seed, threshold, docstring or comment, and no
  reference: the values the visible checks compare with are data, ``expected.npz``, computed from
  the reference by the release) and ``hidden_checks.json`` (each hidden check's points and public description, which ``kit check``
  lists). Never ``solution.py``, and no other file of an exercise folder.

The release is written into a fresh folder next to OUTDIR and renamed into place at the end, so
a failure leaves nothing half-written. OUTDIR must not exist, or be an empty folder, outside the
repository.

Example:
    >>> build_release("/tmp/course-release")  # doctest: +SKIP
    PosixPath('/tmp/course-release')
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from kit.paths import repository_root
from kit.errors import KitError, writing

__all__ = ["RUNTIME_REQUIREMENTS", "DEVELOPMENT_REQUIREMENTS", "TOP_FILES", "TOP_FOLDERS", "EXERCISE_FILES",
           "SKIPPED", "check_outdir", "require_source", "build_release"]

RUNTIME_REQUIREMENTS = "requirements-runtime.txt"  # what grading and a student need at run time
DEVELOPMENT_REQUIREMENTS = "requirements.txt"  # the run-time set and the tools of the tests
TOP_FILES = ("README.md", "pyproject.toml", DEVELOPMENT_REQUIREMENTS, RUNTIME_REQUIREMENTS)
TOP_FOLDERS = ("kit", "models")
EXERCISE_FILES = ("README.md",)  # plus figures/*.png and the generated starter, checks and manifest
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def check_outdir(outdir, command: str = "kit release") -> Path:
    """OUTDIR as a resolved path, or KitError when it exists with files in it or lies inside the
    repository (the release would copy itself, or land where the sandbox hides files)."""
    if not isinstance(outdir, (str, Path)) or not str(outdir).strip():
        raise KitError(f"The 'outdir' parameter of {command} must be a folder path. Got {outdir!r} instead.")
    with writing(outdir, "the release into"):  # a folder on the way that cannot be searched: one line
        path = Path(outdir).expanduser().resolve()
        return _checked_outdir(outdir, path)


def _checked_outdir(outdir, path: Path) -> Path:
    root = repository_root()
    if path == root or root in path.parents:
        raise KitError(f"{outdir} is inside the repository ({root}); choose a folder outside it, e.g. "
                       f"{root.parent / 'course-release'}.")
    if path.exists() and not path.is_dir():
        raise KitError(f"{outdir} exists and is not a folder; choose a new folder.")
    if path.is_dir() and any(path.iterdir()):
        raise KitError(f"{outdir} exists and is not empty; choose a new or empty folder (nothing was written).")
    if path.parent.exists() and not path.parent.is_dir():
        raise KitError(f"{path.parent} is a file, not a folder; choose another OUTDIR.")
    if not path.parent.is_dir():
        raise KitError(f"{path.parent} does not exist; create it first or choose another OUTDIR.")
    return path


def require_source(exercise, command: str) -> None:
    """KitError when ``exercise`` comes from a student release (its hidden checks are not there)."""
    from kit.grading.authoring.exercises import MANIFEST

    if (exercise.path / MANIFEST).is_file():
        raise KitError(f"{exercise.path} is from a student release: its hidden checks are not there, so {command} "
                       "would leave them out. Run it from the course's repository.")


def build_release(outdir) -> Path:
    """Write the student release into ``outdir`` (see the module docstring); returns its path."""
    from kit.grading.authoring.exercises import MANIFEST, all_exercises, root
    import numpy as np

    from kit.grading.authoring.checks import EXPECTED_FILE
    from kit.grading.release.public import public_checks, public_expected
    from kit.grading.release.starters import notebook, starter_text

    target = check_outdir(outdir)
    source = repository_root()
    exercises = all_exercises()
    if not exercises:
        raise KitError(f"No exercises found in {root()}; nothing to release.")
    for exercise in exercises:
        require_source(exercise, "kit release")
    # Everything that can fail on the exercises' side (a checks module the release cannot split,
    # a starter whose markers are broken) fails before anything is written.
    planned = [(e, *public_checks(e), public_expected(e), starter_text(e)) for e in exercises]
    with writing(target.parent, "the release into"):
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
        try:
            for name in TOP_FILES:
                if (source / name).is_file():
                    shutil.copyfile(source / name, staging / name)
            for name in TOP_FOLDERS:
                if (source / name).is_dir():
                    shutil.copytree(source / name, staging / name, ignore=SKIPPED)
            folder = staging / "exercises"
            folder.mkdir()
            if (root() / "README.md").is_file():
                shutil.copyfile(root() / "README.md", folder / "README.md")
            for exercise, checks_text, manifest, expected, starter in planned:
                out = folder / exercise.path.name
                out.mkdir()
                for name in EXERCISE_FILES:
                    if (exercise.path / name).is_file():
                        shutil.copyfile(exercise.path / name, out / name)
                figures = sorted((exercise.path / "figures").glob("*.png"))
                if figures:
                    (out / "figures").mkdir()
                    for figure in figures:
                        shutil.copyfile(figure, out / "figures" / figure.name)
                (out / "starter.py").write_text(starter, encoding="utf-8")
                (out / "starter.ipynb").write_text(notebook(starter), encoding="utf-8")
                (out / "checks.py").write_text(checks_text, encoding="utf-8")
                if expected is not None:
                    with open(out / EXPECTED_FILE, "wb") as handle:
                        np.savez_compressed(handle, **expected)
                (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            if target.is_dir():
                target.rmdir()  # empty (checked above): the staging folder takes its place
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return target
