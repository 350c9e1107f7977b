"""``kit bench NAME [--json]``: the performance claims, measured (see ``kit.benchmarks``)."""

from __future__ import annotations

import importlib
import json
import pkgutil


def _benchmarks():
    import kit.benchmarks

    found = {}
    for info in sorted(pkgutil.iter_modules(kit.benchmarks.__path__), key=lambda m: m.name):
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


def _handler(module):
    def handle(args):
        result = module.run(args)
        if args.json:
            print(json.dumps(result, sort_keys=False))
        else:
            _print_table(result)
        return 0

    return handle


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="measure the kit's performance claims against the obvious alternative")
    benches = parser.add_subparsers(dest="benchmark", metavar="NAME", required=True)
    for name, module in _benchmarks().items():
        sub = benches.add_parser(name, help=getattr(module, "HELP", ""))
        sub.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
        if hasattr(module, "add_arguments"):
            module.add_arguments(sub)
        sub.set_defaults(handler=_handler(module))
