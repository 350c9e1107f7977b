"""``kit bench grade``: its quick run reports the documented keys (figures are not asserted), and
its Otter-Grader contender grades as the kit does.

``test_otter_tests_judge_as_the_kit_checks`` runs the Otter autograder's 42 OK tests the way
``otter run`` does (each a doctest in the submission's namespace) without Otter, so it always runs:
on the solution, the benchmark's typical mistakes and the starter, every test must pass exactly
when its kit check does. The quick benchmark runs with ``--otter cached``: the normal test run
never downloads Otter-Grader (about 600 MB); once it is installed in ``.cache/bench-otter``
(``make bench-otter``, or any ``kit bench grade`` run), ``test_bench_grade_quick_otter_contender``
grades with ``otter run`` itself, and the benchmark stops unless both graders gave every
submission the same score. Until then that test checks that the JSON says why Otter was skipped,
then skips, saying how to install it.
"""

import doctest
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kit.benchmarks import otter_peer
from kit.benchmarks.grade import VARIANTS
from kit.grading.runners.engine import grade_submission
from kit.grading.authoring.exercises import find
from kit.grading.sandbox.zygote import Zygote

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick():
    completed = subprocess.run([sys.executable, "-m", "kit.cli", "bench", "grade", "--quick", "--json", "--otter",
                                "cached"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                               env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_bench_grade_quick_reports_its_keys(quick):
    for key in ("fresh_seconds", "fresh_peak_rss_mb", "peak_rss", "zygote_seconds_per_submission",
                "fresh_zygote_seconds_per_submission", "zygote_speedup", "zygote_overhead_seconds_per_submission",
                "otter", "otter_seconds", "speedup_vs_otter", "machine", "command"):
        assert key in quick, key
    assert quick["submissions"] == 2 and quick["quick"] is True and quick["runtime"] == "numpy"
    assert quick["scores"] == [100, 94]  # the solution, then the naive sigmoid (kit bench grade's VARIANTS)
    fresh = quick["fresh_seconds"]
    assert 0 < fresh["min"] <= fresh["median"] <= fresh["max"]
    # Exercise 04 grades without TensorFlow: a `kit grade` process that imported it peaks above 600 MB.
    assert 10 < quick["fresh_peak_rss_mb"] < 300
    assert quick["command"] == "kit bench grade --otter cached --quick"


@pytest.mark.slow
def test_bench_grade_quick_otter_contender(quick):
    otter = quick["otter"]
    assert otter["version"] == otter_peer.OTTER_VERSION
    if not otter_peer.installed():
        assert quick["otter_seconds"] is None and quick["speedup_vs_otter"] is None
        assert "not installed" in otter["skipped"] and "make bench-otter" in otter["skipped"]
        pytest.skip(f"{otter_peer.OTTER_REQUIREMENT} is not installed in {otter_peer.venv()}: 'make bench-otter' "
                    "installs it (about 600 MB from the package index; the test run does not download it)")
    # The benchmark itself stops unless otter run gave each submission the kit's score.
    assert otter["skipped"] is None and otter["tests"] == 42 and "Jupyter kernel" in otter["checks"]
    seconds = quick["otter_seconds"]
    assert 0 < seconds["min"] <= seconds["median"] <= seconds["max"] and quick["otter_peak_rss_mb"] > 10
    assert quick["speedup_vs_otter"] == pytest.approx(seconds["median"] / quick["fresh_seconds"]["median"], abs=0.01)


def _otter_results(folder: Path, submission: Path) -> dict:
    """Each Otter test's pass/fail on ``submission``, run as otter run does (OKTestFile.run: a
    doctest per case over the submission's global namespace), by the kit check it stands for."""
    namespace = {"__name__": "__main__"}  # Otter runs the file in a kernel, as __main__
    exec(compile(submission.read_text(), str(submission), "exec"), namespace)
    passed = {}
    for name, test in otter_peer.tests().items():
        spec = {}
        exec((folder / "tests" / f"{name}.py").read_text(), spec)
        assert spec["OK_FORMAT"] is True and spec["test"]["points"] == test.points
        (case,) = spec["test"]["suites"][0]["cases"]
        assert case["hidden"] == test.hidden
        examples = doctest.DocTestParser().get_doctest(case["code"], namespace, name, None, 0)
        runner = doctest.DocTestRunner(verbose=False)
        runner.run(examples, out=lambda text: None, clear_globs=False)
        passed[test.check] = runner.summarize(verbose=False).failed == 0
    return passed


def test_otter_tests_judge_as_the_kit_checks(tmp_path, monkeypatch):
    folder = tmp_path / "autograder"
    otter_peer.sources(folder)
    monkeypatch.syspath_prepend(str(folder))  # where otter run puts the zip's files: beside the submission
    exercise = find("04").path
    submissions = {"starter": exercise / "starter.py"}
    for index, variant in enumerate(VARIANTS):
        submissions[f"variant_{index}"] = tmp_path / f"variant_{index}.py"
        submissions[f"variant_{index}"].write_text((exercise / "solution.py").read_text() + variant)
    scores = {}
    try:
        with Zygote(runtime="numpy") as zygote:  # exercise 04's runtime
            results = {label: grade_submission("04", path, zygote=zygote) for label, path in submissions.items()}
        for label, path in submissions.items():
            kit = {check.name: check.score == check.max_score for check in results[label].checks}
            otter = _otter_results(folder, path)
            assert otter == kit, f"{label}: {sorted(name for name in kit if kit[name] != otter[name])}"
            scores[label] = sum(test.points for test in otter_peer.tests().values() if otter[test.check])
    finally:
        sys.modules.pop(otter_peer.SUPPORT, None)
    # The comparison tells work apart: the solution passes all, the starter none, each mistake fails some.
    assert scores.pop("starter") == 0 and scores.pop("variant_0") == 100
    assert all(score < 100 for score in scores.values()), scores
