"""No call can touch another call, and isolation loss is loud, as a plain user's grader.

One process (tests/grading/_plain_user_grader.py) gives up every capability and grades with
``KIT_SANDBOX_UNPRIVILEGED=1``: the grader, its zygote, keepers and runners then all share uid 0
without privileges, as a plain user's processes share one user. Two attackers: a process the
submission's first call leaves behind (``setsid``, double fork), which the keeper must kill; and
a process of the same user outside the sandbox's reach (what a leftover would be, had it
escaped), which keeps trying to write into everything of the grader's it can open. Neither may
change a later call's answer, status or output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="simulates a plain user by dropping root's capabilities")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("plain-user") / "found.json"
    completed = subprocess.run([sys.executable, "-m", "tests.grading._plain_user_grader", str(out)], cwd=ROOT,
                               capture_output=True, text=True, timeout=600,
                               env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(out.read_text())


def _checks(grade):
    return [(c["name"], c["score"], c["message"]) for c in grade["checks"]]


def test_a_correct_file_scores_full_marks_and_every_report_warns(graded):
    clean = graded["clean"]
    assert clean["score"] == 100 and clean["isolated"] is False
    assert any("not root" in problem for problem in clean["isolation_problems"])
    reports = graded["reports"]
    assert reports["text"].splitlines()[1].startswith("WARNING: the sandbox could not isolate")
    assert "WARNING" in json.loads(reports["gradescope"])["output"]
    assert json.loads(reports["json"])["isolated"] is False


def test_a_setsid_leftover_of_the_first_call_is_killed_and_changes_nothing(graded):
    leftover = graded["leftover"]
    assert leftover["pid"] is not None, "the leftover never started: the test would prove nothing"
    assert not leftover["alive_after"], "the keeper left the setsid process alive"
    assert _checks(leftover["grade"]) == _checks(graded["clean"])
    assert leftover["grade"]["calls"] == graded["clean"]["calls"]
    assert leftover["attempts"] is None or leftover["attempts"]["opened"] == []


def test_a_same_user_process_cannot_write_into_any_later_call(graded):
    attacked = graded["attacked"]
    attempts = attacked["attempts"]
    # The control: the same technique does reopen a dumpable process's pipe, so nothing below
    # passes for lack of a working attack.
    assert attempts["control"], "the attacker could not reopen even a dumpable process's pipe"
    assert attempts["loops"] > attacked["loops_before"] and attempts["refused"] > 0, attempts  # it ran meanwhile
    assert attempts["opened"] == [], attempts["opened"][:5]
    assert _checks(attacked["grade"]) == _checks(graded["clean"])


def test_require_isolation_refuses_before_any_code_runs(graded):
    refused = graded["refused"]
    assert refused["raised"] and "not root" in refused["message"]
    assert not refused["code_ran"]
