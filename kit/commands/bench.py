"""``kit bench NAME [--json] [--out FILE]``: the performance claims, measured (see ``kit.benchmarks``).

``kit bench figures [--check]`` writes (or checks) the figures in README.md and docs/ from the
committed JSON in docs/benchmarks/ (see ``kit.benchmarks.figures``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import re
from pathlib import Path

NOT_COMMAND_LINE = {"help", "json", "out"}


def _benchmarks():
    import kit.benchmarks

    found = {}
    for info in sorted(pkgutil.iter_modules(kit.benchmarks.__path__), key=lambda m: m.name):
        # Helpers (no NAME) are not imported: otter_checks loads NumPy, and the CLI must start without it.
        source = Path(info.module_finder.path) / f"{info.name}.py"
        if source.is_file() and not re.search(r"^NAME\s*=", source.read_text(encoding="utf-8"), re.MULTILINE):
            continue
        module = importlib.import_module(f"kit.benchmarks.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            found[module.NAME] = module
    return found


def _print_table(result: dict) -> None:
    width = max((len(str(k)) for k in result), default=0)
    for key, value in result.items():
        if isinstance(value, float):
            value = f"{value:,.4g}"
        elif isinstance(value, (dict, list)):
            value = json.dumps(value)
        print(f"{key:<{width}}  {value}")


def out_path(text: str) -> Path:
    """The ``--out`` file: a file path in an existing folder (checked before TensorFlow loads)."""
    path = Path(text)
    try:
        folder, parent = path.is_dir(), path.parent.is_dir()
    except OSError as error:  # a folder on the way that cannot be searched
        raise argparse.ArgumentTypeError(f"must be a file the kit can write. Got {text!r} instead: "
                                         f"{error.strerror or error}.") from None
    if folder:
        raise argparse.ArgumentTypeError(f"must be a file path, not a folder. Got {text!r} instead; "
                                         f"add a file name, e.g. {path / 'result.json'}.")
    if not parent:
        raise argparse.ArgumentTypeError(f"must be a file in an existing folder. Got {text!r} instead; "
                                         f"create {path.parent} first.")
    return path


def _machine(load_before) -> dict:
    """Where the figures were measured, with the load of the (possibly shared) machine around the run."""
    from importlib import metadata

    def version(package):
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(), "tensorflow": version("tensorflow"), "keras": version("keras"),
            "load_average_1min_before": round(load_before[0], 2),
            "load_average_1min_after": round(os.getloadavg()[0], 2)}


def _command_line(name: str, parser, args) -> str:
    """The ``kit bench`` command that measured these figures (the flags that differ from defaults)."""
    words = ["kit", "bench", name]
    for action in parser._actions:
        if action.dest in NOT_COMMAND_LINE or not action.option_strings:
            continue
        value = getattr(args, action.dest, action.default)
        if value == action.default:
            continue
        words.append(action.option_strings[-1])
        if action.nargs != 0:  # a flag such as --quick takes no value
            words.append(str(value))
    if getattr(args, "out", None):
        words += ["--json", "--out", str(args.out)]
    return " ".join(words)


def check_quick(parser, args) -> None:
    """``--quick`` sets the benchmark's own sizes: a size flag given with it would be ignored, so it is refused
    (a flag with choices, such as ``kit bench grade --otter``, picks what runs and is kept)."""
    if not getattr(args, "quick", False):
        return
    sized = [action.option_strings[-1] for action in parser._actions
             if action.option_strings and action.dest not in NOT_COMMAND_LINE | {"quick"} and not action.choices
             and getattr(args, action.dest, action.default) != action.default]
    if sized:
        from kit.errors import KitError

        flags = " and ".join(sized)
        raise KitError(f"--quick runs the benchmark at its own small sizes, so {flags} would be ignored; drop "
                       f"{flags} or --quick.")


def _handler(module, parser):
    def handle(args):
        from kit.commands import import_tensorflow_quietly

        check_quick(parser, args)
        if getattr(module, "NEEDS_TENSORFLOW", True):
            import_tensorflow_quietly()  # after the checks: a refusal answers at once
        load_before = os.getloadavg()
        result = module.run(args)
        result["machine"] = _machine(load_before)
        result["command"] = _command_line(module.NAME, parser, args)
        if args.out:
            temporary = args.out.with_name(args.out.name + ".partial")
            temporary.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            temporary.replace(args.out)  # a run that fails half-way leaves the committed file as it was
        if args.json:
            print(json.dumps(result, sort_keys=False))
        else:
            _print_table(result)
        return 0

    return handle


def _figures(args) -> int:
    from kit.benchmarks import figures

    root = figures.repository_root()
    if args.check:
        problems = figures.check(root)
        if problems:
            print("The benchmark figures in README.md and docs/ do not match docs/benchmarks/*.json; "
                  "run 'kit bench figures' (after re-measuring with the command in each JSON file if needed):")
            for problem in problems:
                print(f"  {problem}")
            return 1
        print(f"README.md and docs/ show the figures of {', '.join(figures.sources(root))}.")
        return 0
    for path in figures.write(root):
        print(f"wrote {path}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="measure the kit's performance claims against the obvious alternative")
    benches = parser.add_subparsers(dest="benchmark", metavar="NAME", required=True)
    for name, module in _benchmarks().items():
        sub = benches.add_parser(name, help=getattr(module, "HELP", ""))
        sub.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
        sub.add_argument("--out", type=out_path, metavar="FILE",
                         help="also write the JSON to FILE (docs/benchmarks/NAME.json is the published one)")
        if hasattr(module, "add_arguments"):
            module.add_arguments(sub)
        sub.set_defaults(handler=_handler(module, sub), needs_tensorflow=False)  # loaded once the flags are checked
    sub = benches.add_parser("figures", help="write the README and docs figures from docs/benchmarks/*.json")
    sub.add_argument("--check", action="store_true", help="only check that README.md and docs/ show those figures")
    sub.set_defaults(handler=_figures, needs_tensorflow=False)
