"""kit.errors, the one validation language: constraints as data, one sentence for every failure."""

import doctest
import importlib
import inspect
import math
import re
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit import errors
from kit.errors import (COUNT, FLAG, FRACTION, LEARNING_RATE, MODEL, PENALTY, POINTS, PORT, SECONDS, SEED,
                        SPLIT_FRACTION, CannotWrite, InstanceOf, Interval, InvalidParameter, KitError, ListOf,
                        MissingFile, Options, Text, check, describe, invalid, unknown_name, validate_params, writing)

ROOT = Path(__file__).resolve().parents[1]
ENDS = {"both": (True, True), "left": (True, False), "right": (False, True), "neither": (False, False)}


def _inside(value, low, high, closed):
    left, right = ENDS[closed]
    above = low is None or value > low or (left and value == low)
    below = high is None or value < high or (right and value == high)
    return above and below


@settings(max_examples=300, deadline=None)
@given(low=st.one_of(st.none(), st.integers(-50, 50)), width=st.integers(0, 50),
       unbounded_above=st.booleans(), closed=st.sampled_from(sorted(ENDS)), value=st.integers(-120, 120))
def test_an_int_interval_is_the_mathematical_interval(low, width, unbounded_above, closed, value):
    high = None if unbounded_above or low is None else low + width
    interval = Interval(Integral, low, high, closed=closed)
    expected = _inside(value, low, high, closed)
    assert interval.is_satisfied_by(value) is expected
    assert interval.is_satisfied_by(np.int64(value)) is expected  # NumPy ints are ints
    assert not interval.is_satisfied_by(float(value))  # 3.0 is not an int


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-20, 20)),
       constraint=st.sampled_from([LEARNING_RATE, PENALTY, SPLIT_FRACTION, FRACTION, SECONDS, POINTS]))
def test_a_number_interval_takes_finite_numbers_only(value, constraint):
    finite = math.isfinite(value)
    expected = finite and _inside(value, constraint.low, constraint.high, constraint.closed)
    assert constraint.is_satisfied_by(value) is expected
    with np.errstate(over="ignore"):
        single = float(np.float32(value))  # what a float32 holds: large values become ±inf
    assert constraint.is_satisfied_by(np.float32(single)) is (
        math.isfinite(single) and _inside(single, constraint.low, constraint.high, constraint.closed))


@pytest.mark.parametrize("constraint", [COUNT, SEED, PORT, LEARNING_RATE, PENALTY, SPLIT_FRACTION, FRACTION,
                                        Interval(Integral), Interval(Real)])
@pytest.mark.parametrize("flag", [True, False, np.bool_(True)])
def test_bool_is_never_an_int_or_a_number(constraint, flag):
    assert not constraint.is_satisfied_by(flag)
    with pytest.raises(InvalidParameter, match=f"Got {flag!r} of type {type(flag).__name__} instead"):
        check(flag, constraint, "p", "f")


@pytest.mark.parametrize("constraint, words", [
    (SEED, "an int in [0, 2**31 − 1]"),
    (COUNT, "an int ≥ 1"),
    (PORT, "an int in [0, 65535]"),
    (LEARNING_RATE, "a number in (0, 10]"),
    (PENALTY, "a finite number ≥ 0"),
    (SECONDS, "a finite number > 0"),
    (SPLIT_FRACTION, "a number in (0, 1)"),
    (FRACTION, "a number in [0, 1]"),
    (Interval(Real, None, 0, closed="neither"), "a finite number < 0"),
    (Interval(Integral, None, 2**32), "an int ≤ 2**32"),
    (Interval(Real), "a finite number"),
    (Options("pm1", "01"), "one of 'pm1', '01'"),
    (Options("auto"), "'auto'"),
    (FLAG, "True or False"),
    (Text(), "a non-empty str"),
    (ListOf(COUNT, min_length=1, unique=True), "a non-empty list of ints ≥ 1 without repeats"),
    (ListOf(Options("x1", "x2")), "a list of values among 'x1', 'x2'"),
    (ListOf(MODEL, min_length=2), "a list of at least 2 keras.Models (e.g. from kit.builders.build_mlp)"),
    ([COUNT, None], "an int ≥ 1 or None"),
    ([Text("a name"), COUNT, None], "a name, an int ≥ 1 or None"),
])
def test_constraints_in_words(constraint, words):
    assert describe(constraint) == words


def test_the_sentence_says_what_was_expected_what_came_and_how_to_fix_it():
    def message(*arguments, **keywords):
        with pytest.raises(InvalidParameter) as error:
            check(*arguments, **keywords)
        return str(error.value)

    assert message(-1, SEED, "seed", "kit.training.train") == (
        "The 'seed' parameter of kit.training.train must be an int in [0, 2**31 − 1]. Got -1 instead.")
    assert message(50, LEARNING_RATE, "learning_rate", "f") == (
        "The 'learning_rate' parameter of f must be a number in (0, 10]. Got 50 instead. "
        "The Playground offers 0.00001 to 10; 0.03 is its default.")
    assert message("3", COUNT, "epochs", "f") == (
        "The 'epochs' parameter of f must be an int ≥ 1. Got '3' of type str instead.")
    assert message(2.5, COUNT, "epochs", "f") == (
        "The 'epochs' parameter of f must be an int ≥ 1. Got 2.5 of type float instead.")
    # A fix given at the call replaces the constraint's own; a close name comes first.
    assert message(-1, LEARNING_RATE, "learning_rate", "f", fix="Try 0.1.").endswith("Got -1 instead. Try 0.1.")
    assert message("relo", Options("relu", "tanh", fix="See kit activations."), "activation", "f").endswith(
        "Got 'relo' instead. Did you mean 'relu'? See kit activations.")
    assert message(None, COUNT, "epochs", "f").endswith("Got None instead.")
    long = message(np.zeros((40, 40)), COUNT, "epochs", "f")
    assert "Got array([[0., 0., 0.," in long and "…" in long and "\n" not in long and len(long) < 200


def test_an_invalid_parameter_is_a_kit_error_a_value_error_and_a_type_error():
    error = invalid("seed", "f", "an int", -1)
    assert isinstance(error, KitError) and isinstance(error, ValueError) and isinstance(error, TypeError)
    assert (error.parameter, error.owner) == ("seed", "f")
    for raised in (unknown_name("head", "sofmax", ["softmax", "linear"]), MissingFile("no such file"),
                   CannotWrite("read-only")):
        assert isinstance(raised, KitError)
    assert str(unknown_name("head", "sofmax", ["softmax", "linear"])) == (
        "Unknown head 'sofmax'. Did you mean 'softmax'? Known heads: linear, softmax.")
    assert isinstance(MissingFile("x"), FileNotFoundError) and isinstance(CannotWrite("x"), OSError)


def test_options_compare_values_with_their_type():
    verbose = Options("auto", 0, 1, True, False)
    for value in ("auto", 0, 1, np.int64(1), True, False):
        assert verbose.is_satisfied_by(value), value
    for value in (1.0, 2, "1", None, "Auto"):
        assert not verbose.is_satisfied_by(value), value
    assert not Options(0, 1).is_satisfied_by(True)  # True is not the option 1
    assert not Options(True, False).is_satisfied_by(1)  # nor 1 the option True


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.one_of(st.integers(-3, 6), st.booleans(), st.floats(-3, 6)), max_size=6))
def test_a_list_of_checks_every_item(items):
    widths = ListOf(COUNT, min_length=1, unique=True)
    expected = (len(items) >= 1 and all(COUNT.is_satisfied_by(item) for item in items)
                and len(set(items)) == len(items))
    assert widths.is_satisfied_by(items) is expected
    assert widths.is_satisfied_by(tuple(items)) is expected
    assert not widths.is_satisfied_by({1: 2}) and not widths.is_satisfied_by("12")


def test_a_list_passes_on_the_hint_of_its_first_bad_item():
    features = ListOf(Options("x1", "x1_x2"))
    with pytest.raises(InvalidParameter, match=r"Got \['x1', 'x1x2'\] instead\. Did you mean 'x1_x2'\?$"):
        check(["x1", "x1x2"], features, "features", "f")


def test_none_passes_only_where_it_is_listed():
    assert check(None, [COUNT, None], "n", "f") is None
    with pytest.raises(InvalidParameter, match="must be an int ≥ 1. Got None instead"):
        check(None, COUNT, "n", "f")


def test_instance_of_a_type_named_by_its_dotted_path():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    assert MODEL.is_satisfied_by(model) and not MODEL.is_satisfied_by("model")
    assert not InstanceOf("nonexistent_module.Thing", "a thing").is_satisfied_by(model)
    assert InstanceOf((dict, "keras.Model"), "a dict or a model").is_satisfied_by({})


def test_validate_params_checks_in_signature_order_before_the_function_runs():
    calls = []

    @validate_params(owner="kit.example", epochs=COUNT, seed=SEED, labels=[Options("pm1", "01"), None])
    def example(data, epochs=10, *, seed=0, labels=None):
        calls.append((data, epochs, seed, labels))
        return epochs

    assert example("d", 3, seed=5) == 3 and example("d") == 10
    with pytest.raises(InvalidParameter, match=r"^The 'epochs' parameter of kit\.example must be an int ≥ 1\. Got 0"):
        example("d", 0, seed=-1)  # two bad arguments: the first in the signature is reported
    with pytest.raises(InvalidParameter, match="'seed'"):
        example("d", seed=True)
    with pytest.raises(InvalidParameter, match="'labels'"):
        example("d", labels="±1")
    assert len(calls) == 2  # the refused calls never ran
    with pytest.raises(TypeError) as missing:  # Python's own message for a missing argument
        example()
    assert not isinstance(missing.value, KitError)
    assert example.parameter_constraints["seed"] is SEED and example.owner == "kit.example"
    assert inspect.signature(example) == inspect.signature(example.__wrapped__)

    def plain(seed=0):
        return seed

    assert validate_params(seed=SEED)(plain).owner == f"{__name__}.{plain.__qualname__}"
    with pytest.raises(TypeError, match="no parameter"):
        validate_params(sed=SEED)(plain)


def test_writing_turns_the_operating_systems_refusal_into_one_kit_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(CannotWrite, match=r"^Cannot write the figure '.*a-file/x\.png': Not a directory\. "):
        with writing(blocker / "x.png", "the figure"):
            (blocker / "x.png").write_text("pixels")
    with pytest.raises(KeyError):  # anything but the operating system's refusal passes through
        with writing(tmp_path, "the figure"):
            raise KeyError("a bug")


def _decorated(module):
    for name, value in vars(module).items():
        if inspect.isclass(value) and value.__module__ == module.__name__:
            value = value.__init__
        if callable(value) and hasattr(value, "parameter_constraints") and value.__module__ == module.__name__:
            yield name, value


CHECKED_MODULES = ["kit.activations", "kit.builders", "kit.datasets", "kit.demo", "kit.diagnostics", "kit.heads",
                   "kit.plots", "kit.tensorboard.callback", "kit.tensorboard.server", "kit.training.trainer", "kit.zoo"]


@pytest.mark.parametrize("module_name", CHECKED_MODULES)
def test_every_declared_default_meets_its_own_constraint(module_name):
    module = importlib.import_module(module_name)
    found = list(_decorated(module))
    assert found, f"{module_name} declares no constraints"
    for name, function in found:
        defaults = {k: p.default for k, p in inspect.signature(function).parameters.items()
                    if p.default is not inspect.Parameter.empty}
        for parameter, constraint in function.parameter_constraints.items():
            if parameter in defaults:
                check(defaults[parameter], constraint, parameter, f"{module_name}.{name}")


def test_no_hand_written_bool_or_int_guard_outside_kit_errors():
    # The guards the vocabulary replaces: `isinstance(x, bool) or not isinstance(x, numbers.Integral)`.
    # (kit.grading's exact-type tests on what a child sent, `type(x) is int`, are decoding of
    # untrusted data, not parameter checks: an int subclass or an array must not pass there.)
    guard = re.compile(r"isinstance\([^()]*,\s*bool\)\s*or\s+not\s+isinstance|not\s+isinstance\([^()]*,\s*"
                       r"(numbers\.)?(Integral|Real|int|float)\)")
    offenders = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / "kit").rglob("*.py"))
                 if path.name != "errors.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1) if guard.search(line)]
    assert offenders == []


@pytest.mark.parametrize("module_name", ["kit.errors", "kit.commands"])
def test_the_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 3 and result.failed == 0
