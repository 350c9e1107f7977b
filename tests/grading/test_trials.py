"""kit.grading.authoring.trials: the grader's multi-seed training agrees with train_and_evaluate, is cached,
deterministic, reports divergence per run and refuses bad arguments."""

from __future__ import annotations

import math

import pytest

import kit
from kit import datasets
from kit.grading.sandbox import model_transfer as models
from kit.grading.authoring import trials

SIGMOID_4 = {"n_inputs": 2, "layers": [{"kind": "Dense", "units": 4, "activation": "sigmoid", "name": "a"},
                                       {"kind": "Dense", "units": 1, "activation": "tanh", "name": "b"}],
             "weights": []}
SHORT = {"optimizer": "adam", "learning_rate": 0.03, "epochs": 5, "batch_size": 25}  # 50 steps: tests the plumbing


@pytest.fixture(scope="module")
def circle():
    return datasets.playground("circle", noise=0, seed=0)


@pytest.mark.slow
def test_runs_match_train_and_evaluate_and_are_cached(circle, monkeypatch):
    kit.clear_caches("kit.grading.authoring.trials")
    runs = trials.train_runs(SIGMOID_4, circle, SHORT, seeds=[0, 1])
    assert [run.seed for run in runs.runs] == [0, 1] and not runs.diverged
    # The trainer's own end-of-epoch evaluation is what model.evaluate computes.
    test = models.train_and_evaluate(models.rebuild(trials.architecture(SIGMOID_4), seed=1), circle, SHORT, seed=1)
    assert runs.runs[1].loss == pytest.approx(test["loss"], rel=1e-5)
    assert runs.runs[1].accuracy == pytest.approx(test["accuracy"], abs=1e-6)
    # Names, initializers and weights do not change the runs, so a second submission of the same
    # architecture is not trained again.
    from kit.training import many

    monkeypatch.setattr("kit.training.train", lambda *a, **k: pytest.fail("trained again"))
    monkeypatch.setattr(many, "train_many", lambda *a, **k: pytest.fail("trained again"))
    renamed = dict(SIGMOID_4, layers=[dict(layer, name=f"other_{i}") for i, layer in enumerate(SIGMOID_4["layers"])])
    assert trials.train_runs(renamed, circle, SHORT, seeds=[0, 1]) == runs


def test_same_seed_same_run_without_the_cache(circle):
    kit.clear_caches("kit.grading.authoring.trials")
    first = trials.train_runs(SIGMOID_4, circle, SHORT, seeds=[3])
    kit.clear_caches("kit.grading.authoring.trials")
    assert trials.train_runs(SIGMOID_4, circle, SHORT, seeds=[3]) == first


def test_a_run_does_not_depend_on_the_runs_trained_with_it(circle):
    # The seeds missing from the cache train in one train_many call; each run must be what it is
    # alone, or a grade would depend on what the cache held (bitwise: the cache compares runs).
    kit.clear_caches("kit.grading.authoring.trials")
    together = trials.train_runs(SIGMOID_4, circle, SHORT, seeds=[0, 1, 2])
    kit.clear_caches("kit.grading.authoring.trials")
    alone = trials.train_runs(SIGMOID_4, circle, SHORT, seeds=[1])
    assert alone.runs[0] == together.runs[1]


def test_one_data_set_per_seed(circle):
    spirals = [datasets.playground("spiral", noise=0, seed=seed) for seed in (4, 5)]
    kit.clear_caches("kit.grading.authoring.trials")
    together = trials.train_runs(SIGMOID_4, spirals, SHORT, seeds=[4, 5])
    kit.clear_caches("kit.grading.authoring.trials")
    assert [trials.train_runs(SIGMOID_4, spiral, SHORT, seeds=[seed]).runs[0]
            for spiral, seed in zip(spirals, (4, 5))] == list(together.runs)
    assert together.runs[0] != together.runs[1]
    with pytest.raises(TypeError, match="one per seed"):
        trials.train_runs(SIGMOID_4, spirals, SHORT, seeds=[4])


def test_dropout_trains_seed_by_seed(circle, monkeypatch):
    from kit.training import many

    monkeypatch.setattr(many, "train_many", lambda *a, **k: pytest.fail("dropout cannot be stacked"))
    dropout = dict(SIGMOID_4, layers=[SIGMOID_4["layers"][0], {"kind": "Dropout", "rate": 0.1},
                                      SIGMOID_4["layers"][1]])
    kit.clear_caches("kit.grading.authoring.trials")
    runs = trials.train_runs(dropout, circle, SHORT, seeds=[0, 1])
    assert [run.seed for run in runs.runs] == [0, 1] and not runs.diverged


@pytest.mark.slow
def test_a_diverging_run_is_reported_not_raised(circle):
    relu = {"n_inputs": 2, "layers": [{"kind": "Dense", "units": 8, "activation": "relu"}] * 3
            + [{"kind": "Dense", "units": 1, "activation": "linear"}]}
    data = datasets.playground("reg-plane", seed=0, n_samples=100)
    runs = trials.train_runs(relu, data, {"optimizer": "sgd", "learning_rate": 10.0, "epochs": 3, "batch_size": 10},
                             seeds=[0])
    assert runs.diverged == 1 and math.isinf(runs.runs[0].loss) and runs.listing() == "diverged"


def test_summaries():
    runs = trials.Runs((trials.Run(0, 0.1, 0.9, 0.05), trials.Run(1, 0.3, 0.7, 0.2), trials.Run(2, 0.2, 0.8, 0.1)))
    assert runs.median("loss") == 0.2 and runs.count("loss", at_most=0.2) == 2
    assert runs.count("accuracy", at_least=0.8) == 2 and runs.listing() == "0.100, 0.300, 0.200"
    with pytest.raises(ValueError, match="exactly one"):
        runs.count("loss")
    with pytest.raises(ValueError, match="'metric'"):
        runs.values("val_loss")


def test_bad_arguments_say_what_to_give(circle):
    with pytest.raises(ValueError, match="'seeds'"):
        trials.train_runs(SIGMOID_4, circle, SHORT, seeds=[])
    with pytest.raises(ValueError, match="'seeds'"):
        trials.train_runs(SIGMOID_4, circle, SHORT, seeds=[1.5])
    with pytest.raises(TypeError, match="'data'"):
        trials.train_runs(SIGMOID_4, circle.x_train, SHORT, seeds=[0])
    with pytest.raises(models.ModelRejected, match="budget"):
        trials.train_runs(SIGMOID_4, circle, dict(SHORT, epochs=100_000, batch_size=1), seeds=[0])
    with pytest.raises(models.ModelRejected, match="Lambda"):
        trials.train_runs({"n_inputs": 2, "layers": [{"kind": "Lambda"}]}, circle, SHORT, seeds=[0])


def test_train_from_weights_starts_from_the_submissions_own_weights(circle):
    """Exercise 02's xor check trains the network as the submission built it: the same weights give
    the same run; saturated weights (a tanh output pinned at ±1) give another, worse one; a
    description without weights or data without a test split is refused with a message."""
    import numpy as np

    start = models.rebuild(trials.architecture(SIGMOID_4), seed=0).get_weights()
    description = {**SIGMOID_4, "weights": start}
    first = trials.train_from_weights(description, circle, SHORT, seed=0)
    assert first == trials.train_from_weights(description, circle, SHORT, seed=0)
    saturated = [w * 100 if w.ndim == 2 else w for w in start]
    stalled = trials.train_from_weights({**SIGMOID_4, "weights": saturated}, circle, SHORT, seed=0)
    assert stalled.train_loss > first.train_loss + 0.1, (stalled, first)
    assert np.array_equal(description["weights"][0], start[0])  # the description is not changed
    with pytest.raises(models.ModelRejected, match="no weights"):
        trials.train_from_weights({key: value for key, value in SIGMOID_4.items() if key != "weights"}, circle, SHORT)
    with pytest.raises(TypeError, match="Dataset with a test split"):
        trials.train_from_weights(description, "circle", SHORT)


def test_saved_runs_come_back_only_under_their_tag(tmp_path, monkeypatch):
    # The check server saves its runs when a check trains and its next start reads them: the same
    # runs under the same tag (sources, libraries, machine), nothing under another or from a
    # damaged file, so a later session never reuses a run trained by other code.
    monkeypatch.setattr(trials, "_cache", kit.caches.Recent(trials.CACHE_SIZE, "kit.tests.saved_runs"))
    runs = {"a": trials.Run(0, 0.1, 0.9, 0.05, train_accuracy=0.95),
            "b": trials.Run(1, math.inf, 0.0, math.inf, diverged=True, train_accuracy=0.0)}
    trials._cache.update(runs)
    path = tmp_path / "check.runs.json"
    assert trials.save_runs(path, "tag-1") == 2
    assert (path.stat().st_mode & 0o777) == 0o600
    trials._cache.clear()
    assert trials.load_runs(path, "tag-2") == 0 and not trials._cache
    assert trials.load_runs(path, "tag-1") == 2 and dict(trials._cache) == runs
    assert trials.cached_keys() == frozenset(runs)
    trials._cache.clear()
    path.write_text(path.read_text().replace('"seed": 0', '"seed": "0"'))  # one entry damaged: left out
    assert trials.load_runs(path, "tag-1") == 1 and list(trials._cache) == ["b"]
    path.write_text("{not json")
    assert trials.load_runs(tmp_path / "absent.json", "tag-1") == trials.load_runs(path, "tag-1") == 0
    with pytest.raises(TypeError, match="non-empty str"):
        trials.save_runs(path, "")
