"""``kit activations``, ``kit datasets`` and ``kit plot``: the catalogues and their figures."""

from __future__ import annotations

import json
import math
from numbers import Real

from kit.commands import Given, api_defaults, import_tensorflow_quietly, option
from kit.errors import SEED, Interval, KitError


def _yes(flag: bool) -> str:
    return "yes" if flag else "-"


def _number(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.4g}"


def _print_rows(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = "  ".join("{:<%d}" % w for w in widths)
    print(line.format(*header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*[str(cell) for cell in row]))


# Inputs where the catalogue's functions reach a bound exactly (ReLU's 0 at 0, ReLU6's 6 at 6, hard
# sigmoid's 0 and 1 at ±3, sine's ±1 at ±π/2, hard SiLU's minimum at −1.5 …).
_PROBES = sorted({*range(-10, 11), *(k / 2 for k in range(-20, 21)), *(k * math.pi / 2 for k in range(-6, 7))})


def _range(entry) -> str:
    """The output range with the interval's brackets: ``[`` where a finite bound is reached (ReLU:
    [0, ∞)), ``(`` where it is only approached (sigmoid: (0, 1)). A bound counts as reached when
    the function takes it exactly at one of the probes, or when the function is not monotonic and
    the bound is an interior extremum (SiLU's minimum), not its limit at ±∞ (the Gaussian's 0)."""
    import numpy as np

    low, high = entry.output_range
    if not entry.elementwise:
        return f"({_number(low)}, {_number(high)})"
    probes = np.asarray(entry(np.array(_PROBES, dtype=np.float64)), dtype=np.float64)
    tails = np.asarray(entry(np.array([-30.0, 30.0])), dtype=np.float64)

    def reached(bound: float) -> bool:
        if not math.isfinite(bound):
            return False
        if np.any(probes == bound):
            return True
        # 1e-6: the tails at ±30 are within 1e-12 of a limit for every catalogue entry, and the
        # interior extrema (SiLU, GELU, Mish) are ≥ 0.1 away from their limits.
        return not entry.monotonic and not np.any(np.abs(tails - bound) < 1e-6)

    return f"{'[' if reached(low) else '('}{_number(low)}, {_number(high)}{']' if reached(high) else ')'}"


def _activations(args) -> int:
    from kit import activations

    table = activations.table()
    if args.json:
        print(json.dumps(table, default=str))
        return 0
    ranges = {e["name"]: _range(activations.get(e["name"])) for e in table}
    rows = [[e["name"], ranges[e["name"]], _yes(e["zero_centred"]),
             _yes(e["saturating"]), _yes(e["monotonic"]), _yes(e["smooth"]), _number(e["max_derivative"]),
             "keras" if e["keras_builtin"] else "kit", e["summary"]] for e in table]
    _print_rows(["name", "range", "zero-centred", "saturating", "monotonic", "smooth", "max f'", "from",
                 "summary"], rows)
    print(f"\nAliases: {', '.join(f'{a} = {n}' for a, n in sorted(activations.ALIASES.items()))}. "
          f"Also by name (Keras only): {', '.join(sorted(activations.KERAS_ONLY))}.")
    return 0


def _datasets(args) -> int:
    from kit import datasets

    rows = datasets.catalogue()
    if args.json:
        print(json.dumps(rows))
        return 0
    _print_rows(["name", "source", "task", "description"], [[r["name"], r["source"], r["task"], r["description"]]
                                                           for r in rows])
    print(f"\nPlayground features: {', '.join(datasets.FEATURE_NAMES)}. "
          "Your own data: kit.datasets.from_csv(path, label=...).")
    return 0


def _plot(args) -> int:
    from kit.errors import figure_file

    figure_file(args.out)  # a bad suffix or folder is refused before any work (and before TensorFlow)
    if args.what == "activations":
        from kit.commands.training import _check_activation

        given = sorted(getattr(args, "given", ()))
        if given:  # refused, not silently ignored
            raise KitError(f"{' and '.join(given)} apply to 'kit plot dataset' only; drop {' and '.join(given)}.")
        names = [n.strip() for n in (args.names if args.names is not None else "sigmoid,tanh,relu").split(",")]
        if not all(names):
            raise KitError(f"expected activation names separated by commas, e.g. sigmoid,tanh,relu; got "
                           f"{args.names!r}.")
        for name in names:  # an unknown one is refused before TensorFlow loads
            _check_activation(name)
        import_tensorflow_quietly()  # the activations are Keras functions
        from kit import plots

        plots.activation_curves(names, path=args.out)
    else:  # NumPy and matplotlib only
        from kit import datasets, plots

        if not args.names:
            raise KitError("kit plot dataset needs a data set name, e.g. 'kit plot dataset spiral --out spiral.png'.")
        plots.dataset(datasets.playground(args.names, noise=args.noise, seed=args.seed), path=args.out)
    print(f"wrote {args.out}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("activations", help="the activation catalogue with its properties")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=_activations)

    parser = subparsers.add_parser("datasets", help="the data sets the kit can make or load")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=_datasets, needs_tensorflow=False)

    parser = subparsers.add_parser(
        "plot", help="draw activation curves or a Playground data set to a PNG",
        description="kit plot activations [sigmoid,tanh,relu] --out FILE.png | kit plot dataset spiral --out FILE.png")
    parser.add_argument("what", choices=["activations", "dataset"])
    parser.add_argument("names", nargs="?", help="comma-separated activations, or one data set name")
    parser.add_argument("--out", required=True, help="the PNG file to write")
    playground = api_defaults("kit.datasets", "playground")
    parser.add_argument("--noise", type=option(Interval(Real)), default=playground["noise"], action=Given,
                        help="Playground noise 0-50 (dataset only; default %(default)s)")
    parser.add_argument("--seed", type=option(SEED), default=playground["seed"], action=Given,
                        help="seed (dataset only; default %(default)s)")
    parser.set_defaults(handler=_plot, needs_tensorflow=False)  # loaded for activation curves only
