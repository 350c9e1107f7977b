"""Otter-Grader, the contender of ``kit bench grade``: exercise 04's checks as an Otter autograder.

Otter-Grader (``OTTER_REQUIREMENT``) is installed in its own virtual environment, :func:`venv`
(``.cache/bench-otter`` in the checkout; ``make bench-otter`` or the benchmark's first run
installs it from the package index, about 600 MB), beside the kit's own NumPy version, so both
graders run the submissions on the same NumPy.

:func:`autograder` builds the autograder zip with ``otter generate`` from OK-format tests, one per
check of exercise 04 with its name, points and visibility (the hidden ones hidden), each a
doctest calling :mod:`kit.benchmarks.otter_checks` (copied into the zip with ``data.npz``: the
inputs, the references and the tolerances of exercise 04's checks module). ``otter run -a ZIP``
then grades one submission: it runs the file in a Jupyter kernel and each test in that kernel.
The same submission must score the same with both graders (``kit bench grade`` stops otherwise).

Example:
    >>> from kit.benchmarks import otter_peer
    >>> sorted(otter_peer.tests())[:2]
    ['elu_grad_stable', 'elu_grad_structure']
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

OTTER_VERSION = "7.0.0"
OTTER_REQUIREMENT = f"otter-grader[grading]=={OTTER_VERSION}"  # [grading]: the Jupyter kernel `otter run` needs
SUPPORT = "ex04_checks"  # the package of kit.benchmarks.otter_checks and data.npz inside the zip's files/
INSTALL_SECONDS = 1800

class OtterUnavailable(RuntimeError):
    """Otter-Grader is not installed and could not be (the message says why and how to fix it)."""


def venv() -> Path:
    """Where Otter-Grader lives: ``KIT_BENCH_OTTER_VENV``, else ``.cache/bench-otter`` in the checkout."""
    from kit import config
    from kit.paths import repository_root

    return config.read("KIT_BENCH_OTTER_VENV") or repository_root() / ".cache" / "bench-otter"


def _requirements() -> list[str]:
    return [OTTER_REQUIREMENT, f"numpy=={np.__version__}"]


def _stamp(folder: Path) -> Path:
    return folder / ".installed"


def installed(folder: Path | None = None) -> Path | None:
    """The ``otter`` program of an installed environment with today's requirements, else None."""
    folder = folder or venv()
    stamp, program = _stamp(folder), folder / "bin" / "otter"
    if stamp.is_file() and stamp.read_text().split() == _requirements() and program.is_file():
        return program
    return None


def install(folder: Path | None = None) -> Path:
    """Install Otter-Grader (and the kit's NumPy version) into ``folder`` unless there already; its ``otter``.

    Raises:
        OtterUnavailable: venv or pip failed (no network, no package index): the message says which.
    """
    folder = folder or venv()
    program = installed(folder)
    if program:
        return program
    steps = [[sys.executable, "-m", "venv", str(folder)],  # an existing environment is kept, and completed
             [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              *_requirements()]]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_SECONDS)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise OtterUnavailable(f"installing {OTTER_REQUIREMENT} into {folder} failed: {error}") from None
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise OtterUnavailable(f"installing {OTTER_REQUIREMENT} into {folder} failed "
                                   f"({' '.join(step[:3])}…): {last}")
    _stamp(folder).write_text("\n".join(_requirements()) + "\n")
    return folder / "bin" / "otter"


def _checks_module():
    from kit.grading.authoring import exercises

    return exercises._load_module(exercises.find("04"))


def data() -> dict:
    """Every array the Otter tests read (``data.npz``), from exercise 04's checks module: inputs
    ``in/NAME``, references ``ref/FUNCTION/NAME`` (the visible ones the kit's EXPECTED, the hidden
    ones its float64 reference), ``tolerance/{rtol,atol}{32,64}`` and ``alpha/FUNCTION``."""
    module = _checks_module()
    arrays = {f"in/{name}": np.asarray(x) for name, x in {**module.INPUTS, "fine": module.FINE,
                                                           "zeros": np.zeros(4)}.items()}
    arrays.update({"tolerance/rtol64": np.float64(module.RTOL64), "tolerance/atol64": np.float64(module.ATOL64),
                   "tolerance/rtol32": np.float64(module.RTOL32), "tolerance/atol32": np.float64(module.ATOL32)})
    for function in module.ALL:
        for name in module.VISIBLE:
            arrays[f"ref/{function}/{name}"] = module.EXPECTED[f"{function}/{name}"]
        for name, x in module.HIDDEN.items():
            arrays[f"ref/{function}/{name}"] = module.reference(function, x)
        base = function.removesuffix("_grad")
        if base in module.ALPHA:
            arrays[f"alpha/{function}"] = np.float64(module.ALPHA[base])
            arrays[f"ref/{function}/alpha64"] = module.EXPECTED[f"{function}/alpha64"]
    return arrays


KINDS = {": values (float64)": ("values", "values"), ": keeps shape and dtype": ("structure", "structure"),
         ": stable for extreme inputs": ("stable", "stable"), ": unseen inputs": ("unseen", "unseen")}
"""A kit check's name ending → (its otter_checks method, the test file's suffix)."""
SPECIAL = {"relu_grad(0) is 0": ("relu_grad_at_zero", "relu_grad"),
           "sigmoid_grad peaks at 0.25": ("sigmoid_grad_peak", "sigmoid_grad")}


class OtterTest(NamedTuple):
    """One OK-format test file: its source, and the kit check it stands for (name, points, hidden)."""

    source: str
    check: str
    points: float
    hidden: bool


def tests() -> dict:
    """The OK-format tests, one per check of exercise 04: test name → :class:`OtterTest`."""
    module = _checks_module()
    found = {}
    for check in module.CHECKS:
        if check.name in SPECIAL:
            method, function = SPECIAL[check.name]
            name, call = method, f"{method}({function})"
        else:
            ending = next((e for e in KINDS if check.name.endswith(e)), None)
            function = check.name[:-len(ending)] if ending else ""
            if function not in module.ALL:
                raise ValueError(f"exercise 04's check {check.name!r} has no Otter test in kit.benchmarks.otter_peer; "
                                 "add its kind to KINDS or SPECIAL and its comparison to kit.benchmarks.otter_checks.")
            method, suffix = KINDS[ending]
            name, call = f"{function}_{suffix}", f"{method}({function}, {function!r})"
        hidden = check.visibility != "visible"
        case = {"code": f">>> import {SUPPORT}\n>>> {SUPPORT}.shared().{call}\nTrue", "hidden": hidden,
                "locked": False}
        spec = {"name": name, "points": check.points, "suites": [{"type": "doctest", "cases": [case],
                                                                  "scored": True, "setup": "", "teardown": ""}]}
        source = f"# {check.name} (exercise 04's check of the same name)\nOK_FORMAT = True\ntest = {spec!r}\n"
        found[name] = OtterTest(source, check.name, check.points, hidden)
    return found


def what_is_checked() -> str:
    """What the Otter tests check, in a sentence (``otter.checks`` in ``kit bench grade``'s JSON)."""
    found = tests().values()
    return (f"one OK-format test per check of exercise 04 ({len(found)}, {sum(t.points for t in found):g} points, "
            f"the {sum(t.hidden for t in found)} hidden ones hidden), each the kit check's comparison in NumPy "
            "(kit.benchmarks.otter_checks) on the same inputs with the same references, masks and tolerances: values "
            "on the grid, random arrays and a non-default alpha; shape and dtype for float32 and float64; no overflow "
            "warning, NaN or Inf for |x| up to 1e4; relu_grad(0) = 0; sigmoid_grad's peak; hidden extreme and random "
            "inputs. Not the kit's sandbox, time limits, forbidden imports or feedback messages; Otter runs the file "
            "in a Jupyter kernel and each test there")


def sources(folder: Path) -> None:
    """Write what the autograder is made of into ``folder``: ``tests/NAME.py`` (:func:`tests`), the
    ``ex04_checks`` package (:mod:`kit.benchmarks.otter_checks` and ``data.npz``), requirements.txt
    and otter_config.json."""
    folder = Path(folder)
    test_folder, support = folder / "tests", folder / SUPPORT
    test_folder.mkdir(parents=True)
    support.mkdir()
    for name, test in tests().items():
        (test_folder / f"{name}.py").write_text(test.source)
    shutil.copyfile(Path(__file__).with_name("otter_checks.py"), support / "__init__.py")
    np.savez(support / "data.npz", **data())
    (folder / "requirements.txt").write_text(f"numpy=={np.__version__}\n")
    (folder / "otter_config.json").write_text(json.dumps({"lang": "python"}))


def autograder(folder: Path, otter: Path) -> Path:
    """Build ``folder/autograder.zip`` with ``otter generate`` from :func:`sources`."""
    folder = Path(folder)
    sources(folder)
    zip_path = folder / "autograder.zip"
    done = subprocess.run([str(otter), "generate", "--tests-dir", "tests", "--output-path", str(zip_path),
                           "--config", "otter_config.json", "--requirements", "requirements.txt", "--no-environment",
                           SUPPORT], cwd=folder, capture_output=True, text=True, timeout=300)
    if done.returncode or not zip_path.is_file():
        raise RuntimeError(f"otter generate failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
    missing = [n for n in (f"files/{SUPPORT}/data.npz", "tests/sigmoid_values.py") if n not in names]
    if missing:
        raise RuntimeError(f"otter generate left {', '.join(missing)} out of {zip_path}: {sorted(names)[:20]}")
    return zip_path


def command(otter: Path, zip_path: Path, submission: Path, output: Path) -> list[str]:
    """``otter run`` grading one submission with the autograder, its results.json into ``output``."""
    return [str(otter), "run", "--autograder", str(zip_path), "--output-dir", str(output), "--no-logo", str(submission)]


def environment() -> dict:
    """The environment of ``otter run``: this one without the kit's PYTHONPATH and virtual
    environment (Otter needs neither; its kernel is the Python of its own environment)."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def score(output: Path) -> float:
    """The total score in ``otter run``'s results.json (Gradescope's format)."""
    results = json.loads((Path(output) / "results.json").read_text())
    if "score" in results:
        return float(results["score"])
    return float(sum(test.get("score", 0) for test in results.get("tests", [])))


if __name__ == "__main__":  # make bench-otter
    try:
        print(f"Otter-Grader {OTTER_VERSION}: {install()}")
    except OtterUnavailable as error:
        sys.exit(f"make bench-otter: {error}")
