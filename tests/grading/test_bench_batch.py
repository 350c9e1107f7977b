"""``kit bench batch --quick --json`` runs and reports the documented keys (figures are not asserted)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_batch_quick_reports_its_keys():
    completed = subprocess.run([sys.executable, "-m", "kit.cli", "bench", "batch", "--quick", "--json"], cwd=ROOT,
                               capture_output=True, text=True, timeout=900,
                               env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr[-2000:]
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    for key in ("per_minute", "fresh_per_minute", "speedup", "includes", "profile", "batch_seconds"):
        assert key in data, key
    assert data["submissions"] == 4 and data["fresh_submissions"] == 1 and data["quick"] is True
    assert data["per_minute"] > 0 and data["profile"]["calls_per_submission"] == 11  # exercise 04's calls
    # The ratio of the two rates, from the timings (the rates themselves are rounded to 0.1).
    batch_rate = 60 * data["submissions"] / data["batch_seconds"]
    fresh_rate = 60 / data["fresh_seconds_per_submission"]
    assert data["speedup"] == pytest.approx(batch_rate / fresh_rate, rel=0.01)
