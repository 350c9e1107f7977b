"""``kit gradebook``: what an instructor does with a class's gradebook once ``kit grade-batch``
has filled it. SQLite and the standard library only: no subcommand imports TensorFlow.

    kit gradebook DB [--roster roster.csv] [--exercise NN] [--csv PATH [--format kit|canvas|moodle]]
    kit gradebook DB override STUDENT CHECK POINTS --reason "…"  (or STUDENT CHECK --remove)
    kit gradebook DB feedback OUTDIR
    kit gradebook DB similarity [--top N] [--html PATH]

Every argument is checked before the gradebook is opened; the gradebook is written only by
``--roster`` and ``override`` (one transaction each), never by reading it. Exit status 0, or 2
with one line on stderr for a usage error or a gradebook that cannot be used.
"""

from __future__ import annotations

import math

from kit.commands import option
from kit.commands.batch import one_line, shortened
from kit.errors import COUNT, InvalidParameter, KitError, output_file, output_folder

ACTIONS = ("override", "feedback", "similarity")
FORMATS = ("kit", "canvas", "moodle")  # kit.grading.instructor.exports.FORMATS, tested equal
DEFAULT_TOP = 10


def _refuse_unless(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidParameter(message)


def _checked(args) -> dict:
    """Every argument checked before the gradebook is opened; returns what the action needs."""
    words, action = args.words, args.action
    _refuse_unless(args.reason is None or action == "override", "--reason goes with override: "
                   "kit gradebook DB override STUDENT CHECK POINTS --reason \"…\".")
    _refuse_unless(not args.remove or action == "override", "--remove goes with override: "
                   "kit gradebook DB override STUDENT CHECK --remove.")
    _refuse_unless(args.html is None and args.top is None or action == "similarity",
                   "--html and --top go with similarity: kit gradebook DB similarity --top 10 --html pairs.html.")
    _refuse_unless(args.format == "kit" or args.csv, f"--format {args.format} says how to write --csv: give --csv "
                   "PATH too.")
    needed = {None: 0, "feedback": 1, "similarity": 0, "override": 2 if args.remove else 3}[action]
    if len(words) != needed:
        usage = {None: "kit gradebook DB [--roster FILE] [--csv PATH]", "feedback": "kit gradebook DB feedback OUTDIR",
                 "similarity": "kit gradebook DB similarity [--top N] [--html PATH]",
                 "override": "kit gradebook DB override STUDENT CHECK --remove" if args.remove else
                 "kit gradebook DB override STUDENT CHECK POINTS --reason \"…\""}[action]
        raise InvalidParameter(f"{usage} takes {needed} argument{'s' * (needed != 1)} after "
                               f"{action or 'DB'}; got {len(words)}: {' '.join(map(repr, words)) or 'none'}.")
    found: dict = {}
    if action == "override" and not args.remove:
        try:
            points = float(words[2])
        except ValueError:
            points = math.nan
        _refuse_unless(math.isfinite(points), f"POINTS must be a number, e.g. 4.5. Got {words[2]!r} instead.")
        _refuse_unless(bool(args.reason and args.reason.strip()),
                       "An override needs a reason: add --reason \"…\" (the student's feedback shows it).")
        found["points"] = points
    if action == "feedback":
        found["outdir"] = output_folder(words[0], "the feedback files")
    if args.html is not None:
        found["html"] = output_file(args.html, "the similarity page")
    if args.csv is not None:
        found["csv"] = output_file(args.csv, "the CSV")
    if args.exercise is not None:
        from kit.grading.authoring.exercises import find

        chosen = find(args.exercise)
        found["exercise"] = f"{chosen.id}-{chosen.slug}"
    if args.roster is not None:
        from kit.grading.instructor.roster import read_roster

        found["roster"] = read_roster(args.roster)
    return found


def _exercise(book, found: dict, needs_one: bool) -> list[str] | None:
    """The exercises the action covers: the one asked for (which the gradebook must hold), else
    all (None), or the only one when the action needs one."""
    held = book.exercises()
    if "exercise" in found:
        if found["exercise"] not in held:
            raise KitError(f"The gradebook holds no grades of {found['exercise']}; it holds "
                           f"{', '.join(held) or 'none yet'}. Give one of those to --exercise.")
        return [found["exercise"]]
    if needs_one:
        if len(held) != 1:
            raise KitError(f"The gradebook holds {', '.join(held) if held else 'no exercise yet'}: say which one "
                           "with --exercise NN.")
        return held
    return None


def _gradebook(args) -> int:
    found = _checked(args)
    from kit.grading.gradebook import Gradebook

    writes = "roster" in found or args.action == "override"
    with Gradebook(args.db, create=False, write=writes) as book:
        if "roster" in found:
            from kit.grading.instructor.roster import store_roster

            students, ignored = found["roster"]
            store_roster(book, students)
            said = f" (columns ignored: {', '.join(ignored)})" if ignored else ""
            print(f"Roster of {len(students)} students kept in {args.db}{said}.")
        if args.action == "override":
            return _override(book, args, found)
        if args.action == "feedback":
            from kit.grading.instructor.exports import write_feedback

            written = write_feedback(book, found["outdir"], _exercise(book, found, False))
            print(f"Wrote {len(written)} feedback files (HTML and Markdown) into {found['outdir']}.")
            return 0
        if args.action == "similarity":
            return _similarity(book, args, found)
        _table(book, _exercise(book, found, False))
        if "csv" in found:
            from kit.grading.instructor.exports import write_csv

            rows, left_out = write_csv(book, found["csv"], args.format, _exercise(book, found, False))
            print(f"Wrote {rows} rows ({args.format} layout) to {found['csv']}.")
            if left_out:
                print(f"Left out of the {args.format} file, not in the roster ({len(left_out)}): "
                      f"{', '.join(one_line(s) for s in left_out)}")
    return 0


def _override(book, args, found) -> int:
    from kit.grading.instructor.standing import remove_override, set_override

    exercise = _exercise(book, found, True)[0]
    student, check = args.words[0], args.words[1]
    if args.remove:
        remove_override(book, exercise, student, check)
        print(f"Removed the override of {check!r} for {student} in {exercise}: the autograder's points count.")
    else:
        made = set_override(book, exercise, student, check, found["points"], args.reason)
        print(f"{student}: {check!r} in {exercise} counts {made.points:g} points ({made.reason}); kept across "
              "regrades.")
    return 0


def _similarity(book, args, found) -> int:
    from kit.grading.instructor import similarity

    exercise = _exercise(book, found, True)[0]
    top = args.top or DEFAULT_TOP
    report = similarity.report(book, exercise)
    print(f"Similarity of {exercise}: {report.compared} submissions compared (each student's latest attempt, the "
          f"starter's code excluded); the {min(top, len(report.pairs))} most similar pairs of {len(report.pairs)}:")
    for pair in report.pairs[:top]:
        print(f"  {100 * pair.score:5.1f}%  {one_line(pair.a)} ~ {one_line(pair.b)}  ({pair.shared} shared "
              f"fingerprints: {100 * pair.share_a:.0f}% / {100 * pair.share_b:.0f}%; "
              f"{len(pair.regions)} shared region{'s' * (len(pair.regions) != 1)})")
    for group in report.identical:
        print(f"  identical files: {', '.join(map(one_line, group))}")
    for group in report.same_design:
        print(f"  same layers and recipe: {', '.join(map(one_line, group))}")
    if report.not_kept:
        print(f"  not compared ({len(report.not_kept)}: graded before the gradebook kept the files; a rerun of "
              f"kit grade-batch keeps them without regrading): {', '.join(map(one_line, report.not_kept))}")
    if "html" in found:
        with open(found["html"], "w", encoding="utf-8") as handle:
            handle.write(similarity.html_page(report, top))
        print(f"Wrote the shared lines side by side to {found['html']}.")
    return 0


def _table(book, chosen) -> None:
    from kit.grading.instructor.roster import stored_roster
    from kit.grading.instructor.standing import standings

    exercises = chosen if chosen is not None else book.exercises()
    if not exercises:
        print(f"{book.path} holds no grades yet.")
    for exercise in exercises:
        rows = standings(book, exercise)
        names = book.check_names(exercise)
        width = min(max([len("student")] + [len(one_line(row.label)) for row in rows]), 40)
        graded = [row for row in rows if row.status != "missing"]
        deadline = f"; {rows[0].deadline.describe()}" if rows and rows[0].deadline else ""
        print(f"Exercise {exercise}: {len(graded)} graded{deadline}")
        print(f"  {'student':<{width}}  {'score':>13}  checks passed  status")
        for row in rows:
            attempt = row.counted_attempt
            if attempt is None:
                print(f"  {shortened(one_line(row.label), width):<{width}}  {'–':>13}  {'–':<13}  missing")
                continue
            passed = sum(1 for c in attempt.checks if c.score >= c.max_score)
            problem = f"; {shortened(one_line(' '.join(attempt.problem.split())))}" if attempt.problem else ""
            status = ", ".join([row.status] + row.flags())
            print(f"  {shortened(one_line(row.label), width):<{width}}  {round(row.counted, 2):>6g}/"
                  f"{round(row.max_score, 2):<6g}  {f'{passed}/{len(names)}':<13}  {status}{problem}")
        print("  Checks by share of students failing them (each student's latest attempt, before overrides):")
        for name, failed, count, points in book.failing(exercise):
            print(f"  {100 * failed / count:5.1f}%  {failed}/{count}  {name} ({points:g} points)")
        left_out = book.left_out(exercise)
        if left_out:
            print(f"  Left out by the last batch ({len(left_out)}):")
            for line in left_out:
                print(f"    {one_line(line)}")
        if stored_roster(book):
            missing = [row.label for row in rows if row.status == "missing"]
            unknown = [row.student for row in rows if row.on_roster is False]
            print(f"  Roster: {sum(1 for row in rows if row.on_roster)} students; {len(missing)} without a "
                  f"submission{': ' + ', '.join(map(one_line, missing)) if missing else ''}; {len(unknown)} "
                  f"submission{'s' * (len(unknown) != 1)} not in the roster"
                  f"{': ' + ', '.join(map(one_line, unknown)) if unknown else ''}")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "gradebook", help="a gradebook's grades with roster, lateness and overrides; feedback files, LMS export, "
                          "similarity",
        epilog="actions: override STUDENT CHECK POINTS --reason TEXT (or STUDENT CHECK --remove); feedback OUTDIR; "
               "similarity [--top N] [--html PATH]. Exit status 0, or 2 for a usage error.")
    parser.add_argument("db", help="the gradebook kit grade-batch wrote")
    parser.add_argument("action", nargs="?", choices=ACTIONS,
                        help="override a check's points, write feedback files, or rank similar submissions "
                             "(default: print the table)")
    parser.add_argument("words", nargs="*", metavar="ARG",
                        help="override: STUDENT (entry name or roster id) CHECK POINTS; feedback: OUTDIR")
    parser.add_argument("--exercise", help="the exercise (number or slug); needed by override and similarity when "
                                           "the gradebook holds several")
    parser.add_argument("--roster", metavar="FILE",
                        help="keep this class roster in the gradebook (CSV: id, name, email, submission, section, "
                             "login); students without a submission show as missing")
    parser.add_argument("--csv", metavar="PATH", help="also write the grades there (see --format)")
    parser.add_argument("--format", choices=FORMATS, default="kit",
                        help="the --csv layout: kit (one row per exercise and student, every column), canvas or "
                             "moodle (their gradebook import layouts; need the roster)")
    parser.add_argument("--reason", help="override: why (shown in the student's feedback)")
    parser.add_argument("--remove", action="store_true", help="override: take the override back")
    parser.add_argument("--top", type=option(COUNT), help=f"similarity: how many pairs to show (default {DEFAULT_TOP})")
    parser.add_argument("--html", metavar="PATH", help="similarity: write the pairs' shared lines side by side there")
    parser.set_defaults(handler=_gradebook, needs_tensorflow=False)  # SQLite only

