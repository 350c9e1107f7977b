"""Helpers the exercise tests share: the Gradescope schema, submissions of a given network, a
module-wide grader that grades each submission once, a zygote that records what it sends, and
the ``kit`` command run as a student runs it."""

from __future__ import annotations

FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
TOP = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
       "visibility": str, "stdout_visibility": str, "extra_data": dict, "tests": list, "leaderboard": list}
PER_TEST = {"name": str, "score": (int, float), "max_score": (int, float), "status": str, "output": str,
            "output_format": str, "tags": list, "visibility": str, "number": str, "extra_data": dict}


def assert_gradescope_schema(data: dict) -> None:
    """Fail unless ``data`` (``kit.grading.runners.report.gradescope(result)``) follows Gradescope's schema
    and its score is the sum of its tests' scores."""
    for key, kind in TOP.items():
        assert isinstance(data[key], kind), key
    assert data["output_format"] in FORMATS and data["visibility"] in VISIBILITIES
    for test in data["tests"]:
        assert set(test) <= set(PER_TEST), set(test) - set(PER_TEST)
        for key, kind in PER_TEST.items():
            assert isinstance(test[key], kind), (key, test)
        assert test["status"] in ("passed", "failed") and test["output_format"] in FORMATS
        assert test["visibility"] in VISIBILITIES and 0 <= test["score"] <= test["max_score"]
    assert abs(data["score"] - sum(t["score"] for t in data["tests"])) < 1e-9


def failing(result) -> dict:
    """The failed checks' messages by check name, each on one line (the checks wrap them for the
    terminal)."""
    return {c.name: " ".join(c.message.split()) for c in result.checks if not c.passed}


def assert_loses_only(result, lost, word, visible_only: bool = False) -> None:
    """Fail unless ``result`` fails exactly the checks named in ``lost``, loses exactly their
    points, and the message of each (of each visible one, with ``visible_only``) contains ``word``
    (one phrase for all, or a dict of phrases by check name)."""
    failed = failing(result)
    assert set(failed) == set(lost), failed
    assert result.score == result.max_score - sum(c.max_score for c in result.checks if c.name in lost)
    words = word if isinstance(word, dict) else dict.fromkeys(lost, word)
    named = {c.name: failed[c.name] for c in result.checks
             if c.name in failed and (c.visibility == "visible" or not visible_only)}
    assert named and all(words[name] in message for name, message in named.items()), named


def assert_scores_zero(result) -> None:
    """Fail unless ``result`` scores 0, naming the checks that scored."""
    assert result.score == 0, [(c.name, c.score) for c in result.checks if c.score]


def network(hidden, activations, recipe) -> str:
    """A submission's source: Dense layers of the ``hidden`` widths with ``activations`` (one per
    layer; None is Keras's default, linear), then a tanh output unit, and ``recipe()``."""
    return (f"import keras\n\n\ndef build_model(n_inputs):\n    inputs = keras.Input(shape=(n_inputs,))\n"
            f"    x = inputs\n    for units, activation in zip({list(hidden)!r}, {list(activations)!r}):\n"
            f"        x = keras.layers.Dense(units, activation=activation)(x)\n"
            f"    return keras.Model(inputs, keras.layers.Dense(1, activation='tanh')(x))\n\n\n"
            f"def recipe():\n    return {recipe!r}\n")


def module_grader(exercise: str, zygote, folder, limits):
    """``grade(name, source=None, path=None)``: grades each named submission once (for a module fixture)."""
    from kit.grading import grade_submission
    from kit.grading.authoring.exercises import load_checks

    checks = load_checks(exercise)
    results = {}

    def grade(name, source=None, path=None):
        if name not in results:
            if path is None:
                path = folder / f"{name}.py"
                path.write_text(source)
            results[name] = grade_submission(exercise, path, zygote=zygote, limits=limits, checks=checks)
        return results[name]

    return grade


def spy_zygote(zygote):
    """A zygote that wraps a started one (it starts nothing) and records, in ``.sent``, the
    ``(driver, arguments)`` of every sandboxed call: to check what a grading hands the child."""
    from kit.grading.sandbox.zygote import Zygote

    class Spy(Zygote):
        def __init__(self):
            self.sent = []

        def call(self, source, driver, arguments, limits, filename="submission.py"):
            self.sent.append((driver, arguments))
            return zygote.call(source, driver, arguments, limits, filename=filename)

        def close(self):
            pass

        def __getattr__(self, name):  # anything else (e.g. what the sandbox learned) is the wrapped one's
            return getattr(zygote, name)

    return Spy()


def arrays(value):
    """Every NumPy array inside nested dicts, lists and tuples."""
    import numpy as np

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
    # Cold, as before the check server: a test that wants the server (test_check_server.py) says so.
    environment = {"PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", "KIT_CHECK_SERVER": "0"}
    return subprocess.run([sys.executable, "-m", "kit.cli", *args], cwd=root, capture_output=True, text=True,
                          timeout=600, env=environment)
