"""One seed rule everywhere: every public function (and every command-line flag) that takes a seed
refuses the same bad seeds with the same sentence, from the one shared constraint ``kit.errors.SEED``."""

import dataclasses
import importlib
import inspect

import numpy as np
import pytest

from kit.errors import SEED, InvalidParameter

# Where public functions live (a package's re-exports count under the package's name).
MODULES = ["kit.activations", "kit.builders", "kit.datasets", "kit.demo", "kit.diagnostics", "kit.heads", "kit.plots",
           "kit.tensorboard", "kit.tensorboard.callback", "kit.tensorboard.dashboards", "kit.tensorboard.events",
           "kit.tensorboard.server", "kit.training", "kit.zoo"]


@pytest.fixture(scope="module")
def model_and_data():
    from kit import builders, datasets

    return builders.build_mlp(2, [2], seed=0), datasets.playground("xor", seed=0)


def _calls(model_and_data, csv_path):
    """Each public function with a seed, called validly apart from the seed."""
    from kit import builders, datasets, training, zoo

    model, data = model_and_data
    return {
        "kit.datasets.playground": lambda seed: datasets.playground("xor", seed=seed),
        "kit.datasets.bundled": lambda seed: datasets.bundled("iris", seed=seed),
        "kit.datasets.from_csv": lambda seed: datasets.from_csv(csv_path, label="y", seed=seed),
        "kit.datasets.curve": lambda seed: datasets.curve("sin", seed=seed),
        "kit.builders.build_mlp": lambda seed: builders.build_mlp(2, [2], seed=seed),
        "kit.training.train": lambda seed: training.train(model, data, epochs=1, seed=seed, verbose=0),
        "kit.zoo.create": lambda seed: zoo.create("xor-3-relu", seed=seed),
        "kit.zoo.train": lambda seed: zoo.train("xor-3-relu", seed=seed),
        "kit.zoo.untrained": lambda seed: zoo.untrained("xor-3-relu", seed=seed),
        # the seed that chooses the entries to retrain (called here with bad seeds only: a good one retrains)
        "kit.zoo.check_sample": lambda seed: zoo.check_sample(csv_path.parent, 1, seed=seed),
    }


def _public_functions_with_a_seed() -> set:
    found, seen = set(), set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if name.startswith("_") or not callable(value) or id(value) in seen:
                continue
            if not getattr(value, "__module__", "").startswith("kit") or dataclasses.is_dataclass(value):
                continue  # a record such as zoo.Result keeps the seed a run used; it seeds nothing
            try:
                parameters = inspect.signature(value).parameters
            except (TypeError, ValueError):
                continue
            if "seed" in parameters:
                seen.add(id(value))
                found.add(f"{module_name}.{name}")
    return found


@pytest.fixture(scope="module")
def calls(model_and_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "points.csv"
    path.write_text("a,b,y\n" + "\n".join(f"{i},{i % 3},{i % 2}" for i in range(12)))
    return _calls(model_and_data, path)


def test_every_public_function_with_a_seed_is_checked_here(calls):
    assert _public_functions_with_a_seed() == set(calls)


BAD_SEEDS = [(-1, "-1"), (2**31, "2147483648"), (1.5, "1.5 of type float"), (True, "True of type bool"),
             ("0", "'0' of type str"), (None, "None"), (np.float64(3.0), "np.float64(3.0) of type float64")]


@pytest.mark.parametrize("seed, got", BAD_SEEDS, ids=[repr(seed) for seed, _ in BAD_SEEDS])
def test_the_same_bad_seed_gets_the_same_sentence_everywhere(calls, seed, got):
    for owner, call in calls.items():
        with pytest.raises(InvalidParameter) as error:
            call(seed)
        assert str(error.value) == (f"The 'seed' parameter of {owner} must be an int in [0, 2**31 − 1]. "
                                    f"Got {got} instead.")


def test_the_ends_of_the_seed_range_are_accepted(calls):
    for seed in (0, 2**31 - 1, np.int64(7)):
        calls["kit.datasets.playground"](seed)
        calls["kit.builders.build_mlp"](seed)


def _flags(parser, path=()):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _flags(sub, path + (name,))
        elif action.option_strings:
            yield path, action


def test_every_seed_flag_of_the_command_line_uses_the_shared_constraint(capsys):
    from kit.cli import build_parser, main

    seeds = [(path, action) for path, action in _flags(build_parser()) if "seed" in action.dest]
    assert {(" ".join(path), action.dest) for path, action in seeds} == {
        ("plot", "seed"), ("train", "seed"), ("train", "data_seed"), ("zoo train", "seed"), ("zoo bench", "sample_seed")}
    for _, action in seeds:
        assert action.type.constraint is SEED
    with pytest.raises(SystemExit) as exit:
        main(["plot", "dataset", "xor", "--out", "unused.png", "--seed", "-1"])
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "kit plot: error: argument --seed: must be an int in [0, 2**31 − 1]. Got '-1' instead.")
