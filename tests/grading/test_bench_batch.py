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
    for key in ("per_minute", "fresh_parallel_per_minute", "fresh_serial_per_minute", "speedup", "speedup_vs_serial",
                "includes", "profile", "batch_seconds", "batch_peak_rss_mb", "fresh_peak_rss_mb", "peak_rss"):
        assert key in data, key
    assert data["submissions"] == 4 and data["fresh_submissions"] == 2 and data["rounds"] == 1
    assert data["quick"] is True and data["workers"] == 2
    assert data["profile"]["calls_per_submission"] == 11  # exercise 04's calls
    for key in ("per_minute", "fresh_parallel_per_minute", "fresh_serial_per_minute", "batch_seconds",
                "fresh_seconds_per_submission"):
        figure = data[key]
        assert 0 < figure["min"] <= figure["median"] <= figure["max"], key
    # The speedups are ratios of the median rates (one round: the batch over the fresh processes).
    batch_rate = 60 * data["submissions"] / data["batch_seconds"]["median"]
    assert data["speedup"] == pytest.approx(batch_rate / data["fresh_parallel_per_minute"]["median"], rel=0.01)
    assert data["speedup_vs_serial"] == pytest.approx(batch_rate / data["fresh_serial_per_minute"]["median"],
                                                      rel=0.01)
    # Neither side imports TensorFlow for exercise 04: a process that did peaks above 600 MB.
    assert 10 < data["fresh_peak_rss_mb"] < 300 and 10 < data["batch_peak_rss_mb"] < 300
