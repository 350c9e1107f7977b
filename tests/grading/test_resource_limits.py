"""Resource failures are named for the limit that stopped them, with that limit's value from
Limits, and never blame the grader: a fork bomb, a memory bomb (allocating or filling), a print
flood and a file past the size limit each get their own message, and an exception a submission
raises by hand stays its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kit.grading import grade_submission
from kit.grading.authoring.checks import FAILURE_TEXT, describe_failure
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.zygote import STATES, outcome_from_report
from tests.grading.conftest import TEST_LIMITS

HERE = Path(__file__).parent / "submissions"
BASE = (HERE / "_base.py").read_text()
# A process limit a fork bomb fills within a second even on a loaded machine (copies of the
# zygote are slow to make; exercise 04's functions run in one thread), and time enough for a bomb
# that fills what it allocates to reach the memory limit there too.
BOMB_LIMITS = Limits(timeout=10, memory_mb=TEST_LIMITS.memory_mb, processes=12, output_kb=TEST_LIMITS.output_kb)
ODD = Limits(timeout=7, cpu=13, memory_mb=300, processes=9, output_kb=77, file_mb=5, result_mb=11)


def _messages(zygote, checks04, tmp_path, snippet: str, function: str, limits: Limits = TEST_LIMITS) -> list[str]:
    """What the student reads for each failed check of ``function`` when ``snippet`` replaces it."""
    path = tmp_path / "submission.py"
    path.write_text(BASE + "\n\n" + snippet)
    chosen = [c for c in checks04 if c.name.startswith(f"{function}: ")]
    result = grade_submission("04", path, zygote=zygote, limits=limits, checks=chosen)
    failed = [c.message for c in result.checks if not c.passed]
    assert failed and len(failed) == len(chosen), result.checks
    return failed


def test_every_failure_state_has_its_own_text_with_the_limits_values():
    for state in STATES:
        if state not in ("answered", "probed"):
            assert state in FAILURE_TEXT, state
    details = {"tasks_peak": 4, "signal": "SIGSEGV", "exit_code": 3, "message": "m"}
    text = {state: describe_failure(state, details, ODD) for state in FAILURE_TEXT}
    assert "7 s" in text["timeout"] and "13 s" in text["cpu"]
    assert "300 MB of memory (the limit)" in text["memory"]
    assert "4 processes and threads ran at once; a call may run 9)" in text["processes"]
    assert "77 KB (the limit)" in text["output"] and "5 MB (the limit)" in text["file_size"]
    assert "11 MB" in text["answer"]
    assert len(set(text.values())) == len(text)
    for state, message in text.items():
        assert ("report" in message) == (state == "internal"), (state, message)


def _report(state: str, answer: dict | None = None, **status) -> tuple[bytes, bytes, bytes]:
    from kit.grading.sandbox import protocol

    frame = b""
    if answer is not None:
        payload = protocol.encode(answer)
        frame = len(payload).to_bytes(8, "little") + payload
    return json.dumps({"state": state, **status}).encode(), frame, b""


def test_a_resource_exception_names_a_limit_only_when_the_keeper_measured_it():
    memory_error = {"ok": True, "value": {"grid": {"error": {"type": "MemoryError", "message": "made up"}}}}
    by_hand = outcome_from_report(*_report("answered", memory_error, memory_peak_mb=3, reached=[]))
    assert by_hand.state == "answered" and by_hand.ok
    measured = outcome_from_report(*_report("answered", memory_error, memory_peak_mb=500, reached=["memory"]))
    assert measured.state == "memory" and measured.value is None
    fork_error = {"ok": False, "error": {"type": "BlockingIOError", "message": "[Errno 11]", "stage": "call"}}
    alone = outcome_from_report(*_report("answered", fork_error, reached=[]))
    assert describe_failure(alone.state, alone.details, ODD, alone.error) == "raised BlockingIOError: [Errno 11]"
    bomb = outcome_from_report(*_report("answered", fork_error, tasks_peak=9, reached=["processes"]))
    assert bomb.state == "processes" and "kept starting processes" in describe_failure(
        bomb.state, bomb.details, ODD, bomb.error)
    # A correct answer stays one whatever the keeper measured; an unknown limit name is dropped.
    fine = outcome_from_report(*_report("answered", {"ok": True, "value": 1}, reached=["memory", "disk"]))
    assert fine.ok and fine.details["reached"] == ["memory"]


@pytest.mark.slow
def test_fork_bomb_is_named_for_the_process_limit(zygote, checks04, tmp_path):
    messages = _messages(zygote, checks04, tmp_path, (HERE / "fork_bomb.py").read_text(), "elu", BOMB_LIMITS)
    for message in messages:
        assert "kept starting processes" in message and f"a call may run {BOMB_LIMITS.processes})" in message
        assert "report" not in message and "time limit" not in message, message


@pytest.mark.slow
@pytest.mark.parametrize("name, function", [("memory_bomb.py", "sigmoid"), ("memory_bomb_touching.py", "sigmoid_grad")])
def test_memory_bombs_are_named_for_the_memory_limit(name, function, zygote, checks04, tmp_path):
    for message in _messages(zygote, checks04, tmp_path, (HERE / name).read_text(), function, BOMB_LIMITS):
        assert f"needed more than {BOMB_LIMITS.memory_mb} MB of memory (the limit)" in message, message
        assert "report" not in message and "time limit" not in message, message


@pytest.mark.slow
def test_print_flood_is_named_for_the_output_limit(zygote, checks04, tmp_path):
    for message in _messages(zygote, checks04, tmp_path, (HERE / "output_flood.py").read_text(), "tanh_grad"):
        assert f"printed more than {TEST_LIMITS.output_kb} KB (the limit)" in message and "report" not in message


@pytest.mark.slow
def test_resource_errors_raised_by_hand_stay_the_submissions_own(zygote, checks04, tmp_path):
    snippet = "def relu(x):\n    raise MemoryError('relu is out of ideas')\n"
    for message in _messages(zygote, checks04, tmp_path, snippet, "relu"):
        assert message.startswith("On ") or message.startswith("relu"), message
        assert "raised MemoryError: relu is out of ideas" in message and "needed more than" not in message
        assert "report" not in message
    snippet = "def leaky_relu(x, alpha=0.01):\n    raise OSError(27, 'File too large')\n"
    for message in _messages(zygote, checks04, tmp_path, snippet, "leaky_relu"):
        assert "raised OSError: [Errno 27] File too large" in message and "(the limit)" not in message, message
    snippet = "raise BlockingIOError(11, 'my own fork failed')\n"
    for message in _messages(zygote, checks04, tmp_path, snippet, "tanh"):
        assert message.startswith("importing your file raised BlockingIOError"), message
        assert "processes" not in message.split("\n")[0] and "report" not in message


def test_the_guide_quotes_each_limits_sentence_as_the_defaults_give_it():
    # docs/grading.md's table of what a failed call tells the student, against FAILURE_TEXT
    # ("…" in the guide stands for any text).
    guide = (Path(__file__).resolve().parents[2] / "docs" / "grading.md").read_text()
    rows = {}
    for line in guide[guide.index("### What a failed call tells the student"):].splitlines()[1:]:
        if line.startswith("### "):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith(("ran out of", "reached the", "started", "printed", "wrote",
                                                     "returned", "crashed", "ended", "sent")):
            rows[cells[0]] = re.compile(".*".join(re.escape(part) for part in cells[1].split("…")))
    assert len(rows) == 10, rows
    details = {"tasks_peak": 40, "signal": "SIGSEGV", "exit_code": 0, "message": "m"}
    sentences = [describe_failure(state, details, Limits()) for state in FAILURE_TEXT]
    for what, quoted in rows.items():
        assert any(quoted.fullmatch(sentence) for sentence in sentences), (what, quoted.pattern)


@pytest.mark.slow
def test_a_file_past_the_size_limit_is_named_for_it(zygote, checks04, tmp_path):
    snippet = f"def relu(x):\n    open('big.bin', 'wb').write(b'0' * {(TEST_LIMITS.file_mb + 1) << 20})\n    return x\n"
    for message in _messages(zygote, checks04, tmp_path, snippet, "relu"):
        assert f"wrote a file larger than {TEST_LIMITS.file_mb} MB (the limit)" in message and "report" not in message
