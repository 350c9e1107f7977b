"""The command line: fast help without TensorFlow, readable one-line errors for the user's mistakes (the
kit's own errors) and tracebacks for the kit's bugs, working commands."""

import contextlib
import io
import os
import subprocess
import sys

import pytest

from kit.errors import InvalidParameter, KitError, MissingFile

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


# Only the kit's own errors are one line: a bug inside a command keeps its traceback.


def _broken_datasets_command(monkeypatch, error):
    from kit.commands import catalogue

    def broken(args):
        raise error

    monkeypatch.setattr(catalogue, "_datasets", broken)  # `kit datasets` needs no TensorFlow: quick


@pytest.mark.parametrize("error", [KeyError("features"), AttributeError("'NoneType' object has no attribute 'x_train'"),
                                   ValueError("operands could not be broadcast"), TypeError("unhashable type: 'list'")],
                         ids=lambda error: type(error).__name__)
def test_a_bug_inside_a_command_is_not_turned_into_one_line(monkeypatch, capsys, error):
    from kit.cli import main

    _broken_datasets_command(monkeypatch, error)
    with pytest.raises(type(error)) as raised:
        main(["datasets"])
    assert raised.value is error and capsys.readouterr().err == ""


@pytest.mark.parametrize("error", [InvalidParameter("The 'x' parameter of f must be an int ≥ 1. Got 0 instead."),
                                   MissingFile("CSV file 'x.csv' does not exist; check the path."),
                                   KitError("no zoo entry matches 'q*'")], ids=lambda error: type(error).__name__)
def test_the_kits_own_errors_are_one_line_and_exit_2(monkeypatch, capsys, error):
    from kit.cli import main

    _broken_datasets_command(monkeypatch, error)
    assert main(["datasets"]) == 2
    assert capsys.readouterr().err == f"kit datasets: error: {error}\n"


def test_a_bug_shows_its_traceback_on_the_terminal():
    code = ("import sys\nfrom kit.commands import catalogue\n"
            "catalogue._datasets = lambda args: {}['a missing key']\n"
            "from kit.cli import main\nsys.exit(main(['datasets']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr and "KeyError: 'a missing key'" in result.stderr


def test_user_errors_from_the_library_are_one_line(tmp_path, capsys):
    from kit.cli import main

    assert main(["zoo", "show", "xor-3-relo"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kit zoo: error: Unknown zoo entry 'xor-3-relo'. Did you mean")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["plot", "dataset", "xor", "--out", str(blocker / "xor.png")]) == 2
    lines = capsys.readouterr().err.splitlines()  # the OS's reason: "File exists" (mkdir) or "Not a directory"
    assert len(lines) == 1
    assert lines[0].startswith(f"kit plot: error: Cannot write the figure '{blocker / 'xor.png'}': ")
    assert lines[0].endswith(". Choose a folder you can write to.")


def test_train_help_does_not_import_tensorflow():
    code = ("import sys\nfrom kit.cli import main\ntry:\n    main(['train', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', [m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr
    assert "epochs (default 100)" in result.stdout and "learning rate, in (0, 10] (default 0.03)" in result.stdout


def test_output_into_a_closed_pipe_ends_quietly():
    """``kit zoo list | head -0``: the reader is gone before the kit writes; it ends without a traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has left: every write meets EPIPE
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    try:
        result = subprocess.run([*KIT, "zoo", "list"], stdout=write_end, stderr=subprocess.PIPE, text=True,
                                env=env, timeout=120)
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (141, "")


@pytest.mark.parametrize("command", [["plot", "dataset", "xor", "--out"], ["train", "--epochs", "1", "--plot"]],
                         ids=["plot --out", "train --plot"])
@pytest.mark.parametrize("target, reason", [
    ("curves.txt", "matplotlib cannot save a '.txt' file. Give a file name ending in .png"),
    ("curves.xyz", "matplotlib cannot save a '.xyz' file."),
    ("curves", "matplotlib cannot save a file without a suffix."),
    ("FOLDER", "it is a folder. Give a file name inside it"),
    ("missing/curves.png", "does not exist (create it first)"),
], ids=["txt", "xyz", "no suffix", "folder", "missing folder"])
def test_a_figure_path_is_refused_before_any_work(tmp_path, monkeypatch, command, target, reason):
    """Before the fix, `--out a.txt` ended in matplotlib's traceback (after the whole training run
    for `kit train --plot`) and `--out DIR` wrote DIR.png beside the folder; now one line, nothing written."""
    from kit.cli import main
    from kit.commands import training

    monkeypatch.chdir(tmp_path)
    (tmp_path / "FOLDER").mkdir()
    monkeypatch.setattr(training, "_load", lambda args: pytest.fail("the data set was loaded before the refusal"))
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        assert main([*command, target]) == 2
    lines = errors.getvalue().splitlines()
    assert len(lines) == 1 and "Cannot write the " in lines[0] and reason in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FOLDER"] and not any((tmp_path / "FOLDER").iterdir())


@pytest.mark.parametrize("out, reason", [("a-file", "'a-file': it is a file, not a folder"),
                                         ("a-file/runs", "'a-file' is a file, not a folder")], ids=["file", "below a file"])
def test_demo_refuses_its_out_folder_before_training(tmp_path, monkeypatch, out, reason):
    """`kit demo --out FILE` refused only after the whole course had trained."""
    from kit import demo
    from kit.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("mine")
    monkeypatch.setattr(demo, "train_stages", lambda *a, **k: pytest.fail("the demo trained before the refusal"))
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        assert main(["demo", "--out", out]) == 2
    lines = errors.getvalue().splitlines()
    assert len(lines) == 1 and reason in lines[0], lines
    assert (tmp_path / "a-file").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
