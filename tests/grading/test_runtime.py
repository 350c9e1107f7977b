"""NumPy exercises grade without TensorFlow in any process (exercises.runtime, RUNTIME = "numpy").

A fake ``tensorflow`` and ``keras`` that raise on import come first on the path of the grading
process and of its zygote: were either imported anywhere outside a submission's own sandboxed
call, the grade would fail. Exercises 04, 05 and 10 grade their reference solutions to 100 that way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kit.grading.authoring.exercises import all_exercises, find, runtime

ROOT = Path(__file__).resolve().parents[2]
NUMPY = ("04", "05", "10")


def test_the_numpy_exercises_declare_it_and_the_others_need_keras():
    assert [e.id for e in all_exercises() if runtime(e) == "numpy"] == list(NUMPY)


@pytest.fixture(scope="module")
def no_tensorflow(tmp_path_factory):
    folder = tmp_path_factory.mktemp("no-tensorflow")
    for name in ("tensorflow", "keras"):
        (folder / name).mkdir()
        (folder / name / "__init__.py").write_text(f"raise ImportError('{name} was imported by the grader')\n")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("exercise", NUMPY)
def test_a_numpy_exercise_grades_to_100_without_tensorflow(exercise, no_tensorflow):
    environment = {"PYTHONPATH": f"{no_tensorflow}{os.pathsep}{ROOT}", "PATH": "/usr/bin:/bin", "KIT_CHECK_SERVER": "0"}
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-m", "kit.cli", "grade", exercise,
                                str(find(exercise).path / "solution.py"), "--format", "json"],
                               capture_output=True, text=True, timeout=300, env=environment, cwd=ROOT)
    seconds = time.monotonic() - started
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(completed.stdout)
    assert report["score"] == report["max_score"] == 100, [c for c in report["checks"] if not c["passed"]]
    print(f"kit grade {exercise} without TensorFlow: {seconds:.1f} s")
