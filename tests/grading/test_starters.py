"""One source per exercise: every starter is generated from its solution, current, runnable, free of answers."""

from __future__ import annotations

import json
import re
import runpy

import pytest

import kit
from kit.grading.release import starters
from kit.grading.authoring.exercises import all_exercises, default_limits, find

EXERCISES = all_exercises()


def test_every_exercise_has_one_source():
    assert EXERCISES, "no exercise found"
    for exercise in EXERCISES:
        assert (exercise.path / "solution.py").is_file(), exercise.path
        assert starters.solution_blocks((exercise.path / "solution.py").read_text()), exercise.path


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_committed_starter_is_generated_and_free_of_solution_code(exercise):
    solution = (exercise.path / "solution.py").read_text(encoding="utf-8")
    committed = (exercise.path / "starter.py").read_text(encoding="utf-8")
    assert committed == starters.make_starter(solution), (
        f"{exercise.path / 'starter.py'} is stale: run `python -m kit.grading.release.starters` and commit it")
    leaked = starters.solution_lines(solution) & {line.strip() for line in committed.splitlines()}
    assert not leaked, f"solution lines in the starter: {sorted(leaked)}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_starter_imports_and_each_todo_raises_its_text(exercise, tmp_path):
    import inspect

    solution = (exercise.path / "solution.py").read_text(encoding="utf-8")
    # Module-level blocks (decorators only) become a comment: every other TODO must raise.
    todos = {todo for _, _, indent, todo in starters.solution_blocks(solution) if indent}
    namespace = runpy.run_path(str(exercise.path / "starter.py"), run_name="starter")  # imports as a module
    raised = set()
    for name, function in namespace.items():
        if not inspect.isfunction(function) or function.__module__ != "starter" or name.startswith("_"):
            continue
        source = inspect.getsource(function)
        if "raise NotImplementedError" not in source:
            continue
        arguments = [None] * sum(p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD
                                 for p in inspect.signature(function).parameters.values())
        with pytest.raises(NotImplementedError) as raised_error:
            function(*arguments)
        message = str(raised_error.value)
        assert message.startswith("TODO: ") and message[len("TODO: "):] in todos, (name, message)
        raised.add(message[len("TODO: "):])
    assert raised == todos, f"TODOs no function raises: {todos - raised}"
    # As a script (`python starter.py`) it runs, or stops at a TODO.
    try:
        runpy.run_path(str(exercise.path / "starter.py"), run_name="__main__")
    except NotImplementedError as todo:
        assert str(todo).startswith("TODO: "), str(todo)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_starter_notebook_is_valid_and_has_the_same_code(exercise):
    import nbformat

    text = starters.starter_text(exercise)
    book = nbformat.reads(starters.notebook(text), as_version=4)
    nbformat.validate(book)
    code = "\n".join(cell.source for cell in book.cells if cell.cell_type == "code")
    assert "raise NotImplementedError" in code
    assert any(cell.cell_type == "markdown" for cell in book.cells)
    assert json.loads(starters.notebook(text))["nbformat"] == 4


@pytest.mark.parametrize("text, problem", [
    ("def f():\n    # BEGIN SOLUTION: x\n    return 1\n", "never closed"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n", "say what the student writes"),
    ("# BEGIN SOLUTION: x\nA = 1\n# END SOLUTION\n", "inside a function body"),
    ("def f():\n    # BEGIN SOLUTION: x\n    # BEGIN SOLUTION: y\n    # END SOLUTION\n", "inside the block"),
    ("def f():\n    return 1\n    # END SOLUTION\n", "without a BEGIN"),
    ("def f():\n    return 1\n", "no '# BEGIN SOLUTION"),
])
def test_malformed_markers_name_the_line(text, problem):
    with pytest.raises(starters.MarkerError, match=problem):
        starters.make_starter(text, "solution.py")


def test_a_module_level_block_of_decorators_becomes_a_comment():
    solution = ("import keras\n\n\n# BEGIN SOLUTION: register f\n@keras.saving.register_keras_serializable()\n"
                "# END SOLUTION\ndef f(x):\n    # BEGIN SOLUTION: square x\n    return x * x\n    # END SOLUTION\n")
    assert starters.make_starter(solution) == (
        "import keras\n\n\n# TODO: register f\ndef f(x):\n    # TODO: square x\n"
        "    raise NotImplementedError('TODO: square x')\n")
    with pytest.raises(starters.MarkerError, match="only decorators"):
        starters.make_starter("# BEGIN SOLUTION: x\n@d\nA = 1\n# END SOLUTION\n")


def test_make_starter_keeps_everything_outside_the_blocks():
    solution = ('"""Doc."""\nimport numpy as np\n\n\ndef f(x):\n    """Twice x."""\n'
                '    # BEGIN SOLUTION: return 2·x\n    y = 2 * x\n    return y\n    # END SOLUTION\n\n\nA = 3\n')
    assert starters.make_starter(solution) == (
        '"""Doc."""\nimport numpy as np\n\n\ndef f(x):\n    """Twice x."""\n'
        "    # TODO: return 2·x\n    raise NotImplementedError('TODO: return 2·x')\n\n\nA = 3\n")
    assert starters.solution_lines(solution) == {"y = 2 * x", "return y"}


LIMIT_PHRASE = re.compile(r"(?:limit of|gives this function|gives `\w+`|stops the call after)\s+\**(\d+)\s*(?:s\b|seconds)")


@pytest.mark.parametrize("exercise", [e.id for e in all_exercises()])
def test_every_time_limit_a_student_reads_is_the_graders(exercise):
    """Exercise 13's starter said 10 s twice while its README and the grader said 30 s: every limit stated
    in the README, the solution and the generated starter is the exercise's own (LIMITS, or the default)."""
    found = find(exercise)
    limit = default_limits(found).timeout
    for name in ("README.md", "solution.py", "starter.py"):
        stated = [float(number) for number in LIMIT_PHRASE.findall((found.path / name).read_text(encoding="utf-8"))]
        assert all(number == limit for number in stated), f"{found.path.name}/{name}: {stated} s; LIMITS: {limit} s"


@pytest.mark.parametrize("exercise", [e.id for e in all_exercises()])
def test_what_a_student_reads_names_only_their_files(exercise):
    """A hint said "Run solution.py's main block": a file the student never has."""
    from kit.grading.authoring.exercises import load_checks

    found = find(exercise)
    texts = [(found.path / name).read_text(encoding="utf-8") for name in ("README.md", "starter.py")]
    texts += [f"{c.feedback} {c.description}" for c in load_checks(found)]
    assert not [text for text in texts if "solution.py" in text], found.path.name


@pytest.mark.slow
@pytest.mark.parametrize("identifier", ["03", "06"])
def test_a_training_script_prints_what_the_visible_check_measures(identifier, capsys):
    # `python starter.py` must predict `kit check`: the same architecture from the Playground's
    # initialisation, the same public data and seeds. The script's numbers are compared with runs
    # the checks module's own PUBLIC variant trains from scratch (the run cache emptied first).
    from kit.grading.authoring import exercises, trials
    from kit.grading.sandbox import model_transfer as models

    exercise = find(identifier)
    namespace = runpy.run_path(str(exercise.path / "solution.py"), run_name="__main__")
    printed = capsys.readouterr().out
    module = exercises._load_module(exercise)
    kit.clear_caches("kit.grading.authoring.trials")
    runs = trials.train_runs(models.describe(namespace["build_model"](2)), module._data(**module.PUBLIC["data"]),
                             namespace["recipe"](), module.PUBLIC["seeds"])
    assert f"test losses {runs.listing('loss')}" in printed, (printed, runs.listing("loss"))
