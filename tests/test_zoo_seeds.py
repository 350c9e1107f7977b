"""kit.zoo.train_seeds: an entry's seeds in one train_many call, as zoo.train trains each seed."""

import numpy as np
import pytest
from tensorboard.backend.event_processing import plugin_event_accumulator as pea
from tensorboard.util import tensor_util

from kit import zoo
from kit.errors import InvalidParameter
from kit.tensorboard import Diagnostics
from kit.training import many

# train_many agrees with train to float rounding (tests/test_train_many.py: 1e-5 at 12 epochs);
# 20 epochs of these entries stay within it (measured: ≤ 3e-7 relative).
RTOL = 1e-5


def _series(logdir, tag):
    accumulator = pea.EventAccumulator(str(logdir), size_guidance={pea.TENSORS: 0})
    accumulator.Reload()
    return {event.step: float(tensor_util.make_ndarray(event.tensor_proto)) for event in accumulator.Tensors(tag)}


@pytest.mark.parametrize("name", ["xor-3-relu", "deep-sigmoid", "sin-relu-8"])  # SGD; a measure before; Adam, after
def test_seeds_trained_together_match_zoo_train(name):
    together = zoo.train_seeds(name, seeds=[0, 1, 2], epochs=20)
    assert [result.seed for result in together] == [0, 1, 2]
    for result in together:
        alone = zoo.train(name, seed=result.seed, epochs=20)
        assert result.metrics.keys() == alone.metrics.keys()
        for metric, value in alone.metrics.items():
            assert result.metrics[metric] == pytest.approx(value, rel=RTOL, abs=1e-6), (result.seed, metric)
        for got, want in zip(result.model.get_weights(), alone.model.get_weights()):
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-6)


def test_diagnostics_on_the_first_seed_log_that_seeds_run(tmp_path):
    data = zoo.dataset("xor-3-relu")
    together = tmp_path / "together"
    results = zoo.train_seeds("xor-3-relu", seeds=[4, 5], epochs=5, callbacks={
        4: [Diagnostics(together, probe=data, every=2, hparams={"entry": "xor-3-relu"})]})
    alone = tmp_path / "alone"
    zoo.train("xor-3-relu", seed=4, epochs=5,
              callbacks=[Diagnostics(alone, probe=data, every=2, hparams={"entry": "xor-3-relu"})])
    losses = _series(together, "loss/test")
    assert sorted(losses) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose([losses[step] for step in range(1, 6)], results[0].history["val_loss"], rtol=1e-6)
    probes, probes_alone = _series(together, "grad_norm/hidden_1"), _series(alone, "grad_norm/hidden_1")
    assert sorted(probes) == sorted(probes_alone) == [0, 2, 4, 5]
    for step in probes:  # the probe looked at seed 4's network at that epoch, as train's run does
        assert probes[step] == pytest.approx(probes_alone[step], rel=1e-4), step
    hparams = pea.EventAccumulator(str(together))
    hparams.Reload()
    content = hparams.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    assert b"sgd" in content and b"xor-3-relu" in content  # the optimizer, as train's run records it
    assert len(list(together.glob("events.out.tfevents.*"))) == 1  # one run: the other seed logs nothing


def test_entries_that_cannot_be_stacked_train_seed_by_seed(monkeypatch):
    calls = []
    monkeypatch.setattr(many, "train_many", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(many, "stackable", lambda model: False)
    results = zoo.train_seeds("circle-linear", seeds=[1], epochs=3)
    alone = zoo.train("circle-linear", seed=1, epochs=3)
    assert calls == [] and results[0].metrics == alone.metrics  # zoo.train itself: bitwise
    results = zoo.train_seeds("circle-linear", seeds=[1], epochs=3, regularization="l2", regularization_rate=0.01)
    assert calls == [] and results[0].metrics["epochs"] == 3


def test_entries_marked_unstacked_train_seed_by_seed(monkeypatch):
    """``stacked=False`` (for a recipe that cannot be stacked) trains seed by seed with zoo.train. No
    registered entry sets it today, so the test marks dying-relu so."""
    import dataclasses

    monkeypatch.setitem(zoo._REGISTRY, "dying-relu", dataclasses.replace(zoo.get("dying-relu"), stacked=False))
    monkeypatch.setattr(many, "train_many", lambda *args, **kwargs: pytest.fail("dying-relu is not stacked"))
    assert not zoo.get("dying-relu").stacked and zoo.get("xor-3-relu").stacked
    (result,) = zoo.train_seeds("dying-relu", seeds=[1], epochs=2)
    assert result.metrics == zoo.train("dying-relu", seed=1, epochs=2).metrics


def test_callbacks_for_seeds_not_trained_are_refused():
    with pytest.raises(InvalidParameter, match="seeds among"):
        zoo.train_seeds("xor-3-relu", seeds=[0, 1], callbacks={2: []})


def test_entries_alike_train_in_one_call_and_get_the_numbers_they_get_alone(monkeypatch):
    names = ["circle-hidden-linear", "xor-hidden-linear", "circle-linear"]  # the first two differ in data only
    calls = []
    real = many.train_many
    monkeypatch.setattr(many, "train_many", lambda models, *args, **kwargs: calls.append(len(models)) or real(
        models, *args, **kwargs))
    together = zoo.train_entries(names)
    assert list(together) == names and sorted(calls) == [16, 32]  # circle-linear has its own network
    calls.clear()
    for name in names:
        alone = zoo.train_seeds(name)
        assert [run.seed for run in together[name]] == [run.seed for run in alone] == list(zoo.get(name).seeds)
        assert [run.history for run in together[name]] == [run.history for run in alone], name  # bit for bit
        assert [run.metrics for run in together[name]] == [run.metrics for run in alone], name
    with pytest.raises(InvalidParameter, match="entry names"):
        zoo.train_entries(names, callbacks={"xor-3-relu": {}})
