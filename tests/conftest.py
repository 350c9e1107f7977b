"""Shared test set-up: quiet TensorFlow, headless matplotlib, a fixed seed per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

# `--doctest-modules` (pyproject.toml) makes pytest import every .py file it collects to look for
# docstring examples. The hostile corpus in grading/submissions must only ever run inside the
# grader's sandbox: imported here, delete_files.py would empty the working directory (the
# repository) and others would fork-bomb or exhaust memory. Never collect it.
collect_ignore_glob = ["grading/submissions/*"]


@pytest.fixture(autouse=True)
def _seeded():
    """Each test starts from the same global seeds (Keras, NumPy, Python)."""
    import keras

    keras.utils.set_random_seed(0)
    yield


@pytest.fixture(scope="session")
def check_seed_runs():
    """``runs(name, **recipe_overrides)``: ``kit.zoo.train_seeds`` on the zoo's check seeds (disjoint from
    the entries' own), trained once per session: the demo's and the zoo's claim tests train the same
    entries on them. An entry at its own recipe trains with the entries alike (``kit.zoo.alike``), in
    one call (``kit.zoo.train_entries``: the same numbers, one compilation for the group)."""
    from kit import zoo

    trained = {}

    def runs(name, **overrides):
        key = (name, tuple(sorted(overrides.items())))
        if key not in trained:
            if overrides:
                trained[key] = zoo.train_seeds(name, seeds=list(zoo.CHECK_SEEDS), **overrides)
            else:
                group = [other for other in zoo.alike(name) if (other, ()) not in trained]
                for other, results in zoo.train_entries(group, seeds=list(zoo.CHECK_SEEDS)).items():
                    trained[(other, ())] = results
        return trained[key]

    return runs
