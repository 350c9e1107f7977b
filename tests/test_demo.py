"""``kit demo`` end to end: every claim holds, the figures and TensorBoard runs are written."""

import json
import os
import subprocess
import sys

import pytest

from kit import demo


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    out = tmp_path / "runs"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-m", "kit.cli", "demo", "--out", str(out)], capture_output=True,
                            text=True, timeout=900, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = json.loads((out / "claims.json").read_text())
    assert len(rows) >= 15
    assert all({"claim", "measured", "expected", "holds"} <= row.keys() for row in rows)
    assert [row["claim"] for row in rows if not row["holds"]] == []
    assert "| claim | measured | expected |" in (out / "claims.md").read_text()
    for figure in ("activations", "progression", "xor_ladder", "feature_crosses", "gradient_flow", "dead_units",
                   "approximation"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 10_000, figure
    for _, names in demo.STAGES:
        for name in names:
            assert list((out / name).rglob("events.out.tfevents.*")), f"no TensorBoard events for {name}"
    assert f"kit board {out}" in result.stdout
