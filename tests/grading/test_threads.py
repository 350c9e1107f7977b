"""TensorFlow's intra-op threads (``kit.startup.INTRA_OP_THREADS``): importing the kit sets one unless the
user set another value, and a sandboxed call, whose environment is made from scratch, runs with the
grader's value, not TensorFlow's default of one thread per core."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kit.grading.sandbox.limits import Limits
from kit.startup import INTRA_OP_THREADS, THREADS_VARIABLE

ROOT = Path(__file__).resolve().parents[2]

READS = '''
import json
import os

def threads():
    return json.dumps({"variable": os.environ.get("TF_NUM_INTRAOP_THREADS"), "home": os.environ.get("HOME")})
'''


@pytest.mark.parametrize("given, expected", [(None, INTRA_OP_THREADS), ("0", "0"), ("3", "3")])
def test_importing_the_kit_sets_one_thread_unless_the_user_chose(given, expected):
    environment = {key: value for key, value in os.environ.items() if key != THREADS_VARIABLE}
    if given is not None:
        environment[THREADS_VARIABLE] = given
    code = f"import os, sys, kit; print(os.environ[{THREADS_VARIABLE!r}], 'tensorflow' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               env=dict(environment, PYTHONPATH=str(ROOT)), timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == [expected, "False"]  # set before TensorFlow is even imported


def test_a_sandboxed_call_runs_with_the_graders_thread_setting(zygote):
    assert os.environ[THREADS_VARIABLE] == INTRA_OP_THREADS  # the test process imported the kit
    outcome = zygote.call(READS, "call", {"function": "threads", "args": []}, Limits(timeout=60, memory_mb=2048))
    assert outcome.ok, (outcome.state, outcome.error, outcome.details)
    seen = json.loads(outcome.value["plain"])
    assert seen["variable"] == INTRA_OP_THREADS  # TensorFlow's runtime starts in the call, and reads it
    assert seen["home"] != os.environ.get("HOME")  # the rest of the environment is the sandbox's own
