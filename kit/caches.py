"""The kit's module-level caches, each registered where it is made, emptied at once by
:func:`kit.clear_caches`.

A module keeps a cache (compiled programs, rendered pictures, loaded checks …) at module level
when it serves every call of the process; it registers the cache where it defines it::

    _CURVES: dict = caches.register({}, "kit.tensorboard.callback activation curves")

    @caches.register
    @functools.lru_cache(maxsize=16)
    def _painter(...): ...

Only the modules already imported have registered (and filled) theirs, so clearing imports
nothing. This module imports only ``os``, ``sys``, ``collections`` and ``threading``.

The modules whose source fingerprints the zoo's results (``kit.zoo.CODE_MODULES``: an edit there,
even a comment, marks ``models/RESULTS.*`` stale) are named in :data:`IN_FINGERPRINTED_MODULES`
instead, read from the imported module; each moves to a ``register`` line beside its cache when
those results are next regenerated.

Example:
    >>> from kit import caches
    >>> seen = caches.register({}, "kit.example")
    >>> seen["key"] = 1
    >>> caches.sizes()["kit.example"]
    1
    >>> caches.clear("kit.example")
    >>> seen
    {}
"""

from __future__ import annotations

import collections
import os
import sys
import threading

__all__ = ["register", "clear", "sizes", "Recent", "IN_FINGERPRINTED_MODULES"]

_REGISTERED: dict = {}  # name → the cache (a dict, set, list or lru_cache function)

IN_FINGERPRINTED_MODULES = {
    "kit.diagnostics": ("_CHAIN_PROGRAMS", "_PASSES"),  # probe programs shared across models; per-model passes
    "kit.training.compiled": ("_cache", "_xla_refused"),  # compiled epoch runners; models XLA refused
    "kit.zoo": ("code_fingerprint", "_LINE_LOSSES"),  # the hash of the fingerprinted sources; best lines per data set
}
"""Caches of the modules whose source fingerprints the zoo's results: module → attribute names."""


def _all() -> dict:
    found = dict(_REGISTERED)
    for module, attributes in IN_FINGERPRINTED_MODULES.items():
        if module in sys.modules:
            found.update({f"{module}.{name}": getattr(sys.modules[module], name) for name in attributes})
    return found


def _name(cache) -> str:
    return f"{cache.__module__}.{cache.__qualname__}"


def register(cache, name: str | None = None):
    """Register ``cache`` (a ``functools.lru_cache`` function, or a dict, set or list that the
    module fills) under ``name`` (a function's own dotted name when omitted) and return it as it is.
    A second registration under a name (a module imported again) replaces the first."""
    if hasattr(cache, "cache_clear"):
        name = name or _name(cache)
    elif not all(hasattr(cache, attribute) for attribute in ("clear", "__len__")):
        raise TypeError(f"caches.register takes an lru_cache function, a dict, a set or a list. Got {cache!r}.")
    if not isinstance(name, str) or not name.startswith("kit."):
        raise ValueError(f"A cache's name must start with its module's ('kit.…'). Got {name!r}.")
    _REGISTERED[name] = cache
    return cache


def sizes() -> dict[str, int]:
    """How many entries each registered cache holds now, by name."""
    return {name: cache.cache_info().currsize if hasattr(cache, "cache_clear") else len(cache)
            for name, cache in _all().items()}


def clear(*prefixes: str) -> None:
    """Empty every registered cache, or those whose names start with one of ``prefixes``
    (a module's name, ``"kit.grading.authoring.trials"``)."""
    for name, cache in _all().items():
        if not prefixes or name.startswith(prefixes):
            (cache.cache_clear if hasattr(cache, "cache_clear") else cache.clear)()


class Recent(collections.OrderedDict):
    """A registered cache of the ``size`` most recently used entries (the least recently used are
    dropped), for values computed many at a time: :meth:`get_many` computes the missing ones in one call.

    Example:
        >>> from kit import caches
        >>> squares = caches.Recent(2, "kit.example.squares")
        >>> squares.get_many([3, 4], lambda keys: [key * key for key in keys])
        [9, 16]
        >>> squares.get_many([5, 4], lambda keys: [key * key for key in keys])  # only 5 is computed
        [25, 16]
        >>> list(squares)  # 3 was used least recently: dropped
        [5, 4]
    """

    def __init__(self, size: int, name: str):
        super().__init__()
        if type(size) is not int or size < 1:
            raise ValueError(f"A Recent cache's size must be an int >= 1. Got {size!r}.")
        self.size = size
        self._lock = threading.RLock()  # a writer thread and the caller's may both use it
        os.register_at_fork(after_in_child=self._new_lock)  # a lock held by a thread the child lacks
        register(self, name)

    def _new_lock(self) -> None:
        self._lock = threading.RLock()

    def get_many(self, keys, compute) -> list:
        """The values of ``keys`` (hashable, in order, repeats allowed): those not kept are computed by
        ``compute(missing)``, called once with the missing keys (each once, in first-seen order) and
        returning their values in that order; every key becomes the most recently used."""
        keys = list(keys)
        with self._lock:
            missing = [key for key in dict.fromkeys(keys) if key not in self]
            if missing:
                values = list(compute(missing))
                if len(values) != len(missing):
                    raise ValueError(f"compute returned {len(values)} values for {len(missing)} keys.")
                self.update(zip(missing, values))
            found = []
            for key in keys:
                self.move_to_end(key)
                found.append(self[key])
            self.trim()
        return found

    def trim(self) -> None:
        """Drop the least recently used entries beyond ``size``."""
        with self._lock:
            while len(self) > self.size:
                self.popitem(last=False)
