"""TensorFlow's start-up noise is left out of scripts and notebooks; every other line is kept."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kit
from kit.grading.authoring.exercises import all_exercises

ROOT = Path(__file__).resolve().parents[1]
# What TensorFlow 2.21 printed on this CPU-only machine when imported (timestamps shortened).
NOISE = """WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796537772.015388    5084 port.cc:153] oneDNN custom operations are on. You may see slightly \
different numerical results due to floating-point round-off errors from different computation orders.
I0000 00:00:1796537772.015734    5084 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
I0000 00:00:1796537772.080232    5084 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available \
CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the appropriate \
compiler flags.
E0000 00:00:1796537772.1 cuda_executor.cc:1228] failed call to cuInit: INTERNAL: CUDA error"""


def test_the_noise_pattern_drops_tensorflows_startup_lines_and_nothing_else():
    assert all(kit.STARTUP_NOISE.fullmatch(line) for line in NOISE.splitlines())
    for kept in ("W0000 00:00:1.2 op_kernel.cc:1] OP_REQUIRES failed: out of memory", "UserWarning: x",
                 "Traceback (most recent call last):", "E0000 00:00:1.2 some_op.cc:9] real failure"):
        assert not kit.STARTUP_NOISE.fullmatch(kept), kept


@pytest.mark.slow
def test_import_kit_quiet_then_keras_prints_nothing(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("TF_", "KIT_"))}
    environment["PYTHONPATH"] = str(ROOT)
    loud = subprocess.run([sys.executable, "-c", "import keras"], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=300)
    quiet = subprocess.run([sys.executable, "-c", "import kit.quiet, keras, warnings; warnings.warn('kept')"],
                           cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    assert [line for line in quiet.stderr.splitlines() if line.strip()] == [
        line for line in quiet.stderr.splitlines() if "kept" in line or "warnings.warn" in line], quiet.stderr
    assert "kept" in quiet.stderr
    # The control: on this machine the plain import does print what the pattern matches.
    noise = [line for line in loud.stderr.splitlines() if kit.STARTUP_NOISE.fullmatch(line.strip())]
    if not noise:
        pytest.skip("this TensorFlow prints no start-up noise here: nothing to leave out")


def test_every_starter_that_loads_tensorflow_imports_kit_quiet_first():
    for exercise in all_exercises():
        text = (exercise.path / "starter.py").read_text(encoding="utf-8")
        imports = re.findall(r"^(?:import|from) ([\w.]+)", text, flags=re.MULTILINE)
        loads = [name for name in imports if name.split(".")[0] in ("keras", "tensorflow")
                 or name.startswith(("kit.builders", "kit.training", "kit.tensorboard", "kit.datasets"))
                 or name == "kit" and "from kit import builders" in text]
        if loads:
            assert "kit.quiet" in imports and imports.index("kit.quiet") < imports.index(loads[0]), (exercise.id, imports)
