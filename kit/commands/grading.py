"""``kit exercises``, ``kit start``, ``kit check``, ``kit grade``: the graded exercises.

Exit codes of ``check`` and ``grade``: 0 every check passed, 1 some failed, 2 a usage or input
error (unknown exercise, missing file, bad option, a file that cannot be read or imported; a
symbolic link, a FIFO, a device or a hard link is refused in one line:
:mod:`kit.grading.sandbox.submission`) or, with ``--require-isolation``, a sandbox that cannot isolate
(level ``none``, or a step of the ``container`` level missing; ``--require-full-isolation`` also
refuses the ``container`` level). TensorFlow loads inside the handlers only, after those checks.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from kit.commands import option
from kit.errors import SECONDS, KitError, output_file, output_folder, writing
from kit.grading.sandbox.limits import Limits

TIMEOUT = Limits.timeout  # the default wall time per sandboxed call
TIMEOUT_HELP = (f"seconds per sandboxed call (default: the exercise's own limit, {TIMEOUT:g} s unless its checks set "
                "LIMITS)")

FORMATS = ("text", "json", "gradescope")
WORK_FOLDER = "my-work"  # kit start NN copies into my-work/NN-slug/: one folder per exercise, side by side


def _exercises(args) -> int:
    from kit.grading.authoring.exercises import all_exercises

    found = all_exercises()
    if not found:
        print("No exercises found.")
        return 0
    for exercise in found:
        print(f"{exercise.id}  {exercise.slug:<24} {exercise.summary}")
    return 0


def _start(args) -> int:
    from kit.grading.authoring.exercises import find
    from kit.grading.release.starters import starter_text, notebook

    exercise = find(args.exercise)
    # DIR is checked before anything is generated: a file there, an empty name, an unsearchable folder.
    target = output_folder(args.dir if args.dir is not None else Path(WORK_FOLDER) / f"{exercise.id}-{exercise.slug}",
                           f"exercise {exercise.id}")
    files = [exercise.path / "README.md"]
    figures = exercise.path / "figures"
    if figures.is_dir():
        files += [p for p in sorted(figures.iterdir()) if p.suffix == ".png"]
    plan = [(source, target / source.relative_to(exercise.path)) for source in files if source.is_file()]
    starter = [target / "starter.py", target / "starter.ipynb"]
    existing = [str(destination) for destination in [d for _, d in plan] + starter if destination.exists()]
    if existing:  # never overwrite a student's work
        raise KitError(f"{', '.join(existing)} already exist(s); choose another DIR or move them away first.")
    text = starter_text(exercise)  # generated from the exercise's one source before anything is written
    book = notebook(text)
    with writing(target, "the exercise into"):
        for source, destination in plan:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        target.mkdir(parents=True, exist_ok=True)
        starter[0].write_text(text, encoding="utf-8")
        starter[1].write_text(book, encoding="utf-8")
    print(f"Copied exercise {exercise.id} ({exercise.slug}) to {target}/: starter.py (also as starter.ipynb), "
          "README.md. Edit the starter, then run:")
    print(f"  kit check {exercise.id} {target / 'starter.py'}")
    print(f"or, in a cell of starter.ipynb: import kit; kit.check(\"{exercise.id}\")")
    from kit.grading.runners import server

    if server.enabled(exercise=exercise) and server.warm_up(exercise.id):
        print("Your check server is starting in the background (it loads TensorFlow once), so that check answers "
              "in about a second.")
    return 0


def _grade(args, visibility) -> int:
    # Everything that needs no TensorFlow first (kit.grading.runners.service): the arguments, the file,
    # and whether the sandbox can isolate here (so --require-isolation refuses in a fraction of a second).
    from kit.grading.runners import report, service
    from kit.grading.sandbox.zygote import IsolationRequired

    command = "check" if visibility == service.VISIBLE else "grade"
    if getattr(args, "out", None):  # refused now, not after the grading
        output_file(args.out, "the report")
    try:
        result = service.grade(args.exercise, args.file, visibility, timeout=getattr(args, "timeout", None),
                               server=not getattr(args, "no_server", False),
                               require_isolation=args.require_isolation or None)
    except IsolationRequired as refused:
        return _refuse(command, refused)
    text = report.render(result, getattr(args, "format", "text"))
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a character gets an escape
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    warning = service.isolation_warning(result, command)
    if warning:
        print(warning, file=sys.stderr)
    out = getattr(args, "out", None)
    if out:
        with writing(out, "the report"):
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            Path(out).write_text(text + "\n", encoding="utf-8")
        print(f"{result.exercise}: {report.shown_points(result.score)}/{report.shown_points(result.max_score)} "
              f"(report written to {out})")
    else:
        print(text)
    return exit_status(result)


def exit_status(result) -> int:
    """0 every check passed, 1 some failed (a forbidden import fails them all), 2 the file could
    not be read or imported at all."""
    if result.problem and not result.forbidden_imports:
        return 2
    return 0 if result.all_passed else 1


def _refuse(command: str, refused) -> int:
    print(f"kit {command}: error: {' '.join(str(refused).split())}", file=sys.stderr)
    return 2


def _check(args) -> int:
    from kit.grading.runners.service import VISIBLE

    return _grade(args, VISIBLE)


def _grade_all(args) -> int:
    from kit.grading.runners.service import EVERY

    return _grade(args, EVERY)


def register(subparsers) -> None:
    parser = subparsers.add_parser("exercises", help="list the graded exercises and what each teaches")
    parser.set_defaults(handler=_exercises, needs_tensorflow=False)  # reads README files only

    parser = subparsers.add_parser("start", help="copy an exercise's starter and README to DIR")
    parser.add_argument("exercise", help="number or slug: 4, 04 or derivatives")
    parser.add_argument("dir", nargs="?",
                        help=f"where to copy (default: {WORK_FOLDER}/NN-slug, one folder per exercise)")
    parser.set_defaults(handler=_start, needs_tensorflow=False)  # copies and converts text only

    epilog = "exit status: 0 all checks passed, 1 some failed, 2 usage or input error (the file cannot be read or " \
             "imported, too), or no isolation with --require-isolation"
    parser = subparsers.add_parser("check", help="run an exercise's public checks on your file", epilog=epilog)
    parser.add_argument("exercise", help="number or slug: 4, 04 or derivatives")
    parser.add_argument("file", help="your .py or .ipynb")
    parser.add_argument("--timeout", type=option(SECONDS), help=TIMEOUT_HELP)
    parser.add_argument("--no-server", action="store_true",
                        help="grade in this process instead of your warm check server (default: KIT_CHECK_SERVER=0 "
                             "turns the server off; it starts on first use and ends after 10 idle minutes)")
    _isolation_flag(parser)
    parser.set_defaults(handler=_check, needs_tensorflow=False)  # imported after the checks above

    parser = subparsers.add_parser("grade", help="grade a file with every check, hidden ones included", epilog=epilog)
    parser.add_argument("exercise", help="number or slug: 4, 04 or derivatives")
    parser.add_argument("file", help="the submission: a .py or .ipynb")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--out", help="write the report there (e.g. /autograder/results/results.json)")
    parser.add_argument("--timeout", type=option(SECONDS), help=TIMEOUT_HELP)
    _isolation_flag(parser)
    parser.set_defaults(handler=_grade_all, needs_tensorflow=False)  # imported after the checks above


def _isolation_flag(parser) -> None:
    # Two plain flags, not one with an optional value: `--require-isolation 04 FILE` must not read
    # the exercise as a level.
    parser.add_argument("--require-isolation", dest="require_isolation", action="store_const", const="container",
                        help="refuse (exit status 2) where the sandbox cannot isolate the submission at the "
                        "container level or better (root, in a container if need be); default: "
                        "KIT_REQUIRE_ISOLATION, else grade with a warning")
    parser.add_argument("--require-full-isolation", dest="require_isolation", action="store_const", const="full",
                        help="refuse below the full level too (user, mount, network and PID namespaces)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: kit exercises | start | check | grade")
