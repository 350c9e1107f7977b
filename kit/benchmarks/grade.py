"""``kit bench grade``: what grading one submission costs, against Otter-Grader, and with one zygote.

Every side grades the same submissions of exercise 04 (the reference solution and typical
mistakes, every check, hidden ones included) and must give each the same score.

- ``fresh_seconds``, ``fresh_peak_rss_mb``: what a Gradescope submission costs the kit: a fresh
  ``python -m kit.cli grade 04 FILE --format json`` process per submission (``KIT_CHECK_SERVER=0``),
  timed from start to reaped, its peak memory as :data:`kit.benchmarks.processes.PEAK_RSS` says.
- ``otter_seconds``, ``otter_peak_rss_mb``: Otter-Grader 7 (:mod:`kit.benchmarks.otter_peer`),
  ``otter run`` with an autograder built from exercise 04's checks (the same inputs, references,
  tolerances and points, one test per check), measured the same way. The two alternate per
  submission (a round robin, so a change in the machine's load reaches both); each figure is its
  (min, median, max) over the submissions. Otter is installed on first use
  (``--otter install``); ``--otter cached`` uses an installed one only, ``--otter no`` skips it;
  a skipped contender says why in ``otter.skipped``.
- ``zygote_*``: inside one process, every submission through one zygote (the exercise's runtime,
  ``kit.grading.authoring.exercises.runtime``: NumPy only for 04) vs a fresh zygote per submission, both
  through the same sandbox; ``zygote_seconds_per_submission`` includes the zygote's own start,
  amortised. This is what ``kit grade-batch`` and the check server save over a fresh start.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

NAME = "grade"
HELP = "grade N submissions: a fresh kit grade process each vs Otter-Grader's otter run; one zygote vs a fresh one"
NEEDS_TENSORFLOW = False  # exercise 04 grades with NumPy alone (its RUNTIME)
OTTER_WHEN = ("install", "cached", "no")

VARIANTS = [
    "",
    "\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n",
    "\ndef relu_grad(x):\n    return (x >= 0).astype(x.dtype)\n",
    "\ndef tanh_grad(x):\n    return 1 - x * x\n",
    "\ndef elu(x, alpha=1.0):\n    raise NotImplementedError\n",
]


def add_arguments(parser) -> None:
    from kit.commands import option
    from kit.errors import COUNT

    parser.add_argument("--submissions", type=option(COUNT), default=20, help="how many submissions (default 20)")
    parser.add_argument("--otter", choices=OTTER_WHEN, default="install",
                        help="the Otter-Grader contender: install it on first use (default; about 600 MB into "
                             ".cache/bench-otter), use an installed one only (cached), or skip it (no)")
    parser.add_argument("--quick", action="store_true", help="2 submissions: checks that the benchmark runs")


def _submissions(folder: Path, count: int) -> list[Path]:
    from kit.grading.authoring.exercises import find

    solution = (find("04").path / "solution.py").read_text()
    paths = []
    for index in range(count):
        path = folder / f"student_{index:03d}.py"
        path.write_text(solution + VARIANTS[index % len(VARIANTS)])
        paths.append(path)
    return paths


def _zygotes(paths: list[Path]) -> dict:
    """One zygote for every submission vs a fresh zygote per submission, in this process."""
    from kit.grading.runners.engine import grade_submission
    from kit.grading.authoring.exercises import load_checks, runtime
    from kit.grading.sandbox.zygote import Zygote

    checks, kind = load_checks("04"), runtime("04")
    started = time.perf_counter()
    zygote = Zygote(runtime=kind).start()
    zygote_start = time.perf_counter() - started
    scores, child_seconds, calls = [], 0.0, 0
    try:
        # Warm the parent (the check module, its references), untimed, so neither side pays it.
        grade_submission("04", paths[0], zygote=zygote, checks=checks)
        started = time.perf_counter()
        for path in paths:
            result = grade_submission("04", path, zygote=zygote, checks=checks)
            scores.append(result.score)
            child_seconds += result.child_seconds
            calls += result.calls
        zygote_grading = time.perf_counter() - started
    finally:
        zygote.close()
    started = time.perf_counter()
    fresh_scores = []
    for path in paths:
        with Zygote(runtime=kind) as fresh:  # a new Python process with the runtime's preload, per submission
            fresh_scores.append(grade_submission("04", path, zygote=fresh, checks=checks).score)
    fresh_total = time.perf_counter() - started
    if scores != fresh_scores:
        raise RuntimeError(f"one zygote and a fresh zygote each graded differently: {scores} vs {fresh_scores}")
    count = len(paths)
    per_zygote, per_fresh = (zygote_start + zygote_grading) / count, fresh_total / count
    return {
        "checks_per_submission": len(checks),
        "runtime": kind,
        "zygote_start_seconds": round(zygote_start, 3),
        "zygote_seconds_per_submission": round(per_zygote, 4),
        # Overhead: the grading wall time minus the time the submissions' own code ran in the
        # sandbox (forks, isolation, messages, the parent's judging), zygote start excluded.
        "zygote_overhead_seconds_per_submission": round((zygote_grading - child_seconds) / count, 4),
        "sandbox_calls_per_submission": round(calls / count, 2),
        "fresh_zygote_seconds_per_submission": round(per_fresh, 4),
        "zygote_speedup": round(per_fresh / per_zygote, 2),
        "scores": scores,
    }


def _otter(when: str):
    """(the ``otter`` program, None) or (None, why it is skipped)."""
    from kit.benchmarks import otter_peer

    if when == "no":
        return None, "skipped by --otter no"
    program = otter_peer.installed()
    if program or when == "cached":
        return program, None if program else (f"{otter_peer.OTTER_REQUIREMENT} is not installed in "
                                              f"{otter_peer.venv()} (--otter cached); 'make bench-otter' installs it")
    try:
        return otter_peer.install(), None
    except otter_peer.OtterUnavailable as error:
        return None, str(error)


def _fresh(paths: list[Path], folder: Path, otter) -> tuple[list, list]:
    """A fresh ``kit grade`` process and (with ``otter``) an ``otter run`` per submission, alternating
    which goes first; each run's Measured and score."""
    from kit.benchmarks import otter_peer, processes

    environment = processes.kit_environment()
    zip_path = otter_peer.autograder(folder / "otter", otter) if otter else None
    kit_runs, otter_runs = [], []
    for index, path in enumerate(paths):
        def kit_side(path=path):
            done = processes.measure(processes.kit_command("grade", "04", str(path), "--format", "json"),
                                     env=environment, cwd=folder)
            if done.returncode not in (0, 1):  # 1: kit grade's "some check failed", a mistake's fair result
                raise RuntimeError(f"kit grade 04 {path.name} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
            kit_runs.append((done, json.loads(done.stdout)["score"]))

        def otter_side(path=path, index=index):
            output = folder / "otter" / f"results_{index:03d}"
            output.mkdir()
            done = processes.measure(otter_peer.command(otter, zip_path, path, output), env=otter_peer.environment(),
                                     cwd=folder)
            if done.returncode:
                raise RuntimeError(f"otter run {path.name} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
            otter_runs.append((done, otter_peer.score(output)))

        sides = [kit_side, otter_side] if otter else [kit_side]
        for side in sides if index % 2 == 0 else sides[::-1]:
            side()
    return kit_runs, otter_runs


def run(args) -> dict:
    from kit.benchmarks import otter_peer, processes

    count = 2 if args.quick else args.submissions  # checked by its argparse type
    otter, skipped = _otter(args.otter)
    with tempfile.TemporaryDirectory(prefix="kit-bench-grade-") as scratch:
        folder = Path(scratch)
        paths = _submissions(folder, count)
        zygotes = _zygotes(paths)
        kit_runs, otter_runs = _fresh(paths, folder, otter)
    scores = zygotes["scores"]
    differ = {f"student_{i:03d}": (scores[i], kit_runs[i][1], otter_runs[i][1] if otter_runs else None)
              for i in range(count) if kit_runs[i][1] != scores[i] or (otter_runs and otter_runs[i][1] != scores[i])}
    if differ:
        raise RuntimeError(f"the graders scored differently (zygote, fresh kit grade, otter run): {differ}")
    fresh_seconds = processes.spread(done.seconds for done, _ in kit_runs)
    result = {
        "submissions": count,
        "fresh_seconds": fresh_seconds,
        "fresh_peak_rss_mb": round(max(done.peak_rss_mb for done, _ in kit_runs), 1),
        "fresh_command": "python -m kit.cli grade 04 FILE --format json (KIT_CHECK_SERVER=0), a fresh process per "
                         "submission",
        "otter_seconds": None,
        "otter_peak_rss_mb": None,
        "speedup_vs_otter": None,
        "otter": {"version": otter_peer.OTTER_VERSION, "skipped": skipped},
        "peak_rss": processes.PEAK_RSS,
        **zygotes,
        "quick": bool(args.quick),
    }
    if otter_runs:
        otter_seconds = processes.spread(done.seconds for done, _ in otter_runs)
        result.update(otter_seconds=otter_seconds,
                      otter_peak_rss_mb=round(max(done.peak_rss_mb for done, _ in otter_runs), 1),
                      speedup_vs_otter=round(otter_seconds["median"] / fresh_seconds["median"], 2))
        result["otter"].update(
            command="otter run --autograder autograder.zip --output-dir OUT --no-logo FILE, a fresh process per "
                    "submission",
            tests=len(otter_peer.tests()),
            checks=otter_peer.what_is_checked())
    return result
