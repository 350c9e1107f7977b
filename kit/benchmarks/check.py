"""``kit bench check``: how long a student waits for the commands of the exercise loop.

Each command runs as a student runs it, a fresh ``python -m kit.cli`` process, and the median of
``--repeats`` runs is reported: a cold ``kit check 04 solution.py`` (``--no-server``: the
process imports TensorFlow and starts its own zygote), the first ``kit check`` that starts the
check server, a warm one (the server is up), ``kit exercises``, and a typo'd ``kit check 99``
(refused before TensorFlow loads). The server runs in a private folder of its own and is stopped
at the end, so the user's own server is never touched.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "check"
HELP = "seconds of a cold and a warm kit check 04, kit exercises and a typo'd kit check 99"


def add_arguments(parser) -> None:
    from kit.commands import option
    from kit.errors import COUNT

    parser.add_argument("--repeats", type=option(COUNT), default=5, help="runs per command; the median is reported "
                                                                          "(default 5)")
    parser.add_argument("--quick", action="store_true", help="1 run each: checks that the benchmark runs")


def _seconds(command: list[str], environment: dict, expect: int) -> float:
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "kit.cli", *command], capture_output=True, env=environment,
                               timeout=600)
    seconds = time.perf_counter() - started
    if completed.returncode != expect:  # a benchmark of a broken command would measure nothing
        raise RuntimeError(f"kit {' '.join(command)} exited {completed.returncode}, expected {expect}: "
                           + completed.stderr.decode(errors="replace")[-500:])
    return seconds


def run(args) -> dict:
    from kit.grading import server
    from kit.grading.exercises import find

    repeats = 1 if args.quick else args.repeats  # checked by its argparse type
    solution = str(find("04").path / "solution.py")
    with tempfile.TemporaryDirectory(prefix="kit-bench-", dir="/tmp") as folder:
        environment = dict(os.environ, KIT_CHECK_SERVER_DIR=str(Path(folder) / "run"))
        check = ["check", "04", solution]
        try:
            first = _seconds(check, environment, 0)  # starts the server
            warm = [_seconds(check, environment, 0) for _ in range(repeats)]
            cold = [_seconds(check + ["--no-server"], environment, 0) for _ in range(repeats)]
            listing = [_seconds(["exercises"], environment, 0) for _ in range(repeats)]
            typo = [_seconds(["check", "99", solution], environment, 2) for _ in range(repeats)]
        finally:
            server.stop(Path(folder) / "run")
    return {"cold_check_seconds": round(statistics.median(cold), 3),
            "first_check_seconds": round(first, 3),  # the server's start: TensorFlow's import, twice
            "warm_check_seconds": round(statistics.median(warm), 3),
            "exercises_seconds": round(statistics.median(listing), 3),
            "typo_check_seconds": round(statistics.median(typo), 3),
            "repeats": repeats, "machine_cores": os.cpu_count()}
