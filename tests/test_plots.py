"""Figures: they are made, saved, and draw the right thing in the right place."""

import keras
import numpy as np
import pytest

from kit import datasets, plots


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
        return sum(len(collection.get_offsets()) for collection in ax.collections)

    assert drawn() == len(data.x_train)
    assert drawn(show_test=True) == len(data.x_train) + len(data.x_test)
    plots.decision_boundaries([("a", model, data)], show_test=True, discretize=True, path=tmp_path / "b.png")
    assert (tmp_path / "b.png").stat().st_size > 5_000
