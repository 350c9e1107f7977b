"""A Gradescope autograder for one exercise: ``kit bundle NN --out autograder.zip``.

The zip holds, at its root (Gradescope unpacks it into ``/autograder/source``):

- ``setup.sh``: run once per image, as root, on Gradescope's Ubuntu 22.04 and its Python 3.10:
  installs pip with apt-get where the image has none, upgrades it where it can, then installs
  ``requirements-runtime.txt`` (what grading needs at run time, none of the tools of the tests),
  or, for an exercise that grades without TensorFlow (``RUNTIME = "numpy"``: 04, 05, 10),
  ``requirements-numpy.txt``, its numpy line alone (seconds to install instead of minutes and
  about 600 MB);
  The kit itself is not installed: ``run_autograder`` imports it from ``/autograder/source``
  (``PYTHONPATH``);
- ``run_autograder``: grades the one ``.py``/``.ipynb`` in ``/autograder/submission`` (found by
  :func:`submission_file`, which follows no link below that folder) with
  ``kit grade NN FILE --format gradescope --out /autograder/results/results.json`` (every check,
  hidden ones keep their visibility), and always leaves a results file: a submission of no file or
  several, or a grader that cannot run, gets 0 with a message saying why;
- ``requirements-runtime.txt``, ``README.md``, ``pyproject.toml``, the kit, ``models/`` and the
  exercise's ``checks.py`` (its hidden checks included), never its ``solution.py``, another
  exercise or ``requirements.txt`` (the tools of the tests).

``/autograder/source`` and ``/autograder/submission`` are hidden from the submission's sandboxed
child: ``run_autograder`` names them in ``KIT_GRADING_HIDE``, so the sandbox hides everything in
the source but the kit's package, which the child needs to import
(:func:`kit.grading.sandbox.zygote.default_hidden_paths`), and the submission's original: under empty
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
import json
import os
import stat
import sys
import time
import zipfile
from pathlib import Path

from kit import config, paths
from kit.errors import KitError, writing

__all__ = ["ROOT_VARIABLE", "PYTHON_VARIABLE", "SETUP", "RUN", "NUMPY_REQUIREMENTS", "numpy_requirements",
           "build_bundle", "MAX_DEPTH", "submission_file", "failure_results", "REFUSED", "run", "main"]

ROOT_VARIABLE = "KIT_AUTOGRADER_ROOT"
PYTHON_VARIABLE = "KIT_AUTOGRADER_PYTHON"

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04, Python 3.10):
# pip where the image has none, then what grading needs at run time. The kit is not installed:
# run_autograder imports it from the source folder (PYTHONPATH).
set -euo pipefail
export PIP_BREAK_SYSTEM_PACKAGES=1  # an image with Ubuntu 24.04 refuses pip in its system Python without it
SOURCE="${{KIT_AUTOGRADER_ROOT:-/autograder}}/source"
PYTHON="${{KIT_AUTOGRADER_PYTHON:-python3}}"
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip
fi
# A newer pip where it can (Ubuntu 22.04's pip 22.0 resolves the same requirements if not).
"$PYTHON" -m pip install --no-cache-dir --upgrade pip || echo "setup.sh: pip not upgraded; going on with it" >&2
"$PYTHON" -m pip install --no-cache-dir -r "$SOURCE/{requirements}"
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
exec "${{KIT_AUTOGRADER_PYTHON:-python3}}" -m kit.grading.runners.autograder {exercise} "$ROOT"{isolation}
"""


NUMPY_REQUIREMENTS = "requirements-numpy.txt"  # a NumPy exercise's bundle installs this instead


def numpy_requirements(runtime_text: str) -> str:
    """What a NumPy exercise's grading installs: the ``numpy`` line of the run-time requirements
    (the one source of its version range), under a header saying so.

    Example:
        >>> print(numpy_requirements("tensorflow>=2.20\\nnumpy>=1.26,<3  # arrays\\n"), end="")
        # A NumPy exercise grades with NumPy alone: the numpy line of requirements-runtime.txt.
        numpy>=1.26,<3  # arrays
    """
    import re

    lines = [line for line in runtime_text.splitlines() if re.match(r"numpy\s*([<>=!~;\[]|$)", line.strip())]
    if len(lines) != 1:
        raise KitError(f"requirements-runtime.txt must name numpy on exactly one line; found {len(lines)}.")
    return f"# A NumPy exercise grades with NumPy alone: the numpy line of requirements-runtime.txt.\n{lines[0]}\n"


def build_bundle(exercise, out, require_isolation: bool = True) -> Path:
    """Write the Gradescope autograder zip of ``exercise`` to ``out`` (see the module docstring)."""
    from kit.grading.authoring.exercises import find, runtime
    from kit.grading.release.student import DEVELOPMENT_REQUIREMENTS, RUNTIME_REQUIREMENTS, TOP_FILES, require_source

    found = find(exercise)
    require_source(found, "kit bundle")
    if not str(out).strip():
        raise KitError("The --out of kit bundle is empty: give the zip's file name, e.g. --out autograder.zip.")
    out = Path(out)
    if out.suffix != ".zip":
        raise KitError(f"The --out of kit bundle must be a .zip file (Gradescope uploads a zip). Got {str(out)!r} "
                       "instead; e.g. --out autograder.zip.")
    with writing(out, "the autograder zip"):  # a folder on the way that cannot be searched: one line
        if out.is_dir():
            raise KitError(f"{out} is a folder; give the zip's file name, e.g. {out / 'autograder.zip'}.")
        if not out.resolve().parent.is_dir():
            raise KitError(f"{out.resolve().parent} does not exist; create it first or choose another --out.")
    source = paths.repository_root()
    run = RUN.format(exercise=found.id, isolation=" --require-isolation" if require_isolation else "")
    installed = RUNTIME_REQUIREMENTS
    files = {}
    if runtime(found) == "numpy":  # grading imports NumPy alone (tests/grading/test_runtime.py): install only it
        installed = NUMPY_REQUIREMENTS
        files[installed] = (numpy_requirements((source / RUNTIME_REQUIREMENTS).read_text(encoding="utf-8")), 0o644)
    files.update({"setup.sh": (SETUP.format(requirements=installed), 0o755), "run_autograder": (run, 0o755)})
    for name in TOP_FILES:
        if name != DEVELOPMENT_REQUIREMENTS and (source / name).is_file():
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


MAX_DEPTH = 16  # folder levels searched below /autograder/submission (an upload is a few deep)


def submission_file(folder: Path) -> tuple[Path | None, str]:
    """The one ``.py``/``.ipynb`` in the submission folder (any depth up to :data:`MAX_DEPTH`,
    hidden entries ignored), or None and what the student must change.

    The folder is walked by descriptor and nothing below it is followed
    (:class:`kit.grading.sandbox.submission.Folder`): a linked folder is not entered, and the one file
    is read once here with the same rules as every submission (no link, a regular file with one
    name, size-capped), so a link to another file gets 0 with the reason ("could not read
    answer.py: it is a symbolic link; submit the file itself") and nothing of what it points to.
    """
    from kit.grading.sandbox.submission import SUFFIXES, Folder, Unreadable  # the one reader of submissions

    found: list[tuple[str, str]] = []  # (the file as shown, why it cannot be read or "")
    skipped: list[str] = []

    def walk(current: Folder, prefix: str, depth: int) -> None:
        for name, mode in current.entries():
            if name.startswith((".", "__")):
                continue
            shown = f"{prefix}{name}"
            if mode is not None and stat.S_ISDIR(mode):
                if depth >= MAX_DEPTH:
                    skipped.append(f"{shown}/ (more than {MAX_DEPTH} folders deep)")
                    continue
                try:
                    inner = current.folder(name, f"{shown}/")
                except Unreadable as refused:
                    skipped.append(str(refused).removeprefix("could not read "))
                    continue
                with inner:
                    walk(inner, f"{shown}/", depth + 1)
            elif Path(name).suffix.lower() in SUFFIXES:
                try:  # read now, while its folder is open (by descriptor)
                    current.read(name, shown)
                    found.append((shown, ""))
                except Unreadable as refused:
                    found.append((shown, f"{str(refused)[0].upper()}{str(refused)[1:]}."))
            elif mode is not None and stat.S_ISLNK(mode):
                skipped.append(f"{shown}: it is a symbolic link, which is not followed")

    try:
        with Folder(folder) as top:
            walk(top, "", 0)
    except Unreadable as refused:  # the folder itself, or one of its folders while listing it
        return None, f"The submission could not be read ({refused.why})."
    if len(found) == 1:
        shown, problem = found[0]
        return (None, problem) if problem else (Path(folder, shown), "")
    if not found:
        extra = f" Left out: {'; '.join(skipped)}." if skipped else ""
        return None, ("No .py or .ipynb file was submitted: upload your exercise file (e.g. starter.py or "
                      f"starter.ipynb).{extra}")
    names = ", ".join(shown for shown, _ in found)
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
    from kit.grading.runners import report, service
    from kit.grading.sandbox.zygote import IsolationRequired

    started = time.monotonic()
    root = Path(root)
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.unlink(missing_ok=True)  # a results file is this run's, or the fallback's
    path, problem = submission_file(root / "submission")
    refused = False
    if path is not None:
        try:
            result = service.grade(exercise, path, service.EVERY, require_isolation=require_isolation or None)
            warning = service.isolation_warning(result, "grade")
            if warning:
                print(warning, file=sys.stderr)
            results.write_text(report.render(result, "gradescope") + "\n", encoding="utf-8")
        except IsolationRequired as error:
            refused, problem = True, " ".join(str(error).split())
        except KitError as error:  # a file that cannot be read or imported as a submission: said in one line
            problem = " ".join(str(error).split())[-2000:]
        except Exception as error:  # noqa: BLE001 - the grader's own failure still gets a results file
            problem = " ".join(f"{type(error).__name__}: {error}".split())[-2000:]
    if results.is_file():
        return 0
    message = problem if path is None else f"The autograder could not grade {path.name}: {problem}"
    if refused:
        print(f"kit autograder: the instructor's side of the refusal: {problem}", file=sys.stderr)
        message = REFUSED
    results.write_text(json.dumps(failure_results(message, time.monotonic() - started)) + "\n", encoding="utf-8")
    print(message, file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.grading.runners.autograder",
                                     description="What a bundle's run_autograder runs.")
    parser.add_argument("exercise")
    parser.add_argument("root", nargs="?", default=str(config.read(ROOT_VARIABLE)))
    parser.add_argument("--require-isolation", action="store_true")
    args = parser.parse_args(argv)
    return run(args.exercise, args.root, args.require_isolation)


if __name__ == "__main__":
    sys.exit(main())
