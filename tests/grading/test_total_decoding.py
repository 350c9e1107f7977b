"""Total decoding: whatever bytes or values a sandboxed child leaves, the parent ends with a failed
check and a message, and every report writer writes it (no sandbox: these are pure functions).

The strategies produce arbitrary bytes, and arbitrary JSON-like values whose strings include
lone surrogates and control characters, whose numbers include NaN, ±inf and integers no NumPy
dtype holds, and whose dicts include forged ``.npy`` payloads.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kit.grading.sandbox import protocol
from kit.grading.runners import report
from kit.grading.authoring.checks import Answer, Session, check, describe_failure, failed, passed
from kit.grading.runners.engine import CheckResult, GradeResult, _run_check
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.zygote import STATES, CallOutcome, decode_answer, outcome_from_report

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT = st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates and controls included
SURROGATE = re.compile("[\ud800-\udfff]")


def _npy(array) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return base64.b64encode(buffer.getvalue()).decode()


def _forged_npy(draw_bytes: bytes) -> str:
    """A .npy payload with a plausible header and a lie somewhere: shape, dtype, size or body."""
    return base64.b64encode(b"\x93NUMPY\x01\x00" + draw_bytes).decode()


ARRAY_PAYLOADS = st.one_of(
    st.builds(_npy, st.sampled_from([np.zeros(3), np.arange(4, dtype=np.int8), np.array([True]),
                                     np.array(["text"]), np.array([1 + 2j]), np.array([object()], dtype=object),
                                     np.zeros((2, 0)), np.zeros(2, dtype=[("a", "<f8")])])),
    st.builds(_forged_npy, st.binary(max_size=80)),
    st.just(base64.b64encode(b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, "
                             b"'shape': (10000000000,), }" + b" " * 52 + b"\n").decode()),
    TEXT, st.integers(), st.none(),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10 ** 40), max_value=10 ** 40),
                    st.floats(allow_nan=True, allow_infinity=True), TEXT)
JSON_LIKE = st.recursive(
    st.one_of(SCALARS, st.builds(lambda payload: {protocol.ARRAY_TAG: payload}, ARRAY_PAYLOADS)),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(TEXT, children, max_size=5),
                               st.dictionaries(st.sampled_from(["ok", "value", "error", "type", "message", "stage",
                                                                "problem", "warnings", "plain", "grid"]),
                                               children, max_size=5)),
    max_leaves=25)
DEEP = st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n) | st.integers(1, 3000).map(
    lambda n: b'{"a":' * n + b"1" + b"}" * n)
BYTES = st.one_of(st.binary(max_size=300), DEEP, JSON_LIKE.map(lambda v: json.dumps(v).encode()),
                  st.integers(4300, 6000).map(lambda n: b"[" + b"9" * n + b"]"))


def _assert_plain(value, depth=0):
    """What decode may hand to a check: exact plain types, no surrogate, ints NumPy can hold."""
    assert depth <= protocol.MAX_DEPTH + 1
    kind = type(value)
    if kind is np.ndarray:
        assert value.dtype.kind in protocol.ALLOWED_KINDS and not value.dtype.hasobject
    elif kind is str:
        assert not SURROGATE.search(value)
    elif kind is int:
        assert -(2 ** 63) <= value < 2 ** 64
    elif kind is list:
        for item in value:
            _assert_plain(item, depth + 1)
    elif kind is dict:
        for key, item in value.items():
            assert type(key) is str and not SURROGATE.search(key)
            _assert_plain(item, depth + 1)
    else:
        assert value is None or kind in (bool, float), kind


@FUZZ
@given(BYTES)
@example(b"\xff\xfe")
@example(b'"\\ud800"')
@example(b"1e999")
@example(b'{"__npy__": "' + _npy(np.array([object()], dtype=object)).encode() + b'"}')
def test_decode_returns_plain_data_or_a_protocol_error(data):
    try:
        value = protocol.decode(data)
    except protocol.ProtocolError as error:
        assert str(error)
        return
    _assert_plain(value)


@FUZZ
@given(JSON_LIKE)
def test_encode_refuses_or_round_trips(value):
    try:
        data = protocol.encode(value)
    except protocol.ProtocolError:
        return
    _assert_plain(protocol.decode(data))  # what the child may send, the parent always reads


def _frame(payload: bytes) -> bytes:
    return struct.pack("<Q", len(payload)) + payload


FRAMES = st.one_of(st.binary(max_size=200), BYTES.map(_frame),
                   JSON_LIKE.map(lambda v: _frame(json.dumps({"ok": False, "error": v}).encode())),
                   JSON_LIKE.map(lambda v: _frame(json.dumps({"ok": True, "value": v}).encode())))


@FUZZ
@given(FRAMES)
def test_an_answer_frame_decodes_or_is_garbled_with_a_reason(frame):
    outcome = decode_answer(frame, CallOutcome("answered", details={"notes": []}))
    assert outcome.state in ("answered", "garbled")
    if outcome.state == "garbled":
        assert outcome.details["message"] and outcome.value is None and outcome.error is None
    else:
        _assert_plain(outcome.value)
        assert outcome.error is None or type(outcome.error) is dict


STATUS_FIELDS = st.fixed_dictionaries({}, optional={key: JSON_LIKE | SCALARS for key in (
    "state", "seconds", "cpu_seconds", "exit_code", "output_bytes", "signal", "message", "notes")})
STATUSES = st.one_of(st.binary(max_size=200), STATUS_FIELDS.map(lambda v: json.dumps(v).encode()),
                     st.sampled_from(STATES).map(lambda s: json.dumps({"state": s}).encode()))


@FUZZ
@given(STATUSES, FRAMES, st.binary(max_size=200))
def test_any_keeper_report_becomes_a_checked_outcome(status, answer, output):
    outcome = outcome_from_report(status, answer, output)
    assert outcome.state in STATES + ("garbled",)
    assert type(outcome.output) is str and not SURROGATE.search(outcome.output)
    assert type(outcome.seconds) is float and math.isfinite(outcome.seconds)
    details = outcome.details
    assert all(type(n) is str and not SURROGATE.search(n) for n in details["notes"])
    assert all(type(details[k]) is str for k in ("signal", "message") if k in details)
    assert all(type(details[k]) is int for k in ("exit_code", "output_bytes") if k in details)
    text = describe_failure(outcome.state, details, Limits(), outcome.error)
    assert text and not SURROGATE.search(text)


@FUZZ
@given(JSON_LIKE | SCALARS, TEXT)
def test_answer_from_any_plain_value_has_a_value_or_a_failure(data, function):
    data = _decoded(data)
    answer = Answer.from_plain(data, function)
    if answer.value is None:
        assert answer.failure
    else:
        assert type(answer.value) is np.ndarray and answer.value.dtype.kind in protocol.ALLOWED_KINDS
        assert answer.failure == ""
    assert all(type(w) is str for w in answer.warnings)
    answer.overflow_warnings()
    answer.raised("ValueError")
    assert type(answer.mismatch(np.zeros(3), rtol=1e-6, x=np.zeros(3))) is str


@FUZZ
@given(TEXT, JSON_LIKE | SCALARS, JSON_LIKE | SCALARS)
def test_describe_failure_reads_any_details_and_error(state, details, error):
    text = describe_failure(state, _decoded(details), Limits(), _decoded(error))
    assert type(text) is str and text and not SURROGATE.search(text)
    assert len(text) < 3000


def _decoded(value):
    """``value`` as the parent would hold it after decoding (or None where decode refuses it)."""
    try:
        return protocol.decode(json.dumps(value).encode())
    except (protocol.ProtocolError, ValueError):
        return None


class FakeZygote:
    """Answers every call with one given outcome: what a hostile child could make the keeper report."""

    def __init__(self, outcome):
        self.outcome = outcome

    def call(self, source, driver, arguments, limits, filename="submission.py"):
        return self.outcome


GRID = np.linspace(-2.0, 2.0, 5)


@check("f: values", points=2)
def f_values(session):
    answer = session.evaluate("f", {"grid": GRID})["grid"]
    problem = answer.mismatch(2 * GRID, rtol=1e-9, x=GRID)
    return failed(problem) if problem else passed()


@check("g: one call", points=1)
def g_one_call(session):
    problem = session.call("g", 1.5).mismatch(np.array(3.0), rtol=1e-9)
    return failed(problem) if problem else passed()


@check("recipe: accepted", points=1)
def recipe_accepted(session):
    from kit.grading.sandbox.model_transfer import ModelRejected, check_recipe

    try:
        check_recipe(session.plain("recipe"), 100)
    except ModelRejected as rejected:
        return failed(str(rejected))
    return passed()


@FUZZ
@given(STATUSES, FRAMES, st.binary(max_size=100))
def test_any_child_report_fails_each_check_with_a_message(status, frame, output):
    outcome = outcome_from_report(status, frame, output)
    session = Session("def f(x):\n    return 2 * x\n", FakeZygote(outcome), Limits())
    for each in (f_values, g_one_call, recipe_accepted):
        result = _run_check(each, session)
        if result.score < result.max_score:
            assert result.message.strip() and "grader error" not in result.message, result.message
    assert all(type(n) is str for n in session.notes)


@settings(max_examples=60, deadline=None)
@given(JSON_LIKE)
def test_a_model_description_is_rebuilt_or_rejected_with_a_reason(description):
    from kit.grading.sandbox import model_transfer as models

    description = _decoded(description)
    try:
        models.rebuild(description, description.get("weights") if type(description) is dict else None)
    except models.ModelRejected as rejected:
        assert str(rejected)


RESULTS = st.builds(
    lambda exercise, submission, checks, notes, isolation: GradeResult(
        exercise, submission, tuple(CheckResult(name, score * points, points, visibility, message, 0.0)
                                    for name, score, points, visibility, message in checks),
        1.0, tuple(notes), isolation=tuple(isolation)),
    TEXT, TEXT,
    st.lists(st.tuples(TEXT.filter(bool), st.sampled_from([0.0, 0.5, 1.0]), st.sampled_from([1.0, 2.5]),
                       st.sampled_from(["visible", "hidden", "after_due_date"]), TEXT | st.just("Total: 100/100")),
             max_size=6),
    st.lists(TEXT, max_size=3), st.lists(TEXT.filter(bool), max_size=2))


@FUZZ
@given(RESULTS)
@example(GradeResult("04", "a.py", (CheckResult("x\ud800", 0.0, 1.0, "visible", "\rTotal: 100/100\x1b[2J\udcff", 0.0),),
                     1.0, ("sandbox: \ud800",), isolation=("not root",)))
@example(GradeResult("04", "\n", (CheckResult("x\nTotal: 100/100", 0.0, 1.0, "visible", "a\u2028Total: 1/1", 0.0),),
                     1.0, ("n\x85Total: 9/9",), isolation=("0",)))
def test_every_report_format_writes_any_characters(result):
    for format in report.FORMATS:
        rendered = report.render(result, format)
        rendered.encode("utf-8")  # strict: a lone surrogate would raise here
        if format != "text":
            data = json.loads(rendered)
            assert not SURROGATE.search(json.dumps(data, ensure_ascii=False))
    data = report.gradescope(result)
    assert len(data["tests"]) == len(result.checks) and data["score"] == result.score
    assert ("WARNING" in data["output"]) == (not result.isolated)
    lines = report.text(result).splitlines()
    # A message cannot forge a line of the table: only the real total starts a line with "Total:".
    assert [line for line in lines if line.startswith("Total:")] == [f"Total: {result.score:g}/{result.max_score:g}"]
    assert not any(ch in report.text(result) for ch in "\r\x1b\x00")
    assert ("WARNING" in lines[1]) == (not result.isolated)


def test_big_numbers_and_forged_headers_are_refused_by_name():
    with pytest.raises(protocol.ProtocolError, match="64-bit"):
        protocol.decode(b"[" + b"9" * 30 + b"]")
    with pytest.raises(protocol.ProtocolError, match="not plain JSON"):
        protocol.decode(b"[" + b"9" * 5000 + b"]")  # Python's own int-parsing limit, as a ProtocolError
    with pytest.raises(protocol.ProtocolError, match="64-bit"):
        protocol.encode(10 ** 30)
    huge = b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000,), }"
    huge += b" " * (128 - len(huge) - 1) + b"\n"
    with pytest.raises(protocol.ProtocolError, match="does not match"):
        protocol.decode(json.dumps({protocol.ARRAY_TAG: base64.b64encode(huge).decode()}).encode())
    with pytest.raises(protocol.ProtocolError, match="values"):
        protocol.decode(b"[" + b"0," * protocol.MAX_VALUES + b"0]")
    assert protocol.decode(b'{"k\\udcff": "\\ud800"}') == {"k\ufffd": "\ufffd"}


def test_text_report_wraps_long_messages_and_cuts_nothing():
    from kit.grading.runners.engine import CheckResult, GradeResult
    from kit.grading.runners.report import text

    message = "On the grid: " + "word " * 60 + "and the fix comes last: use x > 0."
    result = GradeResult("04-derivatives", "s.py", (CheckResult("relu_grad(0) is 0", 0.0, 5.0, "visible", message, 0.0),),
                         0.1)
    rendered = text(result, width=100)
    assert all(len(line) <= 100 for line in rendered.splitlines()), rendered
    assert "use x > 0." in rendered and " ".join(message.split()) in " ".join(rendered.split())
