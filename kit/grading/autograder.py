"""A Gradescope autograder for one exercise: ``kit bundle NN --out autograder.zip``.

The zip holds, at its root (Gradescope unpacks it into ``/autograder/source``):

- ``setup.sh``: installs ``requirements.txt`` and the kit (``pip3 install``), once per image;
- ``run_autograder``: grades the one ``.py``/``.ipynb`` in ``/autograder/submission`` with
  ``kit grade NN FILE --format gradescope --out /autograder/results/results.json`` (every check,
  hidden ones keep their visibility), and always leaves a results file: a submission of no file or
  several, or a grader that cannot run, gets 0 with a message saying why;
- the kit, ``models/`` and the exercise's ``checks.py`` (its hidden checks included), never its
  ``solution.py`` or another exercise.

``/autograder/source`` and ``/autograder/submission`` are hidden from the submission's sandboxed
child: ``run_autograder`` names them in ``KIT_GRADING_HIDE``, so the sandbox hides everything in
the source but the kit's package, which the child needs to import
(:func:`kit.grading.sandbox.default_hidden_paths`), and the submission's original: under empty
mounts at the ``full`` isolation level, made root-only at the ``container`` level (root without
CAP_SYS_ADMIN: Docker's default capabilities, Gradescope), which the bundle grades at by default.
Isolation is required (level ``container`` or better) unless the bundle was made with
``--allow-unisolated``; a refusal gives the student 0 with a message saying the autograder is
misconfigured and nothing is wrong with their file, and the instructor the reason on stderr
(Gradescope shows it to instructors only).

``KIT_AUTOGRADER_ROOT`` replaces ``/autograder`` and ``KIT_AUTOGRADER_PYTHON`` replaces ``python3``
(the tests run ``run_autograder`` against a fake tree in a temporary folder).

Example:
    >>> build_bundle("04", "/tmp/autograder-04.zip")  # doctest: +SKIP
    PosixPath('/tmp/autograder-04.zip')
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
import zipfile
from pathlib import Path

from kit.errors import KitError, writing

ROOT_VARIABLE = "KIT_AUTOGRADER_ROOT"
PYTHON_VARIABLE = "KIT_AUTOGRADER_PYTHON"
SUFFIXES = (".py", ".ipynb")

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder's image: the requirements, then the kit.
set -euo pipefail
SOURCE="${KIT_AUTOGRADER_ROOT:-/autograder}/source"
PYTHON="${KIT_AUTOGRADER_PYTHON:-python3}"
"$PYTHON" -m pip install --no-cache-dir -r "$SOURCE/requirements.txt"
"$PYTHON" -m pip install --no-cache-dir --no-deps -e "$SOURCE"
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission: exercise {exercise}, every check, into results.json.
# KIT_AUTOGRADER_ROOT replaces /autograder, KIT_AUTOGRADER_PYTHON replaces python3.
set -uo pipefail
ROOT="${{KIT_AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
export PYTHONPATH="$SOURCE" KIT_EXERCISES="$SOURCE/exercises" KIT_CHECK_SERVER=0
# The submission's sandbox must not read the checks or the submission's original: hide the whole
# source but the kit's package, and the submission folder (root-only at the container level).
export KIT_GRADING_HIDE="$SOURCE:$ROOT/submission${{KIT_GRADING_HIDE:+:$KIT_GRADING_HIDE}}"
cd "$ROOT"
exec "${{KIT_AUTOGRADER_PYTHON:-python3}}" -m kit.grading.autograder {exercise} "$ROOT"{isolation}
"""


def build_bundle(exercise, out, require_isolation: bool = True) -> Path:
    """Write the Gradescope autograder zip of ``exercise`` to ``out`` (see the module docstring)."""
    from kit.grading.exercises import find
    from kit.grading.release import TOP_FILES, repository_root, require_source

    found = find(exercise)
    require_source(found, "kit bundle")
    out = Path(out)
    if out.suffix != ".zip":
        raise KitError(f"The --out of kit bundle must be a .zip file (Gradescope uploads a zip). Got {str(out)!r} "
                       "instead; e.g. --out autograder.zip.")
    if out.is_dir():
        raise KitError(f"{out} is a folder; give the zip's file name, e.g. {out / 'autograder.zip'}.")
    if not out.resolve().parent.is_dir():
        raise KitError(f"{out.resolve().parent} does not exist; create it first or choose another --out.")
    source = repository_root()
    run = RUN.format(exercise=found.id, isolation=" --require-isolation" if require_isolation else "")
    files = {"setup.sh": (SETUP, 0o755), "run_autograder": (run, 0o755)}
    for name in TOP_FILES:
        if (source / name).is_file():
            files[name] = ((source / name).read_bytes(), 0o644)
    for folder in ("kit", "models"):
        for path in sorted((source / folder).rglob("*")):
            relative = path.relative_to(source)
            if path.is_file() and not _skipped(relative):
                files[str(relative)] = (path.read_bytes(), 0o644)
    folder = f"exercises/{found.path.name}"
    for name in ("checks.py", "README.md"):
        if (found.path / name).is_file():
            files[f"{folder}/{name}"] = ((found.path / name).read_bytes(), 0o644)
    partial = out.with_name(f".{out.name}.partial")
    with writing(out, "the autograder zip"):
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, (content, mode) in files.items():
                    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # the same zip for the same files
                    info.external_attr = (0o100000 | mode) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, content)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return out


def _skipped(relative: Path) -> bool:
    return relative.suffix == ".pyc" or any(part == "__pycache__" or part.startswith(".") for part in relative.parts)


# ---------------------------------------------------------------------------------------------
# What run_autograder runs


def submission_file(folder: Path) -> tuple[Path | None, str]:
    """The one ``.py``/``.ipynb`` in the submission folder (any depth, hidden entries ignored),
    or None and what the student must change."""
    found = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in SUFFIXES
                   and not any(part.startswith((".", "__")) for part in p.relative_to(folder).parts))
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, ("No .py or .ipynb file was submitted: upload your exercise file (e.g. starter.py or "
                      "starter.ipynb).")
    names = ", ".join(str(p.relative_to(folder)) for p in found)
    return None, f"Submit exactly one .py or .ipynb file; this submission has {len(found)}: {names}."


def failure_results(message: str, seconds: float = 0.0) -> dict:
    """A Gradescope results.json that says why nothing was graded (0 points, never no file)."""
    return {"score": 0.0, "execution_time": round(seconds, 3), "output": message, "output_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden", "extra_data": {}, "tests": [],
            "leaderboard": []}


REFUSED = ("This submission was not graded: the autograder is misconfigured (it cannot run student code "
           "safely on this server). Nothing is wrong with your file. Your instructor has been told; resubmit, or "
           "ask them, once it is fixed.")
"""What a student reads when the grader refuses to run their code (the reason goes to stderr)."""


def run(exercise: str, root, require_isolation: bool = True) -> int:
    """Grade ``root/submission``'s file into ``root/results/results.json``; 0 when a results file
    from ``kit grade`` was written, 1 when the fallback (0 points, a message) was. A refusal for
    want of isolation gives the student :data:`REFUSED` and the instructor the reason, on stderr."""
    from kit.cli import main

    started = time.monotonic()
    root = Path(root)
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.unlink(missing_ok=True)  # a results file is this run's, or the fallback's
    path, problem = submission_file(root / "submission")
    status, errors = None, io.StringIO()
    if path is not None:
        arguments = ["grade", exercise, str(path), "--format", "gradescope", "--out", str(results)]
        try:
            with contextlib.redirect_stderr(errors):
                status = main(arguments + (["--require-isolation"] if require_isolation else []))
        except Exception as error:  # noqa: BLE001 - the grader's own failure still gets a results file
            errors.write(f"{type(error).__name__}: {error}")
        sys.stderr.write(errors.getvalue())
        problem = " ".join(errors.getvalue().split())[-2000:] or f"kit grade ended with exit status {status}."
    if results.is_file():
        return 0
    message = problem if path is None else f"The autograder could not grade {path.name}: {problem}"
    if path is not None and status == 2 and "refusing to grade" in problem:
        print(f"kit autograder: the instructor's side of the refusal: {problem}", file=sys.stderr)
        message = REFUSED
    results.write_text(json.dumps(failure_results(message, time.monotonic() - started)) + "\n", encoding="utf-8")
    print(message, file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.grading.autograder",
                                     description="What a bundle's run_autograder runs.")
    parser.add_argument("exercise")
    parser.add_argument("root", nargs="?", default=os.environ.get(ROOT_VARIABLE, "/autograder"))
    parser.add_argument("--require-isolation", action="store_true")
    args = parser.parse_args(argv)
    return run(args.exercise, args.root, args.require_isolation)


if __name__ == "__main__":
    sys.exit(main())
