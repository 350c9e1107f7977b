"""Property-based: whatever junk a user passes, the public functions raise ValueError or TypeError
with a message naming the parameter, never another exception."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit import datasets
from kit.builders import build_mlp

junk = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                 st.text(max_size=8), st.lists(st.integers(-3, 3), max_size=4), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _valid_int(v, low):
    return isinstance(v, int) and not isinstance(v, bool) and v >= low


@SETTINGS
@given(n_inputs=junk, hidden=junk)
def test_build_mlp_rejects_junk_shapes(n_inputs, hidden):
    valid = _valid_int(n_inputs, 1) and (
        (isinstance(hidden, list) and all(_valid_int(h, 1) for h in hidden)) or _valid_int(hidden, 1))
    if valid:
        return  # a valid combination; other tests cover building
    with pytest.raises((ValueError, TypeError)) as error:
        build_mlp(n_inputs, hidden=hidden)
    assert "n_inputs" in str(error.value) or "hidden" in str(error.value)


@SETTINGS
@given(activation=junk, head=junk, seed=junk)
def test_build_mlp_rejects_junk_options(activation, head, seed):
    with pytest.raises((ValueError, TypeError)) as error:
        build_mlp(2, hidden=[3], activation=activation, head=head, seed=seed)
    assert any(word in str(error.value) for word in ("activation", "head", "seed"))


@SETTINGS
@given(name=junk, noise=junk, seed=junk, fraction=junk)
def test_playground_rejects_junk(name, noise, seed, fraction):
    with pytest.raises((ValueError, TypeError)) as error:
        datasets.playground(name, noise=noise, seed=seed, train_fraction=fraction)
    message = str(error.value)
    assert any(word in message for word in ("data set", "noise", "seed", "train_fraction", "name"))


@SETTINGS
@given(noise=st.floats(allow_nan=True, allow_infinity=True), fraction=st.floats(allow_nan=True, allow_infinity=True))
def test_playground_numbers(noise, fraction):
    ok = math.isfinite(noise) and 0 <= noise <= 50 and math.isfinite(fraction) and 0 < fraction < 1
    if ok:
        try:
            datasets.playground("xor", noise=noise, train_fraction=fraction)
        except ValueError as error:  # a fraction so small or large that one side is empty
            assert "empty" in str(error)
    else:
        with pytest.raises(ValueError, match="noise|train_fraction"):
            datasets.playground("xor", noise=noise, train_fraction=fraction)


@SETTINGS
@given(text=st.text(max_size=200))
def test_from_csv_never_crashes(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("csv") / "junk.csv"
    path.write_text(text, encoding="utf-8")
    try:
        datasets.from_csv(path, label="label")
    except ValueError as error:  # CSVError is a ValueError
        assert path.name in str(error) or "label" in str(error)
