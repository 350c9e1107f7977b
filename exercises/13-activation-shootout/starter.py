# %% [markdown]
# # Exercise 13: the activation shoot-out
#
# One network, four activations, three data sets: train the same architecture with the same
# recipe twelve times (linear, sigmoid, tanh and ReLU hidden layers on circle, xor and spiral),
# log every run to TensorBoard with the kit's `Diagnostics` callback, and read the verdict off
# the dashboards.
#
# You write two functions (the grader calls each):
# - `run_shootout(logdir)`: the twelve runs, one TensorBoard run (a folder of `logdir`) each,
#   with its hyperparameters; returns the twelve test accuracies;
# - `conclusions()`: your answers to four multiple-choice questions (`QUESTIONS`), from what
#   your runs show.
#
# The grader runs `run_shootout` in its sandbox with a limit of 30 seconds: train the twelve
# networks together with `kit.training.train_many` (one compilation for all) and let the
# callback look at them only at the start and the end (`every=epochs`). Replace each
# `raise NotImplementedError`, run this file (`python starter.py`: it trains for a few seconds),
# open `kit board runs/13`, answer, then `kit check 13 starter.py` (README.md).

# %%
import os

import kit.quiet  # first: keeps TensorFlow's start-up noise (CUDA, oneDNN) out of your output
from kit import builders, datasets
from kit.tensorboard import Diagnostics
from kit.training import train_many

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")
DATASETS = ("circle", "xor", "spiral")

QUESTIONS = {
    "fails_everywhere": "Which activation does no better than one straight line on every data set of the "
                        "shoot-out? One of ACTIVATIONS.",
    "why": "Why does it fail? 'collapse': stacked linear layers compute one linear map, so the decision "
           "boundary is one straight line; 'vanishing': its gradients vanish before they reach the first "
           "layer; 'dead': its units die (output 0 on every input) and stop learning; 'saturation': its units "
           "sit in flat zones where the slope is 0.",
    "linear_limit": "What bounds its test accuracy on circle and xor? 'half_plane': the best accuracy any single "
                    "straight line (half-plane) reaches on those points, about 0.7; 'epochs': nothing, it would "
                    "reach 1.0 with more epochs or another learning rate; 'chance': it always scores exactly 0.5, "
                    "whatever the data.",
    "spiral_winner": "Which activation reached the highest test accuracy on spiral in your shoot-out? One of "
                     "ACTIVATIONS (read it off the HParams dashboard of kit board).",
}


def run_shootout(logdir):
    """Train one architecture with each activation on each data set; log each run; return the accuracies.

    Twelve runs: every activation of ``ACTIVATIONS`` on every data set of ``DATASETS``
    (``kit.datasets.playground(name)``: noise 0, data seed 0, 250 training and 250 test points).
    Every run uses the same architecture (``kit.builders.build_mlp(2, hidden, activation,
    seed=seed)``: 1 to 6 hidden layers of at most 8 units, the Playground's limits) and the same
    recipe (optimizer "sgd" or "adam", learning rate, epochs, batch size; the Playground loss
    that ``kit.training`` uses for the tanh output), so that only the activation differs.

    Each run writes its own folder of ``logdir`` (e.g. ``os.path.join(logdir, "relu-spiral")``)
    through the kit's callback ``Diagnostics(folder, probe=data, every=epochs)``, which logs the
    test accuracy every epoch, the per-layer gradient histograms and the dead-unit (ReLU) or
    saturation (sigmoid, tanh) scalars, and the run's hyperparameters: with ``probe=data`` (the
    Dataset) and the kit's trainer it records ``activation``, ``hidden``, ``model_seed`` (the
    model's), ``dataset``, ``optimizer``, ``learning_rate``, ``epochs``, ``batch_size``, ``seed``
    (the shuffle's) and ``trainer`` by itself: what the grader needs to train the run again. One
    seed per run is both the model's (``build_mlp(..., seed=seed)``) and the shuffle's
    (``train_many(..., seeds=[seed] * 12)``, or ``train(..., seed=seed)``).

    The grader gives this function 30 seconds: train all twelve networks in one
    ``kit.training.train_many`` call (one compilation) and let ``Diagnostics`` probe only at the
    start and the end (``every=epochs``).

    Args:
        logdir: the folder to write the runs into (a string; it may not exist yet).
    Returns:
        dict ``{"<activation>/<data set>": test accuracy}`` with the twelve runs' final test
        accuracies (floats in [0, 1], the ``val_accuracy`` of the last epoch, which is also the
        last ``accuracy/test`` point of the run), e.g. ``{"relu/spiral": 0.87, …}``.
    """
    # TODO: train one architecture with each activation on each data set, one logged run each
    raise NotImplementedError('TODO: train one architecture with each activation on each data set, one logged run each')


def conclusions():
    """Your answers to ``QUESTIONS``, one option each.

    Returns:
        dict ``{"fails_everywhere": one of ACTIVATIONS, "why": "collapse" | "vanishing" | "dead" |
        "saturation", "linear_limit": "half_plane" | "epochs" | "chance", "spiral_winner": one of
        ACTIVATIONS}``. ``spiral_winner`` is judged against your own runs (the logged accuracies);
        the others against the lesson.
    """
    # TODO: answer each question of QUESTIONS with one of its options
    raise NotImplementedError('TODO: answer each question of QUESTIONS with one of its options')


# %%
if __name__ == "__main__":
    # Runs as a script: the shoot-out into runs/13, its results as a grid, then your answers.
    import shutil

    shutil.rmtree("runs/13", ignore_errors=True)  # a fresh logdir, as the grader's: no runs left from before
    try:
        accuracies = run_shootout("runs/13")
        print("test accuracy " + "".join(f"{name:>9}" for name in DATASETS))
        for activation in ACTIVATIONS:
            print(f"{activation:>13} " + "".join(f"{accuracies.get(f'{activation}/{name}', float('nan')):9.3f}"
                                               for name in DATASETS))
        print("Open the runs: kit board runs/13")
        print("Your conclusions:", conclusions())
    except NotImplementedError as todo:
        print(todo)
