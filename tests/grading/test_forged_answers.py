"""A submission that forges complete answer frames the parent cannot decode, then exits: each
forged call fails its own checks with a message, and the student still gets a full report in
every format (through the sandbox, with the shared zygote; and once through the CLI)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kit.grading import grade_submission
from kit.grading.runners import report
from tests.grading.conftest import TEST_LIMITS

ROOT = Path(__file__).resolve().parents[2]
BASE = (Path(__file__).parent / "submissions" / "_base.py").read_text()

# Each payload is a complete frame (8-byte length, then the bytes); written to every descriptor
# the runner may hold, the real answer channel among them, before the process exits.
FORGE = '''
import os as _os
import struct as _struct


def _forge(payload):
    frame = _struct.pack("<Q", len(payload)) + payload
    for fd in range(3, 64):
        try:
            _os.write(fd, frame)
        except OSError:
            pass
    _os._exit(0)
'''
_HUGE_NPY = b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000,), }"
_HUGE_NPY = base64.b64encode(_HUGE_NPY + b" " * (127 - len(_HUGE_NPY)) + b"\n").decode()
PAYLOADS = {  # function → a payload, framed correctly, that does not decode
    "relu": b'\xff\xfe{"ok": true}',  # invalid UTF-8
    "tanh": b"[" * 5000 + b"]" * 5000,  # nested far too deep
    "elu": b'{"ok": true, "value": {"x": 1' + b"0" * 40 + b"}}",  # an integer NumPy cannot hold
    "sigmoid": b'{"ok": true, "value": {"grid": {"value": {"__npy__": "' + _HUGE_NPY.encode() + b'"}}}}',  # 80 GB claim
    "leaky_relu": b'{"ok": "yes", "value": "\\ud800"}',  # not a driver's message, and a lone surrogate
}


def _forger(functions) -> str:
    parts = [BASE, FORGE]
    for function in functions:
        arguments = "(x, alpha=1.0)" if function == "elu" else "(x, alpha=0.01)" if function == "leaky_relu" else "(x)"
        parts.append(f"\ndef {function}{arguments}:\n    _forge({PAYLOADS[function]!r})\n")
    return "\n".join(parts)


def _assert_full_report(result, forged_functions):
    for c in result.checks:
        forged = c.name.split(":")[0].split(" ")[0].split("(")[0] in forged_functions
        assert (c.score == 0) == forged, (c.name, c.message)
        if forged:
            assert "could not read" in c.message and "answer channel" in c.message, c.message
    for format in report.FORMATS:
        rendered = report.render(result, format)
        rendered.encode("utf-8")
        if format != "text":
            data = json.loads(rendered)
            checks = data["tests"] if format == "gradescope" else data["checks"]
            assert len(checks) == len(result.checks)


@pytest.mark.slow
def test_forged_frames_fail_only_the_forged_calls(zygote, checks04, tmp_path):
    path = tmp_path / "forger.py"
    path.write_text(_forger(PAYLOADS))
    result = grade_submission("04", path, zygote=zygote, limits=TEST_LIMITS, checks=checks04)
    _assert_full_report(result, set(PAYLOADS))
    assert 0 < result.score < result.max_score


FORGED_AT_IMPORT = BASE + FORGE + '\n_forge(b"\\x80" * 100)\n'


@pytest.mark.slow
def test_forged_frame_at_import_still_gives_a_full_report_from_the_cli(tmp_path):
    path = tmp_path / "forger.py"
    path.write_text(FORGED_AT_IMPORT)
    out = tmp_path / "results" / "results.json"
    completed = subprocess.run([sys.executable, "-m", "kit.cli", "grade", "04", str(path), "--format", "gradescope",
                                "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                               env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    # 2: the file did not import (it exited during its import), as kit grade reports any import failure.
    assert completed.returncode == 2, completed.stderr[-2000:]
    data = json.loads(out.read_bytes().decode("utf-8"))
    assert data["score"] == 0 and len(data["tests"]) == 42
    assert all("could not read" in test["output"] for test in data["tests"]), data["tests"][0]
    assert "Traceback" not in completed.stderr
