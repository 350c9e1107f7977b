"""The command line: fast help without TensorFlow, readable one-line errors, working commands."""

import os
import subprocess
import sys

KIT = [sys.executable, "-m", "kit.cli"]


def _run(*args, timeout=120):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([*KIT, *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_help_does_not_import_tensorflow():
    code = ("import sys\nfrom kit.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr
    assert "activations" in result.stdout and "demo" in result.stdout


def test_bad_input_is_one_line_and_exit_2():
    result = _run("plot", "dataset", "spirl", "--out", "x.png")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["kit plot: error: Unknown Playground data set 'spirl'. Did you mean 'spiral'? "
                     "Known Playground data sets: circle, gauss, reg-gauss, reg-plane, spiral, xor."]


def test_activations_table_and_plot(tmp_path):
    result = _run("activations")
    assert result.returncode == 0 and "sigmoid" in result.stdout and "0.25" in result.stdout
    assert result.stderr.strip() == ""  # TensorFlow's start-up lines are kept off the terminal
    out = tmp_path / "acts.png"
    result = _run("plot", "activations", "sigmoid,relu", "--out", str(out))
    assert result.returncode == 0 and out.stat().st_size > 5_000


def test_datasets_lists_every_source():
    result = _run("datasets")
    assert result.returncode == 0
    for name in ("circle", "spiral", "reg-gauss", "digits", "breast_cancer"):
        assert name in result.stdout
