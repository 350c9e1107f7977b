"""Commands timed as fresh processes, with their peak memory: what ``kit bench grade`` and ``batch`` compare.

:func:`measure` runs one command and waits for it with ``os.wait4``, whose ``ru_maxrss`` is the
largest resident set of the command's process and of every descendant it waited for (the kit's
zygote, keepers and runners; Otter's Jupyter kernel): ``PEAK_RSS`` says so in each JSON. It is
the largest single process, not the sum over the tree (processes that share pages would count
them twice). :func:`measure_many` runs commands at most N at a time; :func:`spread` is the
(min, median, max) of a figure over the runs of a round robin.

Example:
    >>> import sys
    >>> done = measure([sys.executable, "-c", "print(6 * 7)"])
    >>> done.stdout, done.returncode, done.seconds > 0, done.peak_rss_mb > 1
    ('42\\n', 0, True, True)
    >>> spread([3.0, 1.0, 2.0])
    {'min': 1.0, 'median': 2.0, 'max': 3.0}
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

PEAK_RSS = ("the largest single process of the command's tree: os.wait4's ru_maxrss for the command, which "
            "covers every descendant it waited for (not the sum over the tree)")


@dataclass
class Measured:
    """One command's run: its wall seconds (start to reaped), peak RSS in MB (``PEAK_RSS``) and output."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def measure(command: list[str], *, env: dict | None = None, cwd=None, timeout: float = 3600) -> Measured:
    """Run ``command`` once in a new session; its time and peak memory. A command still running
    after ``timeout`` seconds is killed with its session (``returncode`` is then negative)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True)
        timer = threading.Timer(timeout, lambda: _kill(process.pid))
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Measured(seconds, usage.ru_maxrss / 1024, process.returncode,
                        out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def measure_many(commands: list[list[str]], parallel: int, **options) -> tuple[float, list[Measured]]:
    """Run every command, at most ``parallel`` at a time (each as :func:`measure`); the wall seconds
    of the whole and each command's :class:`Measured`, in the order given."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        done = list(pool.map(lambda command: measure(command, **options), commands))
    return time.perf_counter() - started, done


def spread(values, digits: int = 3) -> dict:
    """{min, median, max} of a figure measured several times, rounded to ``digits``."""
    values = list(values)
    return {"min": round(min(values), digits), "median": round(statistics.median(values), digits),
            "max": round(max(values), digits)}


def kit_command(*arguments: str) -> list[str]:
    """``python -m kit.cli ARGUMENTS`` with this interpreter (run with :func:`kit_environment`)."""
    return [sys.executable, "-m", "kit.cli", *arguments]


def kit_environment() -> dict:
    """This environment with the checkout first on PYTHONPATH and the check server off
    (``KIT_CHECK_SERVER=0``: every command pays its own start, as on Gradescope)."""
    from kit.paths import repository_root

    root = str(repository_root())
    return dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""),
                TF_CPP_MIN_LOG_LEVEL="2", KIT_CHECK_SERVER="0")
