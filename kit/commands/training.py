"""``kit train``: train a network from the command line with the compiled trainer and print a summary.

The flags' defaults are those of ``kit.datasets.playground``, ``kit.builders.build_mlp`` and
``kit.training.train`` (read from their signatures); numbers are checked against the same shared
constraints those functions use, before TensorFlow loads, and so is the data set.
"""

from __future__ import annotations

import argparse
import time
from numbers import Real

from kit.commands import Given, api_defaults, import_tensorflow_quietly, option
from kit.errors import BATCH_SIZE, COUNT, HIDDEN, LEARNING_RATE, PENALTY, SEED, Interval, InvalidParameter, check

HEAD_LABELS = {"playground": "pm1", "logistic": "01", "softmax": "01"}  # a Playground set's labels, by head

# The API functions whose parameters the flags stand for (module, function): their defaults are
# the flags' defaults. tests/test_cli_defaults.py checks each against inspect.signature.
DATA, MODEL, TRAINING = ("kit.datasets", "playground"), ("kit.builders", "build_mlp"), ("kit.training.trainer", "train")


def _widths(text: str) -> list[int]:
    """``"8,8"`` → [8, 8]; ``""`` → [] (no hidden layer)."""
    if not text.strip():
        return []
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 8,8 (or '' for none), got {text!r}") from None
    try:  # build_mlp's bounds and sentence, before TensorFlow loads
        return check(widths, HIDDEN, "hidden", "kit.builders.build_mlp")
    except InvalidParameter as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _source_constant(module: str, name: str):
    """A module-level constant of one of the kit's modules, read from its source without importing it
    (importing kit.training, kit.builders or kit.activations loads TensorFlow): a literal, or a dict
    whose values are literals (None for a value that is not, such as a class). tests/test_cli_properties.py
    checks each one the command reads against the imported module."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[1] / module).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            if isinstance(node.value, ast.Dict):
                return {ast.literal_eval(k): (ast.literal_eval(v) if isinstance(v, (ast.Constant, ast.Tuple)) else None)
                        for k, v in zip(node.value.keys, node.value.values)}
            return ast.literal_eval(node.value)
    raise LookupError(f"kit/{module} has no {name}")


def metric_names() -> tuple:
    """The metrics ``--stop-when`` may name (kit.training.compiled.METRIC_NAMES)."""
    return tuple(_source_constant("training/compiled.py", "METRIC_NAMES"))


def optimizer_names() -> list:
    """The optimizers ``--optimizer`` takes (the keys of kit.builders.OPTIMIZERS)."""
    return sorted(_source_constant("builders.py", "OPTIMIZERS"))


def head_labels() -> dict:
    """The label conventions each head learns (kit.training.checks.HEAD_LABELS)."""
    return _source_constant("training/checks.py", "HEAD_LABELS")


def _targets(text: str) -> dict:
    """``"val_loss=0.177,val_accuracy=0.9"`` → a stop_when dict: known metrics, finite targets."""
    import math

    from kit.errors import unknown_name

    targets = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        try:
            target = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected METRIC=TARGET pairs like val_loss=0.177, got {part!r}") from None
        if key.strip() not in metric_names():
            raise argparse.ArgumentTypeError(str(unknown_name("--stop-when metric", key.strip(), metric_names())))
        if not math.isfinite(target):
            raise argparse.ArgumentTypeError(f"a target must be a finite number, got {part!r}; e.g. val_loss=0.177")
        targets[key.strip()] = target
    if not targets:
        raise argparse.ArgumentTypeError(f"expected METRIC=TARGET pairs like val_loss=0.177, got {text!r}")
    return targets


LABEL_WORDS = {"pm1": "labels −1/+1", "01": "labels 0/1"}


def _describe(data) -> str:
    """The data set in one line, in a student's words (−1/+1 labels, not the API's 'pm1')."""
    labels = LABEL_WORDS.get(data.labels, f"{data.n_classes} classes" if data.n_classes else "real-valued targets")
    return (f"{data.name}: {data.task}, {len(data.x_train)} train / {len(data.x_test)} test, "
            f"features {', '.join(data.feature_names)}, {labels}")


def stop_report(history: dict, targets: dict) -> str:
    """One line on ``--stop-when``: the epoch where every target was met, or the best value of
    each target's metric and its epoch when not.

    Example:
        >>> stop_report({"val_loss": [0.3, 0.2, 0.25]}, {"val_loss": 0.177})
        'target not reached: best val_loss 0.2 at epoch 2 (target ≤ 0.177)'
        >>> stop_report({"val_loss": [0.3, 0.17]}, {"val_loss": 0.177})
        'target reached at epoch 2: val_loss 0.17 ≤ 0.177'
    """
    from kit.training.checks import lower_is_better

    def meets(metric, value):
        return value <= targets[metric] if lower_is_better(metric) else value >= targets[metric]

    def sign(metric):
        return "≤" if lower_is_better(metric) else "≥"

    epochs = len(next(iter(history.values()), []))
    for epoch in range(epochs):
        if all(meets(metric, history[metric][epoch]) for metric in targets):
            reached = ", ".join(f"{m} {history[m][epoch]:.4g} {sign(m)} {t:g}" for m, t in targets.items())
            return f"target reached at epoch {epoch + 1}: {reached}"
    clauses = []
    for metric, target in targets.items():
        values = history[metric]
        best = min(range(len(values)), key=values.__getitem__) if lower_is_better(metric) else \
            max(range(len(values)), key=values.__getitem__)
        clauses.append(f"best {metric} {values[best]:.4g} at epoch {best + 1} (target {sign(metric)} {target:g})")
    return "target not reached: " + "; ".join(clauses)


def register(subparsers) -> None:
    data, model, training = api_defaults(*DATA), api_defaults(*MODEL), api_defaults(*TRAINING)
    parser = subparsers.add_parser(
        "train", help="train a network on a data set with the compiled trainer",
        description="Train an MLP on a Playground or bundled data set and print final train/test loss and "
                    "accuracy. Example: kit train --dataset spiral --hidden 8,8 --activation relu "
                    "--optimizer adam --learning-rate 0.01 --epochs 300")
    parser.add_argument("--dataset", default=data["name"], help="Playground (circle, xor, gauss, spiral, reg-plane, "
                        "reg-gauss) or bundled (digits, iris, breast_cancer, wine) data set (default %(default)s)")
    parser.add_argument("--features", default=",".join(data["features"]), action=Given,
                        help="Playground input features, comma-separated (default %(default)s)")
    # Its 0-50 range is kit.datasets.playground's to check (before TensorFlow: the data loads first).
    parser.add_argument("--noise", type=option(Interval(Real)), default=data["noise"], action=Given,
                        help="Playground noise slider, 0-50 (default %(default)s)")
    parser.add_argument("--data-seed", type=option(SEED), default=data["seed"],
                        help="seed of the data set (default %(default)s)")
    parser.add_argument("--hidden", type=_widths, default=list(model["hidden"]),
                        help=f"hidden widths, e.g. 8,8 (default {','.join(map(str, model['hidden']))})")
    parser.add_argument("--activation", default=model["activation"],
                        help="hidden activation (see `kit activations`; default %(default)s)")
    parser.add_argument("--head", default=None,
                        choices=["playground", "logistic", "softmax", "playground_regression", "linear"],
                        help="output head (default: the data set's natural one; playground_regression, ½·MSE, "
                             "for reg-plane/reg-gauss; linear is plain MSE)")
    parser.add_argument("--epochs", type=option(COUNT), default=training["epochs"], help="epochs (default %(default)s)")
    parser.add_argument("--batch-size", type=option(BATCH_SIZE), default=training["batch_size"],
                        help="batch size (default %(default)s)")
    parser.add_argument("--learning-rate", type=option(LEARNING_RATE), default=training["learning_rate"],
                        help="learning rate, in (0, 10] (default %(default)s)")
    parser.add_argument("--optimizer", default=training["optimizer"],
                        help="sgd, adam, rmsprop or adagrad (default %(default)s)")
    parser.add_argument("--seed", type=option(SEED), default=training["seed"],
                        help="seeds the initial weights and the shuffle (default %(default)s)")
    parser.add_argument("--regularization", default=training["regularization"], choices=["l1", "l2"],
                        help="the Playground's regularization: l2 adds rate·w to each weight's gradient, l1 "
                             "rate·sign(w) and kills links it moves across 0 (default none)")
    parser.add_argument("--regularization-rate", type=option(PENALTY), default=training["regularization_rate"],
                        help="the Playground's regularization rate (default %(default)s)")
    parser.add_argument("--batching", default=training["batching"], choices=["fit", "playground"],
                        help="fit: the last partial batch is a step of its own; playground: its gradient joins "
                             "the next epoch's first batch (default %(default)s)")
    parser.add_argument("--no-shuffle", dest="shuffle", action="store_false",
                        help="keep the data set's order every epoch, as the Playground does")
    parser.add_argument("--stop-when", type=_targets, default=None, metavar="METRIC=TARGET[,…]",
                        help="stop at the first epoch meeting every target, e.g. val_loss=0.177")
    parser.add_argument("--logdir", default=None, help="write TensorBoard logs there")
    parser.add_argument("--plot", default=None, metavar="FILE.png", help="save the training curves there")
    parser.set_defaults(handler=_handle, needs_tensorflow=False)  # the data set is checked first


def _load(args):
    """The data set (NumPy and scikit-learn only, no TensorFlow)."""
    from kit import datasets

    name = args.dataset.strip().lower()
    playground = name.replace("_", "-") in datasets.PLAYGROUND_DATASETS
    given = sorted(getattr(args, "given", ()))
    if given and not playground:  # refused, not silently ignored
        verb = "apply" if len(given) > 1 else "applies"
        raise InvalidParameter(f"{' and '.join(given)} {verb} to the Playground's data sets only "
                               f"({', '.join(datasets.PLAYGROUND_DATASETS)}); {args.dataset!r} is loaded as it is. "
                               f"Drop {' and '.join(given)}, or choose a Playground data set.")
    if playground:
        labels = HEAD_LABELS.get(args.head, "pm1")
        return datasets.playground(name, noise=args.noise, seed=args.data_seed, features=args.features, labels=labels)
    return datasets.load(name, seed=args.data_seed)


def activation_names(dictionaries=("ALIASES", "KERAS_ONLY")) -> list[str]:
    """The names ``kit.activations.get`` accepts (aliases included), read from that module's source
    without importing it (importing it loads TensorFlow): the catalogue's ``_entry("name", …)``
    calls and the keys of the module's ``dictionaries``. tests/test_cli_loop.py checks that they
    equal ``kit.activations.names(include_aliases=True)``."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[1] / "activations.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_entry"
                and node.args and isinstance(node.args[0], ast.Constant) and "ALIASES" in dictionaries):
            found.add(node.args[0].value)
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
              and node.targets[0].id in dictionaries and isinstance(node.value, ast.Dict)):
            found.update(key.value for key in node.value.keys if isinstance(key, ast.Constant))
    return sorted(found)


def _check_activation(name: str) -> None:
    """Refuse an unknown ``--activation``, or one that cannot be used by name (``glu``), before TensorFlow
    loads, with kit.activations' sentences."""
    from kit.errors import unknown_name

    key = name.strip().lower().replace("-", "_")
    needs_arguments = _source_constant("activations.py", "NEEDS_ARGUMENTS")
    if key in needs_arguments:
        raise InvalidParameter(f"Activation {name!r} cannot be used by name here: {needs_arguments[key]}.")
    if key not in activation_names():
        raise unknown_name("activation", name, activation_names())


def _check_optimizer(name: str) -> None:
    """Refuse an unknown ``--optimizer`` before TensorFlow loads, in kit.builders' words."""
    from kit.errors import unknown_name

    if name.lower() not in optimizer_names():
        raise unknown_name("optimizer", name, optimizer_names())


def _check_head(head, data) -> None:
    """Refuse a ``--head`` that cannot learn the data's labels, in the flags' words, before TensorFlow loads."""
    fits = head_labels()
    if data.labels not in fits[head]:
        fitting = [name for name, labels in fits.items() if data.labels in labels]
        raise InvalidParameter(f"--head {head} learns {' or '.join(fits[head])} labels, but the data set {data.name!r} "
                               f"has {data.labels!r} labels. Use --head {' or '.join(fitting)}, or leave --head out: "
                               "the kit picks the head that fits the data.")


def _check_targets(targets: dict, head, data) -> None:
    """Refuse ``--stop-when`` on accuracy where the head reports none, before TensorFlow loads: a head that
    learns real-valued labels is a regression head, and so is the natural head of real-valued data."""
    regression = "real" in head_labels()[head] if head else data.labels == "real"
    accuracy = [metric for metric in targets if metric.endswith("accuracy")]
    if regression and accuracy:
        raise InvalidParameter(f"--stop-when {accuracy[0]}: a regression head reports no accuracy; stop on loss or "
                               "val_loss instead.")


def _callbacks(logdir, data):
    if not logdir:
        return []
    from kit.tensorboard import Diagnostics

    return [Diagnostics(logdir, probe=data)]


def _handle(args) -> int:
    if args.regularization_rate and args.regularization is None:
        raise InvalidParameter(f"--regularization-rate {args.regularization_rate:g} has no effect without "
                               "--regularization l1 or l2; add one, or drop the rate.")
    if args.regularization is not None and not args.regularization_rate:
        raise InvalidParameter(f"--regularization {args.regularization} has no effect at --regularization-rate 0; "
                               "add a rate (the Playground offers 0.001 to 10), or drop --regularization.")
    if args.plot:
        from kit.errors import figure_file

        figure_file(args.plot, "the training curves")  # refused now, not after the whole run
    if args.logdir is not None:
        from kit.errors import output_folder

        output_folder(args.logdir, "the TensorBoard logs")
    data = _load(args)  # a bad data set, noise or feature is refused before TensorFlow loads
    _check_activation(args.activation)  # and so are an unknown activation and optimizer,
    _check_optimizer(args.optimizer)
    if args.head:  # and a head that cannot learn the data's labels (in the flags' words),
        _check_head(args.head, data)
    if args.stop_when:  # and a target on accuracy where the head measures none
        _check_targets(args.stop_when, args.head, data)
    import_tensorflow_quietly()
    from kit import builders, heads
    from kit.training import train

    head = args.head or heads.for_data(data).name
    model = builders.build_mlp(data.n_features, args.hidden, args.activation, head=head,
                               n_classes=data.n_classes if head == "softmax" else None, seed=args.seed)
    start = time.perf_counter()
    history = train(model, data, epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer,
                    learning_rate=args.learning_rate, seed=args.seed, callbacks=_callbacks(args.logdir, data),
                    stop_when=args.stop_when, regularization=args.regularization,
                    regularization_rate=args.regularization_rate, batching=args.batching, shuffle=args.shuffle)
    seconds = time.perf_counter() - start
    logs = {key: values[-1] for key, values in history.history.items()}
    widths = "-".join(str(w) for w in [data.n_features, *args.hidden, model.outputs[0].shape[-1]])
    ran = len(history.history["loss"])
    print(_describe(data))
    print(f"model {widths} {args.activation}, {head} head, {args.optimizer} lr {args.learning_rate:g}, "
          f"batch {args.batch_size}, seed {args.seed}")
    print(f"{ran} epochs in {seconds:.2f} s")
    if args.stop_when:
        print(stop_report(history.history, args.stop_when))
    for split, prefix in (("train", ""), ("test", "val_")):
        line = f"{split:<5}  loss {logs[prefix + 'loss']:.4f}"
        if prefix + "accuracy" in logs:
            line += f"  accuracy {logs[prefix + 'accuracy']:.4f}"
        print(line)
    if args.plot:
        from kit import plots

        plots.training_curves(history, title=f"{data.name}: {widths} {args.activation}", path=args.plot)
        print(f"curves written to {args.plot}")
    if args.logdir:
        print(f"TensorBoard logs in {args.logdir}; see them with: kit board {args.logdir}")
    return 0
