"""kit.tensorboard: what a run's logdir holds (read back with TensorBoard's own event reader), that
the values mean what they say, and that a real TensorBoard server serves every dashboard."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
import pytest
from tensorboard.backend.event_processing import plugin_event_accumulator as pea
from tensorboard.util import tensor_util

from kit import builders, datasets, style
from kit.cli import main
from kit.tensorboard import Diagnostics, server

EPOCHS = 6
EVERY = 3


def _fit(logdir, model, data, **options):
    builders.compile_model(model, "sgd", 0.03)
    callback = Diagnostics(logdir, probe=data, every=EVERY, hparams={"seed": 0}, **options)
    model.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test), epochs=EPOCHS,
              batch_size=10, verbose=0, callbacks=[callback])
    return model


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two runs in one logdir: a ReLU net with a planted dead layer, a depth-10 sigmoid net."""
    root = tmp_path_factory.mktemp("runs")
    relu = builders.build_mlp(2, [8, 8], "relu", seed=0)
    # A bias of -100 keeps every pre-activation of hidden_2 negative (its inputs are below ~10),
    # and a dead unit gets zero gradient: the layer must stay 100 % dead at every step.
    relu.get_layer("hidden_2").bias.assign(np.full(8, -100.0, dtype=np.float32))
    _fit(root / "relu", relu, datasets.playground("spiral", seed=0))
    _fit(root / "sigmoid", builders.build_mlp(2, [8] * 10, "sigmoid", seed=0), datasets.playground("circle", seed=0))
    return root


def _reader(run):
    accumulator = pea.EventAccumulator(str(run), size_guidance={pea.TENSORS: 0})  # keep every event
    accumulator.Reload()
    return accumulator


def _series(accumulator, tag):
    return {event.step: tensor_util.make_ndarray(event.tensor_proto) for event in accumulator.Tensors(tag)}


LAYERS = ["hidden_1", "hidden_2", "output"]
PROBE_STEPS = [0, 3, 6]  # step 0 = the initialised network, then every EVERY epochs


@pytest.mark.slow
def test_every_family_of_tags_is_written_with_epoch_steps(runs):
    run = _reader(runs / "relu")
    scalars = set(run.PluginTagToContent("scalars"))
    assert {"loss/train", "loss/test", "accuracy/train", "accuracy/test"} <= scalars
    for family in ("grad_norm", "activation_mean", "activation_std"):
        assert {f"{family}/{layer}" for layer in LAYERS} <= scalars
    assert {"dead_fraction/hidden_1", "dead_fraction/hidden_2"} <= scalars
    assert not any(tag.startswith("saturated_fraction/") for tag in scalars)  # ReLU cannot saturate
    histograms = set(run.PluginTagToContent("histograms"))
    for family in ("pre_activation", "activation", "kernel", "kernel_gradient", "log10_abs_kernel_gradient"):
        assert {f"{family}/{layer}" for layer in LAYERS} <= histograms
    # hidden_2 is dead, so every kernel gradient is exactly 0: no logarithm, no log10 scalars.
    assert not any(tag.startswith("gradient_flow/") for tag in scalars)
    assert set(run.PluginTagToContent("images")) == {"decision_boundary", "activation_curves", "gradient_flow",
                                                      "network", "neurons/hidden_1", "neurons/hidden_2", "unit_states"}
    assert set(run.PluginTagToContent("hparams")) >= {"_hparams_/experiment", "_hparams_/session_start_info"}
    assert run.PluginTagToContent("custom_scalars")

    # Logged metrics at steps 1..EPOCHS (step k = after k epochs); probe diagnostics at 0, 3, 6.
    assert sorted(_series(run, "loss/train")) == list(range(1, EPOCHS + 1))
    for tag in ("grad_norm/hidden_1", "dead_fraction/hidden_2", "kernel_gradient/output",
                "log10_abs_kernel_gradient/hidden_1"):
        assert sorted(_series(run, tag)) == PROBE_STEPS, tag
    # The pictures (the gradient flow's among them) are drawn every 2 × EVERY epochs by default (and at
    # the start and end).
    for tag in ("decision_boundary", "gradient_flow", "network"):
        assert sorted(_series(run, tag)) == [0, 2 * EVERY], tag
    assert sorted(_series(run, "activation_curves")) == [0]

    sigmoid_run = _reader(runs / "sigmoid")
    sigmoid = set(sigmoid_run.PluginTagToContent("scalars"))
    assert {f"saturated_fraction/hidden_{i}" for i in range(1, 11)} <= sigmoid
    for what in ("first", "last", "first_over_last"):
        assert sorted(_series(sigmoid_run, f"gradient_flow/log10_{what}")) == PROBE_STEPS
    assert not any(tag.startswith("dead_fraction/") for tag in sigmoid)


@pytest.mark.slow
def test_the_values_mean_what_they_say(runs):
    relu = _reader(runs / "relu")
    assert all(value == 1.0 for value in _series(relu, "dead_fraction/hidden_2").values())
    # The logged losses are the trainer's own numbers, one per epoch.
    assert np.isfinite(list(_series(relu, "loss/train").values())).all()
    # A histogram holds one count per kernel entry (2×8 for hidden_1).
    buckets = _series(relu, "kernel/hidden_1")[0]
    assert buckets.shape == (30, 3) and buckets[:, 2].sum() == 16

    sigmoid = _reader(runs / "sigmoid")
    first, last = _series(sigmoid, "grad_norm/hidden_1"), _series(sigmoid, "grad_norm/output")
    for step in PROBE_STEPS:
        # Vanishing gradients, the lesson's figure: first layer ≥ 100× below the last
        # (the lesson's first/last ≤ 1e-2; measured ≈ 1e-7 for this network).
        assert first[step] <= 1e-2 * last[step]

    image = sigmoid.Tensors("decision_boundary")[0].tensor_proto.string_val
    assert image[0] == b"200" and image[1] == b"234" and image[2].startswith(b"\x89PNG")  # the plane, its caption


@pytest.mark.slow
def test_hparams_record_the_run(runs):
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = _reader(runs / "sigmoid").PluginTagToContent("hparams")["_hparams_/session_start_info"]
    start = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
    values = {name: value.WhichOneof("kind") and getattr(value, value.WhichOneof("kind"))
              for name, value in start.hparams.items()}
    assert values["activation"] == "sigmoid" and values["hidden"] == "-".join(["8"] * 10)
    # Depth and seed as text, so the dashboard prints "10" and "0", not "10.000"; depth padded to
    # two characters so a text axis sorts it 1, 2, …, 10.
    assert values["depth"] == "10" and values["dataset"] == "circle" and values["optimizer"] == "sgd"
    assert values["learning_rate"] == pytest.approx(0.03) and values["seed"] == "0"
    # No trial id: TensorBoard names the trial (session group) after the run, not a hash.
    assert start.group_name == ""


def _get(url, data=None, timeout=10):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def start_board(logdir):
    """``kit board`` in a child process on a free port; returns (process, base url)."""
    port = server.free_port()
    process = subprocess.Popen([sys.executable, "-m", "kit.cli", "board", str(logdir), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=Path(__file__).resolve().parents[1])
    return process, f"http://127.0.0.1:{port}"


def wait_for(check, timeout, what):
    """Poll ``check()`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline, last_error = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except OSError as error:  # not listening yet
            last_error = error
        time.sleep(0.5)
    pytest.fail(f"TensorBoard did not serve {what} within {timeout} s (last error: {last_error}).")


@pytest.mark.slow
def test_a_real_tensorboard_serves_every_dashboard(runs):
    process, url = start_board(runs)
    try:
        # 60 s: TensorFlow's import plus TensorBoard's first load on a busy 2-core machine.
        plugins = wait_for(lambda: _get(f"{url}/data/plugins_listing"), 60, "its plugin list")
        for plugin in ("scalars", "histograms", "images", "hparams", "custom_scalars"):
            assert plugins[plugin]["enabled"], plugin
        scalars = wait_for(lambda: _get(f"{url}/data/plugin/scalars/tags").get("relu"), 30, "scalar tags")
        assert {"grad_norm/hidden_1", "dead_fraction/hidden_2", "loss/test"} <= set(scalars)
        histograms = _get(f"{url}/data/plugin/histograms/tags")["sigmoid"]
        assert {"kernel_gradient/hidden_10", "pre_activation/output"} <= set(histograms)
        assert {"decision_boundary", "activation_curves"} <= set(_get(f"{url}/data/plugin/images/tags")["relu"])
        experiment = _get(f"{url}/data/plugin/hparams/experiment", data=b'{"experimentName": ""}')
        assert {"activation", "hidden", "learning_rate", "optimizer", "dataset", "seed"} <= {
            info["name"] for info in experiment["hparamInfos"]}
        assert {"loss/test", "accuracy/test"} <= {info["name"]["tag"] for info in experiment["metricInfos"]}
        types = {info["name"]: info["type"] for info in experiment["hparamInfos"]}
        assert types["learning_rate"] == "DATA_TYPE_FLOAT64" and types["depth"] == "DATA_TYPE_STRING"
        assert set(types.values()) <= {"DATA_TYPE_FLOAT64", "DATA_TYPE_STRING", "DATA_TYPE_BOOL"}
        assert {info["name"]["tag"]: info["displayName"] for info in experiment["metricInfos"]}["loss/test"] == "test loss"
        groups = _get(f"{url}/data/plugin/hparams/session_groups",
                      data=json.dumps({"experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN"],
                                       "colParams": [], "startIndex": 0, "sliceSize": 10}).encode())
        # The trials are named after the runs; every run's seed is filled in.
        assert sorted(group["name"] for group in groups["sessionGroups"]) == ["relu", "sigmoid"]
        assert all(group["hparams"]["seed"] == "0" for group in groups["sessionGroups"])
        layout = _get(f"{url}/data/plugin/custom_scalars/layout")
        charts = {chart["multiline"]["tag"][0] for category in layout["category"] for chart in category["chart"]}
        assert {"gradient_flow/log10_first_over_last$", "dead_fraction/.*", "saturated_fraction/.*"} <= charts
        assert "grad_norm/.*" not in charts  # every run's every layer in one chart: unreadable
    finally:
        process.kill()
        process.wait(timeout=10)


def test_kit_board_explains_a_missing_or_empty_logdir(tmp_path, capsys):
    assert main(["board", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["board", str(tmp_path)]) == 2
    assert "no TensorBoard event files" in capsys.readouterr().err


def test_damaged_event_files_are_named_not_served_silently(tmp_path, monkeypatch, capsys):
    """TensorBoard skips a damaged event file without a word (an empty dashboard); kit board says which."""
    import tensorflow as tf

    from kit.tensorboard import server

    good, bad, cut = tmp_path / "good", tmp_path / "bad", tmp_path / "cut"
    with tf.summary.create_file_writer(str(good)).as_default():
        for step in range(3):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
    (written,) = server.event_files(good)
    bad.mkdir()
    (bad / "events.out.tfevents.1.host").write_bytes(bytes(range(256)) * 8)  # not a TFRecord at all
    cut.mkdir()
    data = written.read_bytes()
    first = 16 + int.from_bytes(data[:8], "little")  # a record: length, its CRC, the event, the event's CRC
    (cut / "events.out.tfevents.2.host").write_bytes(data[:first] + bytes(len(data) - first))  # damaged after one
    problems = server.unreadable_event_files(tmp_path)
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"{bad / 'events.out.tfevents.1.host'}: damaged after 0 records (corrupted record")
    assert problems[0].endswith("TensorBoard shows nothing of this run")
    assert problems[1].startswith(f"{cut / 'events.out.tfevents.2.host'}: damaged after 1 records (")
    assert server.unreadable_event_files(good) == []

    board = server.Board(url="http://127.0.0.1:1/", logdir=tmp_path, program=None, problems=problems)
    monkeypatch.setattr(server, "start", lambda logdir, port: board)
    monkeypatch.setattr("time.sleep", lambda seconds: (_ for _ in ()).throw(KeyboardInterrupt))
    assert main(["board", str(tmp_path)]) == 130
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("kit board: warning: ")] == [
        f"kit board: warning: {problem}" for problem in problems]


def test_kit_board_explains_a_taken_port(tmp_path, capsys):
    (tmp_path / "events.out.tfevents.0.host").write_bytes(b"")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["board", str(tmp_path), "--port", str(taken.getsockname()[1])]) == 2
    assert "already in use" in capsys.readouterr().err


@pytest.mark.parametrize("arguments, message", [
    (dict(logdir=3, probe=None), "logdir"),
    (dict(logdir="runs/x", probe=None), "probe"),
    (dict(logdir="runs/x", probe="data"), "probe"),
    (dict(logdir="runs/x", probe=(np.zeros((4, 2)), np.zeros(3))), "one label per row"),
    (dict(logdir="runs/x", probe=np.zeros((4, 2)), every=0), "every"),
    (dict(logdir="runs/x", probe=np.zeros((4, 2)), probe_size=0), r"^The 'probe_size' parameter of kit\.tensorboard\."
     r"Diagnostics must be an int ≥ 1\. Got 0 instead\. It is the number of rows of a Dataset probe\.$"),
    (dict(logdir="runs/x", probe=np.zeros((4, 2)), images_every=True), r"'images_every' .* an int ≥ 1 or None\. "
     r"Got True of type bool instead\. It is a number of epochs\."),
    (dict(logdir="runs/x", probe=np.zeros((4, 2)), hparams={"seed": [1]}), "hparams"),
])
def test_diagnostics_explains_bad_arguments(arguments, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Diagnostics(**arguments)


def test_a_probe_of_the_wrong_width_is_explained_when_training_starts(tmp_path):
    model = builders.build_mlp(3, [2], "relu")
    callback = Diagnostics(tmp_path, probe=np.zeros((5, 2)))
    callback.set_model(model)
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        callback.on_train_begin()


def test_x_only_probe_writes_no_gradients_and_survives_nan_logs(tmp_path):
    model = builders.build_mlp(2, [3], "tanh")
    callback = Diagnostics(tmp_path, probe=np.random.default_rng(0).normal(size=(20, 2)), every=1)
    callback.set_model(model)
    callback.set_params({"epochs": 2})
    callback.on_train_begin()
    callback.on_epoch_begin(0)
    callback.on_epoch_end(0, {"loss": float("nan")})  # a diverged epoch must not crash the writer
    callback.on_epoch_end(1, {"loss": 0.5})
    callback.on_train_end()
    run = _reader(tmp_path)
    scalars = set(run.PluginTagToContent("scalars"))
    assert "saturated_fraction/hidden_1" in scalars and "loss/train" in scalars
    assert not any(tag.startswith("grad_norm/") for tag in scalars)
    assert np.isnan(_series(run, "loss/train")[1])


def test_works_with_the_kits_trainer(tmp_path):
    from kit.training import train

    data = datasets.playground("xor", seed=0)
    model = builders.build_mlp(2, [4], "relu", seed=0)
    history = train(model, data, epochs=5, batch_size=10, learning_rate=0.03, seed=0, verbose=0,
                    callbacks=[Diagnostics(tmp_path, probe=data, every=2, hparams={"seed": 0})])
    run = _reader(tmp_path)
    losses = _series(run, "loss/test")
    assert sorted(losses) == [1, 2, 3, 4, 5]
    # The logged values are the trainer's own history, at step = epochs completed.
    np.testing.assert_allclose([losses[k] for k in range(1, 6)], history.history["val_loss"], rtol=1e-6)
    assert sorted(_series(run, "grad_norm/hidden_1")) == [0, 2, 4, 5]


@pytest.mark.slow
def test_trainer_runs_chunks_between_probes_with_the_same_result(tmp_path):
    """With Diagnostics the trainer compiles several epochs per call between the epochs the
    callback probes, then replays their logs: the weights and history are bitwise those of a run
    without callbacks, the loss scalars are per epoch, the probes where the callback asked."""
    from kit.training import train
    from kit.training import compiled

    data = datasets.playground("xor", seed=0)
    plain = builders.build_mlp(2, [4], "relu", seed=3)
    plain_history = train(plain, data, epochs=12, seed=5, verbose=0)
    model = builders.build_mlp(2, [4], "relu", seed=3)
    callback = Diagnostics(tmp_path / "run", probe=data, every=5)
    calls = []
    original = compiled.EpochRunner.__call__

    def counting(self, *args, **kwargs):
        calls.append(args[5])  # n_epochs of this call (after model, optimizer, data, seed, first epoch)
        return original(self, *args, **kwargs)

    compiled.EpochRunner.__call__ = counting
    try:
        history = train(model, data, epochs=12, seed=5, verbose=0, callbacks=[callback])
    finally:
        compiled.EpochRunner.__call__ = original
    assert calls == [5, 5, 2]  # chunks end where the callback probes: after epochs 5, 10 and 12
    for a, b in zip(plain.get_weights(), model.get_weights()):
        assert np.array_equal(a, b)
    assert history.history == plain_history.history
    run = _reader(tmp_path / "run")
    assert sorted(_series(run, "loss/train")) == list(range(1, 13))
    np.testing.assert_allclose([_series(run, "loss/train")[s] for s in range(1, 13)], history.history["loss"],
                               rtol=1e-6)
    assert sorted(_series(run, "grad_norm/hidden_1")) == [0, 5, 10, 12]


@given(st.lists(hnp.arrays(np.float32, hnp.array_shapes(max_dims=2, max_side=40),
                           elements=st.floats(-1e6, 1e6, width=32) | st.sampled_from([np.nan, np.inf, 0.0])),
                min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_histograms_are_bucketed_as_tensorboard_buckets_them(arrays):
    """Several arrays bucketed in one pass give TensorBoard's own histogram of each (its
    summary_v2.histogram_pb, with the non-finite values left out as a diverged run needs)."""
    from tensorboard.plugins.histogram import summary_v2

    from kit.tensorboard import events

    values = events.histograms([(f"h{i}", array) for i, array in enumerate(arrays)])
    for array, value in zip(arrays, values):
        finite = array[np.isfinite(array)].astype(np.float64)
        expected = tensor_util.make_ndarray(summary_v2.histogram_pb("t", finite, buckets=30).value[0].tensor)
        mine = tensor_util.make_ndarray(value.tensor)
        if finite.size == 0:  # TensorBoard writes an empty (0, 3) tensor; the kit all-zero rows
            assert not mine[:, 2].any()
            continue
        assert mine[:, 2].sum() == finite.size
        np.testing.assert_allclose(mine[:, :2], expected[:, :2], rtol=1e-12, atol=1e-9)
        # Counts agree except where float round-off puts a value exactly on an edge.
        assert np.abs(mine[:, 2] - expected[:, 2]).sum() <= 2


def test_an_early_stop_draws_the_pictures_of_its_last_step(tmp_path):
    import keras

    from kit.training import train

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch + 1 == 3

    data = datasets.playground("xor", seed=0)
    train(builders.build_mlp(2, [4], "tanh", seed=0), data, epochs=20, verbose=0,
          callbacks=[Stop(), Diagnostics(tmp_path, probe=data, every=5)])
    run = _reader(tmp_path)
    assert sorted(event.step for event in run.Tensors("grad_norm/output")) == [0, 3]  # step 3: at the end
    for tag in ("decision_boundary", "network", "neurons/hidden_1"):
        assert sorted(event.step for event in run.Tensors(tag)) == [0, 3], tag  # pictures of the last step too


def test_the_decision_boundary_picture_is_the_models_output(tmp_path):
    import io

    from PIL import Image

    from kit import plots
    from kit.tensorboard import callback as callback_module
    from kit.training import train

    data = datasets.playground("xor", seed=0)
    model = builders.build_mlp(2, [4], "tanh", seed=0)
    train(model, data, epochs=4, verbose=0, callbacks=[Diagnostics(tmp_path, probe=data, every=2)])
    run = _reader(tmp_path)
    images = {event.step: event.tensor_proto.string_val for event in run.Tensors("decision_boundary")}
    assert sorted(images) == [0, 4]  # images_every = 2 × every, and the last epoch
    width, height, png = images[4]
    picture = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert (width, height) == (b"200", b"234") and picture.shape == (234, 200, 3)  # the plane, then its caption
    grid = plots.decision_grid(model, data.feature_names, 100)
    expected = np.repeat(np.repeat(plots.heatmap_rgb(grid), 2, 0), 2, 1)
    boundary = np.repeat(np.repeat(style.sign_boundary(grid), 2, 0), 2, 1)
    plane = picture[:200]
    rows, columns, _ = callback_module._plane(data)[1]
    free = ~boundary
    free[rows, columns] = False  # the training points drawn over the heat map
    # The boundary line: dark, where Keras's own output changes sign (round-off may move it one grid point).
    assert boundary.any()
    line = (plane == style.palette()[style.BOUNDARY]).all(axis=2)
    line[rows, columns] = False
    near = np.zeros_like(boundary)
    for shift in (-2, 0, 2):
        near |= np.roll(boundary, shift, 0) | np.roll(boundary, shift, 1)
    assert line[~near].sum() == 0 and (line & boundary).sum() > 0.9 * (boundary & free).sum()
    difference = np.abs(plane.astype(int) - expected.astype(int)).max(axis=2)[free & ~near]
    # The same colour everywhere, but for neighbouring shades where XLA's and Keras's float32
    # round-off fall on either side of a shade boundary.
    assert (difference == 0).mean() > 0.99 and difference.max() <= 3
    assert free.mean() < 0.9  # and the points are there


def _boundary_picture(logdir):
    import io

    from PIL import Image

    run = _reader(logdir)
    png = run.Tensors("decision_boundary")[-1].tensor_proto.string_val[2]
    return np.asarray(Image.open(io.BytesIO(png)))  # palette indices


def test_a_linear_networks_boundary_shows_even_when_every_output_is_near_zero(tmp_path):
    """The complaint: a linear run's picture is a pale plane (outputs near 0). Its boundary line is
    drawn dark anyway, as long as the output changes sign in view, and the caption gives the range."""
    from kit.training import train

    data = datasets.playground("circle", seed=0)
    model = builders.build_mlp(2, [3], "linear", seed=0)
    hidden, output = builders.dense_layers(model)  # output tanh(0.005·x1 + 0.003·x2): within ±0.05 on [-6, 6]²
    hidden.kernel.assign(np.array([[0.1, 0, 0], [0, 0.1, 0]], np.float32))
    output.kernel.assign(np.array([[0.05], [0.03], [0.0]], np.float32))
    for layer in (hidden, output):
        layer.bias.assign(np.zeros_like(layer.bias))
    train(model, data, epochs=1, learning_rate=1e-6, verbose=0, callbacks=[Diagnostics(tmp_path, probe=data)])
    from kit import plots

    grid = plots.decision_grid(model, data.feature_names, 100)
    assert np.abs(grid).max() < 0.1 and grid.min() < 0 < grid.max()  # pale, and the sign changes
    pixels = _boundary_picture(tmp_path)
    plane = pixels[:200]
    line = plane == style.BOUNDARY
    assert line.sum() >= 2 * 200  # a 2-pixel line across the 200-pixel square, at least
    # Without the line, no pixel of the plane would be darker than a pale shade: the line is the contrast.
    from kit.tensorboard import callback as callback_module

    heat = plane < style.SHADES
    rows, columns, _ = callback_module._plane(data)[1]
    heat[rows, columns] = False  # the training points, drawn in the scale's two ends
    shades = plane[heat]
    assert np.abs(shades.astype(int) - (style.SHADES - 1) // 2).max() < 0.1 * (style.SHADES - 1) / 2 + 2
    assert (pixels[200:] == style.TEXT).any()  # the caption


def test_no_boundary_line_where_the_output_keeps_one_sign(tmp_path):
    from kit.training import train

    data = datasets.playground("circle", seed=0)
    model = builders.build_mlp(2, [3], "linear", seed=0)
    model.get_layer("output").bias.assign(np.array([5.0], np.float32))  # positive everywhere in view
    train(model, data, epochs=1, learning_rate=1e-6, verbose=0, callbacks=[Diagnostics(tmp_path, probe=data)])
    assert not (_boundary_picture(tmp_path)[:200] == style.BOUNDARY).any()


# -- Gradient flow, cadence, activation-curve labels -------------------------------------------------


def _gradient_flow_run(tmp_path, name):
    """The zoo entry trained 4 epochs with Diagnostics probing and drawing every 2: per probe step, the
    norms written (``grad_norm/<layer>``) and the gradient-flow picture (palette indices)."""
    import io

    from PIL import Image

    from kit import zoo

    callback = Diagnostics(tmp_path / name, probe=zoo.dataset(name), every=2, images_every=2)
    zoo.train(name, seed=0, epochs=4, callbacks=[callback])
    run = _reader(tmp_path / name)
    layers = [f"hidden_{i}" for i in range(1, 11)] + ["output"]
    norms = {step: {layer: float(_series(run, f"grad_norm/{layer}")[step]) for layer in layers} for step in (0, 2, 4)}
    pictures = {event.step: np.asarray(Image.open(io.BytesIO(event.tensor_proto.string_val[2])))
                for event in run.Tensors("gradient_flow")}
    return norms, pictures


@pytest.mark.slow
def test_the_gradient_flow_picture_shows_vanishing_gradients_in_the_deep_sigmoid_net(tmp_path):
    """The 10-layer sigmoid net's first-layer gradient is ≥ 3 decades below the output's in the
    picture's data, at every probe; the same-depth ReLU net of the zoo (deep-relu: He
    initialisation, as the course recommends for ReLU) stays within 3 decades, so the check can fail.

    Measured (seeds 0-2, 256 test points): sigmoid 6.6-7.0 decades at initialisation, 6.1 after
    50 epochs; ReLU/He 0.1-0.6 (first/last), at most 1.0 between any two layers.
    """
    from kit.tensorboard import gradient_flow

    spans = {}
    for name in ("deep-sigmoid", "deep-relu"):
        norms, pictures = _gradient_flow_run(tmp_path, name)
        assert sorted(pictures) == [0, 2, 4]
        own = style.run_style("sigmoid" if "sigmoid" in name else "relu", "circle")
        for step, by_layer in norms.items():
            # The picture plots these norms: a dot of the run's colour where each one lands.
            columns, rows = gradient_flow.positions(by_layer)
            assert (pictures[step][rows, columns] == own.index).all(), (name, step)
        spans[name] = [np.log10(by_layer["output"] / by_layer["hidden_1"]) for by_layer in norms.values()]
    assert min(spans["deep-sigmoid"]) >= 3, spans
    assert max(abs(span) for span in spans["deep-relu"]) < 3, spans


def test_the_gradient_flow_picture_puts_each_norm_on_the_one_fixed_axis():
    from kit.tensorboard import gradient_flow

    low, high = style.GRADIENT_DECADES
    top, bottom = gradient_flow.TOP, gradient_flow.HEIGHT - gradient_flow.BOTTOM - 1
    own = style.run_style("tanh", "xor")
    norms = {"hidden_1": 10.0 ** low, "hidden_2": 10.0 ** ((low + high) / 2), "hidden_3": 0.0, "output": 10.0 ** high}
    pixels = gradient_flow.picture(norms, own)
    columns, rows = gradient_flow.positions(norms)
    assert rows[0] == bottom and rows[-1] == top and rows[1] == round((top + bottom) / 2)
    assert rows[2] == bottom and pixels[rows[2], columns[2]] == gradient_flow.ZERO  # 0: a cross on the floor
    assert pixels[rows[1], columns[1]] == own.index
    # The axis does not move with the values: every run's picture has its grid lines on the same rows.
    small = gradient_flow.picture({"hidden_1": 1e-3, "output": 1e-2}, own)
    grid_rows = [row for row in range(gradient_flow.HEIGHT) if (pixels[row, -gradient_flow.RIGHT - 3] == style.GRID)]
    assert grid_rows == [row for row in range(gradient_flow.HEIGHT)
                         if small[row, -gradient_flow.RIGHT - 3] == style.GRID]
    assert len(grid_rows) == high - low + 1  # one a decade
    # Beyond the axis: on its edge, in the run's colour (a triangle pointing out).
    beyond = gradient_flow.picture({"hidden_1": 10.0 ** (low - 3), "output": 10.0 ** (high + 3)}, own)
    columns, rows = gradient_flow.positions({"hidden_1": 10.0 ** (low - 3), "output": 10.0 ** (high + 3)})
    assert rows.tolist() == [bottom, top] and (beyond[rows, columns] == own.index).all()
    assert dict(gradient_flow.scalars(norms))["gradient_flow/log10_first_over_last"] == pytest.approx(low - high)
    # A norm of 0 has no logarithm: no point (and no ratio) rather than one at an arbitrary floor.
    assert dict(gradient_flow.scalars({"hidden_1": 0.0, "output": 0.5})) == {
        "gradient_flow/log10_last": pytest.approx(np.log10(0.5))}
    with pytest.raises(ValueError, match="non-empty dict"):
        gradient_flow.picture({})
    # A diverged run's NaN norm has no point and no line to it; the other layers are drawn.
    diverged = {"hidden_1": float("nan"), "hidden_2": 1e-3, "output": 1e-2}
    pixels = gradient_flow.picture(diverged, own, [(diverged, style.run_style("relu", "xor"))])
    columns, rows = gradient_flow.positions({"hidden_1": 1.0, "hidden_2": 1e-3, "output": 1e-2})
    assert (pixels[rows[1:], columns[1:]] == own.index).all()
    assert not (pixels[gradient_flow.TOP:, :columns[0] + 4] == own.index).any()


@pytest.mark.parametrize("dash", [(), (1.0, 1.5), (4.0, 2.0), (5.0, 1.5, 1.0, 1.5)])
def test_stroke_draws_the_line_polyline_draws_without_a_pillow_call_per_dash(dash):
    from PIL import Image, ImageDraw
    from scipy import ndimage

    from kit.tensorboard import drawing

    points = [(10, 80), (60, 20), (140, 75), (190, 70)]
    canvas = Image.new("P", (200, 100), 0)
    drawing.polyline(ImageDraw.Draw(canvas), points, 5, 2, dash)
    pillow = np.asarray(canvas) == 5
    pixels = np.zeros((100, 200), np.uint8)
    drawing.stroke(pixels, points, 5, 2, dash)
    mine = pixels == 5
    assert set(np.unique(pixels)) == {0, 5}
    near = ndimage.binary_dilation(pillow, iterations=2)
    assert mine[~near].sum() == 0  # nothing painted off the line
    covered = ndimage.binary_dilation(mine, iterations=2)
    assert pillow[~covered].sum() <= 0.05 * pillow.sum()  # and the line (and its dashes) all painted
    dashes = ndimage.label(mine, np.ones((3, 3)))[1]
    expected = ndimage.label(pillow, np.ones((3, 3)))[1]
    assert dashes == 1 if not dash else abs(dashes - expected) <= 0.15 * expected + 2, (dashes, expected)
    # Cut off at the picture's edges; a single point paints its square.
    edge = np.zeros((10, 10), np.uint8)
    drawing.stroke(edge, [(-20, 5), (30, 5)], 7, 3)
    assert (edge[4:7] == 7).all() and (edge[:4] == 0).all() and (edge[7:] == 0).all()
    dot = np.zeros((10, 10), np.uint8)
    drawing.stroke(dot, [(5, 5)], 7, 2)
    assert (dot == 7).sum() == 4


def test_the_other_runs_are_drawn_faint_behind_in_their_own_styles():
    from kit.tensorboard import gradient_flow

    own, other = style.run_style("relu", "spiral"), style.run_style("sigmoid", "xor")
    alone = gradient_flow.picture({"hidden_1": 1e-2, "output": 1e-1}, own)
    behind = {"hidden_1": 1e-6, "output": 1e-5}
    both = gradient_flow.picture({"hidden_1": 1e-2, "output": 1e-1}, own, [(behind, other)])
    assert not (alone == other.faint_index).any()
    columns, rows = gradient_flow.positions(behind)
    middle = (rows[0] + rows[1]) // 2, (columns[0] + columns[1]) // 2
    assert (both[middle[0] - 2:middle[0] + 3, middle[1] - 6:middle[1] + 7] == other.faint_index).any()
    assert (both == own.index).sum() >= (alone == own.index).sum() - 5  # the own line stays on top


def test_each_faint_run_is_drawn_as_it_is_alone_whatever_the_others_later_runs_on_top():
    # A sweep's picture draws up to MAX_RUNS other runs; each run's line at a step is rasterised once
    # (kept by its points and dash) and stamped into every picture that shows it.
    from kit.tensorboard import drawing, gradient_flow

    rng = np.random.default_rng(0)
    styles = [style.run_style(a, d) for a in ("relu", "tanh", "sigmoid") for d in ("spiral", "xor", "circle")]
    others = [({f"hidden_{i}": float(10 ** rng.uniform(-12, 3)) for i in range(3)}, styles[k % len(styles)])
              for k in range(40)]
    own = style.run_style("linear", "gauss")
    norms = {"hidden_0": 1e-2, "hidden_1": 1e-3, "hidden_2": 1e-1}
    # Each line drawn alone, in order: one dash pattern after another, later lines on top.
    groups: dict = {}
    for other_norms, other in others:
        groups.setdefault(other.dash, []).append((other_norms, other))
    scratch = np.full((gradient_flow.HEIGHT, gradient_flow.WIDTH), gradient_flow.WHITE, np.uint8)
    for members in groups.values():
        for other_norms, other in members:
            columns, rows = gradient_flow.positions(other_norms)
            drawing.stroke(scratch, zip(columns, rows), other.faint_index, gradient_flow.FAINT_WIDTH, other.dash)
    drawn = gradient_flow.picture(norms, own, others)
    faint = {other.faint_index for _, other in others}
    behind = np.isin(drawn, list(faint))
    behind[:gradient_flow.TOP] = False  # the legend's faint sample line is no run's
    assert behind.any()
    assert np.array_equal(drawn[behind], scratch[behind])  # every faint pixel as the lines alone draw it
    assert np.array_equal(gradient_flow.picture(norms, own, others), drawn)  # kept rasters: the same picture
    hidden = np.isin(scratch, list(faint)) & ~np.isin(drawn, list(faint))  # covered only by what is drawn over them
    assert np.isin(drawn[hidden], [own.index, gradient_flow.ZERO, gradient_flow.TEXT]).all()


def _flow_images(logdir) -> dict:
    import io

    from PIL import Image

    return {event.step: np.asarray(Image.open(io.BytesIO(event.tensor_proto.string_val[2])))
            for event in _reader(logdir).Tensors("gradient_flow")}


@pytest.mark.slow
def test_runs_trained_together_draw_each_other_faint_at_every_picture_step(tmp_path):
    """train_many probes its runs one after another: every run's picture still shows all the others."""
    from kit.training import train_many

    data = datasets.playground("xor", noise=0, seed=0)
    pairs = [("linear", "xor"), ("tanh", "xor"), ("relu", "xor")]
    models = [builders.build_mlp(2, [4], activation, seed=0) for activation, _ in pairs]
    callbacks = [[Diagnostics(tmp_path / f"{a}-{d}", probe=data, every=2, images_every=2)] for a, d in pairs]
    train_many(models, data, epochs=4, seeds=[0, 0, 0], callbacks=callbacks, verbose=0)
    for activation, dataset in pairs:
        pictures = _flow_images(tmp_path / f"{activation}-{dataset}")
        assert sorted(pictures) == [0, 2, 4]
        for step, pixels in pictures.items():
            own = style.run_style(activation, dataset)
            assert (pixels == own.index).any()
            for other, _ in pairs:
                if other != activation:  # each other run's faint colour is there, at every step
                    assert (pixels == style.run_style(other, dataset).faint_index).any(), (activation, other, step)


def test_runs_trained_one_after_another_show_the_runs_already_finished(tmp_path):
    from kit.training import train

    data = datasets.playground("circle", noise=0, seed=0)
    for activation in ("tanh", "relu"):
        train(builders.build_mlp(2, [3], activation, seed=0), data, epochs=2, verbose=0,
              callbacks=[Diagnostics(tmp_path / activation, probe=data, every=1)])
    tanh_faint = style.run_style("tanh", "circle").faint_index
    assert not any((pixels == style.run_style("relu", "circle").faint_index).any()
                   for pixels in _flow_images(tmp_path / "tanh").values())  # nothing known yet
    assert all((pixels == tanh_faint).any() for pixels in _flow_images(tmp_path / "relu").values())


@pytest.mark.parametrize("epochs, every, images_every", [(4, 1, 2), (6, 1, 2), (50, 4, 16), (100, 7, 28),
                                                         (1000, 67, 268)])
def test_the_default_cadence_gives_about_fifteen_probes_and_four_picture_steps_a_run(epochs, every, images_every):
    from kit.tensorboard.callback import PICTURES_PER_RUN

    callback = Diagnostics("runs/x", probe=np.zeros((4, 2)))
    callback.set_params({"epochs": epochs})
    callback._cadence()
    assert callback.every == every and callback.images_every == images_every
    probes = [0] + [epoch + 1 for epoch in range(epochs) if callback.needs_model_after(epoch)]  # + step 0
    assert len(probes) == epochs + 1 if epochs < 15 else 10 <= len(probes) <= 20
    # Pictures at probe steps only: step 0, every images_every epochs, and the last epoch.
    pictures = [step for step in probes if step % callback.images_every == 0 or step == epochs]
    assert pictures[0] == 0 and pictures[-1] == epochs
    assert len(pictures) <= len(probes) // 2 + 2 and (epochs < 15 or len(pictures) <= PICTURES_PER_RUN + 2)
    given = Diagnostics("runs/x", probe=np.zeros((4, 2)), every=3, images_every=5)
    given.set_params({"epochs": epochs})
    given._cadence()
    assert (given.every, given.images_every) == (3, 5)  # as given


def test_activation_curve_panels_say_which_layers_use_them():
    from kit.tensorboard.callback import _role

    assert _role([("hidden_1", False), ("hidden_2", False)]) == "hidden layers hidden_1-hidden_2"
    assert _role([("output", True)]) == "output layer"
    assert _role([("hidden_1", False), ("output", True)]) == "hidden layer hidden_1 and output"
