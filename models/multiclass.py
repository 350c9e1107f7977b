"""Multi-class classification with a softmax output."""

from kit.zoo import Entry, register

register(Entry(
    name="digits-softmax",
    card="scikit-learn's 8×8 digits (offline) with one ReLU layer of 32 and a softmax over 10 classes, "
         "Adam 0.003, as the crash course's MNIST exercise.",
    claim="multi-class: softmax makes outputs a distribution; the exercise asks ≥ 0.95 test accuracy",
    data={"name": "digits", "seed": 0},
    model={"hidden": [32], "activation": "relu", "head": "softmax", "n_classes": 10, "initializer": "he"},
    recipe={"optimizer": "adam", "learning_rate": 0.003, "batch_size": 32, "epochs": 60},
    settings="ten classes of 64 pixels: the crash course's MNIST exercise, beyond the Playground's two classes.",
    expected={"val_accuracy": (">=", 0.95)},
    quick=True,
))
