"""Shared test set-up: quiet TensorFlow, headless matplotlib, a fixed seed per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seeded():
    """Each test starts from the same global seeds (Keras, NumPy, Python)."""
    import keras

    keras.utils.set_random_seed(0)
    yield
