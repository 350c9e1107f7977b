"""``kit bench grade --quick --json`` runs and reports the documented keys (figures are not asserted)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_grade_quick_reports_its_keys():
    completed = subprocess.run([sys.executable, "-m", "kit.cli", "bench", "grade", "--quick", "--json"], cwd=ROOT,
                               capture_output=True, text=True, timeout=600,
                               env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr[-2000:]
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    for key in ("zygote_seconds_per_submission", "fresh_seconds_per_submission", "speedup",
                "zygote_overhead_seconds_per_submission", "submissions"):
        assert key in data, key
    assert data["submissions"] == 2 and data["zygote_seconds_per_submission"] > 0
    assert data["scores"][0] == 100  # the first submission is the reference solution
