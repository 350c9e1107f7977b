"""Every exercise, the same way: `kit check NN solution.py` as a student runs it passes with a table."""

from __future__ import annotations

import pytest

from kit.grading.authoring.exercises import all_exercises, load_checks
from tests.grading.shared import run_kit

EXERCISES = all_exercises()


@pytest.fixture(scope="module")
def checked():
    """``kit check NN solution.py`` of every exercise, two processes at a time (each mostly waits
    on TensorFlow's import and its own zygote's start, one core apiece on a 2-core machine)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        futures = {e.id: pool.submit(run_kit, "check", e.id, str(e.path / "solution.py")) for e in EXERCISES}
        return {identifier: future.result() for identifier, future in futures.items()}


@pytest.mark.slow
@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_kit_check_passes_the_solution_with_a_readable_table(exercise, checked):
    visible = [c for c in load_checks(exercise) if c.visibility == "visible"]
    hidden = [c for c in load_checks(exercise) if c.visibility != "visible"]
    completed = checked[exercise.id]
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "Traceback" not in completed.stderr
    lines = completed.stdout.splitlines()
    total = sum(c.points for c in visible)
    assert lines[-1] == f"Total: {total:g}/{total:g}" or f"Total: {total:g}/{total:g}" in lines, lines[-3:]
    for c in visible:  # one PASS line per visible check, with its points
        assert any(line.startswith("PASS  " + c.name) and line.endswith(f"{c.points:g}/{c.points:g}")
                   for line in lines), c.name
    assert not any(c.name in completed.stdout for c in hidden) and "[hidden]" not in completed.stdout
