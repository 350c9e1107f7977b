"""Data sets: the Playground's formulas, reproducibility, splits, bundled sets and CSV errors."""

import math

import numpy as np
import pytest

from kit import datasets


def _all_points(name, n=20000, noise=0, seed=0):
    """Every point of a large data set, train and test together, with labels."""
    data = datasets.playground(name, noise=noise, seed=seed, n_samples=n)
    return np.concatenate([data.x_train, data.x_test]).astype(np.float64), np.concatenate([data.y_train, data.y_test])


def test_circle_radii_and_labels_at_noise_0():
    x, y = _all_points("circle")
    r = np.hypot(x[:, 0], x[:, 1])
    inside = r <= 2.5 + 1e-5
    outside = (r >= 3.5 - 1e-5) & (r <= 5 + 1e-5)
    assert np.all(inside | outside)  # nothing in the gap (2.5, 3.5) or beyond 5
    assert inside.mean() == pytest.approx(0.5)  # half the points inside, half outside
    assert np.all(y[inside] == 1) and np.all(y[outside] == -1)


def test_circle_noise_flips_labels_not_points():
    x, y = _all_points("circle", noise=50)
    r = np.hypot(x[:, 0], x[:, 1])
    assert np.all((r <= 2.5 + 1e-5) | ((r >= 3.5 - 1e-5) & (r <= 5 + 1e-5)))  # points not moved
    flipped = np.mean(np.where(r < 2.5, 1, -1) != y)
    assert 0.1 < flipped < 0.5  # noise ν = 0.5 moves the labelling point by up to 2.5: many flips


def test_xor_points_are_pushed_from_the_axes():
    x, y = _all_points("xor")
    assert np.all(np.abs(x) >= 0.3 - 1e-6) and np.all(np.abs(x) <= 5.3 + 1e-6)
    assert np.all(y == np.where(x[:, 0] * x[:, 1] >= 0, 1, -1))


@pytest.mark.parametrize("noise", [0, 20, 50])
def test_gauss_means_and_variance(noise):
    x, y = _all_points("gauss", n=40000, noise=noise)
    variance = 0.5 + 7 * noise / 100
    for label, mean in ((1, 2.0), (-1, -2.0)):
        cluster = x[y == label]
        # 20,000 points per cluster: the standard error of the mean is ≤ 0.014, of the variance ≤ 0.04.
        np.testing.assert_allclose(cluster.mean(0), [mean, mean], atol=0.06)
        np.testing.assert_allclose(cluster.var(0), [variance, variance], rtol=0.05)


def test_spiral_radius_and_turns():
    n = 2000
    data = datasets.playground("spiral", noise=0, seed=0, n_samples=n, train_fraction=0.5)
    x = np.concatenate([data.x_train, data.x_test]).astype(np.float64)
    y = np.concatenate([data.y_train, data.y_test])
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.max() <= 5 + 1e-5
    positive = x[y == 1]
    order = np.argsort(np.hypot(positive[:, 0], positive[:, 1]))
    angle = np.unwrap(np.arctan2(positive[order, 0], positive[order, 1]))  # x = r sin t, y = r cos t
    turns = (angle[-1] - angle[1]) / (2 * math.pi)
    assert turns == pytest.approx(1.75 * (n // 2 - 2) / (n // 2), abs=1e-3)
    # The negative arm is the positive one turned by π: the same radii, opposite points.
    negative = x[y == -1]
    np.testing.assert_allclose(np.sort(np.hypot(*negative.T)), np.sort(np.hypot(*positive.T)), atol=1e-5)


def test_regression_sets_follow_their_formulas():
    x, y = _all_points("reg-plane")
    np.testing.assert_allclose(y, (x[:, 0] + x[:, 1]) / 10, atol=1e-5)
    assert np.all(np.abs(x) <= 6)
    x, y = _all_points("reg-gauss")
    assert np.all(np.abs(y) <= 1)
    # At a centre the label is its sign (distance 0 → magnitude 1).
    centre = np.array([[4.0, 2.5]])
    near = np.argmin(np.hypot(*(x - centre).T))
    assert y[near] > 0.9


def test_reproducible_by_seed_and_split_as_asked():
    a = datasets.playground("spiral", noise=10, seed=7, train_fraction=0.3)
    b = datasets.playground("spiral", noise=10, seed=7, train_fraction=0.3)
    c = datasets.playground("spiral", noise=10, seed=8, train_fraction=0.3)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    assert len(a.x_train) == math.floor(500 * 0.3) and len(a.x_test) == 500 - 150
    assert np.array_equal(datasets.make_again(a).x_test, a.x_test)
    with pytest.raises(ValueError):
        a.x_train[0, 0] = 1.0  # read-only: nobody changes a data set behind the record's back


def test_features_and_label_conventions():
    data = datasets.playground("xor", seed=1, features=list(datasets.FEATURE_NAMES), labels="01")
    plane = datasets.playground("xor", seed=1)
    x1, x2 = plane.x_train[:, 0], plane.x_train[:, 1]
    expected = np.stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)], 1)
    np.testing.assert_allclose(data.x_train, expected, rtol=1e-6, atol=1e-6)
    assert set(np.unique(data.y_train)) == {0.0, 1.0}
    assert np.array_equal(data.y_train, (plane.y_train > 0).astype(np.float32))
    assert data.feature_names == datasets.FEATURE_NAMES


def test_bundled_sets_offline():
    digits = datasets.bundled("digits", seed=0)
    assert digits.n_features == 64 and digits.n_classes == 10 and digits.task == "multiclass"
    assert digits.y_train.dtype == np.int32
    assert abs(digits.x_train.mean()) < 1e-5  # standardised on the training split
    cancer = datasets.bundled("breast_cancer", labels="pm1")
    assert set(np.unique(cancer.y_test)) == {-1.0, 1.0}
    iris = datasets.bundled("iris", seed=3, test_fraction=0.2)
    assert len(iris.x_test) == 30 and np.bincount(iris.y_test).tolist() == [10, 10, 10]  # stratified


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_happy_path(tmp_path):
    rows = "\n".join(f"{i * 0.1},{-i},{'yes' if i % 2 else 'no'}" for i in range(20))
    data = datasets.from_csv(_write(tmp_path, "a,b,label\n" + rows), label="label", seed=1)
    assert data.feature_names == ("a", "b") and data.task == "binary" and data.class_names == ("no", "yes")
    assert len(data.x_train) + len(data.x_test) == 20
    numeric = "\n".join(f"{i},{i % 3}" for i in range(30))
    multi = datasets.from_csv(_write(tmp_path, "x,cls\n" + numeric, "m.csv"), label="cls")
    assert multi.task == "multiclass" and multi.n_classes == 3


@pytest.mark.parametrize("text, fragment", [
    ("", "is empty"),
    ("a,b,label\n1,2,1\n", "at least 4"),
    ("a,b,label\n1,2,1\n3,,0\n5,6,1\n7,8,0\n", "row 3, column 'b': missing value"),
    ("a,b,label\n1,2,1\n3,x4,0\n5,6,1\n7,8,0\n", "row 3, column 'b': 'x4' is not a number"),
    ("a,b,label\n1,2,1\n3,4,1\n5,6,1\n7,8,1\n", "a classifier needs at least two classes"),
    ("a,b,label\n1,2,1\n3,4\n5,6,1\n7,8,0\n", "row 3: 2 fields"),
    ("1,2,3\n1,2,1\n3,4,0\n5,6,1\n7,8,0\n", "looks like data, not a header"),
    # Labels read as numbers must be finite: inf, and 1e400 (inf as a float), were taken as regression targets.
    ("a,b,label\n1,2,0\n3,4,1\n5,6,inf\n7,8,0\n", "row 4, column 'label': 'inf' is not a finite number"),
    ("a,b,label\n1,2,0\n3,4,1\n5,6,1e400\n7,8,0\n9,9,1\n", "row 4, column 'label': '1e400' is not a finite"),
    # A quoted value over two lines was silently joined ("6\n7" read as 67).
    ('a,b,label\n1,2,0\n"6\n7",4,1\n5,6,1\n7,8,0\n', "line 4, field 1: a quoted value runs over several lines"),
    # A field longer than the csv module's limit raised _csv.Error.
    ("a,b,label\n" + "1" * 140_000 + ",2,0\n3,4,1\n5,6,1\n7,8,0\n", "line 2: cannot be read as CSV (field larger"),
])
def test_bad_csv_files_name_the_problem(tmp_path, text, fragment):
    with pytest.raises(datasets.CSVError, match=fragment.replace("(", r"\(")):
        datasets.from_csv(_write(tmp_path, text), label="label" if "label" in text else "3")


def test_csv_missing_label_column_and_file(tmp_path):
    path = _write(tmp_path, "a,b,y\n1,2,1\n3,4,0\n5,6,1\n7,8,0\n")
    with pytest.raises(ValueError, match="no column named 'label'. Columns: a, b, y"):
        datasets.from_csv(path, label="label")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.from_csv(tmp_path / "nope.csv", label="y")


def test_unknown_names_suggest_the_closest():
    with pytest.raises(ValueError, match="Did you mean 'spiral'"):
        datasets.playground("spirl")
    with pytest.raises(ValueError, match="Did you mean 'x1_x2'"):
        datasets.playground("xor", features=["x1", "x1x2"])
    with pytest.raises(ValueError, match="Did you mean 'digits'"):
        datasets.load("digit")


def test_curves():
    data = datasets.curve("sin", n_samples=100, seed=2)
    assert data.feature_names == ("x",) and data.task == "regression" and len(data.x_train) == 50
    np.testing.assert_allclose(data.y_test, np.sin(data.x_test[:, 0]), atol=1e-6)
    assert np.all(np.abs(data.x_train) <= math.pi)
    assert np.array_equal(datasets.make_again(data).x_train, data.x_train)
    noisy = datasets.curve("parabola", noise=0.1, seed=2)
    clean = 0.7 * noisy.x_test[:, 0] ** 2 - 0.3
    np.testing.assert_allclose(noisy.y_test, clean, atol=1e-6)  # test targets stay exact
    with pytest.raises(ValueError, match="Did you mean 'sin'"):
        datasets.curve("sinus")
