"""The Playground's pictures of a network (kit.tensorboard.views, kit.plots.network): the unit-state
map marks the units kit.diagnostics calls dead, the tiles are the units' outputs, the images
arrive in TensorBoard under their tags, and bad input is explained."""

import io

import keras
import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing import plugin_event_accumulator as pea

from kit import builders, datasets, diagnostics, plots, zoo
from kit.tensorboard import Diagnostics, views
from kit.training import train


def _images(logdir) -> dict:
    """{tag: {step: palette indices (H, W)}} of a run's image summaries, read back with
    TensorBoard's own event reader."""
    accumulator = pea.EventAccumulator(str(logdir), size_guidance={pea.TENSORS: 0})
    accumulator.Reload()
    images = {}
    for tag in accumulator.PluginTagToContent("images"):
        for event in accumulator.Tensors(tag):
            width, height, png = event.tensor_proto.string_val[:3]
            picture = Image.open(io.BytesIO(png))
            assert picture.size == (int(width), int(height)), tag
            if tag == "network" or tag.startswith(("neurons/", "unit_states")):
                assert picture.mode == "P", tag  # indices into views.palette()
            images.setdefault(tag, {})[event.step] = np.asarray(picture)
    return images


@pytest.fixture(scope="module")
def dying(tmp_path_factory):
    """The zoo's dying-ReLU network (six ReLU layers of 8, Adam 0.1) after 10 epochs, logged by
    Diagnostics: measured 0.52 of its units dead on the probe (seed 0), some in every layer."""
    data = zoo.dataset("dying-relu")
    model = zoo.create("dying-relu", seed=0)
    logdir = tmp_path_factory.mktemp("dying")
    train(model, data, optimizer="adam", learning_rate=0.1, batch_size=10, epochs=10, seed=0, verbose=0,
          callbacks=[Diagnostics(logdir, probe=data, every=5)])
    return model, data, logdir


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    """Two ReLU layers of 8 with He initialisation, 2 epochs of SGD: no unit dead (measured)."""
    data = datasets.playground("circle", seed=0)
    model = builders.build_mlp(2, [8, 8], "relu", initializer="he", seed=0)
    logdir = tmp_path_factory.mktemp("healthy")
    train(model, data, epochs=2, seed=0, verbose=0, callbacks=[Diagnostics(logdir, probe=data, every=1)])
    return model, data, logdir


@pytest.mark.parametrize("network, some_dead", [pytest.param("dying", True, marks=pytest.mark.slow),  # ~12 s: Adam compiles
                                                ("healthy", False)])
def test_the_unit_state_map_marks_dead_exactly_the_units_diagnostics_reports_dead(network, some_dead, request):
    model, data, logdir = request.getfixturevalue(network)
    probe = data.x_test[:256]  # the callback's probe: a Dataset's first 256 test points
    activations = diagnostics.layer_outputs(model, probe)
    fractions = diagnostics.dead_fraction(model, probe)
    states = diagnostics.unit_states(model, probe)
    hidden = list(states)
    dead = {name: diagnostics.dead_units(activations[name]["activation"]) for name in hidden}
    total = np.concatenate(list(dead.values()))
    assert (0 < total.mean() < 1) if some_dead else not total.any()  # the premise of each case
    for name in hidden:
        np.testing.assert_array_equal(states[name] == diagnostics.DEAD, dead[name])
        assert (states[name] == diagnostics.DEAD).mean() == fractions[name]
        assert not (states[name] == diagnostics.SATURATED).any()  # ReLU cannot saturate

    # The data the logged picture is drawn from, and the picture itself: every cell's colour.
    matrix = views.state_matrix(states)
    assert matrix.shape == (8, len(hidden))
    np.testing.assert_array_equal(matrix == diagnostics.DEAD, np.stack([dead[name] for name in hidden], 1))
    pictures = _images(logdir)["unit_states"]
    last = pictures[max(pictures)]  # the final network, which the model now is
    painter = views.painter_for(model, data.feature_names)
    for (unit, column), code in np.ndenumerate(matrix):
        top, left = painter.state_cell(unit, column)
        cell = last[top:top + views.STATE_CELL, left:left + views.STATE_CELL]
        assert (cell == views.STATE_COLOURS[int(code)]).all(), (unit, hidden[column])


def test_unit_state_codes_follow_the_saturation_rule():
    # Sigmoid outputs: unit 0 flat on 96 % of the rows (saturated), unit 1 on 90 % (alive).
    rows = np.full((100, 2), 0.5, dtype=np.float32)
    rows[:96, 0] = 0.995
    rows[:90, 1] = 0.001
    assert diagnostics.unit_state_codes(rows, "sigmoid").tolist() == [diagnostics.SATURATED, diagnostics.ALIVE]
    assert diagnostics.unit_state_codes(np.zeros((5, 3)), "leaky_relu").tolist() == [diagnostics.ALIVE] * 3
    assert views.state_matrix({"a": np.array([0, 1, 2]), "b": np.array([1])}).tolist() == [[0, 1], [1, -1], [2, -1]]


def test_the_deep_sigmoid_net_is_not_saturated_its_gradient_vanishes_through_the_slopes():
    """Why "Saturation" reads 0 for the zoo's 10-layer sigmoid net: its units sit in the steep
    middle of the sigmoid, not in a flat zone. The first layer's gradient is still ~1e-7 of the
    last's because every layer multiplies it by σ′ ≤ 0.25 times weights of size < 1 (Glorot
    with 8 inputs: |w| < 0.61), not because units saturate."""
    data = zoo.dataset("deep-sigmoid")
    model = zoo.create("deep-sigmoid", seed=0)
    probe = data.x_test[:256]
    assert set(diagnostics.saturated_fraction(model, probe).values()) == {0.0}
    for name, entry in diagnostics.layer_outputs(model, probe).items():
        if name == "output":
            continue
        slope = entry["activation"] * (1 - entry["activation"])
        # Measured mean slopes 0.19 (hidden_1, whose inputs span [-6, 6]) to 0.24, of the maximum
        # 0.25; a saturated unit's slope is below 0.0099 (kit.diagnostics' flat zone).
        assert slope.mean() > 0.15, name
    norms = diagnostics.gradient_norms(model, data.x_test, data.y_test)
    assert norms["hidden_1"] < 1e-3 * norms["output"]  # measured ~1e-7: the gradient vanished anyway


@pytest.mark.slow
def test_the_network_view_and_neuron_grids_are_written_and_show_the_units_outputs(tmp_path):
    data = datasets.playground("xor", seed=0)
    model = builders.build_mlp(2, [4, 3], "relu", seed=0)
    # A bias of -100 kills unit 3 of hidden_2 (its inputs stay below ~10 on the plane).
    bias = model.get_layer("hidden_2").bias
    bias.assign(np.array([0.1, 0.1, -100.0], dtype=np.float32))
    train(model, data, epochs=4, seed=0, verbose=0, callbacks=[Diagnostics(tmp_path, probe=data, every=1)])
    images = _images(tmp_path)
    assert {"network", "neurons/hidden_1", "neurons/hidden_2", "unit_states"} <= set(images)
    assert sorted(images["network"]) == [0, 2, 4]  # picture steps: images_every = 2 × every, and the last
    assert sorted(images["neurons/hidden_2"]) == [0, 2, 4]
    assert sorted(images["unit_states"]) == [0, 1, 2, 3, 4]  # every probe
    painter = views.painter_for(model, data.feature_names)
    network = images["network"][4]
    # The picture's size follows from the layout: three columns of up to 4 tiles, then the output.
    assert network.shape == painter.network(
        plots.plane_inputs(data.feature_names), {"hidden_1": np.zeros((10_000, 4)), "hidden_2": np.zeros((10_000, 3))},
        [layer.kernel for layer in builders.dense_layers(model)], views.biases_of(model),
        np.zeros((100, 100)), {"hidden_1": np.zeros(4), "hidden_2": np.zeros(3)}).shape
    for name, units in (("hidden_1", 4), ("hidden_2", 3)):  # one row of NEURON_TILE-pixel tiles, 4 to a row
        height, width = images[f"neurons/{name}"][4].shape
        assert (height, width) == painter.neurons(name, np.zeros((10_000, units)), np.zeros(units)).shape
        assert units * views.NEURON_TILE < width < (units + 1) * views.NEURON_TILE + 300
        assert height - (views.MARGIN + 36 + views.LEGEND_HEIGHT) == views.NEURON_TILE + 24  # one row of tiles

    # Each tile is the unit's output over the plane, computed here by Keras on the same grid.
    grid = plots.plane_inputs(data.feature_names, views.GRID)
    outputs = diagnostics.layer_outputs(model, grid)
    for column, name in enumerate(["hidden_1", "hidden_2"], start=1):
        expected = views.shades(views.plane_maps(outputs[name]["activation"], views.TILE))
        for unit in range(expected.shape[0]):
            top, left = painter.tile(column, unit)
            tile = network[top:top + views.TILE, left:left + views.TILE].astype(int)
            # XLA's and Keras's float32 round-off may put a value on either side of a shade edge.
            assert np.abs(tile - expected[unit]).max() <= 1, (name, unit)
        full = views.shades(views.plane_maps(outputs[name]["activation"], views.NEURON_TILE))
        for unit in range(full.shape[0]):
            top, left = painter.neuron_tile(unit)
            tile = images[f"neurons/{name}"][4][top:top + views.NEURON_TILE, left:left + views.NEURON_TILE]
            assert np.abs(tile.astype(int) - full[unit]).max() <= 1, (name, unit)
    # The dead unit's tile is blank: output 0 (the neutral shade) everywhere, framed black.
    top, left = painter.neuron_tile(2)
    dead_tile = images["neurons/hidden_2"][4][top:top + views.NEURON_TILE, left:left + views.NEURON_TILE]
    assert (dead_tile == (views.SHADES - 1) // 2).all()
    assert (images["neurons/hidden_2"][4][top - 1, left:left + views.NEURON_TILE] == views.DEAD_COLOUR).all()
    # The output tile is the decision boundary picture's values, with the boundary drawn where the sign flips.
    top, left = painter.output_tile()
    output = network[top:top + views.OUTPUT_TILE, left:left + views.OUTPUT_TILE]
    assert ((output == views.BOUNDARY).mean() > 0) == bool(
        (np.sign(outputs["output"]["activation"]) > 0).any() and (np.sign(outputs["output"]["activation"]) < 0).any())


def test_plots_network_draws_the_picture_tensorboard_shows(tmp_path):
    """kit.plots.network (Keras on the grid) and the callback's ``network`` image (the probe's
    compiled pass) are one drawing of the same numbers."""
    data = datasets.playground("xor", seed=0)
    model = builders.build_mlp(2, [3, 2], "relu", seed=0)
    train(model, data, epochs=1, seed=0, verbose=0, callbacks=[Diagnostics(tmp_path / "run", probe=data)])
    logged = views.palette()[_images(tmp_path / "run")["network"][1]].astype(int)
    figure = plots.network(model, data, title="xor", path=tmp_path / "net.png")
    drawn = np.asarray(figure.axes[0].images[0].get_array()).astype(int)
    assert drawn.shape == logged.shape
    # Equal but where float32 round-off puts a value on the other side of a shade edge (one
    # shade: at most a few RGB levels).
    difference = np.abs(drawn - logged).max(axis=2)
    assert (difference == 0).mean() > 0.99 and difference.max() <= 3
    assert (tmp_path / "net.png").stat().st_size > 5_000


@pytest.mark.parametrize("call, message", [
    (lambda m, d: plots.network("model", d), r"'model' parameter of kit\.plots\.network must be"),
    (lambda m, d: plots.network(m, d.x_train), r"'data' parameter of kit\.plots\.network must be a kit Dataset"),
    (lambda m, d: plots.network(m, datasets.curve("sin")), r"must be a Playground data set .* Got the data set 'sin'"),
    (lambda m, d: plots.network(builders.build_mlp(3, [2]), d), r"a model taking the data's 2 features .* Got a "
                                                                  r"model with 3 inputs"),
    (lambda m, d: plots.network(m, d, title=3), r"'title' parameter"),
    (lambda m, d: plots.network(m, d, path=3), r"'path' parameter"),
])
def test_plots_network_explains_bad_input(call, message):
    data = datasets.playground("xor", seed=0)
    with pytest.raises((ValueError, TypeError), match=message):
        call(builders.build_mlp(2, [3], "relu", seed=0), data)


def test_plots_network_refuses_a_branching_model():
    inputs = keras.Input((2,))
    left, right = keras.layers.Dense(3, activation="relu")(inputs), keras.layers.Dense(3, activation="tanh")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="tanh", name="output")(
        keras.layers.Concatenate()([left, right])))
    with pytest.raises(ValueError, match=r"chain of Dense .*build_mlp"):
        plots.network(model, datasets.playground("xor", seed=0))


def test_a_branching_model_gets_neuron_grids_but_no_network_view(tmp_path):
    """Two hidden layers side by side, both fed by the input: the network view's columns would
    feed each other wrongly (hidden_2's kernel has 2 rows, hidden_1 has 3 units), so it is left
    out, and the rest is written."""
    inputs = keras.Input((2,))
    left = keras.layers.Dense(3, activation="relu", name="hidden_1")(inputs)
    right = keras.layers.Dense(2, activation="tanh", name="hidden_2")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="tanh", name="output")(
        keras.layers.Concatenate()([left, right])))
    model.compile(optimizer="sgd", loss="mse")
    data = datasets.playground("xor", seed=0)
    model.fit(data.x_train, data.y_train, epochs=2, verbose=0, callbacks=[Diagnostics(tmp_path, probe=data, every=1)])
    images = _images(tmp_path)
    assert {"neurons/hidden_1", "neurons/hidden_2", "unit_states", "decision_boundary"} <= set(images)
    assert "network" not in images


def test_wide_layers_leave_out_the_pictures_that_would_be_too_large(tmp_path):
    # hidden_1 has 40 units (> MAX_NETWORK_UNITS: no network view), hidden_2 has 70
    # (> MAX_NEURON_UNITS: no neuron grid for it).
    data = datasets.playground("xor", seed=0)
    model = builders.build_mlp(2, [40, 70], "relu", seed=0)
    train(model, data, epochs=1, seed=0, verbose=0, callbacks=[Diagnostics(tmp_path, probe=data)])
    images = _images(tmp_path)
    assert {"neurons/hidden_1", "unit_states"} <= set(images)
    assert "network" not in images and "neurons/hidden_2" not in images
    assert images["unit_states"][1].shape[0] > 70 * views.STATE_CELL  # every unit still has its cell
