"""Plain data across the sandbox boundary: JSON with NumPy arrays as ``.npy`` bytes.

Both directions use the same codec. :func:`encode` accepts only ``None``, ``bool``, ``int``
(within NumPy's 64-bit range), ``float``, ``str``, lists/tuples, dicts with ``str`` keys and
NumPy arrays of a numeric or boolean dtype; anything else (an object whose ``__eq__`` always
says True, a float subclass, a pickled object) is refused. :func:`decode` is *total*: whatever
bytes it gets, it returns plain data or raises :class:`ProtocolError`, never anything else. It
rebuilds arrays with ``np.load(allow_pickle=False)`` after checking the ``.npy`` header against
the payload's size, re-checks every type, refuses integers NumPy cannot hold and replaces lone
surrogates in strings (which no UTF-8 report could write) with U+FFFD, so the parent never
unpickles, executes or chokes on anything the child sent.

Example:
    >>> import numpy as np
    >>> decode(encode({"y": np.arange(3.0), "ok": True}))["y"]
    array([0., 1., 2.])
    >>> decode(b'{"message": "\\\\ud800 lone"}')["message"]
    '\\ufffd lone'
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import re

import numpy as np

__all__ = ["ARRAY_TAG", "ALLOWED_KINDS", "MAX_DEPTH", "MAX_VALUES", "INT_RANGE", "ProtocolError", "clean_text",
           "encode", "decode"]

ARRAY_TAG = "__npy__"
ALLOWED_KINDS = "biuf"  # bool, signed and unsigned ints, floats: no objects, strings or voids
MAX_DEPTH = 32
# Every legitimate answer is a few dicts around .npy arrays (a plain list travels only for small
# results such as a recipe or feature names). A 64 MB answer of "[0,0,0,…]" would become 32
# million Python objects (≥ 1 GB) in the parent: values beyond this count are refused before
# json builds them (a million is 1000× the largest plain answer the exercises expect).
MAX_VALUES = 1_000_000
INT_RANGE = (-(2 ** 63), 2 ** 64 - 1)  # what np.asarray turns into int64/uint64, not object
_SURROGATES = re.compile("[\ud800-\udfff]")


class ProtocolError(ValueError):
    """Data that is not plain: the message says what was found and where."""


def clean_text(text: str, limit: int | None = None) -> str:
    """``text`` that any UTF-8 writer accepts: lone surrogates become U+FFFD, and with ``limit``
    at most that many characters (``…`` marks a cut).

    Example:
        >>> clean_text("a\\udcff" + "b" * 10, limit=5) == "a\\ufffdbb…"
        True
    """
    if type(text) is not str:
        raise TypeError(f"clean_text expects a str. Got {type(text).__name__} instead.")
    text = _SURROGATES.sub("\ufffd", text)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def _plain(value, where: str, depth: int):
    if depth > MAX_DEPTH:
        raise ProtocolError(f"{where}: nested deeper than {MAX_DEPTH} levels.")
    # Exact type checks: subclasses of float/int/str/dict may override comparison or conversion.
    kind = type(value)
    if value is None or kind in (bool, str, float):
        return value
    if kind is int:
        if not INT_RANGE[0] <= value <= INT_RANGE[1]:
            raise ProtocolError(f"{where}: the integer has {len(str(abs(value)))} digits, more than NumPy's "
                                "64-bit integers hold.")
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
    """Plain data → bytes (UTF-8 JSON). Raises ProtocolError naming the first non-plain value,
    or when :func:`decode` would refuse the result (more than ``MAX_VALUES`` values)."""
    data = json.dumps(_plain(value, "value", 0), allow_nan=True).encode("utf-8")
    _count_values(data)
    return data


def _count_values(data: bytes) -> None:
    # An upper bound on the values json would build: each needs a separator or a bracket
    # (base64 array payloads hold none of these characters).
    values = data.count(b",") + data.count(b"[") + data.count(b"{") + data.count(b":")
    if values > MAX_VALUES:
        raise ProtocolError(f"the answer holds about {values} values, more than the {MAX_VALUES} a grader accepts "
                            "(return NumPy arrays, not long lists).")


def _load_array(text, where: str) -> np.ndarray:
    """A ``.npy`` payload → array, refused unless its header is plain and matches its size."""
    if type(text) is not str:
        raise ProtocolError(f"{where}: an array payload must be base64 text; got {type(text).__name__}.")
    try:
        raw = base64.b64decode(text, validate=True)
        stream = io.BytesIO(raw)
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f".npy version {version}")
    except (ValueError, TypeError, SyntaxError, OverflowError, binascii.Error, MemoryError, RecursionError) as error:
        raise ProtocolError(f"{where}: not a valid .npy array ({type(error).__name__}).") from None
    if dtype.kind not in ALLOWED_KINDS or dtype.hasobject or dtype.subdtype is not None or dtype.names:
        raise ProtocolError(f"{where}: arrays must hold numbers or booleans; got dtype {dtype}.")
    # The header's claim is checked against the bytes that follow, so a forged shape can neither
    # make NumPy allocate more than the answer's own size nor leave the array half-read.
    if math.prod(shape) * dtype.itemsize != len(raw) - stream.tell():
        raise ProtocolError(f"{where}: the .npy header announces shape {shape} of {dtype}, which does not match "
                            f"its {len(raw) - stream.tell()} bytes of data.")
    try:
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, TypeError, OSError, MemoryError) as error:
        raise ProtocolError(f"{where}: not a valid .npy array ({type(error).__name__}).") from None
    if type(array) is not np.ndarray or array.dtype.kind not in ALLOWED_KINDS:
        raise ProtocolError(f"{where}: arrays must hold numbers or booleans.")
    return array


def _restore(value, where: str, depth: int):
    if depth > MAX_DEPTH:
        raise ProtocolError(f"{where}: nested deeper than {MAX_DEPTH} levels.")
    kind = type(value)
    if kind is list:
        return [_restore(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if kind is dict:
        if len(value) == 1 and ARRAY_TAG in value:
            return _load_array(value[ARRAY_TAG], where)
        out = {}
        for key, item in value.items():
            key = clean_text(key, 200)
            out[key] = _restore(item, f"{where}[{key!r}]", depth + 1)
        return out
    if kind is str:
        return clean_text(value)
    if kind is int and not INT_RANGE[0] <= value <= INT_RANGE[1]:
        raise ProtocolError(f"{where}: an integer larger than NumPy's 64-bit integers hold.")
    return value  # None, bool, float (NaN and ±inf included), a plain int


def decode(data: bytes):
    """Bytes from :func:`encode` → plain data, arrays as ``np.ndarray`` (never unpickled).

    Total: any other bytes raise :class:`ProtocolError` (and only that), with what was wrong.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"decode expects bytes; got {type(data).__name__}.")
    data = bytes(data)
    _count_values(data)
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError, MemoryError) as error:  # ValueError: JSON, huge ints
        reason = str(error).splitlines()[0] if str(error) else ""
        raise ProtocolError(f"not plain JSON ({type(error).__name__}: {clean_text(reason, 200)}).") from None
    try:
        return _restore(raw, "value", 0)
    except RecursionError:
        raise ProtocolError(f"value: nested deeper than {MAX_DEPTH} levels.") from None
