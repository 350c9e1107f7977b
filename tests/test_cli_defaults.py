"""The command line's defaults are the API functions' defaults (read from their signatures without
importing them), and its number flags are checked with the API functions' own constraints."""

import argparse
import importlib

import pytest

from kit.commands import api_defaults, signature_defaults
from kit.errors import SEED


def _subparser(parser, path):
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def _action(parser, dest):
    return next(action for action in parser._actions if action.dest == dest)


def _function(module, name):
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _widths(value):
    return list(value)


def _joined(value):
    return ",".join(value)


# (command, flag's dest, module, function, parameter, how the CLI writes the default)
FLAGS = [
    (("train",), "dataset", "kit.datasets", "playground", "name", None),
    (("train",), "features", "kit.datasets", "playground", "features", _joined),
    (("train",), "noise", "kit.datasets", "playground", "noise", None),
    (("train",), "data_seed", "kit.datasets", "playground", "seed", None),
    (("train",), "hidden", "kit.builders", "build_mlp", "hidden", _widths),
    (("train",), "activation", "kit.builders", "build_mlp", "activation", None),
    (("train",), "epochs", "kit.training.trainer", "train", "epochs", None),
    (("train",), "batch_size", "kit.training.trainer", "train", "batch_size", None),
    (("train",), "learning_rate", "kit.training.trainer", "train", "learning_rate", None),
    (("train",), "optimizer", "kit.training.trainer", "train", "optimizer", None),
    (("train",), "seed", "kit.training.trainer", "train", "seed", None),
    (("plot",), "noise", "kit.datasets", "playground", "noise", None),
    (("plot",), "seed", "kit.datasets", "playground", "seed", None),
    (("zoo", "train"), "seed", "kit.zoo", "train", "seed", None),
    (("board",), "port", "kit.tensorboard.server", "start", "port", None),
    (("demo",), "out", "kit.demo", "run", "out_dir", None),
    (("grade-batch",), "workers", "kit.grading.runners.batch", "grade_folder", "workers", None),
    (("playground",), "epochs", "kit.playground", "from_url", "epochs", None),
]


@pytest.fixture(scope="module")
def parser():
    from kit.cli import build_parser

    return build_parser()


@pytest.mark.parametrize("command, dest, module, function, parameter, written", FLAGS,
                         ids=[f"{' '.join(c)} --{d}" for c, d, *_ in FLAGS])
def test_a_flag_defaults_to_its_api_functions_default(parser, command, dest, module, function, parameter, written):
    default = signature_defaults(_function(module, function))[parameter]
    assert _action(_subparser(parser, command), dest).default == (written or (lambda v: v))(default)


@pytest.mark.parametrize("module, function", sorted({(m, f) for _, _, m, f, _, _ in FLAGS}))
def test_defaults_read_from_the_source_agree_with_inspect_signature(module, function):
    from_source = api_defaults(module, function)
    from_signature = signature_defaults(_function(module, function))
    assert from_source == {name: from_signature[name] for name in from_source}
    # Only defaults the source cannot spell as literals are left out (echo=print, probe_size=PROBE_SIZE …).
    left_out = set(from_signature) - set(from_source)
    assert all(not isinstance(from_signature[name], (int, float, str, tuple, type(None))) for name in left_out)


def test_api_defaults_follows_a_change_of_the_signature(tmp_path, monkeypatch):
    import kit.commands as commands

    source = tmp_path / "example.py"
    source.write_text("PORT = 8080\n\ndef serve(logdir, port=PORT, *, reload=5, echo=print):\n    pass\n")
    monkeypatch.setattr(commands, "_module_source", lambda module: __import__("ast").parse(source.read_text()))
    assert api_defaults("kit.example", "serve") == {"port": 8080, "reload": 5}


def test_number_flags_use_the_api_functions_constraints(parser):
    from kit import datasets, zoo
    from kit.tensorboard import server
    from kit.training import trainer

    train_flags = _subparser(parser, ("train",))
    for dest, parameter in (("epochs", "epochs"), ("batch_size", "batch_size"), ("learning_rate", "learning_rate"),
                            ("seed", "seed")):
        assert _action(train_flags, dest).type.constraint is trainer.train.parameter_constraints[parameter]
    assert _action(train_flags, "data_seed").type.constraint is datasets.playground.parameter_constraints["seed"]
    assert _action(_subparser(parser, ("plot",)), "seed").type.constraint is SEED
    zoo_seed = _action(_subparser(parser, ("zoo", "train")), "seed")
    assert zoo_seed.type.constraint is zoo.train.parameter_constraints["seed"]
    assert _action(_subparser(parser, ("board",)), "port").type.constraint is server.start.parameter_constraints["port"]
