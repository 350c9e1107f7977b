"""``kit bench batch``: a class's submissions through ``kit grade-batch`` vs ``kit grade`` once per file.

Both sides are the commands an instructor would type, timed end to end as fresh processes: the
batch side runs ``kit grade-batch 04 DIR --db NEW.sqlite --workers 2`` once over every
submission (its TensorFlow import and its zygotes' start included); the other side runs
``kit grade 04 FILE --format json`` in a fresh process per submission, one after the other, on
the first ``--fresh`` of them (each costs the same, a TensorFlow import and a zygote, so a
subset measures its rate; the JSON's ``includes`` says so). The submissions are copies of
exercise 04's solution under distinct student names, every tenth one with a typical mistake
(``kit bench grade``'s variants), so the gradebook is not all 100s; both sides must give every
common submission the same score.

``profile`` says where a submission's time goes in the batch, from the gradebook's own reports:
the grading's wall time in its worker, the part its sandboxed runners lived (forked from the
zygote's copy, importing the submission, running one function, ending; ``child``) and the rest
(the checks judging, the messages, forking and isolating each call's keeper; ``parent``), per
submission and per sandboxed call, and ``start_seconds``, the batch's wall time not spent grading
(its TensorFlow import and zygotes' start, mostly).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "batch"
HELP = "kit grade-batch (2 workers) vs a fresh kit grade per submission: submissions per minute"


def add_arguments(parser) -> None:
    from kit.commands import option
    from kit.errors import COUNT

    parser.add_argument("--submissions", type=option(COUNT), default=100, help="submissions in the batch (default 100)")
    parser.add_argument("--workers", type=option(COUNT), default=2, help="the batch's workers (default 2)")
    parser.add_argument("--fresh", type=option(COUNT), default=10,
                        help="how many of them a fresh kit grade process grades, one after the other (default 10)")
    parser.add_argument("--quick", action="store_true", help="4 submissions, 1 fresh: checks that the benchmark runs")


def _submissions(folder: Path, count: int) -> list[Path]:
    from kit.benchmarks.grade import VARIANTS
    from kit.grading.exercises import find

    solution = (find("04").path / "solution.py").read_text()
    paths = []
    for index in range(count):
        mistake = VARIANTS[1 + (index // 10) % (len(VARIANTS) - 1)] if index % 10 == 9 else ""
        path = folder / f"student_{index:03d}.py"
        path.write_text(solution + mistake)
        paths.append(path)
    return paths


def _kit(*arguments) -> subprocess.CompletedProcess:
    from kit.grading.sandbox import repository_root

    root = repository_root()
    environment = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                       TF_CPP_MIN_LOG_LEVEL="2", KIT_CHECK_SERVER="0")
    completed = subprocess.run([sys.executable, "-m", "kit.cli", *arguments], cwd=root, capture_output=True,
                               text=True, env=environment, timeout=3600)
    if completed.returncode not in (0, 1):  # 1: kit grade's "some check failed", a mistake's fair result
        raise RuntimeError(f"kit {' '.join(arguments[:2])} failed ({completed.returncode}): "
                           f"{completed.stderr.strip()[-500:]}")
    return completed


def run(args) -> dict:
    count, fresh = (4, 1) if args.quick else (args.submissions, min(args.fresh, args.submissions))
    with tempfile.TemporaryDirectory(prefix="kit-bench-batch-") as scratch:
        folder = Path(scratch) / "submissions"
        folder.mkdir()
        paths = _submissions(folder, count)
        db = Path(scratch) / "gradebook.sqlite"
        started = time.perf_counter()
        # --allow-unisolated: the figure is the same sandbox's speed wherever it is measured; as
        # root (CI, this project's machines) the batch is fully isolated anyway.
        batch = _kit("grade-batch", "04", str(folder), "--db", str(db), "--workers", str(args.workers),
                     "--allow-unisolated")
        batch_seconds = time.perf_counter() - started
        with sqlite3.connect(db) as connection:
            rows = connection.execute("SELECT student, score, report FROM grades").fetchall()
        if len(rows) != count or batch.returncode != 0:
            raise RuntimeError(f"the batch graded {len(rows)} of {count}: {batch.stderr.strip()[-500:]}")
        scores = {student: score for student, score, _ in rows}
        reports = [json.loads(report) for _, _, report in rows]

        started = time.perf_counter()
        fresh_scores = {}
        for path in paths[:fresh]:
            report = json.loads(_kit("grade", "04", str(path), "--format", "json").stdout)
            fresh_scores[path.stem] = report["score"]
        fresh_seconds = time.perf_counter() - started
    differ = {s: (scores[s], fresh_scores[s]) for s in fresh_scores if scores[s] != fresh_scores[s]}
    if differ:
        raise RuntimeError(f"kit grade-batch and kit grade graded differently (batch, fresh): {differ}")
    per_minute = 60 * count / batch_seconds
    fresh_per_minute = 60 * fresh / fresh_seconds
    grading = sum(r["seconds"] for r in reports) / count
    child = sum(r["child_seconds"] for r in reports) / count
    calls = sum(r["calls"] for r in reports) / count
    return {
        "submissions": count,
        "workers": args.workers,
        "per_minute": round(per_minute, 1),
        "fresh_per_minute": round(fresh_per_minute, 1),
        "speedup": round(per_minute / fresh_per_minute, 2),
        "batch_seconds": round(batch_seconds, 2),
        "fresh_submissions": fresh,
        "fresh_seconds_per_submission": round(fresh_seconds / fresh, 3),
        "includes": (f"batch: one `kit grade-batch 04 DIR --db NEW --workers {args.workers}` process over all "
                     f"{count} submissions, its TensorFlow import and its {args.workers} zygotes' start included; "
                     f"fresh: `kit grade 04 FILE --format json` in a fresh process per submission, one after "
                     f"the other, on the first {fresh} of them (every process pays the same start)"),
        "profile": {
            "grading_seconds_per_submission": round(grading, 4),
            "child_seconds_per_submission": round(child, 4),
            "parent_seconds_per_submission": round(grading - child, 4),
            "calls_per_submission": round(calls, 2),
            "child_seconds_per_call": round(child / calls, 4),
            "start_seconds": round(batch_seconds - grading * count / args.workers, 2),
        },
        "mean_score": round(sum(scores.values()) / count, 2),
        "quick": bool(args.quick),
    }
