"""Playground networks: its default, sigmoid on circle, ReLU on spiral."""

from kit.zoo import Entry, register

# The Playground's own recipe: SGD, learning rate 0.03, batch 10.
PLAYGROUND_SGD = {"optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10}

register(Entry(
    name="playground-default",
    card="The Playground as it opens: circle from x1 and x2, two tanh hidden layers of 4 and 2, "
         "learning rate 0.03, batch 10. It learns the circle.",
    claim="crash course: the same network with a non-linear activation (tanh) separates circle",
    data={"name": "circle", "noise": 0},
    model={"hidden": [4, 2], "activation": "tanh", "head": "playground"},
    recipe={**PLAYGROUND_SGD, "epochs": 300},
    expected={"val_loss": ("<", 0.2), "val_accuracy": (">=", 0.9)},
    quick=True,
))

register(Entry(
    name="circle-sigmoid",
    card="One sigmoid hidden layer of 4 units on circle from x1 and x2: the first non-linear step of "
         "the crash course draws a closed boundary no linear model can.",
    claim="crash course: sigmoid on every hidden node makes the model non-linear",
    data={"name": "circle", "noise": 0},
    model={"hidden": [4], "activation": "sigmoid", "head": "playground"},
    recipe={**PLAYGROUND_SGD, "epochs": 300},
    expected={"val_loss": ("<", 0.2), "val_accuracy": (">=", 0.9)},
))

register(Entry(
    name="spiral-relu",
    card="Spiral from x1 and x2 alone with three ReLU layers of 8: hard, but within the Playground's limits.",
    claim="crash course spiral exercise: the best model from x1 and x2 alone",
    data={"name": "spiral", "noise": 0},
    model={"hidden": [8, 8, 8], "activation": "relu", "head": "playground", "initializer": "he"},
    recipe={"optimizer": "adam", "learning_rate": 0.01, "batch_size": 10, "epochs": 500},
    settings="Adam 0.01 and He initialisation: the spiral from x1, x2 alone is the course's hardest task, and "
             "this recipe learns it in 500 epochs.",
    expected={"val_accuracy": (">=", 0.9)},
))

register(Entry(
    name="spiral-relu-crosses",
    card="Spiral with all seven Playground features (x1, x2, squares, x1·x2, sines): the crosses make "
         "a smaller ReLU network enough.",
    claim="crash course spiral exercise: add x1x2, sin x1, sin x2",
    data={"name": "spiral", "noise": 0,
          "features": ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]},
    model={"hidden": [8, 8], "activation": "relu", "head": "playground", "initializer": "he"},
    recipe={"optimizer": "adam", "learning_rate": 0.01, "batch_size": 10, "epochs": 300},
    settings="Adam 0.01 and He initialisation, as spiral-relu, so that the two differ only in features and depth.",
    expected={"val_accuracy": (">=", 0.9)},
))

register(Entry(
    name="circle-relu",
    card="One ReLU hidden layer of 3 units on circle from x1 and x2, learning rate 0.01: the newer crash "
         "course's published answer for loss below 0.2 on train and test.",
    claim="crash course: ReLU 'often works a little better'; 3 ReLU neurons reach loss < 0.2",
    data={"name": "circle", "noise": 0},
    model={"hidden": [3], "activation": "relu", "head": "playground"},
    recipe={"optimizer": "sgd", "learning_rate": 0.01, "batch_size": 10, "epochs": 300},
    expected={"loss": ("<", 0.2), "val_loss": ("<", 0.2)},
))
