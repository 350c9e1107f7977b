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
    assert data["submissions"] == 6 and data["fresh_submissions"] == 2 and data["quick"] is True
    assert data["per_minute"] > 0 and data["profile"]["calls_per_submission"] == 11  # exercise 04's calls
    assert data["speedup"] == pytest.approx(data["per_minute"] / data["fresh_per_minute"], rel=0.01)
