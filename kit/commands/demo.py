"""``kit demo``: the course's progression end to end (what ``make demo`` runs)."""

from __future__ import annotations


def _demo(args) -> int:
    from kit import demo

    rows = demo.run(out_dir=args.out, seed=args.seed)
    linear, relu = rows[0], rows[-1]
    print(f"\nOn circle, a linear model reaches accuracy {linear['test_accuracy']:.2f}; stacking linear layers "
          f"gives {rows[1]['test_accuracy']:.2f} (still linear); ReLU hidden layers reach {relu['test_accuracy']:.2f}.")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="run the course's progression: linear -> hidden linear -> sigmoid -> ReLU")
    parser.add_argument("--out", default="runs", help="folder for figures and runs (default: runs)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, weights and shuffles")
    parser.set_defaults(handler=_demo)
