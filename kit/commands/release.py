"""``kit release`` and ``kit bundle``: the student version of the course, and a Gradescope autograder.

Both check their arguments (the folder, the exercise, the zip's name) before anything heavy is
imported; the checks modules they read load TensorFlow only where a check needs it.
"""

from __future__ import annotations

import sys


def _release(args) -> int:
    from kit.grading.release.student import build_release, check_outdir

    check_outdir(args.outdir)
    target = build_release(args.outdir)
    print(f"Wrote the student release to {target}/: the kit, every exercise's starter (.py and .ipynb), README, "
          "figures and visible checks; no solution and no hidden check. Students run, from it:")
    print(f"  pip install -e {target}    (or PYTHONPATH={target})")
    print("  kit start 04 && kit check 04 04-derivatives/starter.py")
    return 0


def _bundle(args) -> int:
    from kit.grading.runners.autograder import build_bundle
    from kit.grading.release.student import RUNTIME_REQUIREMENTS

    out = build_bundle(args.exercise, args.out, require_isolation=not args.allow_unisolated)
    print(f"Wrote {out}: upload it as the Gradescope autograder of exercise {args.exercise} (setup.sh installs "
          f"{RUNTIME_REQUIREMENTS}; run_autograder grades the submission with every check into "
          "/autograder/results/results.json).")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("release", help="write the student version of the course (no solutions, no "
                                                   "hidden checks) to OUTDIR")
    parser.add_argument("outdir", help="a new or empty folder outside the repository")
    parser.set_defaults(handler=_release, needs_tensorflow=False)  # copies files and rewrites checks modules

    parser = subparsers.add_parser("bundle", help="write a Gradescope autograder zip for one exercise")
    parser.add_argument("exercise", help="number or slug: 4, 04 or derivatives")
    parser.add_argument("--out", required=True, help="the zip to write, e.g. autograder.zip")
    parser.add_argument("--allow-unisolated", action="store_true",
                        help="grade even where the sandbox cannot isolate the submission (default: refuse, and the "
                             "results file says why)")
    parser.set_defaults(handler=_bundle, needs_tensorflow=False)  # writes a zip


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: kit release OUTDIR | kit bundle NN --out autograder.zip")
