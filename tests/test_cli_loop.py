"""The learner's commands read as sentences: --stop-when says whether its target was reached, kit
train speaks of −1/+1 labels and kit board, the zoo's listing has a header and straight columns
and its cards no Python reprs, a refused flag is one line, kit plot never creates a folder, and
ReLU's range is [0, ∞)."""

from __future__ import annotations

import re

import pytest

from kit.cli import main
from kit.commands.training import stop_report


def test_stop_when_says_where_the_target_was_reached_or_how_close_it_came():
    history = {"loss": [0.5, 0.3, 0.2], "val_loss": [0.4, 0.208, 0.21], "val_accuracy": [0.5, 0.8, 0.9]}
    assert stop_report(history, {"val_loss": 0.177}) == \
        "target not reached: best val_loss 0.208 at epoch 2 (target ≤ 0.177)"
    assert stop_report(history, {"val_loss": 0.21, "val_accuracy": 0.85}) == \
        "target reached at epoch 3: val_loss 0.21 ≤ 0.21, val_accuracy 0.9 ≥ 0.85"
    assert stop_report(history, {"val_accuracy": 0.95}) == \
        "target not reached: best val_accuracy 0.9 at epoch 3 (target ≥ 0.95)"


@pytest.mark.slow
def test_kit_train_speaks_plainly(tmp_path, capsys):
    assert main(["train", "--dataset", "xor", "--epochs", "3", "--stop-when", "val_loss=0.001",
                 "--logdir", str(tmp_path / "logs")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^target not reached: best val_loss \d\.\d+ at epoch [123] \(target ≤ 0\.001\)$", out, re.M), out
    assert "{" not in out and "pm1" not in out and "labels −1/+1" in out
    assert f"kit board {tmp_path / 'logs'}" in out and "tensorboard --logdir" not in out
    assert main(["train", "--dataset", "xor", "--epochs", "50", "--stop-when", "val_loss=0.99"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^1 epochs in .* s$", out, re.M) and "target reached at epoch 1: val_loss" in out, out


def test_zoo_list_has_a_header_and_straight_columns(capsys):
    assert main(["zoo", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0]
    assert header.split()[:4] == ["name", "data", "model", "claim"] and set(lines[1]) <= {"-", " "}
    starts = [header.index(word) for word in ("data", "model", "claim")]
    for line in lines[2:]:  # every column starts where its header does, whatever the names' lengths
        for start in starts:
            assert line[start - 2:start] == "  " and line[start] != " ", (line, start)


def test_zoo_show_prints_no_python_reprs(capsys):
    from kit import zoo

    for name in zoo.names():
        assert main(["zoo", "show", name]) == 0
        details = capsys.readouterr().out.split("\nData: ", 1)[1]  # the card and the claim above are prose
        assert not re.search(r"[{}']|\('|build_mlp\(", details), (name, details)
        assert re.search(r"^Expected: (\S+ [≤≥<>=] \S+|nothing)", details, re.M), details


def test_a_refused_flag_is_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["train", "--epochs", "-5"])
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["kit train: error: argument --epochs: must be an int ≥ 1. Got '-5' instead."]


def test_kit_plot_never_creates_the_folder_of_out(tmp_path, capsys):
    target = tmp_path / "nonexistent" / "dir" / "x.png"
    assert main(["plot", "dataset", "xor", "--out", str(target)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "does not exist" in lines[0] and not (tmp_path / "nonexistent").exists()


@pytest.mark.slow
def test_activation_ranges_say_which_bounds_are_reached(capsys):
    assert main(["activations"]) == 0
    ranges = {line.split()[0]: line.split()[1] + " " + line.split()[2] for line in capsys.readouterr().out.splitlines()
              if line and not line.startswith(("name", "-", "Aliases"))}
    assert ranges["relu"] == "[0, ∞)" and ranges["relu6"] == "[0, 6]" and ranges["sigmoid"] == "(0, 1)"
    assert ranges["tanh"] == "(-1, 1)" and ranges["elu"] == "(-1, ∞)" and ranges["gaussian"] == "(0, 1]"
    assert ranges["silu"].startswith("[-0.2785") and ranges["hard_sigmoid"] == "[0, 1]"


def test_an_unknown_activation_is_refused_before_tensorflow_loads():
    import subprocess
    import sys

    script = ("import sys\nfrom kit.cli import main\ncode = main(['train', '--activation', 'rleu'])\n"
              "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'\nsys.exit(code)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1].startswith("kit train: error: Unknown activation 'rleu'. Did you mean 'relu'?")


def test_the_names_read_without_tensorflow_are_the_catalogue_s():
    from kit import activations
    from kit.commands.training import activation_names

    assert activation_names() == activations.names(include_aliases=True)
    assert activation_names(("NEEDS_ARGUMENTS",)) == sorted(activations.NEEDS_ARGUMENTS)
