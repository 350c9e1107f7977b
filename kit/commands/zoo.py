"""``kit zoo list|show|train|bench``: the course's named networks."""

from __future__ import annotations

import json
from pathlib import Path

from kit.commands import api_defaults, import_tensorflow_quietly, option
from kit.errors import COUNT, SEED, KitError


def _results_folder() -> Path:
    """Where the zoo's registry lives, and so its RESULTS.* files (the ``models`` package)."""
    import models

    return Path(models.__file__).resolve().parent


def _no_match(pattern: str) -> int:
    """A pattern that matches no entry: said on stderr, exit 1 (as grep does), nothing trained or written."""
    import sys

    print(f"kit zoo: no zoo entry matches {pattern!r}; 'kit zoo list' shows them all.", file=sys.stderr)
    return 1


def _results_out(out) -> Path:
    """``--out``: an existing folder the kit can write into, checked before anything is trained."""
    import os

    if not str(out).strip():  # Path("") is the current folder: an empty --out is a slip, not a choice
        raise KitError("--out is empty; give the folder that holds (or will hold) RESULTS.csv and RESULTS.md.")
    folder = Path(out).expanduser()
    try:
        found, is_folder = folder.exists(), folder.is_dir()
    except OSError as error:  # a folder on the way that cannot be searched
        raise KitError(f"--out {str(out)!r} cannot be used: {error.strerror or error}; choose a folder you can "
                       "write to.") from error
    if not is_folder:
        reason = "is a file, not a folder" if found else "does not exist (create it first)"
        raise KitError(f"--out {str(out)!r} {reason}; give the folder that holds (or will hold) RESULTS.csv and "
                       "RESULTS.md.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise KitError(f"--out {str(out)!r} is not writable; choose a folder you can write to.")
    return folder


def _list(args) -> int:
    from kit import zoo

    selected = zoo.entries(args.pattern)
    if not selected:
        return _no_match(args.pattern)
    rows = [("name", "data", "model", "claim")]
    rows += [(e.name, e.describe_data(), e.describe_model(), e.claim) for e in selected]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]  # the claim runs on, unpadded
    for number, row in enumerate(rows):
        print("  ".join(f"{cell:<{width}}" for cell, width in zip(row, widths)) + f"  {row[3]}")
        if number == 0:
            print("  ".join("-" * width for width in widths) + "  " + "-" * len(row[3]))
    return 0


OPERATORS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "==": "="}


def _plain(value) -> str:
    """A value in a reader's words, not Python's repr: [8, 8] stays, quotes and braces go."""
    if isinstance(value, dict):
        return ", ".join(f"{str(k).replace('_', ' ')} {_plain(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _data(data: dict) -> str:
    rest = _plain({k: v for k, v in data.items() if k != "name"})
    return f"{data.get('name', '?')}" + (f", {rest}" if rest else "")


def _expected(expected: dict) -> str:
    if not expected:
        return "nothing beyond what the card shows"
    return ", ".join(f"{metric} {OPERATORS.get(op, op)} {value:g}" for metric, (op, value) in expected.items())


def _show(args) -> int:
    from kit import zoo

    entry = zoo.get(args.name)
    print(f"{entry.name}\n\n{entry.card}\n\nClaim: {entry.claim}\nData: {_data(entry.data)}\n"
          f"Model: {_plain(entry.model)}\nRecipe: {_plain(entry.recipe)}\n"
          f"Seeds: {', '.join(map(str, entry.seeds))} (rule: {entry.rule})\nExpected: {_expected(entry.expected)}")
    return 0


def _train(args) -> int:
    from kit import zoo
    from kit.errors import output_folder

    zoo.get(args.name)  # an unknown entry and a --logdir that cannot be a folder: refused before TensorFlow
    if args.logdir:
        output_folder(args.logdir, "the TensorBoard logs")
    import_tensorflow_quietly()
    callbacks = []
    if args.logdir:
        from kit.tensorboard import Diagnostics

        callbacks.append(Diagnostics(args.logdir, probe=zoo.dataset(args.name)))
    result = zoo.train(args.name, seed=args.seed, callbacks=callbacks, verbose="auto")
    entry = result.entry
    print(f"{entry.name} (seed {args.seed}): " + ", ".join(
        f"{k} {v:.4g}" for k, v in result.metrics.items() if k != "epochs") + f"; {result.seconds:.1f} s")
    for metric, (op, value) in entry.expected.items():
        print(f"  expected {metric} {op} {value}: {'yes' if zoo.OPERATORS[op](result.metrics[metric], value) else 'no'}")
    if args.logdir:
        print(f"TensorBoard: kit board {args.logdir}")
    return 0


def _bench(args) -> int:
    from kit import zoo

    folder = _results_out(args.out) if args.out is not None else _results_folder()
    if args.pattern != "*" and not zoo.entries(args.pattern):
        return _no_match(args.pattern)
    if args.sample is not None and not args.check:
        raise KitError("--sample retrains entries to compare them with the committed table: it goes with --check.")
    if args.check:  # what does not apply is refused, not ignored
        ignored = (["a pattern"] if args.pattern != "*" and args.sample is None else []) + (["--json"] if args.json else [])
        if ignored:
            raise KitError(f"--check compares the whole table with the registry, so {' and '.join(ignored)} would "
                           f"be ignored; drop {' and '.join(ignored)}, or --check.")
    elif args.pattern != "*" and args.out is not None:
        raise KitError("--out is where a run of every entry writes RESULTS.*; a run with a pattern writes no files. "
                       "Drop --out, or the pattern.")
    if args.check:
        problems = zoo.stale_entries(folder)
        if problems:
            print("The results table is stale; run 'kit zoo bench' and commit models/RESULTS.*:")
            for problem in problems:
                print(f"  {problem}")
            return 1
        print(f"{folder / 'RESULTS.md'} is current for all {len(zoo.names())} entries.")
        if args.sample is None:
            return 0
        import_tensorflow_quietly()
        print(f"Retraining {args.sample} entr{'y' if args.sample == 1 else 'ies'} (choice seed {args.sample_seed}) "
              f"to compare with the table (tolerance: kit.zoo.SAMPLE_TOLERANCE):")
        differences = zoo.check_sample(folder, args.sample, args.pattern, args.sample_seed, echo=print)
        for difference in differences:
            print(f"  {difference}")
        return 1 if differences else 0
    import_tensorflow_quietly()  # after the checks above: a refusal answers at once
    rows = zoo.bench(args.pattern, echo=print)
    if args.pattern == "*":
        paths = zoo.write_results(rows, folder)
        print("wrote " + ", ".join(map(str, paths)))
    failing = [row["name"] for row in rows if row["holds"] is False]
    if args.json:
        print(json.dumps(rows))
    if failing:
        print(f"expected results not reached: {', '.join(failing)}")
        return 1
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("zoo", help="the course's named networks: list, show, train, bench")
    commands = parser.add_subparsers(dest="zoo_command", metavar="ACTION", required=True)

    sub = commands.add_parser("list", help="list the entries (optionally matching a pattern like 'xor-*')")
    sub.add_argument("pattern", nargs="?", default="*")
    sub.set_defaults(handler=_list, needs_tensorflow=False)

    sub = commands.add_parser("show", help="an entry's card, data, model, recipe and expected result")
    sub.add_argument("name")
    sub.set_defaults(handler=_show, needs_tensorflow=False)

    sub = commands.add_parser("train", help="train an entry with its recipe")
    sub.add_argument("name")
    sub.add_argument("--seed", type=option(SEED), default=api_defaults("kit.zoo", "train")["seed"],
                     help="seeds the weights and the shuffle (default %(default)s)")
    sub.add_argument("--logdir", help="write TensorBoard diagnostics there")
    sub.set_defaults(handler=_train, needs_tensorflow=False)  # loaded once the entry and --logdir are checked

    sub = commands.add_parser("bench", help="train every entry on its seeds and write models/RESULTS.csv and .md")
    sub.add_argument("pattern", nargs="?", default="*", help="only entries matching this (no files written)")
    sub.add_argument("--check", action="store_true", help="only check that the committed table is current")
    sub.add_argument("--sample", type=option(COUNT), metavar="N",
                     help="with --check: also retrain N entries (among those matching the pattern) and compare values")
    sub.add_argument("--sample-seed", type=option(SEED), default=0, help="chooses the --sample entries (default 0)")
    sub.add_argument("--out", help="folder for RESULTS.* (default: models/)")
    sub.add_argument("--json", action="store_true", help="also print the summaries as JSON")
    sub.set_defaults(handler=_bench, needs_tensorflow=False)  # loaded to train, after the checks
