"""``kit grade-batch``: a class's submissions into a SQLite gradebook (``kit gradebook``, in
:mod:`kit.commands.gradebook`, reads it).

Exit status of ``grade-batch``: 0 every submission is graded (this run or before), 1 some entry
was left out (not a submission, or one that could not be read: listed at the end and kept in the
gradebook) or could not be graded (a grader failure: rerun to retry), 2 a usage error or a
sandbox that cannot isolate (isolation is required unless ``--allow-unisolated``), a gradebook
that cannot be used (an existing ``--db`` that is not a kit gradebook is refused before anything
is written into it), or a cluster that cannot grade. TensorFlow loads only after the arguments
are checked and the gradebook says there is something to grade in the sandbox, and never with
``--scheduler`` (the cluster's workers grade). A second batch on a gradebook that a first one
is grading waits for it (one line on stderr), then grades only what is left.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kit.commands import api_defaults, option
from kit.errors import COUNT, SECONDS, InvalidParameter, MissingFile

TIMEOUT_HELP = "seconds per sandboxed call (default: kit grade's)"
DEFAULTS = api_defaults("kit.grading.runners.batch", "grade_folder")


def _grade_batch(args) -> int:
    # The class folder is hidden from every submission like the checks (root-only at the
    # container level): no student's code reads another's file. A cluster's workers grade copies
    # in 0700 folders of their own.
    before = os.environ.get("KIT_GRADING_HIDE")
    os.environ["KIT_GRADING_HIDE"] = os.pathsep.join([str(Path(args.dir).resolve())] + ([before] if before else []))
    try:
        return _grade_class(args)
    finally:
        if before is None:
            os.environ.pop("KIT_GRADING_HIDE", None)
        else:
            os.environ["KIT_GRADING_HIDE"] = before


def _grade_class(args) -> int:
    from kit.grading.sandbox import zygote as sandbox
    from kit.grading.runners.batch import plan, waiting_note
    from kit.grading.sandbox.child import isolation_problems, level_setting
    from kit.grading.authoring.exercises import find

    find(args.exercise)
    level_setting()  # a wrong KIT_SANDBOX_LEVEL: one line, before TensorFlow
    if not Path(args.dir).is_dir():
        raise MissingFile(f"No folder {args.dir!r}. Give the folder holding one file (or one folder) per student.")
    limits = None
    if args.timeout:
        from kit.grading import Limits

        limits = Limits(timeout=args.timeout)
    # The gradebook is created or opened now, and what is left to grade read from it: a wrong
    # --db is refused, and a rerun with nothing to do ends, before TensorFlow or a zygote starts.
    # It waits here (one line on stderr) while another batch holds the gradebook's lock.
    pending = plan(args.exercise, args.dir, args.db, regrade=args.regrade, limits=limits,
                   note=waiting_note(None), due=args.due, late_policy=args.late_policy)
    require = not args.allow_unisolated
    scheduler = None
    to_run = [entry for entry, _ in pending.todo if not entry.problem]  # the unreadable need no sandbox
    if to_run and args.scheduler:
        from kit.grading.runners.cluster import connect

        scheduler = connect(args.scheduler)  # each worker checks its own isolation
    elif to_run:
        if require:
            problems = isolation_problems(sandbox.default_hidden_paths())
            if problems:
                return _refuse(sandbox.IsolationRequired(problems))
        from kit.commands import import_tensorflow_quietly
        from kit.grading.authoring.exercises import runtime

        if runtime(args.exercise) == "keras":  # a NumPy exercise grades without TensorFlow in any process
            import_tensorflow_quietly()

    from kit.grading.runners.batch import grade_folder

    try:
        summary = grade_folder(args.exercise, args.dir, args.db, workers=args.workers, regrade=args.regrade,
                               limits=limits, require_isolation=require, scheduler=scheduler, due=args.due,
                               late_policy=args.late_policy)
    except sandbox.IsolationRequired as refused:
        return _refuse(refused)
    finally:
        if scheduler is not None:
            scheduler.close()
    for student, why in summary.failed:
        print(f"kit grade-batch: warning: could not grade {student} ({why}); run again to retry", file=sys.stderr)
    print("\n".join(summary_lines(summary, args.db)))
    return 1 if summary.failed or summary.unusable else 0


def summary_lines(summary, db) -> list[str]:
    """What ``kit grade-batch`` prints at the end: the counts, then each entry left out and why
    (an entry that could not be read is also its student's grade of 0 with that reason)."""
    rate = summary.graded / summary.seconds if summary.seconds > 0 else 0.0
    lines = [f"Graded {summary.graded}, skipped {summary.skipped} already graded, {len(summary.failed)} failed, "
             f"{len(summary.unusable)} left out, in {summary.seconds:.1f} s ({rate:.2f} submissions/s) into {db}."]
    if summary.unusable:
        lines.append(f"Left out ({len(summary.unusable)}; also in the gradebook: kit gradebook {db}):")
        lines += [f"  {one_line(why)}" for why in summary.unusable]
    return lines


def one_line(text: str) -> str:
    """A file name can hold a newline or a terminal escape: shown escaped, on one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shortened(text: str, limit: int = 100) -> str:
    """Why a student scored 0 without checks (unreadable, not importable, a forbidden import), in a
    table cell's length; the whole reason is in the gradebook and the student's report."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _due(text: str):
    """argparse type of --due: the time, or the kit's sentence saying what is expected."""
    from kit.grading.instructor.deadlines import parse_due

    try:
        return parse_due(text)
    except InvalidParameter as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _late_policy(text: str):
    from kit.grading.instructor.deadlines import LatePolicy

    try:
        return LatePolicy.parse(text)
    except InvalidParameter as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _refuse(refused) -> int:
    print(f"kit grade-batch: error: {' '.join(str(refused).split())}", file=sys.stderr)
    return 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade-batch", help="grade a folder of submissions (one file or folder per student) into a gradebook",
        epilog="exit status: 0 all graded, 1 some entries could not be graded (rerun retries them), 2 usage error "
               "or no isolation")
    parser.add_argument("exercise", help="number or slug: 4, 04 or derivatives")
    parser.add_argument("dir", help="folder of submissions: alice.py, bob.ipynb, or carol/ holding one of them")
    parser.add_argument("--db", required=True,
                        help="the SQLite gradebook (created when missing; an existing file that is not one is "
                             "refused untouched), e.g. gradebook.sqlite")
    parser.add_argument("--workers", type=option(COUNT), default=DEFAULTS["workers"],
                        help=f"submissions graded at once, each in its own sandbox zygote (default {DEFAULTS['workers']})")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on the Dask cluster of this scheduler (e.g. tcp://10.0.0.5:8786) instead of local "
                             "workers; each Dask worker runs the same sandbox with its own zygotes")
    parser.add_argument("--regrade", action="store_true",
                        help="grade again what the gradebook already holds for the same file and checks")
    parser.add_argument("--timeout", type=option(SECONDS), help=TIMEOUT_HELP)
    parser.add_argument("--due", type=_due, metavar="WHEN",
                        help="the due date, e.g. 2026-12-20T23:59 (local time; or with Z or +01:00): each file's time "
                             "(its modification time, or timestamp.txt in a student's folder) is recorded, and past "
                             "it a changed file is graded as a late attempt beside the on-time grade; kept in the "
                             "gradebook for later batches")
    parser.add_argument("--late-policy", type=_late_policy, metavar="POLICY",
                        help="what a late attempt counts for: refuse (default: nothing, the on-time grade stands), "
                             "penalty=10 (10%% of the maximum off per day late), cap=50 (at most 50%% of the "
                             "maximum), or penalty=10,cap=50")
    parser.add_argument("--allow-unisolated", action="store_true",
                        help="grade even where the sandbox cannot isolate submissions (not root, or a step of the "
                             "container level failing); by default the batch refuses there (exit status 2)")
    parser.set_defaults(handler=_grade_batch, needs_tensorflow=False)  # imported after the checks above
