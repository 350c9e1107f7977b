"""README.md and docs/ show the benchmark figures of docs/benchmarks/*.json, and the check can fail.

Each test works on a copy of the files in a temporary folder and changes one thing the check must
catch: a figure in README's table, a figure in a JSON file, a ratio written by hand, a JSON made
with --quick, a missing block. No TensorFlow is loaded.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kit.benchmarks import figures

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def copy(tmp_path):
    """A copy of README.md, the docs and the published JSON."""
    for relative in [*figures.FILES, *figures.sources(ROOT)]:
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, target)
    return tmp_path


def test_the_committed_readme_and_docs_show_the_committed_json():
    assert figures.check(ROOT) == []


def test_kit_bench_figures_check_passes_on_the_repository_without_tensorflow():
    code = ("import sys\nfrom kit.cli import main\nstatus = main(['bench', 'figures', '--check'])\n"
            "assert 'tensorflow' not in sys.modules\nsys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "docs/benchmarks/train.json" in result.stdout


def test_a_changed_figure_in_the_readme_is_caught_and_rewritten(copy):
    readme = copy / "README.md"
    text = readme.read_text()
    block = figures.BLOCK.search(text)
    figure = re.search(r"(\d+\.\d)×", block.group(2))  # the trainer's headline speed-up
    changed = text[:block.start(2) + figure.start(1)] + "999.9" + text[block.start(2) + figure.end(1):]
    readme.write_text(changed)
    assert figures.check(copy) == ["README.md: the 'readme' figures differ from docs/benchmarks; run 'kit bench figures'"]

    assert figures.write(copy) == [readme]
    assert readme.read_text() == text and figures.check(copy) == []


def test_a_remeasured_json_makes_the_docs_stale(copy):
    path = copy / "docs" / "benchmarks" / "train.json"
    result = json.loads(path.read_text())
    result["speedup_vs_fit_best"] += 1
    path.write_text(json.dumps(result))
    problems = figures.check(copy)
    assert any(p.startswith("README.md: the 'readme' figures differ") for p in problems), problems
    assert any(p.startswith("docs/training.md: the 'train' figures differ") for p in problems), problems
    figures.write(copy)
    assert figures.check(copy) == []


def test_a_hand_written_speedup_outside_the_blocks_is_refused(copy):
    path = copy / "docs" / "grading.md"
    path.write_text(path.read_text() + "\nGrading is 12× faster.\nThe loss reads 2× the Playground's.\n")
    assert figures.check(copy) == [
        "docs/grading.md: a hand-written speed-up outside the generated block: 'Grading is 12× faster.'"]
    readme = copy / "README.md"
    readme.write_text(readme.read_text().replace("many times faster", "about 100× faster"))
    assert figures.check(copy)[0].startswith("README.md: a hand-written speed-up outside the generated block: "
                                             "'`model.fit` (tested to 1e-5), about 100× faster")


def test_quick_figures_and_missing_blocks_are_refused(copy):
    path = copy / "docs" / "benchmarks" / "diagnostics.json"
    result = json.loads(path.read_text())
    result["setup"]["quick"] = True
    path.write_text(json.dumps(result))
    assert "docs/benchmarks/diagnostics.json was measured with --quick; its timings mean nothing" in figures.check(copy)

    tensorboard = copy / "docs" / "tensorboard.md"
    tensorboard.write_text(figures.BLOCK.sub("", tensorboard.read_text()))
    assert "docs/tensorboard.md has no '<!-- kit bench figures: diagnostics -->' … '<!-- end kit bench figures -->' " \
           "block" in figures.check(copy)


def test_a_missing_json_is_named_with_the_command_that_makes_it(copy):
    (copy / "docs" / "benchmarks" / "grade.json").unlink()
    assert figures.check(copy) == [f"{copy}/docs/benchmarks/grade.json is missing; measure it with "
                                   "'kit bench grade --json --out docs/benchmarks/grade.json'."]


def test_the_check_latency_table_is_check_json_and_a_remeasured_figure_makes_it_stale(copy):
    grading = copy / "docs" / "grading.md"
    block = dict((m.group(1), m.group(2)) for m in figures.BLOCK.finditer(grading.read_text()))["check"]
    path = copy / "docs" / "benchmarks" / "check.json"
    result = json.loads(path.read_text())
    rows = {line.split(" | ")[0].strip("| "): [cell.strip() for cell in line.strip("|\n ").split(" | ")[1:]]
            for line in block.splitlines() if re.match(r"\| \d\d \|", line)}
    assert sorted(rows) == sorted(result["exercises"])  # one row per measured exercise, in the JSON's columns
    for exercise, cells in rows.items():
        assert cells == [f"{result['exercises'][exercise][key]:.1f}" for _, key in figures.CHECK_COLUMNS], exercise

    exercise = sorted(result["exercises"])[0]
    result["exercises"][exercise]["warm_check_seconds"] += 1
    path.write_text(json.dumps(result))
    assert figures.check(copy) == [
        "docs/grading.md: the 'check' figures differ from docs/benchmarks; run 'kit bench figures'"]
    assert figures.write(copy) == [grading] and figures.check(copy) == []
    result["exercises"][exercise] = {"error": "timed out"}  # a failed exercise is said, not left blank
    path.write_text(json.dumps(result))
    figures.write(copy)
    assert f"| {exercise} | its check failed: see `error` in the JSON |" in grading.read_text()
    result["quick"] = True
    path.write_text(json.dumps(result))
    assert figures.check(copy) == ["docs/benchmarks/check.json was measured with --quick; its timings mean nothing"]
