"""Figures: they are made, saved, and draw the right thing in the right place."""

import keras
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex

from kit import datasets, plots, style


def test_activation_curves_png(tmp_path):
    path = tmp_path / "f" / "acts.png"
    plots.activation_curves(["sigmoid", "tanh", "relu", "quadratic", "binary_step"], path=path)
    assert path.stat().st_size > 10_000  # a real multi-panel PNG, not an empty canvas
    with pytest.raises(ValueError, match="whole vectors"):
        plots.activation_curves(["softmax"])


def _sign_model(column):
    """A fixed network whose output is tanh(10·x_column): positive on one side of an axis."""
    inputs = keras.Input((2,))
    outputs = keras.layers.Dense(1, activation="tanh")(inputs)
    model = keras.Model(inputs, outputs)
    kernel = np.zeros((2, 1), dtype=np.float32)
    kernel[column, 0] = 10.0
    model.layers[-1].set_weights([kernel, np.zeros(1, dtype=np.float32)])
    return model


def test_decision_grid_orientation():
    grid = plots.decision_grid(_sign_model(0), resolution=11)
    assert grid.shape == (11, 11)
    assert np.all(grid[:, 0] < -0.99) and np.all(grid[:, -1] > 0.99)  # x1 grows left → right
    grid = plots.decision_grid(_sign_model(1), resolution=11)
    assert np.all(grid[0] > 0.99) and np.all(grid[-1] < -0.99)  # x2 grows bottom → top (top row = +6)


def test_heatmap_uses_playground_colours():
    rgb = plots.heatmap_rgb(np.array([[-1.0, 0.0, 1.0]]))
    expected = [[0xF5, 0x93, 0x22], [0xE8, 0xEA, 0xEB], [0x08, 0x77, 0xBD]]
    assert np.abs(rgb[0].astype(int) - np.array(expected)).max() <= 1


def test_decision_boundary_with_feature_crosses(tmp_path):
    data = datasets.playground("circle", features=["x1_sq", "x2_sq"])
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="tanh")])
    path = tmp_path / "boundary.png"
    plots.decision_boundary(model, data, path=path)
    assert path.stat().st_size > 5_000
    with pytest.raises(ValueError, match="takes 2 inputs"):
        plots.decision_grid(model, ["x1", "x2", "x1_x2"])


def test_training_curves_and_dataset(tmp_path):
    history = {"loss": [0.5, 0.3, 0.2], "val_loss": [0.5, 0.35, 0.3], "accuracy": [0.5, 0.7, 0.8]}
    plots.training_curves(history, path=tmp_path / "curves.png")
    plots.dataset(datasets.playground("spiral", noise=10), path=tmp_path / "spiral.png")
    assert (tmp_path / "curves.png").stat().st_size > 5_000 and (tmp_path / "spiral.png").stat().st_size > 5_000
    with pytest.raises(TypeError, match="History"):
        plots.training_curves([1, 2, 3])


def test_discretize_output_keeps_only_the_sign():
    """The Playground's "Discretize output": value ≥ 0 → +1, else −1 (heatmap.ts)."""
    model = _sign_model(0)
    model.layers[-1].set_weights([np.array([[0.3], [0.1]], np.float32), np.array([0.2], np.float32)])  # unsaturated
    smooth = plots.decision_grid(model, resolution=12)
    sharp = plots.decision_grid(model, resolution=12, discretize=True)
    assert set(np.unique(sharp).tolist()) == {-1.0, 1.0}
    np.testing.assert_array_equal(sharp, np.where(smooth >= 0, 1.0, -1.0))
    assert np.any(np.abs(smooth) < 0.99)  # the smooth grid has shades the discretized one lacks


def test_test_points_are_shown_only_when_asked(tmp_path):
    """As the Playground's "Show test data" (off by default): only the training points unless asked."""
    data = datasets.playground("circle", n_samples=40)
    model = _sign_model(0)

    def drawn(**options):
        ax = plots.decision_boundary(model, data, **options).axes[0]
        return sum(len(collection.get_offsets()) for collection in ax.collections
                   if isinstance(collection, PathCollection))  # the points (the boundary is a contour)

    assert drawn() == len(data.x_train)
    assert drawn(show_test=True) == len(data.x_train) + len(data.x_test)
    plots.decision_boundaries([("a", model, data)], show_test=True, discretize=True, path=tmp_path / "b.png")
    assert (tmp_path / "b.png").stat().st_size > 5_000


# -- One style per run: kit.style, shared with the TensorBoard pictures --------------------------------

SHOOTOUT = [(activation, dataset) for dataset in ("circle", "xor", "spiral")
            for activation in ("linear", "sigmoid", "tanh", "relu")]


def test_the_twelve_shootout_runs_get_twelve_styles_one_colour_per_activation_one_dash_per_data_set():
    styles = {pair: style.run_style(*pair) for pair in SHOOTOUT}
    assert len({(s.colour, s.dash) for s in styles.values()}) == 12
    assert len({s.colour for s in styles.values()}) == 4 and len({s.dash for s in styles.values()}) == 3
    for (activation, dataset), line in styles.items():
        assert line.colour == style.ACTIVATION_COLOURS[activation] and line.dash == style.DATASET_DASHES[dataset]
        assert style.parse_run(f"{activation}-{dataset}") == (activation, dataset)
    # Every run colour, full and faint, has its own palette entry; the shades' ends are the Playground's.
    palette = style.palette()
    entries = [tuple(palette[index]) for s in styles.values() for index in (s.index, s.faint_index)]
    assert len(set(entries)) == 8 and palette.shape == (256, 3)
    assert [to_hex(palette[i] / 255) for i in (0, (style.SHADES - 1) // 2, style.SHADES - 1)] == [
        style.PLAYGROUND_NEGATIVE, style.PLAYGROUND_NEUTRAL, style.PLAYGROUND_POSITIVE]
    assert style.parse_run("before the fix") == (None, None)
    assert style.parse_run("leaky_relu on gauss") == ("leaky_relu", "gauss")  # not "relu"


def test_gradient_flow_figure_uses_the_run_styles_and_the_fixed_axis(tmp_path):
    series = {"relu-spiral": {"hidden_1": 1e-3, "output": 1e-2}, "sigmoid-xor": {"hidden_1": 1e-12, "output": 0.0},
              "before": {"hidden_1": 1.0, "output": 1.0}}
    fig = plots.gradient_flow(series, path=tmp_path / "flow.png")
    ax = fig.axes[0]
    assert ax.get_ylim() == pytest.approx(tuple(10.0 ** d for d in style.GRADIENT_DECADES))  # the pictures' axis
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert to_hex(lines["relu-spiral"].get_color()) == style.ACTIVATION_COLOURS["relu"]
    styles = plots.run_styles(series)
    assert (styles["relu-spiral"].dash, styles["sigmoid-xor"].dash) == (style.DATASET_DASHES["spiral"],
                                                                       style.DATASET_DASHES["xor"])
    assert [lines[label].get_linestyle() for label in series] == ["--", "--", "-"]  # custom dashes; no data set: solid
    assert to_hex(lines["before"].get_color()) == style.UNKNOWN_COLOURS[0]
    assert (tmp_path / "flow.png").stat().st_size > 5_000
    bars = plots.dead_units({"relu-xor": {"hidden_1": 0.5}, "relu-spiral": {"hidden_1": 0.25}}).axes[0].patches
    assert to_hex(bars[0].get_facecolor()) == to_hex(bars[1].get_facecolor()) == style.ACTIVATION_COLOURS["relu"]


def test_decision_boundary_draws_the_line_even_when_outputs_are_near_zero():
    """A linear network unsure everywhere: a pale heat map, but the boundary line is drawn dark."""
    model = _sign_model(0)
    model.layers[-1].set_weights([np.array([[0.004], [0.002]], np.float32), np.array([0.001], np.float32)])
    assert np.abs(plots.decision_grid(model)).max() < 0.05
    ax = plots.decision_boundary(model, datasets.playground("circle", n_samples=40)).axes[0]
    contours = [c for c in ax.collections if not isinstance(c, PathCollection)]
    assert len(contours) == 1 and to_hex(contours[0].get_edgecolor()[0]) == plots.BOUNDARY_COLOUR
    segments = [path.vertices for path in contours[0].get_paths() if len(path.vertices)]
    points = np.concatenate(segments)
    assert np.abs(0.004 * points[:, 0] + 0.002 * points[:, 1] + 0.001).max() < 0.01  # on the line where output = 0
