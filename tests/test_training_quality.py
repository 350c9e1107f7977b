"""The compiled trainer learns as well as model.fit with the same recipe (slow: trains 9 nets)."""

import numpy as np
import pytest

from kit import builders, datasets
from kit.training import train

SEEDS = (0, 1, 2)
# A recipe that learns spiral from x1, x2 alone (the crash course's hardest Playground set):
# 200 epochs of Adam 0.01 in batches of 10 reach ≈ 0.99 test accuracy, in the data set's order
# or shuffled.
RECIPE = {"epochs": 200, "batch_size": 10, "optimizer": "adam", "learning_rate": 0.01}


def _fit_accuracy(data, seed):
    model = builders.build_mlp(2, [8, 8], "relu", seed=seed)
    builders.compile_model(model, RECIPE["optimizer"], RECIPE["learning_rate"])
    model.compile(optimizer=model.optimizer, loss=model.loss, steps_per_execution=25)  # same updates, faster
    model.fit(data.x_train, data.y_train, epochs=RECIPE["epochs"], batch_size=RECIPE["batch_size"],
              shuffle=False, verbose=0)
    predictions = model.predict(data.x_test, verbose=0)[:, 0]
    return float(np.mean(np.where(predictions >= 0, 1.0, -1.0) == data.y_test))


@pytest.mark.slow
def test_spiral_test_accuracy_matches_model_fit():
    data = datasets.playground("spiral", noise=0, seed=0)
    # Both in the data set's order: model.fit's shuffle cannot be reproduced, and runs of this
    # recipe in independent orders spread over ±0.07, which would test luck, not the trainer.
    theirs = [_fit_accuracy(data, seed) for seed in SEEDS]
    ours = [train(builders.build_mlp(2, [8, 8], "relu", seed=seed), data, shuffle=False, verbose=0,
                  **RECIPE).history["val_accuracy"][-1] for seed in SEEDS]
    # 0.03 (the lesson's tolerance): float round-off between the two loops may move a few test
    # points over 5,000 steps (1 point = 0.004); lost batches or wrong averaging cost far more.
    assert abs(np.mean(ours) - np.mean(theirs)) <= 0.03, (ours, theirs)
    # 0.9: exercise 07's bar for spiral at noise 0: the recipe must actually learn it.
    assert np.mean(ours) >= 0.9 and np.mean(theirs) >= 0.9, (ours, theirs)
    # With the trainer's seeded shuffle (its default) the recipe learns spiral as well.
    shuffled = [train(builders.build_mlp(2, [8, 8], "relu", seed=seed), data, seed=seed, verbose=0,
                      **RECIPE).history["val_accuracy"][-1] for seed in SEEDS]
    assert np.mean(shuffled) >= 0.9, shuffled
