"""Exercise 04's checks as Otter-Grader's tests call them: pure NumPy, no kit import.

``kit bench grade`` copies this file into the Otter autograder it builds (``files/ex04_checks/``,
beside ``data.npz``: every input and reference value, written from exercise 04's checks module
by :func:`kit.benchmarks.otter_peer.data`), and each of the autograder's OK-format tests is one
doctest that calls one of these functions on the submission's function and expects ``True``.
One test per kit check (42, 100 points, the 10 hidden ones hidden), each the same comparison as
the kit's check: the same inputs, references, masks and tolerances (``RTOL64`` …, read from the
data, so one source: exercise 04's checks), the same rule that a shape, dtype, special-value or
stability check also needs the values on the grid. What the kit does around the checks (its
sandbox, time limits, forbidden imports, the messages) is not here.

Example (on a data file written from exercise 04's checks):
    >>> import tempfile
    >>> from kit.benchmarks import otter_peer
    >>> path = Path(tempfile.mkdtemp()) / "data.npz"
    >>> np.savez(path, **otter_peer.data())
    >>> checks = Checks(path)
    >>> checks.values(np.tanh, "tanh"), checks.values(np.sin, "tanh"), checks.stable(np.tanh, "tanh")
    (True, False, True)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

KINKS = ("relu_grad", "leaky_relu_grad", "elu_grad")  # their value at 0 is graded by its own check only
BAD_WARNINGS = ("overflow", "invalid value", "divide by zero")  # kit.grading.authoring.checks.Answer.overflow_warnings
_SHARED: list = []


def shared() -> "Checks":
    """The checks over ``data.npz`` beside this file, loaded once per process (each Otter test calls it)."""
    if not _SHARED:
        _SHARED.append(Checks())
    return _SHARED[0]


class Checks:
    """The checks over one data file (``data.npz``: inputs ``in/NAME``, references ``ref/FUNCTION/NAME``,
    tolerances ``tolerance/NAME``, alphas ``alpha/FUNCTION``)."""

    def __init__(self, path=None):
        with np.load(Path(path) if path else Path(__file__).with_name("data.npz")) as data:
            self.data = {name: data[name] for name in data.files}

    def _tolerance(self, x) -> tuple:
        kind = "32" if np.asarray(x).dtype == np.float32 else "64"
        return float(self.data[f"tolerance/rtol{kind}"]), float(self.data[f"tolerance/atol{kind}"])

    def _call(self, function, name: str, **keywords):
        """(value, warnings, error) of ``function`` on input ``name``, called as the kit's runner calls it;
        ``returned_ndarray`` then says whether it returned exactly a ``numpy.ndarray``."""
        self.returned_ndarray = False
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            try:
                returned = function(np.array(self.data[f"in/{name}"], copy=True), **keywords)
            except Exception as error:  # the submission's own exception fails this check only
                return None, [], f"{type(error).__name__}: {error}"
        try:  # kit.grading.sandbox.drivers.describe_value
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = np.asarray(np.array(returned, copy=True)).view(np.ndarray)
        except Exception:
            return None, [], "cannot be converted to a NumPy array"
        if value.dtype.kind not in "biuf":
            return None, [], "not numeric"
        self.returned_ndarray = type(returned) is np.ndarray
        return value, [str(w.message) for w in caught], ""

    @staticmethod
    def _close(value, expected, rtol: float, atol: float, where=None) -> bool:
        """kit.grading.authoring.checks.Answer.mismatch: same shape, finite, |got − expected| ≤ atol + rtol·|expected|."""
        expected = np.asarray(expected)
        if value is None or value.shape != expected.shape:
            return False
        if where is not None:
            where = np.broadcast_to(np.asarray(where, dtype=bool), expected.shape)
            value, expected = value[where], expected[where]
        got = value.astype(np.float64)
        return bool(np.isfinite(got).all() and not (np.abs(got - expected) > atol + rtol * np.abs(expected)).any())

    def _grid(self, function, name: str) -> bool:
        """The values on the grid −10…10 (the kinks' 0 left out): every check's condition."""
        value, _, error = self._call(function, "grid64")
        where = self.data["in/grid64"] != 0 if name in KINKS else None
        return not error and self._close(value, self.data[f"ref/{name}/grid64"], *self._tolerance(np.float64), where)

    def values(self, function, name: str) -> bool:
        """'NAME: values (float64)' (4 points): the grid, a random 40×25 array, and the non-default alpha."""
        if not self._grid(function, name):
            return False
        value, _, error = self._call(function, "random64")
        if error or not self._close(value, self.data[f"ref/{name}/random64"], *self._tolerance(np.float64)):
            return False
        if f"alpha/{name}" in self.data:
            value, _, error = self._call(function, "grid64", alpha=float(self.data[f"alpha/{name}"]))
            where = self.data["in/grid64"] != 0 if name in KINKS else None
            return not error and self._close(value, self.data[f"ref/{name}/alpha64"], *self._tolerance(np.float64),
                                             where)
        return True

    def structure(self, function, name: str) -> bool:
        """'NAME: keeps shape and dtype' (2 points): float32 and float64 inputs of two shapes keep
        their shape and dtype, with the right values."""
        if not self._grid(function, name):
            return False
        for case in ("grid32", "random32", "grid64", "random64"):
            x = self.data[f"in/{case}"]
            value, _, error = self._call(function, case)
            if error or not (self.returned_ndarray or value.shape == ()) or value.dtype != x.dtype \
                    or value.shape != x.shape:
                return False
            if not self._close(value, self.data[f"ref/{name}/{case}"], *self._tolerance(x),
                               x != 0 if name in KINKS else None):
                return False
        return True

    def _stable(self, function, name: str, cases) -> bool:
        for case in cases:
            x = self.data[f"in/{case}"]
            value, caught, error = self._call(function, case)
            if error or any(bad in message for message in caught for bad in BAD_WARNINGS):
                return False
            if not self._close(value, self.data[f"ref/{name}/{case}"], *self._tolerance(x)):
                return False
        return True

    def stable(self, function, name: str) -> bool:
        """'NAME: stable for extreme inputs' (2 points): |x| up to 1e4, float64 and float32, without an
        overflow warning, NaN or Inf, with the right values."""
        return self._grid(function, name) and self._stable(function, name, ("extreme64", "extreme32"))

    def unseen(self, function, name: str) -> bool:
        """'NAME: unseen inputs' (1 point, hidden): other extreme magnitudes, then unseen random inputs."""
        if not self._stable(function, name, ("unseen_extreme64", "unseen_extreme32")):
            return False
        value, _, error = self._call(function, "hidden64")
        return not error and self._close(value, self.data[f"ref/{name}/hidden64"], *self._tolerance(np.float64)) \
            and self._grid(function, name)

    def relu_grad_at_zero(self, function) -> bool:
        """'relu_grad(0) is 0' (5 points)."""
        value, _, error = self._call(function, "zeros")
        if error or value.shape != (4,) or not np.all(value.astype(np.float64) == 0.0):
            return False
        return self._grid(function, "relu_grad")

    def sigmoid_grad_peak(self, function) -> bool:
        """'sigmoid_grad peaks at 0.25' (5 points): on 20,001 points of [−1, 1], 0.25 to 1e-12, at x = 0."""
        fine = self.data["in/fine"]
        value, _, error = self._call(function, "fine")
        if error or value.shape != fine.shape or not np.isfinite(value.astype(np.float64)).all():
            return False
        got = value.astype(np.float64)
        peak, where = float(got.max()), float(fine[int(np.argmax(got))])
        return abs(peak - 0.25) <= 1e-12 and where == 0.0 and self._grid(function, "sigmoid_grad")
