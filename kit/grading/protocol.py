"""Plain data across the sandbox boundary: JSON with NumPy arrays as ``.npy`` bytes.

Both directions use the same codec. :func:`encode` accepts only ``None``, ``bool``, ``int``,
``float``, ``str``, lists/tuples, dicts with ``str`` keys and NumPy arrays of a numeric or
boolean dtype; anything else (an object whose ``__eq__`` always says True, a float subclass, a
pickled object) is refused. :func:`decode` rebuilds arrays with ``np.load(allow_pickle=False)``
and re-checks every type, so the parent never unpickles or executes anything the child sent.

Example:
    >>> import numpy as np
    >>> decode(encode({"y": np.arange(3.0), "ok": True}))["y"]
    array([0., 1., 2.])
"""

from __future__ import annotations

import base64
import io
import json
import math

import numpy as np

ARRAY_TAG = "__npy__"
ALLOWED_KINDS = "biuf"  # bool, signed and unsigned ints, floats: no objects, strings or voids
MAX_DEPTH = 32


class ProtocolError(ValueError):
    """Data that is not plain: the message says what was found and where."""


def _plain(value, where: str, depth: int):
    if depth > MAX_DEPTH:
        raise ProtocolError(f"{where}: nested deeper than {MAX_DEPTH} levels.")
    # Exact type checks: subclasses of float/int/str/dict may override comparison or conversion.
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value
    if kind is float:
        return value
    if kind in (np.float16, np.float32, np.float64):
        return float(value)
    if kind in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64):
        return int(value)
    if kind is np.bool_:
        return bool(value)
    if kind in (list, tuple):
        return [_plain(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str or key == ARRAY_TAG:
                raise ProtocolError(f"{where}: dict keys must be plain str (and not {ARRAY_TAG!r}); got {key!r}.")
            out[key] = _plain(item, f"{where}[{key!r}]", depth + 1)
        return out
    if kind is np.ndarray:
        if value.dtype.kind not in ALLOWED_KINDS or value.dtype.hasobject:
            raise ProtocolError(f"{where}: arrays must hold numbers or booleans; got dtype {value.dtype}.")
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(value), allow_pickle=False)
        return {ARRAY_TAG: base64.b64encode(buffer.getvalue()).decode("ascii")}
    raise ProtocolError(f"{where}: {kind.__module__}.{kind.__qualname__} is not plain data "
                        "(expected None, bool, int, float, str, list, dict or a numeric numpy array).")


def encode(value) -> bytes:
    """Plain data → bytes (UTF-8 JSON). Raises ProtocolError naming the first non-plain value."""
    return json.dumps(_plain(value, "value", 0), allow_nan=True).encode("utf-8")


def _restore(value, where: str, depth: int):
    if depth > MAX_DEPTH:
        raise ProtocolError(f"{where}: nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, list):
        return [_restore(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, dict):
        if set(value) == {ARRAY_TAG}:
            try:
                raw = base64.b64decode(value[ARRAY_TAG], validate=True)
                array = np.load(io.BytesIO(raw), allow_pickle=False)
            except Exception as error:  # any malformed payload is the child's fault, never ours
                raise ProtocolError(f"{where}: not a valid .npy array ({type(error).__name__}).") from None
            if type(array) is not np.ndarray or array.dtype.kind not in ALLOWED_KINDS:
                raise ProtocolError(f"{where}: arrays must hold numbers or booleans.")
            return array
        return {str(k): _restore(v, f"{where}[{k!r}]", depth + 1) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return float(value)
    return value


def decode(data: bytes):
    """Bytes from :func:`encode` → plain data, arrays as ``np.ndarray`` (never unpickled)."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"decode expects bytes; got {type(data).__name__}.")
    try:
        raw = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ProtocolError(f"not plain JSON ({type(error).__name__}: {error}).") from None
    return _restore(raw, "value", 0)
