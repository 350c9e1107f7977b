"""``kit train`` and ``kit bench train`` from the command line (subprocesses)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def kit(*arguments, timeout=300):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "kit.cli", *arguments], capture_output=True, text=True,
                          timeout=timeout, env=environment, cwd=ROOT)


@pytest.mark.slow
def test_kit_train_prints_a_summary_and_writes_curves_and_logs(tmp_path):
    plot, logdir = tmp_path / "curves.png", tmp_path / "logs"
    result = kit("train", "--dataset", "xor", "--hidden", "4", "--activation", "relu", "--epochs", "30",
                 "--learning-rate", "0.1", "--plot", str(plot), "--logdir", str(logdir))
    assert result.returncode == 0, result.stderr
    assert "30 epochs in" in result.stdout
    assert "test   loss" in result.stdout and "accuracy" in result.stdout
    assert plot.stat().st_size > 1000
    assert any(logdir.rglob("events.out.tfevents.*"))


def test_kit_train_bad_input_is_one_readable_line():
    result = kit("train", "--epochs", "2", "--dataset", "spirall")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("kit train: error:")]
    assert len(lines) == 1 and "Unknown data set 'spirall'. Did you mean 'spiral'" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("arguments, message", [
    (["--learning-rate", "50"], "'learning_rate' parameter of kit.training.train must be a number in (0, 10]"),
    (["--head", "logistic", "--stop-when", "val_los=0.1"], "Unknown stop_when metric 'val_los'"),
    (["--hidden", "8,0"], "'hidden' parameter of build_mlp"),
])
def test_kit_train_bad_numbers_are_refused_before_training(capsys, arguments, message):
    from kit.cli import main

    assert main(["train", "--epochs", "2", *arguments]) == 2
    assert message in capsys.readouterr().err


def test_kit_train_rejects_a_non_number_before_loading_tensorflow():
    result = kit("train", "--epochs", "many")
    assert result.returncode == 2 and "expected a positive int, got 'many'" in result.stderr


@pytest.mark.slow
def test_kit_bench_train_quick_json_has_the_figures():
    result = kit("bench", "train", "--quick", "--json", timeout=600)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for key in ("fit_steps_per_s", "fit_best_spe_steps_per_s", "kit_steps_per_s", "speedup_vs_fit",
                "sweep_seconds", "full_batch_speedup_vs_fit", "kit_first_epoch_seconds", "machine"):
        assert key in figures
    for key in ("fit_steps_per_s", "fit_best_spe_steps_per_s", "kit_steps_per_s", "sweep_seconds"):
        assert figures[key] > 0
    assert figures["speedup_vs_fit"] == pytest.approx(figures["kit_steps_per_s"] / figures["fit_steps_per_s"], rel=0.01)
    assert figures["sweep_runs"] == 4 and len(figures["sweep_val_accuracy"]) == 4
    assert all(0 <= value <= 1 for value in figures["sweep_val_accuracy"].values())
