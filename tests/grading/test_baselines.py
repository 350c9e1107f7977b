"""The half-plane baseline: exact on small sets, an upper bound for linear models, strict arguments."""

import numpy as np
import pytest

from kit.grading.authoring.baselines import best_half_plane_accuracy


def exhaustive_best_half_plane(points, labels) -> float:
    """Every way a line splits the points: the order of the projections changes only where the
    normal is perpendicular to the difference of two points, so one direction between each pair
    of consecutive critical angles (and both sides of each split) covers every half-plane."""
    i, j = np.triu_indices(len(points), 1)
    difference = points[j] - points[i]
    critical = np.unique(np.mod(np.arctan2(difference[:, 1], difference[:, 0]) + np.pi / 2, np.pi))
    angles = (critical + np.append(critical[1:], critical[0] + np.pi)) / 2
    best = 0
    for angle in angles:
        projection = points @ np.array([np.cos(angle), np.sin(angle)])
        positive = labels[np.argsort(projection)] > 0
        for k in range(len(points) + 1):  # the k lowest on one side, the rest on the other
            minus_below = k - positive[:k].sum()
            plus_above = positive[k:].sum()
            correct = minus_below + plus_above
            best = max(best, correct, len(points) - correct)
    return best / len(points)


@pytest.mark.parametrize("name", ["circle", "xor", "spiral", "gauss"])
def test_the_grid_search_finds_the_exact_optimum(name):
    from kit import datasets

    data = datasets.playground(name, noise=10, seed=5, n_samples=80)  # 40 test points: 780 pairs
    exact = exhaustive_best_half_plane(data.x_test.astype(np.float64), data.y_test)
    assert best_half_plane_accuracy(data.x_test, data.y_test) == exact


def test_xor_corners_and_separable_points():
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    assert best_half_plane_accuracy(corners, np.array([1.0, -1.0, -1.0, 1.0])) == 0.75
    assert best_half_plane_accuracy(corners, np.array([-1.0, -1.0, 1.0, 1.0])) == 1.0


@pytest.mark.parametrize("points, labels, directions, match", [
    (np.zeros((3, 3)), np.ones(3), 3600, "'points'"),
    (np.array([[0.0, np.nan]]), np.ones(1), 3600, "'points'"),
    (np.zeros((3, 2)), np.array([0.0, 1.0, 1.0]), 3600, "'labels'"),
    (np.zeros((3, 2)), np.ones(2), 3600, "'labels'"),
    (np.zeros((3, 2)), np.ones(3), 2, "'directions'"),
])
def test_bad_arguments_say_what_was_expected(points, labels, directions, match):
    with pytest.raises(ValueError, match=match):
        best_half_plane_accuracy(points, labels, directions)
