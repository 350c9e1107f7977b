"""``kit bench batch``: a class's submissions through ``kit grade-batch`` vs ``kit grade`` once per file.

Every side is the command an instructor would type, timed end to end as fresh processes: the
batch runs ``kit grade-batch 04 DIR --db NEW.sqlite --workers N`` once over every submission (its
start and its zygotes' included); against it, at equal parallelism, ``kit grade 04 FILE --format
json`` in a fresh process per submission, N at a time, and beside it the same one at a time. The
fresh sides grade the first ``--fresh`` submissions (each costs the same start, so a subset
measures its rate; the JSON's ``includes`` says so). The three run in turn, ``--rounds`` times,
the order rotating each round, so a change in the machine's load reaches all three; each figure
is its (min, median, max) over the rounds and the speedups are ratios of medians.

The submissions are copies of exercise 04's solution under distinct student names, every tenth
one with a typical mistake (``kit bench grade``'s variants), so the gradebook is not all 100s;
every side must give every common submission the same score.

``profile`` says where a submission's time goes in the batch, from the gradebooks' own reports
(all rounds): the grading's wall time in its worker, the part its sandboxed runners lived (forked
from the zygote's copy, importing the submission, running one function, ending; ``child``) and
the rest (the checks judging, the messages, forking and isolating each call's keeper;
``parent``), per submission and per sandboxed call, and ``start_seconds``, the batch's median
wall time not spent grading (its start and its zygotes', mostly).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import tempfile
from pathlib import Path

NAME = "batch"
HELP = "kit grade-batch (N workers) vs a fresh kit grade per submission, N at a time and one at a time"
NEEDS_TENSORFLOW = False  # every side is a fresh process; exercise 04 grades with NumPy alone
SIDES = ("batch", "fresh_parallel", "fresh_serial")


def add_arguments(parser) -> None:
    from kit.commands import option
    from kit.errors import COUNT

    parser.add_argument("--submissions", type=option(COUNT), default=100, help="submissions in the batch (default 100)")
    parser.add_argument("--workers", type=option(COUNT), default=2,
                        help="the batch's workers, and how many fresh kit grade processes run at once (default 2)")
    parser.add_argument("--fresh", type=option(COUNT), default=10,
                        help="how many of them the fresh kit grade processes grade (default 10)")
    parser.add_argument("--rounds", type=option(COUNT), default=3,
                        help="round robin: how many times each side runs (default 3)")
    parser.add_argument("--quick", action="store_true", help="4 submissions, 2 fresh, 1 round: checks that it runs")


def _submissions(folder: Path, count: int) -> list[Path]:
    from kit.benchmarks.grade import VARIANTS
    from kit.grading.authoring.exercises import find

    solution = (find("04").path / "solution.py").read_text()
    paths = []
    for index in range(count):
        mistake = VARIANTS[1 + (index // 10) % (len(VARIANTS) - 1)] if index % 10 == 9 else ""
        path = folder / f"student_{index:03d}.py"
        path.write_text(solution + mistake)
        paths.append(path)
    return paths


def _checked(done, what: str):
    if done.returncode not in (0, 1):  # 1: kit grade's "some check failed", a mistake's fair result
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done


def _batch(folder: Path, db: Path, workers: int, count: int, environment: dict) -> tuple:
    """One ``kit grade-batch`` run: its Measured, scores by student and reports."""
    from kit.benchmarks import processes

    # --allow-unisolated: the figure is the same sandbox's speed wherever it is measured; as
    # root (CI, this project's machines) the batch is fully isolated anyway.
    done = _checked(processes.measure(processes.kit_command("grade-batch", "04", str(folder), "--db", str(db),
                                                            "--workers", str(workers), "--allow-unisolated"),
                                      env=environment), "kit grade-batch")
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT student, score, report FROM grades").fetchall()
    if len(rows) != count or done.returncode != 0:
        raise RuntimeError(f"the batch graded {len(rows)} of {count}: {done.stderr.strip()[-500:]}")
    return done, {student: score for student, score, _ in rows}, [json.loads(report) for _, _, report in rows]


def _fresh(paths: list[Path], parallel: int, environment: dict) -> tuple:
    """``kit grade`` once per file, ``parallel`` at a time: the wall seconds, the runs, scores by student."""
    from kit.benchmarks import processes

    commands = [processes.kit_command("grade", "04", str(path), "--format", "json") for path in paths]
    seconds, runs = processes.measure_many(commands, parallel, env=environment)
    scores = {path.stem: json.loads(_checked(done, f"kit grade 04 {path.name}").stdout)["score"]
              for path, done in zip(paths, runs)}
    return seconds, runs, scores


def run(args) -> dict:
    from kit.benchmarks import processes

    count, fresh, rounds = (4, 2, 1) if args.quick else (args.submissions, min(args.fresh, args.submissions),
                                                         args.rounds)
    workers, environment = args.workers, processes.kit_environment()
    seconds = {side: [] for side in SIDES}
    runs = {side: [] for side in SIDES}
    scores = {side: [] for side in SIDES}  # per run: {student: score}
    reports = []
    with tempfile.TemporaryDirectory(prefix="kit-bench-batch-") as scratch:
        folder = Path(scratch) / "submissions"
        folder.mkdir()
        paths = _submissions(folder, count)
        for round_ in range(rounds):
            for side in SIDES[round_ % 3:] + SIDES[:round_ % 3]:
                if side == "batch":
                    done, graded, round_reports = _batch(folder, Path(scratch) / f"gradebook_{round_}.sqlite",
                                                         workers, count, environment)
                    wall, side_runs = done.seconds, [done]
                    reports += round_reports
                else:
                    wall, side_runs, graded = _fresh(paths[:fresh], workers if side == "fresh_parallel" else 1,
                                                     environment)
                seconds[side].append(wall)
                runs[side] += side_runs
                scores[side].append(graded)
    reference = scores["batch"][0]
    differ = {f"{side} {number}": {s: (score, reference[s]) for s, score in graded.items() if reference[s] != score}
              for side in SIDES for number, graded in enumerate(scores[side])}
    differ = {run_: students for run_, students in differ.items() if students}
    if differ:
        raise RuntimeError(f"kit grade-batch and kit grade graded differently (that run's score, the first "
                           f"batch's): {differ}")
    return _result(args, count, fresh, rounds, seconds, runs, reports, reference)


def _result(args, count, fresh, rounds, seconds, runs, reports, scores) -> dict:
    from kit.benchmarks import processes

    workers = args.workers
    per_minute = {"batch": [60 * count / s for s in seconds["batch"]],
                  "fresh_parallel": [60 * fresh / s for s in seconds["fresh_parallel"]],
                  "fresh_serial": [60 * fresh / s for s in seconds["fresh_serial"]]}
    medians = {side: statistics.median(values) for side, values in per_minute.items()}
    grading = sum(r["seconds"] for r in reports) / len(reports)
    child = sum(r["child_seconds"] for r in reports) / len(reports)
    calls = sum(r["calls"] for r in reports) / len(reports)
    return {
        "submissions": count,
        "workers": workers,
        "fresh_submissions": fresh,
        "rounds": rounds,
        "per_minute": processes.spread(per_minute["batch"], 1),
        "fresh_parallel_per_minute": processes.spread(per_minute["fresh_parallel"], 1),
        "fresh_serial_per_minute": processes.spread(per_minute["fresh_serial"], 1),
        # Ratios of the medians' timings (the rates above are rounded to 0.1).
        "speedup": round(medians["batch"] / medians["fresh_parallel"], 2),
        "speedup_vs_serial": round(medians["batch"] / medians["fresh_serial"], 2),
        "batch_seconds": processes.spread(seconds["batch"], 2),
        "fresh_seconds_per_submission": processes.spread((done.seconds for done in runs["fresh_serial"]), 3),
        "batch_peak_rss_mb": round(max(done.peak_rss_mb for done in runs["batch"]), 1),
        "fresh_peak_rss_mb": round(max(done.peak_rss_mb for side in ("fresh_parallel", "fresh_serial")
                                       for done in runs[side]), 1),
        "peak_rss": processes.PEAK_RSS,
        "includes": (f"batch: one `kit grade-batch 04 DIR --db NEW --workers {workers}` process over all {count} "
                     f"submissions, its start and its {workers} zygotes' included; fresh: `kit grade 04 FILE "
                     f"--format json` (KIT_CHECK_SERVER=0) in a fresh process per submission on the first {fresh} "
                     f"of them, {workers} at a time (parallel) and one at a time (serial; every process pays the "
                     f"same start); {rounds} round(s), the three in turn, the order rotating each round"),
        "profile": {
            "grading_seconds_per_submission": round(grading, 4),
            "child_seconds_per_submission": round(child, 4),
            "parent_seconds_per_submission": round(grading - child, 4),
            "calls_per_submission": round(calls, 2),
            "child_seconds_per_call": round(child / calls, 4),
            "start_seconds": round(statistics.median(seconds["batch"]) - grading * count / workers, 2),
        },
        "mean_score": round(sum(scores.values()) / count, 2),
        "quick": bool(args.quick),
    }
