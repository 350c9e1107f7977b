"""``kit train`` from the command line (subprocesses); ``kit bench train`` is in test_bench_train.py."""

import contextlib
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
    (["--head", "logistic", "--stop-when", "val_los=0.1"], "Unknown --stop-when metric 'val_los'. Did you mean"),
    (["--hidden", "8,0"], "'hidden' parameter of kit.builders.build_mlp"),
    # Widths had no upper bound: 2**40 units ran TensorFlow out of memory with a traceback.
    (["--hidden", str(2 ** 40)], "must be a list of at most 64 ints in [1, 4096] or an int in [1, 4096]"),
    (["--hidden", ",".join(["2"] * 65)], "must be a list of at most 64 ints in [1, 4096]"),
    # A head that cannot learn the data's labels, in the flags' words (was: an n_classes the user never gave,
    # or a labels= fix the command line has no flag for).
    (["--dataset", "reg-plane", "--head", "softmax"], "--head softmax learns index or 01 labels, but the data set "
     "'reg-plane' has 'real' labels. Use --head linear or playground_regression, or leave --head out"),
    (["--dataset", "iris", "--head", "playground"], "Use --head softmax"),
    # Playground-only flags for a bundled data set: refused, not silently ignored (even at their default value).
    (["--dataset", "iris", "--noise", "0"], "--noise applies to the Playground's data sets only"),
    (["--dataset", "wine", "--features", "x1", "--noise", "5"], "--features and --noise apply to the Playground's"),
])
def test_kit_train_bad_numbers_are_refused_before_training(capsys, arguments, message):
    from kit.cli import main

    by_argparse = arguments[0] == "--hidden" or "--stop-when" in arguments
    with pytest.raises(SystemExit) if by_argparse else contextlib.nullcontext() as refused:
        assert main(["train", "--epochs", "2", *arguments]) == 2  # a flag's own refusal: argparse's exit
    assert refused is None or refused.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_kit_train_replays_the_playground_on_its_regression_data(capsys):
    from kit.cli import main

    assert main(["train", "--dataset", "reg-plane", "--hidden", "2", "--epochs", "2", "--batch-size", "7",
                 "--regularization", "l1", "--regularization-rate", "0.01", "--batching", "playground",
                 "--no-shuffle"]) == 0
    out = capsys.readouterr().out
    assert "playground_regression head" in out and "2 epochs in" in out


# Refused by the flag's type (the shared constraint of kit.errors, in its sentence) or by
# kit.datasets, which loads before TensorFlow does.
BEFORE_TENSORFLOW = [
    (["--epochs", "many"], "kit train: error: argument --epochs: must be an int ≥ 1. Got 'many' instead."),
    (["--epochs", "0"], "kit train: error: argument --epochs: must be an int ≥ 1. Got '0' instead."),
    (["--learning-rate", "50"], "kit train: error: argument --learning-rate: must be a number in (0, 10]. Got '50' "
                                "instead. The Playground offers 0.00001 to 10; 0.03 is its default."),
    (["--batch-size", "1.5"], "kit train: error: argument --batch-size: must be an int ≥ 1. Got '1.5' instead. "
                              "The Playground offers 1 to 30; 10 is its default."),
    (["--seed", "-1"], "kit train: error: argument --seed: must be an int in [0, 2**31 − 1]. Got '-1' instead."),
    (["--noise", "60"], "kit train: error: The 'noise' parameter of kit.datasets.playground must be a number in "
                        "[0, 50]. Got 60.0 instead. The Playground's noise slider runs from 0 to 50."),
    (["--features", "x1,x3"], "kit train: error: Unknown feature 'x3'. Known features: sin_x1, "
                              "sin_x2, x1, x1_sq, x1_x2, x2, x2_sq."),
    (["--regularization-rate", "-1"], "kit train: error: argument --regularization-rate: must be a finite number ≥ 0. "
                                      "Got '-1' instead. 0 turns the penalty off; the Playground offers 0.001 to 10."),
    (["--regularization-rate", "0.1"], "kit train: error: --regularization-rate 0.1 has no effect without "
                                       "--regularization l1 or l2; add one, or drop the rate."),
    (["--batching", "x"], "kit train: error: argument --batching: invalid choice: 'x' (choose from 'fit', "
                          "'playground')"),
]


def test_kit_train_refuses_bad_flags_before_loading_tensorflow():
    code = ("import contextlib, io, json, sys\nfrom kit.cli import main\nresults = []\n"
            "for arguments in json.loads(sys.argv[1]):\n    stderr = io.StringIO()\n"
            "    with contextlib.redirect_stderr(stderr):\n        try:\n"
            "            status = main(['train', *arguments])\n        except SystemExit as exit:\n"
            "            status = exit.code\n    results.append([status, stderr.getvalue().splitlines()[-1]])\n"
            "heavy = [m for m in ('tensorflow', 'keras') if m in sys.modules]\n"
            "print(json.dumps({'results': results, 'heavy': heavy}))")
    arguments = json.dumps([arguments for arguments, _ in BEFORE_TENSORFLOW])
    environment = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", code, arguments], capture_output=True, text=True, timeout=120,
                            env=environment, cwd=ROOT)
    report = json.loads(result.stdout)
    assert report["heavy"] == [], result.stderr
    assert report["results"] == [[2, message] for _, message in BEFORE_TENSORFLOW]
