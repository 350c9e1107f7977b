"""``kit bench train``: the fit grid, the headline ratios, ``--out``, and flags refused before TensorFlow.

Timings are not asserted (a shared CI machine makes them noise); the structure and the arithmetic
of the figures are.
"""

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def kit(*arguments, timeout=600):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "kit.cli", *arguments], capture_output=True, text=True,
                          timeout=timeout, env=environment, cwd=ROOT)


@pytest.mark.slow
def test_quick_bench_measures_every_fit_configuration_and_rates_the_kit_against_the_best(tmp_path):
    out = tmp_path / "train.json"
    result = kit("bench", "train", "--quick", "--json", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout)
    assert json.loads(out.read_text()) == figures  # --out writes what --json prints

    fit = figures["fit"]
    assert {(row["jit_compile"], row["steps_per_execution"]) for row in fit} == set(
        itertools.product((False, True), (1, 5, 25)))
    assert all(row["steps_per_s"] > 0 and row["first_epoch_seconds"] > 0 for row in fit)
    best = max(fit, key=lambda row: row["steps_per_s"])
    default = next(row for row in fit if not row["jit_compile"] and row["steps_per_execution"] == 1)
    assert figures["fit_best_config"] == (f"jit_compile={best['jit_compile']}, "
                                          f"steps_per_execution={best['steps_per_execution']}")
    assert figures["fit_best_steps_per_s"] == best["steps_per_s"]
    assert figures["fit_default_steps_per_s"] == default["steps_per_s"]
    assert figures["speedup_vs_fit_best"] == pytest.approx(figures["kit_steps_per_s"] / best["steps_per_s"], abs=0.06)
    assert figures["speedup_vs_fit_default"] == pytest.approx(figures["kit_steps_per_s"] / default["steps_per_s"],
                                                              abs=0.06)
    assert figures["speedup_vs_fit_best"] <= figures["speedup_vs_fit_default"]
    assert [row["kit_speedup"] for row in (best, default)] == [figures["speedup_vs_fit_best"],
                                                              figures["speedup_vs_fit_default"]]
    assert figures["kit_first_epoch_seconds"] > 0 and figures["kit_callback_steps_per_s"] > 0
    # One no-op per-epoch callback, beside the headline: the kit against fit's best with the same callback.
    with_callback = figures["fit_with_callback"]
    assert {(row["jit_compile"], row["steps_per_execution"]) for row in with_callback} == set(
        itertools.product((False, True), (1, 5, 25)))
    best_with_callback = max(with_callback, key=lambda row: row["steps_per_s"])
    assert figures["fit_best_with_callback_steps_per_s"] == best_with_callback["steps_per_s"]
    assert figures["speedup_vs_fit_best_with_callback"] == pytest.approx(
        figures["kit_callback_steps_per_s"] / best_with_callback["steps_per_s"], abs=0.06)
    assert list(figures)[:2] == ["speedup_vs_fit_best", "speedup_vs_fit_best_with_callback"]

    full = figures["full_batch"]
    assert [row["jit_compile"] for row in full["fit"]] == [False, True]
    assert full["speedup_vs_fit_best"] <= full["speedup_vs_fit_default"]
    assert full["fit_best_config"].startswith("jit_compile=")

    assert figures["sweep"]["runs"] == 4 and len(figures["sweep"]["val_accuracy"]) == 4
    assert all(0 <= value <= 1 for value in figures["sweep"]["val_accuracy"].values())
    # The sweep in one train_many call learns what one train call at a time learns (float drift aside).
    sweep = figures["sweep"]
    assert sweep["val_accuracy"].keys() == sweep["one_at_a_time_val_accuracy"].keys()
    assert all(abs(sweep["val_accuracy"][k] - sweep["one_at_a_time_val_accuracy"][k]) <= 0.05 for k in sweep["val_accuracy"])
    assert figures["sweep_seconds"] == sweep["seconds"] > 0 and sweep["one_at_a_time_seconds"] > 0
    assert set(figures["many_models_steps_per_s"]) == {"1", "8"} == set(figures["many_models_speedup_vs_fit_best"])
    assert figures["many_models_speedup_vs_fit_best"]["8"] == pytest.approx(
        figures["many_models_steps_per_s"]["8"] / figures["fit_best_steps_per_s"], rel=0.01)
    assert "evaluates the full train and test splits" in figures["includes"]
    # TensorFlow's default threads against the kit's one, each in fresh processes, for both sides.
    threads = figures["threads"]
    for name in ("kit", "fit_best"):
        assert set(threads[name]) == {"0", "1"}
        assert all(run["steps_per_s"] > 0 and run["cpu_per_wall"] > 0 for run in threads[name].values())
        assert threads[f"{name}_speedup_one_thread"] == pytest.approx(
            threads[name]["1"]["steps_per_s"] / threads[name]["0"]["steps_per_s"], abs=0.02)
    assert figures["setup"]["quick"] is True and figures["setup"]["steps_per_epoch"] == 25
    assert figures["machine"]["cpus"] >= 1 and figures["machine"]["tensorflow"]
    assert figures["command"] == f"kit bench train --quick --json --out {out}"


REFUSED = [
    (["train", "--repeats", "0"], "argument --repeats: must be an int ≥ 1. Got '0' instead."),
    (["train", "--epochs", "many"], "argument --epochs: must be an int ≥ 1. Got 'many' instead."),
    (["diagnostics", "--epochs", "1"], "argument --epochs: must be an int ≥ 2. Got '1' instead."),
    (["grade", "--submissions", "0"], "argument --submissions: must be an int ≥ 1. Got '0' instead."),
    (["train", "--out", "/no/such/folder/train.json"],
     "argument --out: must be a file in an existing folder. Got '/no/such/folder/train.json' instead; "
     "create /no/such/folder first."),
]


def test_bench_flags_are_refused_before_tensorflow_loads():
    code = ("import contextlib, io, json, sys\nfrom kit.cli import main\nresults = []\n"
            "for arguments in json.loads(sys.argv[1]):\n    stderr = io.StringIO()\n"
            "    with contextlib.redirect_stderr(stderr):\n        try:\n"
            "            status = main(['bench', *arguments])\n        except SystemExit as exit:\n"
            "            status = exit.code\n    results.append([status, stderr.getvalue().splitlines()[-1]])\n"
            "heavy = [m for m in ('tensorflow', 'keras') if m in sys.modules]\n"
            "print(json.dumps({'results': results, 'heavy': heavy}))")
    environment = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", code, json.dumps([a for a, _ in REFUSED])], capture_output=True,
                            text=True, timeout=120, env=environment, cwd=ROOT)
    report = json.loads(result.stdout)
    assert report["heavy"] == [], result.stderr
    for (arguments, message), (status, line) in zip(REFUSED, report["results"]):
        assert status == 2 and line.endswith(message), (arguments, line)
