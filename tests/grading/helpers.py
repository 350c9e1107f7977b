"""Helpers shared by the exercise tests: the Gradescope schema and a zygote that records what it sends."""

from __future__ import annotations

import numpy as np

from kit.grading.sandbox import Zygote

FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_results(data: dict) -> None:
    """Fail unless ``data`` follows Gradescope's documented results.json schema (REFERENCE.md)."""
    top = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
           "visibility": str, "stdout_visibility": str, "extra_data": dict, "tests": list, "leaderboard": list}
    for key, kind in top.items():
        assert isinstance(data[key], kind), key
    assert data["output_format"] in FORMATS and data["visibility"] in VISIBILITIES
    per_test = {"name": str, "score": (int, float), "max_score": (int, float), "status": str, "output": str,
                "output_format": str, "tags": list, "visibility": str, "number": str, "extra_data": dict}
    for test in data["tests"]:
        assert set(test) <= set(per_test), set(test) - set(per_test)
        for key, kind in per_test.items():
            assert isinstance(test[key], kind), (key, test)
        assert test["status"] in ("passed", "failed") and test["output_format"] in FORMATS
        assert test["visibility"] in VISIBILITIES and 0 <= test["score"] <= test["max_score"]
    assert abs(data["score"] - sum(t["score"] for t in data["tests"])) < 1e-9


class SpyZygote(Zygote):
    """Wraps a started zygote (starts nothing) and records the arguments of every sandboxed call."""

    def __init__(self, zygote):
        self.zygote = zygote
        self.sent = []

    def call(self, source, driver, arguments, limits, filename="submission.py"):
        self.sent.append(arguments)
        return self.zygote.call(source, driver, arguments, limits, filename=filename)

    def close(self):
        pass


def arrays(value):
    """Every NumPy array inside nested dicts, lists and tuples."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from arrays(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from arrays(item)


def run_kit(*args):
    """``python -m kit.cli ARGS`` from the repository root, as a student's shell would run it."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-m", "kit.cli", *args], cwd=root, capture_output=True, text=True,
                          timeout=600, env={"PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
