"""What `kit check` tells a student: one TODO line per unwritten function, one block for a file
that does not import (exit status 2), the hidden points still to earn, and hints only where
they belong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kit.grading import grade_submission
from kit.grading.runners.engine import CheckResult, GradeResult
from kit.grading.authoring.exercises import all_exercises, find, load_checks
from kit.grading.runners.report import render
from kit.commands.grading import exit_status
from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import run_kit

FOLDER = find("04").path
SOLUTION = (FOLDER / "solution.py").read_text()
STARTER = FOLDER / "starter.py"
FUNCTIONS = ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
             "elu", "elu_grad"]


def _check(path, zygote, checks04, visibility="visible") -> GradeResult:
    return grade_submission("04", path, visibility=visibility, zygote=zygote, limits=TEST_LIMITS, checks=checks04)


def test_the_untouched_starter_is_one_todo_line_per_function(zygote, checks04):
    result = _check(STARTER, zygote, checks04)
    text = render(result)
    todo_lines = [line for line in text.splitlines() if line.startswith("TODO  ")]
    assert [line.split()[1] for line in todo_lines] == FUNCTIONS
    assert not any(line.startswith(("FAIL", "PASS", "PART")) for line in text.splitlines())
    assert text.count("not implemented yet") == len(FUNCTIONS)
    # The TODO text is the hint; the checks' hints are about wrong answers and would mislead.
    assert "Hint:" not in text and not any("Hint:" in c.message for c in result.checks)
    assert {name for _, _, names in result.not_implemented for name in names} == {c.name for c in result.checks}
    assert result.score == 0 and exit_status(result) == 1


def test_one_unwritten_function_among_written_ones(tmp_path, zygote, checks04):
    body = "    s = sigmoid(x)\n    return s * (1 - s)\n"
    path = tmp_path / "partial.py"
    path.write_text(SOLUTION.replace(body, "    raise NotImplementedError('TODO: implement sigmoid_grad')\n"))
    text = render(_check(path, zygote, checks04))
    assert [line.split()[1] for line in text.splitlines() if line.startswith("TODO  ")] == ["sigmoid_grad"]
    assert "(4 checks wait for it)" in text  # values, shape and dtype, stability, the peak
    assert "PASS  sigmoid: values" in text and "FAIL" not in text


def test_a_wrong_answer_keeps_the_hint_of_its_own_function(tmp_path, zygote, checks04):
    path = tmp_path / "wrong.py"
    path.write_text(SOLUTION.replace("return np.tanh(x)", "return np.tanh(x) * 1.5"))
    result = _check(path, zygote, checks04)
    failed = {c.name: c.message for c in result.checks if not c.passed}
    assert set(failed) == {"tanh: values (float64)", "tanh: keeps shape and dtype", "tanh: stable for extreme inputs"}
    assert "Hint: compare your tanh with its formula" in failed["tanh: values (float64)"]
    assert result.not_implemented == ()


@pytest.mark.parametrize("source, line, error", [
    ("import numpy as np\n\n\ndef sigmoid(x):\n    return = 1\n", 5, "SyntaxError"),
    ("import numpy as np\nvalue = undefined_name + 1\n", 2, "NameError"),
])
def test_a_file_that_does_not_import_is_one_block_with_its_line(tmp_path, zygote, checks04, source, line, error):
    path = tmp_path / "broken.py"
    path.write_text(source)
    result = _check(path, zygote, checks04)
    text = render(result)
    assert result.problem.startswith(f"importing your file raised {error}") and exit_status(result) == 2
    assert text.count(error) == 2  # the message, then Python's own last line under the caret
    assert f'File "broken.py", line {line}' in text and "/tmp/kit-sandbox" not in text
    assert not any(line.startswith(("FAIL", "PASS", "TODO")) for line in text.splitlines())
    assert "Your file could not be imported, so none of the 32 checks ran:" in text
    # Every format still scores each check 0 with the reason (a results file is always written).
    assert all(c.score == 0 and c.message == result.problem for c in result.checks)


def test_a_wrong_file_type_is_one_block(tmp_path, zygote, checks04):
    path = tmp_path / "answers.txt"
    path.write_text(SOLUTION)
    result = _check(path, zygote, checks04)
    assert "expected a .py or .ipynb file" in result.problem and exit_status(result) == 2
    assert "Your file could not be read" in render(result)


def test_kit_check_ends_with_the_hidden_points_and_what_they_test(tmp_path, zygote, checks04):
    # A ReLU capped at 1e4, the largest visible input: every visible check passes, the hidden ones
    # (other extreme magnitudes) would not.
    path = tmp_path / "capped.py"
    capped = "return np.minimum(np.maximum(x, np.zeros((), dtype=x.dtype)), x.dtype.type(1e4))"
    path.write_text(SOLUTION.replace("return np.maximum(x, np.zeros((), dtype=x.dtype))", capped))
    result = _check(path, zygote, checks04)
    text = render(result)
    hidden = [c for c in checks04 if c.visibility != "visible"]
    assert result.all_passed and exit_status(result) == 0
    assert "10 more points are in hidden checks" in text and sum(c.points for c in hidden) == 10
    for c in hidden:
        assert f"- {c.description} ({c.points:g} points)" in " ".join(text.split()), c.name
        assert c.name not in text
    # A full grade runs them: nothing is left to announce.
    full = _check(path, zygote, checks04, visibility=("visible", "hidden", "after_due_date"))
    assert full.not_run == () and "more points are in hidden checks" not in render(full)
    assert not full.all_passed


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda e: e.id)
def test_every_hidden_check_has_a_public_description(exercise):
    for c in load_checks(exercise):
        if c.visibility != "visible":
            assert 20 <= len(c.description) <= 160 and "\n" not in c.description, (exercise.id, c.name)
            # General terms only: no number that could be a hidden input, seed or threshold.
            assert not re.search(r"\d", c.description.replace("float32", "").replace("float64", "")
                                 .replace("8 hidden", "")), (exercise.id, c.description)


def test_grade_result_round_trips_through_plain_data(zygote, checks04):
    result = _check(STARTER, zygote, checks04)
    again = GradeResult.from_dict(result.as_dict())
    assert render(again) == render(result) and render(again, "json") == render(result, "json")


@pytest.mark.slow
def test_the_cli_exits_2_for_a_file_that_does_not_import(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def sigmoid(x)\n    return x\n")
    completed = run_kit("check", "04", str(path))
    assert completed.returncode == 2, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert 'File "broken.py", line 1' in completed.stdout and completed.stdout.count("SyntaxError") == 2


def test_the_html_report_escapes_what_a_submission_wrote(zygote, checks04):
    from kit.grading.runners.engine import CheckResult
    from kit.grading.runners.report import html

    result = _check(STARTER, zygote, checks04)
    forged = GradeResult("04-derivatives", "<b>x</b>.py", (CheckResult("a", 0.0, 1.0, "visible",
                                                                        "<script>alert(1)</script>", 0.0),), 0.0)
    page = html(forged)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;x&lt;/b&gt;.py" in page
    page = html(result)
    assert page.count(">TODO<") == len(FUNCTIONS) and "<b>Total: 0/90</b>" in page
    assert "10 more points are in hidden checks" in page


def test_kit_check_finds_the_notebook_and_does_nothing_in_the_sandbox(tmp_path, monkeypatch):
    import kit
    from kit.errors import MissingFile
    from kit.grading.sandbox import child
    from kit.grading.runners.notebook import notebook_file

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(MissingFile, match="cannot tell which notebook"):
        notebook_file()
    (tmp_path / "mine.ipynb").write_text("{}")
    assert notebook_file() == Path("mine.ipynb")
    (tmp_path / "other.ipynb").write_text("{}")
    with pytest.raises(MissingFile, match="2 .ipynb files here: mine.ipynb, other.ipynb"):
        notebook_file()
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "other.ipynb"))
    assert notebook_file() == tmp_path / "other.ipynb"
    with pytest.raises(ValueError, match="Unknown exercise"):
        kit.check("99")
    monkeypatch.setattr(child, "IN_SANDBOX", True)  # as in the runner that imports a submitted notebook
    assert kit.check("04") is None


def test_partial_credit_reads_as_two_decimals_in_every_report():
    """A third of 20 points printed as 6.66667/20; the report now shows 6.67 and keeps the exact value in JSON."""
    import json

    from kit.grading.runners import report

    third = 20 / 3
    result = GradeResult("01-linear-limits", "mine.py", (CheckResult("fits the line", third, 20.0, "visible",
                                                                     "2 of 3 seeds", 0.1),), 1.0)
    assert "6.67/20" in report.text(result) and "6.66667" not in report.text(result)
    assert "Total: 6.67/20" in report.text(result)
    assert "6.67/20" in report.html(result) and "6.66667" not in report.html(result)
    assert json.loads(report.as_json(result))["checks"][0]["score"] == third


def test_an_exception_three_calls_deep_shows_the_students_file_line_and_text(tmp_path, zygote, checks04):
    """"dead_fraction raised TypeError: too many positional arguments." said nothing of where; now the
    student's own frames are named: file, line, function, the line's text, and what called it."""
    helpers = ("\n\ndef _scale(x):\n    return _shift(x) * 1.0\n\n\ndef _shift(x):\n"
               "    raise TypeError('too many positional arguments')\n")
    source = SOLUTION.replace("return np.tanh(x)", "return _scale(x)", 1) + helpers
    path = tmp_path / "deep.py"
    path.write_text(source)
    lines = source.splitlines()
    tanh_line = next(n for n, text in enumerate(lines, 1) if text.strip() == "return _scale(x)")
    scale_line = next(n for n, text in enumerate(lines, 1) if text.strip() == "return _shift(x) * 1.0")
    raise_line = next(n for n, text in enumerate(lines, 1) if "raise TypeError('too many" in text)
    result = _check(path, zygote, checks04)
    message = next(c.message for c in result.checks if c.name == "tanh: values (float64)")
    assert ("tanh raised TypeError: too many positional arguments, at deep.py line "
            f"{raise_line}, in _shift: `raise TypeError('too many positional arguments')` (called from line "
            f"{scale_line}, in _scale; line {tanh_line}, in tanh)") in message, message
    assert "kit/grading" not in message and "drivers.py" not in message  # the kit's frames are not the student's


def test_one_cause_is_said_once_with_the_checks_it_cost():
    """A time limit hit by one call repeated the same paragraph under every check that needed the call."""
    cause = "run_shootout ran past the time limit of 30 s (an endless loop, or something far too slow); " * 2
    result = GradeResult("13-activation-shootout", "mine.py", tuple(
        CheckResult(name, 0.0, 5.0, "visible", cause, 0.1) for name in ("twelve runs", "histograms", "accuracies")),
        1.0)
    text = render(result)
    assert text.count("ran past the time limit") == 2  # the one paragraph (its two sentences), once
    assert text.count("(the same as for twelve runs above)") == 2
