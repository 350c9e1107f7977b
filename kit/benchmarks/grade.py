"""``kit bench grade``: grading through one zygote vs a fresh Python process per submission.

Both sides grade the same submissions of exercise 04 (the reference solution and typical
mistakes, every check, hidden ones included) through the same sandbox; the only difference is
where each child is forked from. The fresh side starts a new Python process per submission that
imports what any grader needs (TensorFlow, Keras, NumPy, the kit), which is what a grader without
a zygote pays. ``zygote_seconds_per_submission`` includes the zygote's own start, amortised.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

NAME = "grade"
HELP = "grade N submissions with one zygote vs a fresh process per submission"

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
    parser.add_argument("--quick", action="store_true", help="2 submissions: checks that the benchmark runs")


def _submissions(folder: Path, count: int) -> list[Path]:
    from kit.grading.exercises import find

    solution = (find("04").path / "solution.py").read_text()
    paths = []
    for index in range(count):
        path = folder / f"student_{index:03d}.py"
        path.write_text(solution + VARIANTS[index % len(VARIANTS)])
        paths.append(path)
    return paths


def run(args) -> dict:
    from kit.grading.engine import grade_submission
    from kit.grading.exercises import load_checks
    from kit.grading.sandbox import Zygote

    count = 2 if args.quick else args.submissions  # checked by its argparse type
    checks = load_checks("04")
    with tempfile.TemporaryDirectory(prefix="kit-bench-grade-") as folder:
        paths = _submissions(Path(folder), count)
        started = time.perf_counter()
        zygote = Zygote().start()
        zygote_start = time.perf_counter() - started
        scores, child_seconds, calls = [], 0.0, 0
        try:
            # Warm the parent (TensorFlow references, check module), untimed, so neither side pays it.
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
        zygote_total = zygote_start + zygote_grading

        started = time.perf_counter()
        fresh_scores = []
        for path in paths:
            with Zygote() as fresh:  # a new Python process importing TensorFlow, per submission
                fresh_scores.append(grade_submission("04", path, zygote=fresh, checks=checks).score)
        fresh_total = time.perf_counter() - started
    if scores != fresh_scores:
        raise RuntimeError(f"the two ways graded differently: {scores} vs {fresh_scores}")
    per_zygote, per_fresh = zygote_total / count, fresh_total / count
    return {
        "submissions": count,
        "checks_per_submission": len(checks),
        "zygote_start_seconds": round(zygote_start, 3),
        "zygote_seconds_per_submission": round(per_zygote, 4),
        # Overhead: the grading wall time minus the time the submissions' own code ran in the
        # sandbox (forks, isolation, messages, the parent's judging), zygote start excluded.
        "zygote_overhead_seconds_per_submission": round((zygote_grading - child_seconds) / count, 4),
        "sandbox_calls_per_submission": round(calls / count, 2),
        "fresh_seconds_per_submission": round(per_fresh, 4),
        "speedup": round(per_fresh / per_zygote, 2),
        "scores": scores,
        "fresh_imports": "tensorflow, keras, numpy, kit (the zygote's preload)",
        "quick": bool(args.quick),
    }
