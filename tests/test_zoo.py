"""The zoo, tested from its registry: every entry builds, runs forward and backward without NaN
and round-trips its config; the quick subset reproduces its expected result; the committed results
table is current."""

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from kit import heads, zoo

ALL = zoo.names()
QUICK = [entry.name for entry in zoo.entries() if entry.quick]


def test_registry_has_the_course():
    required = ["playground-default", "xor-1-linear", "xor-2-relu", "xor-3-relu", "xor-332-relu", "circle-linear",
                "circle-linear-crosses", "circle-hidden-linear", "circle-sigmoid", "spiral-relu",
                "spiral-relu-crosses", "deep-sigmoid", "deep-relu", "dying-relu", "dying-relu-fixed", "sin-relu-4",
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
@pytest.mark.parametrize("name", QUICK)
def test_quick_entry_reproduces_its_expected_result(name):
    entry = zoo.get(name)
    row = zoo.summarise(entry, [zoo.train(name, seed=seed) for seed in entry.seeds])
    assert row["holds"] is not False, (name, row["verdicts"], row["metrics"])


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
    rows = [{"name": "circle-linear", "seeds": [0], "fingerprint": "0" * 12, "seconds": 0.0, "holds": None,
             "verdicts": {}, "metrics": {"val_accuracy": {"values": [0.5], "median": 0.5, "mean": 0.5, "min": 0.5,
                                                      "max": 0.5, "seeds_meeting": "0/1"}}}]
    zoo.write_results(rows, tmp_path)
    problems = zoo.stale_entries(tmp_path)
    assert "circle-linear: changed since the table was generated" in problems
    assert "xor-3-relu: not in the table" in problems
