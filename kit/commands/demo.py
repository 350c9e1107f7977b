"""``kit demo``: the course's progression end to end (what ``make demo`` runs)."""

from __future__ import annotations

from kit.commands import api_defaults, import_tensorflow_quietly


def _demo(args) -> int:
    from kit.errors import output_folder

    output_folder(args.out, "the demo's runs, figures and claims")  # before TensorFlow, as kit.demo.run does
    import_tensorflow_quietly()
    from kit import demo

    rows = demo.run(out_dir=args.out)
    return 0 if all(row["holds"] for row in rows) else 1


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="the course end to end: linear -> hidden linear -> sigmoid -> ReLU and the claims table",
        description="Trains the zoo's course networks, writes TensorBoard runs, figures and the claims table. "
                    "Exit status 1 when a claim does not hold.")
    parser.add_argument("--out", default=api_defaults("kit.demo", "run")["out_dir"],
                        help="folder for TensorBoard runs, figures and claims (default: %(default)s)")
    parser.set_defaults(handler=_demo, needs_tensorflow=False)  # loaded once --out is checked
