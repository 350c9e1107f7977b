"""The plain-data codec and the parent-side validation of what a child returns."""

import base64
import io
import pickle

import numpy as np
import pytest

from kit.grading.sandbox import protocol
from kit.grading.authoring.checks import Answer
from kit.grading.sandbox.drivers import describe_value


def test_round_trip_keeps_arrays_numbers_and_specials():
    value = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "n": 3, "x": float("nan"), "s": "ok",
             "l": [True, None, -np.inf]}
    back = protocol.decode(protocol.encode(value))
    assert back["a"].dtype == np.float32 and back["a"].shape == (2, 3)
    np.testing.assert_array_equal(back["a"], value["a"])
    assert back["n"] == 3 and np.isnan(back["x"]) and back["l"][2] == -np.inf


class Sly(float):
    def __eq__(self, other):
        return True


class AlwaysEqual:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [Sly(1.0), AlwaysEqual(), np.array([AlwaysEqual()], dtype=object),
                                   np.array(["a"]), {1: 2}, {"k": {1, 2}}, b"bytes"])
def test_encode_refuses_what_is_not_plain(value):
    with pytest.raises(protocol.ProtocolError):
        protocol.encode(value)


def test_decode_never_unpickles():
    buffer = io.BytesIO()
    np.save(buffer, np.array([AlwaysEqual()], dtype=object), allow_pickle=True)
    forged = ('{"__npy__": "' + base64.b64encode(buffer.getvalue()).decode() + '"}').encode()
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(forged)
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(pickle.dumps({"a": 1}))


def test_decode_rejects_deep_nesting_and_garbage():
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(b"[" * 100 + b"]" * 100)
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(b"\xff\xfe")


def test_float_subclass_and_eq_tricks_become_plain_or_nothing():
    info = describe_value([Sly(0.5), Sly(1.5)])
    assert type(info["value"]) is np.ndarray and info["value"].dtype == np.float64
    answer = Answer.from_plain(protocol.decode(protocol.encode(info)), "f")
    assert answer.mismatch(np.array([0.0, 0.0]), rtol=1e-6)  # compared as numbers: not equal
    info = describe_value(AlwaysEqual())
    assert "value" not in info and "not numeric" in info["problem"]
    assert Answer.from_plain(info, "f").failure


def test_answer_reads_dtype_and_shape_from_the_array_not_from_claims():
    forged = {"type": "ndarray", "dtype": "float32", "shape": [3], "value": np.zeros(3, np.float64)}
    answer = Answer.from_plain(forged, "f")
    assert answer.value.dtype == np.float64


def test_mismatch_reveals_location_only_when_asked():
    answer = Answer(np.array([0.0, 1.0, 5.0]))
    expected = np.array([0.0, 1.0, 2.0])
    visible = answer.mismatch(expected, rtol=1e-6, x=np.array([-1.0, 0.0, 1.0]))
    hidden = answer.mismatch(expected, rtol=1e-6, reveal=False)
    assert "x = 1" in visible and "expected 2" in visible
    assert "expected" not in hidden and "1 of 3" in hidden


def test_answer_knows_which_exception_was_raised():
    answer = Answer.from_plain({"error": {"type": "ValueError", "message": "alpha must be > 0"}}, "elu")
    assert answer.raised("ValueError") and not answer.raised("TypeError")
    assert answer.failure == "elu raised ValueError: alpha must be > 0"
    assert not Answer(np.zeros(2)).raised("ValueError")
