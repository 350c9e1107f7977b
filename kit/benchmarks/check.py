"""``kit bench check``: how long a student waits for the commands of the exercise loop.

Each command runs as a student runs it, a fresh ``python -m kit.cli`` process, and the median of
``--repeats`` runs is reported: ``kit check 04 solution.py`` (a NumPy exercise: graded in the
process without TensorFlow, no server), ``kit exercises``, and a typo'd ``kit check 99``
(refused before anything loads). The server runs in a private folder of its own and is stopped
at the end, so the user's own server is never touched.

Then, per exercise of ``--exercises`` (the ones that train, by default), the loop a student
lives in: the first check of a session (a fresh server: TensorFlow's import, the zygote, the
exercise's first training), a warm check of the same file, the first check of a later session on
the unchanged file (a fresh server, which reads the runs the last one trained), the first check
after ``kit start`` (the server warmed in the background, nothing trained yet: the README's
path), and a warm check after an edit that changes what is trained (the recipe's epochs plus one
where ``recipe()`` returns them, so no cached run answers; otherwise a comment: every check of a
changed file is graded again). An exercise whose check fails reports ``error`` instead.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "check"
HELP = ("seconds of a cold and a warm kit check 04, kit exercises and a typo'd kit check 99; per exercise, the first, "
        "a warm and an edited check")
EXERCISES = "01,02,03,06,07,08,09,11,12,13"  # the exercises whose checks train networks
QUICK_EXERCISES = "06"  # --quick: one of them
EPOCHS = re.compile(r'(return \{[^}]*"epochs": )(\d+)')
READ_SECONDS = 5.0
"""How long the student reads a report before checking again (warm and edited checks): the check
server prepares the next check's runner meanwhile (``Zygote.prepare``). A check that follows the
last one at once is reported too (``back_to_back_check_seconds``)."""


def add_arguments(parser) -> None:
    from kit.commands import option
    from kit.errors import COUNT

    parser.add_argument("--repeats", type=option(COUNT), default=5, help="runs per command; the median is reported "
                                                                          "(default 5)")
    parser.add_argument("--exercises", type=_exercises, default=EXERCISES, metavar="NN,NN",
                        help=f"the exercises timed one by one (default: those that train, {EXERCISES}; 'none' for "
                             f"none; --quick: {QUICK_EXERCISES})")
    parser.add_argument("--quick", action="store_true", help="1 run each: checks that the benchmark runs")


def _exercises(text: str) -> str:
    import argparse

    from kit.grading.authoring.exercises import all_exercises

    known = [exercise.id for exercise in all_exercises()]
    if text.strip() == "none":
        return "none"
    chosen = [part.strip().zfill(2) for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in known]
    if not chosen or unknown:
        raise argparse.ArgumentTypeError(f"must be exercise numbers separated by commas ({', '.join(known)}) or "
                                         f"'none'; got {text!r}")
    return ",".join(chosen)


def edited(source: str) -> str:
    """``source`` edited as a student would between two checks: one more epoch in ``recipe()``'s
    returned dict, so no cached run answers (or, without one, a comment added).

    Example:
        >>> edited('def recipe():\\n    return {"optimizer": "adam", "epochs": 200}\\n')
        'def recipe():\\n    return {"optimizer": "adam", "epochs": 201}\\n'
    """
    changed, count = EPOCHS.subn(lambda match: match.group(1) + str(int(match.group(2)) + 1), source, count=1)
    return changed if count else source + "\n# edited\n"


def _seconds(command: list[str], environment: dict, expect: int) -> float:
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "kit.cli", *command], capture_output=True, env=environment,
                               timeout=600)
    seconds = time.perf_counter() - started
    if completed.returncode != expect:  # a benchmark of a broken command would measure nothing
        raise RuntimeError(f"kit {' '.join(command)} exited {completed.returncode}, expected {expect}: "
                           + completed.stderr.decode(errors="replace")[-300:] + " | "
                           + completed.stdout.decode(errors="replace")[-500:])
    return seconds


def run(args) -> dict:
    from kit.grading.authoring.exercises import find

    repeats = 1 if args.quick else args.repeats  # checked by its argparse type
    solution = str(find("04").path / "solution.py")
    with tempfile.TemporaryDirectory(prefix="kit-bench-", dir="/tmp") as folder:
        environment = dict(os.environ, KIT_CHECK_SERVER_DIR=str(Path(folder) / "run"))
        # Exercise 04 grades without TensorFlow, in the process: no server is started for it.
        cold = [_seconds(["check", "04", solution], environment, 0) for _ in range(repeats)]
        listing = [_seconds(["exercises"], environment, 0) for _ in range(repeats)]
        typo = [_seconds(["check", "99", solution], environment, 2) for _ in range(repeats)]
    per_exercise = {}
    chosen = QUICK_EXERCISES if args.quick else args.exercises
    for identifier in ([] if chosen == "none" else chosen.split(",")):
        per_exercise[identifier] = _exercise(identifier, repeats)
    return {"cold_check_seconds": round(statistics.median(cold), 3),  # kit check 04: NumPy only, no server
            "exercises_seconds": round(statistics.median(listing), 3),
            "typo_check_seconds": round(statistics.median(typo), 3),
            "exercises": per_exercise,
            "repeats": repeats, "quick": bool(args.quick), "machine_cores": os.cpu_count()}


def _exercise(identifier: str, repeats: int) -> dict:
    """One exercise's checks of its solution, in seconds: the first of a session (a fresh server,
    nothing trained), warm, after an edit, the first after ``kit start`` (the server warmed in the
    background, nothing trained: what a student who follows the README waits for) and the first
    of a later session on an unchanged file (a fresh server that finds the runs the last one
    saved). A check that fails is reported as ``error`` (its output's end), the others still run."""
    from kit.grading.runners import server
    from kit.grading.authoring.exercises import find

    source = (find(identifier).path / "solution.py").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="kit-bench-", dir="/tmp") as folder:
        run_folder = Path(folder) / "run"
        environment = dict(os.environ, KIT_CHECK_SERVER_DIR=str(run_folder))
        path = Path(folder) / "solution.py"
        path.write_text(source, encoding="utf-8")
        check = ["check", identifier, str(path)]
        try:
            first = _seconds(check, environment, 0)
            back_to_back = _seconds(check, environment, 0)
            warm = [_seconds_after(lambda: time.sleep(READ_SECONDS), check, environment) for _ in range(repeats)]
            later = _seconds_after(lambda: server.stop(run_folder), check, environment)
            for saved in run_folder.glob("*.runs.json"):
                saved.unlink()  # the next server starts with nothing trained
            started = _seconds_after(lambda: _start(identifier, Path(folder), environment, run_folder), check,
                                     environment)
            edits = []
            for _ in range(repeats):
                source = edited(source)
                path.write_text(source, encoding="utf-8")
                edits.append(_seconds_after(lambda: time.sleep(READ_SECONDS), check, environment))
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            return {"error": " ".join(str(error).split())[-600:]}
        finally:
            server.stop(run_folder)
    return {"first_check_seconds": round(first, 3), "warm_check_seconds": round(statistics.median(warm), 3),
            "edited_check_seconds": round(statistics.median(edits), 3),
            "back_to_back_check_seconds": round(back_to_back, 3),
            "after_start_check_seconds": round(started, 3), "later_session_check_seconds": round(later, 3)}


def _seconds_after(prepare, command: list[str], environment: dict) -> float:
    prepare()
    return _seconds(command, environment, 0)


def _start(identifier: str, folder: Path, environment: dict, run_folder: Path) -> None:
    """``kit start`` as a student runs it (which starts the server in the background), then the
    server stopped, if one ran, waited for until it answers: the student reads the README meanwhile."""
    from kit.grading.runners import server

    server.stop(run_folder)
    target = folder / f"started-{identifier}"
    _seconds(["start", identifier, str(target)], environment, 0)
    if not server.ready(run_folder):
        raise RuntimeError(f"kit start {identifier} started no check server that answers")
