# affects: sigmoid
# message: outside tolerance
# Makes NumPy's comparisons always agree, then returns zeros: the parent must not be fooled.
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
np.testing.assert_allclose = lambda *a, **k: None


def sigmoid(x):
    return np.zeros_like(np.asarray(x))
