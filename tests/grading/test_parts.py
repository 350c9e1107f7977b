"""Submission reading, exercise discovery, limits, checks API, reports, models and the CLI."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kit.grading import Limits
from kit.grading.authoring.checks import Check, Outcome, check, passed
from kit.grading.runners.engine import CheckResult, GradeResult
from kit.grading.authoring.exercises import all_exercises, find
from kit.grading.runners.report import gradescope, render
from kit.grading.sandbox.submission import SubmissionError, notebook_source, read_source

ROOT = Path(__file__).resolve().parents[2]


def test_notebook_code_cells_only_with_magics_made_harmless():
    notebook = {"cells": [{"cell_type": "markdown", "source": "# title"},
                          {"cell_type": "code", "source": ["for i in range(2):\n", "    %time f()\n", "x = 1\n"]}]}
    source = notebook_source(json.dumps(notebook))
    assert "title" not in source and "%time" not in source
    compile(source, "nb", "exec")  # the magic inside a block became `pass`, so it still parses


@pytest.mark.parametrize("text", ["{not json", "[]", '{"cells": 3}', '{"cells": [{"cell_type": "code", "source": 5}]}'])
def test_malformed_notebooks_are_refused_clearly(text):
    with pytest.raises(SubmissionError, match="not a valid notebook"):
        notebook_source(text, "bad.ipynb")


def test_read_source_validates_its_input(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_source(tmp_path / "missing.py")
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(SubmissionError, match=".py or .ipynb"):
        read_source(tmp_path / "a.txt")
    (tmp_path / "b.py").write_bytes(b"\xff\xfe")
    with pytest.raises(SubmissionError, match="UTF-8"):
        read_source(tmp_path / "b.py")
    with pytest.raises(TypeError):
        read_source(3)


def test_exercises_are_found_by_number_or_slug():
    ids = [e.id for e in all_exercises()]
    assert "04" in ids and ids == sorted(ids) and len(set(ids)) == len(ids), ids  # in course order
    for name in (4, "4", "04", "derivatives", "04-derivatives"):
        assert find(name).slug == "derivatives"
    with pytest.raises(ValueError, match="Known exercises: .*04-derivatives"):
        find("99")
    with pytest.raises(TypeError):
        find(4.0)


def test_limits_and_checks_validate_their_arguments():
    with pytest.raises(ValueError):
        Limits(timeout=0)
    with pytest.raises(ValueError):
        Limits(memory_mb=-1)
    assert Limits(timeout=10).capped(3).timeout == 3 and Limits(timeout=2).capped(5).timeout == 2
    with pytest.raises(ValueError):
        Check("x", -1, lambda s: passed())
    with pytest.raises(ValueError):
        Check("x", 1, lambda s: passed(), visibility="secret")
    with pytest.raises(ValueError):
        Outcome(1.5)
    assert check("y", points=2)(lambda s: passed()).points == 2.0


def _result():
    checks = (CheckResult("visible one", 2.0, 2.0, "visible", "", 0.1),
              CheckResult("hidden one", 0.0, 3.0, "hidden", "wrong sign\nsecond line", 0.1))
    return GradeResult("04-derivatives", "a.py", checks, 1.0)


def test_reports_in_every_format():
    result = _result()
    text = render(result, "text")
    assert "PASS  visible one" in text and "FAIL  hidden one" in text and "Total: 2/5" in text
    assert json.loads(render(result, "json"))["score"] == 2
    data = gradescope(result)
    assert data["tests"][1]["visibility"] == "hidden" and data["tests"][1]["status"] == "failed"
    with pytest.raises(ValueError):
        render(result, "xml")


def test_model_description_round_trip_rebuilds_with_the_kit():
    from kit.builders import build_mlp
    from kit.grading.sandbox import model_transfer as models

    original = build_mlp(2, hidden=[3, 2], activation=["relu", "sigmoid"], head="playground", seed=3)
    description = models.describe(original)
    rebuilt = models.rebuild(description, description["weights"])
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), original.predict(x, verbose=0), rtol=1e-6)
    bad = dict(description, layers=description["layers"] + [{"kind": "Lambda", "name": "sneaky"}])
    with pytest.raises(models.ModelRejected, match="Lambda"):
        models.rebuild(bad)
    unknown = json.loads(json.dumps({k: v for k, v in description.items() if k != "weights"}))
    unknown["layers"][1]["activation"] = "my_secret_fn"
    with pytest.raises(models.ModelRejected, match="my_secret_fn"):
        models.rebuild(unknown)
    with pytest.raises(models.ModelRejected, match="budget"):
        models.check_recipe({"optimizer": "sgd", "learning_rate": 0.03, "epochs": 10_000, "batch_size": 1}, 250)


def _kit(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "kit.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin",
                                               "KIT_CHECK_SERVER": "0"})


def test_cli_usage_errors_exit_2_with_one_line():
    completed = _kit("check", "99", "x.py")
    assert completed.returncode == 2 and "Unknown exercise" in completed.stderr and "Traceback" not in completed.stderr
    completed = _kit("grade", "04", "/nonexistent.py")
    assert completed.returncode == 2 and "No submission file" in completed.stderr


def test_cli_start_copies_and_never_overwrites(tmp_path):
    assert _kit("start", "4", str(tmp_path / "work")).returncode == 0
    assert (tmp_path / "work" / "starter.py").is_file() and (tmp_path / "work" / "figures" / "activations.png").is_file()
    (tmp_path / "work" / "starter.py").write_text("# my edits")
    completed = _kit("start", "4", str(tmp_path / "work"))
    assert completed.returncode == 2 and "already exist" in completed.stderr
    assert (tmp_path / "work" / "starter.py").read_text() == "# my edits"


@pytest.mark.slow
def test_cli_check_and_grade_exit_codes(tmp_path):
    solution = ROOT / "exercises" / "04-derivatives" / "solution.py"
    completed = _kit("check", "04", str(solution))
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "Total: 90/90" in completed.stdout and "[hidden]" not in completed.stdout
    out = tmp_path / "results" / "results.json"
    completed = _kit("grade", "04", str(ROOT / "exercises" / "04-derivatives" / "starter.py"), "--format",
                     "gradescope", "--out", str(out))
    assert completed.returncode == 1
    assert json.loads(out.read_text())["score"] == 0


def test_without_root_the_sandbox_says_what_it_cannot_do(monkeypatch):
    from kit.grading.sandbox import child

    monkeypatch.setattr(child.os, "geteuid", lambda: 1000)
    notes = []
    assert child._isolate(["/nowhere"], 64, notes) == "none"
    assert child.sandbox_user() is None
    assert "not root" in notes[0] and "no network" in notes[0]


def test_grade_submission_validates_its_arguments():
    from kit.grading import grade_submission

    solution = ROOT / "exercises" / "04-derivatives" / "solution.py"
    with pytest.raises(TypeError, match="list of kit.grading.authoring.checks.Check"):
        grade_submission("04", solution, checks=[1])
    with pytest.raises(ValueError, match="visibility"):
        grade_submission("04", solution, visibility="secret")
    with pytest.raises(TypeError, match="Zygote"):
        grade_submission("04", solution, zygote=3)
    with pytest.raises(ValueError, match="Unknown exercise"):
        grade_submission("99", solution)


@pytest.mark.parametrize("arguments", [["exercises"], ["start", "03", "{tmp}/work"]])
def test_listing_and_starting_exercises_never_import_tensorflow(arguments, tmp_path):
    arguments = [a.format(tmp=tmp_path) for a in arguments]
    script = ("import sys\nfrom kit import cli\nsys.argv = ['kit', *sys.argv[1:]]\ncode = cli.main()\n"
              "print('tensorflow' in sys.modules)\nsys.exit(code)")
    completed = subprocess.run([sys.executable, "-c", script, *arguments], cwd=ROOT, capture_output=True, text=True,
                               timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                                 "KIT_CHECK_SERVER": "0"})  # kit start would warm one up
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "False"


def test_cli_start_puts_each_exercise_in_its_own_folder(tmp_path):
    """Every README said `kit start NN my-work/`, and the second exercise was refused (its files existed)."""
    first = _kit("start", "01", cwd=tmp_path)
    second = _kit("start", "04", cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    for folder in ("01-linear-limits", "04-derivatives"):
        assert (tmp_path / "my-work" / folder / "starter.py").is_file()
        assert (tmp_path / "my-work" / folder / "starter.ipynb").is_file()
    assert 'kit.check("04")' in second.stdout and "kit check 04 my-work/04-derivatives/starter.py" in second.stdout


@pytest.mark.parametrize("out, reason", [("/proc/report.json", "No such file or directory"),
                                         ("{tmp}", "it is a folder")], ids=["/proc", "a folder"])
def test_grade_refuses_its_out_before_grading(tmp_path, out, reason):
    """`kit grade --out /proc/…` refused only after the whole grading."""
    completed = _kit("grade", "04", str(ROOT / "exercises" / "04-derivatives" / "solution.py"), "--out",
                     out.format(tmp=tmp_path))
    lines = completed.stderr.splitlines()
    assert completed.returncode == 2 and len(lines) == 1 and reason in lines[0], completed.stderr
    assert "kit grade: error: Cannot write the report" in lines[0] and not completed.stdout
