"""The zoo, tested from its registry: every entry builds, runs forward and backward without NaN
and round-trips its config; the quick subset reproduces its expected result; the committed results
table is current."""

import dataclasses
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from kit import heads, zoo

ALL = zoo.names()


def test_registry_has_the_course():
    required = ["playground-default", "xor-1-linear", "xor-2-relu", "xor-3-relu", "xor-332-relu", "circle-linear",
                "circle-linear-crosses", "circle-hidden-linear", "circle-sigmoid", "spiral-relu",
                "spiral-relu-crosses", "deep-sigmoid", "deep-relu", "dying-relu", "dying-relu-low-rate", "dying-relu-leaky",
                "dying-relu-elu", "dying-relu-he", "dying-relu-fixed", "sin-relu-4",
                "sin-relu-8", "sin-relu-16", "sin-relu-32", "parabola-quadratic", "digits-softmax",
                "xor-small-init", "xor-large-init"]
    assert [name for name in required if name not in ALL] == []
    for entry in zoo.entries():
        assert entry.card and entry.claim and entry.recipe.keys() >= {"optimizer", "learning_rate", "epochs", "batch_size"}


@pytest.mark.parametrize("name", ALL)
def test_entry_builds_runs_and_round_trips(name):
    data = zoo.dataset(name)
    model = zoo.create(name, seed=0)
    x, y = data.x_train[:16], data.y_train[:16]
    loss_fn = heads.head_of(model).loss()
    with tf.GradientTape() as tape:
        output = model(x, training=True)
        loss = loss_fn(y, output)
    gradients = tape.gradient(loss, model.trainable_variables)
    assert np.all(np.isfinite(output.numpy())) and np.isfinite(float(loss))
    assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in gradients)
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_unknown_entry_and_overrides():
    with pytest.raises(ValueError, match="Did you mean 'xor-3-relu'"):
        zoo.get("xor-3-rel")
    assert zoo.create("xor-3-relu", hidden=[5]).get_layer("hidden_1").units == 5
    assert zoo.names("sin-relu-*") == ["sin-relu-4", "sin-relu-8", "sin-relu-16", "sin-relu-32"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_every_claim_holds_on_disjoint_seeds(name, check_seed_runs):
    """Every entry is trained here (16 seeds at once, kit.zoo.train_seeds) on seeds 100-115, none of
    which the committed table used: its claim, a median or a share over seeds, must still hold."""
    entry = zoo.get(name)
    assert set(zoo.CHECK_SEEDS).isdisjoint(entry.seeds) and len(zoo.CHECK_SEEDS) >= 16
    row = zoo.summarise(entry, check_seed_runs(name))
    assert row["holds"] is not False, (name, row["verdicts"], {k: v["median"] for k, v in row["metrics"].items()})


def test_linear_entries_fail_when_under_trained(check_seed_runs):
    """"Learns all a straight line can" can fail: 1 epoch at rate 1e-5 leaves the linear entries' training
    loss far above the best line's (line_loss_gap), so their expectation does not hold."""
    for name in ("circle-linear", "xor-hidden-linear"):
        entry = zoo.get(name)
        under = zoo.summarise(entry, check_seed_runs(name, epochs=1, learning_rate=1e-5))
        assert under["verdicts"]["line_loss_gap"] is False, (name, under["metrics"]["line_loss_gap"]["median"])


def test_fingerprint_covers_library_versions(monkeypatch):
    before = zoo.code_fingerprint()
    versions = zoo.library_versions()
    assert set(versions) == {"numpy", "tensorflow", "keras"} and "absent" not in versions.values()
    monkeypatch.setattr(zoo, "library_versions", lambda: {**versions, "keras": versions["keras"] + ".post1"})
    zoo.code_fingerprint.cache_clear()
    try:
        assert zoo.code_fingerprint() != before
    finally:
        monkeypatch.undo()
        zoo.code_fingerprint.cache_clear()
    assert zoo.code_fingerprint() == before


def test_registration_refuses_few_seeds_and_unstated_departures():
    from kit.errors import InvalidParameter

    base = zoo.get("circle-relu")
    with pytest.raises(InvalidParameter, match="at least 16 seeds"):
        zoo.register(dataclasses.replace(base, name="few-seeds", seeds=(0, 1, 2)))
    with pytest.raises(InvalidParameter, match="why it departs from the Playground.*Adam"):
        zoo.register(dataclasses.replace(base, name="adam-unsaid", recipe={**base.recipe, "optimizer": "adam"}))
    with pytest.raises(InvalidParameter, match="share"):
        zoo.register(dataclasses.replace(base, name="share-without-rule", share=(">=", 0.5)))
    assert "few-seeds" not in zoo.names() and zoo.playground_departures(base) == []


def test_sample_check_retrains_and_notices_a_changed_value(tmp_path):
    """check_sample retrains the sampled entries of a table and compares: in one call, the entry whose
    recorded value was changed is reported and the unchanged one agrees (one retraining of two entries)."""
    names = ["circle-linear", "xor-hidden-linear"]
    zoo.write_results([zoo.summarise(zoo.get(name), zoo.train_seeds(name)) for name in names], tmp_path)
    path = tmp_path / "RESULTS.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    for index, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == "circle-linear" and cells[header.index("metric")] == "val_accuracy":
            cells[header.index("median_low")] = cells[header.index("median_high")] = "0.9"  # a value it never reached
            lines[index] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    echoed = []
    problems = zoo.check_sample(tmp_path, 2, "*-linear", echo=echoed.append)
    assert len(problems) == 1 and problems[0].startswith("circle-linear: val_accuracy median"), problems
    assert echoed == ["  circle-linear: retrained on 16 seeds, DIFFERS", "  xor-hidden-linear: retrained on 16 seeds, agrees"]


@pytest.mark.slow
def test_bench_check_sample_retrains_three_entries_of_the_committed_table(capsys):
    from kit.cli import main

    assert main(["zoo", "bench", "--check", "--sample", "3", "*-linear"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert out.count("retrained on 16 seeds, agrees") == 3, out


def test_same_seed_same_result():
    first = zoo.train("circle-linear-crosses", seed=1, epochs=5)
    second = zoo.train("circle-linear-crosses", seed=1, epochs=5)
    assert first.metrics == second.metrics
    for a, b in zip(first.model.get_weights(), second.model.get_weights()):
        assert np.array_equal(a, b)


def test_committed_results_table_is_current():
    folder = Path(__file__).resolve().parents[1] / "models"
    assert zoo.stale_entries(folder) == [], "run 'kit zoo bench' and commit models/RESULTS.*"


def test_stale_table_is_detected(tmp_path):
    rows = [{"name": "circle-linear", "seeds": [0], "fingerprint": "0" * 12, "code": zoo.code_fingerprint(),
             "seconds": 0.0, "holds": None,
             "verdicts": {}, "metrics": {metric: {"values": [0.5], "median": 0.5, "median_low": 0.5, "median_high": 0.5,
                                                  "mean": 0.5, "min": 0.5, "max": 0.5, "seeds_meeting": "0/1", "share": 0.0,
                                                  "share_low": 0.0, "share_high": 0.975}
                                         for metric in ("val_accuracy", "line_loss_gap")}}]
    zoo.write_results(rows, tmp_path)
    problems = zoo.stale_entries(tmp_path)
    assert "circle-linear: changed since the table was generated" in problems
    assert "xor-3-relu: not in the table" in problems


@pytest.mark.parametrize("text, message", [
    ("garbage\x00,zz\n1,2\n", "is not a results table of the kit: it has no entry or fingerprint column"),
    ("entry,fingerprint\nxor-3-relu\n", "line 2: a row with fewer columns than the header"),
    ("entry,fingerprint\n\xff\n", "cannot be read as the results table"),
], ids=["wrong columns", "short row", "not UTF-8"])
def test_a_garbled_results_table_is_one_line_not_a_traceback(tmp_path, capsys, text, message):
    from kit.cli import main

    (tmp_path / "RESULTS.csv").write_bytes(text.encode("latin-1"))
    assert main(["zoo", "bench", "--check", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and message in err[0], err


@pytest.mark.parametrize("arguments, status, message", [
    (["bench", "nothing-*"], 1, "no zoo entry matches 'nothing-*'"),
    (["list", "nothing-*"], 1, "no zoo entry matches 'nothing-*'"),
    (["bench", "--check", "--out", "typo"], 2, "--out 'typo' does not exist (create it first)"),
    (["bench", "--out", "RESULTS.csv"], 2, "--out 'RESULTS.csv' is a file, not a folder"),
], ids=["bench pattern", "list pattern", "check --out typo", "out is a file"])
def test_zoo_refusals_come_before_any_training(tmp_path, monkeypatch, capsys, arguments, status, message):
    """Before: a pattern matching nothing exited 0 silently, --check --out typo said "stale" and --out
    missing/ refused only after every entry had trained."""
    from kit.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "RESULTS.csv").write_text("entry,fingerprint\n")
    monkeypatch.setattr(zoo, "train_seeds", lambda *a, **k: pytest.fail("an entry was trained before the refusal"))
    assert main(["zoo", *arguments]) == status
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and message in lines[0] and captured.out == "", captured


def test_dying_relu_entries_change_one_thing_each():
    base = zoo.get("dying-relu")
    for name in ("dying-relu-low-rate", "dying-relu-leaky", "dying-relu-elu", "dying-relu-he"):
        entry = zoo.get(name)
        changed = {k for k in base.model.keys() | entry.model.keys() if base.model.get(k) != entry.model.get(k)}
        changed |= {k for k in base.recipe if base.recipe[k] != entry.recipe[k]}
        assert len(changed) == 1 and entry.data == base.data and entry.seeds == base.seeds, (name, changed)


def test_dead_and_inactive_are_different_measures():
    """Dead: activation 0 on every row (kit.diagnostics.dead_fraction); inactive: pre-activation ≤ 0."""
    from kit import builders

    data = zoo.dataset("dying-relu")
    for activation, dead in (("relu", 1.0), ("leaky_relu", 0.0), ("elu", 0.0)):
        model = builders.build_mlp(2, hidden=[4], activation=activation, seed=0)
        layer = model.get_layer("hidden_1")
        layer.bias.assign(np.full(4, -100.0, dtype=np.float32))  # every unit negative on every input
        assert zoo.MEASURES["dead_share"](model, data) == dead, activation
        assert zoo.MEASURES["inactive_share"](model, data) == 1.0, activation
        assert zoo.inactive_fraction(model, data.x_train) == {"hidden_1": 1.0}


def test_results_go_stale_when_the_trainer_changes(tmp_path, monkeypatch, capsys):
    """kit zoo bench --check fails once the code that produced models/RESULTS.* changes."""
    import shutil

    from kit.commands import zoo as zoo_command

    folder = Path(__file__).resolve().parents[1] / "models"
    for name in ("RESULTS.csv", "RESULTS.md"):
        shutil.copy(folder / name, tmp_path / name)
    args = type("Args", (), {"out": str(tmp_path), "check": True, "pattern": "*", "json": False, "sample": None,
                             "sample_seed": 0})()
    assert zoo_command._bench(args) == 0, capsys.readouterr().out

    original = zoo._module_source
    monkeypatch.setattr(zoo, "_module_source", lambda module: original(module) + (
        b"\n# an edited trainer\n" if module == "kit.training" else b""))
    zoo.code_fingerprint.cache_clear()
    try:
        assert zoo_command._bench(args) == 1
        output = capsys.readouterr().out
        assert "The results table is stale" in output and "kit code that makes, trains and measures" in output
    finally:
        monkeypatch.undo()
        zoo.code_fingerprint.cache_clear()
    assert zoo.stale_entries(tmp_path) == []
